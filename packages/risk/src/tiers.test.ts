import { describe, expect, it } from 'vitest';

import {
  TIERS,
  TIER_LIMITS,
  TIER_MAX_NOTIONAL_MULTIPLE,
  resolveRiskLimits,
  riskLimitFields,
  tierPreset,
} from './tiers';
import type { RiskLimits, Tier } from './tiers';

describe('TIER_LIMITS', () => {
  it("holds @bot/config's tier presets number for number and field for field", () => {
    // The table of @bot/config's TIER_PRESETS, written out: @bot/risk may not import @bot/config.
    expect(TIER_LIMITS).toStrictEqual({
      conservative: {
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
        minRewardRisk: { default: 1.8, min: 1.5, max: 10 },
      },
      standard: {
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
        minRewardRisk: { default: 1.8, min: 1.2, max: 10 },
      },
      aggressive: {
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
        minRewardRisk: { default: 1.8, min: 1, max: 10 },
      },
    });
  });

  it('is deeply frozen plain data that survives JSON', () => {
    expect(Object.isFrozen(TIER_LIMITS)).toBe(true);
    for (const tier of TIERS) {
      const preset = TIER_LIMITS[tier];
      expect(Object.isFrozen(preset)).toBe(true);
      expect(Object.isFrozen(preset.defaults)).toBe(true);
      expect(Object.isFrozen(preset.hardCaps)).toBe(true);
      for (const cap of Object.values(preset.hardCaps)) expect(Object.isFrozen(cap)).toBe(true);
      expect(JSON.parse(JSON.stringify(preset))).toStrictEqual(preset);
      expect(Object.keys(preset.defaults)).toEqual(riskLimitFields);
      expect(Object.keys(preset.hardCaps)).toEqual(riskLimitFields);
    }
    expect(() => {
      (TIER_LIMITS.standard.defaults as { riskPerTradePct: number }).riskPerTradePct = 1;
    }).toThrow(TypeError);
  });

  it('has defaults within their own hard caps, and tiers ordered from cautious to aggressive', () => {
    for (const tier of TIERS) {
      const { defaults, hardCaps } = TIER_LIMITS[tier];
      expect(defaults.riskPerTradePct).toBeLessThanOrEqual(hardCaps.riskPerTradePct.max);
      expect(defaults.cooldownAfterStopMinutes).toBeGreaterThanOrEqual(hardCaps.cooldownAfterStopMinutes.min);
      expect(resolveRiskLimits(tier)).toEqual(defaults);
    }
    expect(TIER_MAX_NOTIONAL_MULTIPLE).toEqual({ conservative: 1, standard: 3, aggressive: 10 });
  });

  it("bounds the minimum reward:risk per tier, the plan's 1.8 by default, the stricter tier the higher floor", () => {
    expect(TIERS.map((tier) => TIER_LIMITS[tier].minRewardRisk)).toEqual([
      { default: 1.8, min: 1.5, max: 10 },
      { default: 1.8, min: 1.2, max: 10 },
      { default: 1.8, min: 1, max: 10 },
    ]);
    for (const tier of TIERS) expect(Object.isFrozen(TIER_LIMITS[tier].minRewardRisk)).toBe(true);
  });
});

describe('resolveRiskLimits', () => {
  it('fills unset limits from the tier and accepts config values within the caps', () => {
    expect(resolveRiskLimits('standard', { riskPerTradePct: 0.02, cooldownAfterStopMinutes: 5 })).toEqual({
      ...TIER_LIMITS.standard.defaults,
      riskPerTradePct: 0.02,
      cooldownAfterStopMinutes: 5,
    });
    expect(Object.isFrozen(resolveRiskLimits('standard', {}))).toBe(true);
    expect(tierPreset('aggressive')).toBe(TIER_LIMITS.aggressive);
  });

  it.each([
    ['riskPerTradePct', 0.011],
    ['dailyDrawdownPct', 0.031],
    ['leverageDefault', 6],
    ['maxConcurrentPositions', 4],
    ['maxSlStreak', 5],
    ['cooldownAfterStopMinutes', 14],
  ] as const)('refuses conservative %s = %s beyond the hard cap', (field, value) => {
    expect(() => resolveRiskLimits('conservative', { [field]: value })).toThrow(
      expect.objectContaining({ name: 'RiskInputError', code: 'BEYOND_TIER_CAP' }),
    );
  });

  it.each([
    ['riskPerTradePct', Number.NaN],
    ['riskPerTradePct', 0],
    ['riskPerTradePct', -0.01],
    ['dailyDrawdownPct', Infinity],
    ['leverageDefault', 2.5],
    ['leverageDefault', 0],
    ['maxConcurrentPositions', 0],
    ['maxSlStreak', 1.5],
    ['cooldownAfterStopMinutes', -1],
    ['cooldownAfterStopMinutes', 1441],
    ['cooldownAfterStopMinutes', 7.5],
    ['riskPerTradePct', '0.01'],
  ] as const)('refuses %s = %s as INVALID_LIMIT', (field, value) => {
    expect(() => resolveRiskLimits('aggressive', { [field]: value } as Partial<RiskLimits>)).toThrow(
      expect.objectContaining({ code: 'INVALID_LIMIT' }),
    );
  });

  it('refuses an unknown limit (a typo must not be ignored) and a non-object', () => {
    expect(() => resolveRiskLimits('standard', { maxSLStreak: 2 } as Partial<RiskLimits>)).toThrow(
      expect.objectContaining({ code: 'INVALID_LIMIT' }),
    );
    expect(() => resolveRiskLimits('standard', 5 as unknown as Partial<RiskLimits>)).toThrow(
      expect.objectContaining({ code: 'INVALID_LIMIT' }),
    );
  });

  it('refuses an unknown tier with UNKNOWN_TIER', () => {
    for (const tier of ['yolo', 'Standard', '', undefined, null, 3]) {
      expect(() => resolveRiskLimits(tier as Tier)).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_TIER' }),
      );
      expect(() => tierPreset(tier as Tier)).toThrow(expect.objectContaining({ code: 'UNKNOWN_TIER' }));
    }
    expect(() => resolveRiskLimits('toString' as Tier)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TIER' }),
    );
  });
});
