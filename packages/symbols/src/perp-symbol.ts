import { SymbolError, describeValue } from './symbol-error';

/** Quote (and settle) assets of the USDⓈ-M perpetuals this package handles. */
export type QuoteAsset = 'USDC' | 'USDT';

/** Every supported quote asset. Each is 4 characters, so an exchange id's suffix is never ambiguous. */
export const quoteAssets: readonly QuoteAsset[] = ['USDC', 'USDT'];

/** A ccxt unified symbol of a linear perpetual, `BASE/QUOTE:SETTLE`, e.g. `BTC/USDC:USDC`. */
export type PerpSymbol = `${string}/${string}:${string}`;

/** The parts of a `PerpSymbol`. For a linear perpetual the settle asset always equals the quote asset. */
export interface PerpSymbolParts {
  readonly base: string;
  readonly quote: QuoteAsset;
  readonly settle: QuoteAsset;
}

/** The bases `defaultSymbols` trades, in this order. */
export const defaultBases: readonly string[] = ['BTC', 'ETH', 'BNB', 'SOL', 'ADA'];

const assetPattern = /^[A-Z0-9]+$/;
const perpSymbolPattern = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)$/;
const exchangeIdPattern = /^[A-Z0-9]+$/;
const symbolExample = "an upper-case linear perpetual symbol 'BASE/QUOTE:SETTLE' such as 'BTC/USDC:USDC'";
const quoteList = quoteAssets.join(' or ');

function isQuoteAsset(value: string): value is QuoteAsset {
  return (quoteAssets as readonly string[]).includes(value);
}

/**
 * Normalises an asset code given by a caller (`'btc'` → `'BTC'`). Only ASCII letters and digits are
 * accepted, checked before upper-casing so that e.g. `'ß'` cannot turn into `'SS'`.
 */
function normaliseAsset(asset: unknown, role: string): string {
  if (typeof asset !== 'string' || !/^[A-Za-z0-9]+$/.test(asset)) {
    throw new SymbolError(
      'INVALID_SYMBOL',
      `Invalid ${role} asset ${describeValue(asset)}: expected a non-empty code of ASCII letters and digits, e.g. 'BTC'.`,
      asset,
    );
  }
  return asset.toUpperCase();
}

function normaliseQuote(quote: unknown, role: string): QuoteAsset {
  const normalised = normaliseAsset(quote, role);
  if (!isQuoteAsset(normalised)) {
    throw new SymbolError(
      'UNSUPPORTED_QUOTE',
      `Unsupported ${role} asset ${describeValue(quote)}: expected ${quoteList}.`,
      quote,
    );
  }
  return normalised;
}

/**
 * Validates a quote/settle asset code given by a caller and returns it upper-cased (`'usdc'` → `'USDC'`).
 * Throws `SymbolError` `INVALID_SYMBOL` for a malformed code, `UNSUPPORTED_QUOTE` for anything but USDC/USDT.
 */
export function toQuoteAsset(asset: string): QuoteAsset {
  return normaliseQuote(asset, 'quote');
}

/**
 * The unified symbol of the linear perpetual `base` against `quote` (settled in `quote`):
 * `perpSymbol('btc', 'usdc') === 'BTC/USDC:USDC'`. Asset codes are upper-cased.
 */
export function perpSymbol(base: string, quote: string): PerpSymbol {
  const normalisedBase = normaliseAsset(base, 'base');
  const normalisedQuote = normaliseQuote(quote, 'quote');
  if (normalisedBase === normalisedQuote) {
    throw new SymbolError(
      'INVALID_SYMBOL',
      `Invalid base asset ${describeValue(base)}: it must differ from the quote asset ${normalisedQuote}.`,
      base,
    );
  }
  return `${normalisedBase}/${normalisedQuote}:${normalisedQuote}`;
}

function invalidSymbol(symbol: unknown, why: string): SymbolError {
  return new SymbolError('INVALID_SYMBOL', `Invalid symbol ${describeValue(symbol)}: ${why}`, symbol);
}

/**
 * Splits a unified linear perpetual symbol into its parts. Strict: the symbol must already be in
 * canonical form (upper case, `BASE/QUOTE:SETTLE`, settle = quote, quote USDC or USDT).
 * `parsePerpSymbol('BTC/USDC:USDC')` → `{ base: 'BTC', quote: 'USDC', settle: 'USDC' }`.
 */
export function parsePerpSymbol(symbol: string): PerpSymbolParts {
  if (typeof symbol !== 'string' || symbol === '') {
    throw invalidSymbol(symbol, `expected ${symbolExample}.`);
  }
  const match = perpSymbolPattern.exec(symbol);
  if (match === null) {
    if (symbol !== symbol.toUpperCase()) {
      throw invalidSymbol(symbol, `symbols are upper case; expected ${symbolExample}.`);
    }
    if (/^[A-Z0-9]+\/[A-Z0-9]+$/.test(symbol)) {
      throw invalidSymbol(
        symbol,
        `this is a spot symbol; a perpetual names its settle asset, e.g. '${symbol}:${symbol.split('/')[1] ?? ''}'.`,
      );
    }
    if (/^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+-/.test(symbol)) {
      throw invalidSymbol(symbol, `dated futures are not supported; expected ${symbolExample}.`);
    }
    throw invalidSymbol(symbol, `expected ${symbolExample}, with only letters and digits in each asset.`);
  }
  const [, base = '', quote = '', settle = ''] = match;
  if (settle !== quote) {
    throw new SymbolError(
      'UNSUPPORTED_QUOTE',
      `Invalid symbol ${describeValue(symbol)}: settle asset ${settle} must equal quote asset ${quote} for a linear perpetual.`,
      symbol,
    );
  }
  if (!isQuoteAsset(quote)) {
    throw new SymbolError(
      'UNSUPPORTED_QUOTE',
      `Invalid symbol ${describeValue(symbol)}: quote asset ${quote} is not supported; expected ${quoteList}.`,
      symbol,
    );
  }
  if (base === quote) {
    throw invalidSymbol(symbol, `base and quote assets must differ.`);
  }
  return { base, quote, settle: quote };
}

/** True when `value` is a canonical linear perpetual symbol that `parsePerpSymbol` accepts. */
export function isPerpSymbol(value: unknown): value is PerpSymbol {
  if (typeof value !== 'string') return false;
  try {
    parsePerpSymbol(value);
    return true;
  } catch {
    return false;
  }
}

/** The Binance exchange id of a unified perpetual symbol: `toExchangeId('BTC/USDC:USDC') === 'BTCUSDC'`. */
export function toExchangeId(symbol: string): string {
  const { base, quote } = parsePerpSymbol(symbol);
  return `${base}${quote}`;
}

/**
 * The unified perpetual symbol of a Binance exchange id: `fromExchangeId('BTCUSDC') === 'BTC/USDC:USDC'`.
 * The id must be upper case and end in a supported quote asset (USDC or USDT) preceded by a base.
 */
export function fromExchangeId(exchangeId: string): PerpSymbol {
  if (typeof exchangeId !== 'string' || !exchangeIdPattern.test(exchangeId)) {
    const hint =
      typeof exchangeId === 'string' && exchangeId !== '' && exchangeId !== exchangeId.toUpperCase()
        ? 'exchange ids are upper case; '
        : '';
    throw new SymbolError(
      'INVALID_SYMBOL',
      `Invalid exchange id ${describeValue(exchangeId)}: ${hint}expected upper-case letters and digits such as 'BTCUSDC'.`,
      exchangeId,
    );
  }
  const quote = quoteAssets.find((candidate) => exchangeId.endsWith(candidate));
  if (quote === undefined) {
    throw new SymbolError(
      'UNSUPPORTED_QUOTE',
      `Invalid exchange id ${describeValue(exchangeId)}: expected it to end in ${quoteList}, e.g. 'BTCUSDC'.`,
      exchangeId,
    );
  }
  const base = exchangeId.slice(0, -quote.length);
  if (base === '' || !assetPattern.test(base) || base === quote) {
    throw new SymbolError(
      'INVALID_SYMBOL',
      `Invalid exchange id ${describeValue(exchangeId)}: expected a base asset before the quote ${quote}, e.g. 'BTC${quote}'.`,
      exchangeId,
    );
  }
  return `${base}/${quote}:${quote}`;
}

/**
 * The perpetuals traded by default, settled in `coin`: BTC, ETH, BNB, SOL and ADA, in that order.
 * `defaultSymbols('USDC')[0] === 'BTC/USDC:USDC'`. Returns a new array on every call.
 */
export function defaultSymbols(coin: string): PerpSymbol[] {
  const quote = normaliseQuote(coin, 'settle');
  return defaultBases.map((base) => perpSymbol(base, quote));
}
