import { checkOrder, createInstrument, floorQuantityToStep, toDecimal } from '@bot/symbols';
import type { Instrument } from '@bot/symbols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { RiskInputErrorCode } from './risk-input-error';
import { lossPerUnitOf, sizePosition } from './size-position';
import type { PositionSize, SizePositionInput, SizingResult } from './size-position';
import { TIERS, TIER_LIMITS, TIER_MAX_NOTIONAL_MULTIPLE } from './tiers';

const btc = createInstrument({
  symbol: 'BTC/USDC:USDC',
  tickSize: '0.1',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '100',
});
const doge = createInstrument({
  symbol: 'DOGE/USDC:USDC',
  tickSize: '0.00001',
  stepSize: '1',
  minQty: '1',
  maxQty: '50000000',
  marketMaxQty: '30000000',
  minNotional: '5',
});
const odd = createInstrument({
  symbol: 'ODD/USDC:USDC',
  tickSize: '0.0001',
  stepSize: '0.002',
  marketStepSize: '0.003',
  minQty: '0.004',
  marketMinQty: '0.009',
  maxQty: '5000',
  minNotional: '7.5',
});
const wholeTens = createInstrument({
  symbol: 'TENS/USDC:USDC',
  tickSize: '0.000001',
  stepSize: '10',
  minQty: '10',
  minNotional: '5',
});
const unbounded = createInstrument({ symbol: 'SOL/USDC:USDC', tickSize: '0.01', stepSize: '0.001' });
const instruments = [btc, doge, odd, wholeTens, unbounded];

const base: SizePositionInput = {
  side: 'long',
  equity: 10_000,
  riskPct: 0.005,
  entry: 60_000,
  stop: 59_400,
  instrument: btc,
  leverage: 3,
  feeRate: 0.0005,
  slippagePct: 0.0002,
};

function allowed(result: SizingResult): PositionSize {
  if (!result.allowed) throw new Error(`expected an allowed size, got ${result.code}: ${result.message}`);
  return result;
}

describe('sizePosition', () => {
  it('sizes a long so that the loss at the stop, fees and slippage included, fits the risk budget', () => {
    const result = allowed(sizePosition(base));
    // Per unit: distance 600 + slippage 0.0002 × (60000 + 59400) + fees 0.0005 × (119400 + 0.0002 × 600).
    expect(result.lossPerUnit).toBeCloseTo(600 + 23.88 + 59.70006, 9);
    // 50 / 683.58006 = 0.0731…, floored to the 0.001 step.
    expect(result).toMatchObject({
      allowed: true,
      quantity: '0.073',
      riskBudget: 50,
      stopDistance: 600,
      limitedBy: 'risk',
      orderType: 'market',
    });
    expect(result.notional).toBeCloseTo(4380, 9);
    expect(result.lossAtStop).toBeCloseTo(0.073 * 683.58006, 9);
    expect(result.lossAtStop).toBeLessThanOrEqual(50);
    expect(result.initialMargin).toBeCloseTo(1460, 9);
  });

  it('sizes a short the same way, with the stop above the entry', () => {
    const result = allowed(sizePosition({ ...base, side: 'short', entry: 60_000, stop: 60_600 }));
    expect(result.stopDistance).toBe(600);
    expect(result.lossPerUnit).toBeCloseTo(600 + 0.0002 * 120_600 + 0.0005 * (120_600 + 0.12), 9);
    // 50 / 684.42006 = 0.07305…
    expect(result.quantity).toBe('0.073');
  });

  it('lands exactly on a grid point that the float quotient misses from below', () => {
    // 100 / 1 is exactly 100 units; with no costs the result is the full budget, not one step less.
    const result = allowed(
      sizePosition({
        ...base,
        tier: 'standard',
        riskPct: 0.01,
        entry: 100,
        stop: 99,
        feeRate: 0,
        slippagePct: 0,
        leverage: 5,
      }),
    );
    expect(result.quantity).toBe('100.000');
    expect(result.lossAtStop).toBe(100);
  });

  it('caps by leverage, by available margin, by the tier max notional and by maxNotional, and says which', () => {
    const tight = {
      ...base,
      instrument: unbounded,
      tier: 'standard' as const,
      riskPct: 0.01,
      entry: 100,
      stop: 99.9,
      feeRate: 0,
      slippagePct: 0,
    };
    // Risk alone would buy 1000 units (100 000 notional, 10× equity).
    expect(allowed(sizePosition({ ...tight, leverage: 2 }))).toMatchObject({
      quantity: '200.000',
      limitedBy: 'leverage',
    });
    expect(allowed(sizePosition({ ...tight, leverage: 5, availableMargin: 1_000 }))).toMatchObject({
      quantity: '50.000',
      limitedBy: 'leverage',
    });
    // standard: notional ≤ 3 × equity = 30 000 → 300 units.
    expect(TIER_MAX_NOTIONAL_MULTIPLE.standard).toBe(3);
    expect(allowed(sizePosition({ ...tight, leverage: 10 }))).toMatchObject({
      quantity: '300.000',
      limitedBy: 'tierMaxNotional',
    });
    expect(allowed(sizePosition({ ...tight, leverage: 10, maxNotional: 5_000 }))).toMatchObject({
      quantity: '50.000',
      limitedBy: 'maxNotional',
    });
    // A maxNotional above the tier's cannot loosen it.
    expect(allowed(sizePosition({ ...tight, leverage: 10, maxNotional: 1e9 })).limitedBy).toBe(
      'tierMaxNotional',
    );
  });

  it('measures caps at the worst entry fill, entry × (1 + slippage)', () => {
    const result = allowed(
      sizePosition({
        ...base,
        instrument: unbounded,
        tier: 'standard',
        riskPct: 0.01,
        entry: 100,
        stop: 99.99,
        feeRate: 0,
        slippagePct: 0.001,
        leverage: 2,
      }),
    );
    // Risk: 100 / (0.01 + 0.001 × 199.99) = 476.2…; leverage: 20 000 / 100.1 = 199.8001… → 199.800
    expect(result).toMatchObject({ quantity: '199.800', limitedBy: 'leverage' });
    expect(result.notional).toBeLessThanOrEqual(20_000);
  });

  it('caps by the maximum quantity: MARKET_LOT_SIZE for market orders, LOT_SIZE for limit orders', () => {
    const huge = {
      ...base,
      tier: 'aggressive' as const,
      equity: 1e9,
      riskPct: 0.02,
      leverage: 20,
      entry: 60_000,
      stop: 59_000,
    };
    expect(allowed(sizePosition(huge))).toMatchObject({ quantity: '120.000', limitedBy: 'maxQuantity' });
    expect(allowed(sizePosition({ ...huge, orderType: 'limit' }))).toMatchObject({
      quantity: '1000.000',
      limitedBy: 'maxQuantity',
    });
  });

  it('sizes on the market grid (lcm of both steps) and the stricter minimum for market orders', () => {
    const result = allowed(sizePosition({ ...base, instrument: odd, equity: 10_000, entry: 10, stop: 9 }));
    expect(Number(result.quantity) / 0.006).toBeCloseTo(Math.round(Number(result.quantity) / 0.006), 9);
    expect(checkOrder(odd, { type: 'market', price: 10, quantity: result.quantity })).toEqual([]);
    expect(checkOrder(odd, { type: 'limit', price: 10, quantity: result.quantity })).toEqual([]);
  });

  it('refuses, never rounds up, a size below the minimum quantity', () => {
    const result = sizePosition({ ...base, equity: 100 });
    expect(result).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_QUANTITY',
      quantity: '0.000',
      notional: 0,
      riskBudget: 0.5,
      limitedBy: 'risk',
      minimumOrderQuantity: '0.002',
      minimumNotional: 100,
    });
    if (result.allowed) return;
    expect(result.lossAtMinimum).toBeCloseTo(0.002 * 683.58006, 9);
    expect(result.riskPctAtMinimum).toBeCloseTo((0.002 * 683.58006) / 100, 9);
    expect(result.message).toMatch(/below the minimum quantity 0\.001/);
  });

  it('refuses a size below the minimum notional', () => {
    const result = sizePosition({ ...base, equity: 200 });
    expect(result).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      quantity: '0.001',
      limitedBy: 'risk',
      minimumOrderQuantity: '0.002',
      minimumNotional: 100,
    });
    if (!result.allowed) expect(result.notional).toBeCloseTo(60, 9);
  });

  it('reports null minimums when no order within the maximum quantity reaches the minimum notional', () => {
    const tiny = createInstrument({
      symbol: 'TINY/USDC:USDC',
      tickSize: '0.0000001',
      stepSize: '1',
      maxQty: '10',
      minNotional: '5',
    });
    const result = sizePosition({ ...base, instrument: tiny, equity: 100, entry: 0.01, stop: 0.009 });
    expect(result).toMatchObject({
      allowed: false,
      code: 'BELOW_MIN_NOTIONAL',
      quantity: '10',
      limitedBy: 'maxQuantity',
    });
    expect(result).toMatchObject({ minimumOrderQuantity: null, lossAtMinimum: null, riskPctAtMinimum: null });
  });

  it('works with whole-number steps', () => {
    const result = allowed(
      sizePosition({ ...base, instrument: wholeTens, equity: 1_000, entry: 0.5, stop: 0.45 }),
    );
    expect(result.quantity).toMatch(/^\d+0$/);
    expect(result.quantity).toBe(floorQuantityToStep(Number(result.quantity) + 9.9, '10'));
  });

  it('defaults to the conservative tier, whose caps apply', () => {
    expect(() => sizePosition({ ...base, riskPct: 0.02 })).toThrow(
      expect.objectContaining({ code: 'BEYOND_TIER_CAP' }),
    );
    expect(() => sizePosition({ ...base, leverage: 10 })).toThrow(
      expect.objectContaining({ code: 'BEYOND_TIER_CAP' }),
    );
    expect(sizePosition({ ...base, riskPct: 0.02, leverage: 10, tier: 'aggressive' }).allowed).toBe(true);
  });

  it('computes the per-unit loss with one formula for both sides', () => {
    expect(lossPerUnitOf(100, 90, 0, 0)).toBe(10);
    expect(lossPerUnitOf(90, 100, 0, 0)).toBe(10);
    expect(lossPerUnitOf(100, 90, 0.001, 0)).toBeCloseTo(10 + 0.19, 12);
    expect(lossPerUnitOf(100, 90, 0, 0.01)).toBeCloseTo(10 + 1.9, 12);
  });
});

describe('sizePosition bad input', () => {
  const cases: [string, Partial<Record<keyof SizePositionInput, unknown>>, RiskInputErrorCode][] = [
    ['NaN equity', { equity: Number.NaN }, 'INVALID_EQUITY'],
    ['negative equity', { equity: -1 }, 'INVALID_EQUITY'],
    ['zero equity', { equity: 0 }, 'INVALID_EQUITY'],
    ['infinite equity', { equity: Infinity }, 'INVALID_EQUITY'],
    ['string equity', { equity: '10000' }, 'INVALID_EQUITY'],
    ['absurd equity', { equity: 2e15 }, 'INVALID_EQUITY'],
    [
      'a misspelt optional cap',
      { maxNotionl: 5_000 } as Partial<Record<keyof SizePositionInput, unknown>>,
      'INVALID_ARGUMENT',
    ],
    ['NaN risk', { riskPct: Number.NaN }, 'INVALID_RISK'],
    ['zero risk', { riskPct: 0 }, 'INVALID_RISK'],
    ['negative risk', { riskPct: -0.01 }, 'INVALID_RISK'],
    ['a percent instead of a fraction', { riskPct: 1 }, 'INVALID_RISK'],
    ['risk above the cap', { riskPct: 0.011 }, 'BEYOND_TIER_CAP'],
    ['NaN entry', { entry: Number.NaN }, 'INVALID_PRICE'],
    ['zero entry', { entry: 0 }, 'INVALID_PRICE'],
    ['infinite stop', { stop: Infinity }, 'INVALID_PRICE'],
    ['negative stop', { stop: -5 }, 'INVALID_PRICE'],
    ['long stop above entry', { stop: 60_100 }, 'STOP_WRONG_SIDE'],
    ['short stop below entry', { side: 'short', stop: 59_000 }, 'STOP_WRONG_SIDE'],
    ['stop at entry', { stop: 60_000 }, 'ZERO_STOP_DISTANCE'],
    ['fractional leverage', { leverage: 2.5 }, 'INVALID_LEVERAGE'],
    ['zero leverage', { leverage: 0 }, 'INVALID_LEVERAGE'],
    ['leverage beyond Binance', { leverage: 126 }, 'INVALID_LEVERAGE'],
    ['leverage above the cap', { leverage: 6 }, 'BEYOND_TIER_CAP'],
    ['negative fee', { feeRate: -0.0002 }, 'INVALID_FEE_RATE'],
    ['fee as a percent', { feeRate: 0.05 }, 'INVALID_FEE_RATE'],
    ['NaN fee', { feeRate: Number.NaN }, 'INVALID_FEE_RATE'],
    ['missing slippage', { slippagePct: undefined }, 'INVALID_SLIPPAGE'],
    ['huge slippage', { slippagePct: 0.5 }, 'INVALID_SLIPPAGE'],
    ['unknown tier', { tier: 'yolo' }, 'UNKNOWN_TIER'],
    ['bad side', { side: 'buy' }, 'INVALID_SIDE'],
    ['bad order type', { orderType: 'stop' }, 'INVALID_ORDER_TYPE'],
    ['zero max notional', { maxNotional: 0 }, 'INVALID_MAX_NOTIONAL'],
    ['NaN available margin', { availableMargin: Number.NaN }, 'INVALID_EQUITY'],
    ['no instrument', { instrument: undefined }, 'INVALID_INSTRUMENT'],
    ['an instrument without a step', { instrument: { ...btc, stepSize: '0' } }, 'INVALID_INSTRUMENT'],
  ];
  it.each(cases)('%s → %s', (_name, change, code) => {
    expect(() => sizePosition({ ...base, ...change } as SizePositionInput)).toThrow(
      expect.objectContaining({ name: 'RiskInputError', code }),
    );
  });

  it('refuses a non-object input', () => {
    expect(() => sizePosition(null as unknown as SizePositionInput)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('refuses a quantity beyond 2^50 steps when the instrument has no maximum', () => {
    const unbounded = createInstrument({
      symbol: 'X/USDC:USDC',
      tickSize: '0.00000001',
      stepSize: '0.00000001',
    });
    expect(() =>
      sizePosition({
        ...base,
        tier: 'aggressive',
        riskPct: 0.05,
        leverage: 20,
        equity: 1e12,
        instrument: unbounded,
        entry: 1,
        stop: 0.9,
      }),
    ).toThrow(expect.objectContaining({ code: 'QUANTITY_OUT_OF_RANGE' }));
  });
});

const sizingInput = fc
  .record({
    tier: fc.constantFrom(...TIERS),
    side: fc.constantFrom('long' as const, 'short' as const),
    equity: fc.double({ min: 10, max: 1e8, noNaN: true }),
    riskShare: fc.double({ min: 0.001, max: 1, noNaN: true }),
    entry: fc.oneof(
      fc.double({ min: 0.0001, max: 200_000, noNaN: true }),
      fc.constantFrom(0.1, 0.3, 1, 100, 60_000, 61_000.1, 3_000.5),
    ),
    stopShare: fc.oneof(fc.double({ min: 0.0001, max: 0.5, noNaN: true }), fc.constantFrom(0.01, 0.1, 0.2)),
    feeRate: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.002, noNaN: true })),
    slippagePct: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.005, noNaN: true })),
    leverageShare: fc.double({ min: 0, max: 1, noNaN: true }),
    instrument: fc.constantFrom(...instruments),
    orderType: fc.constantFrom('market' as const, 'limit' as const),
  })
  .map(({ tier, riskShare, leverageShare, stopShare, entry, ...rest }) => {
    const caps = TIER_LIMITS[tier].hardCaps;
    return {
      ...rest,
      tier,
      entry,
      stop: rest.side === 'long' ? entry * (1 - stopShare) : entry * (1 + stopShare),
      riskPct: caps.riskPerTradePct.max * riskShare,
      leverage: Math.max(1, Math.round(caps.leverageDefault.max * leverageShare)),
    } satisfies SizePositionInput;
  })
  .filter((input) => input.stop > 0 && input.stop !== input.entry);

/** Sizes, or skips the run when the quantity is beyond 2^50 steps of an instrument without a maximum (documented). */
function sizeOrSkip(input: SizePositionInput): SizingResult {
  try {
    return sizePosition(input);
  } catch (error) {
    expect(error).toMatchObject({ code: 'QUANTITY_OUT_OF_RANGE' });
    expect(input.instrument.maxQty).toBeUndefined();
    fc.pre(false);
    throw error;
  }
}

describe('sizePosition properties', () => {
  it('never loses more than equity × riskPct at the stop, and stays within one step of it when risk binds', () => {
    fc.assert(
      fc.property(sizingInput, (input) => {
        const result = sizeOrSkip(input);
        // Exact rational arithmetic on the inputs' binary values (BigInt, no rounding at all).
        const entry = exactBinary(input.entry);
        const stop = exactBinary(input.stop);
        const slippage = exactBinary(input.slippagePct);
        const fee = exactBinary(input.feeRate);
        const distance = entry > stop ? entry - stop : stop - entry;
        const sum = entry + stop;
        // Per-unit loss at scale 2^(3·1074): d + s·(E + S) + f·(E + S + s·d).
        const lossPerUnit =
          (distance << (2n * binaryScale)) +
          ((slippage * sum) << binaryScale) +
          fee * ((sum << binaryScale) + slippage * distance);
        // Budget at scale 2^(2·1074), brought to the same scale as quantity × lossPerUnit.
        const budget = exactBinary(input.equity) * exactBinary(input.riskPct);
        const { units, places } = decimalUnits(result.quantity);
        const budgetAtScale = (budget << binaryScale) * 10n ** BigInt(places);
        const tolerance = 10n ** 12n; // 1e-12 relative: the float computation of the raw quantity
        expect(units * lossPerUnit * tolerance <= budgetAtScale * (tolerance + 1n)).toBe(true);
        if (result.limitedBy === 'risk') {
          const step = decimalUnits(floorStep(input.instrument, result.orderType));
          const stepAtPlaces = step.units * 10n ** BigInt(places - step.places);
          expect((units + stepAtPlaces) * lossPerUnit * tolerance > budgetAtScale * (tolerance - 1n)).toBe(
            true,
          );
        }
      }),
      {
        numRuns: 3000,
        examples: [
          // A stop 1e-4 relative from a tiny entry: the printed decimals of the two floats differ from their
          // binary values by 1e-12 of the distance, so only the exact binary reference is exact here.
          [
            {
              side: 'long',
              equity: 414_441.2077199316,
              feeRate: 0,
              slippagePct: 0,
              instrument: unbounded,
              orderType: 'market',
              tier: 'conservative',
              entry: 0.0002496726288712233,
              stop: 0.0002496476616083362,
              riskPct: 0.000012593867457303303,
              leverage: 1,
            },
          ],
        ],
      },
    );
  });

  it('returns exact multiples of the step that the exchange accepts, never a zero quantity, never NaN', () => {
    fc.assert(
      fc.property(sizingInput, (input) => {
        const result = sizeOrSkip(input);
        const step = floorStep(input.instrument, result.orderType);
        expect(floorQuantityToStep(result.quantity, step)).toBe(result.quantity);
        for (const value of Object.values(result)) {
          if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
        }
        if (result.allowed) {
          expect(Number(result.quantity)).toBeGreaterThan(0);
          const violations = checkOrder(input.instrument, {
            type: result.orderType,
            price: input.entry,
            quantity: result.quantity,
          }).filter((violation) => !['TICK', 'MIN_PRICE', 'MAX_PRICE'].includes(violation.code));
          expect(violations).toEqual([]);
          expect(result.lossAtStop).toBeLessThanOrEqual(result.riskBudget * (1 + 1e-12));
          expect(result.notional).toBeLessThanOrEqual(
            input.equity * TIER_MAX_NOTIONAL_MULTIPLE[input.tier] * (1 + 1e-12),
          );
          expect(result.notional).toBeLessThanOrEqual(input.equity * input.leverage * (1 + 1e-12));
        } else {
          expect(['BELOW_MIN_QUANTITY', 'BELOW_MIN_NOTIONAL']).toContain(result.code);
          const violations = checkOrder(input.instrument, {
            type: result.orderType,
            price: input.entry,
            quantity: result.quantity,
          }).map((violation) => violation.code);
          expect(
            violations.some((code) => ['MIN_QTY', 'MARKET_MIN_QTY', 'MIN_NOTIONAL'].includes(code)),
          ).toBe(true);
          if (result.limitedBy === 'risk' && result.lossAtMinimum !== null) {
            // The smallest valid order would risk more than allowed: that is why it was refused.
            expect(result.lossAtMinimum).toBeGreaterThan(result.riskBudget * (1 - 1e-12));
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Every finite double is an integer multiple of 2^-1074. */
const binaryScale = 1074n;

/** `value × 2^1074`, exactly: the double's binary value as an integer. */
function exactBinary(value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const exponent = (bits >> 52n) & 0x7ffn;
  const fraction = bits & ((1n << 52n) - 1n);
  const magnitude = exponent === 0n ? fraction : (fraction | (1n << 52n)) << (exponent - 1n);
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

/** A plain decimal string as integer units and decimals: `'1.250'` → 1250 and 3. */
function decimalUnits(text: string): { units: bigint; places: number } {
  const point = text.indexOf('.');
  if (point === -1) return { units: BigInt(text), places: 0 };
  return { units: BigInt(text.slice(0, point) + text.slice(point + 1)), places: text.length - point - 1 };
}

/** The grid step the exchange wants for the order type: for market orders the smallest multiple of both steps. */
function floorStep(instrument: Instrument, orderType: 'market' | 'limit'): string {
  const step = toDecimal(instrument.stepSize);
  if (orderType === 'limit') return step.toFixed();
  const market = toDecimal(instrument.marketStepSize);
  for (let multiple = 1; multiple < 100_000; multiple += 1) {
    const candidate = step.times(multiple);
    if (candidate.mod(market).isZero()) return candidate.toFixed();
  }
  throw new Error('no common step');
}
