/**
 * The exchange as the rest of the bot sees it. `CcxtExchange` implements it against Binance USDⓈ-M through
 * ccxt; a test double can implement it too. Every mutating method takes an optional `rationale` and hands it
 * back in its result (and in the error it throws), so the caller can audit each action with its reason.
 */
import type {
  Balance,
  ConditionalOrder,
  ConditionalOrderStatus,
  DecimalText,
  ExchangeState,
  Fill,
  FundingPayment,
  Instrument,
  MarginMode,
  OpenOrders,
  Order,
  OrderSide,
  OrderStatus,
  Position,
  PositionSide,
  TakeProfitStyle,
  TimeInForce,
} from './domain';

export interface Rationale {
  /** Why the caller takes this action (e.g. the signal's `why`); returned untouched in the result. */
  readonly rationale?: string | undefined;
}

export interface CreateOrderRequest extends Rationale {
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: 'market' | 'limit';
  /** Floored to the instrument's step. */
  readonly quantity: DecimalText;
  /** Limit orders only; rounded to the tick in the order's favour (buy down, sell up). */
  readonly price?: DecimalText | undefined;
  /** Limit orders only (default GTC). `GTX` is post-only. */
  readonly timeInForce?: TimeInForce | undefined;
  readonly reduceOnly?: boolean | undefined;
  /** Defaults to a fresh random id; give a deterministic one to make the order idempotent. */
  readonly clientOrderId?: string | undefined;
  /**
   * Prepare now, send later: the order is checked, built and signed at once, and its bytes leave only once
   * this settles (resolved). Rejected, nothing is sent and the call fails with its reason. Lets the caller's
   * last checks (a write-ahead record's fsync) overlap the client's work.
   */
  readonly sendAfter?: Promise<unknown> | undefined;
  /**
   * An order that opens a position, answered with an unknown outcome: called once as its look-up over the
   * unknown-outcome window begins (the call resolves or fails only when that window ends).
   */
  readonly onOutcomeUnknown?: (() => void) | undefined;
}

/** A stop-loss or take-profit for a position. Exactly one of `quantity` and `closePosition`. */
export interface ProtectiveOrderRequest extends Rationale {
  readonly symbol: string;
  /** The side of the position to protect; the order goes the other way. */
  readonly positionSide: PositionSide;
  readonly triggerPrice: DecimalText;
  /** Reduce-only quantity (floored to the step). */
  readonly quantity?: DecimalText | undefined;
  /** The closePosition variant: closes whatever the position is when it fires; no quantity, no reduceOnly flag. */
  readonly closePosition?: boolean | undefined;
  readonly clientOrderId?: string | undefined;
}

export interface TakeProfitOrderRequest extends ProtectiveOrderRequest {
  /** Defaults to the adapter's configured style (config `orders.tpOrderStyle`). */
  readonly style?: TakeProfitStyle | undefined;
  /** Limit price of the `limit` style (default: the trigger price). */
  readonly limitPrice?: DecimalText | undefined;
}

export interface ClosePositionRequest extends Rationale {
  readonly symbol: string;
  /**
   * The side of the position to close. With a `quantity`, that much is closed reduce-only; without, the
   * position is read first and closed whole.
   */
  readonly positionSide?: PositionSide | undefined;
  readonly quantity?: DecimalText | undefined;
  /** Client id of the (first) closing order; the others get `-2`, `-3`… appended. */
  readonly clientOrderId?: string | undefined;
}

export interface OrderReference {
  readonly symbol: string;
  readonly id?: string | undefined;
  readonly clientOrderId?: string | undefined;
}

export interface CancelRequest extends OrderReference, Rationale {}

export interface SymbolSettingsRequest extends Rationale {
  readonly symbol: string;
  readonly leverage?: number | undefined;
  readonly marginMode?: MarginMode | undefined;
  /**
   * What the exchange holds, when the caller knows better than the adapter's memory (e.g. from an
   * ACCOUNT_CONFIG_UPDATE after the user changed leverage on the website). Overrides what is remembered;
   * a part left out is taken from memory, or read.
   */
  readonly current?:
    { readonly leverage?: number | undefined; readonly marginMode?: MarginMode | undefined } | undefined;
}

/** A symbol's leverage and margin mode as the exchange holds them. */
export interface SymbolConfiguration {
  readonly symbol: string;
  readonly leverage: number;
  readonly marginMode: MarginMode;
}

export interface OrderResult {
  readonly order: Order;
  readonly rationale: string | undefined;
  /** `lookup` when the order was found by its client id after an unknown outcome or a duplicate id. */
  readonly confirmedBy: 'response' | 'lookup';
}

export interface ConditionalOrderResult {
  readonly order: ConditionalOrder;
  readonly rationale: string | undefined;
  readonly confirmedBy: 'response' | 'lookup';
}

export interface ClosePositionResult {
  /** The closing orders (more than one when the quantity exceeds the market order maximum). */
  readonly orders: readonly Order[];
  /** Total filled by the closing orders. */
  readonly closedQuantity: string;
  /** `true` when nothing was open to close. */
  readonly alreadyFlat: boolean;
  readonly rationale: string | undefined;
}

/** What a cancellation ended with. A cancel of an order that already filled or fired says so. */
export interface CancelResult {
  readonly symbol: string;
  readonly id: string | undefined;
  readonly clientOrderId: string | undefined;
  /** `canceled`, or the final state the order reached before it could be canceled, or `not-found`. */
  readonly status: OrderStatus | ConditionalOrderStatus | 'not-found';
  readonly rationale: string | undefined;
}

export interface CancelAllResult {
  readonly symbol: string;
  readonly canceledOrders: number;
  readonly canceledConditionalOrders: number;
  readonly rationale: string | undefined;
}

export interface SymbolSettings {
  readonly symbol: string;
  readonly leverage: number;
  readonly marginMode: MarginMode;
  readonly rationale: string | undefined;
}

export interface FetchFillsOptions {
  /** Only fills at or after this epoch ms. */
  readonly since?: number | undefined;
  readonly limit?: number | undefined;
  /**
   * Set `closedBy` on fills of liquidation and ADL orders. Costs one order look-up (weight 1) per order the
   * adapter has not seen before (the ones it placed itself are known); give `since` to bound them.
   */
  readonly includeClosedBy?: boolean | undefined;
}

export interface ExchangePort {
  /** Every tradable USDⓈ-M perpetual (USDC and USDT margined) with its rules. */
  instruments(): Promise<readonly Instrument[]>;
  /** One instrument; `InvalidRequestError` for an unknown symbol. */
  instrument(symbol: string): Promise<Instrument>;
  /**
   * Sets leverage and margin mode if they differ (read once per symbol and process, tracked afterwards;
   * `request.current` overrides what is tracked).
   */
  configureSymbol(request: SymbolSettingsRequest): Promise<SymbolSettings>;

  createOrder(request: CreateOrderRequest): Promise<OrderResult>;
  /** STOP_MARKET on the side opposite the position, reduceOnly, workingType from config. */
  createStopLossOrder(request: ProtectiveOrderRequest): Promise<ConditionalOrderResult>;
  /** TAKE_PROFIT (limit style) or TAKE_PROFIT_MARKET (market style), reduceOnly, workingType from config. */
  createTakeProfitOrder(request: TakeProfitOrderRequest): Promise<ConditionalOrderResult>;
  /** Closes a position (or part of it) at market, reduce-only. */
  closePosition(request: ClosePositionRequest): Promise<ClosePositionResult>;

  cancelOrder(request: CancelRequest): Promise<CancelResult>;
  cancelConditionalOrder(request: CancelRequest): Promise<CancelResult>;
  /** Cancels every open order of a symbol, regular and conditional. */
  cancelAllOrders(request: { readonly symbol: string } & Rationale): Promise<CancelAllResult>;

  /** Undefined when the order does not exist. */
  fetchOrder(reference: OrderReference): Promise<Order | undefined>;
  fetchConditionalOrder(reference: OrderReference): Promise<ConditionalOrder | undefined>;
  /** Open regular and conditional orders of one symbol. */
  fetchOpenOrders(symbol: string): Promise<OpenOrders>;
  /** Open positions (all, or of the given symbols). */
  fetchPositions(symbols?: readonly string[]): Promise<readonly Position[]>;
  fetchBalances(): Promise<readonly Balance[]>;
  fetchFills(symbol: string, options?: FetchFillsOptions): Promise<readonly Fill[]>;
  /** The symbol's funding payments from `since` (epoch ms) to `until`, oldest first. */
  fetchFundingPayments(
    symbol: string,
    options?: { readonly since?: number | undefined; readonly until?: number | undefined },
  ): Promise<readonly FundingPayment[]>;
  fetchMarkPrice(symbol: string): Promise<string>;
  /** Positions and open orders of both books for the given symbols: what `reconcile` reads. */
  fetchExchangeState(symbols: readonly string[]): Promise<ExchangeState>;
}
