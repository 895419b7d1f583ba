import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  frameLength,
  frameText,
  integerOf,
  isDecimal,
  normalizeDecimal,
  sameDecimal,
} from './payload-fields';

const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

describe('payload fields', () => {
  it('normalises trailing zeros for comparison', () => {
    expect(normalizeDecimal('0.0100')).toBe('0.01');
    expect(normalizeDecimal('-0.000')).toBe('0');
    expect(normalizeDecimal('0005.000')).toBe('5');
    expect(sameDecimal('60000.10', '60000.1')).toBe(true);
  });

  it('accepts Binance decimals and nothing else', () => {
    for (const text of ['0', '60000.10', '-0.00010000', '1e-8', '2.5E+3']) expect(isDecimal(text)).toBe(true);
    for (const text of [
      '',
      '-',
      '.5',
      '5.',
      '1..2',
      '1.2.3',
      '+1',
      ' 1',
      '1 ',
      'NaN',
      '0x10',
      '1e',
      '--1',
      '1-',
    ])
      expect(isDecimal(text)).toBe(false);
    expect(isDecimal('1'.repeat(65))).toBe(false);
    expect(isDecimal(1.5)).toBe(false);
  });

  it('agrees with the reference pattern on any string of number characters (property)', () => {
    const characters = fc.constantFrom(...'0123456789.-+eE x'.split(''));
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 20 }), (parts) => {
        const text = parts.join('');
        expect(isDecimal(text)).toBe(text.length > 0 && DECIMAL.test(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads integers from numbers or digit strings, and frames of every kind', () => {
    expect(integerOf('1736996475556')).toBe(1_736_996_475_556);
    expect(integerOf(1.5)).toBeUndefined();
    expect(integerOf('12a')).toBeUndefined();
    expect(frameText(Buffer.from('{}'))).toBe('{}');
    expect(frameText([Buffer.from('{"a"'), Buffer.from(':1}')])).toBe('{"a":1}');
    expect(frameText(new ArrayBuffer(2))).toBe('\u0000\u0000');
    expect(frameText(42)).toBeUndefined();
    expect(frameLength([Buffer.alloc(3), Buffer.alloc(4)])).toBe(7);
  });
});
