/**
 * sizePosition exactly at its boundaries: two limits that allow exactly the same quantity (which one is
 * named), a quantity of exactly 2^50 steps on an instrument without a maximum, and a minimum notional that
 * needs exactly 2^50 steps, or more. Prices and fractions are powers of two or small integers, so every
 * quotient below is exact in floating point and the boundary is hit, not approached.
 */
import { createInstrument } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { sizePosition } from '../src/size-position';
import type { SizePositionInput } from '../src/size-position';

const noCosts = { side: 'long', leverage: 5, feeRate: 0, slippagePct: 0 } as const;
const cents = createInstrument({ symbol: 'X/USDC:USDC', tickSize: '0.01', stepSize: '0.001' });
/** A step of 2^-10: 2^50 steps are 2^40 units, exactly. */
const fine = (fields: { minNotional?: string } = {}) =>
  createInstrument({ symbol: 'X/USDC:USDC', tickSize: '1', stepSize: '0.0009765625', ...fields });
const twoToThe40 = '1099511627776.0000000000';

describe('sizePosition: two limits that allow exactly the same quantity name the earlier one', () => {
  it.each<[string, Partial<SizePositionInput>, string]>([
    // 1 % of 10 000 over a stop 10 away: 10 units; 200 of margin × 5 at 100: 10 units.
    [
      'the risk budget and leverage',
      { tier: 'standard', equity: 10_000, riskPct: 0.01, entry: 100, stop: 90, availableMargin: 200 },
      'risk',
    ],
    // 2 000 of margin × 5 at 100, and 1 × equity 10 000 at 100: 100 units each; risk allows 200.
    [
      'leverage and the tier’s maximum notional',
      { tier: 'conservative', equity: 10_000, riskPct: 0.01, entry: 100, stop: 99.5, availableMargin: 2_000 },
      'leverage',
    ],
    // 1 × equity 10 000 at 100, and a maxNotional of 10 000: 100 units each.
    [
      'the tier’s maximum notional and maxNotional',
      { tier: 'conservative', equity: 10_000, riskPct: 0.01, entry: 100, stop: 99.5, maxNotional: 10_000 },
      'tierMaxNotional',
    ],
  ])('%s', (_name, change, limitedBy) => {
    const sized = sizePosition({ ...noCosts, instrument: cents, ...change } as SizePositionInput);
    expect(sized).toMatchObject({ allowed: true, limitedBy });
  });
});

describe('sizePosition at 2^50 steps on an instrument without a maximum quantity', () => {
  // 2^49 × 2^-5 of risk over a stop 16 away: 2^40 units, which is 2^50 steps of 2^-10.
  const atTheEdge = {
    ...noCosts,
    tier: 'aggressive',
    leverage: 10,
    equity: 2 ** 49,
    riskPct: 2 ** -5,
    entry: 64,
    stop: 48,
  } as const;

  it('sizes exactly 2^50 steps (the range ends beyond them, as documented)', () => {
    expect(sizePosition({ ...atTheEdge, instrument: fine() })).toMatchObject({
      allowed: true,
      quantity: twoToThe40,
      limitedBy: 'risk',
      lossAtStop: 2 ** 44,
    });
  });

  it('refuses a quantity beyond them as QUANTITY_OUT_OF_RANGE', () => {
    // A stop a little closer: a little more than 2^40 units.
    expect(() => sizePosition({ ...atTheEdge, stop: 48.5, instrument: fine() })).toThrow(
      expect.objectContaining({ code: 'QUANTITY_OUT_OF_RANGE' }),
    );
  });
});

describe('sizePosition below a minimum notional that needs 2^50 steps or more', () => {
  const small = {
    ...noCosts,
    tier: 'aggressive',
    equity: 10_000,
    riskPct: 0.01,
    entry: 1,
    stop: 0.5,
  } as const;

  it('names a smallest order of exactly 2^50 steps', () => {
    expect(sizePosition({ ...small, instrument: fine({ minNotional: String(2 ** 40) }) })).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      minimumOrderQuantity: twoToThe40,
      lossAtMinimum: 2 ** 39,
    });
  });

  it('says no order can meet one that needs more (it threw a RangeError from BigInt before)', () => {
    const denied = sizePosition({ ...small, instrument: fine({ minNotional: String(2 ** 40 + 1) }) });
    expect(denied).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      quantity: '200.0000000000',
      minimumOrderQuantity: null,
      lossAtMinimum: null,
      riskPctAtMinimum: null,
      minimumNotional: 2 ** 40 + 1,
    });
    expect(denied.allowed === false && denied.message).toMatch(
      /is below the minimum notional 1099511627777\. No order at this entry meets both the minimum and the maximum quantity\.$/,
    );
  });
});
