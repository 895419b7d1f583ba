export type {
  Balance,
  ConditionalOrder,
  ConditionalOrderStatus,
  ConditionalOrderType,
  DecimalText,
  ExchangeState,
  Fill,
  ForcedClose,
  FundingPayment,
  Instrument,
  KeyPermissions,
  MarginMode,
  OpenOrders,
  Order,
  OrderSide,
  OrderStatus,
  Position,
  PositionSide,
  TakeProfitStyle,
  TimeInForce,
  WorkingType,
} from './domain';
export { closingSide, isLiveConditionalOrder, isLiveOrder, openingSide } from './domain';
export {
  AuthenticationFailedError,
  ExchangeAdapterError,
  ExchangeConfigurationError,
  InvalidRequestError,
  OrderNotFoundError,
  RateLimitedError,
  RequestRejectedError,
  RetriesExhaustedError,
  UnexpectedResponseError,
  UnknownOutcomeError,
  exchangeErrorCodes,
  isExchangeAdapterError,
} from './errors';
export type { ExchangeErrorCode, ExchangeErrorDetails, RejectionReason } from './errors';
export { classifyExchangeFailure, parseExchangeCode, parseRetryAfter } from './error-classification';
export type { ClassifiedFailure, FailedResponse, FailureKind, RequestKind } from './error-classification';
export type {
  CancelAllResult,
  CancelRequest,
  CancelResult,
  ClosePositionRequest,
  ClosePositionResult,
  ConditionalOrderResult,
  CreateOrderRequest,
  ExchangePort,
  FetchFillsOptions,
  OrderReference,
  OrderResult,
  ProtectiveOrderRequest,
  Rationale,
  SymbolConfiguration,
  SymbolSettings,
  SymbolSettingsRequest,
  TakeProfitOrderRequest,
} from './exchange-port';
export { buildExchangeClient, createExchangeClient, emulatorApiUrls } from './exchange-client';
export type {
  ExchangeClient,
  ExchangeClientOptions,
  ExchangeClientStartOptions,
  ExchangeMode,
  FetchedResponse,
} from './exchange-client';
export { CcxtExchange, createExchange } from './ccxt-exchange';
export { splitQuantity } from './order-checks';
export type { BinanceRestCall, CcxtExchangeOptions, ExecutionOptions, OrderSettings } from './ccxt-exchange';
export {
  RequestExecutor,
  deprecatedBackoffDelay as backoffDelay,
  defaultExecutionSettings,
  requestBackoffDelay,
  unknownOutcomeMarginMs,
} from './request-executor';
export type { ExchangeRequest, Executed, ExecutionSettings, ExecutorHooks } from './request-executor';
export {
  clientOrderIdsFor,
  defaultClientIdPrefix,
  isValidClientOrderId,
  randomClientOrderId,
} from './client-order-ids';
export type { ClientOrderIds, ClientOrderRole } from './client-order-ids';
export { openProtectedPosition } from './protected-entry';
export type {
  LimitEntry,
  MarketEntry,
  PositionIntent,
  ProtectedEntryOptions,
  ProtectedEntryResult,
  ProtectedEntryStatus,
} from './protected-entry';
export type { Incident, IncidentCode, IncidentError, IncidentSeverity } from './incidents';
export { reconcile } from './reconcile';
export type { LocalIntent, ReconcileAction, ReconcileFlagCode, ReconcilePolicy } from './reconcile';
export { applyReconcileActions } from './apply-reconcile-actions';
export type {
  ApplyReconcileOptions,
  ApplyReconcileResult,
  ReconcileOutcome,
} from './apply-reconcile-actions';
export { settleExits } from './settle-exits';
export type { SettleResult } from './settle-exits';
export { realSleep, resolveRuntime } from './runtime';
export type { ExchangeLogEntry, ExchangeLogger, LogLevel, Runtime, RuntimeOptions } from './runtime';
