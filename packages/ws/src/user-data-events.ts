import type { EventSource } from './market-events';

/**
 * User-data events (Binance's `/private` stream) as this package delivers them. Field names are spelled
 * out; decimals stay exact strings; `source` is `'stream'` or `'poll'` (reconstructed from REST while the
 * stream was down). See docs/BINANCE.md §5b for Binance's payloads.
 */

export type OrderSide = 'BUY' | 'SELL';

/** ORDER_TRADE_UPDATE: an order's life (NEW, TRADE, CANCELED, EXPIRED, CALCULATED, AMENDMENT). */
export interface OrderUpdateEvent {
  readonly type: 'orderUpdate';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly orderType: string;
  readonly timeInForce: string;
  readonly quantity: string;
  readonly price: string;
  readonly averagePrice: string;
  readonly stopPrice: string;
  /** `x`: NEW, CANCELED, CALCULATED (liquidation), EXPIRED, TRADE, AMENDMENT. */
  readonly executionType: string;
  /** `X`: NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, EXPIRED_IN_MATCH. */
  readonly orderStatus: string;
  readonly orderId: number;
  readonly lastFilledQuantity: string;
  readonly cumulativeFilledQuantity: string;
  readonly lastFilledPrice: string;
  /** Omitted by Binance when the commission is zero. */
  readonly commissionAsset: string | undefined;
  readonly commission: string | undefined;
  readonly tradeTime: number;
  /** 0 unless `executionType` is TRADE. */
  readonly tradeId: number;
  readonly isMaker: boolean;
  readonly reduceOnly: boolean;
  readonly workingType: string;
  readonly originalOrderType: string;
  readonly positionSide: string;
  readonly closePosition: boolean;
  readonly realizedProfit: string;
  /** Client id `autoclose-…`: the exchange liquidated this position. */
  readonly isLiquidation: boolean;
  /** Client id `adl_autoclose`: auto-deleveraging. */
  readonly isAutoDeleveraging: boolean;
}

export interface BalanceChange {
  readonly asset: string;
  readonly walletBalance: string;
  readonly crossWalletBalance: string;
  /** Balance change other than PnL and commission (`bc`); `'0'` in REST snapshots. */
  readonly balanceChange: string;
}

export interface PositionChange {
  readonly symbol: string;
  readonly positionAmount: string;
  readonly entryPrice: string;
  readonly breakEvenPrice: string;
  readonly accumulatedRealized: string;
  readonly unrealizedProfit: string;
  readonly marginType: 'isolated' | 'cross';
  readonly isolatedWallet: string;
  readonly positionSide: string;
}

/**
 * ACCOUNT_UPDATE: balances and positions that changed, with Binance's reason (ORDER, FUNDING_FEE, …).
 * REST snapshots taken while degraded carry `reason: 'SNAPSHOT'` and list only entries that differ from
 * what the feed delivered last.
 */
export interface AccountUpdateEvent {
  readonly type: 'accountUpdate';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly reason: string;
  readonly balances: readonly BalanceChange[];
  readonly positions: readonly PositionChange[];
}

/** ALGO_UPDATE: a conditional (stop / take-profit) order's life: NEW, TRIGGERING, TRIGGERED, FINISHED, … */
export interface AlgoUpdateEvent {
  readonly type: 'algoUpdate';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly clientAlgoId: string;
  readonly algoId: number;
  readonly algoType: string;
  readonly orderType: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly positionSide: string;
  readonly timeInForce: string;
  readonly quantity: string;
  readonly algoStatus: string;
  /** The order the trigger placed, once triggered. */
  readonly actualOrderId: string | undefined;
  readonly actualPrice: string;
  readonly triggerPrice: string;
  readonly price: string;
  readonly workingType: string;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly reduceOnly: boolean;
  readonly triggerTime: number;
  readonly rejectReason: string;
}

/** TRADE_LITE: a fill, lighter and earlier than ORDER_TRADE_UPDATE. */
export interface TradeLiteEvent {
  readonly type: 'tradeLite';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly symbol: string;
  readonly originalQuantity: string;
  readonly originalPrice: string;
  readonly isMaker: boolean;
  readonly clientOrderId: string;
  readonly side: OrderSide;
  readonly lastFilledPrice: string;
  readonly lastFilledQuantity: string;
  readonly tradeId: number;
  readonly orderId: number;
}

export interface MarginCallPosition {
  readonly symbol: string;
  readonly positionSide: string;
  readonly positionAmount: string;
  readonly marginType: string;
  readonly isolatedWallet: string;
  readonly markPrice: string;
  readonly unrealizedProfit: string;
  readonly maintenanceMargin: string;
}

/** MARGIN_CALL: positions close to liquidation. */
export interface MarginCallEvent {
  readonly type: 'marginCall';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly crossWalletBalance: string | undefined;
  readonly positions: readonly MarginCallPosition[];
}

/** ACCOUNT_CONFIG_UPDATE: leverage of a symbol, or the multi-assets mode. */
export interface AccountConfigUpdateEvent {
  readonly type: 'accountConfigUpdate';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly transactionTime: number;
  readonly leverage: { readonly symbol: string; readonly leverage: number } | undefined;
  readonly multiAssetsMode: boolean | undefined;
}

/** listenKeyExpired: the stream stopped; the feed creates a new key and reconnects by itself. */
export interface ListenKeyExpiredEvent {
  readonly type: 'listenKeyExpired';
  readonly source: EventSource;
  readonly eventTime: number;
  readonly listenKey: string;
}

export type UserDataEvent =
  | OrderUpdateEvent
  | AccountUpdateEvent
  | AlgoUpdateEvent
  | TradeLiteEvent
  | MarginCallEvent
  | AccountConfigUpdateEvent
  | ListenKeyExpiredEvent;
export type UserDataEventType = UserDataEvent['type'];
