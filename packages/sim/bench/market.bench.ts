/**
 * Market data benchmark: synthetic ticks generated per second, and ticks per second pushed through the
 * CandleBook, each against a baseline measured in this run (a plain loop drawing the same number of
 * pure-rand doubles), plus the time to generate a 1500-minute history. Prints lines; asserts nothing
 * about time. Run alone with `npx tsx --conditions=@bot/source bench/market.bench.ts`.
 */
import { pathToFileURL } from 'node:url';

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

import type { BenchRowInput } from '../../../scripts/bench-report';
import { CandleBook } from '../src/market/candle-book';
import type { MarketTick } from '../src/market/market-tick';
import { createSyntheticMarket } from '../src/market/synthetic-market';

const startTime = Date.UTC(2025, 0, 1);
const symbols = [
  { symbol: 'BTCUSDC', startPrice: '60000', tickSize: '0.1', stepSize: '0.001' },
  { symbol: 'ETHUSDC', startPrice: '3000', tickSize: '0.01', stepSize: '0.001' },
  { symbol: 'BNBUSDC', startPrice: '600', tickSize: '0.01', stepSize: '0.01' },
  { symbol: 'SOLUSDC', startPrice: '150', tickSize: '0.01', stepSize: '0.01' },
  { symbol: 'ADAUSDC', startPrice: '0.45', tickSize: '0.0001', stepSize: '1' },
];
/** Batches of one tick per symbol: 5 symbols × 60 000 = 300 000 ticks (~17 simulated hours at 1 s). */
const batchCount = 60_000;

let sink = 0;

function secondsOf(action: () => void): number {
  const started = performance.now();
  action();
  return (performance.now() - started) / 1000;
}

function baselineSeconds(count: number): number {
  const generator = xoroshiro128plus(42);
  return secondsOf(() => {
    let total = 0;
    for (let index = 0; index < count; index += 1) total += uniformFloat64(generator);
    sink += total;
  });
}

function generate(batches: number, seed: number): MarketTick[] {
  const market = createSyntheticMarket({ seed, symbols, startTime });
  const ticks: MarketTick[] = [];
  for (let index = 0; index < batches; index += 1) {
    const batch = market.next();
    for (const tick of batch) ticks.push(tick);
  }
  return ticks;
}

function feed(ticks: readonly MarketTick[]): CandleBook {
  const book = new CandleBook({ symbols });
  for (const tick of ticks) sink += book.onTick(tick).length;
  return book;
}

const format = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-US')}/s`;

/** Returns the lines to print, and pushes its headline results to `rows` (sim.bench.ts writes them). */
export async function benchMarket(rows: BenchRowInput[] = []): Promise<string[]> {
  // Untimed passes first, so no case is charged for JIT compilation.
  feed(generate(4000, 1));
  baselineSeconds(200_000);

  const tickCount = batchCount * symbols.length;
  const baseline = baselineSeconds(tickCount);
  let ticks: MarketTick[] = [];
  const generation = secondsOf(() => {
    ticks = generate(batchCount, 7);
  });
  let book: CandleBook | undefined;
  const aggregation = secondsOf(() => {
    book = feed(ticks);
  });
  const market = createSyntheticMarket({ seed: 7, symbols, startTime });
  const history = secondsOf(() => {
    sink += market.history({ minutes: 1500 }).size;
  });
  const query = secondsOf(() => {
    for (let index = 0; index < 100; index += 1)
      sink += book?.klines('BTCUSDC', '1m', { limit: 1000 }).length ?? 0;
  });

  const baselineRate = tickCount / baseline;
  const draws = { name: 'pure-rand uniformFloat64, one draw per tick', value: baselineRate };
  rows.push(
    { name: 'synthetic ticks generated', value: tickCount / generation, unit: 'ticks/s', baseline: draws },
    { name: 'ticks through CandleBook', value: tickCount / aggregation, unit: 'ticks/s', baseline: draws },
  );
  return [
    `@bot/sim market benchmark: ${tickCount.toLocaleString('en-US')} ticks (${symbols.length} symbols × ${batchCount.toLocaleString('en-US')} batches)`,
    `baseline: pure-rand uniformFloat64 loop     ${format(baselineRate).padStart(16)} doubles`,
    `synthetic ticks generated                   ${format(tickCount / generation).padStart(16)} | ${(generation / baseline).toFixed(1)}× the baseline's time per item`,
    `ticks through CandleBook (all 12 intervals) ${format(tickCount / aggregation).padStart(16)} | ${(aggregation / baseline).toFixed(1)}× the baseline's time per item`,
    `history: 1500 minutes × ${symbols.length} symbols in ${(history * 1000).toFixed(1)} ms; klines(1m, limit 1000) ${((query / 100) * 1000).toFixed(2)} ms per call (checksum ${sink.toFixed(0)})`,
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await benchMarket()) console.log(line);
}
