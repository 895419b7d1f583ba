import type { ExchangeClient } from '@bot/exchange';
import type { RestCall, RestRequest } from '@bot/ws';

/**
 * `@bot/ws`'s injected REST transport, through the same ccxt client the orders go through: one clock
 * offset, one rate limiter, one set of keys, and ccxt's signing (HMAC for SIGNED, the key header alone for
 * the listenKey calls). `/fapi/v2/positionRisk` becomes ccxt's `fapiPrivateV2` API with path `positionRisk`.
 */
export function ccxtRestRequest(client: ExchangeClient): RestRequest {
  return async (call: RestCall) => {
    const match = /^\/fapi\/v([123])\/(.+)$/.exec(call.path);
    if (!match) throw new Error(`ccxtRestRequest: unsupported path ${call.path}`);
    const [, version, path] = match;
    const api = `fapi${call.security === 'NONE' ? 'Public' : 'Private'}${version === '1' ? '' : `V${version}`}`;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.params ?? {})) params[name] = String(value);
    // ccxt resolves to the parsed JSON body and throws its own errors with Binance's body (and code) in the message.
    return (await client.request(path, api, call.method, params)) as unknown;
  };
}
