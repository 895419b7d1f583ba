/** The risk tiers, from most to least cautious. */
export const TIERS = ['conservative', 'standard', 'aggressive'] as const;
export type Tier = (typeof TIERS)[number];

/** The risk limits a tier fills in. Fractions throughout: 0.005 means 0.5 %. */
export interface TierRiskLimits {
  /** Fraction of equity risked per trade (entry to stop), e.g. 0.005 = 0.5 %. */
  readonly riskPerTradePct: number;
  /** Fraction of the day's starting equity that may be lost before trading stops for the day. */
  readonly dailyDrawdownPct: number;
  /** Leverage set on each symbol, an integer. */
  readonly leverageDefault: number;
  /** Open positions allowed at once. */
  readonly maxConcurrentPositions: number;
  /** Consecutive stop-losses after which trading pauses. */
  readonly maxSlStreak: number;
  /** Minutes to wait after a stop-loss before opening again. */
  readonly cooldownAfterStopMinutes: number;
}

/**
 * The hard caps of a tier: a user may tune a limit within them, never beyond. Every cap is a
 * `max` except the cooldown, where shorter is riskier, so its cap is a `min`.
 */
export interface TierHardCaps {
  readonly riskPerTradePct: { readonly max: number };
  readonly dailyDrawdownPct: { readonly max: number };
  readonly leverageDefault: { readonly max: number };
  readonly maxConcurrentPositions: { readonly max: number };
  readonly maxSlStreak: { readonly max: number };
  readonly cooldownAfterStopMinutes: { readonly min: number };
}

export interface TierPreset {
  /** The values used for any risk limit the user does not set. */
  readonly defaults: TierRiskLimits;
  /** The bounds a user-set limit must stay within. */
  readonly hardCaps: TierHardCaps;
}

function freezePreset(preset: TierPreset): TierPreset {
  Object.freeze(preset.defaults);
  for (const cap of Object.values(preset.hardCaps)) Object.freeze(cap);
  Object.freeze(preset.hardCaps);
  return Object.freeze(preset);
}

/**
 * The tier presets as plain data, shared with `@bot/risk`. Fractions, never percents.
 *
 * | tier | risk/trade | daily drawdown | leverage | positions | SL streak | cooldown |
 * |---|---|---|---|---|---|---|
 * | conservative | 0.005 (cap 0.01) | 0.02 (cap 0.03) | 3 (cap 5) | 2 (cap 3) | 3 (cap 4) | 30 min (min 15) |
 * | standard | 0.01 (cap 0.02) | 0.05 (cap 0.08) | 5 (cap 10) | 3 (cap 5) | 3 (cap 6) | 15 min (min 5) |
 * | aggressive | 0.02 (cap 0.05) | 0.10 (cap 0.20) | 10 (cap 20) | 5 (cap 10) | 3 (cap 10) | 5 min (min 0) |
 */
export const TIER_PRESETS: Readonly<Record<Tier, TierPreset>> = Object.freeze({
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
  }),
});

/** The preset (defaults and hard caps) of a tier. Throws a TypeError for a name that is not a tier. */
export function tierLimits(tier: Tier): TierPreset {
  if (!Object.hasOwn(TIER_PRESETS, tier)) {
    throw new TypeError(`Unknown tier ${String(tier)}; expected one of ${TIERS.join(', ')}.`);
  }
  return TIER_PRESETS[tier];
}
