/**
 * `pnpm bench` for @bot/sim: matching-core throughput, market-data throughput and the ccxt order round
 * trip, each printed with a ratio against a baseline measured in the same run. No assertion on time.
 */
import { benchCore } from './core.bench';
import { benchMarket } from './market.bench';
import { benchRoundTrip } from './round-trip.bench';

for (const [title, bench] of [
  ['matching core', benchCore],
  ['market data', benchMarket],
  ['ccxt round trip', () => benchRoundTrip()],
] as const) {
  console.log(`\n== @bot/sim: ${title}`);
  for (const line of await bench()) console.log(line);
}
