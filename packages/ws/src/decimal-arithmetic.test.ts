import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimals, compareDecimals, subtractDecimals } from './decimal-arithmetic';
import { normalizeDecimal, sameDecimal } from './payload-fields';

describe('decimal arithmetic', () => {
  it('adds and subtracts exactly', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(subtractDecimals('0.030', '0.010')).toBe('0.02');
    expect(subtractDecimals('0.01', '0.03')).toBe('-0.02');
    expect(compareDecimals('0.010', '0.01')).toBe(0);
    expect(compareDecimals('-1', '0')).toBe(-1);
  });

  it('normalises trailing zeros for comparison', () => {
    expect(normalizeDecimal('0.0100')).toBe('0.01');
    expect(normalizeDecimal('-0.000')).toBe('0');
    expect(normalizeDecimal('0005.000')).toBe('5');
    expect(sameDecimal('60000.10', '60000.1')).toBe(true);
  });

  it('round-trips a + b − b = a (property)', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.nat(8))
      .map(([units, scale]) => {
        const negative = units < 0n;
        const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
        const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
        return negative ? `-${text}` : text;
      });
    fc.assert(
      fc.property(decimal, decimal, (left, right) => {
        expect(compareDecimals(subtractDecimals(addDecimals(left, right), right), left)).toBe(0);
      }),
    );
  });
});
