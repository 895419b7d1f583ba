/**
 * Benchmark of the pure matching core (printing ratios against a baseline measured in the same run).
 * Run alone: `npx tsx --conditions=@bot/source bench/core.bench.ts` from packages/sim.
 */
import { performance } from 'node:perf_hooks';

import type { BenchRowInput } from '../../../scripts/bench-report';

import { MatchingCore } from '../src/core/matching-core';
import type { CoreEvent, InstrumentSpec } from '../src/core/types';

const btcSpec: InstrumentSpec = {
  symbol: 'BTCUSDC',
  baseAsset: 'BTC',
  quoteAsset: 'USDC',
  marginAsset: 'USDC',
  tickSize: '0.1',
  minPrice: '0.1',
  maxPrice: '4529764',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '5',
  maxLeverage: 125,
  maintenanceMarginRate: 0.004,
  percentPriceUp: '1.05',
  percentPriceDown: '0.95',
};
const ethSpec: InstrumentSpec = {
  ...btcSpec,
  symbol: 'ETHUSDC',
  baseAsset: 'ETH',
  tickSize: '0.01',
  minPrice: '0.01',
  maintenanceMarginRate: 0.005,
};

const startTime = Date.UTC(2026, 0, 5, 1, 0, 0);
const accounts = ['alice', 'bob', 'carol'];

function nanosecondsPer(milliseconds: number, count: number): number {
  return (milliseconds * 1e6) / count;
}

function perSecond(milliseconds: number, count: number): string {
  return Math.round((count * 1000) / milliseconds).toLocaleString('en-US');
}

/** A core with three accounts, each long BTC (so the risk pre-check runs) and short ETH, plus resting orders. */
function marketCore(): MatchingCore {
  const core = new MatchingCore({ instruments: [btcSpec, ethSpec] });
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: startTime });
  core.updateMarket({ symbol: 'ETHUSDC', lastPrice: '3000.00', markPrice: '3000.00', time: startTime });
  for (const account of accounts) {
    core.addAccount(account, { USDC: '1000000' }, startTime);
    core.placeOrder(
      account,
      { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.500' },
      startTime,
    );
    core.placeOrder(
      account,
      { symbol: 'ETHUSDC', side: 'SELL', type: 'MARKET', quantity: '2.000' },
      startTime,
    );
    for (let index = 0; index < 9; index += 1) {
      // resting limits 3-4 % away, both sides (within PERCENT_PRICE)
      const buyPrice = (57_600 - index * 10).toFixed(1);
      const sellPrice = (62_400 + index * 10).toFixed(1);
      core.placeOrder(
        account,
        { symbol: 'BTCUSDC', side: 'BUY', type: 'LIMIT', price: buyPrice, quantity: '0.010' },
        startTime,
      );
      core.placeOrder(
        account,
        { symbol: 'BTCUSDC', side: 'SELL', type: 'LIMIT', price: sellPrice, quantity: '0.010' },
        startTime,
      );
    }
    for (let index = 0; index < 4; index += 1) {
      const stop = (55_000 - index * 100).toFixed(1);
      const takeProfit = (65_000 + index * 100).toFixed(1);
      const workingType = index % 2 === 0 ? 'MARK_PRICE' : 'CONTRACT_PRICE';
      core.placeAlgoOrder(
        account,
        {
          symbol: 'BTCUSDC',
          side: 'SELL',
          type: 'STOP_MARKET',
          triggerPrice: stop,
          quantity: '0.100',
          reduceOnly: true,
          workingType,
        },
        startTime,
      );
      core.placeAlgoOrder(
        account,
        {
          symbol: 'BTCUSDC',
          side: 'SELL',
          type: 'TAKE_PROFIT_MARKET',
          triggerPrice: takeProfit,
          quantity: '0.100',
          reduceOnly: true,
          workingType,
        },
        startTime,
      );
    }
  }
  core.drainEvents();
  return core;
}

/** Pre-built price strings wandering within ±1 % of 60000 (never reaching an order or a trigger). */
function priceInputs(count: number): { last: string[]; mark: string[] } {
  const last: string[] = [];
  const mark: string[] = [];
  let state = 12_345;
  for (let index = 0; index < count; index += 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const offset = (state / 2_147_483_648 - 0.5) * 0.02;
    const price = Math.round(600_000 * (1 + offset)) / 10;
    last.push(price.toFixed(1));
    mark.push((price + 0.3).toFixed(2));
  }
  return { last, mark };
}

function benchMarketUpdates(lines: string[], rows: BenchRowInput[]): void {
  const core = marketCore();
  const inputs = priceInputs(4096);
  const updates = 1_000_000;
  const run = (count: number): number => {
    const begin = performance.now();
    let time = startTime + 1;
    for (let index = 0; index < count; index += 1) {
      const slot = index & 4095;
      core.updateMarket({
        symbol: 'BTCUSDC',
        lastPrice: inputs.last[slot] as string,
        markPrice: inputs.mark[slot] as string,
        time: (time += 1),
      });
    }
    return performance.now() - begin;
  };
  run(100_000); // warm-up
  const coreMilliseconds = run(updates);
  if (core.drainEvents().length !== 0) throw new Error('the market benchmark must not trigger anything');
  const openOrders = accounts.reduce((sum, account) => sum + core.openOrders(account).length, 0);
  const openAlgos = accounts.reduce((sum, account) => sum + core.openAlgoOrders(account).length, 0);

  // Baseline: the same number of float parses and threshold comparisons on the same inputs, plus building
  // the same update object, in a plain loop.
  const thresholds = [65_000, 55_000, 65_000, 55_000, 57_600, 62_400];
  const baseline = (count: number): [number, number] => {
    let hits = 0;
    const begin = performance.now();
    let time = startTime + 1;
    for (let index = 0; index < count; index += 1) {
      const slot = index & 4095;
      const update = {
        symbol: 'BTCUSDC',
        lastPrice: inputs.last[slot] as string,
        markPrice: inputs.mark[slot] as string,
        time: (time += 1),
      };
      const last = Number(update.lastPrice);
      const mark = Number(update.markPrice);
      if (
        last >= (thresholds[0] as number) ||
        last <= (thresholds[1] as number) ||
        mark >= (thresholds[2] as number) ||
        mark <= (thresholds[3] as number) ||
        last <= (thresholds[4] as number) ||
        last >= (thresholds[5] as number) ||
        update.time < 0
      ) {
        hits += 1;
      }
    }
    return [performance.now() - begin, hits];
  };
  baseline(100_000);
  const [baselineMilliseconds, hits] = baseline(updates);
  if (hits !== 0) throw new Error('baseline inputs must not hit');
  lines.push(
    `(a) updateMarket, ${openOrders} resting orders + ${openAlgos} algo orders, ${accounts.length} accounts with positions: ` +
      `${perSecond(coreMilliseconds, updates)} updates/s (${nanosecondsPer(coreMilliseconds, updates).toFixed(0)} ns each)`,
  );
  lines.push(
    `(c) baseline (parse 2 prices + 6 comparisons per update): ${perSecond(baselineMilliseconds, updates)} /s ` +
      `(${nanosecondsPer(baselineMilliseconds, updates).toFixed(0)} ns) → core/baseline time ratio ` +
      `${(coreMilliseconds / baselineMilliseconds).toFixed(2)}×`,
  );
  rows.push({
    name: 'matching core updateMarket',
    value: (updates * 1000) / coreMilliseconds,
    unit: 'updates/s',
    baseline: { name: 'parse 2 prices + 6 comparisons', value: (updates * 1000) / baselineMilliseconds },
    target: { op: '>=', value: 500_000 },
  });
}

function benchOrders(lines: string[]): void {
  const core = new MatchingCore({ instruments: [btcSpec, ethSpec] });
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: startTime });
  core.addAccount('alice', { USDC: '1000000' }, startTime);
  const placeCancel = (count: number): number => {
    const begin = performance.now();
    for (let index = 0; index < count; index += 1) {
      const order = core.placeOrder(
        'alice',
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'LIMIT',
          price: '59000.0',
          quantity: '0.010',
          timeInForce: 'GTC',
        },
        startTime,
      );
      core.cancelOrder('alice', 'BTCUSDC', { orderId: order.orderId }, startTime);
      if ((index & 1023) === 0) core.drainEvents();
    }
    return performance.now() - begin;
  };
  const roundTrips = (count: number): number => {
    const begin = performance.now();
    for (let index = 0; index < count; index += 1) {
      core.placeOrder(
        'alice',
        { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010' },
        startTime,
      );
      core.placeOrder(
        'alice',
        { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.010' },
        startTime,
      );
      if ((index & 1023) === 0) core.drainEvents();
    }
    return performance.now() - begin;
  };
  placeCancel(5_000);
  roundTrips(2_000);
  const limitCount = 50_000;
  const limitMilliseconds = placeCancel(limitCount);
  const marketCount = 25_000;
  const marketMilliseconds = roundTrips(marketCount);
  core.drainEvents();
  lines.push(
    `(b) LIMIT place+cancel: ${perSecond(limitMilliseconds, limitCount)} pairs/s ` +
      `(${(nanosecondsPer(limitMilliseconds, limitCount) / 1000).toFixed(1)} µs per pair)`,
  );
  lines.push(
    `(b) MARKET open+close round trips (2 fills each): ${perSecond(marketMilliseconds, marketCount)} trips/s ` +
      `(${(nanosecondsPer(marketMilliseconds, marketCount) / 1000).toFixed(1)} µs per trip)`,
  );
}

/** Reads every view an event carries, as a user-data consumer does (the core formats them when first read). */
function readViews(event: CoreEvent): number {
  if (event.kind === 'order') return event.order.avgPrice.length;
  if (event.kind === 'account') return event.balances.length + event.positions.length;
  return 0;
}

/**
 * Market orders walking the seeded book: BTCUSDC with the emulator's default book (2-tick spread, levels
 * of 0.5 BTC on average), orders of 2.5 BTC alternating buy and sell, 2.5 s of market time apart, so
 * the position stays within one order and each order takes about eight levels; every 2nd order the market
 * moves (by up to 0.7) and the taken levels refill (fully within 5 s).
 * Counted in fills (one per level taken). Baseline: the same orders against no book (one fill each at the
 * last price), i.e. what walking costs per fill on top of a fill. Measured twice: draining the events
 * without reading their views (the core's own work), and reading every view (what a user-data
 * subscriber adds: the ORDER_TRADE_UPDATE and ACCOUNT_UPDATE figures of every fill, formatted).
 */
function benchBookWalk(lines: string[], rows: BenchRowInput[]): void {
  const run = (withBook: boolean, count: number, reading: boolean): [number, number] => {
    const spec: InstrumentSpec = withBook
      ? { ...btcSpec, book: { spreadTicks: 2, levelQty: '0.500' } }
      : btcSpec;
    const core = new MatchingCore({ instruments: [spec] });
    core.addAccount('alice', { USDC: '100000000' }, startTime);
    core.setLeverage('alice', 'BTCUSDC', 100, startTime);
    core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: startTime });
    core.drainEvents();
    let fills = 0;
    let read = 0;
    const drain = () => {
      for (const event of core.drainEvents()) {
        if (event.kind === 'trade') fills += 1;
        else if (reading) read += readViews(event);
      }
    };
    let time = startTime;
    const begin = performance.now();
    for (let index = 0; index < count; index += 1) {
      time += 2500;
      if ((index & 1) === 1) {
        const last = (60_000 + ((index >> 1) & 7) / 10).toFixed(1);
        core.updateMarket({ symbol: 'BTCUSDC', lastPrice: last, markPrice: last, time });
      }
      const side = (index & 1) === 0 ? 'BUY' : 'SELL';
      core.placeOrder('alice', { symbol: 'BTCUSDC', side, type: 'MARKET', quantity: '2.500' }, time);
      if ((index & 255) === 255) drain();
    }
    drain();
    const milliseconds = performance.now() - begin;
    if (reading && read === 0) throw new Error('the views were not read');
    return [milliseconds, fills];
  };
  const measure = (reading: boolean, orders: number) => {
    run(true, 5_000, reading);
    run(false, 5_000, reading);
    const [bookMilliseconds, bookFills] = run(true, orders, reading);
    const [flatMilliseconds, flatFills] = run(false, orders, reading);
    return {
      bookMilliseconds,
      bookFills,
      fillsPerSecond: (bookFills * 1000) / bookMilliseconds,
      flatPerSecond: (flatFills * 1000) / flatMilliseconds,
    };
  };
  const orders = 40_000;
  for (const reading of [false, true]) {
    const { bookMilliseconds, bookFills, fillsPerSecond, flatPerSecond } = measure(reading, orders);
    const how = reading ? ', every view read' : '';
    lines.push(
      `(d) MARKET orders walking the book${how}: ${(bookFills / orders).toFixed(1)} levels each, ` +
        `${Math.round(fillsPerSecond).toLocaleString('en-US')} fills/s ` +
        `(${((bookMilliseconds * 1e6) / bookFills).toFixed(0)} ns per fill, ${perSecond(bookMilliseconds, orders)} orders/s)`,
    );
    lines.push(
      `(d) baseline, the same orders without a book (1 fill each at the last price)${how}: ` +
        `${Math.round(flatPerSecond).toLocaleString('en-US')} fills/s → book/baseline fill-rate ratio ` +
        `${(fillsPerSecond / flatPerSecond).toFixed(2)}×`,
    );
    rows.push({
      name: `matching core book-walking MARKET fills${how}`,
      value: fillsPerSecond,
      unit: 'fills/s',
      baseline: { name: `same orders, no book (1 fill each)${how}`, value: flatPerSecond },
      ...(reading ? {} : { target: { op: '>=', value: 200_000 } as const }),
    });
  }
}

/** Returns the lines to print, and pushes its headline results to `rows` (sim.bench.ts writes them). */
export async function benchCore(rows: BenchRowInput[] = []): Promise<string[]> {
  const lines: string[] = ['@bot/sim matching core'];
  benchMarketUpdates(lines, rows);
  benchOrders(lines);
  benchBookWalk(lines, rows);
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchCore()) console.log(line);
}
