import type { Instrument, OrderType } from '@bot/symbols';

import {
  floorToSteps,
  largestSteps,
  meetsMinimumNotional,
  minimumOrderSteps,
  quantityGridOf,
  quantityTextOf,
} from './quantity-grid';
import type { QuantityGrid } from './quantity-grid';
import { RiskInputError, describeValue } from './risk-input-error';
import { LARGEST_LEVERAGE, TIER_LIMITS, TIER_MAX_NOTIONAL_MULTIPLE, requireTier } from './tiers';
import type { Tier } from './tiers';
import {
  rejectUnknownKeys,
  requireFractionUpTo,
  requireMoney,
  requireObject,
  requirePositive,
  requireSide,
  shown,
} from './validation';
import type { Side } from './validation';

/** The largest fee rate accepted: 1 % per fill (Binance's taker fee is 0.05 % or less). */
export const LARGEST_FEE_RATE = 0.01;
/** The largest slippage accepted: 10 % of the price per fill. */
export const LARGEST_SLIPPAGE_PCT = 0.1;

/** What `sizePosition` needs. Fractions throughout: `riskPct: 0.005` is 0.5 %. */
export interface SizePositionInput {
  /** `'long'` (stop below entry) or `'short'` (stop above entry). */
  readonly side: Side;
  /** Account equity in the quote currency (USDC), > 0. */
  readonly equity: number;
  /** Fraction of equity to lose at the stop, fees and slippage included, > 0 and ≤ the tier's cap. */
  readonly riskPct: number;
  /** Expected entry price, > 0. */
  readonly entry: number;
  /** Stop-loss trigger price, > 0, on the losing side of the entry. */
  readonly stop: number;
  /** The instrument's rules, from `@bot/symbols` (`instrumentFromMarket` or `createInstrument`). */
  readonly instrument: Instrument;
  /** Leverage set on the symbol: an integer from 1 to the tier's cap. */
  readonly leverage: number;
  /** Fee per fill as a fraction of notional (the taker rate, e.g. 0.0005), charged on entry and exit; 0 to 0.01. */
  readonly feeRate: number;
  /** Adverse slippage per fill as a fraction of price (entry and stop both fill worse by it); 0 to 0.1. */
  readonly slippagePct: number;
  /** The tier whose caps apply (risk, leverage, max notional). Default `'conservative'`, the strictest. */
  readonly tier?: Tier | undefined;
  /** An extra cap on the position's notional in quote currency; it can only tighten the tier's. */
  readonly maxNotional?: number | undefined;
  /** Margin available for this position (default: `equity`); notional ≤ availableMargin × leverage. */
  readonly availableMargin?: number | undefined;
  /** The entry order's type: `'market'` (default) sizes on both LOT_SIZE and MARKET_LOT_SIZE, so the quantity is also valid as a limit order. */
  readonly orderType?: OrderType | undefined;
}

/** What bound the quantity: the risk budget, or one of the caps below it. */
export type SizeLimitedBy = 'risk' | 'leverage' | 'tierMaxNotional' | 'maxNotional' | 'maxQuantity';

/** The numbers every sizing result carries, for an audit rationale. */
export interface SizingNumbers {
  /** The quantity in base units, on the step grid, with the step's decimals (`'0.012'`). Send this string. */
  readonly quantity: string;
  /** `quantity` × `entry`, in quote currency. */
  readonly notional: number;
  /** `equity` × `riskPct`: the most the position may lose at the stop. */
  readonly riskBudget: number;
  /** What one unit loses from entry to stop: the distance, both slippages and both fees. */
  readonly lossPerUnit: number;
  /** `|entry − stop|`. */
  readonly stopDistance: number;
  /** What bound the quantity before the exchange's minimums were checked. */
  readonly limitedBy: SizeLimitedBy;
  readonly orderType: OrderType;
}

/** A position to open. */
export interface PositionSize extends SizingNumbers {
  readonly allowed: true;
  /** `quantity` × `lossPerUnit`: what the position loses at the stop, ≤ `riskBudget`. */
  readonly lossAtStop: number;
  /** `notional` / `leverage`: the initial margin the position locks. */
  readonly initialMargin: number;
}

/** Why no position can be opened: the size the risk allows is under the exchange's minimum. */
export type SizeDenialCode =
  /** The quantity (possibly 0) is under the minimum quantity (LOT_SIZE minQty, and MARKET_LOT_SIZE minQty for market orders). */
  | 'BELOW_MIN_QUANTITY'
  /** quantity × entry is under the instrument's MIN_NOTIONAL. */
  | 'BELOW_MIN_NOTIONAL';

/** A refused size. Raising the size to the minimum would risk more than allowed, so it is never done. */
export interface SizeDenial extends SizingNumbers {
  readonly allowed: false;
  readonly code: SizeDenialCode;
  readonly message: string;
  /**
   * The smallest quantity the exchange accepts at `entry` (minimum quantity and notional), or `null` when
   * no quantity within the maximum quantity is enough.
   */
  readonly minimumOrderQuantity: string | null;
  /** What `minimumOrderQuantity` would lose at the stop (`null` with it). */
  readonly lossAtMinimum: number | null;
  /** `lossAtMinimum` as a fraction of equity: the `riskPct` the smallest order would need (`null` with it). */
  readonly riskPctAtMinimum: number | null;
  /** The minimum notional, or `null` when the instrument has none. */
  readonly minimumNotional: number | null;
}

export type SizingResult = PositionSize | SizeDenial;

const sizePositionFields: ReadonlySet<string> = new Set([
  'side',
  'equity',
  'riskPct',
  'entry',
  'stop',
  'instrument',
  'leverage',
  'feeRate',
  'slippagePct',
  'tier',
  'maxNotional',
  'availableMargin',
  'orderType',
]);

/** side, equity, riskPct, entry, stop, instrument, leverage, feeRate, slippagePct. */
const requiredFieldCount = 9;

function checkOrderType(value: unknown): OrderType {
  if (value === undefined) return 'market';
  if (value !== 'market' && value !== 'limit') {
    throw new RiskInputError(
      'INVALID_ORDER_TYPE',
      `Invalid orderType ${describeValue(value)}: expected 'market' or 'limit'.`,
      value,
    );
  }
  return value;
}

function checkLeverage(value: unknown, tier: Tier): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > LARGEST_LEVERAGE) {
    throw new RiskInputError(
      'INVALID_LEVERAGE',
      `Invalid leverage ${describeValue(value)}: expected an integer from 1 to ${LARGEST_LEVERAGE}.`,
      value,
    );
  }
  const cap = TIER_LIMITS[tier].hardCaps.leverageDefault.max;
  if (value > cap) {
    throw new RiskInputError(
      'BEYOND_TIER_CAP',
      `leverage ${value} is above tier ${tier}'s hard cap of ${cap} (pass the tier you trade with as \`tier\`).`,
      value,
    );
  }
  return value;
}

function checkRisk(value: unknown, tier: Tier): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new RiskInputError(
      'INVALID_RISK',
      `Invalid riskPct ${describeValue(value)}: expected a fraction above 0 and below 1 (0.005 = 0.5 %).`,
      value,
    );
  }
  const cap = TIER_LIMITS[tier].hardCaps.riskPerTradePct.max;
  if (value > cap) {
    throw new RiskInputError(
      'BEYOND_TIER_CAP',
      `riskPct ${value} is above tier ${tier}'s hard cap of ${cap} (pass the tier you trade with as \`tier\`).`,
      value,
    );
  }
  return value;
}

/**
 * The per-unit loss from entry to stop for a linear contract: the stop distance, plus slippage on both
 * fills (entry fills at entry × (1 ± slippage), the stop at stop × (1 ∓ slippage), both against you),
 * plus the fee rate on both fills' notionals. The same formula for longs and shorts:
 * `d + s·(E + S) + f·(E + S + s·d)` with d = |E − S|.
 */
export function lossPerUnitOf(entry: number, stop: number, feeRate: number, slippagePct: number): number {
  const distance = entry > stop ? entry - stop : stop - entry;
  const priceSum = entry + stop;
  return distance + slippagePct * priceSum + feeRate * (priceSum + slippagePct * distance);
}

/**
 * Sizes a position on a linear USDⓈ-M contract so that it loses at most `equity × riskPct` at the stop,
 * fees and slippage included; floors it to the step grid (exactly: the quantity is a decimal string and
 * an exact multiple of the step); caps it by `availableMargin × leverage`, by the tier's max notional
 * (`equity × TIER_MAX_NOTIONAL_MULTIPLE[tier]`), by `maxNotional` and by the instrument's maximum
 * quantity. Returns `{ allowed: true, quantity, … }`, or `{ allowed: false, code, … }` when that
 * quantity is under the exchange's minimum quantity or notional — never a zero quantity.
 *
 * Throws `RiskInputError` for input that cannot be a fact: `INVALID_EQUITY`, `INVALID_RISK`,
 * `INVALID_PRICE`, `STOP_WRONG_SIDE`, `ZERO_STOP_DISTANCE`, `INVALID_LEVERAGE`, `INVALID_FEE_RATE`,
 * `INVALID_SLIPPAGE`, `INVALID_MAX_NOTIONAL`, `INVALID_INSTRUMENT`, `INVALID_ORDER_TYPE`,
 * `INVALID_SIDE`, `UNKNOWN_TIER`, `BEYOND_TIER_CAP`, `QUANTITY_OUT_OF_RANGE`, `INVALID_ARGUMENT`.
 */
export function sizePosition(input: SizePositionInput): SizingResult {
  requireObject(input, 'sizePosition input');
  const tier = input.tier === undefined ? 'conservative' : requireTier(input.tier);
  const side = requireSide(input.side);
  const equity = requireMoney(input.equity, 'equity', 'INVALID_EQUITY');
  const riskPct = checkRisk(input.riskPct, tier);
  const entry = requirePositive(input.entry, 'entry', 'INVALID_PRICE');
  const stop = requirePositive(input.stop, 'stop', 'INVALID_PRICE');
  const leverage = checkLeverage(input.leverage, tier);
  const feeRate = requireFractionUpTo(input.feeRate, 'feeRate', LARGEST_FEE_RATE, 'INVALID_FEE_RATE');
  const slippagePct = requireFractionUpTo(
    input.slippagePct,
    'slippagePct',
    LARGEST_SLIPPAGE_PCT,
    'INVALID_SLIPPAGE',
  );
  const availableMargin =
    input.availableMargin === undefined
      ? equity
      : requireMoney(input.availableMargin, 'availableMargin', 'INVALID_EQUITY');
  const maxNotional =
    input.maxNotional === undefined
      ? Infinity
      : requirePositive(input.maxNotional, 'maxNotional', 'INVALID_MAX_NOTIONAL');
  const orderType = checkOrderType(input.orderType);
  // Every required field was read above; a key count beyond them plus the optional ones present means an
  // unknown (misspelt) field. Cheap on the hot path; the exact check names the field.
  let expectedKeys = requiredFieldCount;
  if ('tier' in input) expectedKeys += 1;
  if ('maxNotional' in input) expectedKeys += 1;
  if ('availableMargin' in input) expectedKeys += 1;
  if ('orderType' in input) expectedKeys += 1;
  if (Object.keys(input).length !== expectedKeys) {
    rejectUnknownKeys(input, sizePositionFields, 'sizePosition input');
  }
  if (entry === stop) {
    throw new RiskInputError(
      'ZERO_STOP_DISTANCE',
      `The stop ${stop} equals the entry: there is no distance to size a position on.`,
      stop,
    );
  }
  if (side === 'long' ? stop > entry : stop < entry) {
    throw new RiskInputError(
      'STOP_WRONG_SIDE',
      `A ${side}'s stop must be ${side === 'long' ? 'below' : 'above'} its entry: stop ${stop}, entry ${entry}.`,
      stop,
    );
  }
  const grid = quantityGridOf(input.instrument, orderType);

  const stopDistance = side === 'long' ? entry - stop : stop - entry;
  const lossPerUnit = lossPerUnitOf(entry, stop, feeRate, slippagePct);
  const riskBudget = equity * riskPct;
  // Caps are measured at the worst entry fill, entry × (1 + slippage), the larger notional of either side.
  const capPrice = entry * (1 + slippagePct);
  let limitedBy: SizeLimitedBy = 'risk';
  let quantity = riskBudget / lossPerUnit;
  const leverageQuantity = (availableMargin * leverage) / capPrice;
  if (leverageQuantity < quantity) {
    quantity = leverageQuantity;
    limitedBy = 'leverage';
  }
  const tierQuantity = (equity * TIER_MAX_NOTIONAL_MULTIPLE[tier]) / capPrice;
  if (tierQuantity < quantity) {
    quantity = tierQuantity;
    limitedBy = 'tierMaxNotional';
  }
  const notionalQuantity = maxNotional / capPrice;
  if (notionalQuantity < quantity) {
    quantity = notionalQuantity;
    limitedBy = 'maxNotional';
  }

  let steps: number;
  const quotient = quantity / grid.stepValue;
  if (quotient >= grid.maximumSteps + 1) {
    steps = grid.maximumSteps;
    limitedBy = 'maxQuantity';
  } else if (!(quotient <= largestSteps)) {
    throw new RiskInputError(
      'QUANTITY_OUT_OF_RANGE',
      `The quantity ${quantity} is beyond 2^50 steps of ${grid.stepText} and the instrument sets no maximum quantity.`,
      quantity,
    );
  } else {
    steps = floorToSteps(quantity, grid);
    if (steps > grid.maximumSteps) {
      steps = grid.maximumSteps;
      limitedBy = 'maxQuantity';
    }
  }

  const quantityText = quantityTextOf(steps, grid);
  const quantityValue = steps * grid.stepValue;
  const notional = quantityValue * entry;
  if (steps < grid.minimumSteps) {
    return denial(
      'BELOW_MIN_QUANTITY',
      `The quantity risk and caps allow, ${quantityText} (limited by ${limitedBy}), is below the minimum quantity ${grid.minimumQuantityText}.`,
    );
  }
  if (!meetsMinimumNotional(steps, entry, grid, input.instrument)) {
    return denial(
      'BELOW_MIN_NOTIONAL',
      `The notional risk and caps allow, ${quantityText} × ${entry} = ${shown(notional)} (limited by ${limitedBy}), is below the minimum notional ${grid.minimumNotionalText ?? ''}.`,
    );
  }
  return {
    allowed: true,
    quantity: quantityText,
    notional,
    riskBudget,
    lossPerUnit,
    stopDistance,
    limitedBy,
    orderType,
    lossAtStop: quantityValue * lossPerUnit,
    initialMargin: notional / leverage,
  };

  function denial(code: SizeDenialCode, message: string): SizeDenial {
    return denialOf(code, message, grid, input.instrument, entry, equity, {
      quantity: quantityText,
      notional,
      riskBudget,
      lossPerUnit,
      stopDistance,
      limitedBy,
      orderType,
    });
  }
}

function denialOf(
  code: SizeDenialCode,
  message: string,
  grid: QuantityGrid,
  instrument: Instrument,
  entry: number,
  equity: number,
  numbers: SizingNumbers,
): SizeDenial {
  const steps = minimumOrderSteps(entry, grid, instrument);
  // Infinity: the minimum notional needs more than 2^50 steps, which no maximum quantity (Infinity) caps.
  const possible = Number.isFinite(steps) && steps <= grid.maximumSteps;
  const minimumQuantity = possible ? quantityTextOf(steps, grid) : null;
  const lossAtMinimum = possible ? steps * grid.stepValue * numbers.lossPerUnit : null;
  const riskPctAtMinimum = lossAtMinimum === null ? null : lossAtMinimum / equity;
  const smallest =
    lossAtMinimum === null || riskPctAtMinimum === null
      ? 'No order at this entry meets both the minimum and the maximum quantity.'
      : `The smallest valid order, ${minimumQuantity}, would lose ${shown(lossAtMinimum)} at the stop (${shown(riskPctAtMinimum)} of equity).`;
  return {
    allowed: false,
    code,
    message: `${message} ${smallest}`,
    ...numbers,
    minimumOrderQuantity: minimumQuantity,
    lossAtMinimum,
    riskPctAtMinimum,
    minimumNotional: grid.minimumNotional ?? null,
  };
}
