/**
 * How long `bot trades` (and the console's `GET /trades`) takes on a trail of 10 000 trades, a busy year:
 * writes the trail through the real audit trail, then reads and pairs it. Prints the figures; it asserts
 * nothing (see the README, "Trade history", for the numbers and why there is no index).
 * `pnpm --filter @bot/runner bench:trades [trades]`
 */
import { statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditTrail } from '@bot/audit';
import { writeTrade } from '../src/trades/trade-records';
import { readTrades } from '../src/trades/trades';

const count = Number(process.argv[2] ?? 10_000);
const path = join(mkdtempSync(join(tmpdir(), 'bot-trades-bench-')), 'audit.jsonl');
const audit = await openAuditTrail({ path, durability: 'batch' });
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
const megabytes = statSync(path).size / 1e6;

const began = performance.now();
const trades = await readTrades(path);
const all = performance.now() - began;
const filteredStart = performance.now();
const march = await readTrades(path, {
  from: Date.parse('2026-03-01'),
  to: Date.parse('2026-04-01'),
  symbol: 'BTCUSDC',
});
const filtered = performance.now() - filteredStart;
console.log(
  `${trades.length} trades, ${megabytes.toFixed(1)} MB of trail: all read, verified and paired in ${all.toFixed(0)} ms; ` +
    `one month of one symbol (${march.length} trades) in ${filtered.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
);
