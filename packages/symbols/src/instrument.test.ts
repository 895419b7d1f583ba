import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';

import { binanceFilters, binanceUsdmPerpetual } from '../test/market-fixtures';
import { createInstrument, instrumentFromMarket } from './instrument';
import type { MarketLike } from './markets';
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

/** The market without Binance's raw filters: only ccxt's parsed numbers remain. */
function withoutFilters(market: MarketLike): MarketLike {
  return { ...market, info: {} };
}

describe('instrumentFromMarket', () => {
  it("reads a binanceusdm market's rules as canonical decimal strings", () => {
    expect(instrumentFromMarket(binanceUsdmPerpetual('BTC', 'USDC'))).toEqual({
      symbol: 'BTC/USDC:USDC',
      id: 'BTCUSDC',
      base: 'BTC',
      quote: 'USDC',
      settle: 'USDC',
      tickSize: '0.1',
      minPrice: '261.1',
      maxPrice: '809484',
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: '1000',
      marketStepSize: '0.001',
      marketMinQty: '0.001',
      marketMaxQty: '120',
      minNotional: '5',
    });
  });

  it("prefers Binance's raw filter strings over ccxt's floats", () => {
    const market = binanceUsdmPerpetual('BTC', 'USDC');
    const disagreeing: MarketLike = {
      ...market,
      precision: { price: 0.30000000000000004, amount: 0.1 + 0.2 },
      limits: {
        amount: { min: 0.002, max: 999 },
        market: { min: 0.002, max: 99 },
        price: { min: 1, max: 2 },
        cost: { min: 100 },
      },
    };
    const instrument = instrumentFromMarket(disagreeing);
    expect(instrument.tickSize).toBe('0.1');
    expect(instrument.stepSize).toBe('0.001');
    expect(instrument.minQty).toBe('0.001');
    expect(instrument.marketMaxQty).toBe('120');
    expect(instrument.minPrice).toBe('261.1');
    expect(instrument.minNotional).toBe('5');
  });

  it("falls back to ccxt's numbers, read at their shortest decimal form (no exponent, no float noise)", () => {
    const market = binanceUsdmPerpetual('1000SATS', 'USDC', {
      tickSize: '0.0000001',
      minPrice: '0.0000001',
      maxPrice: '200',
      stepSize: '1',
      minQty: '1',
      maxQty: '100000000',
      marketMinQty: '1',
      marketMaxQty: '20000000',
      notional: '5',
    });
    expect(market.precision.price).toBe(1e-7);
    expect(instrumentFromMarket(withoutFilters(market))).toMatchObject({
      tickSize: '0.0000001',
      minPrice: '0.0000001',
      stepSize: '1',
      minQty: '1',
      maxQty: '100000000',
      marketStepSize: '1',
      marketMinQty: '1',
      marketMaxQty: '20000000',
      minNotional: '5',
    });
    expect(instrumentFromMarket(withoutFilters(binanceUsdmPerpetual('BTC', 'USDC')))).toEqual(
      instrumentFromMarket(binanceUsdmPerpetual('BTC', 'USDC')),
    );
  });

  it('uses the MARKET_LOT_SIZE step when it differs from LOT_SIZE', () => {
    const market = binanceUsdmPerpetual('ETH', 'USDC', { stepSize: '0.001', marketStepSize: '0.01' });
    expect(instrumentFromMarket(market).marketStepSize).toBe('0.01');
  });

  it('reads 0 as "no limit" and fills minimums from the grid', () => {
    const market = binanceUsdmPerpetual('ETH', 'USDT', {
      minPrice: '0',
      maxPrice: '0',
      minQty: '0',
      maxQty: '0',
    });
    const instrument = instrumentFromMarket({
      ...market,
      info: {
        filters: binanceFilters({ minPrice: '0', maxPrice: '0', minQty: '0', maxQty: '0' }).slice(0, 2),
      },
      limits: {},
    });
    expect(instrument).toMatchObject({
      tickSize: '0.1',
      minPrice: '0.1',
      maxPrice: undefined,
      minQty: '0.001',
      maxQty: undefined,
      marketStepSize: '0.001',
      marketMinQty: '0.001',
      marketMaxQty: undefined,
      minNotional: undefined,
    });
  });

  it('accepts a minimal market and ccxt numbers given as strings', () => {
    expect(
      instrumentFromMarket({ symbol: 'SOL/USDC:USDC', precision: { price: '0.01', amount: '1e-2' } }),
    ).toMatchObject({
      symbol: 'SOL/USDC:USDC',
      id: 'SOLUSDC',
      tickSize: '0.01',
      stepSize: '0.01',
      minQty: '0.01',
    });
  });

  it('rejects a missing market', () => {
    expectSymbolError(() => instrumentFromMarket(undefined), 'INVALID_MARKET', 'undefined', 'ccxt market');
    expectSymbolError(() => instrumentFromMarket(null as unknown as MarketLike), 'INVALID_MARKET', 'null');
    expectSymbolError(() => instrumentFromMarket({} as MarketLike), 'INVALID_MARKET', 'symbol');
  });

  it('rejects a missing tick or step, naming the market and where it looked', () => {
    const market = withoutFilters(binanceUsdmPerpetual('BTC', 'USDC'));
    expectSymbolError(
      () => instrumentFromMarket({ ...market, precision: { amount: 0.001 } }),
      'INVALID_MARKET',
      '"BTC/USDC:USDC"',
      'no tick size',
      'PRICE_FILTER.tickSize',
      'precision.price',
    );
    expectSymbolError(
      () => instrumentFromMarket({ ...market, precision: { price: 0.1, amount: undefined } }),
      'INVALID_MARKET',
      'no step size',
    );
    expectSymbolError(
      () => instrumentFromMarket({ ...market, precision: undefined }),
      'INVALID_MARKET',
      'no tick size',
    );
  });

  it.each([
    ['0', 'expected a value > 0'],
    ['-0.1', '≥ 0'],
    ['abc', 'decimal string'],
    ['', 'decimal string'],
  ])('rejects the raw tick size %j', (tickSize, reason) => {
    const market = binanceUsdmPerpetual('BTC', 'USDC', { tickSize });
    expectSymbolError(
      () => instrumentFromMarket(market),
      'INVALID_MARKET',
      '"BTC/USDC:USDC"',
      'tick size',
      reason,
    );
  });

  it.each([0, -0.001, Number.NaN, Infinity])('rejects the ccxt step size %s', (amount) => {
    const market = withoutFilters(binanceUsdmPerpetual('BTC', 'USDC'));
    expectSymbolError(
      () => instrumentFromMarket({ ...market, precision: { price: 0.1, amount } }),
      'INVALID_MARKET',
      'step size',
    );
  });

  it('rejects invalid limits instead of ignoring them', () => {
    expectSymbolError(
      () => instrumentFromMarket(binanceUsdmPerpetual('BTC', 'USDC', { notional: 'five' })),
      'INVALID_MARKET',
      'min notional "five"',
    );
    expectSymbolError(
      () => instrumentFromMarket(binanceUsdmPerpetual('BTC', 'USDC', { minQty: '10', maxQty: '1' })),
      'INVALID_MARKET',
      'min quantity 10 exceeds max quantity 1',
    );
  });

  it('rejects a symbol that is not a supported linear perpetual, or an id that does not match it', () => {
    expectSymbolError(
      () => instrumentFromMarket({ ...binanceUsdmPerpetual('BTC', 'USDC'), symbol: 'BTC/USDC' }),
      'INVALID_SYMBOL',
      'spot symbol',
    );
    expectSymbolError(
      () => instrumentFromMarket({ ...binanceUsdmPerpetual('BTC', 'USDC'), symbol: 'BTC/USDC:USDC-250328' }),
      'INVALID_SYMBOL',
      'dated futures',
    );
    expectSymbolError(
      () => instrumentFromMarket({ ...binanceUsdmPerpetual('YOYOW', 'USDC'), id: 'YOYOUSDC' }),
      'INVALID_MARKET',
      '"YOYOUSDC"',
      "expected 'YOYOWUSDC'",
    );
  });
});

describe('createInstrument', () => {
  it('builds a validated instrument from numbers, strings or Decimals', () => {
    expect(
      createInstrument({
        symbol: 'ETH/USDT:USDT',
        tickSize: 0.01,
        stepSize: new Decimal('0.001'),
        minQty: '0.001',
        maxQty: 10000,
        marketMaxQty: '2000',
        minNotional: '20',
      }),
    ).toEqual({
      symbol: 'ETH/USDT:USDT',
      id: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      settle: 'USDT',
      tickSize: '0.01',
      minPrice: '0.01',
      maxPrice: undefined,
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: '10000',
      marketStepSize: '0.001',
      marketMinQty: '0.001',
      marketMaxQty: '2000',
      minNotional: '20',
    });
  });

  it('rejects bad fields', () => {
    expectSymbolError(
      () => createInstrument({ symbol: 'ETH/USDT', tickSize: 1, stepSize: 1 }),
      'INVALID_SYMBOL',
    );
    expectSymbolError(
      () => createInstrument({ symbol: 'ETH/USDT:USDT', id: 'ETHUSDC', tickSize: 1, stepSize: 1 }),
      'INVALID_MARKET',
      '"ETHUSDC"',
    );
    expectSymbolError(
      () => createInstrument({ symbol: 'ETH/USDT:USDT', tickSize: 1, stepSize: 0 }),
      'INVALID_MARKET',
      'step size 0',
    );
    expectSymbolError(
      () =>
        createInstrument({ symbol: 'ETH/USDT:USDT', tickSize: undefined as unknown as number, stepSize: 1 }),
      'INVALID_MARKET',
      'tick size is missing',
    );
    expectSymbolError(
      () =>
        createInstrument({ symbol: 'ETH/USDT:USDT', tickSize: 1, stepSize: 1, minPrice: 10, maxPrice: 5 }),
      'INVALID_MARKET',
      'min price 10 exceeds max price 5',
    );
    expectSymbolError(
      () => createInstrument(null as unknown as { symbol: string; tickSize: 1; stepSize: 1 }),
      'INVALID_ARGUMENT',
    );
  });
});
