import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ExactDecimal } from './decimal';
import { createInstrument } from './instrument';
import { ceilQuantityToStep, floorQuantityToStep, roundPriceToTick, roundToIncrement } from './rounding';
import type { RoundingMode } from './rounding';
import { SymbolError } from './symbol-error';
import type { SymbolErrorCode } from './symbol-error';

function expectSymbolError(action: () => unknown, code: SymbolErrorCode, ...messageParts: string[]): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SymbolError);
  expect((caught as SymbolError).code).toBe(code);
  for (const part of messageParts) expect((caught as SymbolError).message).toContain(part);
}

const btc = createInstrument({
  symbol: 'BTC/USDC:USDC',
  tickSize: '0.1',
  stepSize: '0.001',
  marketStepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '5',
});

/** A scaled integer `digits × 10^-scale` as a plain decimal string. */
function scaledToString(digits: bigint, scale: number): string {
  const text = digits.toString().padStart(scale + 1, '0');
  return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

/** Decimal strings from 0 to 10^12 with up to 12 decimals. */
const valueArbitrary = fc
  .record({ digits: fc.bigInt({ min: 0n, max: 10n ** 24n }), scale: fc.integer({ min: 0, max: 12 }) })
  .map(({ digits, scale }) => ({ digits, scale, text: scaledToString(digits, scale) }));

/** Increments the way exchanges write them (1, 2, 5, 25 × a power of ten) and arbitrary ones. */
const incrementArbitrary = fc
  .record({
    digits: fc.oneof(fc.constantFrom(1n, 2n, 5n, 10n, 25n), fc.bigInt({ min: 1n, max: 10n ** 6n })),
    scale: fc.integer({ min: 0, max: 10 }),
  })
  .map(({ digits, scale }) => ({ digits, scale, text: scaledToString(digits, scale) }));

const modeArbitrary = fc.constantFrom<RoundingMode>('nearest', 'down', 'up');

/** The reference: the same rounding done on scaled BigInts, independent of decimal.js. */
function referenceRound(
  value: { digits: bigint; scale: number },
  increment: { digits: bigint; scale: number },
  mode: RoundingMode,
): Decimal {
  const scale = Math.max(value.scale, increment.scale);
  const scaledValue = value.digits * 10n ** BigInt(scale - value.scale);
  const scaledIncrement = increment.digits * 10n ** BigInt(scale - increment.scale);
  const down = (scaledValue / scaledIncrement) * scaledIncrement;
  const remainder = scaledValue - down;
  const up = remainder === 0n ? down : down + scaledIncrement;
  const result = mode === 'down' ? down : mode === 'up' ? up : 2n * remainder >= scaledIncrement ? up : down;
  return new ExactDecimal(scaledToString(result, scale));
}

const decimalsOf = (text: string) => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);
const isMultiple = (value: string, increment: string) =>
  new ExactDecimal(value).mod(new ExactDecimal(increment)).isZero();

describe('roundPriceToTick', () => {
  it('rounds to the tick in each mode', () => {
    expect(roundPriceToTick(61000.06, '0.1', 'nearest')).toBe('61000.1');
    expect(roundPriceToTick(61000.06, '0.1', 'down')).toBe('61000.0');
    expect(roundPriceToTick(61000.01, '0.1', 'up')).toBe('61000.1');
    expect(roundPriceToTick('61000.04', '0.1', 'nearest')).toBe('61000.0');
    expect(roundPriceToTick('0.123456', '0.0001', 'up')).toBe('0.1235');
    expect(roundPriceToTick('1234', '5', 'nearest')).toBe('1235');
    expect(roundPriceToTick('1232.4', '5', 'nearest')).toBe('1230');
    expect(roundPriceToTick('0.00000123', 1e-7, 'down')).toBe('0.0000012');
  });

  it('breaks ties upward (half-up)', () => {
    expect(roundPriceToTick('61000.05', '0.1', 'nearest')).toBe('61000.1');
    expect(roundPriceToTick('0.05', '0.1', 'nearest')).toBe('0.1');
    expect(roundPriceToTick('0.15', '0.1', 'nearest')).toBe('0.2');
    expect(roundPriceToTick('0.25', '0.1', 'nearest')).toBe('0.3');
    expect(roundPriceToTick('7.5', '5', 'nearest')).toBe('10');
    expect(roundPriceToTick('0.049999999999', '0.1', 'nearest')).toBe('0.0');
  });

  it("takes the tick from an instrument, and formats with the tick's decimals", () => {
    expect(roundPriceToTick(61000, btc, 'nearest')).toBe('61000.0');
    expect(roundPriceToTick('61000.123', btc, 'down')).toBe('61000.1');
    expect(roundPriceToTick('61000', '0.10', 'down')).toBe('61000.0');
    expect(roundPriceToTick(new Decimal('61000.19'), new Decimal('0.1'), 'down')).toBe('61000.1');
    expect(roundPriceToTick(0, '0.1', 'up')).toBe('0.0');
  });

  it('is exact where floats drift', () => {
    expect(roundPriceToTick(0.1 + 0.2, '0.1', 'nearest')).toBe('0.3');
    expect(roundPriceToTick(1.005, '0.01', 'nearest')).toBe('1.01');
    expect(roundPriceToTick(4.35, '0.01', 'down')).toBe('4.35');
  });

  it('rejects bad prices, ticks and modes', () => {
    expectSymbolError(() => roundPriceToTick(Number.NaN, '0.1', 'nearest'), 'INVALID_NUMBER', 'price NaN');
    expectSymbolError(() => roundPriceToTick(Infinity, '0.1', 'nearest'), 'INVALID_NUMBER', 'Infinity');
    expectSymbolError(() => roundPriceToTick(-1, '0.1', 'nearest'), 'INVALID_NUMBER', 'price -1', '≥ 0');
    expectSymbolError(
      () => roundPriceToTick('abc', '0.1', 'nearest'),
      'INVALID_NUMBER',
      '"abc"',
      'decimal string',
    );
    expectSymbolError(
      () => roundPriceToTick('61000', 0, 'nearest'),
      'INVALID_INCREMENT',
      'tick size 0',
      '> 0',
    );
    expectSymbolError(() => roundPriceToTick('61000', '-0.1', 'nearest'), 'INVALID_INCREMENT', '"-0.1"');
    expectSymbolError(() => roundPriceToTick('61000', 'tick', 'nearest'), 'INVALID_INCREMENT', '"tick"');
    expectSymbolError(
      () => roundPriceToTick('61000', { ...btc, tickSize: '0' }, 'nearest'),
      'INVALID_INCREMENT',
    );
    expectSymbolError(
      () => roundPriceToTick('61000', '0.1', 'ceil' as RoundingMode),
      'INVALID_ARGUMENT',
      '"ceil"',
      "'nearest', 'down', 'up'",
    );
    expectSymbolError(
      () => roundPriceToTick('61000', '0.1', undefined as unknown as RoundingMode),
      'INVALID_ARGUMENT',
    );
  });
});

describe('floorQuantityToStep', () => {
  it('floors to the step', () => {
    expect(floorQuantityToStep(0.3, 0.1)).toBe('0.3');
    expect(floorQuantityToStep('0.0129', '0.001')).toBe('0.012');
    expect(floorQuantityToStep('0.0005', '0.001')).toBe('0.000');
    expect(floorQuantityToStep(5, '0.1')).toBe('5.0');
    expect(floorQuantityToStep('123.9', '1')).toBe('123');
    expect(floorQuantityToStep('0.0129', btc)).toBe('0.012');
    expect(floorQuantityToStep('0.0129', btc, 'market')).toBe('0.012');
  });

  it('is exact where the naive float version is not', () => {
    const naive = (quantity: number, step: number) => Math.floor(quantity / step) * step;
    expect(naive(0.7, 0.1)).not.toBe(0.7);
    expect(floorQuantityToStep(0.7, 0.1)).toBe('0.7');
    expect(naive(4.35, 0.01)).not.toBe(4.35);
    expect(floorQuantityToStep(4.35, 0.01)).toBe('4.35');
    expect(naive(0.3, 0.1)).not.toBe(0.3);
    expect(floorQuantityToStep(0.3, 0.1)).toBe('0.3');
  });

  it('reads a number at its shortest decimal form: 0.1 + 0.2 is 0.30000000000000004', () => {
    // The float 0.1 + 0.2 prints as 0.30000000000000004, and that decimal is what is rounded, exactly.
    expect(String(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(floorQuantityToStep(0.1 + 0.2, 0.1)).toBe('0.3');
    expect(roundToIncrement(0.1 + 0.2, 0.1, 'nearest')).toBe('0.3');
    // It is above 0.3, so rounding up moves to the next step: do sums in Decimal or strings, not floats.
    expect(roundToIncrement(0.1 + 0.2, 0.1, 'up')).toBe('0.4');
    // Likewise 0.3 - 0.1 is the float 0.19999999999999998, which floors to 0.1, not 0.2.
    expect(floorQuantityToStep(0.3 - 0.1, 0.1)).toBe('0.1');
    expect(floorQuantityToStep(new Decimal('0.3').minus('0.1'), 0.1)).toBe('0.2');
    expect(floorQuantityToStep(1.1 * 3, '0.1')).toBe('3.3');
  });

  it('stays exact beyond decimal.js’s default 20 significant digits', () => {
    expect(floorQuantityToStep('123456789012345678901234.123456789012', '0.000000000001')).toBe(
      '123456789012345678901234.123456789012',
    );
    expect(roundPriceToTick('999999999999999999999999.99999999995', '0.0000000001', 'nearest')).toBe(
      '1000000000000000000000000.0000000000',
    );
  });

  it('uses a step on both LOT_SIZE and MARKET_LOT_SIZE grids for market orders', () => {
    const oddSteps = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.002',
      marketStepSize: '0.003',
    });
    expect(floorQuantityToStep('0.0119', oddSteps)).toBe('0.010');
    expect(floorQuantityToStep('0.0119', oddSteps, 'market')).toBe('0.006');
    const coarserMarket = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      marketStepSize: '0.01',
    });
    expect(floorQuantityToStep('1.239', coarserMarket, 'market')).toBe('1.23');
  });

  it('rounds up on the same grids with ceilQuantityToStep, for a reduce-only order that must cover a position', () => {
    const coarserMarket = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      marketStepSize: '0.01',
    });
    expect(ceilQuantityToStep('0.015', coarserMarket, 'market')).toBe('0.02');
    expect(ceilQuantityToStep('0.015', coarserMarket)).toBe('0.015');
    expect(ceilQuantityToStep('0.020', coarserMarket, 'market')).toBe('0.02');
    expect(ceilQuantityToStep(0.1 + 0.2, '0.1')).toBe('0.4');
    expect(ceilQuantityToStep('0.3', '0.1')).toBe('0.3');
  });

  it('rejects bad quantities, steps and order types', () => {
    expectSymbolError(() => floorQuantityToStep(Number.NaN, '0.001'), 'INVALID_NUMBER', 'quantity NaN');
    expectSymbolError(() => floorQuantityToStep(-Infinity, '0.001'), 'INVALID_NUMBER', '-Infinity');
    expectSymbolError(() => floorQuantityToStep(-0.5, '0.001'), 'INVALID_NUMBER', 'quantity -0.5');
    expectSymbolError(() => floorQuantityToStep('-0.5', '0.001'), 'INVALID_NUMBER', '"-0.5"');
    expectSymbolError(() => floorQuantityToStep('1e41', '0.001'), 'INVALID_NUMBER', '1e40');
    expectSymbolError(() => floorQuantityToStep(1e40, '0.001'), 'INVALID_NUMBER', '1e40');
    expectSymbolError(() => floorQuantityToStep('1e-401', '0.001'), 'INVALID_NUMBER', '1e-400');
    expectSymbolError(() => floorQuantityToStep('1', '1e-401'), 'INVALID_INCREMENT', '1e-400');
    expectSymbolError(
      () => floorQuantityToStep(new Decimal(Number.NaN), '0.001'),
      'INVALID_NUMBER',
      'finite Decimal',
    );
    expectSymbolError(() => floorQuantityToStep('1', '0'), 'INVALID_INCREMENT', 'step size "0"');
    expectSymbolError(() => floorQuantityToStep('1', Number.NaN), 'INVALID_INCREMENT', 'step size NaN');
    expectSymbolError(
      () => floorQuantityToStep('1', '0.001', 'stop' as 'limit'),
      'INVALID_ARGUMENT',
      '"stop"',
    );
  });

  it.each([
    '',
    ' ',
    ' 1',
    '1 ',
    '1,5',
    '0x10',
    '0b1',
    '1e',
    '1_000',
    '--1',
    '+1',
    'NaN',
    'Infinity',
    '1.2.3',
  ])('rejects the non-numeric string %j', (text) => {
    expectSymbolError(() => floorQuantityToStep(text, '0.001'), 'INVALID_NUMBER', JSON.stringify(text));
  });

  it.each([null, undefined, {}, [], true, 10n])('rejects the non-number %s', (value) => {
    expectSymbolError(() => floorQuantityToStep(value as unknown as number, '0.001'), 'INVALID_NUMBER');
  });

  it('accepts exponent notation and negative zero', () => {
    expect(floorQuantityToStep('1e-7', '1e-8')).toBe('0.00000010');
    expect(floorQuantityToStep(1e-7, 1e-8)).toBe('0.00000010');
    expect(floorQuantityToStep(-0, '0.1')).toBe('0.0');
    expect(floorQuantityToStep('-0', '0.1')).toBe('0.0');
    expect(floorQuantityToStep('.5', '0.1')).toBe('0.5');
    expect(floorQuantityToStep(Number.MIN_VALUE, '0.001')).toBe('0.000');
    expect(roundToIncrement(Number.MIN_VALUE, '0.001', 'up')).toBe('0.001');
    expect(floorQuantityToStep('9.99e39', '1e39')).toBe('9000000000000000000000000000000000000000');
  });
});

describe('roundToIncrement', () => {
  it('rounds any value to any increment', () => {
    expect(roundToIncrement('0.123', '0.01', 'up')).toBe('0.13');
    expect(roundToIncrement('0.123', '0.01', 'down')).toBe('0.12');
    expect(roundToIncrement('0.125', '0.01', 'nearest')).toBe('0.13');
    expect(roundToIncrement('10', '3', 'nearest')).toBe('9');
    expect(roundToIncrement('0.3', '0.2', 'nearest')).toBe('0.4');
  });

  it('rejects bad values, increments and modes', () => {
    expectSymbolError(() => roundToIncrement('x', '0.1', 'down'), 'INVALID_NUMBER', 'value "x"');
    expectSymbolError(() => roundToIncrement('1', '-1', 'down'), 'INVALID_INCREMENT', 'increment "-1"');
    expectSymbolError(() => roundToIncrement('1', Infinity, 'down'), 'INVALID_INCREMENT', 'Infinity');
    expectSymbolError(() => roundToIncrement('1', '0.1', 'half-even' as RoundingMode), 'INVALID_ARGUMENT');
  });
});

describe('rounding properties', () => {
  it('matches an independent BigInt reference in every mode', () => {
    fc.assert(
      fc.property(valueArbitrary, incrementArbitrary, modeArbitrary, (value, increment, mode) => {
        const result = roundToIncrement(value.text, increment.text, mode);
        expect(new ExactDecimal(result).eq(referenceRound(value, increment, mode))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("returns exact multiples of the increment, with the increment's number of decimals", () => {
    fc.assert(
      fc.property(valueArbitrary, incrementArbitrary, modeArbitrary, (value, increment, mode) => {
        const result = roundToIncrement(value.text, increment.text, mode);
        expect(isMultiple(result, increment.text)).toBe(true);
        expect(decimalsOf(result)).toBe(new ExactDecimal(increment.text).decimalPlaces());
        expect(result).not.toMatch(/e/i);
      }),
      { numRuns: 500 },
    );
  });

  it('floors never exceed the input and stay within one step of it', () => {
    fc.assert(
      fc.property(valueArbitrary, incrementArbitrary, (value, step) => {
        const floored = new ExactDecimal(floorQuantityToStep(value.text, step.text));
        const input = new ExactDecimal(value.text);
        expect(floored.lte(input)).toBe(true);
        expect(input.minus(floored).lt(step.text)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('brackets the input: down ≤ input ≤ up, one tick apart unless the input is on the grid, and nearest is one of them', () => {
    fc.assert(
      fc.property(valueArbitrary, incrementArbitrary, (value, tick) => {
        const input = new ExactDecimal(value.text);
        const down = new ExactDecimal(roundPriceToTick(value.text, tick.text, 'down'));
        const up = new ExactDecimal(roundPriceToTick(value.text, tick.text, 'up'));
        const nearest = new ExactDecimal(roundPriceToTick(value.text, tick.text, 'nearest'));
        expect(down.lte(input) && input.lte(up)).toBe(true);
        const gap = up.minus(down);
        expect(isMultiple(value.text, tick.text) ? gap.isZero() : gap.eq(tick.text)).toBe(true);
        expect(nearest.eq(down) || nearest.eq(up)).toBe(true);
        expect(nearest.minus(input).abs().lte(new ExactDecimal(tick.text).div(2))).toBe(true);
        if (input.minus(down).eq(up.minus(input)) && !gap.isZero()) expect(nearest.eq(up)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: rounding a rounded value changes nothing', () => {
    fc.assert(
      fc.property(
        valueArbitrary,
        incrementArbitrary,
        modeArbitrary,
        modeArbitrary,
        (value, increment, first, second) => {
          const once = roundToIncrement(value.text, increment.text, first);
          expect(roundToIncrement(once, increment.text, second)).toBe(once);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads numbers exactly as JS prints them, so a number and its String() round alike', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(1, 0.5, 0.1, 0.01, 0.001, 1e-7, 1e-8, 25),
        modeArbitrary,
        (value, increment, mode) => {
          const result = roundToIncrement(value, increment, mode);
          expect(result).toBe(roundToIncrement(String(value), String(increment), mode));
          expect(isMultiple(result, String(increment))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('k steps of 0.1: exact from a decimal string; from a float product, exactly what that float prints', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (steps) => {
        const viaFloatMultiply = steps * 0.1; // e.g. 3 * 0.1 === 0.30000000000000004
        const expected = scaledToString(BigInt(steps), 1);
        expect(floorQuantityToStep(`${steps}e-1`, '0.1')).toBe(expected);
        // A float product lands within one unit in the last place of k/10; flooring it gives k/10 or one step below.
        const floored = floorQuantityToStep(viaFloatMultiply, '0.1');
        const difference = new ExactDecimal(expected).minus(floored);
        expect(difference.isZero() || difference.eq('0.1')).toBe(true);
        expect(new ExactDecimal(floored).lte(String(viaFloatMultiply))).toBe(true);
      }),
    );
  });
});
