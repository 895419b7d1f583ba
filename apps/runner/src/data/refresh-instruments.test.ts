import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defaultContracts, startSim } from '@bot/sim';
import type { ListedContract, Sim } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledSnapshot, contractFor, readSnapshot, snapshotContracts } from '../backtest/instruments';
import { botProcess, simKeys, tempDir } from '../testing';
import { InstrumentsRefreshError, refreshInstruments, snapshotText } from './refresh-instruments';

const sims: Sim[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const sim of sims.splice(0)) await sim.close();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/**
 * The emulator listing its default contracts with BTCUSDC re-ticked (0.5, at most 20×, 1.25 % maintenance)
 * and WIFUSDC, a symbol the bundled snapshot does not know: its exchangeInfo and its signed leverageBracket
 * answer as Binance's do.
 */
async function exchange(): Promise<Sim> {
  const retick = (contract: ListedContract): ListedContract =>
    contract.instrument.symbol === 'BTCUSDC'
      ? {
          ...contract,
          instrument: {
            ...contract.instrument,
            tickSize: '0.5',
            minPrice: '0.5',
            maxLeverage: 20,
            maintenanceMarginRate: 0.0125,
          },
        }
      : contract;
  const ada = defaultContracts().find((contract) => contract.instrument.symbol === 'ADAUSDC');
  if (!ada) throw new Error('the emulator lists no ADAUSDC');
  const wif: ListedContract = {
    ...ada,
    instrument: { ...ada.instrument, symbol: 'WIFUSDC', baseAsset: 'WIF', maxLeverage: 25 },
  };
  const sim = await startSim({
    seed: 5,
    speed: 'manual',
    historyMinutes: 10,
    contracts: [...defaultContracts().map(retick), wif],
  });
  sims.push(sim);
  return sim;
}

/** A local server answering every path with `body` (a recorded-shape fixture, or something that is not one). */
async function serve(body: string, status = 200): Promise<string> {
  const server = createServer((_request, response) => response.writeHead(status).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A snapshot file as a user has it before the refresh (the bundled one), and its exact text. */
function oldSnapshot(dir: string): { path: string; text: string } {
  const path = join(dir, 'instruments.json');
  const text = snapshotText(bundledSnapshot());
  writeFileSync(path, text);
  return { path, text };
}

describe('bot data instruments', () => {
  it('refreshes the rules from exchangeInfo and the signed leverageBracket, and a backtest reads the file', async () => {
    const sim = await exchange();
    const dir = tempDir();
    const { path } = oldSnapshot(dir);
    const result = await botProcess(
      ['data', 'instruments', '--base-url', sim.url, '--out', path],
      simKeys(sim),
    );
    expect(result.code, result.output).toBe(0);
    const snapshot = readSnapshot(path);
    expect(snapshot.brackets).toBe(`${sim.url}/fapi/v1/leverageBracket`);
    expect(snapshot.contracts.find((row) => row.symbol === 'BTCUSDC')).toEqual({
      symbol: 'BTCUSDC',
      baseAsset: 'BTC',
      quoteAsset: 'USDC',
      marginAsset: 'USDC',
      tickSize: '0.5',
      stepSize: '0.001',
      minNotional: '5',
      maxLeverage: 20,
      maintMarginRatio: 0.0125,
    });
    expect(snapshot.contracts.find((row) => row.symbol === 'WIFUSDC')?.maxLeverage).toBe(25);
    // Contracts the exchange no longer lists keep their last rules (backtests of their history).
    expect(snapshot.contracts.find((row) => row.symbol === 'XRPUSDC')).toEqual(
      bundledSnapshot().contracts.find((row) => row.symbol === 'XRPUSDC'),
    );
    expect(result.output).toMatch(/kept from the snapshot before, not in exchangeInfo: .*XRPUSDC/);
    // The leverageBracket request was signed with the account's key, and accepted.
    expect(
      sim.requests.some((request) => request.path === '/fapi/v1/leverageBracket' && request.status === 200),
    ).toBe(true);
    expect(contractFor('BTCUSDC', snapshotContracts(snapshot)).instrument.tickSize).toBe('0.5');
  }, 60_000);

  it('without keys keeps the snapshot brackets and leaves out, by name, a symbol it has none for', async () => {
    const sim = await exchange();
    const previous = bundledSnapshot();
    const result = await refreshInstruments({ baseUrl: sim.url, previous });
    expect(result.bracketsFetched).toBe(false);
    expect(result.snapshot.brackets).toMatch(/kept from the snapshot before/);
    const btc = result.snapshot.contracts.find((row) => row.symbol === 'BTCUSDC');
    // The filters are the exchange's, the brackets the old snapshot's.
    expect(btc).toMatchObject({ tickSize: '0.5', maxLeverage: 125, maintMarginRatio: 0.004 });
    expect(result.leftOut).toEqual(['WIFUSDC']);
    expect(result.snapshot.contracts.some((row) => row.symbol === 'WIFUSDC')).toBe(false);
    expect(sim.requests.some((request) => request.path === '/fapi/v1/leverageBracket')).toBe(false);
  }, 60_000);

  it('takes only PERPETUAL contracts (a quarterly future in exchangeInfo is not a row)', async () => {
    const sim = await exchange();
    const info = (await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).json()) as {
      symbols: { symbol: string; contractType: string }[];
    };
    const quarterly = { ...info.symbols[0], symbol: 'BTCUSDC_261225', contractType: 'CURRENT_QUARTER' };
    const url = await serve(JSON.stringify({ ...info, symbols: [...info.symbols, quarterly] }));
    const result = await refreshInstruments({ baseUrl: url, previous: bundledSnapshot() });
    // Not a row, and not "left out" either: it is not a candidate at all.
    expect(result.snapshot.contracts.some((row) => row.symbol === 'BTCUSDC_261225')).toBe(false);
    expect(result.leftOut).toEqual(['WIFUSDC']);
    expect(result.snapshot.contracts.some((row) => row.symbol === 'BTCUSDC')).toBe(true);
  }, 60_000);

  describe('bad input: a clear error, and the old snapshot untouched', () => {
    const refusal = async (baseUrl: string) => {
      const error = await refreshInstruments({ baseUrl, previous: bundledSnapshot() }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InstrumentsRefreshError);
      return (error as Error).message;
    };

    it('an unreachable URL', async () => {
      const url = await serve('{}');
      await new Promise((resolve) => servers.pop()?.close(resolve));
      expect(await refusal(url)).toMatch(
        /GET http:\/\/127\.0\.0\.1:\d+\/fapi\/v1\/exchangeInfo: cannot reach it \(ECONNREFUSED\)/,
      );
    });

    it('an answer that is not JSON', async () => {
      expect(await refusal(await serve('<html>maintenance</html>'))).toMatch(
        /exchangeInfo: the answer is not JSON \(it starts "<html>maintenance<\/html>"\)/,
      );
    });

    it('a perpetual without one of its filters', async () => {
      const sim = await exchange();
      const info = (await (await fetch(`${sim.url}/fapi/v1/exchangeInfo`)).json()) as {
        symbols: { symbol: string; filters: { filterType: string }[] }[];
      };
      const symbols = info.symbols.map((entry) =>
        entry.symbol === 'ETHUSDC'
          ? { ...entry, filters: entry.filters.filter((filter) => filter.filterType !== 'MIN_NOTIONAL') }
          : entry,
      );
      expect(await refusal(await serve(JSON.stringify({ ...info, symbols })))).toMatch(
        /exchangeInfo: ETHUSDC has no MIN_NOTIONAL\.notional filter; nothing written/,
      );
    }, 60_000);

    it('through the command: exit 2, the message, the old file byte for byte, no temporary file left', async () => {
      const dir = tempDir();
      const { path, text } = oldSnapshot(dir);
      const url = await serve('<html>maintenance</html>');
      const result = await botProcess(['data', 'instruments', '--base-url', url, '--out', path]);
      expect(result.code).toBe(2);
      expect(result.output).toMatch(/^bot data instruments: GET .*exchangeInfo: the answer is not JSON/m);
      expect(result.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(readFileSync(path, 'utf8')).toBe(text);
      expect(readdirSync(dir)).toEqual(['instruments.json']);
    }, 60_000);
  });
});

describe('bot backtest --instruments', () => {
  it('uses the file given: data on the bundled BTCUSDC grid is off a refreshed 0.5 grid (exit 2)', async () => {
    const dir = tempDir();
    const rows = bundledSnapshot().contracts.map((row) =>
      row.symbol === 'BTCUSDC' ? { ...row, tickSize: '0.5' } : row,
    );
    const file = join(dir, 'instruments.json');
    writeFileSync(file, snapshotText({ ...bundledSnapshot(), contracts: rows }));
    const data = join(dir, 'BTCUSDC-1m-2024-01.csv');
    writeFileSync(data, '1704067200000,42000.1,42000.3,41999.9,42000.2,1,1704067259999,1,1,1,1,0\n');
    const refreshed = await botProcess(['backtest', '--data', data, '--instruments', file]);
    expect(refreshed.code).toBe(2);
    expect(refreshed.output).toMatch(/price [\d.]+ is off BTCUSDC's tick grid 0\.5/);
    writeFileSync(file, '{"contracts": [{"symbol": "BTCUSDC"}]}');
    const broken = await botProcess(['backtest', '--data', data, '--instruments', file]);
    expect(broken.code).toBe(2);
    expect(broken.output).toMatch(
      /bot backtest: --instruments .*instruments\.json: contracts\[0\] \(BTCUSDC\): baseAsset must be/,
    );
  }, 60_000);
});
