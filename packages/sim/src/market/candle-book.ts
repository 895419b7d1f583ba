/**
 * Klines from ticks: per symbol, the in-progress 1m candle, closed 1m candles, and every larger interval
 * (3m … 1d) aggregated from the closed 1m candles as they close. Answers Binance's REST kline rows and the
 * kline stream's in-progress and just-closed klines.
 *
 * Memory: each interval of each symbol keeps at most `maxCandles` closed candles (default 10 000: ~6.9 days
 * of 1m, ~34 days of 5m, ~27 years of 1d); older ones are dropped, oldest first. The in-progress candles are
 * extra. Prices and quantities are held as integers on the symbol's grid, so sums are exact (quote volume up
 * to 2^53 units of 10^-(price decimals + quantity decimals) per candle, far above real volumes).
 *
 * Gaps: a minute without ticks has no candle (as in Binance's archives across maintenance); a candle closes
 * when a tick arrives in a later period, or when `flush(time)` is called with a time past its end.
 */
import { decimalGrid, fastUnits, formatUnits, parseUnits } from '@bot/symbols';
import type { DecimalGrid } from '@bot/symbols';
import { isKlineInterval, klineIntervalMs, klineIntervals, klineOpenTime } from './kline-interval';
import type { KlineInterval } from './kline-interval';
import type { MarketTick } from './market-tick';
import type { Candle } from './replay-file';

export interface CandleBookSymbol {
  readonly symbol: string;
  readonly tickSize: string;
  readonly stepSize: string;
}

export interface CandleBookOptions {
  readonly symbols?: readonly CandleBookSymbol[];
  /** Closed candles kept per symbol and interval (default 10 000). */
  readonly maxCandles?: number;
  /** Id of the first trade (default 1): each tick with a quantity is one trade, numbered per symbol. */
  readonly firstTradeId?: number;
  /**
   * Which just-closed klines `onTick`, `onTicks` and `flush` return (default all). The others are stored all
   * the same, only not formatted: the emulator returns those of the kline streams someone subscribes to.
   */
  readonly wants?: (symbol: string, interval: KlineInterval) => boolean;
}

/** What the book reads from a tick. */
export type CandleTick = Pick<MarketTick, 'symbol' | 'time' | 'lastPrice' | 'tradeQty' | 'buyerIsMaker'>;

/** A kline with everything the kline stream (`k`) and the REST row need. Decimal strings on the grid. */
export interface Kline {
  readonly symbol: string;
  readonly interval: KlineInterval;
  readonly openTime: number;
  /** openTime + interval − 1. */
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly trades: number;
  readonly takerBuyVolume: string;
  readonly takerBuyQuoteVolume: string;
  /** First and last trade id in the kline (`f`, `L`), -1 when it has no trade. */
  readonly firstTradeId: number;
  readonly lastTradeId: number;
  /** The stream's `x`. */
  readonly closed: boolean;
}

/** Binance's GET /fapi/v1/klines row. */
export type KlineRow = [
  openTime: number,
  open: string,
  high: string,
  low: string,
  close: string,
  volume: string,
  closeTime: number,
  quoteVolume: string,
  trades: number,
  takerBuyVolume: string,
  takerBuyQuoteVolume: string,
  ignore: string,
];

export interface KlineQuery {
  /** Rows with openTime ≥ startTime: the oldest `limit` of them. */
  readonly startTime?: number;
  /** Rows with openTime ≤ endTime: without startTime, the newest `limit` of them. */
  readonly endTime?: number;
  /** 1 … 1500, default 500. */
  readonly limit?: number;
}

export const defaultKlineLimit = 500;
export const maxKlineLimit = 1500;
export const defaultMaxCandles = 10_000;

const minuteMs = 60_000;
const higherIntervals = klineIntervals.filter((interval) => interval !== '1m');
const noKlines: readonly Kline[] = Object.freeze([]);

/** A candle in integer units: prices in 10^-priceDecimals, quantities in 10^-quantityDecimals. */
interface CandleState {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number;
  trades: number;
  takerBuyVolume: number;
  takerBuyQuoteVolume: number;
  firstTradeId: number;
  lastTradeId: number;
}

/** Fixed-capacity ring of closed candles, oldest first. */
class CandleRing {
  private readonly items: CandleState[] = [];
  private head = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  at(position: number): CandleState {
    return this.items[(this.head + position) % this.items.length] as CandleState;
  }

  push(candle: CandleState): void {
    if (this.items.length < this.capacity) {
      this.items.push(candle);
    } else {
      this.items[this.head] = candle;
      this.head = (this.head + 1) % this.capacity;
    }
  }
}

interface IntervalSeries {
  readonly ring: CandleRing;
  /** Closed 1m candles folded into the current period (not for 1m). */
  partial: CandleState | undefined;
}

interface SymbolCandles {
  readonly symbol: string;
  readonly price: DecimalGrid;
  readonly quantity: DecimalGrid;
  readonly quoteDecimals: number;
  readonly series: Record<KlineInterval, IntervalSeries>;
  /** The in-progress 1m candle. */
  current: CandleState | undefined;
  /** Open time of the newest 1m candle ever started. */
  lastMinute: number;
  /** Latest time seen (tick, flush or warm-up): nothing older is accepted. */
  watermark: number;
  lastTradeId: number;
}

function mergeInto(target: CandleState, candle: CandleState): void {
  if (candle.high > target.high) target.high = candle.high;
  if (candle.low < target.low) target.low = candle.low;
  target.close = candle.close;
  target.volume += candle.volume;
  target.quoteVolume += candle.quoteVolume;
  target.trades += candle.trades;
  target.takerBuyVolume += candle.takerBuyVolume;
  target.takerBuyQuoteVolume += candle.takerBuyQuoteVolume;
  if (target.firstTradeId < 0) target.firstTradeId = candle.firstTradeId;
  if (candle.lastTradeId >= 0) target.lastTradeId = candle.lastTradeId;
}

export class CandleBook {
  readonly maxCandles: number;
  private readonly books = new Map<string, SymbolCandles>();
  private readonly firstTradeId: number;
  /** Undefined: every kline is wanted (no call per close, which the tick loop would pay for). */
  private readonly wants: ((symbol: string, interval: KlineInterval) => boolean) | undefined;

  constructor(options: CandleBookOptions = {}) {
    this.maxCandles = options.maxCandles ?? defaultMaxCandles;
    this.firstTradeId = options.firstTradeId ?? 1;
    this.wants = options.wants;
    if (!Number.isSafeInteger(this.maxCandles) || this.maxCandles < 1) {
      throw new RangeError(`maxCandles must be an integer ≥ 1, got ${this.maxCandles}`);
    }
    if (!Number.isSafeInteger(this.firstTradeId) || this.firstTradeId < 0) {
      throw new RangeError(`firstTradeId must be an integer ≥ 0, got ${this.firstTradeId}`);
    }
    for (const symbol of options.symbols ?? []) this.addSymbol(symbol);
  }

  addSymbol({ symbol, tickSize, stepSize }: CandleBookSymbol): void {
    if (this.books.has(symbol)) throw new RangeError(`symbol ${symbol} is already in the candle book`);
    const price = decimalGrid(tickSize, 'tickSize');
    const quantity = decimalGrid(stepSize, 'stepSize');
    const series = {} as Record<KlineInterval, IntervalSeries>;
    for (const interval of klineIntervals) {
      series[interval] = { ring: new CandleRing(this.maxCandles), partial: undefined };
    }
    this.books.set(symbol, {
      symbol,
      price,
      quantity,
      quoteDecimals: price.decimals + quantity.decimals,
      series,
      current: undefined,
      lastMinute: -Infinity,
      watermark: -Infinity,
      lastTradeId: this.firstTradeId - 1,
    });
  }

  get symbols(): string[] {
    return [...this.books.keys()];
  }

  hasSymbol(symbol: string): boolean {
    return this.books.has(symbol);
  }

  /** Id of the newest trade of `symbol` (firstTradeId − 1 before any). */
  lastTradeId(symbol: string): number {
    return this.book(symbol).lastTradeId;
  }

  /**
   * Applies one tick (a trade when `tradeQty` > 0). Returns the klines this tick closed, 1m first then
   * larger intervals in ascending order (usually none; at a minute boundary the previous 1m kline and every
   * larger kline whose period ended). Ticks of a symbol must come in time order.
   */
  onTick(tick: CandleTick): readonly Kline[] {
    const book = this.book(tick.symbol);
    const time = tick.time;
    if (!(time >= book.watermark)) {
      throw new RangeError(
        `${tick.symbol}: tick at ${time} is older than ${book.watermark} (ticks must come in order)`,
      );
    }
    const price = fastUnits(tick.lastPrice, book.price.scale);
    const quantity = fastUnits(tick.tradeQty, book.quantity.scale);
    if (!(price > 0))
      throw new RangeError(`${tick.symbol}: lastPrice ${tick.lastPrice} is not on the price grid`);
    if (!(quantity >= 0))
      throw new RangeError(`${tick.symbol}: tradeQty ${tick.tradeQty} is not on the step grid`);
    book.watermark = time;
    let closed = noKlines;
    let current = book.current;
    const minuteOpen = time - (time % minuteMs);
    if (current === undefined || current.openTime !== minuteOpen) {
      closed = this.closeThrough(book, minuteOpen);
      current = {
        openTime: minuteOpen,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0,
        quoteVolume: 0,
        trades: 0,
        takerBuyVolume: 0,
        takerBuyQuoteVolume: 0,
        firstTradeId: -1,
        lastTradeId: -1,
      };
      book.current = current;
      book.lastMinute = minuteOpen;
    } else {
      if (price > current.high) current.high = price;
      if (price < current.low) current.low = price;
      current.close = price;
    }
    if (quantity > 0) {
      const quote = quantity * price;
      book.lastTradeId += 1;
      if (current.firstTradeId < 0) current.firstTradeId = book.lastTradeId;
      current.lastTradeId = book.lastTradeId;
      current.trades += 1;
      current.volume += quantity;
      current.quoteVolume += quote;
      if (!tick.buyerIsMaker) {
        current.takerBuyVolume += quantity;
        current.takerBuyQuoteVolume += quote;
      }
    }
    return closed;
  }

  /** Applies ticks in order; returns every kline they closed, in order (no array allocated for none). */
  onTicks(ticks: readonly CandleTick[]): readonly Kline[] {
    let closed: Kline[] | undefined;
    for (const tick of ticks) {
      const klines = this.onTick(tick);
      if (klines.length > 0) (closed ??= []).push(...klines);
    }
    return closed ?? noKlines;
  }

  /**
   * Closes every kline (all symbols, or one) whose period ended at or before `time` without waiting for the
   * next tick, e.g. when the clock passes a minute boundary or a replay ends. Returns them.
   */
  flush(time: number, symbol?: string): Kline[] {
    const closed: Kline[] = [];
    const books = symbol === undefined ? this.books.values() : [this.book(symbol)];
    for (const book of books) {
      if (time > book.watermark) book.watermark = time;
      closed.push(...this.closeThrough(book, time));
    }
    return closed;
  }

  /**
   * Loads closed 1m candles as history (e.g. `SyntheticMarket.history()` or a parsed archive) before live
   * ticks: each must open on a minute, after everything the symbol has seen. Missing optional fields are
   * estimated (quote volume at the OHLC average, half the volume taker-bought, one trade if any volume).
   */
  warmUp(symbol: string, candles: readonly Candle[]): void {
    const book = this.book(symbol);
    const { price, quantity, quoteDecimals } = book;
    for (let index = 0; index < candles.length; index += 1) {
      const candle = candles[index] as Candle;
      const where = `${symbol} warm-up candle ${index}`;
      if (!Number.isSafeInteger(candle.openTime) || candle.openTime % minuteMs !== 0) {
        throw new RangeError(`${where}: openTime ${candle.openTime} is not on a minute`);
      }
      if (candle.openTime < book.watermark || candle.openTime <= book.lastMinute) {
        throw new RangeError(
          `${where}: openTime ${candle.openTime} is not after what the book has already seen`,
        );
      }
      const priceOf = (name: 'open' | 'high' | 'low' | 'close'): number => {
        const units = parseUnits(candle[name], price.decimals);
        if (units === undefined) {
          throw new RangeError(
            `${where}: ${name} ${candle[name]} is not on the ${price.increment} price grid`,
          );
        }
        return units;
      };
      const quantityOf = (text: string | undefined, name: string, decimals: number): number | undefined => {
        if (text === undefined) return undefined;
        const units = parseUnits(text, decimals, 'nearest');
        if (units === undefined) throw new RangeError(`${where}: ${name} ${text} is not a number`);
        return units;
      };
      const open = priceOf('open');
      const high = priceOf('high');
      const low = priceOf('low');
      const close = priceOf('close');
      const volume = quantityOf(candle.volume, 'volume', quantity.decimals) ?? 0;
      const quoteVolume =
        quantityOf(candle.quoteVolume, 'quoteVolume', quoteDecimals) ??
        Math.round((volume * (open + high + low + close)) / 4);
      const takerBuyVolume =
        quantityOf(candle.takerBuyVolume, 'takerBuyVolume', quantity.decimals) ?? Math.floor(volume / 2);
      const takerBuyQuoteVolume =
        quantityOf(candle.takerBuyQuoteVolume, 'takerBuyQuoteVolume', quoteDecimals) ??
        (volume > 0 ? Math.round((quoteVolume * takerBuyVolume) / volume) : 0);
      const trades = candle.trades ?? (volume > 0 ? 1 : 0);
      const firstTradeId = trades > 0 ? book.lastTradeId + 1 : -1;
      book.lastTradeId += trades;
      this.closeThrough(book, candle.openTime);
      this.closeMinute(
        book,
        {
          openTime: candle.openTime,
          open,
          high,
          low,
          close,
          volume,
          quoteVolume,
          trades,
          takerBuyVolume,
          takerBuyQuoteVolume,
          firstTradeId,
          lastTradeId: trades > 0 ? book.lastTradeId : -1,
        },
        undefined,
      );
      book.lastMinute = candle.openTime;
      book.watermark = candle.openTime + minuteMs;
    }
  }

  /** The in-progress kline of `interval` (closed: false), or undefined before the first tick. */
  currentKline(symbol: string, interval: KlineInterval): Kline | undefined {
    const book = this.book(symbol);
    const state = this.currentState(book, checkInterval(interval));
    return state === undefined ? undefined : this.kline(book, interval, state, false);
  }

  /**
   * The in-progress kline as the kline stream's candle (`k`), or undefined before the first tick: the same
   * fields as {@link currentKline}'s, its decimal strings formatted only when read (a socket's JSON reads
   * them all). The emulator sends one per tick to every subscriber, and a listener in this process that a
   * later update makes it skip (`bot backtest`'s feeds) never pays for them.
   */
  formingStreamKline(symbol: string, interval: KlineInterval): StreamKline | undefined {
    const book = this.book(symbol);
    const current = book.current;
    // The partial of a larger interval merged with the minute in progress (as `currentState`), read into the
    // kline's own fields: one object per tick, not a merged copy of the state beside it.
    const partial = checkInterval(interval) === '1m' ? undefined : book.series[interval].partial;
    if (partial !== undefined) return new StreamKline(book, interval, partial, partial.openTime, current);
    if (current === undefined) return undefined;
    return new StreamKline(book, interval, current, klineOpenTime(current.openTime, interval));
  }

  /**
   * Binance's GET /fapi/v1/klines: rows oldest first, including the in-progress kline. With `startTime`,
   * the oldest `limit` rows opening at or after it (and at or before `endTime`); otherwise the newest
   * `limit` rows opening at or before `endTime` (or now).
   */
  klines(symbol: string, interval: KlineInterval, query: KlineQuery = {}): KlineRow[] {
    const book = this.book(symbol);
    checkInterval(interval);
    const limit = query.limit ?? defaultKlineLimit;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxKlineLimit) {
      throw new RangeError(`limit must be an integer in [1, ${maxKlineLimit}], got ${limit}`);
    }
    const { startTime, endTime } = query;
    if (startTime !== undefined && !Number.isFinite(startTime))
      throw new RangeError(`bad startTime ${startTime}`);
    if (endTime !== undefined && !Number.isFinite(endTime)) throw new RangeError(`bad endTime ${endTime}`);
    const ring = book.series[interval].ring;
    const current = this.currentState(book, interval);
    const count = ring.length + (current === undefined ? 0 : 1);
    const stateAt = (position: number): CandleState =>
      position < ring.length ? ring.at(position) : (current as CandleState);
    /** First position whose openTime satisfies `after` (openTimes increase). */
    const search = (after: (openTime: number) => boolean): number => {
      let low = 0;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (after(stateAt(middle).openTime)) high = middle;
        else low = middle + 1;
      }
      return low;
    };
    const firstMatch = startTime === undefined ? 0 : search((openTime) => openTime >= startTime);
    const endMatch = endTime === undefined ? count : search((openTime) => openTime > endTime);
    let from = firstMatch;
    let to = endMatch;
    if (startTime !== undefined) to = Math.min(endMatch, firstMatch + limit);
    else from = Math.max(firstMatch, endMatch - limit);
    const rows: KlineRow[] = [];
    const length = klineIntervalMs[interval];
    for (let position = from; position < to; position += 1) {
      const state = stateAt(position);
      rows.push([
        state.openTime,
        formatUnits(state.open, book.price.decimals),
        formatUnits(state.high, book.price.decimals),
        formatUnits(state.low, book.price.decimals),
        formatUnits(state.close, book.price.decimals),
        formatUnits(state.volume, book.quantity.decimals),
        state.openTime + length - 1,
        formatUnits(state.quoteVolume, book.quoteDecimals),
        state.trades,
        formatUnits(state.takerBuyVolume, book.quantity.decimals),
        formatUnits(state.takerBuyQuoteVolume, book.quoteDecimals),
        '0',
      ]);
    }
    return rows;
  }

  /** Number of closed candles held for `symbol` and `interval` (at most `maxCandles`). */
  closedCount(symbol: string, interval: KlineInterval): number {
    return this.book(symbol).series[checkInterval(interval)].ring.length;
  }

  private book(symbol: string): SymbolCandles {
    const book = this.books.get(symbol);
    if (book === undefined) throw new RangeError(`unknown symbol ${symbol}`);
    return book;
  }

  private currentState(book: SymbolCandles, interval: KlineInterval): CandleState | undefined {
    const current = book.current;
    if (interval === '1m') return current;
    const partial = book.series[interval].partial;
    if (current === undefined) return partial;
    // A partial still open while a 1m candle is in progress is always of the same period (closeThrough).
    const merged: CandleState =
      partial === undefined
        ? { ...current, openTime: klineOpenTime(current.openTime, interval) }
        : { ...partial };
    if (partial !== undefined) mergeInto(merged, current);
    return merged;
  }

  /** Closes the in-progress 1m candle and the larger partial candles whose period ended at or before `time`. */
  private closeThrough(book: SymbolCandles, time: number): readonly Kline[] {
    const current = book.current;
    let closed: Kline[] | undefined;
    if (current !== undefined && current.openTime + minuteMs <= time) {
      book.current = undefined;
      closed = [];
      this.closeMinute(book, current, closed);
    }
    for (const interval of higherIntervals) {
      const series = book.series[interval];
      const partial = series.partial;
      if (partial !== undefined && partial.openTime + klineIntervalMs[interval] <= time) {
        series.ring.push(partial);
        series.partial = undefined;
        if (this.wants?.(book.symbol, interval) !== false)
          (closed ??= []).push(this.kline(book, interval, partial, true));
      }
    }
    return closed ?? noKlines;
  }

  /** Stores a closed 1m candle and folds it into every larger interval's current period. */
  private closeMinute(book: SymbolCandles, candle: CandleState, closed: Kline[] | undefined): void {
    book.series['1m'].ring.push(candle);
    if (closed !== undefined && this.wants?.(book.symbol, '1m') !== false)
      closed.push(this.kline(book, '1m', candle, true));
    for (const interval of higherIntervals) {
      const series = book.series[interval];
      const openTime = klineOpenTime(candle.openTime, interval);
      const partial = series.partial;
      if (partial !== undefined && partial.openTime !== openTime) {
        series.ring.push(partial);
        if (closed !== undefined && this.wants?.(book.symbol, interval) !== false)
          closed.push(this.kline(book, interval, partial, true));
        series.partial = undefined;
      }
      if (series.partial === undefined) series.partial = { ...candle, openTime };
      else mergeInto(series.partial, candle);
    }
  }

  private kline(book: SymbolCandles, interval: KlineInterval, state: CandleState, closed: boolean): Kline {
    const { price, quantity, quoteDecimals } = book;
    return {
      symbol: book.symbol,
      interval,
      openTime: state.openTime,
      closeTime: state.openTime + klineIntervalMs[interval] - 1,
      open: formatUnits(state.open, price.decimals),
      high: formatUnits(state.high, price.decimals),
      low: formatUnits(state.low, price.decimals),
      close: formatUnits(state.close, price.decimals),
      volume: formatUnits(state.volume, quantity.decimals),
      quoteVolume: formatUnits(state.quoteVolume, quoteDecimals),
      trades: state.trades,
      takerBuyVolume: formatUnits(state.takerBuyVolume, quantity.decimals),
      takerBuyQuoteVolume: formatUnits(state.takerBuyQuoteVolume, quoteDecimals),
      firstTradeId: state.firstTradeId,
      lastTradeId: state.lastTradeId,
      closed,
    };
  }
}

/**
 * A kline stream's in-progress candle (`k`, x: false) over a snapshot of its state: the numbers are fields,
 * the decimal strings getters, and `toJSON` gives Binance's object in its field order.
 */
export class StreamKline {
  readonly t: number;
  readonly T: number;
  readonly s: string;
  readonly i: KlineInterval;
  readonly f: number;
  readonly L: number;
  readonly n: number;
  readonly x = false;
  readonly B = '0';
  readonly #open: number;
  readonly #high: number;
  readonly #low: number;
  readonly #close: number;
  readonly #volume: number;
  readonly #quoteVolume: number;
  readonly #takerBuyVolume: number;
  readonly #takerBuyQuoteVolume: number;
  readonly #book: SymbolCandles;

  /** `state` as of now, opening at `openTime`, with the minute in progress `then` merged in (as `mergeInto`). */
  constructor(
    book: SymbolCandles,
    interval: KlineInterval,
    state: Readonly<CandleState>,
    openTime: number,
    then?: Readonly<CandleState>,
  ) {
    this.t = openTime;
    this.T = openTime + klineIntervalMs[interval] - 1;
    this.s = book.symbol;
    this.i = interval;
    this.#book = book;
    if (then === undefined) {
      this.f = state.firstTradeId;
      this.L = state.lastTradeId;
      this.n = state.trades;
      this.#open = state.open;
      this.#high = state.high;
      this.#low = state.low;
      this.#close = state.close;
      this.#volume = state.volume;
      this.#quoteVolume = state.quoteVolume;
      this.#takerBuyVolume = state.takerBuyVolume;
      this.#takerBuyQuoteVolume = state.takerBuyQuoteVolume;
    } else {
      this.f = state.firstTradeId < 0 ? then.firstTradeId : state.firstTradeId;
      this.L = then.lastTradeId >= 0 ? then.lastTradeId : state.lastTradeId;
      this.n = state.trades + then.trades;
      this.#open = state.open;
      this.#high = then.high > state.high ? then.high : state.high;
      this.#low = then.low < state.low ? then.low : state.low;
      this.#close = then.close;
      this.#volume = state.volume + then.volume;
      this.#quoteVolume = state.quoteVolume + then.quoteVolume;
      this.#takerBuyVolume = state.takerBuyVolume + then.takerBuyVolume;
      this.#takerBuyQuoteVolume = state.takerBuyQuoteVolume + then.takerBuyQuoteVolume;
    }
  }

  get o(): string {
    return formatUnits(this.#open, this.#book.price.decimals);
  }
  get c(): string {
    return formatUnits(this.#close, this.#book.price.decimals);
  }
  get h(): string {
    return formatUnits(this.#high, this.#book.price.decimals);
  }
  get l(): string {
    return formatUnits(this.#low, this.#book.price.decimals);
  }
  get v(): string {
    return formatUnits(this.#volume, this.#book.quantity.decimals);
  }
  get q(): string {
    return formatUnits(this.#quoteVolume, this.#book.quoteDecimals);
  }
  get V(): string {
    return formatUnits(this.#takerBuyVolume, this.#book.quantity.decimals);
  }
  get Q(): string {
    return formatUnits(this.#takerBuyQuoteVolume, this.#book.quoteDecimals);
  }

  toJSON(): Record<string, unknown> {
    const { t, T, s, i, f, L, o, c, h, l, v, n, x, q, V, Q, B } = this;
    return { t, T, s, i, f, L, o, c, h, l, v, n, x, q, V, Q, B };
  }
}

function checkInterval(interval: KlineInterval): KlineInterval {
  if (!isKlineInterval(interval)) throw new RangeError(`unknown kline interval ${String(interval)}`);
  return interval;
}

/** A kline as Binance's REST row. */
export function klineRow(kline: Kline): KlineRow {
  return [
    kline.openTime,
    kline.open,
    kline.high,
    kline.low,
    kline.close,
    kline.volume,
    kline.closeTime,
    kline.quoteVolume,
    kline.trades,
    kline.takerBuyVolume,
    kline.takerBuyQuoteVolume,
    '0',
  ];
}
