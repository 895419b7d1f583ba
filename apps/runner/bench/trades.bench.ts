/**
 * How long `bot trades` (and the console's `GET /trades`) takes on a trail of `count` trades (10 000: a busy
 * year), against the floor of reading the same file and parsing its lines in the same run. `pnpm bench`
 * runs it through runner.bench.ts; `pnpm --filter @bot/runner bench:trades [trades]` alone prints it.
 * See the README, "Trade history", for the numbers and why there is no index.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openAuditTrail } from '@bot/audit';
import { writeTrade } from '../src/trades/trade-records';
import { readTrades } from '../src/trades/trades';

export interface TradesBench {
  readonly trades: number;
  readonly megabytes: number;
  /** Read, verify and pair the whole trail (ms). */
  readonly pairedMs: number;
  /** One month of one symbol (ms): the filter applies after the same pass. */
  readonly filteredMs: number;
  readonly filtered: number;
  /** Read the file and JSON.parse each line, nothing else (ms): the floor. */
  readonly parseOnlyMs: number;
}

export async function benchTrades(count = 10_000): Promise<TradesBench> {
  const path = join(mkdtempSync(join(tmpdir(), 'bot-trades-bench-')), 'audit.jsonl');
  // The fixture's durability does not change its bytes, only how long writing it takes: 'batch' waited out a
  // group-commit window per record (3.5 min for 30 000 records), none of which this bench measures.
  const audit = await openAuditTrail({ path, durability: 'none' });
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let index = 0; index < count; index += 1) {
    const symbol = index % 2 === 0 ? 'BTC/USDC:USDC' : 'ETH/USDC:USDC';
    const entry = index % 2 === 0 ? 60_000 : 3_000;
    const won = index % 3 === 0;
    await writeTrade(audit, {
      symbol,
      side: index % 4 < 2 ? 'long' : 'short',
      openedAt: start + index * 3_000_000,
      entry,
      stop: entry * 0.99,
      target: entry * 1.02,
      quantity: 0.01,
      exitPrice: won ? entry * 1.02 : entry * 0.99,
      ...(index % 4 < 2 ? {} : { exitPrice: won ? entry * 0.98 : entry * 1.01 }),
    });
  }
  await audit.close();

  const floorStart = performance.now();
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) JSON.parse(line);
  const parseOnlyMs = performance.now() - floorStart;

  const began = performance.now();
  const trades = await readTrades(path);
  const pairedMs = performance.now() - began;
  const filteredStart = performance.now();
  const month = await readTrades(path, {
    from: Date.parse('2026-03-01'),
    to: Date.parse('2026-04-01'),
    symbol: 'BTCUSDC',
  });
  const filteredMs = performance.now() - filteredStart;
  return {
    trades: trades.length,
    megabytes: statSync(path).size / 1e6,
    pairedMs,
    filteredMs,
    filtered: month.length,
    parseOnlyMs,
  };
}

export function describeTradesBench(result: TradesBench): string {
  return (
    `${result.trades} trades, ${result.megabytes.toFixed(1)} MB of trail: all read, verified and paired in ${result.pairedMs.toFixed(0)} ms ` +
    `(${(result.pairedMs / result.parseOnlyMs).toFixed(1)}× reading and parsing its lines, ${result.parseOnlyMs.toFixed(0)} ms); ` +
    `one month of one symbol (${result.filtered} trades) in ${result.filteredMs.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(describeTradesBench(await benchTrades(Number(process.argv[2] ?? 10_000))));
}
