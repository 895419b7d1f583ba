/**
 * Decision benchmark: `canOpen` + `sizePosition` per second on one core, against a baseline measured in the
 * same run — a plain loop doing the same float arithmetic with no validation, no limits and a naive float
 * floor (which is wrong on the grid: `Math.floor(0.7 / 0.1) === 6`). Also shows the exact decimal.js
 * floor of `@bot/symbols` per sizing, which the fast exact path replaces. Prints ops/s and ratios; asserts
 * nothing about time. Run with `pnpm bench`.
 */
import { createInstrument, floorQuantityToStep } from '@bot/symbols';

import { writeBenchResults } from '../../../scripts/bench-report';

import { RiskGuard, sizePosition } from '../src/index';
import type { OpenPosition } from '../src/index';

const decisionCount = 1_000_000;
const rounds = 3;

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator): every run measures the same work. */
function uniform(count: number, seed: number): Float64Array {
  let state = seed;
  const values = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    values[index] = state / 2_147_483_648;
  }
  return values;
}

const entries = uniform(decisionCount, 7).map((value) => 20_000 + value * 80_000);
const stopShares = uniform(decisionCount, 11).map((value) => 0.002 + value * 0.03);
const equities = uniform(decisionCount, 13).map((value) => 2_000 + value * 50_000);

const btc = createInstrument({
  symbol: 'BTC/USDC:USDC',
  tickSize: '0.1',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '100',
});
const openPositions: readonly OpenPosition[] = [
  { symbol: 'ETH/USDC:USDC', side: 'long', unrealizedPnl: -12.5 },
];
const start = Date.UTC(2024, 4, 1, 0, 0, 0);

/** A sink so the engine cannot drop the work. */
let sink = 0;

function decisions(count: number): void {
  const guard = new RiskGuard({ tier: 'standard' });
  for (let index = 0; index < count; index += 1) {
    const entry = entries[index] as number;
    const equity = equities[index] as number;
    const side = (index & 1) === 0 ? 'long' : 'short';
    const decision = guard.canOpen({
      symbol: 'BTC/USDC:USDC',
      side,
      now: start + index * 50,
      equity,
      openPositions,
    });
    if (!decision.allowed) {
      sink += 1;
      continue;
    }
    const distance = entry * (stopShares[index] as number);
    const size = sizePosition({
      side,
      equity,
      riskPct: 0.01,
      entry,
      stop: side === 'long' ? entry - distance : entry + distance,
      instrument: btc,
      leverage: 5,
      feeRate: 0.0005,
      slippagePct: 0.0002,
      tier: 'standard',
    });
    sink += size.allowed ? size.quantity.length : 2;
  }
}

function canOpenOnly(count: number): void {
  const guard = new RiskGuard({ tier: 'standard' });
  for (let index = 0; index < count; index += 1) {
    const decision = guard.canOpen({
      symbol: 'BTC/USDC:USDC',
      side: 'long',
      now: start + index * 50,
      equity: equities[index] as number,
      openPositions,
    });
    sink += decision.allowed ? 1 : 2;
  }
}

function sizeOnly(count: number): void {
  for (let index = 0; index < count; index += 1) {
    const entry = entries[index] as number;
    const size = sizePosition({
      side: 'long',
      equity: equities[index] as number,
      riskPct: 0.01,
      entry,
      stop: entry * (1 - (stopShares[index] as number)),
      instrument: btc,
      leverage: 5,
      feeRate: 0.0005,
      slippagePct: 0.0002,
      tier: 'standard',
    });
    sink += size.allowed ? size.quantity.length : 2;
  }
}

/** The same float arithmetic with no checks: what the decision costs beyond the bare math. */
function baseline(count: number): void {
  let streak = 0;
  let realized = 0;
  for (let index = 0; index < count; index += 1) {
    const entry = entries[index] as number;
    const equity = equities[index] as number;
    const allowed = streak < 3 && -realized / equity < 0.05 && openPositions.length < 3;
    if (!allowed) continue;
    const distance = entry * (stopShares[index] as number);
    const stop = entry - distance;
    const lossPerUnit = distance + 0.0002 * (entry + stop) + 0.0005 * (entry + stop + 0.0002 * distance);
    const capPrice = entry * 1.0002;
    const quantity = Math.min(
      (equity * 0.01) / lossPerUnit,
      (equity * 5) / capPrice,
      (equity * 3) / capPrice,
    );
    const floored = Math.floor(quantity / 0.001) * 0.001;
    sink += floored > 0.001 && floored * entry >= 100 ? 1 : 2;
    streak = (streak + index) & 1;
    realized += 0;
  }
}

/** The sizing arithmetic with @bot/symbols' exact decimal floor instead of the fast exact path. */
function decimalFloor(count: number): void {
  for (let index = 0; index < count; index += 1) {
    const entry = entries[index] as number;
    const equity = equities[index] as number;
    const distance = entry * (stopShares[index] as number);
    const stop = entry - distance;
    const lossPerUnit = distance + 0.0002 * (entry + stop) + 0.0005 * (entry + stop + 0.0002 * distance);
    sink += floorQuantityToStep((equity * 0.01) / lossPerUnit, btc, 'market').length;
  }
}

/** Best of `rounds` runs, in operations per second. */
function measure(operation: (count: number) => void, count: number): number {
  operation(Math.min(count, 50_000)); // warm-up, untimed
  let best = 0;
  for (let round = 0; round < rounds; round += 1) {
    const startedAt = performance.now();
    operation(count);
    const seconds = (performance.now() - startedAt) / 1000;
    best = Math.max(best, count / seconds);
  }
  return best;
}

const format = (operationsPerSecond: number): string =>
  `${Math.round(operationsPerSecond).toLocaleString('en-US').padStart(12)} /s`;

console.log(
  `@bot/risk decision benchmark: ${decisionCount.toLocaleString('en-US')} decisions per round, best of ${rounds}`,
);
const baselineRate = measure(baseline, decisionCount);
const decisionRate = measure(decisions, decisionCount);
const canOpenRate = measure(canOpenOnly, decisionCount);
const sizeRate = measure(sizeOnly, decisionCount);
const decimalRate = measure(decimalFloor, 100_000);
console.log(`baseline (bare float math, no checks, naive floor)  ${format(baselineRate)}`);
console.log(
  `canOpen + sizePosition (one decision)               ${format(decisionRate)}  ${(baselineRate / decisionRate).toFixed(1)}× the baseline's time per decision`,
);
console.log(`canOpen alone                                       ${format(canOpenRate)}`);
console.log(`sizePosition alone                                  ${format(sizeRate)}`);
console.log(
  `float math + @bot/symbols decimal floor (per sizing)  ${format(decimalRate)}  sizePosition is ${(sizeRate / decimalRate).toFixed(1)}× faster`,
);
console.log(
  `target: ≥ 1,000,000 decisions/s → ${decisionRate >= 1_000_000 ? 'met' : 'NOT met'} on this machine`,
);
if (sink === 0) console.log('(sink is zero: the loops did no work)');
writeBenchResults(import.meta.url, [
  {
    name: 'canOpen + sizePosition',
    value: decisionRate,
    unit: 'decisions/s',
    baseline: { name: 'bare float math, no checks', value: baselineRate },
    target: { op: '>=', value: 1_000_000 },
  },
  {
    name: 'sizePosition alone',
    value: sizeRate,
    unit: 'decisions/s',
    baseline: { name: 'float math + decimal.js floor', value: decimalRate },
  },
]);
