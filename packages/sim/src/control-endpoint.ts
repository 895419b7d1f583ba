/**
 * The emulator's HTTP control endpoints (`/_sim/...`): state, faults, stream drops, listenKey expiry, ADL,
 * API key restrictions, user actions and time, driven from outside.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { autoDeleverageRequestFromJson } from './server/auto-deleverage-request';
import { faultsFromJson } from './server/faults';
import type { ApiRestrictions } from './server/route-basics';
import { userActionFromJson } from './server/user-action-request';
import { orderQueryJson } from './server/wire';
import type { Sim } from './sim';
import { DEFAULT_API_RESTRICTIONS } from './sim-defaults';

export async function handleControl(
  sim: Sim,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) break;
      chunks.push(chunk as Buffer);
    }
  } catch {
    // The client went away mid-body ("aborted"). Unhandled, this rejection crashed the whole emulator;
    // there is nobody left to answer.
    return;
  }
  const send = (status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  let body: Record<string, unknown> = {};
  try {
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() !== '') body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new Error('body must be an object');
  } catch (error) {
    send(400, { error: `invalid JSON body: ${(error as Error).message}` });
    return;
  }
  const path = (request.url ?? '').split('?')[0];
  try {
    switch (`${request.method} ${path}`) {
      case 'GET /_sim/state':
        send(200, sim.state());
        return;
      case 'POST /_sim/faults':
        sim.injectFaults(faultsFromJson(body));
        send(200, { ok: true });
        return;
      case 'DELETE /_sim/faults':
        sim.clearFaults();
        send(200, { ok: true });
        return;
      case 'POST /_sim/streams/drop':
        send(200, { dropped: sim.dropStreams(body.category as 'public' | 'market' | 'private' | undefined) });
        return;
      case 'POST /_sim/listen-keys/expire':
        sim.expireListenKeys();
        send(200, { ok: true });
        return;
      case 'POST /_sim/adl':
        send(200, orderQueryJson(sim.autoDeleverage(autoDeleverageRequestFromJson(body))));
        return;
      case 'POST /_sim/api-restrictions': {
        const { accountId, ...changes } = body;
        for (const [name, value] of Object.entries(changes)) {
          const known = name in DEFAULT_API_RESTRICTIONS;
          const kind = name === 'createTime' ? 'number' : 'boolean';
          if (!known || typeof value !== kind) throw new Error(`${name} must be a known ${kind} field`);
        }
        if (accountId !== undefined && typeof accountId !== 'string')
          throw new Error('accountId must be a string');
        send(200, sim.setApiRestrictions(changes as Partial<ApiRestrictions>, accountId));
        return;
      }
      case 'POST /_sim/user':
        send(200, sim.actAsUser(userActionFromJson(body)));
        return;
      case 'POST /_sim/advance': {
        const ms = Number(body.ms);
        if (!Number.isFinite(ms) || ms < 0) {
          send(400, { error: 'ms must be a non-negative number' });
          return;
        }
        sim.advance(ms);
        send(200, { marketTime: sim.marketTime() });
        return;
      }
      default:
        send(404, { error: `unknown control route ${request.method} ${path}` });
    }
  } catch (error) {
    send(400, { error: (error as Error).message });
  }
}
