import type { BookSpec } from './core/order-book';
import type { InstrumentSpec } from './core/types';

/** The contracts the emulator lists by default, with filters shaped like Binance's (2026). */
interface BaseContract {
  readonly base: string;
  readonly startPrice: string;
  readonly tickSize: string;
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly marketMaxQty: string;
  readonly maxLeverage: number;
  readonly maintenanceMarginRate: number;
  /** The default order book: a two-tick spread, levels of about 30 000 in notional. */
  readonly book: BookSpec;
}

const BASE_CONTRACTS: readonly BaseContract[] = [
  {
    base: 'BTC',
    startPrice: '60000.0',
    tickSize: '0.1',
    stepSize: '0.001',
    minQty: '0.001',
    maxQty: '1000',
    marketMaxQty: '120',
    maxLeverage: 125,
    maintenanceMarginRate: 0.004,
    book: { spreadTicks: 2, levelQty: '0.500' },
  },
  {
    base: 'ETH',
    startPrice: '3000.00',
    tickSize: '0.01',
    stepSize: '0.001',
    minQty: '0.001',
    maxQty: '10000',
    marketMaxQty: '2000',
    maxLeverage: 100,
    maintenanceMarginRate: 0.005,
    book: { spreadTicks: 2, levelQty: '10.000' },
  },
  {
    base: 'BNB',
    startPrice: '600.00',
    tickSize: '0.01',
    stepSize: '0.01',
    minQty: '0.01',
    maxQty: '10000',
    marketMaxQty: '2000',
    maxLeverage: 75,
    maintenanceMarginRate: 0.005,
    book: { spreadTicks: 2, levelQty: '50.00' },
  },
  {
    base: 'SOL',
    startPrice: '150.00',
    tickSize: '0.01',
    stepSize: '0.01',
    minQty: '0.01',
    maxQty: '100000',
    marketMaxQty: '5000',
    maxLeverage: 75,
    maintenanceMarginRate: 0.005,
    book: { spreadTicks: 2, levelQty: '200.00' },
  },
  {
    base: 'ADA',
    startPrice: '0.4500',
    tickSize: '0.0001',
    stepSize: '1',
    minQty: '1',
    maxQty: '10000000',
    marketMaxQty: '500000',
    maxLeverage: 75,
    maintenanceMarginRate: 0.01,
    book: { spreadTicks: 2, levelQty: '60000' },
  },
];

export interface ListedContract {
  readonly instrument: InstrumentSpec;
  /** Where the synthetic market starts this symbol. */
  readonly startPrice: string;
}

/** BTC, ETH, BNB, SOL and ADA perpetuals margined in USDC and in USDT (the test environment's coin). */
export function defaultContracts(): ListedContract[] {
  return ['USDC', 'USDT'].flatMap((quote) =>
    BASE_CONTRACTS.map((contract) => ({
      startPrice: contract.startPrice,
      instrument: {
        symbol: `${contract.base}${quote}`,
        baseAsset: contract.base,
        quoteAsset: quote,
        marginAsset: quote,
        tickSize: contract.tickSize,
        minPrice: contract.tickSize,
        maxPrice: '10000000',
        stepSize: contract.stepSize,
        minQty: contract.minQty,
        maxQty: contract.maxQty,
        marketMaxQty: contract.marketMaxQty,
        minNotional: '5',
        maxLeverage: contract.maxLeverage,
        maintenanceMarginRate: contract.maintenanceMarginRate,
        percentPriceUp: '1.0500',
        percentPriceDown: '0.9500',
        book: contract.book,
      },
    })),
  );
}
