/**
 * The risk tiers come from `@bot/risk`, which decides with them: one table, so the limits the config
 * accepts are exactly the limits the RiskGuard enforces. Re-exported here under the config's names.
 */
import { TIER_LIMITS, TIERS } from '@bot/risk';
import type { RiskLimits, Tier, TierHardCaps, TierPreset } from '@bot/risk';

export { TIERS };
export type { Tier, TierHardCaps, TierPreset };

/** The risk limits a tier fills in. Fractions throughout: 0.005 means 0.5 %. */
export type TierRiskLimits = RiskLimits;

/** The tier presets (defaults and hard caps) as plain frozen data; see @bot/risk's README for the table. */
export const TIER_PRESETS: Readonly<Record<Tier, TierPreset>> = TIER_LIMITS;

/** The preset (defaults and hard caps) of a tier. Throws a TypeError for a name that is not a tier. */
export function tierLimits(tier: Tier): TierPreset {
  if (!Object.hasOwn(TIER_PRESETS, tier)) {
    throw new TypeError(`Unknown tier ${String(tier)}; expected one of ${TIERS.join(', ')}.`);
  }
  return TIER_PRESETS[tier];
}
