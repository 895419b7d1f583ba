/**
 * sizePosition at the instrument's limits: a maximum quantity that caps the order (and one that does not,
 * just above the risk quantity), and the two denials with the smallest order that would pass, or none.
 */
import { createInstrument } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { sizePosition } from '../src/size-position';
import type { SizePositionInput } from '../src/size-position';

/** 50 of risk (0.5 % of 10 000) over a 1 010 stop distance, no fees or slippage: 0.0495… BTC. */
const base = {
  side: 'long',
  equity: 10_000,
  riskPct: 0.005,
  entry: 60_000,
  stop: 58_990,
  leverage: 5,
  feeRate: 0,
  slippagePct: 0,
} as const;

function btc(fields: Partial<Parameters<typeof createInstrument>[0]> = {}) {
  return createInstrument({ symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001', ...fields });
}

function size(instrument: ReturnType<typeof btc>, change: Partial<SizePositionInput> = {}) {
  return sizePosition({ ...base, instrument, ...change });
}

describe('sizePosition and the maximum quantity', () => {
  it('floors to the grid below a maximum just above the risk quantity (risk decides, not the maximum)', () => {
    expect(size(btc({ maxQty: '0.05' }))).toMatchObject({
      allowed: true,
      quantity: '0.049',
      limitedBy: 'risk',
      lossAtStop: 49.49,
    });
  });

  it('caps at a maximum below the risk quantity, and says so', () => {
    expect(size(btc({ maxQty: '0.02' }))).toMatchObject({
      allowed: true,
      quantity: '0.020',
      limitedBy: 'maxQuantity',
      notional: 1_200,
      initialMargin: 240,
    });
  });

  it('takes leverage up to 125 as a leverage, beyond the tier’s cap as BEYOND_TIER_CAP', () => {
    expect(() => size(btc(), { leverage: 125, tier: 'aggressive' })).toThrow(
      expect.objectContaining({ code: 'BEYOND_TIER_CAP' }),
    );
  });
});

describe('sizePosition denials name the smallest order that would pass', () => {
  it('below the minimum notional', () => {
    expect(size(btc({ minNotional: '5000' }))).toEqual({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      message:
        'The notional risk and caps allow, 0.049 × 60000 = 2940 (limited by risk), is below the minimum notional 5000. The smallest valid order, 0.084, would lose 84.84 at the stop (0.008484 of equity).',
      quantity: '0.049',
      notional: 2_940,
      riskBudget: 50,
      lossPerUnit: 1_010,
      stopDistance: 1_010,
      limitedBy: 'risk',
      orderType: 'market',
      minimumOrderQuantity: '0.084',
      lossAtMinimum: 84.84,
      riskPctAtMinimum: 0.008484,
      minimumNotional: 5_000,
    });
  });

  it('below the minimum quantity', () => {
    expect(size(btc({ minQty: '0.1' }))).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_QUANTITY',
      message:
        'The quantity risk and caps allow, 0.049 (limited by risk), is below the minimum quantity 0.100. The smallest valid order, 0.100, would lose 101 at the stop (0.0101 of equity).',
      minimumOrderQuantity: '0.100',
      lossAtMinimum: 101,
      riskPctAtMinimum: 0.0101,
      minimumNotional: null,
    });
  });

  it('or that none can, when the minimum notional needs more than the maximum quantity', () => {
    expect(size(btc({ maxQty: '0.001', minNotional: '100' }))).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      message:
        'The notional risk and caps allow, 0.001 × 60000 = 60 (limited by maxQuantity), is below the minimum notional 100. No order at this entry meets both the minimum and the maximum quantity.',
      quantity: '0.001',
      limitedBy: 'maxQuantity',
      minimumOrderQuantity: null,
      lossAtMinimum: null,
      riskPctAtMinimum: null,
      minimumNotional: 100,
    });
  });

  it('a minimum order exactly at the maximum quantity is still possible', () => {
    expect(size(btc({ maxQty: '0.002', minNotional: '120' }), { riskPct: 0.0001 })).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_QUANTITY',
      minimumOrderQuantity: '0.002',
    });
  });
});

describe('sizePosition beyond 2^50 steps', () => {
  const dust = (fields: Partial<Parameters<typeof createInstrument>[0]> = {}) =>
    createInstrument({ symbol: 'DUST/USDC:USDC', tickSize: '0.0001', stepSize: '0.00000001', ...fields });
  const huge = { equity: 1e12, entry: 1, stop: 0.5, leverage: 1 } as const;

  it('clamps to the maximum quantity when the instrument has one', () => {
    expect(size(dust({ maxQty: '1000' }), huge)).toMatchObject({
      allowed: true,
      quantity: '1000.00000000',
      limitedBy: 'maxQuantity',
    });
  });

  it('refuses the quantity as QUANTITY_OUT_OF_RANGE when it has none', () => {
    expect(() => size(dust(), huge)).toThrow(
      expect.objectContaining({
        code: 'QUANTITY_OUT_OF_RANGE',
        message:
          'The quantity 10000000000 is beyond 2^50 steps of 0.00000001 and the instrument sets no maximum quantity.',
      }),
    );
  });
});
