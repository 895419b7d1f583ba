/**
 * A SHA-256 of everything the matching core answers in two seeded scripts: every event (as JSON), the
 * user-data payloads the server makes of it, and REST-shaped answers (orders, positions, assets, totals,
 * fills, ledger). Run it on two commits: the same digest shows that a change of the core (a speed-up) left
 * every answer byte-identical (README, "Performance"). Not a benchmark: no timing.
 * `npx tsx --conditions=@bot/source bench/event-digest.ts` from packages/sim.
 */
import { createHash } from 'node:crypto';

import { MatchingCore } from '../src/core/matching-core';
import { btcSpec, startTime } from '../src/core/testing/core-fixtures';
import type { InstrumentSpec, Side } from '../src/core/types';
import { userDataEvents } from '../src/server/wire';

const btc: InstrumentSpec = { ...btcSpec, book: { spreadTicks: 2, levelQty: '0.500' } };
// No book (fills at the last price), a coarser MARKET_LOT_SIZE step.
const eth: InstrumentSpec = {
  ...btc,
  symbol: 'ETHUSDC',
  baseAsset: 'ETH',
  tickSize: '0.01',
  minPrice: '0.01',
  maintenanceMarginRate: 0.005,
  marketStepSize: '0.01',
  book: undefined,
};
const start = startTime;

const hash = createHash('sha256');
let answers = 0;
function record(label: string, value: unknown): void {
  hash.update(`${label}${JSON.stringify(value)}\n`);
  answers += 1;
}
function drain(core: MatchingCore): void {
  for (const event of core.drainEvents()) {
    record('event', event);
    record('payloads', userDataEvents(event));
  }
}

/** The walk of core.bench.ts: 3 000 MARKET orders of 2.5 BTC through the book, drained every 256. */
function bookWalk(): void {
  const core = new MatchingCore({ instruments: [btc] });
  core.addAccount('alice', { USDC: '100000000' }, start);
  core.setLeverage('alice', 'BTCUSDC', 100, start);
  core.updateMarket({ symbol: 'BTCUSDC', lastPrice: '60000.0', markPrice: '60000.0', time: start });
  let time = start;
  for (let index = 0; index < 3000; index += 1) {
    time += 2500;
    if ((index & 1) === 1) {
      const last = (60_000 + ((index >> 1) & 7) / 10).toFixed(1);
      core.updateMarket({ symbol: 'BTCUSDC', lastPrice: last, markPrice: last, time });
    }
    const side = (index & 1) === 0 ? 'BUY' : 'SELL';
    record(
      'order',
      core.placeOrder('alice', { symbol: 'BTCUSDC', side, type: 'MARKET', quantity: '2.500' }, time),
    );
    if ((index & 255) === 255) drain(core);
  }
  drain(core);
  record('positions', core.positions('alice'));
  record('assets', core.assets('alice'));
  record('totals', core.accountTotals('alice'));
  record('fills', core.fills('alice'));
}

/**
 * 4 000 seeded random operations on two accounts (one isolated on both symbols): price moves, market and
 * limit orders of every time in force, reduce-only, conditional orders, leverage and margin type changes,
 * transfers, funding rates; events drained at random moments, so some are read long after they happened.
 */
function mixedOperations(seed: number): void {
  let state = seed * 7919;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const core = new MatchingCore({ instruments: [btc, eth] });
  const accounts = ['a', 'b'];
  for (const id of accounts) core.addAccount(id, { USDC: '50000' }, start);
  let time = start;
  const prices: Record<string, number> = { BTCUSDC: 60_000, ETHUSDC: 3000 };
  for (const symbol of ['BTCUSDC', 'ETHUSDC']) {
    core.setMarginType('b', symbol, 'ISOLATED', start);
    const price = (prices[symbol] as number).toFixed(2);
    core.updateMarket({ symbol, lastPrice: price, markPrice: price, time });
  }
  for (let operation = 0; operation < 4000; operation += 1) {
    time += 1000 + Math.floor(random() * 60_000);
    const account = pick(accounts);
    const symbol = pick(['BTCUSDC', 'ETHUSDC']);
    const isBtc = symbol === 'BTCUSDC';
    const tick = isBtc ? 1 : 2;
    const price = prices[symbol] as number;
    const roll = random();
    try {
      if (roll < 0.25) {
        const moved = price * (1 + (random() - 0.5) * 0.01);
        prices[symbol] = moved;
        const mark = (moved * (1 + (random() - 0.5) * 0.001)).toFixed(tick + 1);
        core.updateMarket({ symbol, lastPrice: moved.toFixed(tick), markPrice: mark, time });
      } else if (roll < 0.55) {
        const quantity = (random() * (isBtc ? 1.5 : 20)).toFixed(isBtc ? 3 : 2);
        const side = pick<Side>(['BUY', 'SELL']);
        const reduceOnly = random() < 0.1;
        record(
          'order',
          core.placeOrder(account, { symbol, side, type: 'MARKET', quantity, reduceOnly }, time),
        );
      } else if (roll < 0.7) {
        const side = pick<Side>(['BUY', 'SELL']);
        const limit = (price * (1 + (side === 'BUY' ? -1 : 1) * (random() * 0.01 - 0.002))).toFixed(tick);
        const quantity = (random() * (isBtc ? 0.8 : 10) + 0.01).toFixed(isBtc ? 3 : 2);
        const timeInForce = pick(['GTC', 'IOC', 'GTC', 'FOK'] as const);
        const reduceOnly = random() < 0.1;
        record(
          'order',
          core.placeOrder(
            account,
            { symbol, side, type: 'LIMIT', price: limit, quantity, timeInForce, reduceOnly },
            time,
          ),
        );
      } else if (roll < 0.75) {
        record('canceled', core.cancelAllOrders(account, symbol, time));
      } else if (roll < 0.8) {
        const triggerPrice = (price * (1 + (random() - 0.5) * 0.02)).toFixed(tick);
        const algo = core.placeAlgoOrder(
          account,
          {
            symbol,
            side: pick<Side>(['BUY', 'SELL']),
            type: pick(['STOP_MARKET', 'TAKE_PROFIT_MARKET'] as const),
            triggerPrice,
            closePosition: true,
            workingType: pick(['MARK_PRICE', 'CONTRACT_PRICE'] as const),
          },
          time,
        );
        record('algo', algo);
      } else if (roll < 0.83) {
        record('leverage', core.setLeverage(account, symbol, pick([5, 10, 20, 50]), time));
      } else if (roll < 0.86) {
        core.setMarginType(account, symbol, pick(['CROSSED', 'ISOLATED'] as const), time);
      } else if (roll < 0.88) {
        const amount = (random() * 1000).toFixed(2);
        const deposit = random() < 0.5;
        const asset = deposit
          ? core.deposit(account, 'USDC', amount, time)
          : core.withdraw(account, 'USDC', amount, time);
        record('transfer', asset);
      } else if (roll < 0.9) {
        core.setFundingRate(symbol, ((random() - 0.5) * 0.002).toFixed(6));
      } else {
        record('positions', core.positions(account));
        record('assets', core.assets(account));
        record('totals', core.accountTotals(account));
        record('open', core.openOrders(account));
      }
    } catch (error) {
      record('rejected', (error as Error).message);
    }
    if (random() < 0.2) drain(core);
  }
  drain(core);
  for (const id of accounts) {
    record('fills', core.fills(id));
    record('ledger', core.ledger(id));
    record('orders', core.allOrders(id));
  }
}

bookWalk();
for (const seed of [1, 2, 3, 4]) mixedOperations(seed);
console.log(`${answers} answers, sha256 ${hash.digest('hex')}`);
