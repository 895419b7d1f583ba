/**
 * The whole runner against the emulator (in a worker thread, its clock moved by `POST /_sim/advance`):
 * - tick-to-order: from the request that closes a candle on the emulator to the acknowledgement of the entry
 *   order that candle's signal produced (the emulator publishes the candle over the WebSocket, the runner
 *   settles open trades, reads equity, sizes and orders). p50 and p99 over every entry of the day. Baseline:
 *   one signed REST round trip through the same kind of ccxt client, so the ratio reads "costs N round trips";
 * - a 24-hour paper run at maximum speed: candles/s, and the runner's heap and RSS at start and end after a
 *   forced GC (the emulator's memory is in its worker, not counted): the loop must not grow.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '@bot/config';
import { createExchange } from '@bot/exchange';
import { percentile, writeBenchResults } from '../../../scripts/bench-report';
import { createLogger } from '../src/logger';
import { startBot } from '../src/run';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (pnpm bench does)');

function memory() {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: heapUsed / 2 ** 20, rssMb: rss / 2 ** 20 };
}

const MINUTES = Number(process.env['BENCH_MINUTES'] ?? 1440);
const worker = new Worker(new URL('./sim-worker.mjs', import.meta.url));
const emulator = await new Promise<{ url: string; apiKey: string; apiSecret: string }>((resolve) =>
  worker.once('message', resolve),
);
const advance = async (ms: number): Promise<number> => {
  const response = await fetch(`${emulator.url}/_sim/advance`, {
    method: 'POST',
    body: JSON.stringify({ ms }),
  });
  return ((await response.json()) as { marketTime: number }).marketTime;
};

let orderAcknowledgedAt: number | undefined;
const logger = createLogger({
  format: 'json',
  level: 'debug',
  destination: {
    write: (line: string) => {
      if (orderAcknowledgedAt === undefined && line.includes('"msg":"exchange: createOrder ok"')) {
        orderAcknowledgedAt = performance.now();
      }
    },
  },
});
const config = loadConfig({
  env: {
    BOT_AUDIT_PATH: join(mkdtempSync(join(tmpdir(), 'bot-bench-')), 'audit.jsonl'),
    BOT_TIMEFRAME: '1m',
    BOT_API_KEY: emulator.apiKey,
    BOT_API_SECRET: emulator.apiSecret,
  },
});
const bot = await startBot({ config, logger, paper: { url: emulator.url }, operatorApi: false });

const baselineClient = await createExchange({
  mode: 'paper',
  simUrl: emulator.url,
  apiKey: emulator.apiKey,
  apiSecret: emulator.apiSecret,
  // As the runner in paper mode: ccxt's own throttle (50 ms between requests) is off against the emulator.
  enableRateLimit: false,
});
const roundTrips: number[] = [];
for (let index = 0; index < 200; index += 1) {
  const started = performance.now();
  await baselineClient.fetchBalances();
  roundTrips.push(performance.now() - started);
}

const start = memory();
const latencies: number[] = [];
const started = performance.now();
for (let minute = 0; minute < MINUTES; minute += 1) {
  orderAcknowledgedAt = undefined;
  const closedAt = performance.now();
  const marketTime = await advance(60_000);
  await bot.trader.processedThrough(marketTime - 1);
  if (orderAcknowledgedAt !== undefined) latencies.push(orderAcknowledgedAt - closedAt);
}
const elapsedS = (performance.now() - started) / 1000;
const candles = MINUTES * config.symbols.length;
const summary = await bot.stop();
const end = memory();
worker.postMessage('close');

const p50 = percentile(latencies, 0.5);
const p99 = percentile(latencies, 0.99);
const roundTrip = percentile(roundTrips, 0.5);
console.log(
  `runner: ${MINUTES} market minutes × ${config.symbols.length} symbols in ${elapsedS.toFixed(1)} s`,
);
console.log(`  ${(candles / elapsedS).toFixed(0)} candles/s through the whole loop (emulator in a worker)`);
console.log(
  `  entries ${summary.entries}, closes ${summary.closes}; tick-to-order over ${latencies.length} entries: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (signed REST round trip p50 ${roundTrip.toFixed(2)} ms)`,
);
console.log(
  `  runner heap ${start.heapMb.toFixed(1)} → ${end.heapMb.toFixed(1)} MB, RSS ${start.rssMb.toFixed(1)} → ${end.rssMb.toFixed(1)} MB (RSS includes the emulator's worker)`,
);

writeBenchResults(import.meta.url, [
  {
    name: 'tick-to-order p50',
    value: p50,
    unit: 'ms',
    baseline: { name: 'signed REST round trip p50', value: roundTrip },
  },
  {
    name: 'tick-to-order p99',
    value: p99,
    unit: 'ms',
    baseline: { name: 'signed REST round trip p50', value: roundTrip },
  },
  { name: '24 h paper run at full speed', value: candles / elapsedS, unit: 'candles/s' },
  {
    name: '24 h paper run: runner heap growth',
    value: end.heapMb - start.heapMb,
    unit: 'MB',
    target: { op: '<=', value: 5 },
  },
  { name: '24 h paper run: RSS growth (with emulator)', value: end.rssMb - start.rssMb, unit: 'MB' },
]);
