/**
 * The quantity grid the sizer orders on is the exchange's filters, read exactly: the market step (the least
 * common multiple of LOT_SIZE and MARKET_LOT_SIZE steps), the stricter minimum and maximum, MIN_NOTIONAL met
 * exactly even where floats round the wrong way, and a grid rebuilt when an instrument object changes.
 */
import type { Instrument } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { buildQuantityGrid, largestSteps, minimumOrderSteps, quantityGridOf } from '../src/quantity-grid';

/** A plain (unfrozen) instrument, as a caller may build and later change it. */
function plain(fields: Record<string, string>): Instrument {
  return { symbol: 'X/USDC:USDC', tickSize: '0.1', ...fields } as unknown as Instrument;
}

describe('the grid of an instrument', () => {
  it.each([
    [{ stepSize: '0.002', marketStepSize: '0.003' }, '0.006'],
    [{ stepSize: '0.1', marketStepSize: '0.25' }, '0.5'],
    [{ stepSize: '0.25', marketStepSize: '0.1' }, '0.5'],
    [{ stepSize: '0.001', marketStepSize: '0.001' }, '0.001'],
    [{ stepSize: '0.010', marketStepSize: '0.01' }, '0.01'],
    [{ stepSize: '0.001', marketStepSize: '1' }, '1'],
    [{ stepSize: '0.001' }, '0.001'],
  ])('a market order on %j steps by %s; a limit order by stepSize', (fields, marketStep) => {
    const instrument = plain(fields);
    expect(buildQuantityGrid(instrument, 'market').stepText).toBe(marketStep);
    expect(buildQuantityGrid(instrument, 'limit').stepText).toBe(String(Number(fields.stepSize)));
  });

  it.each([
    [{ minQty: '0.004', marketMinQty: '0.009' }, '0.009', '0.004'],
    [{ minQty: '0.009', marketMinQty: '0.004' }, '0.009', '0.009'],
    [{ marketMinQty: '0.004' }, '0.004', '0.001'],
    [{ minQty: '0.004' }, '0.004', '0.004'],
    [{ minQty: '0.01', marketMinQty: '0.009' }, '0.010', '0.010'],
    [{ minQty: '0.009', marketMinQty: '0.01' }, '0.010', '0.009'],
  ])('with %j a market order needs at least %s, a limit order %s', (fields, market, limit) => {
    const instrument = plain({ stepSize: '0.001', ...fields });
    expect(buildQuantityGrid(instrument, 'market').minimumQuantityText).toBe(market);
    expect(buildQuantityGrid(instrument, 'limit').minimumQuantityText).toBe(limit);
  });

  it.each([
    [{ maxQty: '5000', marketMaxQty: '120' }, '120', '5000'],
    [{ maxQty: '120', marketMaxQty: '5000' }, '120', '120'],
    [{ marketMaxQty: '120' }, '120', undefined],
    [{ maxQty: '120' }, '120', '120'],
    [{ maxQty: '120.5', marketMaxQty: '120' }, '120', '120.5'],
  ])('with %j a market order may be at most %s, a limit order %s', (fields, market, limit) => {
    const instrument = plain({ stepSize: '0.001', ...fields });
    const marketGrid = buildQuantityGrid(instrument, 'market');
    expect(marketGrid.maximumQuantityText).toBe(market);
    expect(marketGrid.maximumSteps).toBe(Number(market) * 1000);
    expect(buildQuantityGrid(instrument, 'limit').maximumQuantityText).toBe(limit);
  });

  it('rounds the minimum up to the grid, and keeps the minimum notional', () => {
    const grid = buildQuantityGrid(
      plain({ stepSize: '0.003', minQty: '0.004', minNotional: '100' }),
      'limit',
    );
    expect(grid).toMatchObject({
      minimumSteps: 2,
      minimumQuantityText: '0.006',
      maximumSteps: Infinity,
      maximumQuantityText: undefined,
      minimumNotional: 100,
      minimumNotionalText: '100',
    });
    expect(buildQuantityGrid(plain({ stepSize: '0.5' }), 'limit')).toMatchObject({
      minimumSteps: 1,
      minimumQuantityText: '0.5',
      minimumNotional: undefined,
    });
  });

  it('accepts a maximum equal to the minimum, and refuses one below it', () => {
    expect(buildQuantityGrid(plain({ stepSize: '1', minQty: '3', maxQty: '3' }), 'limit')).toMatchObject({
      minimumSteps: 3,
      maximumSteps: 3,
    });
    expect(() => buildQuantityGrid(plain({ stepSize: '1', minQty: '3', maxQty: '2.5' }), 'limit')).toThrow(
      'Invalid instrument: its maximum quantity 2.5 is below its minimum quantity on the step grid (1).',
    );
  });

  it('has no maximum beyond 2^50 steps, and refuses a minimum beyond them', () => {
    const beyond = String(BigInt(largestSteps) + 1n);
    expect(buildQuantityGrid(plain({ stepSize: '1', maxQty: beyond }), 'limit').maximumSteps).toBe(Infinity);
    expect(
      buildQuantityGrid(plain({ stepSize: '1', maxQty: String(largestSteps) }), 'limit').maximumSteps,
    ).toBe(largestSteps);
    expect(
      buildQuantityGrid(plain({ stepSize: '1', minQty: String(largestSteps) }), 'limit').minimumSteps,
    ).toBe(largestSteps);
    expect(() => buildQuantityGrid(plain({ stepSize: '1', minQty: beyond }), 'limit')).toThrow(
      expect.objectContaining({
        code: 'INVALID_INSTRUMENT',
        message: 'Invalid instrument: its minimum quantity is beyond 2^50 steps of 1.',
      }),
    );
  });

  it('refuses a rule that is not a decimal string, naming it', () => {
    expect(() => buildQuantityGrid(plain({ stepSize: '0.001', minQty: true as never }), 'limit')).toThrow(
      'Invalid instrument: minQty true is not a decimal string.',
    );
    expect(() => buildQuantityGrid(plain({ stepSize: '0.001', marketStepSize: '0' }), 'market')).toThrow(
      'Invalid instrument: marketStepSize "0": Invalid marketStepSize "0": expected a value > 0.',
    );
    expect(() => buildQuantityGrid(42 as never, 'limit')).toThrow(
      'Invalid instrument: 42 is not an instrument (use createInstrument or instrumentFromMarket from @bot/symbols).',
    );
    // A number is read as its decimal.
    expect(buildQuantityGrid(plain({ stepSize: 0.001 as never }), 'limit').stepText).toBe('0.001');
    // A minimum of 0 is no minimum.
    expect(buildQuantityGrid(plain({ stepSize: '0.001', minQty: '0' }), 'limit').minimumSteps).toBe(1);
  });
});

describe('a grid is rebuilt when its instrument object changes', () => {
  it.each([
    ['marketStepSize', '0.005', (grid: ReturnType<typeof quantityGridOf>) => grid.stepText, '0.001', '0.005'],
    [
      'minQty',
      '0.004',
      (grid: ReturnType<typeof quantityGridOf>) => grid.minimumQuantityText,
      '0.001',
      '0.004',
    ],
    [
      'marketMinQty',
      '0.007',
      (grid: ReturnType<typeof quantityGridOf>) => grid.minimumQuantityText,
      '0.001',
      '0.007',
    ],
    ['maxQty', '10', (grid: ReturnType<typeof quantityGridOf>) => grid.maximumQuantityText, undefined, '10'],
    [
      'marketMaxQty',
      '20',
      (grid: ReturnType<typeof quantityGridOf>) => grid.maximumQuantityText,
      undefined,
      '20',
    ],
    [
      'minNotional',
      '5',
      (grid: ReturnType<typeof quantityGridOf>) => grid.minimumNotionalText,
      undefined,
      '5',
    ],
  ] as const)('after %s becomes %s', (field, value, read, before, after) => {
    const instrument = plain({ stepSize: '0.001' }) as unknown as Record<string, string>;
    expect(read(quantityGridOf(instrument as unknown as Instrument, 'market'))).toBe(before);
    instrument[field] = value;
    expect(read(quantityGridOf(instrument as unknown as Instrument, 'market'))).toBe(after);
  });

  it('after stepSize changes, and not otherwise (the same grid object is reused)', () => {
    const instrument = plain({ stepSize: '0.001' }) as unknown as Record<string, string>;
    const first = quantityGridOf(instrument as unknown as Instrument, 'limit');
    expect(quantityGridOf(instrument as unknown as Instrument, 'limit')).toBe(first);
    instrument['stepSize'] = '0.01';
    expect(quantityGridOf(instrument as unknown as Instrument, 'limit').stepText).toBe('0.01');
  });
});

describe('the fewest steps that meet MIN_NOTIONAL, exactly', () => {
  it('adds a step when the float quotient lands just below the exact one', () => {
    // 1.0000000000000001 reads as the float 1: 1 step of 1 at price 1 looks enough, and is not.
    const instrument = plain({ stepSize: '1', minNotional: '1.0000000000000001' });
    expect(minimumOrderSteps(1, buildQuantityGrid(instrument, 'limit'), instrument)).toBe(2);
  });

  it('removes a step when the float quotient lands just above the exact one', () => {
    // 0.07 / 0.01 is 7.000000000000001 in floats: its ceiling 8 is one step more than needed.
    const instrument = plain({ stepSize: '0.01', minNotional: '0.07' });
    expect(minimumOrderSteps(1, buildQuantityGrid(instrument, 'limit'), instrument)).toBe(7);
  });

  it('never goes below the minimum quantity, and is Infinity beyond 2^50 steps', () => {
    const small = plain({ stepSize: '0.1', minQty: '2', minNotional: '1.1' });
    expect(minimumOrderSteps(1, buildQuantityGrid(small, 'limit'), small)).toBe(20);
    const huge = plain({ stepSize: '0.00000001', minNotional: '1000000000' });
    expect(minimumOrderSteps(0.001, buildQuantityGrid(huge, 'limit'), huge)).toBe(Infinity);
  });
});
