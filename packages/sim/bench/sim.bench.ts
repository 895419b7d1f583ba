/**
 * `pnpm bench` for @bot/sim: matching-core throughput, market-data throughput and the ccxt order round
 * trip, each printed with a ratio against a baseline measured in the same run. No assertion on time.
 * Their headline results go to bench-results.json (scripts/bench-report.ts) once all three have run.
 */
import { writeBenchResults } from '../../../scripts/bench-report';
import type { BenchRowInput } from '../../../scripts/bench-report';
import { benchCore } from './core.bench';
import { benchMarket } from './market.bench';
import { benchRoundTrip } from './round-trip.bench';

const rows: BenchRowInput[] = [];
for (const [title, bench] of [
  ['matching core', benchCore],
  ['market data', benchMarket],
  ['ccxt round trip', (into: BenchRowInput[]) => benchRoundTrip(1000, into)],
] as const) {
  console.log(`\n== @bot/sim: ${title}`);
  for (const line of await bench(rows)) console.log(line);
}
writeBenchResults(import.meta.url, rows);
