import type { CcxtExchange } from '@bot/exchange';
import type { RestRequest } from '@bot/ws';

/**
 * `@bot/ws`'s injected REST transport, through the adapter that sends the orders: the same ccxt client (one
 * clock offset, one set of keys, ccxt's signing) and the same request executor, so the pollers and listenKey
 * calls wait out a 429/418 pause and its Retry-After like every order instead of escalating a ban.
 */
export function ccxtRestRequest(exchange: Pick<CcxtExchange, 'restRequest'>): RestRequest {
  return (call) => exchange.restRequest(call);
}
