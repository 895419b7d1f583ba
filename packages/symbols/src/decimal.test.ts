import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';

import { ExactDecimal, parseExactDecimal, toDecimal, toIncrement } from './decimal';
import { SymbolError } from './symbol-error';

describe('toDecimal and toIncrement', () => {
  it("return validated plain decimal.js Decimals (the library's default configuration)", () => {
    const value = toDecimal('61000.10', 'price');
    expect(value).toBeInstanceOf(Decimal);
    expect(value.constructor).toBe(Decimal);
    expect(value.toString()).toBe('61000.1');
    expect(toDecimal(0.1 + 0.2).toString()).toBe('0.30000000000000004');
    expect(toDecimal(new Decimal('1e-7')).toFixed()).toBe('0.0000001');
    expect(toIncrement('0.001').toString()).toBe('0.001');
  });

  it('name the argument in their errors', () => {
    expect(() => toDecimal(-1, 'stop price')).toThrow(/Invalid stop price -1: expected a value ≥ 0/);
    expect(() => toIncrement(0, 'tick size')).toThrow(/Invalid tick size 0: expected a value > 0/);
    expect(() => toIncrement('x')).toThrow(SymbolError);
  });
});

describe('parseExactDecimal', () => {
  it('keeps products exact where decimal.js defaults (20 significant digits) would round', () => {
    const left = '12345678901.234567891';
    const right = '98765432109.876543219';
    const exact = parseExactDecimal(left).times(parseExactDecimal(right));
    // 12345678901234567891 × 98765432109876543219 = 1219326311370217952447340343332251181129, 18 decimals.
    expect(exact.toFixed()).toBe('1219326311370217952447.340343332251181129');
    expect(new Decimal(left).times(right).toFixed()).not.toBe(exact.toFixed());
    expect(exact.constructor).toBe(ExactDecimal);
  });
});
