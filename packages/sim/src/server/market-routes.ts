/** Handlers of the market-data routes: depth and kline weights, premium index, 24 h ticker. */
import type { RequestParams } from './request';
import type { RouteContext, RouteRequest } from './route-basics';

/** The limits `GET /fapi/v1/depth` accepts (Binance's list; anything else is -1130). */
export const DEPTH_LIMITS: readonly number[] = [5, 10, 20, 50, 100, 500, 1000];

/** Binance's depth weights: 2 up to 50 levels, 5 for 100, 10 for 500, 20 for 1000. */
export function depthWeight(params: RequestParams): number {
  const limit = Number(params.optional('limit') ?? 500);
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

export function klineWeight(params: RequestParams): number {
  const limit = Number(params.optional('limit') ?? 500);
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

export function premiumIndex(request: RouteRequest, symbol: string) {
  const market = request.context.core.market(symbol);
  return {
    symbol,
    markPrice: market.markPrice,
    indexPrice: market.indexPrice,
    estimatedSettlePrice: market.indexPrice,
    lastFundingRate: market.fundingRate,
    interestRate: '0.00010000',
    nextFundingTime: market.nextFundingTime,
    time: market.time,
  };
}

/** The 24 h rolling statistics of a symbol (`GET /fapi/v1/ticker/24hr`, the `@ticker` streams). */
export function ticker24hOf(context: Pick<RouteContext, 'core' | 'klines' | 'marketTime'>, symbol: string) {
  const market = context.core.market(symbol);
  const now = context.marketTime();
  const rows = context.klines(symbol, '1m', { startTime: now - 24 * 3_600_000, limit: 1500 }) as [
    number,
    string,
    string,
    string,
    string,
    string,
    number,
    string,
    number,
  ][];
  const first = rows[0];
  const open = first ? first[1] : market.lastPrice;
  const high = rows.reduce((max, row) => Math.max(max, Number(row[2])), Number(market.lastPrice));
  const low = rows.reduce((min, row) => Math.min(min, Number(row[3])), Number(market.lastPrice));
  const volume = rows.reduce((sum, row) => sum + Number(row[5]), 0);
  const quoteVolume = rows.reduce((sum, row) => sum + Number(row[7]), 0);
  const change = Number(market.lastPrice) - Number(open);
  return {
    symbol,
    priceChange: change.toFixed(8),
    priceChangePercent: Number(open) === 0 ? '0' : ((change / Number(open)) * 100).toFixed(3),
    weightedAvgPrice: volume === 0 ? market.lastPrice : (quoteVolume / volume).toFixed(8),
    lastPrice: market.lastPrice,
    lastQty: '0',
    openPrice: open,
    highPrice: String(high),
    lowPrice: String(low),
    volume: volume.toFixed(8),
    quoteVolume: quoteVolume.toFixed(8),
    openTime: first ? first[0] : now,
    closeTime: now,
    firstId: 0,
    lastId: 0,
    count: rows.reduce((sum, row) => sum + Number(row[8]), 0),
  };
}

export function ticker24h(request: RouteRequest, symbol: string) {
  return ticker24hOf(request.context, symbol);
}
