import { SymbolError, roundPriceToTick } from '@bot/symbols';
import type { Instrument, RoundingMode } from '@bot/symbols';

import { RiskInputError, describeValue } from './risk-input-error';
import { requireObject, requirePositive, requireSide } from './validation';
import type { Side } from './validation';

/** The plan's minimum reward:risk for a signal (`rr >= 1.8`). */
export const DEFAULT_MINIMUM_REWARD_RISK = 1.8;

/** A price rule: an instrument (its `tickSize`) or just `{ tickSize }`. */
export type TickRule = Pick<Instrument, 'tickSize'>;

export interface StopFromAtrInput {
  readonly side: Side;
  /** Entry price, > 0. */
  readonly entry: number;
  /** Average true range in price units, > 0. */
  readonly atr: number;
  /** How many ATRs away the stop goes (k), > 0, e.g. 1.5. */
  readonly multiplier: number;
  /** When given, the stop is rounded to the tick away from the entry (a wider stop, a smaller size). */
  readonly instrument?: TickRule | undefined;
}

export interface TargetFromRewardRiskInput {
  readonly side: Side;
  readonly entry: number;
  readonly stop: number;
  /** Reward:risk ratio, > 0, e.g. `DEFAULT_MINIMUM_REWARD_RISK` (1.8). */
  readonly rewardRisk: number;
  /** When given, the target is rounded to the tick away from the entry, so the ratio stays at least `rewardRisk`. */
  readonly instrument?: TickRule | undefined;
}

export interface RewardRiskInput {
  readonly side: Side;
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
}

function requireStopSide(side: Side, entry: number, stop: number): void {
  if (entry === stop) {
    throw new RiskInputError(
      'ZERO_STOP_DISTANCE',
      `The stop ${stop} equals the entry: reward:risk is undefined.`,
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
}

function onTick(price: number, rule: TickRule | undefined, mode: RoundingMode, input: unknown): number {
  requirePositiveResult(price, input);
  if (rule === undefined) return price;
  let rounded: string;
  try {
    rounded = roundPriceToTick(price, rule as Instrument, mode);
  } catch (error) {
    if (error instanceof SymbolError) {
      const tickSize: unknown = typeof rule === 'object' && rule !== null ? rule.tickSize : rule;
      throw new RiskInputError(
        'INVALID_INSTRUMENT',
        `Invalid instrument tick size ${describeValue(tickSize)}: ${error.message}`,
        rule,
        { cause: error },
      );
    }
    throw error;
  }
  return requirePositiveResult(Number(rounded), input);
}

/** A computed stop or target must still be a price: finite and > 0. */
function requirePositiveResult(price: number, input: unknown): number {
  if (!(price > 0) || !Number.isFinite(price)) {
    throw new RiskInputError(
      'INVALID_PRICE',
      `The computed price would be ${price}, not a price > 0: the distance is as large as the entry.`,
      input,
    );
  }
  return price;
}

/**
 * The stop `multiplier` ATRs away from the entry: `entry − k·ATR` for a long, `entry + k·ATR` for a short,
 * rounded to the tick away from the entry when an instrument is given. Throws `RiskInputError`
 * (`INVALID_SIDE`, `INVALID_PRICE` also when a long's stop would be ≤ 0, `INVALID_ATR`, `INVALID_INSTRUMENT`).
 */
export function stopFromAtr(input: StopFromAtrInput): number {
  requireObject(input, 'stopFromAtr input');
  const side = requireSide(input.side);
  const entry = requirePositive(input.entry, 'entry', 'INVALID_PRICE');
  const atr = requirePositive(input.atr, 'atr', 'INVALID_ATR');
  const multiplier = requirePositive(input.multiplier, 'multiplier', 'INVALID_ATR');
  const distance = atr * multiplier;
  const stop = side === 'long' ? entry - distance : entry + distance;
  return onTick(stop, input.instrument, side === 'long' ? 'down' : 'up', input);
}

/**
 * Reward:risk of a trade, `|target − entry| / |entry − stop|` (prices only, before fees). Throws
 * `RiskInputError` (`INVALID_SIDE`, `INVALID_PRICE`, `ZERO_STOP_DISTANCE`, `STOP_WRONG_SIDE`,
 * `TARGET_WRONG_SIDE`).
 */
export function rewardRiskRatio(input: RewardRiskInput): number {
  requireObject(input, 'rewardRiskRatio input');
  const side = requireSide(input.side);
  const entry = requirePositive(input.entry, 'entry', 'INVALID_PRICE');
  const stop = requirePositive(input.stop, 'stop', 'INVALID_PRICE');
  const target = requirePositive(input.target, 'target', 'INVALID_PRICE');
  requireStopSide(side, entry, stop);
  if (side === 'long' ? target <= entry : target >= entry) {
    throw new RiskInputError(
      'TARGET_WRONG_SIDE',
      `A ${side}'s target must be ${side === 'long' ? 'above' : 'below'} its entry: target ${target}, entry ${entry}.`,
      target,
    );
  }
  return side === 'long' ? (target - entry) / (entry - stop) : (entry - target) / (stop - entry);
}

/** The most times a target is moved one tick (or one float step) so that its ratio reaches the request. */
const mostAdjustments = 16;

/**
 * The take-profit `rewardRisk` times the stop distance beyond the entry, rounded to the tick away from
 * the entry when an instrument is given. The result always satisfies
 * `rewardRiskRatio({ side, entry, stop, target }) >= rewardRisk` as computed in floats. Throws
 * `RiskInputError` (`INVALID_SIDE`, `INVALID_PRICE` also when a short's target would be ≤ 0,
 * `ZERO_STOP_DISTANCE`, `STOP_WRONG_SIDE`, `INVALID_REWARD_RISK`, `INVALID_INSTRUMENT`).
 */
export function targetFromRewardRisk(input: TargetFromRewardRiskInput): number {
  requireObject(input, 'targetFromRewardRisk input');
  const side = requireSide(input.side);
  const entry = requirePositive(input.entry, 'entry', 'INVALID_PRICE');
  const stop = requirePositive(input.stop, 'stop', 'INVALID_PRICE');
  const rewardRisk = requirePositive(input.rewardRisk, 'rewardRisk', 'INVALID_REWARD_RISK');
  requireStopSide(side, entry, stop);
  const distance = side === 'long' ? entry - stop : stop - entry;
  const away = side === 'long' ? 1 : -1;
  const mode: RoundingMode = side === 'long' ? 'up' : 'down';
  let target = onTick(entry + away * rewardRisk * distance, input.instrument, mode, input);
  const tick = input.instrument === undefined ? undefined : Number(input.instrument.tickSize);
  for (let adjustment = 0; adjustment < mostAdjustments; adjustment += 1) {
    if (rewardRiskRatio({ side, entry, stop, target }) >= rewardRisk) return target;
    // Without a tick, one float step of the larger of entry and target: the difference moves by at least one ulp.
    const step = tick ?? Math.max(Math.abs(target), entry) * Number.EPSILON;
    target = onTick(target + away * step, input.instrument, mode, input);
  }
  if (rewardRiskRatio({ side, entry, stop, target }) >= rewardRisk) return target;
  throw new RiskInputError(
    'INVALID_REWARD_RISK',
    `No target reaches reward:risk ${rewardRisk} for entry ${entry} and stop ${stop} in floating point.`,
    input,
  );
}
