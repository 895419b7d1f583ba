import { describe, expect, it } from 'vitest';
import { LONGEST_BAN_MS, RequestWeightLimiter } from './request-weight-limiter';

const MINUTE = 60_000;

describe('RequestWeightLimiter', () => {
  it('counts weight per calendar minute of the given clock', () => {
    const limiter = new RequestWeightLimiter();
    const start = 100 * MINUTE;
    expect(limiter.admit(5, 10, start)).toEqual({ outcome: 'allowed', usedWeight: 5 });
    expect(limiter.admit(5, 10, start + 59_999)).toEqual({ outcome: 'allowed', usedWeight: 10 });
    expect(limiter.usedWeight(start + MINUTE)).toBe(0);
    expect(limiter.admit(1, 10, start + MINUTE)).toEqual({ outcome: 'allowed', usedWeight: 1 });
  });

  it('answers 429 until the minute ends; a client that waits for it is not banned', () => {
    const limiter = new RequestWeightLimiter();
    const start = 100 * MINUTE + 15_500;
    limiter.admit(10, 10, start);
    expect(limiter.admit(1, 10, start)).toEqual({
      outcome: 'rate-limited',
      usedWeight: 11,
      retryAfterSeconds: 45,
    });
    expect(limiter.admit(1, 10, 101 * MINUTE)).toEqual({ outcome: 'allowed', usedWeight: 1 });
  });

  it('bans a client that keeps coming, doubling each ban from 2 minutes up to 3 days', () => {
    const limiter = new RequestWeightLimiter();
    let now = 1000 * MINUTE;
    const bans: number[] = [];
    for (let round = 0; round < 14; round += 1) {
      limiter.admit(11, 10, now);
      const verdict = limiter.admit(1, 10, now + 1);
      expect(verdict.outcome).toBe('banned');
      if (verdict.outcome !== 'banned') return;
      bans.push(verdict.retryAfterSeconds);
      // A request during the ban is refused with the time left, and does not extend it.
      expect(limiter.admit(1, 10, now + 1 + 61_000)).toMatchObject({
        outcome: 'banned',
        retryAfterSeconds: verdict.retryAfterSeconds - 61,
        bannedUntil: verdict.bannedUntil,
      });
      now = Math.ceil((verdict.bannedUntil + 1) / MINUTE) * MINUTE;
      expect(limiter.admit(1, 10, now).outcome).toBe('allowed');
    }
    const doubling = Array.from({ length: 12 }, (_, index) => 120 * 2 ** index);
    expect(bans).toEqual([...doubling, LONGEST_BAN_MS / 1000, LONGEST_BAN_MS / 1000]);
  });

  it('forgives: lifts the ban and starts again from 2 minutes', () => {
    const limiter = new RequestWeightLimiter();
    const now = 5 * MINUTE;
    limiter.admit(11, 10, now);
    limiter.admit(1, 10, now);
    limiter.forgive();
    expect(limiter.admit(0, 10, now).outcome).toBe('rate-limited'); // still over the minute's weight
    expect(limiter.admit(0, 10, now)).toMatchObject({ outcome: 'banned', retryAfterSeconds: 120 });
  });
});
