export { MarketStream } from './market-stream';
export type { MarketStreamEvents, MarketStreamOptions, MarketStreamStats } from './market-stream';
export { UserDataStream, deduplicationKey } from './user-data-stream';
export type { UserDataStreamEvents, UserDataStreamOptions } from './user-data-stream';
export type { ConnectionEvent, DroppedMessage, FeedStats } from './feed-events';
export { defaultHealthThresholds } from './feed-health';
export type {
  FeedHealthState,
  FeedName,
  HealthCause,
  HealthThresholds,
  HealthTransition,
} from './feed-health';
export type { PollReason } from './feed-supervisor';
export { defaultConnectionOptions } from './feed-options';
export type { ConnectionOptions } from './feed-options';
export type { DisconnectCause, CreateWebSocket } from './resilient-connection';
export { systemClock } from './clock';
export type { Clock } from './clock';
// The backoff moved to @bot/symbols; re-exported so existing imports keep working (import it from there).
export { backoffDelay, defaultBackoff } from '@bot/symbols';
export type { BackoffOptions } from '@bot/symbols';
export { WsError, isWsError, isListenKeyMissingError } from './errors';
export type { WsErrorCode } from './errors';
export type { Listener } from './listeners';
export {
  aggregateTradeStream,
  bookTickerStream,
  describeMarketStream,
  klineIntervals,
  klineStream,
  markPriceStream,
} from './stream-names';
export type { KlineInterval, MarketStreamCategory, MarketStreamDescriptor } from './stream-names';
export { parseMarketMessage, parseMarketPayload } from './parse-market-message';
export type { MarketMessage } from './parse-market-message';
export { parseUserDataMessage, parseUserDataPayload } from './parse-user-data-message';
export type { UserDataMessage } from './parse-user-data-message';
export type { MalformedMessage, ReplyMessage, UnknownMessage } from './messages';
export type {
  AggregateTradeEvent,
  BookTickerEvent,
  EventSource,
  KlineEvent,
  MarketEvent,
  MarketEventType,
  MarkPriceEvent,
} from './market-events';
export type {
  AccountConfigUpdateEvent,
  AccountUpdateEvent,
  AlgoUpdateEvent,
  BalanceChange,
  ListenKeyExpiredEvent,
  MarginCallEvent,
  MarginCallPosition,
  OrderSide,
  OrderUpdateEvent,
  PositionChange,
  TradeLiteEvent,
  UserDataEvent,
  UserDataEventType,
} from './user-data-events';
export type {
  ListenKeyApi,
  MarketPoller,
  MarketPollRequest,
  MarketPollTarget,
  PollResult,
  RestCall,
  RestRequest,
  UserDataPoller,
  UserDataPollRequest,
} from './pollers';
export { createBinanceMarketPoller } from './binance-market-poller';
export type { BinanceMarketPollerOptions } from './binance-market-poller';
export { createBinanceListenKeyApi, createBinanceUserDataPoller } from './binance-user-data-poller';
export type { BinanceUserDataPollerOptions } from './binance-user-data-poller';
