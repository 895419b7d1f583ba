import { createHmac } from 'node:crypto';
import type { Sim } from '@bot/sim';
import type { RestCall, RestRequest } from '../src/pollers';

/** A REST error as the tests' transport reports it: Binance's numeric code on `code`. */
export class RestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

/**
 * The injected REST transport for tests: plain `fetch` against the emulator, with Binance's HMAC-SHA256
 * signature over the query for SIGNED calls and the API key header for SIGNED and USER_STREAM calls.
 */
export function simRest(sim: Sim, accountIndex = 0): RestRequest & { calls: RestCall[] } {
  const account = sim.accounts[accountIndex];
  if (!account) throw new Error(`no account ${accountIndex}`);
  const calls: RestCall[] = [];
  const request = async (call: RestCall): Promise<unknown> => {
    calls.push(call);
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(call.params ?? {})) query.set(name, String(value));
    if (call.security === 'SIGNED') {
      query.set('timestamp', String(Date.now()));
      query.set('recvWindow', '10000');
      const signature = createHmac('sha256', account.apiSecret).update(query.toString()).digest('hex');
      query.set('signature', signature);
    }
    const text = query.toString();
    const response = await fetch(`${sim.url}${call.path}${text ? `?${text}` : ''}`, {
      method: call.method,
      headers: call.security === 'NONE' ? {} : { 'X-MBX-APIKEY': account.apiKey },
    });
    const body = (await response.json()) as unknown;
    const code =
      typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'number'
        ? (body as { code: number }).code
        : undefined;
    if (!response.ok || (code !== undefined && code < 0)) {
      throw new RestError(
        `${call.method} ${call.path} → ${response.status} ${JSON.stringify(body)}`,
        response.status,
        code,
      );
    }
    return body;
  };
  return Object.assign(request, { calls });
}

/** Places a market order through the signed REST API; resolves to the order's JSON. */
export async function marketOrder(
  rest: RestRequest,
  symbol: string,
  side: 'BUY' | 'SELL',
  quantity: string,
): Promise<{ orderId: number }> {
  return (await rest({
    method: 'POST',
    path: '/fapi/v1/order',
    params: { symbol, side, type: 'MARKET', quantity },
    security: 'SIGNED',
  })) as { orderId: number };
}
