/**
 * Candles processed per second by BreakoutStrategy, next to a baseline measured in the same run: the
 * same candles through trading-signals' EMA alone (the cheapest indicator the strategy also runs).
 */
import { EMA } from 'trading-signals';
import { writeBenchResults } from '../../../scripts/bench-report';
import { BreakoutStrategy } from '../src/breakout-strategy';
import type { Candle } from '../src/types';

function candles(count: number): Candle[] {
  let price = 60_000;
  let state = 42;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  return Array.from({ length: count }, (_, index) => {
    const open = price;
    const close = open * (1 + (random() - 0.5) * 0.004);
    price = close;
    return {
      openTime: index * 60_000,
      open,
      high: Math.max(open, close) * 1.0005,
      low: Math.min(open, close) * 0.9995,
      close,
    };
  });
}

function perSecond(run: () => void, items: number): number {
  const start = performance.now();
  run();
  return (items / (performance.now() - start)) * 1000;
}

const input = candles(500_000);
let signals = 0;
for (let round = 0; round < 2; round += 1) {
  const baseline = perSecond(() => {
    const ema = new EMA(50);
    for (const candle of input) ema.update(candle.close, false);
  }, input.length);
  const strategy = perSecond(() => {
    const breakout = new BreakoutStrategy({ symbol: 'BTC/USDC:USDC' });
    for (const candle of input) if (breakout.onCandle(candle)) signals += 1;
  }, input.length);
  if (round === 1) {
    console.log(
      `BreakoutStrategy.onCandle: ${Math.round(strategy).toLocaleString('en')} candles/s (${signals} signals)`,
    );
    console.log(
      `baseline, trading-signals EMA(50) alone: ${Math.round(baseline).toLocaleString('en')} candles/s`,
    );
    console.log(`ratio strategy/baseline time per candle: ${(baseline / strategy).toFixed(2)}×`);
    writeBenchResults(import.meta.url, [
      {
        name: 'BreakoutStrategy.onCandle',
        value: strategy,
        unit: 'candles/s',
        baseline: { name: 'trading-signals EMA(50) alone', value: baseline },
      },
    ]);
  }
}
