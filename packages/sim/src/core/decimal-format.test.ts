import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CoreDecimal,
  formatMoney,
  formatMoneyUnits,
  formatPrice,
  formatPriceRatio,
  formatQuantity,
  formatQuantityUnits,
} from './decimal-format';

/** The fill path prints integers; every figure must read exactly as the Decimal printers wrote it. */
describe('integer printers print like the Decimal ones', () => {
  const units = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
  const decimalOf = (value: bigint, places: number) => new CoreDecimal(value.toString()).div(10 ** places);

  it('money: up to 8 decimals, half away from zero, trimmed, never -0 (property)', () => {
    fc.assert(
      fc.property(units, fc.integer({ min: 0, max: 32 }), (value, places) => {
        expect(formatMoneyUnits(value, places)).toBe(formatMoney(decimalOf(value, places)));
      }),
    );
    expect(formatMoneyUnits(-4n, 9)).toBe('0');
    expect(formatMoneyUnits(-5n, 9)).toBe('-0.00000001');
  });

  it("quantities: the step's decimals (property)", () => {
    fc.assert(
      fc.property(
        units,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        (value, places, step) => {
          expect(formatQuantityUnits(value, places, step)).toBe(
            formatQuantity(decimalOf(value, places), step),
          );
        },
      ),
    );
  });

  it("prices: the tick's decimals when exact, else 8 (property)", () => {
    const positive = fc.bigInt({ min: 1n, max: 10n ** 22n });
    fc.assert(
      fc.property(positive, positive, fc.integer({ min: 0, max: 9 }), (numerator, denominator, tick) => {
        const exact = new CoreDecimal(numerator.toString()).div(denominator.toString()).div(1e8);
        expect(formatPriceRatio(numerator, denominator, tick)).toBe(formatPrice(exact, tick));
      }),
    );
    expect(formatPriceRatio(6_000_000_000_000n, 1n, 0)).toBe('60000');
    expect(formatPriceRatio(6_000_050_000_000n, 1n, 0)).toBe('60000.5');
    expect(formatPriceRatio(6_000_000_000_000n, 1n, 2)).toBe('60000.00');
    expect(formatPriceRatio(1n, 2n, 1)).toBe('0.00000001'); // 0.000000005: half away from zero
    expect(formatPriceRatio(1n, 3n, 1)).toBe('0.00000000');
  });
});
