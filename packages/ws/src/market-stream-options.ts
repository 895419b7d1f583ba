import type { FeedStats, CommonFeedEvents } from './feed-events';
import type { ConnectionOptions } from './feed-options';
import type {
  AggregateTradeEvent,
  BookTickerEvent,
  KlineEvent,
  MarketEventType,
  MarkPriceEvent,
} from './market-events';
import type { MarketPoller } from './pollers';

/** `MarketStream`'s options, events and counters (re-exported by `market-stream.ts`). */

export interface MarketStreamEvents extends CommonFeedEvents {
  markPrice: MarkPriceEvent;
  kline: KlineEvent;
  bookTicker: BookTickerEvent;
  aggregateTrade: AggregateTradeEvent;
}

export interface MarketStreamOptions extends ConnectionOptions {
  /** Streams to subscribe at start, e.g. `['btcusdc@markPrice@1s', 'btcusdc@kline_1m']`. */
  readonly streams?: readonly string[];
  /** REST fallback while degraded and gap fill after reconnects (none: degraded means blind). */
  readonly poller?: MarketPoller;
  /** Streams per socket (200; Binance allows 1 024). More streams open more sockets. */
  readonly maxStreamsPerConnection?: number;
  /**
   * Silence after which a stream counts as down although its socket is open. A number applies to mark
   * price and klines (5 000 ms; at least 3 cadences, so 9 000 ms for the 3 s `@markPrice`); per kind,
   * 0 disables. Book tickers and aggregate trades tick only on activity and are not watched by default.
   */
  readonly staleAfterMs?: number | Partial<Record<MarketEventType, number>>;
  /** Deadline for a SUBSCRIBE/UNSUBSCRIBE answer (10 000 ms). */
  readonly subscribeTimeoutMs?: number;
}

export interface MarketStreamStats extends FeedStats {
  /** Events of streams no longer subscribed (in flight during UNSUBSCRIBE). */
  readonly unsubscribed: number;
  readonly connections: number;
  readonly streams: number;
}
