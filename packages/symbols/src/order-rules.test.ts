import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { binanceUsdmPerpetual } from '../test/market-fixtures';
import { ExactDecimal } from './decimal';
import { createInstrument, instrumentFromMarket } from './instrument';
import { checkOrder, meetsMinNotional, meetsMinQty, minimumOrderQuantity } from './order-rules';
import type { OrderToCheck, OrderViolationCode } from './order-rules';
import { floorQuantityToStep, roundPriceToTick } from './rounding';
import { SymbolError } from './symbol-error';

/** BTCUSDC: tick 0.1, price 261.1–809484, step 0.001, qty 0.001–1000, market qty ≤ 120, notional ≥ 5. */
const btc = instrumentFromMarket(binanceUsdmPerpetual('BTC', 'USDC'));

const codes = (order: OrderToCheck, instrument = btc): OrderViolationCode[] =>
  checkOrder(instrument, order).map((violation) => violation.code);

describe('checkOrder', () => {
  it('accepts valid limit and market orders', () => {
    expect(checkOrder(btc, { type: 'limit', price: '61000.1', quantity: '0.010' })).toEqual([]);
    expect(checkOrder(btc, { type: 'market', price: 61000, quantity: 120 })).toEqual([]);
    expect(checkOrder(btc, { type: 'limit', price: '5000', quantity: '0.001', reduceOnly: true })).toEqual(
      [],
    );
  });

  it('reports each broken rule with its code, the value and the limit', () => {
    expect(checkOrder(btc, { type: 'limit', price: '61000.05', quantity: '0.01' })).toEqual([
      {
        code: 'TICK',
        actual: '61000.05',
        limit: '0.1',
        message: 'Price 61000.05 is not a multiple of the tick size 0.1.',
      },
    ]);
    expect(codes({ type: 'limit', price: '100', quantity: '0.1' })).toEqual(['MIN_PRICE']);
    expect(codes({ type: 'limit', price: '900000', quantity: '0.01' })).toEqual(['MAX_PRICE']);
    expect(codes({ type: 'limit', price: '61000', quantity: '0.0105' })).toEqual(['STEP']);
    expect(codes({ type: 'limit', price: '61000', quantity: '1001' })).toEqual(['MAX_QTY']);
    expect(codes({ type: 'limit', price: '61000', quantity: '121' })).toEqual([]);
    expect(codes({ type: 'market', price: '61000', quantity: '121' })).toEqual(['MARKET_MAX_QTY']);
    expect(codes({ type: 'market', price: '61000', quantity: '1001' })).toEqual([
      'MAX_QTY',
      'MARKET_MAX_QTY',
    ]);
  });

  it('checks the minimum quantity, and treats a zero quantity as below it', () => {
    expect(codes({ type: 'limit', price: '61000', quantity: '0' })).toEqual(['MIN_QTY', 'MIN_NOTIONAL']);
    expect(codes({ type: 'limit', price: '61000', quantity: '0', reduceOnly: true })).toEqual(['MIN_QTY']);
    const market = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      minQty: '0.001',
      marketMinQty: '0.01',
    });
    expect(codes({ type: 'limit', price: '3000', quantity: '0.005' }, market)).toEqual([]);
    expect(codes({ type: 'market', price: '3000', quantity: '0.005' }, market)).toEqual(['MARKET_MIN_QTY']);
    const steps = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      marketStepSize: '0.01',
    });
    expect(codes({ type: 'market', price: '3000', quantity: '0.015' }, steps)).toEqual(['MARKET_STEP']);
    expect(codes({ type: 'limit', price: '3000', quantity: '0.015' }, steps)).toEqual([]);
  });

  it('checks the minimum notional exactly, except for reduce-only orders', () => {
    // 0.001 × 4999.9 = 4.9999 < 5; 0.001 × 5000 = 5 meets it exactly.
    expect(codes({ type: 'limit', price: '4999.9', quantity: '0.001' })).toEqual(['MIN_NOTIONAL']);
    expect(codes({ type: 'limit', price: '5000', quantity: '0.001' })).toEqual([]);
    expect(codes({ type: 'limit', price: '4999.9', quantity: '0.001', reduceOnly: true })).toEqual([]);
    expect(codes({ type: 'market', price: '4999.9', quantity: '0.001' })).toEqual(['MIN_NOTIONAL']);
    const [violation] = checkOrder(btc, { type: 'limit', price: '4999.9', quantity: '0.001' });
    expect(violation).toMatchObject({ actual: '4.9999', limit: '5' });
    const noMinimum = createInstrument({ symbol: 'ETH/USDC:USDC', tickSize: '0.01', stepSize: '0.001' });
    expect(codes({ type: 'limit', price: '0.01', quantity: '0.001' }, noMinimum)).toEqual([]);
  });

  it('does not check price rules for market orders (their price is a reference for the notional)', () => {
    expect(codes({ type: 'market', price: '61000.05', quantity: '0.01' })).toEqual([]);
    expect(codes({ type: 'market', price: '0', quantity: '0.01', reduceOnly: true })).toEqual([]);
  });

  it('reports every violation at once, in a fixed order', () => {
    expect(codes({ type: 'limit', price: '100.05', quantity: '0.0001' })).toEqual([
      'TICK',
      'MIN_PRICE',
      'STEP',
      'MIN_QTY',
      'MIN_NOTIONAL',
    ]);
  });

  it('rejects invalid input with SymbolError', () => {
    expect(() => checkOrder(btc, { type: 'limit', price: Number.NaN, quantity: 1 })).toThrow(SymbolError);
    expect(() => checkOrder(btc, { type: 'limit', price: 1, quantity: -1 })).toThrow(/quantity -1/);
    expect(() => checkOrder(btc, { type: 'stop' as 'limit', price: 1, quantity: 1 })).toThrow(
      /order type "stop"/,
    );
    expect(() => checkOrder(btc, undefined as unknown as OrderToCheck)).toThrow(/expected an object/);
  });

  it('accepts what the rounding helpers produce (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 261.1, max: 809484, noNaN: true }),
        fc.double({ min: 0, max: 120, noNaN: true }),
        fc.constantFrom('limit' as const, 'market' as const),
        (rawPrice, rawQuantity, type) => {
          const price = roundPriceToTick(rawPrice, btc, 'down');
          const quantity = floorQuantityToStep(rawQuantity, btc, type);
          const violations = codes({ type, price, quantity });
          expect(
            violations.filter(
              (code) => !['MIN_QTY', 'MARKET_MIN_QTY', 'MIN_NOTIONAL', 'MIN_PRICE'].includes(code),
            ),
          ).toEqual([]);
          expect(violations.includes('MIN_QTY')).toBe(!meetsMinQty(quantity, btc, type));
          expect(violations.includes('MIN_NOTIONAL')).toBe(!meetsMinNotional(price, quantity, btc));
        },
      ),
    );
  });
});

describe('meetsMinQty and meetsMinNotional', () => {
  it('compare exactly', () => {
    expect(meetsMinQty('0.001', btc)).toBe(true);
    expect(meetsMinQty('0.0009', btc)).toBe(false);
    expect(meetsMinQty(0, btc)).toBe(false);
    expect(meetsMinNotional('5000', '0.001', btc)).toBe(true);
    expect(meetsMinNotional('4999.9', '0.001', btc)).toBe(false);
    // 0.1 × 50 in floats is exactly 5, but 0.7 × 7.142857142857143 is not what it looks like; Decimal is exact.
    expect(meetsMinNotional(0.1, 50, btc)).toBe(true);
    expect(meetsMinNotional('2.5', '1.9999999999999999999999', btc)).toBe(false);
  });

  it('use the stricter market minimum for market orders', () => {
    const instrument = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      minQty: '0.001',
      marketMinQty: '0.01',
    });
    expect(meetsMinQty('0.005', instrument, 'limit')).toBe(true);
    expect(meetsMinQty('0.005', instrument, 'market')).toBe(false);
  });

  it('reject invalid input', () => {
    expect(() => meetsMinQty('x', btc)).toThrow(SymbolError);
    expect(() => meetsMinNotional('1', Infinity, btc)).toThrow(SymbolError);
    expect(() => meetsMinQty('1', btc, 'stop' as 'limit')).toThrow(SymbolError);
  });
});

describe('minimumOrderQuantity', () => {
  it('is the smallest quantity on the step grid meeting min qty and min notional', () => {
    expect(minimumOrderQuantity('61000', btc)).toBe('0.001');
    expect(minimumOrderQuantity('4000', btc)).toBe('0.002');
    expect(minimumOrderQuantity('5000', btc)).toBe('0.001');
    expect(minimumOrderQuantity('4999.9', btc)).toBe('0.002');
    expect(minimumOrderQuantity('300', btc)).toBe('0.017');
    const coarse = createInstrument({
      symbol: 'ETH/USDC:USDC',
      tickSize: '0.01',
      stepSize: '0.001',
      marketStepSize: '0.01',
      minNotional: '20',
    });
    expect(minimumOrderQuantity('3000', coarse, 'limit')).toBe('0.007');
    expect(minimumOrderQuantity('3000', coarse, 'market')).toBe('0.01');
  });

  it('rejects a zero or invalid price', () => {
    expect(() => minimumOrderQuantity(0, btc)).toThrow(/expected a value > 0/);
    expect(() => minimumOrderQuantity('-1', btc)).toThrow(SymbolError);
    expect(() => minimumOrderQuantity('100', btc, 'stop' as 'limit')).toThrow(/order type "stop"/);
  });

  it('meets the minimums, and one step less does not (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000_000 }).map((tenths) => new ExactDecimal(tenths).div(10).toFixed(1)),
        fc.constantFrom('limit' as const, 'market' as const),
        (price, type) => {
          const quantity = minimumOrderQuantity(price, btc, type);
          expect(meetsMinQty(quantity, btc, type)).toBe(true);
          expect(meetsMinNotional(price, quantity, btc)).toBe(true);
          expect(floorQuantityToStep(quantity, btc, type)).toBe(quantity);
          const oneStepLess = new ExactDecimal(quantity).minus(btc.stepSize);
          expect(meetsMinQty(oneStepLess, btc, type) && meetsMinNotional(price, oneStepLess, btc)).toBe(
            false,
          );
        },
      ),
    );
  });
});
