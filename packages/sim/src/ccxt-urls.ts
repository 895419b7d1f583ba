/**
 * The `urls.api` map that points ccxt's `binanceusdm` at the emulator. It replaces the whole map, so a
 * stray spot, margin or coin-M call fails fast in ccxt (NotSupported) instead of reaching Binance.
 *
 *   const exchange = new ccxt.binanceusdm({ apiKey, secret, options: { fetchCurrencies: false } });
 *   exchange.urls.api = ccxtApiUrls(sim.url, sim.wsUrl);
 */
export function ccxtApiUrls(restUrl: string, wsUrl?: string) {
  return {
    fapiPublic: `${restUrl}/fapi/v1`,
    fapiPublicV2: `${restUrl}/fapi/v2`,
    fapiPublicV3: `${restUrl}/fapi/v3`,
    fapiPrivate: `${restUrl}/fapi/v1`,
    fapiPrivateV2: `${restUrl}/fapi/v2`,
    fapiPrivateV3: `${restUrl}/fapi/v3`,
    fapiData: `${restUrl}/futures/data`,
    // Only `account/apiRestrictions` is served there; any other sapi call gets the emulator's loud 404.
    sapi: `${restUrl}/sapi/v1`,
    ...(wsUrl ? { ws: { future: `${wsUrl}/ws` } } : {}),
  };
}
