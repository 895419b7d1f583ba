import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';

import { SymbolError, describeValue, symbolErrorCodes } from './symbol-error';

describe('SymbolError', () => {
  it('is an Error with a stable code, a name and the offending value', () => {
    const error = new SymbolError('INVALID_SYMBOL', 'Invalid symbol "x": expected …', 'x');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SymbolError);
    expect(error.name).toBe('SymbolError');
    expect(error.code).toBe('INVALID_SYMBOL');
    expect(error.value).toBe('x');
    expect(error.message).toBe('Invalid symbol "x": expected …');
    expect(String(error)).toBe('SymbolError: Invalid symbol "x": expected …');
  });

  it('lists every code', () => {
    expect(symbolErrorCodes).toEqual([
      'INVALID_SYMBOL',
      'UNSUPPORTED_QUOTE',
      'INVALID_NUMBER',
      'INVALID_INCREMENT',
      'INVALID_MARKET',
      'INVALID_ARGUMENT',
    ]);
  });
});

describe('describeValue', () => {
  it('renders each kind of input readably', () => {
    expect(describeValue('BTC')).toBe('"BTC"');
    expect(describeValue('')).toBe('""');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(64)}…"`);
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(10n)).toBe('10');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue({})).toBe('a value of type object');
    expect(describeValue(new Decimal('-1.5'))).toBe('-1.5 (Decimal)');
    expect(describeValue(Object.create(null))).toBe('a value of type object');
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(describeValue(hostile)).toBe('a value of type object');
    expect(describeValue(Symbol('s'))).toBe('a value of type symbol');
  });
});
