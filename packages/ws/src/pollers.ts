import type { PollReason } from './feed-supervisor';
import type { MarketEvent, MarketEventType } from './market-events';
import type { UserDataEvent } from './user-data-events';

/**
 * The REST side of the feeds, injected: this package never imports an HTTP client or `@bot/exchange`.
 * A poller returns events of the same types the socket delivers (with `source: 'poll'`); the feed
 * de-duplicates them against what the socket delivered, so a poller may safely return overlapping data.
 */

/** What one poll returned. */
export interface PollResult<E> {
  readonly events: readonly E[];
  /** Binance request weight spent, so the feed can space polls inside its budget. */
  readonly weight: number;
  /** Failed parts (the events of the other parts are still delivered); a poll with errors fills no gap. */
  readonly errors?: readonly unknown[];
}

/** One subscribed series, with what the feed delivered last, so a poller can ask REST for what came after. */
export interface MarketPollTarget {
  readonly stream: string;
  readonly kind: MarketEventType;
  /** Upper case: `BTCUSDC`. */
  readonly symbol: string;
  readonly interval: string | undefined;
  /** Event time of the newest delivered event of the series. */
  readonly lastEventTime: number | undefined;
  /** Newest delivered aggregate trade id (aggTrade) or update id (bookTicker). */
  readonly lastId: number | undefined;
  /**
   * Open time of the newest delivered closed kline (before the first close: just before the first candle
   * delivered in progress). Klines opening after it are wanted.
   */
  readonly lastClosedOpenTime: number | undefined;
}

export interface MarketPollRequest {
  readonly reason: PollReason;
  readonly targets: readonly MarketPollTarget[];
}

/** Fetches market events over REST while the market socket is degraded, and after a reconnect. */
export type MarketPoller = (request: MarketPollRequest) => Promise<PollResult<MarketEvent>>;

export interface UserDataPollRequest {
  readonly reason: PollReason;
}

/**
 * Fetches user-data events over REST. Stateful: `start` (called once when the feed starts) records what
 * already exists, and each `poll` returns what changed since the previous poll or the start.
 */
export interface UserDataPoller {
  start?(): Promise<void>;
  poll(request: UserDataPollRequest): Promise<PollResult<UserDataEvent>>;
}

/** A Binance REST call, for the ready-made pollers and the listenKey helper. */
export interface RestCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** E.g. `/fapi/v1/premiumIndex`. */
  readonly path: string;
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** `NONE` (public), `USER_STREAM` (API key header only) or `SIGNED` (HMAC, timestamp). */
  readonly security: 'NONE' | 'USER_STREAM' | 'SIGNED';
}

/**
 * Performs a Binance REST call and resolves to the parsed JSON body. Rejects on HTTP or Binance errors,
 * ideally with Binance's numeric `code` on the error (or in its message, as ccxt does).
 */
export type RestRequest = (call: RestCall) => Promise<unknown>;

/** The listenKey lifecycle, injected (POST / PUT / DELETE /fapi/v1/listenKey). */
export interface ListenKeyApi {
  /** Creates a key, or returns the active one and extends it (Binance's POST). */
  create(): Promise<string>;
  /** Extends the key by 60 minutes; rejects with -1125 when it no longer exists. */
  keepAlive(listenKey: string): Promise<void>;
  close?(listenKey: string): Promise<void>;
}
