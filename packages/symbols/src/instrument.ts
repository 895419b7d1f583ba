import type { Decimal } from 'decimal.js';

import { parseExactDecimal, parseExactIncrement } from './decimal';
import type { DecimalInput } from './decimal';
import type { MarketLike } from './markets';
import { parsePerpSymbol, toExchangeId } from './perp-symbol';
import type { PerpSymbol, QuoteAsset } from './perp-symbol';
import { SymbolError, describeValue } from './symbol-error';

/**
 * The trading rules of one perpetual, as canonical decimal strings (`'0.1'`, `'0.001'`, `'5'`: no
 * exponent, no trailing zeros). Optional limits are `undefined` when the exchange sets none.
 */
export interface Instrument {
  /** Unified symbol, e.g. `'BTC/USDC:USDC'`. */
  readonly symbol: PerpSymbol;
  /** Exchange id, e.g. `'BTCUSDC'`. */
  readonly id: string;
  readonly base: string;
  readonly quote: QuoteAsset;
  readonly settle: QuoteAsset;
  /** PRICE_FILTER tickSize: every limit price is a multiple of it. */
  readonly tickSize: string;
  /** PRICE_FILTER minPrice (the tick size when the exchange sets none). */
  readonly minPrice: string;
  /** PRICE_FILTER maxPrice. */
  readonly maxPrice: string | undefined;
  /** LOT_SIZE stepSize: every quantity is a multiple of it. */
  readonly stepSize: string;
  /** LOT_SIZE minQty (the step size when the exchange sets none). */
  readonly minQty: string;
  /** LOT_SIZE maxQty: the largest limit order. */
  readonly maxQty: string | undefined;
  /** MARKET_LOT_SIZE stepSize (the LOT_SIZE step when absent). */
  readonly marketStepSize: string;
  /** MARKET_LOT_SIZE minQty (`minQty` when absent). */
  readonly marketMinQty: string;
  /** MARKET_LOT_SIZE maxQty: the largest market order (usually far below `maxQty`). */
  readonly marketMaxQty: string | undefined;
  /** MIN_NOTIONAL notional: the smallest price × quantity (reduce-only orders are exempt on Binance). */
  readonly minNotional: string | undefined;
}

/** What `createInstrument` needs: a symbol, a tick and a step; every other rule is optional. */
export interface InstrumentFields {
  readonly symbol: string;
  /** Defaults to `toExchangeId(symbol)`; if given it must equal it. */
  readonly id?: string | undefined;
  readonly tickSize: DecimalInput;
  readonly stepSize: DecimalInput;
  readonly minPrice?: DecimalInput | undefined;
  readonly maxPrice?: DecimalInput | undefined;
  readonly minQty?: DecimalInput | undefined;
  readonly maxQty?: DecimalInput | undefined;
  readonly marketStepSize?: DecimalInput | undefined;
  readonly marketMinQty?: DecimalInput | undefined;
  readonly marketMaxQty?: DecimalInput | undefined;
  readonly minNotional?: DecimalInput | undefined;
}

function invalidMarket(symbol: unknown, why: string, value?: unknown): SymbolError {
  return new SymbolError('INVALID_MARKET', `Invalid market ${describeValue(symbol)}: ${why}`, value);
}

/** Parses one rule, re-throwing any problem as INVALID_MARKET that names the symbol and the field. */
function readRule(
  symbol: string,
  field: string,
  value: DecimalInput,
  parse: (value: DecimalInput, name: string) => Decimal,
): Decimal {
  try {
    return parse(value, field);
  } catch (error) {
    if (error instanceof SymbolError) {
      throw invalidMarket(symbol, `${field} ${describeValue(value)} is unusable (${error.message})`, value);
    }
    throw error;
  }
}

/** A positive limit, or `undefined` when absent or 0 (Binance's "no limit"). */
function optionalLimit(symbol: string, field: string, value: DecimalInput | undefined): Decimal | undefined {
  if (value === undefined) return undefined;
  const decimal = readRule(symbol, field, value, parseExactDecimal);
  return decimal.isZero() ? undefined : decimal;
}

function canonical(decimal: Decimal | undefined): string | undefined {
  return decimal === undefined ? undefined : decimal.toFixed();
}

/**
 * Builds a validated `Instrument` from its rules (for callers without a ccxt market, e.g. an emulator).
 * Values may be numbers, decimal strings or Decimals. Throws `SymbolError`: `INVALID_SYMBOL` or
 * `UNSUPPORTED_QUOTE` for the symbol, `INVALID_MARKET` for a missing/invalid tick or step, an invalid
 * limit, an id that is not `toExchangeId(symbol)`, or a minimum above its maximum.
 */
export function createInstrument(fields: InstrumentFields): Instrument {
  if (typeof fields !== 'object' || fields === null) {
    throw new SymbolError(
      'INVALID_ARGUMENT',
      `Invalid instrument fields ${describeValue(fields)}: expected an object.`,
      fields,
    );
  }
  const { base, quote, settle } = parsePerpSymbol(fields.symbol);
  const symbol = fields.symbol as PerpSymbol;
  const id = toExchangeId(symbol);
  if (fields.id !== undefined && fields.id !== id) {
    throw invalidMarket(
      symbol,
      `id ${describeValue(fields.id)} does not match the symbol; expected '${id}'.`,
      fields.id,
    );
  }
  if (fields.tickSize === undefined) throw invalidMarket(symbol, 'tick size is missing.');
  if (fields.stepSize === undefined) throw invalidMarket(symbol, 'step size is missing.');
  const tickSize = readRule(symbol, 'tick size', fields.tickSize, parseExactIncrement);
  const stepSize = readRule(symbol, 'step size', fields.stepSize, parseExactIncrement);
  const marketStepSize =
    fields.marketStepSize === undefined
      ? stepSize
      : readRule(symbol, 'market step size', fields.marketStepSize, parseExactIncrement);
  const minPrice = optionalLimit(symbol, 'min price', fields.minPrice) ?? tickSize;
  const maxPrice = optionalLimit(symbol, 'max price', fields.maxPrice);
  const minQty = optionalLimit(symbol, 'min quantity', fields.minQty) ?? stepSize;
  const maxQty = optionalLimit(symbol, 'max quantity', fields.maxQty);
  const marketMinQty = optionalLimit(symbol, 'market min quantity', fields.marketMinQty) ?? minQty;
  const marketMaxQty = optionalLimit(symbol, 'market max quantity', fields.marketMaxQty);
  const minNotional = optionalLimit(symbol, 'min notional', fields.minNotional);
  const ranges: [string, Decimal, Decimal | undefined][] = [
    ['price', minPrice, maxPrice],
    ['quantity', minQty, maxQty],
    ['market quantity', marketMinQty, marketMaxQty],
  ];
  for (const [name, minimum, maximum] of ranges) {
    if (maximum !== undefined && minimum.gt(maximum)) {
      throw invalidMarket(
        symbol,
        `min ${name} ${minimum.toFixed()} exceeds max ${name} ${maximum.toFixed()}.`,
        fields,
      );
    }
  }
  return {
    symbol,
    id,
    base,
    quote,
    settle,
    tickSize: tickSize.toFixed(),
    minPrice: minPrice.toFixed(),
    maxPrice: canonical(maxPrice),
    stepSize: stepSize.toFixed(),
    minQty: minQty.toFixed(),
    maxQty: canonical(maxQty),
    marketStepSize: marketStepSize.toFixed(),
    marketMinQty: marketMinQty.toFixed(),
    marketMaxQty: canonical(marketMaxQty),
    minNotional: canonical(minNotional),
  };
}

type RawFilters = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** Binance's raw filters from `market.info.filters`, by `filterType` (empty when absent or malformed). */
function rawFiltersOf(info: unknown): RawFilters {
  const filters = new Map<string, Readonly<Record<string, unknown>>>();
  if (typeof info !== 'object' || info === null) return filters;
  const list: unknown = (info as { filters?: unknown }).filters;
  if (!Array.isArray(list)) return filters;
  for (const filter of list as unknown[]) {
    if (typeof filter !== 'object' || filter === null) continue;
    const record = filter as Readonly<Record<string, unknown>>;
    const filterType = record['filterType'];
    if (typeof filterType === 'string' && !filters.has(filterType)) filters.set(filterType, record);
  }
  return filters;
}

/**
 * The first present value: a raw filter field (an exact string from Binance) wins over ccxt's parsed
 * number. A present but non-numeric value is returned as is, so that validation reports it.
 */
function firstPresent(...values: unknown[]): DecimalInput | undefined {
  for (const value of values) {
    if (value === undefined || value === null) continue;
    return value as DecimalInput;
  }
  return undefined;
}

/**
 * Reads the trading rules of a ccxt market (binanceusdm) into an `Instrument`. Binance's raw filters in
 * `market.info.filters` (exact decimal strings) are preferred field by field; ccxt's parsed numbers
 * (`precision.price` = tick size and `precision.amount` = step size in ccxt's TICK_SIZE precision mode,
 * `limits.amount|market|price|cost`) are the fallback, read at their shortest decimal form (1e-7 →
 * `'0.0000001'`). Throws `SymbolError` `INVALID_MARKET` when the market is missing, its tick or step
 * is missing or invalid, or its id does not match its symbol; `INVALID_SYMBOL`/`UNSUPPORTED_QUOTE` when
 * its symbol is not a supported linear perpetual.
 */
export function instrumentFromMarket(market: MarketLike | undefined): Instrument {
  if (typeof market !== 'object' || market === null) {
    throw new SymbolError(
      'INVALID_MARKET',
      `Invalid market ${describeValue(market)}: expected a ccxt market object (is the symbol loaded?).`,
      market,
    );
  }
  const symbol: unknown = market.symbol;
  if (typeof symbol !== 'string') {
    throw invalidMarket(symbol, 'the market has no string `symbol`.', market);
  }
  if (market.id !== undefined && typeof market.id !== 'string') {
    throw invalidMarket(symbol, `id ${describeValue(market.id)} is not a string.`, market.id);
  }
  const filters = rawFiltersOf(market.info);
  const priceFilter = filters.get('PRICE_FILTER');
  const lotSize = filters.get('LOT_SIZE');
  const marketLotSize = filters.get('MARKET_LOT_SIZE');
  const minNotionalFilter = filters.get('MIN_NOTIONAL') ?? filters.get('NOTIONAL');
  const tickSize = firstPresent(priceFilter?.['tickSize'], market.precision?.price);
  const stepSize = firstPresent(lotSize?.['stepSize'], market.precision?.amount);
  if (tickSize === undefined) {
    throw invalidMarket(
      symbol,
      'no tick size (neither info.filters PRICE_FILTER.tickSize nor precision.price).',
    );
  }
  if (stepSize === undefined) {
    throw invalidMarket(
      symbol,
      'no step size (neither info.filters LOT_SIZE.stepSize nor precision.amount).',
    );
  }
  return createInstrument({
    symbol,
    id: market.id,
    tickSize,
    stepSize,
    minPrice: firstPresent(priceFilter?.['minPrice'], market.limits?.price?.min),
    maxPrice: firstPresent(priceFilter?.['maxPrice'], market.limits?.price?.max),
    minQty: firstPresent(lotSize?.['minQty'], market.limits?.amount?.min),
    maxQty: firstPresent(lotSize?.['maxQty'], market.limits?.amount?.max),
    marketStepSize: firstPresent(marketLotSize?.['stepSize']),
    marketMinQty: firstPresent(marketLotSize?.['minQty'], market.limits?.market?.min),
    marketMaxQty: firstPresent(marketLotSize?.['maxQty'], market.limits?.market?.max),
    minNotional: firstPresent(
      minNotionalFilter?.['notional'],
      minNotionalFilter?.['minNotional'],
      market.limits?.cost?.min,
    ),
  });
}
