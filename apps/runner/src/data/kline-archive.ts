/**
 * Binance's public kline archives (data.binance.vision, USDⓈ-M futures): `BTCUSDC-1m-2024-01.zip` (monthly)
 * or `BTCUSDC-1m-2024-01-15.zip` (daily), a zip holding one CSV, or that CSV itself; with the futures
 * archives' header row or without it; times in ms or µs. Read as streams, a row at a time (never a whole
 * file or history in memory), checked: rows in order without overlap (across files too), prices on the
 * instrument's tick grid, and the gaps listed. Every error names the file and the row.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { KlineCsvReader } from '@bot/sim';
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

/** The whole CSV text of an archive (the bench's floor of bare parsing; the backtest streams instead). */
export async function archiveText(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await archiveBytes(file)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
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

/** One symbol's archives as a first streamed pass found them: checked, in time order, never held in memory. */
export interface SymbolScan {
  readonly symbol: string;
  /** Its archive files, in time order. */
  readonly files: readonly string[];
  /** Candles in the chosen period, and the open times of the first and the last. */
  readonly count: number;
  readonly firstOpen: number;
  readonly lastOpen: number;
  /** Close of the first candle (the price the backtest's book is built around). */
  readonly firstClose: string;
  readonly gaps: readonly Gap[];
  /** The finest grid the volumes need (`0.001`), as the emulator's replay rounds trade sizes to. */
  readonly volumeStep: string;
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

/** The bytes of an archive's CSV as they are read: the one entry of a zip inflated on the way, or the file. */
async function archiveBytes(file: string): Promise<AsyncIterable<Buffer>> {
  const handle = await open(file, 'r');
  let zipEntry: { start: number; size: number; method: number } | undefined;
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (size >= 4 && head.readUInt32LE(0) === 0x04034b50) {
      // The end of the central directory is in the last 64 KiB; it points at the entry's local header.
      const tailLength = Math.min(size, 65_557);
      const tail = Buffer.alloc(tailLength);
      await handle.read(tail, 0, tailLength, size - tailLength);
      const headers = async (position: number, length: number) => {
        const bytes = Buffer.alloc(length);
        const { bytesRead } = await handle.read(bytes, 0, length, position);
        return bytes.subarray(0, bytesRead);
      };
      zipEntry = await locateZipEntry(file, tail, headers);
    }
  } finally {
    await handle.close();
  }
  if (zipEntry === undefined) return checkedText(file, createReadStream(file));
  if (zipEntry.size === 0) return Readable.from([]);
  const raw = createReadStream(file, { start: zipEntry.start, end: zipEntry.start + zipEntry.size - 1 });
  if (zipEntry.method === 0) return raw;
  // Chunks of 64 KiB (zlib's default is 16): a quarter of the trips to libuv's threads and back per file.
  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  const inflated = pipeline(raw, inflate).then(
    () => undefined,
    (error: unknown) => error,
  );
  return (async function* () {
    try {
      for await (const chunk of inflate) yield chunk as Buffer;
    } catch (error) {
      throw new KlineDataError(
        file,
        undefined,
        `not a kline archive: the zip does not inflate (${(error as Error).message})`,
      );
    }
    const failure = await inflated;
    if (failure !== undefined)
      throw new KlineDataError(file, undefined, `not a kline archive: ${(failure as Error).message}`);
  })();
}

/** A plain file's bytes, refused at the first NUL: binary content that is not a zip is no CSV. */
async function* checkedText(file: string, bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of bytes) {
    if (chunk.includes(0))
      throw new KlineDataError(file, undefined, 'not a kline archive: binary content that is not a zip');
    yield chunk;
  }
}

async function locateZipEntry(
  file: string,
  tail: Buffer,
  read: (position: number, length: number) => Promise<Buffer>,
): Promise<{ start: number; size: number; method: number }> {
  let end = -1;
  for (let index = tail.length - 22; index >= 0; index -= 1) {
    if (tail.readUInt32LE(index) === 0x06054b50) {
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
  const entries = tail.readUInt16LE(end + 10);
  if (entries !== 1)
    throw new KlineDataError(
      file,
      undefined,
      `not a kline archive: the zip holds ${entries} files, Binance's hold one CSV`,
    );
  const centralOffset = tail.readUInt32LE(end + 16);
  const central = await read(centralOffset, 46);
  if (central.length < 46 || central.readUInt32LE(0) !== 0x02014b50)
    throw new KlineDataError(file, undefined, 'not a kline archive: a damaged zip');
  const method = central.readUInt16LE(10);
  const size = central.readUInt32LE(20);
  const localOffset = central.readUInt32LE(42);
  const local = await read(localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50)
    throw new KlineDataError(file, undefined, 'not a kline archive: a damaged zip');
  if (method !== 0 && method !== 8)
    throw new KlineDataError(file, undefined, `not a kline archive: zip compression method ${method}`);
  return { start: localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28), size, method };
}

/**
 * The lines of a byte stream, without their line breaks, a chunk's worth at a time: one turn of an async
 * iterator per line was a large part of reading an archive.
 */
async function* linesOf(bytes: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of bytes) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest !== '') yield [rest];
}

/**
 * One archive's candles in [from, to), each row checked (a kline row, on the tick grid), in chunks as the
 * file is read (one turn of an async iterator per candle was a large part of reading an archive); with the
 * line the chunk's first candle came from.
 */
async function* archiveCandles(
  file: string,
  symbol: string,
  options: ReadKlinesOptions,
): AsyncGenerator<{ readonly candles: Candle[]; readonly firstLine: number }> {
  const tickText = options.tickOf(symbol, file);
  const tick = Number(tickText);
  const reader = new KlineCsvReader();
  const rowError = (error: unknown): never => {
    if (error instanceof KlineDataError) throw error;
    const line = (error as { line?: number }).line;
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    throw new KlineDataError(file, line, `not a kline archive row: ${reason}`);
  };
  const offGrid = (price: string): never => {
    throw new KlineDataError(
      file,
      reader.line,
      `price ${price} is off ${symbol}'s tick grid ${tickText} (a spot archive given as futures, or another contract's file?)`,
    );
  };
  for await (const lines of linesOf(await archiveBytes(file))) {
    const candles: Candle[] = [];
    let firstLine = 0;
    for (const text of lines) {
      let candle: Candle | undefined;
      try {
        candle = reader.row(text);
      } catch (error) {
        rowError(error);
      }
      if (candle === undefined) continue;
      if (!onTickGrid(candle.open, tick)) offGrid(candle.open);
      if (!onTickGrid(candle.high, tick)) offGrid(candle.high);
      if (!onTickGrid(candle.low, tick)) offGrid(candle.low);
      if (!onTickGrid(candle.close, tick)) offGrid(candle.close);
      if (options.from !== undefined && candle.openTime < options.from) continue;
      if (options.to !== undefined && candle.openTime >= options.to) continue;
      if (candles.push(candle) === 1) firstLine = reader.line;
    }
    if (candles.length > 0) yield { candles, firstLine };
  }
  try {
    reader.end();
  } catch (error) {
    rowError(error);
  }
}

/** Significant decimals of a plain decimal (`1.2300` → 2); a loop, not a regular expression: once per row. */
function fractionDigits(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end -= 1; // trailing '0'
  return end - dot - 1;
}

/** The finest grid `volumes` need (`0.001`), as the emulator's replay infers it for an array of candles. */
export function volumeStepOf(volumes: Iterable<string>, digits = 0): string {
  let finest = digits;
  for (const volume of volumes) finest = Math.max(finest, fractionDigits(volume));
  return finest === 0 ? '1' : `0.${'0'.repeat(finest - 1)}1`;
}

/**
 * The first pass over the archives among `paths`: every row read as a stream and checked (see the module
 * comment), nothing kept but each symbol's files in time order, its counts, first price, volume grid and
 * gaps. So bad input is refused before anything trades, and memory does not grow with the history.
 */
export async function scanKlines(
  paths: readonly string[],
  options: ReadKlinesOptions,
): Promise<SymbolScan[]> {
  const files = listArchives(paths);
  if (files.length === 0) throw new KlineDataError(paths.join(', '), undefined, 'no kline archives found');
  interface Part {
    file: string;
    first: { openTime: number; line: number; close: string } | undefined;
    lastOpen: number;
    count: number;
    gaps: Gap[];
    volumeDigits: number;
  }
  const bySymbol = new Map<string, Part[]>();
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
    const part: Part = { file, first: undefined, lastOpen: 0, count: 0, gaps: [], volumeDigits: 0 };
    for await (const { candles, firstLine } of archiveCandles(file, name.symbol, options)) {
      for (const candle of candles) {
        if (part.first === undefined)
          part.first = { openTime: candle.openTime, line: firstLine, close: candle.close };
        else if (candle.openTime - part.lastOpen > 60_000)
          part.gaps.push(gapOf(name.symbol, part.lastOpen, candle.openTime));
        part.lastOpen = candle.openTime;
        part.count += 1;
        part.volumeDigits = Math.max(part.volumeDigits, fractionDigits(candle.volume));
      }
    }
    const list = bySymbol.get(name.symbol) ?? [];
    list.push(part);
    bySymbol.set(name.symbol, list);
  }
  for (const symbol of options.symbols ?? []) {
    if (!bySymbol.has(symbol))
      throw new KlineDataError(paths.join(', '), undefined, `no archive of ${symbol} among the data given`);
  }
  const result: SymbolScan[] = [];
  for (const [symbol, parts] of bySymbol) {
    const kept = parts
      .filter((part) => part.first !== undefined)
      .sort((a, b) => (a.first?.openTime ?? 0) - (b.first?.openTime ?? 0));
    const gaps: Gap[] = [];
    let previous: Part | undefined;
    for (const part of kept) {
      const first = part.first as NonNullable<Part['first']>;
      if (previous) {
        if (first.openTime <= previous.lastOpen) {
          throw new KlineDataError(
            part.file,
            first.line,
            `open time ${new Date(first.openTime).toISOString()} overlaps ${previous.file}, which runs to ${new Date(previous.lastOpen).toISOString()}`,
          );
        }
        if (first.openTime - previous.lastOpen > 60_000)
          gaps.push(gapOf(symbol, previous.lastOpen, first.openTime));
      }
      gaps.push(...part.gaps);
      previous = part;
    }
    const head = kept[0]?.first;
    if (head === undefined || previous === undefined) continue;
    result.push({
      symbol,
      files: kept.map((part) => part.file),
      count: kept.reduce((sum, part) => sum + part.count, 0),
      firstOpen: head.openTime,
      lastOpen: previous.lastOpen,
      firstClose: head.close,
      gaps,
      volumeStep: volumeStepOf([], Math.max(...kept.map((part) => part.volumeDigits))),
    });
  }
  if (result.length === 0)
    throw new KlineDataError(paths.join(', '), undefined, 'no candles in the chosen period');
  return result;
}

function gapOf(symbol: string, after: number, resumes: number): Gap {
  return { symbol, after, resumes, missingMinutes: (resumes - after) / 60_000 - 1 };
}

/** A scanned symbol's candles in [from, to), read again, in time order: in chunks, as the files are read. */
export async function* streamKlines(
  scan: SymbolScan,
  options: ReadKlinesOptions,
): AsyncGenerator<readonly Candle[]> {
  for (const file of scan.files) {
    for await (const { candles } of archiveCandles(file, scan.symbol, options)) yield candles;
  }
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
