/**
 * Binance's public kline archives (data.binance.vision, USDⓈ-M futures): `BTCUSDC-1m-2024-01.zip` (monthly)
 * or `BTCUSDC-1m-2024-01-15.zip` (daily), a zip holding one CSV, or that CSV itself; with the futures
 * archives' header row or without it; times in ms or µs. Read into candles per symbol, checked: rows in
 * order without overlap (across files too), prices on the instrument's tick grid, and the gaps listed.
 * Every error names the file and the row.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parseKlineCsv } from '@bot/sim';
import type { Candle } from '@bot/sim';

export class KlineDataError extends Error {
  override readonly name = 'KlineDataError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line === undefined ? '' : `: line ${line}`}: ${reason}`);
  }
}

const ARCHIVE_NAME =
  /^([A-Z0-9]+)-(1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d)-(\d{4}-\d{2}(?:-\d{2})?)\.(csv|zip)$/;

export interface ArchiveName {
  readonly symbol: string;
  readonly interval: string;
  readonly period: string;
}

/** The symbol, interval and period in an archive's name, as Binance names them. */
export function parseArchiveName(file: string): ArchiveName {
  const match = ARCHIVE_NAME.exec(basename(file));
  if (!match) {
    throw new KlineDataError(
      file,
      undefined,
      'not a Binance kline archive name: expected <SYMBOL>-<interval>-<YYYY-MM>[-<DD>].zip|csv, e.g. BTCUSDC-1m-2024-01.zip',
    );
  }
  return { symbol: match[1] as string, interval: match[2] as string, period: match[3] as string };
}

/** The archive files among `paths` (directories are listed, non-archive names inside them skipped). */
export function listArchives(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) throw new KlineDataError(path, undefined, 'no such file or directory');
    if (stats.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (ARCHIVE_NAME.test(name)) files.push(join(path, name));
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

/** The CSV text of an archive: the one entry of a zip (stored or deflated), or the file itself. */
export function archiveText(file: string): string {
  const bytes = readFileSync(file);
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50)
    return unzipSingle(file, bytes).toString('utf8');
  if (bytes.includes(0))
    throw new KlineDataError(file, undefined, 'not a kline archive: binary content that is not a zip');
  return bytes.toString('utf8');
}

function unzipSingle(file: string, zip: Buffer): Buffer {
  let end = -1;
  for (let index = zip.length - 22; index >= Math.max(0, zip.length - 65_557); index -= 1) {
    if (zip.readUInt32LE(index) === 0x06054b50) {
      end = index;
      break;
    }
  }
  if (end < 0)
    throw new KlineDataError(
      file,
      undefined,
      'not a kline archive: a damaged zip (no end of central directory)',
    );
  const entries = zip.readUInt16LE(end + 10);
  if (entries !== 1)
    throw new KlineDataError(
      file,
      undefined,
      `not a kline archive: the zip holds ${entries} files, Binance's hold one CSV`,
    );
  const central = zip.readUInt32LE(end + 16);
  if (zip.readUInt32LE(central) !== 0x02014b50)
    throw new KlineDataError(file, undefined, 'not a kline archive: a damaged zip');
  const method = zip.readUInt16LE(central + 10);
  const compressedSize = zip.readUInt32LE(central + 20);
  const local = zip.readUInt32LE(central + 42);
  const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(dataStart, dataStart + compressedSize);
  if (method === 0) return data;
  if (method !== 8)
    throw new KlineDataError(file, undefined, `not a kline archive: zip compression method ${method}`);
  try {
    return inflateRawSync(data);
  } catch (error) {
    throw new KlineDataError(
      file,
      undefined,
      `not a kline archive: the zip does not inflate (${(error as Error).message})`,
    );
  }
}

/** A price's distance from the tick grid, within float noise. */
export function onTickGrid(price: string, tick: number): boolean {
  const ticks = Number(price) / tick;
  return Math.abs(ticks - Math.round(ticks)) < 1e-6;
}

export interface Gap {
  readonly symbol: string;
  /** Open time of the last candle before the gap, and of the first after it. */
  readonly after: number;
  readonly resumes: number;
  readonly missingMinutes: number;
}

export interface SymbolCandles {
  readonly symbol: string;
  readonly files: readonly string[];
  readonly candles: Candle[];
  readonly gaps: readonly Gap[];
}

export interface ReadKlinesOptions {
  /** Exchange ids to keep (default every symbol found). */
  readonly symbols?: readonly string[] | undefined;
  /** Epoch ms: candles opening in [from, to). */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Tick size per symbol: a price off it is an error (a spot file given as futures). */
  readonly tickOf: (symbol: string, file: string) => string;
}

/** Reads the archives among `paths` into 1m candles per symbol, checked (see the module comment). */
export function readKlines(paths: readonly string[], options: ReadKlinesOptions): SymbolCandles[] {
  const files = listArchives(paths);
  if (files.length === 0) throw new KlineDataError(paths.join(', '), undefined, 'no kline archives found');
  const bySymbol = new Map<string, { file: string; candles: Candle[]; firstLine: number }[]>();
  for (const file of files) {
    const name = parseArchiveName(file);
    if (options.symbols && !options.symbols.includes(name.symbol)) continue;
    if (name.interval !== '1m') {
      throw new KlineDataError(
        file,
        undefined,
        `interval ${name.interval}: the backtest reads 1m archives and resamples them to the timeframe`,
      );
    }
    const tick = Number(options.tickOf(name.symbol, file));
    const text = archiveText(file);
    let candles: Candle[];
    try {
      candles = parseKlineCsv(text);
    } catch (error) {
      if (error instanceof KlineDataError) throw error;
      const line = (error as { line?: number }).line;
      const reason = (error as { reason?: string }).reason ?? (error as Error).message;
      throw new KlineDataError(file, line, `not a kline archive row: ${reason}`);
    }
    const lineOf = lineNumbers(text);
    for (let index = 0; index < candles.length; index += 1) {
      const candle = candles[index] as Candle;
      for (const price of [candle.open, candle.high, candle.low, candle.close]) {
        if (!onTickGrid(price, tick)) {
          throw new KlineDataError(
            file,
            lineOf(index),
            `price ${price} is off ${name.symbol}'s tick grid ${options.tickOf(name.symbol, file)} (a spot archive given as futures, or another contract's file?)`,
          );
        }
      }
    }
    const kept = candles.filter(
      (candle) =>
        (options.from === undefined || candle.openTime >= options.from) &&
        (options.to === undefined || candle.openTime < options.to),
    );
    const list = bySymbol.get(name.symbol) ?? [];
    list.push({ file, candles: kept, firstLine: lineOf(candles.indexOf(kept[0] as Candle)) });
    bySymbol.set(name.symbol, list);
  }
  for (const symbol of options.symbols ?? []) {
    if (!bySymbol.has(symbol))
      throw new KlineDataError(paths.join(', '), undefined, `no archive of ${symbol} among the data given`);
  }
  const result: SymbolCandles[] = [];
  for (const [symbol, parts] of bySymbol) {
    parts.sort((a, b) => (a.candles[0]?.openTime ?? 0) - (b.candles[0]?.openTime ?? 0));
    const candles: Candle[] = [];
    const gaps: Gap[] = [];
    let previous: { file: string; openTime: number } | undefined;
    for (const part of parts) {
      const first = part.candles[0];
      if (!first) continue;
      if (previous && first.openTime <= previous.openTime) {
        throw new KlineDataError(
          part.file,
          part.firstLine,
          `open time ${new Date(first.openTime).toISOString()} overlaps ${previous.file}, which runs to ${new Date(previous.openTime).toISOString()}`,
        );
      }
      for (const candle of part.candles) {
        if (previous && candle.openTime - previous.openTime > 60_000) {
          gaps.push({
            symbol,
            after: previous.openTime,
            resumes: candle.openTime,
            missingMinutes: (candle.openTime - previous.openTime) / 60_000 - 1,
          });
        }
        candles.push(candle);
        previous = { file: part.file, openTime: candle.openTime };
      }
    }
    if (candles.length === 0) continue;
    result.push({ symbol, files: parts.map((part) => part.file), candles, gaps });
  }
  if (result.length === 0)
    throw new KlineDataError(paths.join(', '), undefined, 'no candles in the chosen period');
  return result;
}

/** The 1-based line of the n-th candle: after a header row, if the file has one. */
function lineNumbers(text: string): (index: number) => number {
  const firstCell = text.slice(0, text.indexOf(','));
  const header = !/^\d+$/.test(firstCell.trim());
  return (index) => index + 1 + (header ? 1 : 0);
}

/** `2024-01-01`, `2024-01` or an ISO time as epoch ms (UTC); undefined when absent. */
export function parseDateOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = /^\d{4}-\d{2}$/.test(value) ? `${value}-01` : value;
  const time = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(time))
    throw new RangeError(`--${name} ${value}: not a date (use 2024-01-01 or 2024-01)`);
  return time;
}
