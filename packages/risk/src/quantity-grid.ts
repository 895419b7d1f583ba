import {
  SymbolError,
  compareScaled,
  floorQuantityToStep,
  formatScaled,
  formatUnits,
  leastCommonMultipleScaled,
  meetsMinNotional,
  normalizeScaled,
  parseScaledDecimal,
  scaledUnitsAt,
  toDecimal,
  toIncrement,
} from '@bot/symbols';
import type { Instrument, OrderType, ScaledDecimal } from '@bot/symbols';

import { RiskInputError, describeValue } from './risk-input-error';

/**
 * The quantity rules of one instrument for one order type, parsed once and kept as integers so that
 * sizing can floor on the step grid exactly without decimal.js on the hot path.
 *
 * A decimal `d` is held as `units × 10^-places` with integer `units`: step 0.005 is (5, 3).
 */
export interface QuantityGrid {
  /** The grid step, canonical (`'0.001'`): LOT_SIZE for limit orders, lcm(LOT_SIZE, MARKET_LOT_SIZE) for market orders. */
  readonly stepText: string;
  /** The step as a float (correctly rounded). */
  readonly stepValue: number;
  /** The step's integer units and decimals (step = stepUnits × 10^-places). */
  readonly stepUnits: number;
  readonly stepUnitsBig: bigint;
  readonly places: number;
  /** Whether the float fast path may be used (the step is a normal float and its units are a safe integer). */
  readonly fastPath: boolean;
  /** The fewest steps a valid order has: ⌈min quantity / step⌉, at least 1. */
  readonly minimumSteps: number;
  /** The most steps a valid order has: ⌊max quantity / step⌋, or Infinity when there is no maximum (or it is beyond 2^50 steps). */
  readonly maximumSteps: number;
  /** The effective minimum and maximum quantity (the stricter of LOT_SIZE and MARKET_LOT_SIZE for market orders). */
  readonly minimumQuantityText: string;
  readonly maximumQuantityText: string | undefined;
  /** MIN_NOTIONAL, or undefined when the instrument has none. */
  readonly minimumNotional: number | undefined;
  readonly minimumNotionalText: string | undefined;
}

/** Steps beyond this are refused (or mean "no maximum"); floats are exact integers far beyond it. */
export const largestSteps = 2 ** 50;
/**
 * The float quotient q / step is within 4 roundings (≈ 4.5e-16 relative) of the exact quotient of the
 * decimal that `String(q)` prints by the step. A fractional part farther than 2^-48 (≈ 3.6e-15) relative
 * from an integer therefore has the same floor as the exact quotient; closer, the exact path decides.
 */
const fastMargin = 2 ** -48;
/** Relative band around MIN_NOTIONAL inside which the exact decimal check decides. */
const notionalMargin = 2 ** -40;

function invalidInstrument(why: string, value: unknown, cause?: unknown): RiskInputError {
  return new RiskInputError('INVALID_INSTRUMENT', `Invalid instrument: ${why}`, value, { cause });
}

/** A rule as exact scaled units, through `@bot/symbols`' validation; `undefined` or 0 when absent. */
function ruleOf(
  instrument: Instrument,
  field: keyof Instrument,
  kind: 'increment' | 'limit',
): ScaledDecimal | undefined {
  const value: unknown = instrument[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw invalidInstrument(`${field} ${describeValue(value)} is not a decimal string.`, value);
  }
  try {
    const decimal = kind === 'increment' ? toIncrement(value, field) : toDecimal(value, field);
    return decimal.isZero() ? undefined : normalizeScaled(parseScaledDecimal(decimal.toFixed(), field));
  } catch (error) {
    if (error instanceof SymbolError) {
      throw invalidInstrument(`${field} ${describeValue(value)}: ${error.message}`, value, error);
    }
    throw error;
  }
}

function stricterMinimum(
  left: ScaledDecimal | undefined,
  right: ScaledDecimal | undefined,
): ScaledDecimal | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return compareScaled(left, right) >= 0 ? left : right;
}

function stricterMaximum(
  left: ScaledDecimal | undefined,
  right: ScaledDecimal | undefined,
): ScaledDecimal | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return compareScaled(left, right) <= 0 ? left : right;
}

/** Builds the grid of an instrument for an order type. Throws `INVALID_INSTRUMENT`. */
export function buildQuantityGrid(instrument: Instrument, orderType: OrderType): QuantityGrid {
  if (typeof instrument !== 'object' || instrument === null) {
    throw invalidInstrument(
      `${describeValue(instrument)} is not an instrument (use createInstrument or instrumentFromMarket from @bot/symbols).`,
      instrument,
    );
  }
  const stepSize = ruleOf(instrument, 'stepSize', 'increment');
  if (stepSize === undefined) throw invalidInstrument('it has no stepSize.', instrument);
  const marketStepSize = ruleOf(instrument, 'marketStepSize', 'increment');
  const step =
    orderType === 'market' && marketStepSize !== undefined
      ? leastCommonMultipleScaled(stepSize, marketStepSize)
      : stepSize;
  const minQty = ruleOf(instrument, 'minQty', 'limit');
  const maxQty = ruleOf(instrument, 'maxQty', 'limit');
  const minimum =
    orderType === 'market' ? stricterMinimum(minQty, ruleOf(instrument, 'marketMinQty', 'limit')) : minQty;
  const maximum =
    orderType === 'market' ? stricterMaximum(maxQty, ruleOf(instrument, 'marketMaxQty', 'limit')) : maxQty;
  const minimumNotional = ruleOf(instrument, 'minNotional', 'limit');

  const places = Math.max(step.places, minimum?.places ?? 0, maximum?.places ?? 0);
  const stepAtPlaces = scaledUnitsAt(step, places);
  let minimumSteps = 1n;
  if (minimum !== undefined) {
    const minimumUnits = scaledUnitsAt(minimum, places);
    const steps = (minimumUnits + stepAtPlaces - 1n) / stepAtPlaces;
    if (steps > minimumSteps) minimumSteps = steps;
  }
  let maximumSteps = Infinity;
  if (maximum !== undefined) {
    const steps = scaledUnitsAt(maximum, places) / stepAtPlaces;
    if (steps < minimumSteps) {
      throw invalidInstrument(
        `its maximum quantity ${formatScaled(maximum)} is below its minimum quantity on the step grid (${formatScaled(step)}).`,
        instrument,
      );
    }
    if (steps <= BigInt(largestSteps)) maximumSteps = Number(steps);
  }
  if (minimumSteps > BigInt(largestSteps)) {
    throw invalidInstrument(
      `its minimum quantity is beyond 2^50 steps of ${formatScaled(step)}.`,
      instrument,
    );
  }
  const stepText = formatScaled(step);
  const stepValue = Number(stepText);
  const stepUnits = Number(step.units);
  return Object.freeze({
    stepText,
    stepValue,
    stepUnits,
    stepUnitsBig: step.units,
    places: step.places,
    fastPath: stepValue >= 1e-300 && stepValue < 1e300 && step.units <= BigInt(Number.MAX_SAFE_INTEGER),
    minimumSteps: Number(minimumSteps),
    maximumSteps,
    minimumQuantityText: formatScaled({ units: minimumSteps * step.units, places: step.places }),
    maximumQuantityText: maximum === undefined ? undefined : formatScaled(maximum),
    minimumNotional: minimumNotional === undefined ? undefined : Number(formatScaled(minimumNotional)),
    minimumNotionalText: minimumNotional === undefined ? undefined : formatScaled(minimumNotional),
  });
}

interface CachedGrids {
  readonly stepSize: unknown;
  readonly marketStepSize: unknown;
  readonly minQty: unknown;
  readonly maxQty: unknown;
  readonly marketMinQty: unknown;
  readonly marketMaxQty: unknown;
  readonly minNotional: unknown;
  market: QuantityGrid | undefined;
  limit: QuantityGrid | undefined;
}

const gridCache = new WeakMap<object, CachedGrids>();

/**
 * The grid of `instrument` for `orderType`, cached per instrument object. The cache entry remembers the
 * rule values it was built from and is rebuilt if any of them changed, so mutating an instrument object
 * can never leave a stale grid behind.
 */
export function quantityGridOf(instrument: Instrument, orderType: OrderType): QuantityGrid {
  if (typeof instrument !== 'object' || instrument === null) return buildQuantityGrid(instrument, orderType);
  let cached = gridCache.get(instrument);
  if (
    cached === undefined ||
    cached.stepSize !== instrument.stepSize ||
    cached.marketStepSize !== instrument.marketStepSize ||
    cached.minQty !== instrument.minQty ||
    cached.maxQty !== instrument.maxQty ||
    cached.marketMinQty !== instrument.marketMinQty ||
    cached.marketMaxQty !== instrument.marketMaxQty ||
    cached.minNotional !== instrument.minNotional
  ) {
    cached = {
      stepSize: instrument.stepSize,
      marketStepSize: instrument.marketStepSize,
      minQty: instrument.minQty,
      maxQty: instrument.maxQty,
      marketMinQty: instrument.marketMinQty,
      marketMaxQty: instrument.marketMaxQty,
      minNotional: instrument.minNotional,
      market: undefined,
      limit: undefined,
    };
    gridCache.set(instrument, cached);
  }
  let grid = cached[orderType];
  if (grid === undefined) {
    grid = buildQuantityGrid(instrument, orderType);
    cached[orderType] = grid;
  }
  return grid;
}

/**
 * ⌊quantity / step⌋ for a finite quantity ≥ 0 whose quotient is below 2^50, exactly as
 * `floorQuantityToStep(quantity, step)` computes it on the decimal `String(quantity)`: a float division
 * when the quotient is clearly between two integers (see `fastMargin`), the exact decimal otherwise.
 */
export function floorToSteps(quantity: number, grid: QuantityGrid): number {
  if (quantity === 0) return 0;
  if (grid.fastPath) {
    const quotient = quantity / grid.stepValue;
    const steps = Math.floor(quotient);
    // Exact: `steps` ≤ quotient < steps + 1 and both are below 2^50 (Sterbenz for quotient ≥ 1).
    const fraction = quotient - steps;
    const margin = quotient * fastMargin;
    if (fraction > margin && 1 - fraction > margin) return steps;
  }
  return exactFloorToSteps(quantity, grid);
}

/** The exact path: `@bot/symbols`' decimal floor, read back as a step count. */
export function exactFloorToSteps(quantity: number, grid: QuantityGrid): number {
  const floored = parseScaledDecimal(floorQuantityToStep(quantity, grid.stepText));
  return Number(floored.units / grid.stepUnitsBig);
}

/** `steps × step` as a decimal string with exactly the step's decimals, as `floorQuantityToStep` prints it. */
export function quantityTextOf(steps: number, grid: QuantityGrid): string {
  const units = steps * grid.stepUnits;
  return units <= Number.MAX_SAFE_INTEGER
    ? formatUnits(units, grid.places)
    : formatScaled({ units: BigInt(steps) * grid.stepUnitsBig, places: grid.places });
}

/**
 * Whether `steps × step × price` meets MIN_NOTIONAL, exactly as `@bot/symbols`' `meetsMinNotional`
 * decides on `String(price)`: by floats when clearly above or below, by the exact decimal near the limit.
 */
export function meetsMinimumNotional(
  steps: number,
  price: number,
  grid: QuantityGrid,
  instrument: Instrument,
): boolean {
  const minimumNotional = grid.minimumNotional;
  if (minimumNotional === undefined) return true;
  const notional = steps * grid.stepValue * price;
  if (notional >= minimumNotional * (1 + notionalMargin)) return true;
  if (notional < minimumNotional * (1 - notionalMargin)) return false;
  return meetsMinNotional(price, quantityTextOf(steps, grid), instrument);
}

/**
 * The fewest steps of an order the exchange accepts at `price`: at least `minimumSteps`, and enough for
 * MIN_NOTIONAL (decided exactly near the limit, as `meetsMinimumNotional` does). Infinity beyond 2^50 steps.
 */
export function minimumOrderSteps(price: number, grid: QuantityGrid, instrument: Instrument): number {
  const minimumNotional = grid.minimumNotional;
  if (minimumNotional === undefined) return grid.minimumSteps;
  let steps = Math.max(grid.minimumSteps, Math.ceil(minimumNotional / (grid.stepValue * price)));
  if (!(steps <= largestSteps)) return Infinity;
  while (!meetsMinimumNotional(steps, price, grid, instrument)) steps += 1;
  while (steps > grid.minimumSteps && meetsMinimumNotional(steps - 1, price, grid, instrument)) steps -= 1;
  return steps;
}
