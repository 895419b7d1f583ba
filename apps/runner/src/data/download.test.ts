import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing';
import { ChecksumError, downloadArchives } from './download';
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

function publish(
  files: Map<string, Buffer>,
  symbol: string,
  month: string,
  options: { badChecksum?: boolean } = {},
) {
  const name = `${symbol}-1m-${month}`;
  const [year, monthNumber] = month.split('-').map(Number);
  const zip = zipSingle(
    `${name}.csv`,
    Buffer.from(
      sampleCsv({
        symbol,
        start: Date.UTC(year ?? 2024, (monthNumber ?? 1) - 1, 1),
        minutes: 300,
        startPrice: 42_000,
        tickSize: '0.1',
      }),
    ),
  );
  const path = `/data/futures/um/monthly/klines/${symbol}/1m/${name}.zip`;
  files.set(path, zip);
  const hash = createHash('sha256')
    .update(options.badChecksum ? Buffer.from('other') : zip)
    .digest('hex');
  files.set(`${path}.CHECKSUM`, Buffer.from(`${hash}  ${name}.zip\n`));
  return zip;
}

describe('bot data download', () => {
  it('fetches each month with its checksum verified, skips what is already here, and the archives read', async () => {
    const files = new Map<string, Buffer>();
    publish(files, 'BTCUSDC', '2024-01');
    publish(files, 'BTCUSDC', '2024-02');
    const server = await archiveServer(files);
    const dir = tempDir();
    const lines: string[] = [];
    const options = {
      symbols: ['BTCUSDC'],
      interval: '1m',
      from: '2024-01',
      to: '2024-03',
      dir,
      baseUrl: server.url,
      onProgress: (line: string) => void lines.push(line),
    };
    const first = await downloadArchives(options);
    expect(first.downloaded).toHaveLength(2);
    expect(first.missing).toEqual(['BTCUSDC-1m-2024-03.zip']);
    expect(lines.join('\n')).toMatch(/\[1\/3\] BTCUSDC-1m-2024-01\.zip: .* checksum verified/);
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
