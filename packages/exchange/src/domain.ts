/**
 * The exchange's facts as this bot sees them: plain, readonly data with exact decimal strings, the same in
 * every mode. Nothing here is shaped like ccxt or like Binance's JSON; `binance-payloads.ts` is the one
 * place that turns venue payloads into these types.
 */
import type { Instrument } from '@bot/symbols';

export type { Instrument };

/** A decimal as callers may give it: a decimal string (preferred, exact) or a finite number. */
export type DecimalText = string | number;

export type OrderSide = 'buy' | 'sell';
export type PositionSide = 'long' | 'short';
/** Which price a conditional order watches (Binance's `workingType`). */
export type WorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';
/** `limit` → TAKE_PROFIT with a limit price; `market` → TAKE_PROFIT_MARKET without one. */
export type TakeProfitStyle = 'limit' | 'market';
export type MarginMode = 'isolated' | 'cross';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX' | 'GTD';

export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'canceled' | 'expired' | 'rejected';

/**
 * A close the exchange forced: `liquidation` (client id `autoclose-…`, or order type LIQUIDATION) or `adl`,
 * auto-deleveraging (client id `adl_autoclose`).
 */
export type ForcedClose = 'liquidation' | 'adl';

/** A regular (non-conditional) order: an entry, a close, or the order a conditional order created when it fired. */
export interface Order {
  /** The exchange's order id. */
  readonly id: string;
  readonly clientOrderId: string;
  /** Unified symbol, e.g. `BTC/USDC:USDC`. */
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: 'market' | 'limit';
  readonly status: OrderStatus;
  readonly quantity: string;
  readonly filledQuantity: string;
  /** The limit price; undefined for market orders. */
  readonly price: string | undefined;
  /** Average fill price; undefined while nothing has filled. */
  readonly averagePrice: string | undefined;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly timeInForce: TimeInForce | undefined;
  /** Epoch ms of the last change the exchange reported. */
  readonly updatedAt: number;
  /** Set on an order the exchange placed to liquidate or auto-deleverage the position. */
  readonly closedBy?: ForcedClose | undefined;
}

export type ConditionalOrderType = 'stop-market' | 'stop-limit' | 'take-profit-market' | 'take-profit-limit';
export type ConditionalOrderStatus =
  'open' | 'triggering' | 'triggered' | 'finished' | 'canceled' | 'rejected' | 'expired';

/** A conditional (Algo Order API) order: the stop-losses and take-profits that protect positions. */
export interface ConditionalOrder {
  /** The exchange's algo order id. */
  readonly id: string;
  /** Binance's `clientAlgoId`. */
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: ConditionalOrderType;
  /** `stop-loss` for the STOP types, `take-profit` for the TAKE_PROFIT types. */
  readonly purpose: 'stop-loss' | 'take-profit';
  readonly status: ConditionalOrderStatus;
  readonly triggerPrice: string;
  /** Limit price of the `-limit` types; undefined for the `-market` types. */
  readonly price: string | undefined;
  /** Undefined when `closePosition` is true (the order closes whatever the position is). */
  readonly quantity: string | undefined;
  readonly closePosition: boolean;
  readonly reduceOnly: boolean;
  readonly workingType: WorkingType;
  /** The regular order it created when it fired, once it has. */
  readonly triggeredOrderId: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An open position (one-way mode: at most one per symbol). Quantities are positive; `side` gives the sign. */
export interface Position {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: string;
  readonly entryPrice: string;
  readonly markPrice: string | undefined;
  readonly breakEvenPrice: string | undefined;
  /** Signed decimal string. */
  readonly unrealizedPnl: string;
  readonly liquidationPrice: string | undefined;
  readonly marginMode: MarginMode;
  readonly updatedAt: number;
}

/** One margin asset of the futures account. */
export interface Balance {
  readonly asset: string;
  /** Signed decimal strings (a wallet can go negative after a liquidation). */
  readonly walletBalance: string;
  readonly marginBalance: string;
  readonly availableBalance: string;
  readonly unrealizedPnl: string;
  readonly initialMargin: string;
  readonly maintenanceMargin: string;
  readonly updatedAt: number;
}

/** One execution of one of the account's orders. */
export interface Fill {
  readonly id: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly quantity: string;
  readonly quoteQuantity: string;
  readonly fee: string;
  readonly feeAsset: string;
  /** Signed decimal string. */
  readonly realizedPnl: string;
  readonly maker: boolean;
  readonly time: number;
  /**
   * Set when the fill belongs to a liquidation or ADL order; read only when asked for
   * (`fetchFills(symbol, { includeClosedBy: true })`), since it takes a look-up of the fill's order.
   */
  readonly closedBy?: ForcedClose | undefined;
}

/** A funding payment of one symbol's position (`/fapi/v1/income`, `FUNDING_FEE`): negative when paid. */
export interface FundingPayment {
  readonly id: string;
  readonly symbol: string;
  /** Signed decimal string. */
  readonly amount: string;
  readonly asset: string;
  readonly time: number;
}

/** The account's open orders on one symbol, both books: Binance keeps conditional orders apart. */
export interface OpenOrders {
  readonly orders: readonly Order[];
  readonly conditionalOrders: readonly ConditionalOrder[];
}

/** What `reconcile` reads: the account's positions and open orders of both books. */
export interface ExchangeState {
  readonly positions: readonly Position[];
  readonly orders: readonly Order[];
  readonly conditionalOrders: readonly ConditionalOrder[];
}

/** The side of the order that reduces (closes) a position. */
export function closingSide(positionSide: PositionSide): OrderSide {
  return positionSide === 'long' ? 'sell' : 'buy';
}

/** The side of the order that opens (or adds to) a position. */
export function openingSide(positionSide: PositionSide): OrderSide {
  return positionSide === 'long' ? 'buy' : 'sell';
}

/** Open conditional orders can still fire: `open` and `triggering`. */
export function isLiveConditionalOrder(order: ConditionalOrder): boolean {
  return order.status === 'open' || order.status === 'triggering';
}

/** Open regular orders can still fill: `open` and `partially-filled`. */
export function isLiveOrder(order: Order): boolean {
  return order.status === 'open' || order.status === 'partially-filled';
}

/** What an API key may do, from `GET /sapi/v1/account/apiRestrictions`. */
export interface KeyPermissions {
  /** Bound to a list of IP addresses (Binance then refuses requests from anywhere else). */
  readonly ipRestricted: boolean;
  /** May withdraw funds: a leaked key with this empties the account. */
  readonly withdrawals: boolean;
  readonly futures: boolean;
  readonly reading: boolean;
}
