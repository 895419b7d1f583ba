import { describe, expect, it } from 'vitest';

import { binanceUsdmDatedFuture, binanceUsdmPerpetual } from '../test/market-fixtures';
import type { FixtureMarket } from '../test/market-fixtures';
import { filterUsdmContracts, isLinearPerpetual } from './markets';
import type { MarketLike } from './markets';
import { SymbolError } from './symbol-error';

const btcUsdc = binanceUsdmPerpetual('BTC', 'USDC');
const ethUsdc = binanceUsdmPerpetual('ETH', 'USDC');
const btcUsdt = binanceUsdmPerpetual('BTC', 'USDT');
const solUsdt = binanceUsdmPerpetual('SOL', 'USDT');

/** Matches the settle asset USDC but not the quote asset USDC (quote USDT). */
const settlesInUsdcQuotedInUsdt: FixtureMarket = {
  ...binanceUsdmPerpetual('XRP', 'USDT'),
  symbol: 'XRP/USDT:USDC',
  settle: 'USDC',
  settleId: 'USDC',
};
/** Matches the quote asset USDC but not the settle asset USDC (settle USDT). */
const quotedInUsdcSettlesInUsdt: FixtureMarket = {
  ...binanceUsdmPerpetual('DOGE', 'USDC'),
  symbol: 'DOGE/USDC:USDT',
  settle: 'USDT',
  settleId: 'USDT',
};
const inactive: FixtureMarket = { ...binanceUsdmPerpetual('LUNA', 'USDC'), active: false };
const activityUnknown: FixtureMarket = { ...binanceUsdmPerpetual('ADA', 'USDC'), active: undefined };
const datedFuture = binanceUsdmDatedFuture('BTC', 'USDC');
/** binancecoinm's inverse perpetual. */
const inverse: FixtureMarket = {
  ...binanceUsdmPerpetual('BTC', 'USD'),
  symbol: 'BTC/USD:BTC',
  id: 'BTCUSD_PERP',
  settle: 'BTC',
  linear: false,
  inverse: true,
};
/** A linear-looking USDC perpetual flagged inverse: contradictory, so excluded. */
const flaggedInverse: FixtureMarket = {
  ...binanceUsdmPerpetual('BNB', 'USDC'),
  linear: false,
  inverse: true,
};
const option: FixtureMarket = {
  ...binanceUsdmPerpetual('ETH', 'USDC'),
  symbol: 'ETH/USDC:USDC-250328-3000-C',
  id: 'ETH-250328-3000-C',
  type: 'option',
  swap: false,
  option: true,
  expiry: 1743148800000,
};
const spot: MarketLike = {
  id: 'BTCUSDC',
  symbol: 'BTC/USDC',
  base: 'BTC',
  quote: 'USDC',
  settle: undefined,
  type: 'spot',
  spot: true,
  swap: false,
  future: false,
  option: false,
  contract: false,
  linear: undefined,
  inverse: undefined,
  active: true,
  expiry: undefined,
};
/** ccxt renamed the base (commonCurrencies): the id no longer equals BASE + QUOTE. */
const renamedBase: FixtureMarket = {
  ...binanceUsdmPerpetual('YOYOW', 'USDC'),
  id: 'YOYOUSDC',
};
/** A real Binance listing whose base is not ASCII letters and digits. */
const nonAsciiBase: FixtureMarket = binanceUsdmPerpetual('币安人生', 'USDC');

const allMarkets: FixtureMarket[] = [
  btcUsdc,
  btcUsdt,
  settlesInUsdcQuotedInUsdt,
  quotedInUsdcSettlesInUsdt,
  ethUsdc,
  inactive,
  activityUnknown,
  datedFuture,
  inverse,
  flaggedInverse,
  option,
  solUsdt,
  renamedBase,
  nonAsciiBase,
];

/**
 * The field types of ccxt 4.5's exported market type (`MarketInterface`), as far as this package reads
 * them; ccxt marks unknown values `undefined`. `typecheck` proves ccxt's markets fit `MarketLike`.
 */
interface CcxtShapedMarket {
  id: string | undefined;
  symbol: string;
  base: string;
  quote: string;
  settle: string | undefined;
  type: 'spot' | 'margin' | 'swap' | 'future' | 'option' | 'delivery' | 'index';
  spot: boolean;
  margin: boolean;
  swap: boolean;
  future: boolean;
  option: boolean;
  contract: boolean;
  linear: boolean | undefined;
  inverse: boolean | undefined;
  active: boolean | undefined;
  expiry: number | undefined;
  precision: { amount: number | undefined; price: number | undefined; cost?: number | undefined };
  limits: {
    amount?: { min: number | undefined; max: number | undefined };
    cost?: { min: number | undefined; max: number | undefined };
    leverage?: { min: number | undefined; max: number | undefined };
    price?: { min: number | undefined; max: number | undefined };
    market?: { min: number | undefined; max: number | undefined };
  };
  created: number | undefined;
  info: unknown;
}

const symbols = (markets: readonly MarketLike[]) => markets.map((market) => market.symbol);

describe('filterUsdmContracts', () => {
  it("takes ccxt's market types as they are and returns them typed as given", () => {
    const loaded: Record<string, CcxtShapedMarket | undefined> = {
      'BTC/USDC:USDC': btcUsdc as CcxtShapedMarket,
    };
    const kept: CcxtShapedMarket[] = filterUsdmContracts(loaded, 'USDC');
    expect(kept).toEqual([btcUsdc]);
  });

  it('keeps active linear perpetuals whose settle and quote both match, in input order', () => {
    expect(symbols(filterUsdmContracts(allMarkets, 'USDC', 'USDC'))).toEqual([
      'BTC/USDC:USDC',
      'ETH/USDC:USDC',
      'ADA/USDC:USDC',
    ]);
    expect(symbols(filterUsdmContracts(allMarkets, 'USDT', 'USDT'))).toEqual([
      'BTC/USDT:USDT',
      'SOL/USDT:USDT',
    ]);
  });

  it('requires settle AND quote to match: the draft `or` would let wrong contracts through', () => {
    const draftWithOr = allMarkets.filter(
      (market) => isLinearPerpetual(market) && (market.settle === 'USDC' || market.quote === 'USDC'),
    );
    expect(draftWithOr).toContain(settlesInUsdcQuotedInUsdt);
    expect(draftWithOr).toContain(quotedInUsdcSettlesInUsdt);

    const kept = filterUsdmContracts(allMarkets, 'USDC', 'USDC');
    expect(kept).not.toContain(settlesInUsdcQuotedInUsdt);
    expect(kept).not.toContain(quotedInUsdcSettlesInUsdt);
    expect(filterUsdmContracts([settlesInUsdcQuotedInUsdt], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([quotedInUsdcSettlesInUsdt], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([settlesInUsdcQuotedInUsdt, quotedInUsdcSettlesInUsdt], 'USDT')).toEqual([]);
  });

  it('returns the market objects themselves, typed as given', () => {
    const [first] = filterUsdmContracts([btcUsdc], 'USDC');
    expect(first).toBe(btcUsdc);
    expect(first?.info['contractType']).toBe('PERPETUAL');
  });

  it("accepts loadMarkets()'s map by symbol, including undefined entries", () => {
    const bySymbol: Record<string, FixtureMarket | undefined> = Object.fromEntries(
      allMarkets.map((market) => [market.symbol, market]),
    );
    bySymbol['GONE/USDC:USDC'] = undefined;
    expect(symbols(filterUsdmContracts(bySymbol, 'USDC', 'USDC'))).toEqual([
      'BTC/USDC:USDC',
      'ETH/USDC:USDC',
      'ADA/USDC:USDC',
    ]);
    expect(filterUsdmContracts({}, 'USDC')).toEqual([]);
    expect(filterUsdmContracts([], 'USDC')).toEqual([]);
  });

  it.each([
    ['inactive (active === false)', inactive],
    ['a dated future (expiry set)', datedFuture],
    ['an inverse contract', flaggedInverse],
    ['an option', option],
    ['a spot market', spot],
    ['a market whose id is not BASE + QUOTE', renamedBase],
    ['a market whose symbol this package cannot represent', nonAsciiBase],
  ])('excludes %s', (_label, market) => {
    expect(filterUsdmContracts([market], 'USDC', 'USDC')).toEqual([]);
  });

  it('keeps markets whose activity is unknown (active undefined)', () => {
    expect(filterUsdmContracts([activityUnknown], 'USDC')).toEqual([activityUnknown]);
  });

  it('reads a swap from `type` or `swap`, and excludes one whose fields contradict it', () => {
    const withoutType: MarketLike = { ...btcUsdc, type: undefined };
    const withoutSwapFlag: MarketLike = { ...btcUsdc, swap: undefined };
    expect(filterUsdmContracts([withoutType, withoutSwapFlag], 'USDC')).toEqual([
      withoutType,
      withoutSwapFlag,
    ]);
    expect(filterUsdmContracts([{ ...btcUsdc, swap: false }], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([{ ...btcUsdc, type: 'future' }], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([{ ...btcUsdc, type: undefined, swap: undefined }], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([{ ...btcUsdc, linear: undefined }], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([{ ...btcUsdc, contract: false }], 'USDC')).toEqual([]);
    expect(filterUsdmContracts([{ ...btcUsdc, quote: 'USDT' }], 'USDC')).toEqual([]);
  });

  it('accepts lower-case assets, defaults quote to settle, and rejects settle ≠ quote or unknown assets', () => {
    expect(symbols(filterUsdmContracts(allMarkets, 'usdc'))).toEqual([
      'BTC/USDC:USDC',
      'ETH/USDC:USDC',
      'ADA/USDC:USDC',
    ]);
    const mismatch = (() => {
      try {
        filterUsdmContracts(allMarkets, 'USDC', 'USDT');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(mismatch).toBeInstanceOf(SymbolError);
    expect((mismatch as SymbolError).code).toBe('UNSUPPORTED_QUOTE');
    expect((mismatch as SymbolError).message).toContain('must be equal');
    expect(() => filterUsdmContracts(allMarkets, 'BUSD')).toThrow(SymbolError);
    expect(() => filterUsdmContracts(null as unknown as FixtureMarket[], 'USDC')).toThrow(
      /expected ccxt markets/,
    );
  });
});
