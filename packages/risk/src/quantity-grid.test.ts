import {
  createInstrument,
  floorQuantityToStep,
  meetsMinNotional,
  meetsMinQty,
  minimumOrderQuantity,
} from '@bot/symbols';
import type { Instrument } from '@bot/symbols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  buildQuantityGrid,
  exactFloorToSteps,
  floorToSteps,
  meetsMinimumNotional,
  minimumOrderSteps,
  quantityGridOf,
  quantityTextOf,
} from './quantity-grid';
import { RiskInputError } from './risk-input-error';

/** The double `count` representable values away from `value` (count may be negative). */
function ulpsAway(value: number, count: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  view.setBigInt64(0, view.getBigInt64(0) + BigInt(count));
  return view.getFloat64(0);
}

/** A step `units × 10^-places`, as a canonical decimal string. */
const stepArbitrary = fc
  .record({ units: fc.integer({ min: 1, max: 5000 }), places: fc.integer({ min: 0, max: 9 }) })
  .map(({ units, places }) => {
    const text = units.toString().padStart(places + 1, '0');
    const decimal = places === 0 ? text : `${text.slice(0, -places)}.${text.slice(-places)}`;
    return decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal;
  });

function instrumentWith(fields: Partial<Parameters<typeof createInstrument>[0]>): Instrument {
  return createInstrument({ symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001', ...fields });
}

describe('floorToSteps (fast exact floor)', () => {
  it('floors exactly where float floor fails', () => {
    const grid = buildQuantityGrid(instrumentWith({ stepSize: '0.1' }), 'limit');
    // 0.7 / 0.1 = 6.999999999999999 in floats: a naive floor gives 6 steps; String(0.7) is exactly 7 steps.
    expect(Math.floor(0.7 / 0.1)).toBe(6);
    expect(floorToSteps(0.7, grid)).toBe(7);
    expect(quantityTextOf(floorToSteps(0.7, grid), grid)).toBe('0.7');
    // 0.1 + 0.2 prints as 0.30000000000000004: 3 steps.
    expect(floorToSteps(0.1 + 0.2, grid)).toBe(3);
    // 0.3 - 0.1 prints as 0.19999999999999998: 1 step, never 2.
    expect(floorToSteps(0.3 - 0.1, grid)).toBe(1);
  });

  it('formats with exactly the step decimals, like @bot/symbols', () => {
    const grid = buildQuantityGrid(instrumentWith({ stepSize: '0.001' }), 'limit');
    expect(quantityTextOf(0, grid)).toBe('0.000');
    expect(quantityTextOf(7, grid)).toBe('0.007');
    expect(quantityTextOf(1234, grid)).toBe('1.234');
    const whole = buildQuantityGrid(instrumentWith({ stepSize: '10', minQty: '10' }), 'limit');
    expect(quantityTextOf(123, whole)).toBe('1230');
  });

  it('matches floorQuantityToStep on arbitrary quantities and steps', () => {
    fc.assert(
      fc.property(
        stepArbitrary,
        fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }),
        (step, quantity) => {
          const grid = buildQuantityGrid(instrumentWith({ stepSize: step, minQty: step }), 'limit');
          fc.pre(quantity / grid.stepValue < 2 ** 50);
          expect(quantityTextOf(floorToSteps(quantity, grid), grid)).toBe(
            floorQuantityToStep(quantity, step),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches floorQuantityToStep on and a few floats around every grid point', () => {
    fc.assert(
      fc.property(
        stepArbitrary,
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: -4, max: 4 }),
        (step, steps, ulps) => {
          const grid = buildQuantityGrid(instrumentWith({ stepSize: step, minQty: step }), 'limit');
          const quantity = ulpsAway(steps * Number(step), ulps);
          fc.pre(quantity >= 0 && quantity / grid.stepValue < 2 ** 50);
          const expected = floorQuantityToStep(quantity, step);
          expect(quantityTextOf(floorToSteps(quantity, grid), grid)).toBe(expected);
          expect(quantityTextOf(exactFloorToSteps(quantity, grid), grid)).toBe(expected);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('matches floorQuantityToStep(quantity, instrument, "market") when the market step differs', () => {
    fc.assert(
      fc.property(
        stepArbitrary,
        stepArbitrary,
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (step, market, quantity) => {
          const instrument = instrumentWith({ stepSize: step, marketStepSize: market, minQty: step });
          const grid = quantityGridOf(instrument, 'market');
          fc.pre(quantity / grid.stepValue < 2 ** 50);
          expect(quantityTextOf(floorToSteps(quantity, grid), grid)).toBe(
            floorQuantityToStep(quantity, instrument, 'market'),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('quantity grid rules', () => {
  it('uses the least common multiple of LOT_SIZE and MARKET_LOT_SIZE steps for market orders', () => {
    const instrument = instrumentWith({ stepSize: '0.002', marketStepSize: '0.003', minQty: '0.002' });
    expect(quantityGridOf(instrument, 'market').stepText).toBe('0.006');
    expect(quantityGridOf(instrument, 'limit').stepText).toBe('0.002');
    expect(
      quantityGridOf(instrumentWith({ stepSize: '0.5', marketStepSize: '0.2' }), 'market').stepText,
    ).toBe('1');
  });

  it('takes the stricter minimum and maximum for market orders', () => {
    const instrument = instrumentWith({
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: '1000',
      marketMinQty: '0.005',
      marketMaxQty: '120',
    });
    const market = quantityGridOf(instrument, 'market');
    expect(market.minimumSteps).toBe(5);
    expect(market.maximumSteps).toBe(120_000);
    const limit = quantityGridOf(instrument, 'limit');
    expect(limit.minimumSteps).toBe(1);
    expect(limit.maximumSteps).toBe(1_000_000);
  });

  it('rounds a minimum quantity off the grid up to the grid, as meetsMinQty decides', () => {
    fc.assert(
      fc.property(stepArbitrary, stepArbitrary, fc.integer({ min: 0, max: 50 }), (step, minimum, extra) => {
        const instrument = instrumentWith({ stepSize: step, minQty: minimum });
        const grid = quantityGridOf(instrument, 'limit');
        const steps = grid.minimumSteps + extra;
        expect(meetsMinQty(quantityTextOf(steps, grid), instrument)).toBe(true);
        if (grid.minimumSteps > 1) {
          expect(meetsMinQty(quantityTextOf(grid.minimumSteps - 1, grid), instrument)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decides MIN_NOTIONAL exactly as meetsMinNotional, also right at the limit', () => {
    fc.assert(
      fc.property(
        stepArbitrary,
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.oneof(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.constantFrom(0.1, 0.3, 5, 100, 61000.1)),
        fc.constantFrom('5', '20', '100', '0.3', '7.77'),
        (step, steps, price, minNotional) => {
          const instrument = instrumentWith({ stepSize: step, minQty: step, minNotional });
          const grid = quantityGridOf(instrument, 'limit');
          expect(meetsMinimumNotional(steps, price, grid, instrument)).toBe(
            meetsMinNotional(price, quantityTextOf(steps, grid), instrument),
          );
        },
      ),
      { numRuns: 2000 },
    );
    // Exactly at the limit: 0.3 × 1 = 0.3 meets 0.3 although 0.1 × 3 = 0.30000000000000004 in floats.
    const instrument = instrumentWith({ stepSize: '0.1', minQty: '0.1', minNotional: '0.3' });
    const grid = quantityGridOf(instrument, 'limit');
    expect(meetsMinimumNotional(3, 1, grid, instrument)).toBe(true);
    expect(meetsMinimumNotional(2, 1, grid, instrument)).toBe(false);
  });

  it('finds the smallest valid order like minimumOrderQuantity', () => {
    fc.assert(
      fc.property(
        stepArbitrary,
        fc.double({ min: 0.001, max: 100_000, noNaN: true }),
        fc.constantFrom('5', '20', '100'),
        (step, price, minNotional) => {
          const instrument = instrumentWith({ stepSize: step, minQty: step, minNotional });
          const grid = quantityGridOf(instrument, 'market');
          const steps = minimumOrderSteps(price, grid, instrument);
          fc.pre(steps < 2 ** 40);
          expect(quantityTextOf(steps, grid)).toBe(minimumOrderQuantity(price, instrument, 'market'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('caches per instrument object and rebuilds when a rule changes', () => {
    const instrument = { ...instrumentWith({ stepSize: '0.001' }) };
    const first = quantityGridOf(instrument, 'market');
    expect(quantityGridOf(instrument, 'market')).toBe(first);
    (instrument as { stepSize: string }).stepSize = '0.01';
    expect(quantityGridOf(instrument, 'market').stepText).toBe('0.01');
  });

  it('refuses unusable instruments with INVALID_INSTRUMENT', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'BTCUSDC',
      { stepSize: undefined },
      { stepSize: '0' },
      { stepSize: '-0.1' },
      { stepSize: 'abc' },
      { stepSize: Number.NaN },
      { stepSize: '0.001', minQty: '5', maxQty: '1' },
    ];
    for (const instrument of bad) {
      expect(() => quantityGridOf(instrument as Instrument, 'limit')).toThrow(
        expect.objectContaining({ name: 'RiskInputError', code: 'INVALID_INSTRUMENT' }),
      );
    }
    expect(() => quantityGridOf({ stepSize: '0' } as unknown as Instrument, 'limit')).toThrow(RiskInputError);
  });
});
