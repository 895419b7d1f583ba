/**
 * The contract of the pure matching core: what it takes, what it answers, what it emits.
 * No I/O and no clock here: every command carries `now` (epoch ms of the market clock).
 * Prices and quantities cross this boundary as decimal strings, exactly as Binance sends them.
 */

import type { BookSpec } from './order-book';

export type Side = 'BUY' | 'SELL';
export type MarginType = 'CROSSED' | 'ISOLATED';
export type WorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'GTX';
export type RegularOrderType = 'MARKET' | 'LIMIT';
export type ConditionalOrderType = 'STOP_MARKET' | 'TAKE_PROFIT_MARKET' | 'STOP' | 'TAKE_PROFIT';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED' | 'EXPIRED_IN_MATCH';
export type AlgoStatus =
  'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type ExecutionType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED' | 'CALCULATED' | 'AMENDMENT';
/** An order the exchange placed itself to close a position: a liquidation or an auto-deleveraging. */
export type ForcedClose = 'LIQUIDATION' | 'ADL';

/** One tradable perpetual with Binance's filters (all decimal strings). */
export interface InstrumentSpec {
  readonly symbol: string; // exchange id, e.g. 'BTCUSDC'
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly marketMaxQty: string;
  /** MARKET_LOT_SIZE step and minimum, for MARKET orders and the market (`*_MARKET`) algo types; default LOT_SIZE's. */
  readonly marketStepSize?: string;
  readonly marketMinQty?: string;
  readonly minNotional: string;
  readonly maxLeverage: number;
  /** Maintenance margin rate of the first bracket, e.g. 0.004. */
  readonly maintenanceMarginRate: number;
  /** PERCENT_PRICE: a limit price must lie within mark × [down, up]. */
  readonly percentPriceUp: string;
  readonly percentPriceDown: string;
  /** The seeded order book takers walk (see order-book.ts); without it, unlimited liquidity at the last price. */
  readonly book?: BookSpec;
}

/** A Binance-shaped rejection: `code` and `msg` go to the client verbatim (HTTP 400 unless `httpStatus`). */
export class SimRejection extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly httpStatus = 400,
  ) {
    super(`${code} ${msg}`);
    this.name = 'SimRejection';
  }
}

export interface NewOrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: RegularOrderType;
  readonly quantity: string;
  readonly price?: string;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
  readonly newClientOrderId?: string;
}

export interface NewAlgoOrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: ConditionalOrderType;
  readonly triggerPrice: string;
  /** Absent when `closePosition` is true. */
  readonly quantity?: string;
  /** Limit price of STOP / TAKE_PROFIT. */
  readonly price?: string;
  readonly workingType?: WorkingType; // default CONTRACT_PRICE, as Binance
  readonly reduceOnly?: boolean;
  readonly closePosition?: boolean;
  readonly timeInForce?: TimeInForce;
  readonly priceProtect?: boolean;
  readonly clientAlgoId?: string;
}

export interface OrderView {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: RegularOrderType;
  /** For the child order of an algo order: the algo's type (ot in events). */
  readonly origType: RegularOrderType | ConditionalOrderType;
  readonly status: OrderStatus;
  readonly timeInForce: TimeInForce;
  readonly price: string;
  readonly avgPrice: string;
  readonly origQty: string;
  readonly executedQty: string;
  readonly cumQuote: string;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly stopPrice: string;
  readonly workingType: WorkingType;
  readonly time: number;
  readonly updateTime: number;
  /** Set on the exchange's own closing orders (`autoclose-…`, `adl_autoclose`); their fills execute as CALCULATED. */
  readonly forcedClose?: ForcedClose;
}

export interface AlgoOrderView {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: ConditionalOrderType;
  readonly algoStatus: AlgoStatus;
  readonly quantity: string;
  readonly price: string;
  readonly triggerPrice: string;
  readonly workingType: WorkingType;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly createTime: number;
  readonly updateTime: number;
  readonly triggerTime: number;
  /** orderId of the child order once triggered, else 0. */
  readonly actualOrderId: number;
  readonly actualPrice: string;
  /** Added: executed quantity of the child order when the algo order finished (`aq` in ALGO_UPDATE), else "0". */
  readonly actualQty: string;
  /** Why it was rejected or expired, if it was. */
  readonly rejectReason: string;
}

export interface PositionView {
  readonly symbol: string;
  /** Signed: negative for shorts. */
  readonly positionAmt: string;
  readonly entryPrice: string;
  readonly breakEvenPrice: string;
  readonly markPrice: string;
  readonly unrealizedProfit: string;
  readonly liquidationPrice: string;
  readonly leverage: number;
  readonly marginType: MarginType;
  readonly isolatedMargin: string;
  readonly isolatedWallet: string;
  /** Signed like positionAmt. */
  readonly notional: string;
  readonly initialMargin: string;
  readonly maintMargin: string;
  readonly updateTime: number;
}

export interface AssetView {
  readonly asset: string;
  readonly walletBalance: string;
  readonly unrealizedProfit: string;
  readonly marginBalance: string;
  readonly maintMargin: string;
  readonly initialMargin: string;
  readonly positionInitialMargin: string;
  readonly openOrderInitialMargin: string;
  readonly crossWalletBalance: string;
  readonly crossUnPnl: string;
  readonly availableBalance: string;
  readonly maxWithdrawAmount: string;
  readonly updateTime: number;
}

/**
 * A balance change that is not a fill: a funding payment (FUNDING_FEE, with its symbol) or a transfer in or
 * out of the futures wallet (TRANSFER, symbol ''), as `/fapi/v1/income` lists them.
 */
export interface LedgerEntryView {
  readonly tranId: number;
  readonly incomeType: 'FUNDING_FEE' | 'TRANSFER';
  readonly symbol: string;
  readonly asset: string;
  /** Signed: negative when the account paid. */
  readonly income: string;
  readonly time: number;
}

/** PUT /fapi/v1/order: a LIMIT order's new quantity and price (Binance requires both, and the side). */
export interface ModifyOrderRequest {
  readonly side: Side;
  readonly quantity: string;
  readonly price: string;
}

export interface FillView {
  readonly tradeId: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly side: Side;
  readonly price: string;
  readonly qty: string;
  readonly quoteQty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly realizedPnl: string;
  readonly maker: boolean;
  readonly time: number;
}

/** A market data point the core reacts to: triggers, resting-order fills, liquidations, funding. */
export interface MarketUpdate {
  readonly symbol: string;
  readonly lastPrice: string;
  readonly markPrice: string;
  readonly indexPrice?: string;
  readonly time: number;
}

/**
 * What the core emits; the server turns each into Binance's user-data payloads. The order, trade and fill
 * account events are class instances (`events.ts`) that print their views when first read: read their
 * properties, or `JSON.stringify` them (same JSON as plain objects); a spread, `Object.keys` or a deep
 * comparison (`toEqual`) does not see the views, which are getters.
 */
export type CoreEvent =
  | {
      readonly kind: 'order';
      readonly accountId: string;
      readonly time: number;
      readonly execution: ExecutionType;
      readonly order: OrderView;
      /** Set on TRADE and CALCULATED executions. */
      readonly fill?: FillView;
    }
  | { readonly kind: 'algo'; readonly accountId: string; readonly time: number; readonly algo: AlgoOrderView }
  | {
      readonly kind: 'account';
      readonly accountId: string;
      readonly time: number;
      readonly reason:
        'ORDER' | 'FUNDING_FEE' | 'DEPOSIT' | 'WITHDRAW' | 'MARGIN_TYPE_CHANGE' | 'ADMIN_DEPOSIT';
      readonly balances: readonly AssetView[];
      /** A deposit's or withdrawal's signed amount (`bc`: the balance change apart from PnL and fees). */
      readonly balanceChange?: string;
      /** Only the positions that changed. */
      readonly positions: readonly PositionView[];
    }
  | {
      readonly kind: 'leverage';
      readonly accountId: string;
      readonly time: number;
      readonly symbol: string;
      readonly leverage: number;
    }
  | {
      readonly kind: 'marginCall';
      readonly accountId: string;
      readonly time: number;
      readonly crossWalletBalance: string;
      readonly positions: readonly PositionView[];
    }
  | {
      /** A public trade print (own fills and liquidations), for aggTrade streams. */
      readonly kind: 'trade';
      readonly symbol: string;
      readonly time: number;
      readonly price: string;
      readonly qty: string;
      readonly buyerIsMaker: boolean;
    };

/** One-shot faults the core itself honours (the server handles transport faults). */
export interface CoreFaults {
  /** The next regular order (or algo child) fills only this fraction (0..1) of its quantity, rest stays open/expires per TIF. */
  partialFillRatio?: number;
  /** The next algo order placement is rejected with this code and message (e.g. -2021 "Order would immediately trigger."). */
  rejectNextConditional?: { code: number; msg: string };
}

/* ---- Added with the matching core: argument and answer shapes of MatchingCore's other methods. ---- */

/** Which regular order: by orderId, else by the client id (the most recent order carrying it). */
export interface OrderReference {
  readonly orderId?: number;
  readonly origClientOrderId?: string;
}

/** Which algo order: by algoId, else by clientAlgoId (the most recent algo order carrying it). */
export interface AlgoOrderReference {
  readonly algoId?: number;
  readonly clientAlgoId?: string;
}

/** Answer of POST /fapi/v1/leverage. */
export interface LeverageView {
  readonly leverage: number;
  readonly maxNotionalValue: string;
  readonly symbol: string;
}

/** One row of GET /fapi/v1/symbolConfig. */
export interface SymbolConfigView {
  readonly symbol: string;
  readonly marginType: MarginType;
  readonly isAutoAddMargin: false;
  readonly leverage: number;
  readonly maxNotionalValue: string;
}

/** Market state of one symbol (premiumIndex, ticker). `nextFundingTime` is 0 before the first update. */
export interface MarketView {
  readonly symbol: string;
  readonly lastPrice: string;
  readonly markPrice: string;
  readonly indexPrice: string;
  readonly fundingRate: string;
  readonly nextFundingTime: number;
  readonly time: number;
}

/** Account-level totals of /fapi/v3/account, summed over the margin assets (1:1, single-asset mode). */
export interface AccountTotalsView {
  readonly totalWalletBalance: string;
  readonly totalUnrealizedProfit: string;
  readonly totalMarginBalance: string;
  readonly totalInitialMargin: string;
  readonly totalMaintMargin: string;
  readonly totalPositionInitialMargin: string;
  readonly totalOpenOrderInitialMargin: string;
  readonly totalCrossWalletBalance: string;
  readonly totalCrossUnPnl: string;
  readonly availableBalance: string;
  readonly maxWithdrawAmount: string;
}
