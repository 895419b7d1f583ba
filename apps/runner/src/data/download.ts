/**
 * `bot data download`: Binance's public USDⓈ-M kline archives (data.binance.vision layout), monthly
 * (`/data/futures/um/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip`) or daily
 * (`/data/futures/um/daily/klines/…/<SYMBOL>-<interval>-<YYYY-MM-DD>.zip`) as `--from`/`--to` are months or
 * days, each with its `.zip.CHECKSUM` and verified against that SHA-256 before it takes its final name.
 * Resumable: an archive already there and verified is skipped; the body is streamed to a `.part` file, so an
 * interrupted download continues with a Range request. An archive not published (404) is reported and skipped.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { barCells, formatDuration } from '../progress-bar';

export const DEFAULT_BASE_URL = 'https://data.binance.vision';

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
}

export class ChecksumError extends DownloadError {
  override readonly name = 'ChecksumError';
}

/** Where one archive is in the download, and how much of it has arrived. */
export interface ArchiveProgress {
  /** 1-based place among all archives. */
  readonly index: number;
  readonly total: number;
  readonly name: string;
  /** Bytes of this archive on disk so far (a resumed part included). */
  readonly received: number;
  /** The whole archive's size, when the server said. */
  readonly size: number | undefined;
}

/** What the download tells as it goes (see `progressReporter`). */
export interface DownloadReporter {
  /** Bytes arrived for the archive being fetched. */
  bytes(progress: ArchiveProgress): void;
  /** An archive is done: fetched, already here, or not published; `line` says which. */
  done(progress: ArchiveProgress, line: string, fetched: boolean): void;
}

export interface DownloadOptions {
  readonly symbols: readonly string[];
  readonly interval: string;
  /** `YYYY-MM` for monthly archives or `YYYY-MM-DD` for daily ones, inclusive; both the same form. */
  readonly from: string;
  readonly to: string;
  readonly dir: string;
  readonly baseUrl?: string;
  readonly reporter?: DownloadReporter;
}

export interface DownloadReport {
  readonly downloaded: string[];
  readonly skipped: string[];
  readonly missing: string[];
}

/** The archives' periods from `from` to `to`, inclusive: months (`YYYY-MM`) or days (`YYYY-MM-DD`). */
export function periodsBetween(from: string, to: string): { kind: 'monthly' | 'daily'; periods: string[] } {
  const day = (text: string, name: string) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
    if (!match || new Date(time).toISOString().slice(0, 10) !== text)
      throw new DownloadError(`--${name} ${text}: use YYYY-MM-DD, e.g. 2024-01-31`);
    return time;
  };
  const daily = [from, to].map((text) => /^\d{4}-\d{2}-\d{2}$/.test(text));
  if (daily[0] !== daily[1]) {
    throw new DownloadError(
      `--from ${from} --to ${to}: give two months (YYYY-MM: monthly archives) or two days (YYYY-MM-DD: daily archives)`,
    );
  }
  if (!daily[0]) return { kind: 'monthly', periods: monthsBetween(from, to) };
  const first = day(from, 'from');
  const last = day(to, 'to');
  if (first > last) throw new DownloadError(`--from ${from} is after --to ${to}`);
  const periods: string[] = [];
  for (let time = first; time <= last; time += 86_400_000)
    periods.push(new Date(time).toISOString().slice(0, 10));
  return { kind: 'daily', periods };
}

/** Every month from `from` to `to` (`YYYY-MM`), inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const parse = (text: string, name: string) => {
    const match = /^(\d{4})-(\d{2})$/.exec(text);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12)
      throw new DownloadError(
        `--${name} ${text}: use YYYY-MM, e.g. 2024-01 (or YYYY-MM-DD for daily archives)`,
      );
    return Number(match[1]) * 12 + Number(match[2]) - 1;
  };
  const first = parse(from, 'from');
  const last = parse(to, 'to');
  if (first > last) throw new DownloadError(`--from ${from} is after --to ${to}`);
  const months: string[] = [];
  for (let month = first; month <= last; month += 1) {
    months.push(`${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

/** Read in chunks: a month of 1m candles is a few MB, a month of 1s much more. */
async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The hash in a `.CHECKSUM` file: `<sha256>  <file name>`. */
function publishedHash(text: string, url: string): string {
  const hash = /^([0-9a-f]{64})\b/i.exec(text.trim())?.[1];
  if (!hash) throw new DownloadError(`${url}: not a checksum file`);
  return hash.toLowerCase();
}

export async function downloadArchives(options: DownloadOptions): Promise<DownloadReport> {
  const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, '');
  const { kind, periods } = periodsBetween(options.from, options.to);
  mkdirSync(options.dir, { recursive: true });
  const report: DownloadReport = { downloaded: [], skipped: [], missing: [] };
  const total = options.symbols.length * periods.length;
  const reporter = options.reporter;
  let index = 0;
  for (const symbol of options.symbols) {
    for (const period of periods) {
      index += 1;
      const name = `${symbol}-${options.interval}-${period}.zip`;
      const url = `${base}/data/futures/um/${kind}/klines/${symbol}/${options.interval}/${name}`;
      const path = join(options.dir, name);
      const checksumPath = `${path}.CHECKSUM`;
      const at = (received: number, size: number | undefined): ArchiveProgress => ({
        index,
        total,
        name,
        received,
        size,
      });
      const tell = (line: string, fetched: boolean, size?: number) =>
        reporter?.done(at(size ?? 0, size), `[${index}/${total}] ${name}: ${line}`, fetched);
      if (
        existsSync(path) &&
        existsSync(checksumPath) &&
        (await sha256(path)) === publishedHash(readFileSync(checksumPath, 'utf8'), checksumPath)
      ) {
        report.skipped.push(path);
        tell('already here, verified', false);
        continue;
      }
      const checksumResponse = await fetch(`${url}.CHECKSUM`);
      if (checksumResponse.status === 404) {
        report.missing.push(name);
        tell('not published (404), skipped', false);
        continue;
      }
      if (!checksumResponse.ok) throw new DownloadError(`${url}.CHECKSUM: HTTP ${checksumResponse.status}`);
      const checksumText = await checksumResponse.text();
      const expected = publishedHash(checksumText, `${url}.CHECKSUM`);
      const part = `${path}.part`;
      const have = existsSync(part) ? statSync(part).size : 0;
      const response = await fetch(url, have > 0 ? { headers: { range: `bytes=${have}-` } } : {});
      if (response.status === 404) {
        report.missing.push(name);
        tell('not published (404), skipped', false);
        continue;
      }
      // 416: the part is already whole (stopped between its last byte and the rename); it is verified below.
      const whole = response.status === 416 && have > 0;
      if (!whole && (!response.ok || !response.body))
        throw new DownloadError(`${url}: HTTP ${response.status}`);
      const resumed = response.status === 206 || whole;
      // A server that ignores the Range answers 200 with the whole archive: the part starts over.
      let received = resumed ? have : 0;
      if (whole) await response.body?.cancel();
      else {
        const length = Number(response.headers.get('content-length') ?? Number.NaN);
        const size = Number.isFinite(length) ? received + length : undefined;
        await pipeline(
          Readable.fromWeb(response.body as ReadableStream<Uint8Array>),
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const chunk of chunks) {
              received += chunk.length;
              reporter?.bytes(at(received, size));
              yield chunk;
            }
          },
          createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
        );
      }
      const actual = await sha256(part);
      if (actual !== expected) {
        rmSync(part, { force: true });
        throw new ChecksumError(
          `${name}: bad checksum: the archive's SHA-256 is ${actual}, its .CHECKSUM says ${expected}; nothing kept (run again to download it anew)`,
        );
      }
      renameSync(part, path);
      writeFileSync(checksumPath, checksumText);
      report.downloaded.push(path);
      tell(
        `${(received / 2 ** 20).toFixed(1)} MB${resumed ? ` (resumed at ${have} bytes)` : ''}, checksum verified`,
        true,
        received,
      );
    }
  }
  return report;
}

/**
 * The download's progress on `stream` (stderr): a line per archive when it is not a terminal; on a terminal
 * the same lines scroll above a bar redrawn in place — share done, the archive, its megabytes and the time
 * left. Time left is measured on the archives fetched (bytes included), not those found already here, which
 * take no time and would make the estimate too short.
 */
export function progressReporter(
  stream: { readonly isTTY?: boolean; write(text: string): unknown },
  now: () => number = Date.now,
): DownloadReporter {
  if (!stream.isTTY) {
    return { bytes: () => undefined, done: (_progress, line) => void stream.write(`${line}\n`) };
  }
  let finished = 0;
  let fetchedWork = 0;
  let firstByte: number | undefined;
  let drawn = Number.NEGATIVE_INFINITY;
  const draw = (progress: ArchiveProgress, current: number) => {
    const done = Math.min(1, (finished + current) / progress.total);
    const work = fetchedWork + current;
    const elapsed = firstByte === undefined ? 0 : (now() - firstByte) / 1000;
    const left =
      work > 0 && elapsed > 0
        ? `${formatDuration((elapsed / work) * (progress.total - finished - current))} left`
        : '… left';
    const megabytes = (progress.received / 2 ** 20).toFixed(1);
    stream.write(
      `\r\x1b[K${barCells(done)} ${(100 * done).toFixed(0)} %  [${progress.index}/${progress.total}] ${progress.name} ${megabytes} MB  ${left}`,
    );
  };
  return {
    bytes(progress) {
      firstByte ??= now();
      const current = progress.size ? Math.min(1, progress.received / progress.size) : 0;
      if (now() - drawn < 100) return;
      drawn = now();
      draw(progress, current);
    },
    done(progress, line, fetched) {
      finished += 1;
      if (fetched) fetchedWork += 1;
      stream.write(`\r\x1b[K${line}\n`);
      draw(progress, 0);
      if (finished === progress.total) stream.write('\n');
    },
  };
}
