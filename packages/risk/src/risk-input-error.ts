/**
 * Stable machine-readable reasons a `RiskInputError` is thrown. Match on `error.code`, never on the
 * message: messages name the bad value and what was expected, and may be reworded.
 *
 * A `RiskInputError` means the caller handed over something that cannot be a fact (NaN equity, a stop on
 * the wrong side, an unknown tier, a corrupt snapshot): a bug to fix, not a market condition. Market
 * conditions (a streak, a drawdown, a size under the exchange's minimum) are denials returned as values.
 */
export type RiskInputErrorCode =
  /** Equity (or available margin) is not a finite number > 0. */
  | 'INVALID_EQUITY'
  /** `riskPct` is not a finite fraction > 0. */
  | 'INVALID_RISK'
  /** An entry, stop or target price is not a finite number > 0 (or a computed stop/target would not be). */
  | 'INVALID_PRICE'
  /** The stop is on the wrong side of the entry for the side (a long's stop must be below its entry). */
  | 'STOP_WRONG_SIDE'
  /** The stop equals the entry: no distance to size a position on. */
  | 'ZERO_STOP_DISTANCE'
  /** The target is on the wrong side of the entry for the side (a long's target must be above its entry). */
  | 'TARGET_WRONG_SIDE'
  /** Leverage is not an integer from 1 to 125. */
  | 'INVALID_LEVERAGE'
  /** `feeRate` is not a finite fraction from 0 to 0.01. */
  | 'INVALID_FEE_RATE'
  /** `slippagePct` is not a finite fraction from 0 to 0.1. */
  | 'INVALID_SLIPPAGE'
  /** `maxNotional` is not a finite number > 0. */
  | 'INVALID_MAX_NOTIONAL'
  /** The instrument has no usable step size or an invalid quantity/notional rule. */
  | 'INVALID_INSTRUMENT'
  /** The order type is not `'market'` or `'limit'`. */
  | 'INVALID_ORDER_TYPE'
  /** The side is not `'long'` or `'short'`. */
  | 'INVALID_SIDE'
  /** The symbol is not a non-empty string. */
  | 'INVALID_SYMBOL'
  /** `now` is not an integer epoch-milliseconds time between 2000-01-01 and 2100-01-01 UTC. */
  | 'INVALID_TIME'
  /** The realized PnL of a close is not a finite number. */
  | 'INVALID_PNL'
  /** The close reason is not `stop_loss`, `take_profit`, `manual`, `liquidation` or `adl`. */
  | 'INVALID_CLOSE_REASON'
  /** `openPositions` is not an array of `{ symbol, side, unrealizedPnl? }`. */
  | 'INVALID_POSITIONS'
  /** The ATR or its multiplier is not a finite number > 0. */
  | 'INVALID_ATR'
  /** The reward:risk ratio is not a finite number > 0. */
  | 'INVALID_REWARD_RISK'
  /** The tier is not `conservative`, `standard` or `aggressive`. */
  | 'UNKNOWN_TIER'
  /** A custom risk limit is unknown, not a number, not an integer where one is needed, or out of range. */
  | 'INVALID_LIMIT'
  /** A limit or sizing input goes beyond its tier's hard cap (above a `max`, below the cooldown's `min`). */
  | 'BEYOND_TIER_CAP'
  /** The computed quantity is beyond 2^52 steps and the instrument sets no maximum quantity to cap it. */
  | 'QUANTITY_OUT_OF_RANGE'
  /** A snapshot is not a valid version-1 RiskGuard snapshot. */
  | 'INVALID_SNAPSHOT'
  /** Any other argument is invalid (a non-object where an object is needed, an unknown option, ...). */
  | 'INVALID_ARGUMENT';

/** Every `RiskInputErrorCode`, for exhaustive checks and documentation. */
export const riskInputErrorCodes: readonly RiskInputErrorCode[] = Object.freeze([
  'INVALID_EQUITY',
  'INVALID_RISK',
  'INVALID_PRICE',
  'STOP_WRONG_SIDE',
  'ZERO_STOP_DISTANCE',
  'TARGET_WRONG_SIDE',
  'INVALID_LEVERAGE',
  'INVALID_FEE_RATE',
  'INVALID_SLIPPAGE',
  'INVALID_MAX_NOTIONAL',
  'INVALID_INSTRUMENT',
  'INVALID_ORDER_TYPE',
  'INVALID_SIDE',
  'INVALID_SYMBOL',
  'INVALID_TIME',
  'INVALID_PNL',
  'INVALID_CLOSE_REASON',
  'INVALID_POSITIONS',
  'INVALID_ATR',
  'INVALID_REWARD_RISK',
  'UNKNOWN_TIER',
  'INVALID_LIMIT',
  'BEYOND_TIER_CAP',
  'QUANTITY_OUT_OF_RANGE',
  'INVALID_SNAPSHOT',
  'INVALID_ARGUMENT',
] as const);

/** The one error class this package throws. `value` is the offending input, as given. */
export class RiskInputError extends Error {
  override readonly name = 'RiskInputError';
  readonly code: RiskInputErrorCode;
  readonly value: unknown;

  constructor(code: RiskInputErrorCode, message: string, value?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.value = value;
  }
}

/** True for a `RiskInputError`, also across two copies of this package (matched on `name` and `code`). */
export function isRiskInputError(error: unknown): error is RiskInputError {
  if (error instanceof RiskInputError) return true;
  if (!(error instanceof Error) || error.name !== 'RiskInputError') return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && (riskInputErrorCodes as readonly string[]).includes(code);
}

const longestShownString = 64;

/** Renders an input for an error message: strings quoted (and shortened), numbers as JS prints them. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > longestShownString ? `${value.slice(0, longestShownString)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return Object.is(value, -0) ? '-0' : String(value);
  }
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}
