import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, expect } from 'vitest';
import { REST_ROUTES } from '../src/server/rest-routes';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';

/**
 * What the http-fuzz-*.test.ts files share: requests over real sockets, one per connection, the checks of
 * an answer, the account a malformed request must leave as it was, and the emulator under test. No fault
 * is injected, so the server must answer every request (no reset, no hang), never with a 5xx, every 4xx
 * in Binance's `{ code, msg }` shape, and a malformed request must never change the account.
 */

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export interface Outgoing {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A guard against a hanging server, not a timing assertion: a healthy answer takes milliseconds. */
export const NO_ANSWER_MS = 5_000;

/** One request on its own connection (no keep-alive reuse, so a reset is always this request's). */
export function send(sim: Sim, outgoing: Outgoing): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(
      `${sim.url}${outgoing.path}`,
      { method: outgoing.method, headers: outgoing.headers, agent: false, timeout: NO_ANSWER_MS },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${NO_ANSWER_MS} ms`)));
    request.on('error', (error) =>
      reject(new Error(`${outgoing.method} ${outgoing.path.slice(0, 200)}: ${error.message}`)),
    );
    if (outgoing.body !== undefined) request.write(outgoing.body);
    request.end();
  });
}

/** Writes raw bytes on a fresh TCP connection and collects whatever comes back until the server closes. */
export function sendRaw(sim: Sim, chunks: readonly (string | Buffer)[], endEarly: boolean): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect(sim.port, '127.0.0.1', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (endEarly) socket.end();
    });
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${NO_ANSWER_MS} ms`));
    }, NO_ANSWER_MS);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A reset after the server's answer is fine here: it is the server closing a connection it refused.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(Buffer.concat(received).toString('latin1'));
    });
  });
}

export function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * What a 4xx body must look like: Binance's shape on the API, `{ error }` on the emulator's control plane
 * (or Binance's shape there too when the HTTP parser refused the request before any route saw it).
 */
export function expectErrorShape(path: string, body: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (path.startsWith('/_sim/') && !('code' in parsed)) {
    expect(Object.keys(parsed)).toEqual(['error']);
    expect(typeof parsed.error).toBe('string');
    return;
  }
  expect(Object.keys(parsed).sort()).toEqual(['code', 'msg']);
  expect(Number.isInteger(parsed.code) && (parsed.code as number) < 0).toBe(true);
  expect(typeof parsed.msg).toBe('string');
}

export function expectWellFormed(outgoing: Outgoing, answer: Answer): void {
  const label = `${outgoing.method} ${outgoing.path.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 200)}`;
  expect(answer.status, label).toBeGreaterThanOrEqual(200);
  expect(answer.status, label).toBeLessThan(500);
  if (outgoing.method === 'HEAD') {
    expect(answer.body, label).toBe('');
    return;
  }
  expect(() => JSON.parse(answer.body), label).not.toThrow();
  if (answer.status >= 400) expectErrorShape(outgoing.path.split('?')[0] ?? '', answer.body);
}

/** The account as a malformed request must leave it. */
export function accountSnapshot(sim: Sim) {
  const accountId = sim.accounts[0]!.accountId;
  const { assets, positions, openOrders, openAlgoOrders, fills } = sim.state();
  return { assets, positions, openOrders, openAlgoOrders, fills, config: sim.core.symbolConfig(accountId) };
}

export const KNOWN_PATHS = [...new Set(Object.keys(REST_ROUTES).map((key) => key.split(' ')[1] as string))];
export const CONTROL_PATHS = [
  '/_sim/state',
  '/_sim/faults',
  '/_sim/streams/drop',
  '/_sim/listen-keys/expire',
  '/_sim/advance',
  '/_sim/adl',
  '/_sim/user',
];

export const BAD_NUMBERS = [
  'abc',
  '-1',
  '1e3',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '１２',
  '',
  ' 1',
  '1 ',
  '1,5',
  '9'.repeat(41),
  '9'.repeat(400),
  '-9007199254740993',
  '99999999999999999999',
  '0.0000000000000000000001',
  '.5',
  '5.',
  '+1',
];

export function signedGet(sim: Sim, path: string, params = ''): Outgoing {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const query = `${params}${params === '' ? '' : '&'}timestamp=${Date.now()}`;
  return {
    method: 'GET',
    path: `${path}?${query}&signature=${hmac(apiSecret, query)}`,
    headers: { 'X-MBX-APIKEY': apiKey },
  };
}

/** A fresh emulator for each test (registers the hooks), and the internal errors it reports. */
export function useFuzzedSim() {
  let sim: Sim;
  let internalErrors: unknown[] = [];
  beforeEach(async () => {
    internalErrors = [];
    sim = await startSim({
      seed: 1,
      speed: 'manual',
      historyMinutes: 30,
      onInternalError: (error) => internalErrors.push(error),
    });
  });
  afterEach(async () => {
    await sim.close();
  });
  return { sim: () => sim, internalErrors: () => internalErrors };
}
