import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  addDecimals,
  compareDecimals,
  decimalGrid,
  divideRounded,
  divideScaled,
  fastUnits,
  formatScaled,
  formatUnits,
  leastCommonMultipleScaled,
  multiplyScaled,
  parseScaledDecimal,
  parseUnits,
  powerOfTen,
  rescaleUnits,
  roundScaled,
  subtractDecimals,
} from './scaled-decimal';
import { SymbolError } from './symbol-error';

/** A signed decimal string with up to 8 decimals, trailing zeros and all. */
const decimalText = fc
  .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.nat(8))
  .map(([units, places]) => formatScaled({ units, places }));

describe('scaled decimal strings', () => {
  it('adds and subtracts exactly', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(subtractDecimals('0.030', '0.010')).toBe('0.02');
    expect(subtractDecimals('0.01', '0.03')).toBe('-0.02');
    expect(subtractDecimals('0.010', '0.01')).toBe('0');
    expect(compareDecimals('0.010', '0.01')).toBe(0);
    expect(compareDecimals('-1', '0')).toBe(-1);
    expect(compareDecimals('+2', '.5')).toBe(1);
  });

  it('round-trips a + b − b = a (property)', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (left, right) => {
        expect(compareDecimals(subtractDecimals(addDecimals(left, right), right), left)).toBe(0);
      }),
    );
  });

  it('refuses what is not a plain decimal, naming it', () => {
    for (const text of ['', '-', '.', '1e-7', '1.2.3', ' 1', 'NaN', '0x10']) {
      expect(() => parseScaledDecimal(text, 'qty')).toThrow(SymbolError);
    }
    expect(() => addDecimals('0.1', 'abc')).toThrow(/Invalid right "abc"/);
  });

  it('keeps trailing zeros unless asked to trim', () => {
    expect(parseScaledDecimal('0.010')).toEqual({ units: 10n, places: 3 });
    expect(formatScaled({ units: 5n, places: 3 })).toBe('0.005');
    expect(formatScaled({ units: -20n, places: 3 }, true)).toBe('-0.02');
    expect(formatScaled({ units: 0n, places: 2 })).toBe('0.00');
  });

  it('finds the smallest common multiple of two steps', () => {
    const lcm = (left: string, right: string) =>
      formatScaled(leastCommonMultipleScaled(parseScaledDecimal(left), parseScaledDecimal(right)));
    expect(lcm('0.002', '0.003')).toBe('0.006');
    expect(lcm('0.010', '0.01')).toBe('0.01');
    expect(lcm('0.1', '0.25')).toBe('0.5');
    expect(lcm('5', '0.3')).toBe('15');
  });
});

describe('number units on a decimal grid', () => {
  it('reads a grid from a tick or step size', () => {
    expect(decimalGrid('0.10')).toEqual({ increment: '0.1', decimals: 1, scale: 10, incrementUnits: 1 });
    expect(decimalGrid('5')).toEqual({ increment: '5', decimals: 0, scale: 1, incrementUnits: 5 });
    expect(() => decimalGrid('0', 'tickSize')).toThrow(SymbolError);
    expect(() => decimalGrid('1e-13', 'tickSize')).toThrow(/more than 12 decimals/);
  });

  it('parses exactly, or to the nearest unit half-up', () => {
    expect(parseUnits('33.1730', 3)).toBe(33173);
    expect(parseUnits('33.1735', 3)).toBeUndefined();
    expect(parseUnits('33.1735', 3, 'nearest')).toBe(33174);
    expect(parseUnits('33.1734', 3, 'nearest')).toBe(33173);
    expect(parseUnits('-1', 0)).toBeUndefined();
    // Only digits, then optionally a point and digits; zeros beyond the grid are exact.
    for (const text of ['', '.', '.5', '+1', '1e5', ' 1', '1 ', '1..2', '1.2.3', '0x10', 'NaN'])
      expect([text, parseUnits(text, 2, 'nearest')]).toEqual([text, undefined]);
    expect(parseUnits('5.', 2)).toBe(500);
    expect(parseUnits('007.50', 1)).toBe(75);
    expect(parseUnits('1.2300000', 2)).toBe(123);
    expect(parseUnits('1.2349', 2, 'nearest')).toBe(123);
    expect(parseUnits('1.2350', 2, 'nearest')).toBe(124);
    expect(parseUnits('1.2305', 2, 'nearest')).toBe(123); // the first digit beyond rounds, not the last
    expect(parseUnits('9007199254740991', 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseUnits('9007199254740992', 0)).toBeUndefined();
    expect(parseUnits('900719925474099.1', 2)).toBeUndefined();
    expect(fastUnits('61000.1', 10)).toBe(610001);
    expect(fastUnits('61000.15', 10)).toBeNaN();
  });

  it('formats with exactly the grid decimals (property: parse ∘ format = id)', () => {
    expect(formatUnits(5, 3)).toBe('0.005');
    expect(formatUnits(-610001, 1)).toBe('-61000.1');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.nat(12), (units, decimals) => {
        expect(parseUnits(formatUnits(units, decimals), decimals)).toBe(units);
      }),
    );
  });
});

describe('scaled multiply, rounded divide and rescale', () => {
  const scaled = fc
    .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.nat(12))
    .map(([units, places]) => ({ units, places }));
  const Exact = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_UP });
  // decimal.js prints a negative zero as '-0'; scaled units have no negative zero.
  const unsignedZero = (text: string): string => (/^-[0.]*$/.test(text) ? text.slice(1) : text);

  it('rounds half away from zero, for every sign', () => {
    expect(divideRounded(5n, 2n)).toBe(3n);
    expect(divideRounded(-5n, 2n)).toBe(-3n);
    expect(divideRounded(5n, -2n)).toBe(-3n);
    expect(divideRounded(-5n, -2n)).toBe(3n);
    expect(divideRounded(7n, 3n)).toBe(2n);
    expect(divideRounded(-8n, 3n)).toBe(-3n);
    expect(divideRounded(6n, 3n)).toBe(2n);
    expect(rescaleUnits(12345n, 3, 1)).toBe(123n);
    expect(rescaleUnits(-12350n, 3, 1)).toBe(-124n);
    expect(rescaleUnits(5n, 1, 3)).toBe(500n);
    expect(powerOfTen(3)).toBe(1000n);
    expect(formatScaled({ units: 19995n, places: 3 }, false, 2)).toBe('20.00');
    expect(formatScaled({ units: -19995n, places: 3 }, true, 2)).toBe('-20');
    expect(formatScaled({ units: -4n, places: 3 }, false, 2)).toBe('0.00');
    expect(formatScaled({ units: -5n, places: 3 }, false, 2)).toBe('-0.01');
    expect(formatScaled({ units: 5n, places: 1 }, false, 3)).toBe('0.500');
  });

  it('multiplies exactly and divides with one rounding, as decimal.js ROUND_HALF_UP (property)', () => {
    fc.assert(
      fc.property(scaled, scaled, fc.nat(10), (left, right, places) => {
        const a = new Exact(formatScaled(left));
        const b = new Exact(formatScaled(right));
        expect(formatScaled(multiplyScaled(left, right))).toBe(
          unsignedZero(a.times(b).toFixed(left.places + right.places)),
        );
        expect(formatScaled(roundScaled(left, places))).toBe(unsignedZero(a.toFixed(places)));
        expect(formatScaled(left, false, places)).toBe(unsignedZero(a.toFixed(places)));
        expect(formatScaled(left, true, places)).toBe(unsignedZero(a.toDecimalPlaces(places).toFixed()));
        fc.pre(right.units !== 0n);
        expect(formatScaled(divideScaled(left, right, places))).toBe(unsignedZero(a.div(b).toFixed(places)));
      }),
    );
  });

  it('refuses a zero divisor with a clear error', () => {
    expect(() => divideScaled({ units: 1n, places: 0 }, { units: 0n, places: 2 }, 2)).toThrow(
      /divisor must not be 0/,
    );
  });
});
