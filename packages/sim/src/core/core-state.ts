import type Decimal from 'decimal.js';
import { parseScaledDecimal } from '@bot/symbols';

import type { BoundedHistory } from './bounded-history';
import type { FillHistory } from './fill-history';
import type { SyntheticBook } from './order-book';

import { CoreDecimal, formatPriceUnits, pricePlaces, unitsOf, zero } from './decimal-format';
import type {
  AlgoStatus,
  ConditionalOrderType,
  LedgerEntryView,
  ForcedClose,
  InstrumentSpec,
  MarginType,
  OrderStatus,
  RegularOrderType,
  Side,
  TimeInForce,
  WorkingType,
} from './types';

/**
 * The mutable state behind the views. The figures a fill changes (position, wallets, fees, an order's
 * executed quantity and quote) are exact scaled integers: `…Units` fields are bigint units of 10^-8 for
 * money and prices, of 10^-quantityPlaces for quantities (see the README, "Performance"); the rest are
 * exact Decimals. The `…Float` fields are shadows used only by the hot path of `updateMarket` to decide
 * cheaply that nothing can happen.
 */

export interface InstrumentState {
  readonly spec: InstrumentSpec;
  readonly index: number;
  readonly symbol: string;
  readonly marginAsset: string;
  readonly tickSize: Decimal;
  readonly tickDecimals: number;
  readonly stepSize: Decimal;
  readonly stepDecimals: number;
  readonly minPrice: Decimal;
  readonly maxPrice: Decimal;
  readonly minQuantity: Decimal;
  readonly maxQuantity: Decimal;
  readonly marketMaxQuantity: Decimal;
  /** MARKET_LOT_SIZE's step and minimum (LOT_SIZE's unless the spec says otherwise). */
  readonly marketStepSize: Decimal;
  readonly marketMinQuantity: Decimal;
  readonly minNotional: Decimal;
  readonly minNotionalText: string;
  /** "0.000" with the step's decimals. */
  readonly zeroQuantityText: string;
  readonly percentUp: Decimal;
  readonly percentDown: Decimal;
  readonly maintenanceRate: Decimal;
  readonly maintenanceRateFloat: number;
  /** The maintenance rate as scaled units (0.004 → 4n at 3 places). */
  readonly maintenanceRateUnits: bigint;
  readonly maintenanceRatePlaces: number;
  /** Decimals of every quantity unit of this instrument: the finer of LOT_SIZE's and MARKET_LOT_SIZE's steps. */
  readonly quantityPlaces: number;
  /** One tick in price units and one step of the book in quantity units (the book counts in them). */
  readonly tickUnits: bigint;
  readonly bookStepUnits: bigint;

  hasPrice: boolean;
  lastText: string;
  markText: string;
  indexText: string;
  lastFloat: number;
  markFloat: number;
  lastCache: Decimal | null;
  markCache: Decimal | null;
  /** The mark price in price units, parsed once per update and only when a figure needs it. */
  markUnitsCache: bigint | null;
  /** The mark price as positions print it, formatted once per update when first needed. */
  markPrintCache: string | null;
  time: number;
  nextFundingTime: number;
  fundingRate: Decimal;
  /** The text `setFundingRate` last parsed into `fundingRate`: the same text again is not parsed again. */
  fundingRateText: string | undefined;

  /** Open (resting) LIMIT orders of every account, in orderId order. */
  readonly resting: OrderState[];
  /** Open algo orders of every account, in algoId order. */
  readonly algos: AlgoState[];
  /** Set when `resting` or `algos` changed: the float thresholds below must be recomputed. */
  thresholdsDirty: boolean;
  /** Lowest trigger of the algo orders that fire when the last price rises to it (BUY STOP, SELL TAKE_PROFIT). */
  lastRiseTrigger: number;
  /** Highest trigger of the algo orders that fire when the last price falls to it. */
  lastFallTrigger: number;
  markRiseTrigger: number;
  markFallTrigger: number;
  /** Highest resting buy price (fills when last ≤ it) and lowest resting sell price (fills when last ≥ it). */
  highestBuy: number;
  lowestSell: number;

  /** Accounts with a non-zero position in this instrument. */
  readonly holders: AccountState[];
  /** The seeded book takers walk; null: unlimited liquidity at the last price (no spread). */
  readonly book: SyntheticBook | null;
}

export interface AssetState {
  readonly asset: string;
  /** Money units. */
  crossWalletUnits: bigint;
  crossWalletFloat: number;
  marginCalled: boolean;
  updateTime: number;
}

export interface PositionState {
  readonly instrument: InstrumentState;
  readonly asset: AssetState;
  leverage: number;
  marginType: MarginType;
  /** Quantity units, signed: negative for shorts. */
  amountUnits: bigint;
  /**
   * The entry price is exactly `costBasis / basisQuantity` price units: Σ price × quantity of the opening
   * fills over their quantity. A reduction leaves both alone (the entry price does not move), so
   * `basisQuantity` equals |amount| except after a partial close. Both 0n when flat.
   */
  costBasis: bigint;
  basisQuantity: bigint;
  /** Opening fees still attributed to the open quantity (for the break-even price), money units. */
  openFeeUnits: bigint;
  isolatedWalletUnits: bigint;
  amountFloat: number;
  entryFloat: number;
  isolatedWalletFloat: number;
  marginCalled: boolean;
  updateTime: number;
  /** Remaining quantity and notional of the resting, non-reduce-only orders (for open-order margin). */
  buyQuantity: Decimal;
  buyNotional: Decimal;
  sellQuantity: Decimal;
  sellNotional: Decimal;
}

export interface AccountState {
  readonly id: string;
  readonly assets: Map<string, AssetState>;
  /** One per instrument, by instrument index. */
  readonly positions: PositionState[];
  /** The positions with a non-zero amount. */
  readonly openPositions: PositionState[];
  readonly openOrders: Map<number, OrderState>;
  readonly closedOrders: BoundedHistory<OrderState>;
  /** `symbol + '\u0000' + clientOrderId` → the latest order with that id. */
  readonly clientOrderIndex: Map<string, OrderState>;
  readonly openAlgos: Map<number, AlgoState>;
  readonly closedAlgos: BoundedHistory<AlgoState>;
  readonly clientAlgoIndex: Map<string, AlgoState>;
  /** The trade history (`/fapi/v1/userTrades`), printed when read. */
  readonly fills: FillHistory;
  /** Funding payments and transfers, oldest first (bounded like the fills). */
  ledger: LedgerEntryView[];
}

export interface OrderState {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly account: AccountState;
  readonly position: PositionState;
  readonly instrument: InstrumentState;
  readonly side: Side;
  readonly isBuy: boolean;
  readonly type: RegularOrderType;
  readonly origType: RegularOrderType | ConditionalOrderType;
  readonly timeInForce: TimeInForce;
  /** Zero for MARKET orders. */
  readonly price: Decimal;
  /** The price in price units (10^-8). */
  readonly priceUnits: bigint;
  readonly priceFloat: number;
  /** Formatted once: "0" for MARKET orders. */
  readonly priceText: string;
  readonly origQuantity: Decimal;
  readonly origQuantityUnits: bigint;
  readonly origQuantityText: string;
  /** Quantity units. */
  executedUnits: bigint;
  /** Σ price × quantity of the fills, at price + quantity places. */
  cumulativeQuoteUnits: bigint;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly stopPrice: string;
  readonly workingType: WorkingType;
  status: OrderStatus;
  readonly time: number;
  updateTime: number;
  /** Partial-fill fault attached to this order: its next fill takes only this fraction. */
  partialFillRatio: number | undefined;
  /** In `instrument.resting` (and, unless reduce-only, in the position's open-order aggregates). */
  resting: boolean;
  readonly forcedClose: ForcedClose | undefined;
}

export interface AlgoState {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly account: AccountState;
  readonly instrument: InstrumentState;
  readonly side: Side;
  readonly isBuy: boolean;
  readonly orderType: ConditionalOrderType;
  status: AlgoStatus;
  /** Null for closePosition orders. */
  readonly quantity: Decimal | null;
  /** Limit price of STOP / TAKE_PROFIT, null for the *_MARKET types. */
  readonly price: Decimal | null;
  readonly triggerPrice: Decimal;
  readonly triggerFloat: number;
  /** Fires when the watched price rises to the trigger (else when it falls to it). */
  readonly firesOnRise: boolean;
  readonly watchesMark: boolean;
  readonly workingType: WorkingType;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly createTime: number;
  updateTime: number;
  triggerTime: number;
  actualOrderId: number;
  actualPrice: string;
  actualQuantity: string;
  rejectReason: string;
}

export function createInstrumentState(
  spec: InstrumentSpec,
  index: number,
  fundingRate: Decimal,
  book: SyntheticBook | null = null,
): InstrumentState {
  const tickSize = new CoreDecimal(spec.tickSize);
  const stepSize = new CoreDecimal(spec.stepSize);
  const marketStepSize = new CoreDecimal(spec.marketStepSize ?? spec.stepSize);
  const minNotional = new CoreDecimal(spec.minNotional);
  const quantityPlaces = Math.max(stepSize.decimalPlaces(), marketStepSize.decimalPlaces());
  const maintenanceRate = parseScaledDecimal(
    new CoreDecimal(spec.maintenanceMarginRate).toFixed(),
    'maintenanceMarginRate',
  );
  return {
    spec,
    index,
    symbol: spec.symbol,
    marginAsset: spec.marginAsset,
    tickSize,
    tickDecimals: tickSize.decimalPlaces(),
    stepSize,
    stepDecimals: stepSize.decimalPlaces(),
    minPrice: new CoreDecimal(spec.minPrice),
    maxPrice: new CoreDecimal(spec.maxPrice),
    minQuantity: new CoreDecimal(spec.minQty),
    maxQuantity: new CoreDecimal(spec.maxQty),
    marketMaxQuantity: new CoreDecimal(spec.marketMaxQty),
    marketStepSize,
    marketMinQuantity: new CoreDecimal(spec.marketMinQty ?? spec.minQty),
    minNotional,
    minNotionalText: minNotional.toFixed(),
    zeroQuantityText: zero.toFixed(stepSize.decimalPlaces()),
    percentUp: new CoreDecimal(spec.percentPriceUp),
    percentDown: new CoreDecimal(spec.percentPriceDown),
    maintenanceRate: new CoreDecimal(spec.maintenanceMarginRate),
    maintenanceRateFloat: spec.maintenanceMarginRate,
    maintenanceRateUnits: maintenanceRate.units,
    maintenanceRatePlaces: maintenanceRate.places,
    quantityPlaces,
    tickUnits: unitsOf(tickSize, pricePlaces),
    bookStepUnits: unitsOf(stepSize.lt(marketStepSize) ? stepSize : marketStepSize, quantityPlaces),
    hasPrice: false,
    lastText: '0',
    markText: '0',
    indexText: '0',
    lastFloat: 0,
    markFloat: 0,
    lastCache: zero,
    markCache: zero,
    markUnitsCache: 0n,
    markPrintCache: null,
    time: 0,
    nextFundingTime: 0,
    fundingRate,
    fundingRateText: undefined,
    resting: [],
    algos: [],
    thresholdsDirty: false,
    lastRiseTrigger: Infinity,
    lastFallTrigger: -Infinity,
    markRiseTrigger: Infinity,
    markFallTrigger: -Infinity,
    highestBuy: -Infinity,
    lowestSell: Infinity,
    holders: [],
    book,
  };
}

/** The last price as a Decimal, parsed once per update and only when something needs it. */
export function lastPriceOf(instrument: InstrumentState): Decimal {
  let value = instrument.lastCache;
  if (value === null) {
    value = new CoreDecimal(instrument.lastText);
    instrument.lastCache = value;
  }
  return value;
}

export function markPriceOf(instrument: InstrumentState): Decimal {
  let value = instrument.markCache;
  if (value === null) {
    value = new CoreDecimal(instrument.markText);
    instrument.markCache = value;
  }
  return value;
}

/** The mark price in price units (10^-8; a mark with more decimals is rounded half away from zero). */
export function markUnitsOf(instrument: InstrumentState): bigint {
  let value = instrument.markUnitsCache;
  if (value === null) {
    value = unitsOf(markPriceOf(instrument), pricePlaces);
    instrument.markUnitsCache = value;
  }
  return value;
}

/** The mark price as a position view prints it. */
export function markTextOf(instrument: InstrumentState): string {
  let text = instrument.markPrintCache;
  if (text === null) {
    text = formatPriceUnits(markUnitsOf(instrument), instrument.tickDecimals);
    instrument.markPrintCache = text;
  }
  return text;
}

/** Recomputes the float thresholds of the hot path from the open algo and resting orders. */
export function recomputeThresholds(instrument: InstrumentState): void {
  let lastRise = Infinity;
  let lastFall = -Infinity;
  let markRise = Infinity;
  let markFall = -Infinity;
  for (const algo of instrument.algos) {
    const trigger = algo.triggerFloat;
    if (algo.watchesMark) {
      if (algo.firesOnRise) markRise = Math.min(markRise, trigger);
      else markFall = Math.max(markFall, trigger);
    } else if (algo.firesOnRise) lastRise = Math.min(lastRise, trigger);
    else lastFall = Math.max(lastFall, trigger);
  }
  let highestBuy = -Infinity;
  let lowestSell = Infinity;
  for (const order of instrument.resting) {
    if (order.isBuy) highestBuy = Math.max(highestBuy, order.priceFloat);
    else lowestSell = Math.min(lowestSell, order.priceFloat);
  }
  instrument.lastRiseTrigger = lastRise;
  instrument.lastFallTrigger = lastFall;
  instrument.markRiseTrigger = markRise;
  instrument.markFallTrigger = markFall;
  instrument.highestBuy = highestBuy;
  instrument.lowestSell = lowestSell;
  instrument.thresholdsDirty = false;
}

/**
 * Whether `price ≥ threshold` (when `rising`) or `price ≤ threshold`. Floats decide unless they are equal
 * (parsing is monotonic, so a strict float order implies the same exact order); ties are settled exactly.
 */
export function reaches(
  priceFloat: number,
  priceExact: () => Decimal,
  thresholdFloat: number,
  thresholdExact: Decimal,
  rising: boolean,
): boolean {
  if (priceFloat > thresholdFloat) return rising;
  if (priceFloat < thresholdFloat) return !rising;
  const comparison = priceExact().comparedTo(thresholdExact);
  return rising ? comparison >= 0 : comparison <= 0;
}
