import ccxt from 'ccxt';
import { ccxtApiUrls } from '../src/ccxt-urls';
import type { Sim } from '../src/sim';

/**
 * The unmodified ccxt `binanceusdm` client pointed at the emulator, set up exactly as docs/BINANCE.md §1
 * says a user should: URLs replaced, currencies not fetched, the linear error map merged.
 */
export function restClient(sim: Sim, account = sim.accounts[0]): InstanceType<typeof ccxt.binanceusdm> {
  const exchange = new ccxt.binanceusdm({
    apiKey: account?.apiKey,
    secret: account?.apiSecret,
    enableRateLimit: false,
    options: { fetchCurrencies: false },
  });
  configure(exchange, sim);
  return exchange;
}

/** ccxt pro needs an http agent loaded before it opens a plain ws:// (non-TLS) connection. */
export async function proClient(
  sim: Sim,
  account = sim.accounts[0],
): Promise<InstanceType<typeof ccxt.pro.binanceusdm>> {
  const exchange = new ccxt.pro.binanceusdm({
    apiKey: account?.apiKey,
    secret: account?.apiSecret,
    enableRateLimit: false,
    options: { fetchCurrencies: false },
  });
  configure(exchange, sim);
  await exchange.loadHttpProxyAgent();
  return exchange;
}

function configure(
  exchange: InstanceType<typeof ccxt.binanceusdm | typeof ccxt.pro.binanceusdm>,
  sim: Sim,
): void {
  const urls = exchange.urls as { api: Record<string, unknown> };
  const currentWs = (urls.api.ws ?? {}) as Record<string, unknown>;
  urls.api = { ...ccxtApiUrls(sim.url), ws: { ...currentWs, future: `${sim.wsUrl}/ws` } };
  const exceptions = exchange.exceptions as {
    exact: Record<string, unknown>;
    linear: { exact: Record<string, unknown> };
  };
  exceptions.exact = { ...exceptions.exact, ...exceptions.linear.exact };
}
