/**
 * Market events as this package delivers them: camelCase, prices and quantities as exact decimal strings
 * (never floats), times as epoch milliseconds. `source` says whether the event came from the WebSocket
 * (`'stream'`) or from REST while the feed was degraded or filling a gap (`'poll'`).
 */
export type EventSource = 'stream' | 'poll';

/** `<symbol>@markPrice@1s` (every second) or `<symbol>@markPrice` (every 3 s); REST: premiumIndex. */
export interface MarkPriceEvent {
  readonly type: 'markPrice';
  readonly source: EventSource;
  readonly symbol: string;
  readonly eventTime: number;
  readonly markPrice: string;
  readonly indexPrice: string;
  readonly estimatedSettlePrice: string;
  readonly fundingRate: string;
  readonly nextFundingTime: number;
}

/** `<symbol>@kline_<interval>`: in progress (`closed: false`, many per candle) and closed (once per candle). */
export interface KlineEvent {
  readonly type: 'kline';
  readonly source: EventSource;
  readonly symbol: string;
  /** Event time; REST-polled klines have none and carry their open time (in progress) or close time. */
  readonly eventTime: number;
  readonly interval: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly takerBuyVolume: string;
  readonly takerBuyQuoteVolume: string;
  readonly trades: number;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly closed: boolean;
}

/** `<symbol>@bookTicker` (served on `/public`); REST: ticker/bookTicker. */
export interface BookTickerEvent {
  readonly type: 'bookTicker';
  readonly source: EventSource;
  readonly symbol: string;
  readonly updateId: number;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly bidPrice: string;
  readonly bidQuantity: string;
  readonly askPrice: string;
  readonly askQuantity: string;
}

/** `<symbol>@aggTrade`; REST: aggTrades. */
export interface AggregateTradeEvent {
  readonly type: 'aggregateTrade';
  readonly source: EventSource;
  readonly symbol: string;
  readonly eventTime: number;
  readonly aggregateTradeId: number;
  readonly price: string;
  readonly quantity: string;
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  readonly tradeTime: number;
  readonly buyerIsMaker: boolean;
}

export type MarketEvent = MarkPriceEvent | KlineEvent | BookTickerEvent | AggregateTradeEvent;
export type MarketEventType = MarketEvent['type'];
