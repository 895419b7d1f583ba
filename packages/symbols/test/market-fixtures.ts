/**
 * ccxt-shaped market objects, as binanceusdm 4.5.x's `loadMarkets()` builds them from exchangeInfo
 * (TICK_SIZE precision mode: `precision.price` is the tick size, `precision.amount` the step size).
 */

export interface BinanceFilterOptions {
  readonly tickSize?: string;
  readonly minPrice?: string;
  readonly maxPrice?: string;
  readonly stepSize?: string;
  readonly minQty?: string;
  readonly maxQty?: string;
  readonly marketStepSize?: string;
  readonly marketMinQty?: string;
  readonly marketMaxQty?: string;
  readonly notional?: string;
}

/** Binance's raw `filters` array for one USDⓈ-M symbol (BTCUSDC's values by default). */
export function binanceFilters(options: BinanceFilterOptions = {}): Record<string, unknown>[] {
  return [
    {
      filterType: 'PRICE_FILTER',
      minPrice: options.minPrice ?? '261.10',
      maxPrice: options.maxPrice ?? '809484',
      tickSize: options.tickSize ?? '0.10',
    },
    {
      filterType: 'LOT_SIZE',
      minQty: options.minQty ?? '0.001',
      maxQty: options.maxQty ?? '1000',
      stepSize: options.stepSize ?? '0.001',
    },
    {
      filterType: 'MARKET_LOT_SIZE',
      minQty: options.marketMinQty ?? '0.001',
      maxQty: options.marketMaxQty ?? '120',
      stepSize: options.marketStepSize ?? '0.001',
    },
    { filterType: 'MAX_NUM_ORDERS', limit: 200 },
    { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
    { filterType: 'MIN_NOTIONAL', notional: options.notional ?? '5' },
    { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
  ];
}

/** A linear perpetual as ccxt returns it: `binanceUsdmPerpetual('BTC', 'USDC')` is `BTC/USDC:USDC`. */
export function binanceUsdmPerpetual(base: string, quote: string, filters: BinanceFilterOptions = {}) {
  const id = `${base}${quote}`;
  const rawFilters = binanceFilters(filters);
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    id,
    lowercaseId: id.toLowerCase(),
    symbol: `${base}/${quote}:${quote}`,
    base,
    quote,
    settle: quote,
    baseId: base,
    quoteId: quote,
    settleId: quote,
    type: 'swap' as string,
    spot: false,
    margin: false,
    swap: true,
    future: false,
    option: false,
    index: undefined,
    active: true as boolean | undefined,
    contract: true,
    linear: true as boolean | undefined,
    inverse: false as boolean | undefined,
    subType: 'linear' as const,
    taker: 0.0004,
    maker: 0.0002,
    contractSize: 1,
    expiry: undefined as number | undefined,
    expiryDatetime: undefined as string | undefined,
    strike: undefined,
    optionType: undefined,
    precision: {
      amount: number(filters.stepSize ?? '0.001'),
      price: number(filters.tickSize ?? '0.10'),
      base: 1e-8,
      quote: 1e-8,
    },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: number(filters.minQty ?? '0.001'), max: number(filters.maxQty ?? '1000') },
      price: { min: number(filters.minPrice ?? '261.10'), max: number(filters.maxPrice ?? '809484') },
      cost: { min: number(filters.notional ?? '5'), max: undefined },
      market: { min: number(filters.marketMinQty ?? '0.001'), max: number(filters.marketMaxQty ?? '120') },
    },
    marginModes: { cross: undefined, isolated: undefined },
    created: 1569398400000,
    info: {
      symbol: id,
      pair: id,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status: 'TRADING',
      baseAsset: base,
      quoteAsset: quote,
      marginAsset: quote,
      pricePrecision: 1,
      quantityPrecision: 3,
      underlyingType: 'COIN',
      triggerProtect: '0.0500',
      filters: rawFilters,
      orderTypes: [
        'LIMIT',
        'MARKET',
        'STOP',
        'STOP_MARKET',
        'TAKE_PROFIT',
        'TAKE_PROFIT_MARKET',
        'TRAILING_STOP_MARKET',
      ],
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    } as Record<string, unknown>,
  };
}

export type FixtureMarket = ReturnType<typeof binanceUsdmPerpetual>;

/** A delivery future (`BTC/USDT:USDT-250328`): linear, but dated. */
export function binanceUsdmDatedFuture(base: string, quote: string): FixtureMarket {
  const perpetual = binanceUsdmPerpetual(base, quote);
  return {
    ...perpetual,
    id: `${base}${quote}_250328`,
    symbol: `${base}/${quote}:${quote}-250328`,
    type: 'future',
    swap: false,
    future: true,
    expiry: 1743148800000,
    expiryDatetime: '2025-03-28T08:00:00.000Z',
  };
}
