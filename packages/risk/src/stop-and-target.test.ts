import { createInstrument } from '@bot/symbols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_MINIMUM_REWARD_RISK,
  rewardRiskRatio,
  stopFromAtr,
  targetFromRewardRisk,
} from './stop-and-target';
import type { StopFromAtrInput, TargetFromRewardRiskInput } from './stop-and-target';

const btc = createInstrument({ symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001' });

describe('stopFromAtr', () => {
  it('puts the stop k ATRs beyond the entry', () => {
    expect(stopFromAtr({ side: 'long', entry: 100, atr: 2, multiplier: 1.5 })).toBe(97);
    expect(stopFromAtr({ side: 'short', entry: 100, atr: 2, multiplier: 1.5 })).toBe(103);
  });

  it('rounds to the tick away from the entry (a wider stop, never a tighter one)', () => {
    expect(stopFromAtr({ side: 'long', entry: 60_000, atr: 123.456, multiplier: 1.5, instrument: btc })).toBe(
      59_814.8,
    );
    expect(
      stopFromAtr({ side: 'short', entry: 60_000, atr: 123.456, multiplier: 1.5, instrument: btc }),
    ).toBe(60_185.2);
    expect(
      stopFromAtr({ side: 'long', entry: 60_000, atr: 100, multiplier: 2, instrument: { tickSize: '0.1' } }),
    ).toBe(59_800);
  });

  it('refuses bad input with typed errors', () => {
    const base: StopFromAtrInput = { side: 'long', entry: 100, atr: 2, multiplier: 1.5 };
    const cases: [Partial<Record<keyof StopFromAtrInput, unknown>>, string][] = [
      [{ atr: 0 }, 'INVALID_ATR'],
      [{ atr: Number.NaN }, 'INVALID_ATR'],
      [{ multiplier: -1 }, 'INVALID_ATR'],
      [{ entry: Infinity }, 'INVALID_PRICE'],
      [{ atr: 100 }, 'INVALID_PRICE'],
      [{ side: 'up' }, 'INVALID_SIDE'],
      [{ instrument: { tickSize: '0' } }, 'INVALID_INSTRUMENT'],
    ];
    for (const [change, code] of cases) {
      expect(() => stopFromAtr({ ...base, ...change } as StopFromAtrInput)).toThrow(
        expect.objectContaining({ code }),
      );
    }
  });
});

describe('targets and reward:risk', () => {
  it("defaults to the plan's 1.8", () => {
    expect(DEFAULT_MINIMUM_REWARD_RISK).toBe(1.8);
  });

  it('puts the target rewardRisk stop distances beyond the entry', () => {
    expect(targetFromRewardRisk({ side: 'long', entry: 100, stop: 95, rewardRisk: 2 })).toBe(110);
    expect(targetFromRewardRisk({ side: 'short', entry: 100, stop: 105, rewardRisk: 2 })).toBe(90);
    expect(rewardRiskRatio({ side: 'long', entry: 100, stop: 95, target: 109 })).toBeCloseTo(1.8, 12);
    expect(rewardRiskRatio({ side: 'short', entry: 100, stop: 105, target: 91 })).toBeCloseTo(1.8, 12);
  });

  it('rounds the target to the tick away from the entry, so the ratio never drops below the request', () => {
    const target = targetFromRewardRisk({
      side: 'long',
      entry: 60_000,
      stop: 59_333.3,
      rewardRisk: 1.8,
      instrument: btc,
    });
    expect(target).toBe(61_200.1);
    expect(rewardRiskRatio({ side: 'long', entry: 60_000, stop: 59_333.3, target })).toBeGreaterThanOrEqual(
      1.8,
    );
  });

  it('meets the ratio when the entry dwarfs the target (the subtraction rounds on the entry)', () => {
    const entry = 0.13585680585194218;
    const stop = entry * (1 + 0.2985872485250633);
    const rewardRisk = 3.122521870537113;
    const target = targetFromRewardRisk({ side: 'short', entry, stop, rewardRisk });
    expect(rewardRiskRatio({ side: 'short', entry, stop, target })).toBeGreaterThanOrEqual(rewardRisk);
  });

  it('always meets the requested ratio as rewardRiskRatio computes it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('long' as const, 'short' as const),
        fc.double({ min: 0.001, max: 100_000, noNaN: true }),
        fc.double({ min: 0.0001, max: 0.3, noNaN: true }),
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        fc.boolean(),
        (side, entry, share, rewardRisk, onTick) => {
          const stop = side === 'long' ? entry * (1 - share) : entry * (1 + share);
          fc.pre(stop !== entry);
          const input: TargetFromRewardRiskInput = {
            side,
            entry,
            stop,
            rewardRisk,
            instrument: onTick ? { tickSize: '0.0001' } : undefined,
          };
          let target: number;
          try {
            target = targetFromRewardRisk(input);
          } catch (error) {
            // A short whose target would fall to zero or below is refused, never returned.
            expect(error).toMatchObject({ code: 'INVALID_PRICE' });
            return;
          }
          expect(target).toBeGreaterThan(0);
          expect(rewardRiskRatio({ side, entry, stop, target })).toBeGreaterThanOrEqual(rewardRisk);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('refuses bad input with typed errors', () => {
    expect(() => targetFromRewardRisk({ side: 'long', entry: 100, stop: 100, rewardRisk: 2 })).toThrow(
      expect.objectContaining({ code: 'ZERO_STOP_DISTANCE' }),
    );
    expect(() => targetFromRewardRisk({ side: 'long', entry: 100, stop: 101, rewardRisk: 2 })).toThrow(
      expect.objectContaining({ code: 'STOP_WRONG_SIDE' }),
    );
    expect(() => targetFromRewardRisk({ side: 'short', entry: 100, stop: 160, rewardRisk: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PRICE' }),
    );
    expect(() => targetFromRewardRisk({ side: 'long', entry: 100, stop: 90, rewardRisk: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_REWARD_RISK' }),
    );
    expect(() => rewardRiskRatio({ side: 'long', entry: 100, stop: 90, target: 95 })).toThrow(
      expect.objectContaining({ code: 'TARGET_WRONG_SIDE' }),
    );
    expect(() => rewardRiskRatio({ side: 'short', entry: 100, stop: 90, target: 95 })).toThrow(
      expect.objectContaining({ code: 'STOP_WRONG_SIDE' }),
    );
    expect(() => rewardRiskRatio(undefined as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
