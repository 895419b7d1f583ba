import { RiskInputError, describeValue } from './risk-input-error';
import { DEFAULT_MINIMUM_REWARD_RISK } from './stop-and-target';

/** The risk tiers, from most to least cautious (the same names as `@bot/config`). */
export const TIERS = Object.freeze(['conservative', 'standard', 'aggressive'] as const);
export type Tier = (typeof TIERS)[number];

/**
 * The risk limits a guard enforces, with the field names of `@bot/config`'s `risk` section, so the
 * runner can hand config values straight through. Fractions throughout: 0.005 means 0.5 %.
 */
export interface RiskLimits {
  /** Fraction of equity risked per trade (entry to stop, fees and slippage included). */
  readonly riskPerTradePct: number;
  /** Fraction of the day's starting equity that may be lost before entries stop for the rest of the UTC day. */
  readonly dailyDrawdownPct: number;
  /** Leverage set on each symbol, an integer. */
  readonly leverageDefault: number;
  /** Open positions allowed at once. */
  readonly maxConcurrentPositions: number;
  /** Consecutive stop-losses after which the guard halts. */
  readonly maxSlStreak: number;
  /** Minutes to wait after a stop-loss before opening again (an integer). */
  readonly cooldownAfterStopMinutes: number;
}

/**
 * A tier's hard caps: a custom limit may be set within them, never beyond. Every cap is a `max` except
 * the cooldown, where shorter is riskier, so its cap is a `min`.
 */
export interface TierHardCaps {
  readonly riskPerTradePct: { readonly max: number };
  readonly dailyDrawdownPct: { readonly max: number };
  readonly leverageDefault: { readonly max: number };
  readonly maxConcurrentPositions: { readonly max: number };
  readonly maxSlStreak: { readonly max: number };
  readonly cooldownAfterStopMinutes: { readonly min: number };
}

/**
 * The bounds of the smallest reward:risk (target distance / stop distance, prices only) a signal must
 * offer to be traded (`@bot/config`'s `strategy.minRewardRisk`): its default, and the lowest and highest
 * values the tier accepts. A lower minimum trades worse odds, so the stricter the tier, the higher its floor.
 */
export interface RewardRiskBounds {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** One tier: the limits used when none are given, and the bounds custom limits must stay within. */
export interface TierPreset {
  readonly defaults: RiskLimits;
  readonly hardCaps: TierHardCaps;
  readonly minRewardRisk: RewardRiskBounds;
}

function freezePreset(preset: TierPreset): TierPreset {
  Object.freeze(preset.defaults);
  for (const cap of Object.values(preset.hardCaps)) Object.freeze(cap);
  Object.freeze(preset.hardCaps);
  Object.freeze(preset.minRewardRisk);
  return Object.freeze(preset);
}

/**
 * The tier presets as plain frozen data, number for number and field for field the same as
 * `@bot/config`'s `TIER_PRESETS` (a cross-check test compares the two).
 *
 * | tier | risk/trade | daily drawdown | leverage | positions | SL streak | cooldown | min reward:risk |
 * |---|---|---|---|---|---|---|---|
 * | conservative | 0.005 (cap 0.01) | 0.02 (cap 0.03) | 3 (cap 5) | 2 (cap 3) | 3 (cap 4) | 30 min (min 15) | 1.8 (1.5–10) |
 * | standard | 0.01 (cap 0.02) | 0.05 (cap 0.08) | 5 (cap 10) | 3 (cap 5) | 3 (cap 6) | 15 min (min 5) | 1.8 (1.2–10) |
 * | aggressive | 0.02 (cap 0.05) | 0.10 (cap 0.20) | 10 (cap 20) | 5 (cap 10) | 3 (cap 10) | 5 min (min 0) | 1.8 (1.0–10) |
 */
export const TIER_LIMITS: Readonly<Record<Tier, TierPreset>> = Object.freeze({
  conservative: freezePreset({
    defaults: {
      riskPerTradePct: 0.005,
      dailyDrawdownPct: 0.02,
      leverageDefault: 3,
      maxConcurrentPositions: 2,
      maxSlStreak: 3,
      cooldownAfterStopMinutes: 30,
    },
    hardCaps: {
      riskPerTradePct: { max: 0.01 },
      dailyDrawdownPct: { max: 0.03 },
      leverageDefault: { max: 5 },
      maxConcurrentPositions: { max: 3 },
      maxSlStreak: { max: 4 },
      cooldownAfterStopMinutes: { min: 15 },
    },
    minRewardRisk: { default: DEFAULT_MINIMUM_REWARD_RISK, min: 1.5, max: 10 },
  }),
  standard: freezePreset({
    defaults: {
      riskPerTradePct: 0.01,
      dailyDrawdownPct: 0.05,
      leverageDefault: 5,
      maxConcurrentPositions: 3,
      maxSlStreak: 3,
      cooldownAfterStopMinutes: 15,
    },
    hardCaps: {
      riskPerTradePct: { max: 0.02 },
      dailyDrawdownPct: { max: 0.08 },
      leverageDefault: { max: 10 },
      maxConcurrentPositions: { max: 5 },
      maxSlStreak: { max: 6 },
      cooldownAfterStopMinutes: { min: 5 },
    },
    minRewardRisk: { default: DEFAULT_MINIMUM_REWARD_RISK, min: 1.2, max: 10 },
  }),
  aggressive: freezePreset({
    defaults: {
      riskPerTradePct: 0.02,
      dailyDrawdownPct: 0.1,
      leverageDefault: 10,
      maxConcurrentPositions: 5,
      maxSlStreak: 3,
      cooldownAfterStopMinutes: 5,
    },
    hardCaps: {
      riskPerTradePct: { max: 0.05 },
      dailyDrawdownPct: { max: 0.2 },
      leverageDefault: { max: 20 },
      maxConcurrentPositions: { max: 10 },
      maxSlStreak: { max: 10 },
      cooldownAfterStopMinutes: { min: 0 },
    },
    minRewardRisk: { default: DEFAULT_MINIMUM_REWARD_RISK, min: 1, max: 10 },
  }),
});

/**
 * The largest notional (quantity × entry) `sizePosition` gives one position, as a multiple of equity.
 * Leverage bounds the margin a position locks; this bounds its exposure, which matters when a stop is
 * very tight (a gap through the stop loses gap × notional, not the planned risk). Not part of
 * `@bot/config`'s presets; a caller can only tighten it (`maxNotional`).
 */
export const TIER_MAX_NOTIONAL_MULTIPLE: Readonly<Record<Tier, number>> = Object.freeze({
  conservative: 1,
  standard: 3,
  aggressive: 10,
});

/** Every field of `RiskLimits`, in table order. */
export const riskLimitFields: readonly (keyof RiskLimits)[] = Object.freeze([
  'riskPerTradePct',
  'dailyDrawdownPct',
  'leverageDefault',
  'maxConcurrentPositions',
  'maxSlStreak',
  'cooldownAfterStopMinutes',
] as const);

/** The largest leverage Binance offers on any USDⓈ-M contract. */
export const LARGEST_LEVERAGE = 125;
/** The longest cooldown accepted, one day (as in `@bot/config`). */
const longestCooldownMinutes = 1440;

/** `tier` if it is one, or `UNKNOWN_TIER`. */
export function requireTier(tier: unknown): Tier {
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) {
    throw new RiskInputError(
      'UNKNOWN_TIER',
      `Unknown tier ${describeValue(tier)}: expected one of ${TIERS.join(', ')}.`,
      tier,
    );
  }
  return tier as Tier;
}

/** The preset (defaults and hard caps) of a tier; `UNKNOWN_TIER` for anything else. */
export function tierPreset(tier: Tier): TierPreset {
  return TIER_LIMITS[requireTier(tier)];
}

function invalidLimit(field: string, value: unknown, expected: string): RiskInputError {
  return new RiskInputError(
    'INVALID_LIMIT',
    `Invalid ${field} ${describeValue(value)}: expected ${expected}.`,
    value,
  );
}

function checkLimit(tier: Tier, field: keyof RiskLimits, value: unknown): number {
  const caps = TIER_LIMITS[tier].hardCaps;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidLimit(field, value, 'a finite number');
  }
  switch (field) {
    case 'riskPerTradePct':
    case 'dailyDrawdownPct': {
      if (!(value > 0 && value < 1)) {
        throw invalidLimit(field, value, 'a fraction above 0 and below 1 (0.005 = 0.5 %)');
      }
      const max = caps[field].max;
      if (value > max) {
        throw new RiskInputError(
          'BEYOND_TIER_CAP',
          `${field} ${value} is above tier ${tier}'s hard cap of ${max}.`,
          value,
        );
      }
      return value;
    }
    case 'leverageDefault':
    case 'maxConcurrentPositions':
    case 'maxSlStreak': {
      const upper = field === 'leverageDefault' ? LARGEST_LEVERAGE : Number.MAX_SAFE_INTEGER;
      if (!Number.isInteger(value) || value < 1 || value > upper) {
        throw invalidLimit(field, value, `an integer from 1 to ${upper}`);
      }
      const max = caps[field].max;
      if (value > max) {
        throw new RiskInputError(
          'BEYOND_TIER_CAP',
          `${field} ${value} is above tier ${tier}'s hard cap of ${max}.`,
          value,
        );
      }
      return value;
    }
    case 'cooldownAfterStopMinutes': {
      if (!Number.isInteger(value) || value < 0 || value > longestCooldownMinutes) {
        throw invalidLimit(field, value, `an integer number of minutes from 0 to ${longestCooldownMinutes}`);
      }
      const min = caps.cooldownAfterStopMinutes.min;
      if (value < min) {
        throw new RiskInputError(
          'BEYOND_TIER_CAP',
          `cooldownAfterStopMinutes ${value} is below tier ${tier}'s minimum of ${min} minutes.`,
          value,
        );
      }
      return value === 0 ? 0 : value;
    }
  }
}

/**
 * The limits a guard of `tier` enforces: the tier's defaults, overridden field by field by `custom`
 * (e.g. `@bot/config`'s `risk` section as is). Every value is checked against the tier's hard caps.
 * Throws `RiskInputError`: `UNKNOWN_TIER`; `INVALID_LIMIT` for an unknown field (a typo must not be
 * ignored), a non-number, a non-integer count or an out-of-range value; `BEYOND_TIER_CAP` beyond a cap.
 * Returns a new frozen object.
 */
export function resolveRiskLimits(tier: Tier, custom?: Partial<RiskLimits>): RiskLimits {
  const checkedTier = requireTier(tier);
  const defaults = TIER_LIMITS[checkedTier].defaults;
  if (custom === undefined) return Object.freeze({ ...defaults });
  if (typeof custom !== 'object' || custom === null || Array.isArray(custom)) {
    throw new RiskInputError(
      'INVALID_LIMIT',
      `Invalid limits ${describeValue(custom)}: expected an object of risk limits.`,
      custom,
    );
  }
  for (const key of Object.keys(custom)) {
    if (!(riskLimitFields as readonly string[]).includes(key)) {
      throw new RiskInputError(
        'INVALID_LIMIT',
        `Unknown risk limit ${describeValue(key)}: expected one of ${riskLimitFields.join(', ')}.`,
        key,
      );
    }
  }
  const resolved: { -readonly [Field in keyof RiskLimits]: number } = { ...defaults };
  for (const field of riskLimitFields) {
    const value = custom[field];
    if (value !== undefined) resolved[field] = checkLimit(checkedTier, field, value);
  }
  return Object.freeze(resolved);
}
