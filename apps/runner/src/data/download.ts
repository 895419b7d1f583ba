/**
 * `bot data download`: Binance's public USDⓈ-M kline archives (data.binance.vision layout,
 * `/data/futures/um/monthly/klines/<SYMBOL>/<interval>/<SYMBOL>-<interval>-<YYYY-MM>.zip` and its
 * `.zip.CHECKSUM`), each verified against its published SHA-256 before it takes its final name. Resumable:
 * an archive already there and verified is skipped, a partial download (`.part`) continues with a Range
 * request. A month not published (404) is reported and skipped.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_BASE_URL = 'https://data.binance.vision';

export class DownloadError extends Error {
  override readonly name: string = 'DownloadError';
}

export class ChecksumError extends DownloadError {
  override readonly name = 'ChecksumError';
}

export interface DownloadOptions {
  readonly symbols: readonly string[];
  readonly interval: string;
  /** `YYYY-MM`, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly dir: string;
  readonly baseUrl?: string;
  readonly onProgress?: (line: string) => void;
}

export interface DownloadReport {
  readonly downloaded: string[];
  readonly skipped: string[];
  readonly missing: string[];
}

/** Every month from `from` to `to` (`YYYY-MM`), inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const parse = (text: string, name: string) => {
    const match = /^(\d{4})-(\d{2})$/.exec(text);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12)
      throw new DownloadError(`--${name} ${text}: use YYYY-MM, e.g. 2024-01`);
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

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The hash in a `.CHECKSUM` file: `<sha256>  <file name>`. */
function publishedHash(text: string, url: string): string {
  const hash = /^([0-9a-f]{64})\b/i.exec(text.trim())?.[1];
  if (!hash) throw new DownloadError(`${url}: not a checksum file`);
  return hash.toLowerCase();
}

export async function downloadArchives(options: DownloadOptions): Promise<DownloadReport> {
  const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, '');
  const months = monthsBetween(options.from, options.to);
  mkdirSync(options.dir, { recursive: true });
  const report: DownloadReport = { downloaded: [], skipped: [], missing: [] };
  const total = options.symbols.length * months.length;
  let done = 0;
  for (const symbol of options.symbols) {
    for (const month of months) {
      done += 1;
      const name = `${symbol}-${options.interval}-${month}.zip`;
      const url = `${base}/data/futures/um/monthly/klines/${symbol}/${options.interval}/${name}`;
      const path = join(options.dir, name);
      const checksumPath = `${path}.CHECKSUM`;
      if (
        existsSync(path) &&
        existsSync(checksumPath) &&
        sha256(path) === publishedHash(readFileSync(checksumPath, 'utf8'), checksumPath)
      ) {
        report.skipped.push(path);
        options.onProgress?.(`[${done}/${total}] ${name}: already here, verified`);
        continue;
      }
      const checksumResponse = await fetch(`${url}.CHECKSUM`);
      if (checksumResponse.status === 404) {
        report.missing.push(name);
        options.onProgress?.(`[${done}/${total}] ${name}: not published (404), skipped`);
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
        options.onProgress?.(`[${done}/${total}] ${name}: not published (404), skipped`);
        continue;
      }
      if (!response.ok) throw new DownloadError(`${url}: HTTP ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status === 206) appendFileSync(part, body);
      else writeFileSync(part, body);
      const actual = sha256(part);
      if (actual !== expected) {
        rmSync(part, { force: true });
        throw new ChecksumError(
          `${name}: bad checksum: the archive's SHA-256 is ${actual}, its .CHECKSUM says ${expected}; nothing kept (run again to download it anew)`,
        );
      }
      renameSync(part, path);
      writeFileSync(checksumPath, checksumText);
      report.downloaded.push(path);
      options.onProgress?.(
        `[${done}/${total}] ${name}: ${(statSync(path).size / 2 ** 20).toFixed(1)} MB${response.status === 206 ? ` (resumed at ${have} bytes)` : ''}, checksum verified`,
      );
    }
  }
  return report;
}
