/**
 * Readers for historical candle files: Binance's public-archive kline CSV (data.binance.vision) and ccxt's
 * OHLCV JSON. Both give `Candle[]` with the prices and volumes as the file's own decimal strings (nothing is
 * re-rounded), or throw a `ReplayFileError` naming the line (CSV) or array index (JSON) and what was wrong.
 */
import Decimal from 'decimal.js';

/** One candle. Decimal strings as found in the file; the optional fields only when the file has them. */
export interface Candle {
  /** Epoch ms (microsecond archives are converted). */
  readonly openTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  /** Base-asset volume. */
  readonly volume: string;
  readonly quoteVolume?: string;
  /** Number of trades. */
  readonly trades?: number;
  readonly takerBuyVolume?: string;
  readonly takerBuyQuoteVolume?: string;
}

/** A candle file that cannot be read: `line` (1-based, CSV) or `index` (0-based, JSON) says where, `reason` what. */
export class ReplayFileError extends Error {
  readonly line: number | undefined;
  readonly index: number | undefined;
  readonly reason: string;

  constructor(where: { readonly line?: number; readonly index?: number }, reason: string) {
    const prefix =
      where.line !== undefined
        ? `line ${where.line}: `
        : where.index !== undefined
          ? `index ${where.index}: `
          : '';
    super(`${prefix}${reason}`);
    this.name = 'ReplayFileError';
    this.line = where.line;
    this.index = where.index;
    this.reason = reason;
  }
}

/** Binance's archive columns. */
export const klineCsvColumns = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

const decimalText = /^\d+(\.\d+)?$/;
const integerText = /^\d+$/;
const integerCell = String.raw`(\d+)`;
const decimalCell = String.raw`(\d+(?:\.\d+)?)`;
/**
 * A row as Binance writes it (no spaces, each cell of its column's kind, 12 columns): matched at once, three
 * times faster than checking it cell by cell, which every other row still is (the header, the errors).
 */
const wellFormedRow = new RegExp(
  `^${[integerCell, ...Array<string>(5).fill(decimalCell), integerCell, decimalCell, integerCell, decimalCell, decimalCell, '([^,]*)'].join(',')}$`,
);
/** Times at or above this are microseconds (16 digits): Binance's spot archives since 2025. */
const microsecondThreshold = 1e15;

function toMilliseconds(time: number): number {
  return time >= microsecondThreshold ? Math.floor(time / 1000) : time;
}

/** Checks a candle's internal consistency and order against the previous one; returns what is wrong, if anything. */
function candleProblem(candle: Candle, previousOpenTime: number | undefined): string | undefined {
  const open = Number(candle.open);
  const high = Number(candle.high);
  const low = Number(candle.low);
  const close = Number(candle.close);
  if (!(low > 0)) return `low ${candle.low} is not a positive price`;
  if (high < Math.max(open, close)) {
    return `high ${candle.high} is below max(open, close) = ${open >= close ? candle.open : candle.close}`;
  }
  if (low > Math.min(open, close)) {
    return `low ${candle.low} is above min(open, close) = ${open <= close ? candle.open : candle.close}`;
  }
  if (previousOpenTime !== undefined && candle.openTime <= previousOpenTime) {
    return `open time ${candle.openTime} is not after the previous candle's ${previousOpenTime} (times must increase)`;
  }
  return undefined;
}

/**
 * Parses a Binance kline CSV: `open_time,open,high,low,close,volume,close_time,quote_volume,count,
 * taker_buy_volume,taker_buy_quote_volume,ignore`, with the futures archives' header line or without it
 * (spot archives). 16-digit (microsecond) times become milliseconds. Blank lines are skipped.
 */
export function parseKlineCsv(text: string): Candle[] {
  const reader = new KlineCsvReader();
  const candles: Candle[] = [];
  const lines = text.split(/\r?\n/);
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex += 1) {
    const candle = reader.row(lines[lineIndex] ?? '');
    if (candle !== undefined) candles.push(candle);
  }
  reader.end();
  return candles;
}

/**
 * `parseKlineCsv` a line at a time, for files read as a stream: `row` takes each line in order (with or
 * without its line break) and returns its candle (undefined for the header and blank lines); `end` throws
 * for a file without candles. The same checks and errors, with the same line numbers.
 */
export class KlineCsvReader {
  #line = 0;
  #headerLine: number | undefined;
  #previousOpenTime: number | undefined;
  #candles = 0;

  /** The 1-based number of the last line given to `row`. */
  get line(): number {
    return this.#line;
  }

  /** Candles read so far. */
  get candles(): number {
    return this.#candles;
  }

  row(text: string): Candle | undefined {
    this.#line += 1;
    const line = this.#line;
    const raw = text.trim();
    if (raw === '') return undefined;
    const cells = wellFormedRow.exec(raw)?.slice(1) ?? this.#checkedCells(raw, line);
    if (cells === undefined) return undefined;
    const openTime = toMilliseconds(Number(cells[0]));
    const closeTime = toMilliseconds(Number(cells[6]));
    if (closeTime < openTime) {
      throw new ReplayFileError({ line }, `close_time ${cells[6]} is before open_time ${cells[0]}`);
    }
    const candle: Candle = {
      openTime,
      open: cells[1] ?? '',
      high: cells[2] ?? '',
      low: cells[3] ?? '',
      close: cells[4] ?? '',
      volume: cells[5] ?? '',
      quoteVolume: cells[7] ?? '',
      trades: Number(cells[8]),
      takerBuyVolume: cells[9] ?? '',
      takerBuyQuoteVolume: cells[10] ?? '',
    };
    const problem = candleProblem(candle, this.#previousOpenTime);
    if (problem !== undefined) throw new ReplayFileError({ line }, problem);
    this.#previousOpenTime = openTime;
    this.#candles += 1;
    return candle;
  }

  /**
   * The cells of a row that is not one of Binance's as it writes them (spaces, the header, an error), taken
   * one by one; undefined for the header.
   */
  #checkedCells(raw: string, line: number): string[] | undefined {
    const cells = raw.split(',').map((cell) => cell.trim());
    if (this.#candles === 0 && this.#headerLine === undefined && !integerText.test(cells[0] ?? '')) {
      if (cells[0] !== 'open_time' && cells[0] !== 'open time') {
        throw new ReplayFileError({ line }, `open_time "${cells[0] ?? ''}" is not an integer`);
      }
      if (cells.length !== klineCsvColumns.length) {
        throw new ReplayFileError(
          { line },
          `expected ${klineCsvColumns.length} columns in the header, found ${cells.length}`,
        );
      }
      this.#headerLine = line;
      return undefined;
    }
    if (cells.length !== klineCsvColumns.length) {
      throw new ReplayFileError(
        { line },
        `expected ${klineCsvColumns.length} columns, found ${cells.length}`,
      );
    }
    for (const column of [0, 6, 8]) {
      if (!integerText.test(cells[column] ?? '')) {
        throw new ReplayFileError(
          { line },
          `${klineCsvColumns[column]} "${cells[column]}" is not an integer`,
        );
      }
    }
    for (const column of [1, 2, 3, 4, 5, 7, 9, 10]) {
      if (!decimalText.test(cells[column] ?? '')) {
        throw new ReplayFileError({ line }, `${klineCsvColumns[column]} "${cells[column]}" is not a number`);
      }
    }
    return cells;
  }

  /** Throws for a file that held no candle. */
  end(): void {
    if (this.#candles > 0) return;
    if (this.#headerLine !== undefined) {
      throw new ReplayFileError({ line: this.#headerLine + 1 }, 'no candles after the header');
    }
    throw new ReplayFileError({ line: 1 }, 'empty file: no candles');
  }
}

const ohlcvNames = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A JSON number or numeric string as a plain decimal string (no exponent); undefined when not numeric. */
function jsonDecimal(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    const text = String(value);
    return /e/i.test(text) ? new Decimal(value).toFixed() : text;
  }
  if (typeof value === 'string' && decimalText.test(value)) return value;
  return undefined;
}

function jsonSyntaxLine(text: string, error: unknown): number | undefined {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (position === null) return undefined;
  const offset = Number(position[1]);
  let line = 1;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text.charCodeAt(index) === 10) line += 1;
  }
  return line;
}

/**
 * Parses ccxt's OHLCV JSON, `[[timestamp, open, high, low, close, volume], …]` (numbers, or numeric
 * strings), as `fetchOHLCV` returns it and tools such as freqtrade store it. Errors name the row index.
 */
export function parseOhlcvJson(text: string): Candle[] {
  if (text.trim() === '') throw new ReplayFileError({ line: 1 }, 'empty file: no candles');
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    const line = jsonSyntaxLine(text, error);
    const detail = error instanceof Error ? error.message : String(error);
    throw new ReplayFileError(line === undefined ? {} : { line }, `invalid JSON: ${detail}`);
  }
  if (!Array.isArray(rows)) {
    throw new ReplayFileError({}, 'expected an array of [time, open, high, low, close, volume] rows');
  }
  if (rows.length === 0) throw new ReplayFileError({ index: 0 }, 'empty array: no candles');
  const candles: Candle[] = [];
  let previousOpenTime: number | undefined;
  for (let index = 0; index < rows.length; index += 1) {
    const row: unknown = rows[index];
    if (!Array.isArray(row)) {
      throw new ReplayFileError({ index }, 'expected an array [time, open, high, low, close, volume]');
    }
    if (row.length !== ohlcvNames.length) {
      throw new ReplayFileError({ index }, `expected ${ohlcvNames.length} values, found ${row.length}`);
    }
    const time: unknown = row[0];
    const timeNumber = typeof time === 'string' && integerText.test(time) ? Number(time) : time;
    if (typeof timeNumber !== 'number' || !Number.isSafeInteger(timeNumber) || timeNumber < 0) {
      throw new ReplayFileError({ index }, `time ${JSON.stringify(time)} is not an integer timestamp`);
    }
    const values: string[] = [];
    for (let column = 1; column < ohlcvNames.length; column += 1) {
      const value = jsonDecimal(row[column]);
      if (value === undefined) {
        throw new ReplayFileError(
          { index },
          `${ohlcvNames[column]} ${JSON.stringify(row[column])} is not a number`,
        );
      }
      values.push(value);
    }
    const [open = '', high = '', low = '', close = '', volume = ''] = values;
    const candle: Candle = { openTime: toMilliseconds(timeNumber), open, high, low, close, volume };
    const problem = candleProblem(candle, previousOpenTime);
    if (problem !== undefined) throw new ReplayFileError({ index }, problem);
    candles.push(candle);
    previousOpenTime = candle.openTime;
  }
  return candles;
}
