/**
 * Rounding benchmark: exact decimal rounding (this package) against the naive float version it replaces,
 * both measured in this run. Prints ops/s and the ratio decimal/baseline (time per call); asserts nothing
 * about time. Run with `pnpm bench`.
 */
import { writeBenchResults } from '../../../scripts/bench-report';
import type { BenchRowInput } from '../../../scripts/bench-report';
import { floorQuantityToStep, instrumentFromMarket, roundPriceToTick } from '../src/index';

const callCount = 200_000;

/** Deterministic pseudo-random inputs (a linear congruential generator): every run measures the same work. */
function inputs(count: number, scale: number): number[] {
  let state = 42;
  const values: number[] = [];
  for (let index = 0; index < count; index += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    values.push((state / 2_147_483_648) * scale);
  }
  return values;
}

const prices = inputs(callCount, 100_000);
const quantities = inputs(callCount, 10);
const instrument = instrumentFromMarket({
  symbol: 'BTC/USDC:USDC',
  precision: { price: 0.1, amount: 0.001 },
  limits: { amount: { min: 0.001, max: 1000 }, cost: { min: 5 } },
});

/** A sink so the engine cannot drop the work. */
let sink = 0;

/** Calls `operation` on every value and returns calls per second. */
function measure(values: readonly number[], operation: (value: number) => unknown): number {
  const start = performance.now();
  for (const value of values) {
    const result = operation(value);
    sink += typeof result === 'string' ? result.length : Number(result);
  }
  return values.length / ((performance.now() - start) / 1000);
}

const naiveFloor = (value: number, increment: number) => Math.floor(value / increment) * increment;
const naiveRound = (value: number, increment: number) => Math.round(value / increment) * increment;

const cases: { name: string; decimal: () => number; baseline: () => number }[] = [
  {
    name: 'roundPriceToTick(price, "0.1", nearest)',
    decimal: () => measure(prices, (price) => roundPriceToTick(price, '0.1', 'nearest')),
    baseline: () => measure(prices, (price) => naiveRound(price, 0.1)),
  },
  {
    name: 'roundPriceToTick(price, instrument, down)',
    decimal: () => measure(prices, (price) => roundPriceToTick(price, instrument, 'down')),
    baseline: () => measure(prices, (price) => naiveFloor(price, 0.1)),
  },
  {
    name: 'floorQuantityToStep(quantity, "0.001")',
    decimal: () => measure(quantities, (quantity) => floorQuantityToStep(quantity, '0.001')),
    baseline: () => measure(quantities, (quantity) => naiveFloor(quantity, 0.001)),
  },
];

// An untimed pass over a slice first, so no case is charged for JIT compilation.
const warmUpCount = 20_000;
for (let index = 0; index < warmUpCount; index += 1) {
  const price = prices[index] ?? 0;
  const quantity = quantities[index] ?? 0;
  sink +=
    roundPriceToTick(price, '0.1', 'nearest').length + roundPriceToTick(price, instrument, 'down').length;
  sink +=
    floorQuantityToStep(quantity, '0.001').length + naiveRound(price, 0.1) + naiveFloor(quantity, 0.001);
}

const format = (opsPerSecond: number) => `${Math.round(opsPerSecond).toLocaleString('en-US')} ops/s`;

console.log(`@bot/symbols rounding benchmark: ${callCount.toLocaleString('en-US')} calls per case`);
const rows: BenchRowInput[] = [];
for (const { name, decimal, baseline } of cases) {
  const baselineOps = baseline();
  const decimalOps = decimal();
  rows.push({
    name,
    value: decimalOps,
    unit: 'ops/s',
    baseline: { name: 'naive float', value: baselineOps },
  });
  console.log(
    `${name.padEnd(44)} decimal ${format(decimalOps).padStart(15)} | baseline (float) ${format(baselineOps).padStart(18)}` +
      ` | decimal/baseline ${(baselineOps / decimalOps).toFixed(1)}× the time per call`,
  );
}
console.log(
  `Baseline is fast but inexact: Math.floor(0.7 / 0.1) * 0.1 = ${naiveFloor(0.7, 0.1)}; ` +
    `floorQuantityToStep(0.7, 0.1) = '${floorQuantityToStep(0.7, 0.1)}'. (checksum ${sink.toFixed(0)})`,
);
writeBenchResults(import.meta.url, rows);
