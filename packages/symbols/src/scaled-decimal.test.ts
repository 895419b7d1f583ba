import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  addDecimals,
  compareDecimals,
  decimalGrid,
  fastUnits,
  formatScaled,
  formatUnits,
  leastCommonMultipleScaled,
  parseScaledDecimal,
  parseUnits,
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
