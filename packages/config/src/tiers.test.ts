import { TIER_LIMITS } from '@bot/risk';
import { describe, expect, it } from 'vitest';
import { HARD_LIMITS } from './schema';
import { TIER_PRESETS, tierLimits, TIERS } from './tiers';
import type { Tier, TierRiskLimits } from './tiers';

const FIELDS = Object.keys(TIER_PRESETS.conservative.defaults) as (keyof TierRiskLimits)[];

describe('TIER_PRESETS', () => {
  it.each(TIERS)('%s: every default lies within its own caps and the global limits', (tier) => {
    const { defaults, hardCaps } = TIER_PRESETS[tier];
    expect(Object.keys(hardCaps).sort()).toEqual([...FIELDS].sort());
    for (const field of FIELDS) {
      const cap: { max?: number; min?: number } = hardCaps[field];
      if (cap.max !== undefined) expect(defaults[field]).toBeLessThanOrEqual(cap.max);
      if (cap.min !== undefined) expect(defaults[field]).toBeGreaterThanOrEqual(cap.min);
      const global: { max?: number; min?: number; exclusiveMin?: number } = HARD_LIMITS[field];
      for (const value of [defaults[field], cap.max ?? cap.min ?? 0]) {
        if (global.max !== undefined) expect(value).toBeLessThanOrEqual(global.max);
        if (global.min !== undefined) expect(value).toBeGreaterThanOrEqual(global.min);
        if (global.exclusiveMin !== undefined) expect(value).toBeGreaterThan(global.exclusiveMin);
      }
    }
    expect(Number.isInteger(defaults.leverageDefault)).toBe(true);
  });

  it('loosens from conservative to aggressive, never tightens', () => {
    const order: Tier[] = ['conservative', 'standard', 'aggressive'];
    for (let index = 1; index < order.length; index += 1) {
      const looser = TIER_PRESETS[order[index] as Tier].hardCaps;
      const tighter = TIER_PRESETS[order[index - 1] as Tier].hardCaps;
      expect(looser.riskPerTradePct.max).toBeGreaterThan(tighter.riskPerTradePct.max);
      expect(looser.dailyDrawdownPct.max).toBeGreaterThan(tighter.dailyDrawdownPct.max);
      expect(looser.leverageDefault.max).toBeGreaterThan(tighter.leverageDefault.max);
      expect(looser.maxConcurrentPositions.max).toBeGreaterThan(tighter.maxConcurrentPositions.max);
      expect(looser.cooldownAfterStopMinutes.min).toBeLessThan(tighter.cooldownAfterStopMinutes.min);
    }
  });

  it("is @bot/risk's own table, so config and RiskGuard cannot disagree", () => {
    expect(TIER_PRESETS).toBe(TIER_LIMITS);
  });

  it('is plain, deep-frozen data', () => {
    expect(Object.isFrozen(TIER_PRESETS)).toBe(true);
    for (const tier of TIERS) {
      expect(Object.isFrozen(TIER_PRESETS[tier].defaults)).toBe(true);
      expect(Object.isFrozen(TIER_PRESETS[tier].hardCaps.leverageDefault)).toBe(true);
    }
    expect(JSON.parse(JSON.stringify(TIER_PRESETS))).toEqual(TIER_PRESETS);
  });
});

describe('tierLimits', () => {
  it('returns the preset of a tier', () => {
    expect(tierLimits('standard')).toBe(TIER_PRESETS.standard);
  });

  it.each(['extreme', 'toString', '__proto__'])('throws a TypeError for %j', (name) => {
    expect(() => tierLimits(name as Tier)).toThrow(TypeError);
  });
});
