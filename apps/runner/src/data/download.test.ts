import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing';
import { ChecksumError, DownloadError, downloadArchives, periodsBetween, progressReporter } from './download';
import { readAllKlines } from '../testing';
import { sampleCsv, zipSingle } from './sample-archive';

/** A server shaped like data.binance.vision: archives and their .CHECKSUM, Range requests answered with 206. */
async function archiveServer(files: Map<string, Buffer>) {
  const requests: { url: string; range: string | undefined }[] = [];
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push({ url, range: request.headers.range });
    const body = files.get(url);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      response
        .writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` })
        .end(body.subarray(start));
      return;
    }
    response.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Publishes a monthly (`2024-01`) or daily (`2024-01-02`) archive of 300 1m candles with its .CHECKSUM. */
function publish(
  files: Map<string, Buffer>,
  symbol: string,
  period: string,
  options: { badChecksum?: boolean } = {},
) {
  const name = `${symbol}-1m-${period}`;
  const [year, monthNumber, day] = period.split('-').map(Number);
  const zip = zipSingle(
    `${name}.csv`,
    Buffer.from(
      sampleCsv({
        symbol,
        start: Date.UTC(year ?? 2024, (monthNumber ?? 1) - 1, day ?? 1),
        minutes: 300,
        startPrice: 42_000,
        tickSize: '0.1',
      }),
    ),
  );
  const kind = day === undefined ? 'monthly' : 'daily';
  const path = `/data/futures/um/${kind}/klines/${symbol}/1m/${name}.zip`;
  files.set(path, zip);
  const hash = createHash('sha256')
    .update(options.badChecksum ? Buffer.from('other') : zip)
    .digest('hex');
  files.set(`${path}.CHECKSUM`, Buffer.from(`${hash}  ${name}.zip\n`));
  return zip;
}

/** A stream that is (or is not) a terminal, keeping what is written to it. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => void written.push(text) };
}

describe('bot data download', () => {
  it('fetches each month with its checksum verified, skips what is already here, and the archives read', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'BTCUSDC', '2024-01');
    publish(files, 'BTCUSDC', '2024-02');
    const server = await archiveServer(files);
    const dir = tempDir();
    const stderr = terminal(false);
    const options = {
      symbols: ['BTCUSDC'],
      interval: '1m',
      from: '2024-01',
      to: '2024-03',
      dir,
      baseUrl: server.url,
      reporter: progressReporter(stderr),
    };
    const first = await downloadArchives(options);
    expect(first.downloaded).toHaveLength(2);
    expect(first.missing).toEqual(['BTCUSDC-1m-2024-03.zip']);
    // Not a terminal: a line per archive, no bar.
    expect(stderr.written).toEqual([
      expect.stringMatching(/^\[1\/3\] BTCUSDC-1m-2024-01\.zip: .* checksum verified\n$/),
      expect.stringMatching(/^\[2\/3\] BTCUSDC-1m-2024-02\.zip: .* checksum verified\n$/),
      '[3/3] BTCUSDC-1m-2024-03.zip: not published (404), skipped\n',
    ]);
    const [data] = await readAllKlines([dir], { tickOf: () => '0.1' });
    expect(data?.candles).toHaveLength(600);

    server.requests.length = 0;
    const again = await downloadArchives(options);
    expect(again.skipped).toHaveLength(2);
    expect(server.requests.filter((request) => request.url.endsWith('.zip'))).toEqual([]);
  });

  it('resumes a partial download with a Range request', async () => {
    const files = new Map<string, Buffer>();
    const zip = publish(files, 'ETHUSDC', '2024-01');
    const server = await archiveServer(files);
    const dir = tempDir();
    writeFileSync(join(dir, 'ETHUSDC-1m-2024-01.zip.part'), zip.subarray(0, 1000));
    const report = await downloadArchives({
      symbols: ['ETHUSDC'],
      interval: '1m',
      from: '2024-01',
      to: '2024-01',
      dir,
      baseUrl: server.url,
    });
    expect(report.downloaded).toHaveLength(1);
    expect(server.requests.find((request) => request.url.endsWith('.zip'))?.range).toBe('bytes=1000-');
    expect(readFileSync(join(dir, 'ETHUSDC-1m-2024-01.zip')).equals(zip)).toBe(true);
  });

  it('refuses an archive whose checksum does not match, keeping nothing', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'BTCUSDC', '2024-01', { badChecksum: true });
    const server = await archiveServer(files);
    const dir = tempDir();
    const download = downloadArchives({
      symbols: ['BTCUSDC'],
      interval: '1m',
      from: '2024-01',
      to: '2024-01',
      dir,
      baseUrl: server.url,
    });
    await expect(download).rejects.toThrow(ChecksumError);
    await expect(download).rejects.toThrow(/BTCUSDC-1m-2024-01\.zip: bad checksum/);
    expect(existsSync(join(dir, 'BTCUSDC-1m-2024-01.zip'))).toBe(false);
    expect(existsSync(join(dir, 'BTCUSDC-1m-2024-01.zip.part'))).toBe(false);
  });
});

describe('bot data download: daily archives', () => {
  it('fetches every day of a YYYY-MM-DD range from the daily tree, verified, resumable, and they read', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'BTCUSDC', '2024-01-01');
    const second = publish(files, 'BTCUSDC', '2024-01-02');
    const server = await archiveServer(files);
    const dir = tempDir();
    writeFileSync(join(dir, 'BTCUSDC-1m-2024-01-02.zip.part'), second.subarray(0, 500));
    const options = {
      symbols: ['BTCUSDC'],
      interval: '1m',
      from: '2024-01-01',
      to: '2024-01-03',
      dir,
      baseUrl: server.url,
    };
    const report = await downloadArchives(options);
    expect(report.downloaded.map((path) => path.slice(dir.length + 1))).toEqual([
      'BTCUSDC-1m-2024-01-01.zip',
      'BTCUSDC-1m-2024-01-02.zip',
    ]);
    expect(report.missing).toEqual(['BTCUSDC-1m-2024-01-03.zip']);
    expect(server.requests.map((request) => request.url)).toContain(
      '/data/futures/um/daily/klines/BTCUSDC/1m/BTCUSDC-1m-2024-01-03.zip.CHECKSUM',
    );
    expect(server.requests.find((request) => request.url.endsWith('BTCUSDC-1m-2024-01-02.zip'))?.range).toBe(
      'bytes=500-',
    );
    expect(readFileSync(join(dir, 'BTCUSDC-1m-2024-01-02.zip')).equals(second)).toBe(true);
    const [data] = await readAllKlines([dir], { tickOf: () => '0.1' });
    expect(data?.candles).toHaveLength(600);

    server.requests.length = 0;
    expect((await downloadArchives(options)).skipped).toHaveLength(2);
    expect(server.requests.filter((request) => request.url.endsWith('.zip'))).toEqual([]);
  });

  it('refuses a daily archive whose checksum does not match, keeping nothing', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'ETHUSDC', '2024-03-05', { badChecksum: true });
    const server = await archiveServer(files);
    const dir = tempDir();
    const download = downloadArchives({
      symbols: ['ETHUSDC'],
      interval: '1m',
      from: '2024-03-05',
      to: '2024-03-05',
      dir,
      baseUrl: server.url,
    });
    await expect(download).rejects.toThrow(/ETHUSDC-1m-2024-03-05\.zip: bad checksum/);
    expect(existsSync(join(dir, 'ETHUSDC-1m-2024-03-05.zip'))).toBe(false);
    expect(existsSync(join(dir, 'ETHUSDC-1m-2024-03-05.zip.part'))).toBe(false);
  });

  it('takes months or days, not a mix, and real dates only', () => {
    expect(periodsBetween('2024-02-28', '2024-03-01')).toEqual({
      kind: 'daily',
      periods: ['2024-02-28', '2024-02-29', '2024-03-01'],
    });
    expect(periodsBetween('2023-12', '2024-01')).toEqual({
      kind: 'monthly',
      periods: ['2023-12', '2024-01'],
    });
    expect(() => periodsBetween('2024-01', '2024-01-31')).toThrow(
      /give two months \(YYYY-MM: monthly archives\) or two days \(YYYY-MM-DD: daily archives\)/,
    );
    expect(() => periodsBetween('2024-02-30', '2024-03-01')).toThrow(DownloadError);
    expect(() => periodsBetween('2024-02-30', '2024-03-01')).toThrow(/--from 2024-02-30: use YYYY-MM-DD/);
    expect(() => periodsBetween('2024-03-02', '2024-03-01')).toThrow(/--from 2024-03-02 is after --to/);
  });
});

describe('bot data download: progress on a terminal', () => {
  it('draws a bar in place with the share done and the time left, the archive lines above it', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'BTCUSDC', '2024-01');
    publish(files, 'BTCUSDC', '2024-02');
    const server = await archiveServer(files);
    const stderr = terminal(true);
    await downloadArchives({
      symbols: ['BTCUSDC'],
      interval: '1m',
      from: '2024-01',
      to: '2024-02',
      dir: tempDir(),
      baseUrl: server.url,
      reporter: progressReporter(stderr),
    });
    // Every write starts at the line's beginning and clears it: the bar is redrawn in place.
    const frames = stderr.written.join('').split('\r\x1b[K');
    expect(frames[0]).toBe('');
    expect(frames).toContainEqual(
      expect.stringMatching(/^\[1\/2\] BTCUSDC-1m-2024-01\.zip: .* checksum verified\n$/),
    );
    expect(frames).toContainEqual(
      expect.stringMatching(/^█{12}·{12} 50 % {2}\[1\/2\] BTCUSDC-1m-2024-01\.zip [\d.]+ MB {2}.* left$/),
    );
    expect(frames.at(-1)).toMatch(/^█{24} 100 % {2}\[2\/2\] BTCUSDC-1m-2024-02\.zip [\d.]+ MB {2}.* left\n$/);
  });

  it('estimates the time left from the archives fetched, not those found already here', () => {
    let now = 0;
    const stderr = terminal(true);
    const reporter = progressReporter(stderr, () => now);
    const archive = (index: number, received: number) => ({
      index,
      total: 4,
      name: `BTCUSDC-1m-2024-0${index}.zip`,
      received,
      size: 1000,
    });
    // The first archive was already here: it counts as done, not as speed.
    reporter.done(archive(1, 1000), '[1/4] BTCUSDC-1m-2024-01.zip: already here, verified', false);
    now = 5_000;
    reporter.bytes(archive(2, 100));
    now = 15_000;
    reporter.bytes(archive(2, 500));
    // Half an archive in 10 s: 20 s an archive, 2.5 archives to go.
    expect(stderr.written.at(-1)).toBe(
      `\r\x1b[K${'█'.repeat(9)}${'·'.repeat(15)} 38 %  [2/4] BTCUSDC-1m-2024-02.zip 0.0 MB  50 s left`,
    );
  });
});
