/** What every REST route is made of: the emulator it reads (`RouteContext`), the request it gets, its weight. */
import type { MatchingCore } from '../core/matching-core';
import { SimRejection } from '../core/types';
import type { RequestParams } from './request';

/** What the routes need from the running emulator. */
export interface RouteContext {
  readonly core: MatchingCore;
  /** Binance's server time (wall clock plus any injected skew). */
  serverTime(): number;
  /** The REQUEST_WEIGHT limit per minute now (an option, lowered at run time by a fault). */
  weightLimitPerMinute(): number;
  /** The market clock: the time of the latest market data, which may run accelerated. */
  marketTime(): number;
  klines(
    symbol: string,
    interval: string,
    range: { startTime?: number; endTime?: number; limit: number },
  ): unknown[];
  /** The latest public trades of a symbol, oldest first (a bounded tape), for `GET /fapi/v1/aggTrades`. */
  recentTrades(symbol: string): readonly PublicTrade[];
  /** Arms (ms > 0) or stops (0) the account's countdown that cancels the symbol's open orders. */
  countdownCancelAll(accountId: string, symbol: string, countdownMs: number): void;
  /** The API key's permissions, as `/sapi/v1/account/apiRestrictions` reports them. */
  apiRestrictions(accountId: string): ApiRestrictions;
  listenKeys: {
    createOrExtend(accountId: string): string;
    keepAlive(accountId: string, listenKey: string | undefined): string;
    close(accountId: string, listenKey: string | undefined): void;
  };
}

/** `GET /sapi/v1/account/apiRestrictions`: what the API key may do (Binance's field names). */
export interface ApiRestrictions {
  readonly ipRestrict: boolean;
  readonly createTime: number;
  readonly enableReading: boolean;
  readonly enableWithdrawals: boolean;
  readonly enableInternalTransfer: boolean;
  readonly enableMargin: boolean;
  readonly enableFutures: boolean;
  readonly permitsUniversalTransfer: boolean;
  readonly enableVanillaOptions: boolean;
  readonly enableFixApiTrade: boolean;
  readonly enableFixReadOnly: boolean;
  readonly enableSpotAndMarginTrading: boolean;
  readonly enablePortfolioMarginTrading: boolean;
}

/** One print of the market's trade tape, in Binance's aggTrade row shape. */
export interface PublicTrade {
  readonly a: number;
  readonly p: string;
  readonly q: string;
  readonly f: number;
  readonly l: number;
  readonly T: number;
  readonly m: boolean;
}

export interface RouteRequest {
  readonly params: RequestParams;
  /** Set for USER_STREAM and SIGNED routes. */
  readonly accountId: string;
  readonly context: RouteContext;
}

export type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

export interface Route {
  readonly security: Security;
  /** IP weight per Binance's table (docs/BINANCE.md §7). */
  readonly weight: (params: RequestParams) => number;
  /** Counts against the ORDERS limits (10 s and 1 min): once, or as many as given (batchOrders: 5 and 1). */
  readonly countsAsOrder?: boolean | { readonly tenSeconds: number; readonly minute: number };
  readonly handle: (request: RouteRequest) => unknown;
}

export const weight = (value: number) => (): number => value;

export const withOrWithoutSymbol =
  (withSymbol: number, without: number) =>
  (params: RequestParams): number =>
    params.has('symbol') ? withSymbol : without;

export function symbolOf(request: RouteRequest): string {
  const symbol = request.params.required('symbol').toUpperCase();
  if (!request.context.core.instruments().some((instrument) => instrument.symbol === symbol)) {
    throw new SimRejection(-1121, 'Invalid symbol.');
  }
  return symbol;
}

export function optionalSymbol(request: RouteRequest): string | undefined {
  return request.params.has('symbol') ? symbolOf(request) : undefined;
}

export const WEEK_MS = 7 * 24 * 3_600_000;

export function limitOf(request: RouteRequest, fallback: number, maximum: number): number {
  const limit = request.params.integer('limit') ?? fallback;
  if (limit < 1 || limit > maximum) {
    throw new SimRejection(-1130, "Data sent for parameter 'limit' is not valid.");
  }
  return limit;
}

/** Keeps the rows within [startTime, endTime]; the first `limit` from startTime, else the latest `limit`. */
export function withinRange<T extends { time: number }>(
  request: RouteRequest,
  rows: readonly T[],
  limit: number,
): T[] {
  const startTime = request.params.integer('startTime');
  const endTime = request.params.integer('endTime');
  const inside = rows.filter(
    (row) =>
      (startTime === undefined || row.time >= startTime) && (endTime === undefined || row.time <= endTime),
  );
  return startTime !== undefined ? inside.slice(0, limit) : inside.slice(-limit);
}
