import { parsePerpSymbol, toExchangeId, toQuoteAsset } from './perp-symbol';
import { SymbolError, describeValue } from './symbol-error';

/** ccxt's `{ min, max }` limit pair. */
export interface MinMaxLike {
  readonly min?: number | string | undefined;
  readonly max?: number | string | undefined;
}

/**
 * The part of a ccxt `Market` this package reads. ccxt's own `Market` objects fit it as they are, so
 * this package never imports ccxt. Everything but `symbol` may be missing (ccxt uses `undefined`).
 */
export interface MarketLike {
  readonly id?: string | undefined;
  readonly symbol: string;
  readonly base?: string | undefined;
  readonly quote?: string | undefined;
  readonly settle?: string | undefined;
  /** `'spot' | 'margin' | 'swap' | 'future' | 'option'` in ccxt. */
  readonly type?: string | undefined;
  readonly spot?: boolean | undefined;
  readonly margin?: boolean | undefined;
  readonly swap?: boolean | undefined;
  readonly future?: boolean | undefined;
  readonly option?: boolean | undefined;
  readonly contract?: boolean | undefined;
  readonly linear?: boolean | undefined;
  readonly inverse?: boolean | undefined;
  /** `undefined` means the exchange did not say; only `false` excludes a market. */
  readonly active?: boolean | undefined;
  /** Set (a timestamp) for dated futures; `undefined` for perpetuals. */
  readonly expiry?: number | null | undefined;
  /** With ccxt's TICK_SIZE precision mode (binance's): `price` is the tick size, `amount` the step size. */
  readonly precision?:
    | { readonly price?: number | string | undefined; readonly amount?: number | string | undefined }
    | undefined;
  readonly limits?:
    | {
        readonly amount?: MinMaxLike | undefined;
        readonly market?: MinMaxLike | undefined;
        readonly cost?: MinMaxLike | undefined;
        readonly price?: MinMaxLike | undefined;
      }
    | undefined;
  /** The raw exchange payload; for binanceusdm the exchangeInfo symbol with its `filters` array. */
  readonly info?: unknown;
}

/** ccxt's markets as `loadMarkets()` returns them (a map by symbol), or as an array (`fetchMarkets()`). */
export type MarketCollection<TMarket extends MarketLike> =
  readonly (TMarket | undefined)[] | Readonly<Record<string, TMarket | undefined>>;

/**
 * True when `market` is a linear perpetual swap that is not known to be inactive: a swap (by `type` or
 * `swap`, with neither contradicting), linear and not inverse, no expiry, not spot/future/option.
 */
export function isLinearPerpetual(market: MarketLike): boolean {
  const saysSwap = market.type === 'swap' || market.swap === true;
  const contradictsSwap = (market.type !== undefined && market.type !== 'swap') || market.swap === false;
  return (
    saysSwap &&
    !contradictsSwap &&
    market.spot !== true &&
    market.margin !== true &&
    market.future !== true &&
    market.option !== true &&
    market.contract !== false &&
    market.linear === true &&
    market.inverse !== true &&
    (market.expiry === undefined || market.expiry === null) &&
    market.active !== false
  );
}

/**
 * True when the market's symbol, base, quote, settle and id agree with this package's notation, so that
 * `toExchangeId(market.symbol) === market.id` and `parsePerpSymbol(market.symbol)` gives its assets.
 * (ccxt can rename currencies, e.g. through `commonCurrencies`; such a market would break that promise.)
 */
function hasConsistentNotation(market: MarketLike, quote: string): boolean {
  let parts;
  try {
    parts = parsePerpSymbol(market.symbol);
  } catch {
    return false;
  }
  return (
    parts.quote === quote &&
    parts.settle === quote &&
    market.quote === quote &&
    market.settle === quote &&
    (market.base === undefined || market.base === parts.base) &&
    (market.id === undefined || market.id === toExchangeId(market.symbol))
  );
}

/**
 * The USDⓈ-M contracts a bot may trade in `settle`/`quote`: active linear perpetual swaps whose settle
 * asset is `settle` **and** whose quote asset is `quote` (both must match; a contract matching only one
 * is excluded). Takes ccxt markets as an array or as `loadMarkets()`'s map; keeps the input order and
 * returns the market objects themselves. Also excluded: markets whose symbol/id do not follow
 * `BASE/QUOTE:SETTLE` ↔ `BASEQUOTE` exactly (so `toExchangeId` is right for every market returned).
 * `quote` defaults to `settle`; they must be equal (a linear perpetual settles in its quote asset).
 */
export function filterUsdmContracts<TMarket extends MarketLike>(
  markets: MarketCollection<TMarket>,
  settle: string,
  quote: string = settle,
): TMarket[] {
  const settleAsset = toQuoteAsset(settle);
  const quoteAsset = toQuoteAsset(quote);
  if (settleAsset !== quoteAsset) {
    throw new SymbolError(
      'UNSUPPORTED_QUOTE',
      `Invalid settle ${describeValue(settle)} and quote ${describeValue(quote)}: a linear perpetual settles in its quote asset, so they must be equal.`,
      { settle, quote },
    );
  }
  if (typeof markets !== 'object' || markets === null) {
    throw new SymbolError(
      'INVALID_ARGUMENT',
      `Invalid markets ${describeValue(markets)}: expected ccxt markets as an array or a map by symbol.`,
      markets,
    );
  }
  const list: readonly (TMarket | undefined)[] = Array.isArray(markets)
    ? (markets as readonly (TMarket | undefined)[])
    : Object.values(markets as Readonly<Record<string, TMarket | undefined>>);
  return list.filter(
    (market): market is TMarket =>
      typeof market === 'object' &&
      market !== null &&
      typeof market.symbol === 'string' &&
      isLinearPerpetual(market) &&
      market.settle === settleAsset &&
      market.quote === quoteAsset &&
      hasConsistentNotation(market, quoteAsset),
  );
}
