import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MatchingCore } from './matching-core';
import { btcSpec, ethSpec, startTime } from './testing/core-fixtures';
import type { ConditionalOrderType, CoreEvent, Side, TimeInForce, WorkingType } from './types';
import { SimRejection } from './types';

/** Numeric string fields of the views: each must be a plain decimal (no NaN, no exponent, no "-0"). */
const numericKeys = new Set([
  'price',
  'avgPrice',
  'origQty',
  'executedQty',
  'cumQuote',
  'stopPrice',
  'quantity',
  'triggerPrice',
  'actualPrice',
  'actualQty',
  'positionAmt',
  'entryPrice',
  'breakEvenPrice',
  'markPrice',
  'unrealizedProfit',
  'liquidationPrice',
  'isolatedMargin',
  'isolatedWallet',
  'notional',
  'initialMargin',
  'maintMargin',
  'walletBalance',
  'marginBalance',
  'positionInitialMargin',
  'openOrderInitialMargin',
  'crossWalletBalance',
  'crossUnPnl',
  'availableBalance',
  'maxWithdrawAmount',
  'qty',
  'quoteQty',
  'commission',
  'realizedPnl',
]);
const plainDecimal = /^-?\d+(\.\d+)?$/;

function checkNumbers(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkNumbers(item, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string' && numericKeys.has(key)) {
        if (!plainDecimal.test(item) || /^-0(\.0*)?$/.test(item)) throw new Error(`${path}.${key} = ${item}`);
      } else if (typeof item === 'number' && !Number.isFinite(item)) {
        throw new Error(`${path}.${key} = ${item}`);
      } else {
        checkNumbers(item, `${path}.${key}`);
      }
    }
  }
}

type Command =
  | { kind: 'market'; symbol: number; side: Side; lots: number; reduceOnly: boolean }
  | {
      kind: 'limit';
      symbol: number;
      side: Side;
      lots: number;
      offset: number;
      reduceOnly: boolean;
      timeInForce: TimeInForce;
    }
  | {
      kind: 'algo';
      symbol: number;
      side: Side;
      type: ConditionalOrderType;
      lots: number;
      offset: number;
      workingType: WorkingType;
      reduceOnly: boolean;
      closePosition: boolean;
    }
  | { kind: 'cancel'; pick: number }
  | { kind: 'cancelAlgo'; pick: number }
  | { kind: 'move'; symbol: number; change: number; markGap: number; minutes: number }
  | { kind: 'leverage'; symbol: number; leverage: number }
  | { kind: 'marginType'; symbol: number }
  | { kind: 'partialFault'; ratio: number }
  | { kind: 'adl'; symbol: number; percent: number };

const side = fc.constantFrom<Side>('BUY', 'SELL');
const symbolIndex = fc.integer({ min: 0, max: 1 });
const lots = fc.integer({ min: 1, max: 400 });
/** Fractions from integer basis points (fc.double is spread over exponents, not uniform). */
const fraction = (limit: number): fc.Arbitrary<number> =>
  fc.integer({ min: -limit, max: limit }).map((basisPoints) => basisPoints / 10_000);
const offset = fraction(800);

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('market' as const),
    symbol: symbolIndex,
    side,
    lots,
    reduceOnly: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('limit' as const),
    symbol: symbolIndex,
    side,
    lots,
    offset,
    reduceOnly: fc.boolean(),
    timeInForce: fc.constantFrom<TimeInForce>('GTC', 'IOC', 'FOK', 'GTX'),
  }),
  fc.record({
    kind: fc.constant('algo' as const),
    symbol: symbolIndex,
    side,
    type: fc.constantFrom<ConditionalOrderType>('STOP_MARKET', 'TAKE_PROFIT_MARKET', 'STOP', 'TAKE_PROFIT'),
    lots,
    offset,
    workingType: fc.constantFrom<WorkingType>('MARK_PRICE', 'CONTRACT_PRICE'),
    reduceOnly: fc.boolean(),
    closePosition: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cancelAlgo' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('move' as const),
    symbol: symbolIndex,
    change: fraction(1200),
    markGap: fraction(100),
    minutes: fc.integer({ min: 0, max: 300 }),
  }),
  fc.record({
    kind: fc.constant('leverage' as const),
    symbol: symbolIndex,
    leverage: fc.integer({ min: 1, max: 100 }),
  }),
  fc.record({ kind: fc.constant('marginType' as const), symbol: symbolIndex }),
  fc.record({
    kind: fc.constant('partialFault' as const),
    ratio: fc.integer({ min: 0, max: 100 }).map((percent) => percent / 100),
  }),
  fc.record({
    kind: fc.constant('adl' as const),
    symbol: symbolIndex,
    percent: fc.integer({ min: 1, max: 100 }),
  }),
);

const specs = [btcSpec, ethSpec];
/** Prices in ticks (integers), so every generated price is on the tick. */
const tickFactor = [10, 100];

function priceText(ticks: number, symbol: number): string {
  return symbol === 0 ? (ticks / 10).toFixed(1) : (ticks / 100).toFixed(2);
}

function run(commands: readonly Command[]): void {
  const core = new MatchingCore({ instruments: specs });
  core.addAccount('alice', { USDC: '3000' }, startTime);
  core.addAccount('bob', { USDC: '500' }, startTime);
  let time = startTime;
  const lastTicks = [60_000 * tickFactor[0]!, 3_000 * tickFactor[1]!];
  const markTicks = [...lastTicks];
  for (let symbol = 0; symbol < 2; symbol += 1) {
    core.updateMarket({
      symbol: specs[symbol]!.symbol,
      lastPrice: priceText(lastTicks[symbol]!, symbol),
      markPrice: priceText(markTicks[symbol]!, symbol),
      time,
    });
  }
  /** Last known positionAmt per account and symbol, from account events. */
  const amounts = new Map<string, number>();

  const checkEvents = (events: readonly CoreEvent[]): void => {
    // Through JSON: the views of fill events are getters, which Object.entries does not see.
    checkNumbers(JSON.parse(JSON.stringify(events)), 'events');
    let reduceOnlyTrade: { accountId: string; symbol: string } | undefined;
    for (const event of events) {
      if (event.kind === 'order' && event.execution === 'TRADE') {
        reduceOnlyTrade = event.order.reduceOnly
          ? { accountId: event.accountId, symbol: event.order.symbol }
          : undefined;
      } else if (event.kind === 'account') {
        for (const balance of event.balances) {
          expect(Number(balance.crossWalletBalance)).toBeGreaterThanOrEqual(0);
        }
        for (const position of event.positions) {
          const key = `${event.accountId}/${position.symbol}`;
          const before = amounts.get(key) ?? 0;
          const after = Number(position.positionAmt);
          if (reduceOnlyTrade?.accountId === event.accountId && reduceOnlyTrade.symbol === position.symbol) {
            // a reduce-only fill never flips nor grows the position
            expect(Math.abs(after)).toBeLessThan(Math.abs(before));
            expect(after === 0 || Math.sign(after) === Math.sign(before)).toBe(true);
          }
          amounts.set(key, after);
          expect(Number(position.isolatedWallet)).toBeGreaterThanOrEqual(0);
        }
        reduceOnlyTrade = undefined;
      }
    }
  };

  let step = 0;
  for (const item of commands) {
    step += 1;
    const accountId = step % 3 === 0 ? 'bob' : 'alice';
    try {
      switch (item.kind) {
        case 'market':
          core.placeOrder(
            accountId,
            {
              symbol: specs[item.symbol]!.symbol,
              side: item.side,
              type: 'MARKET',
              quantity: (item.lots / 1000).toFixed(3),
              reduceOnly: item.reduceOnly,
            },
            time,
          );
          break;
        case 'limit': {
          const ticks = Math.max(1, Math.round(lastTicks[item.symbol]! * (1 + item.offset)));
          core.placeOrder(
            accountId,
            {
              symbol: specs[item.symbol]!.symbol,
              side: item.side,
              type: 'LIMIT',
              price: priceText(ticks, item.symbol),
              quantity: (item.lots / 1000).toFixed(3),
              reduceOnly: item.reduceOnly,
              timeInForce: item.timeInForce,
            },
            time,
          );
          break;
        }
        case 'algo': {
          const ticks = Math.max(1, Math.round(lastTicks[item.symbol]! * (1 + item.offset)));
          const limitType = item.type === 'STOP' || item.type === 'TAKE_PROFIT';
          core.placeAlgoOrder(
            accountId,
            {
              symbol: specs[item.symbol]!.symbol,
              side: item.side,
              type: item.type,
              triggerPrice: priceText(ticks, item.symbol),
              price: limitType ? priceText(ticks, item.symbol) : undefined,
              quantity: item.closePosition && !limitType ? undefined : (item.lots / 1000).toFixed(3),
              closePosition: item.closePosition && !limitType,
              reduceOnly: item.closePosition && !limitType ? undefined : item.reduceOnly,
              workingType: item.workingType,
            },
            time,
          );
          break;
        }
        case 'cancel': {
          const open = core.openOrders(accountId);
          const order = open[item.pick % Math.max(1, open.length)];
          if (order !== undefined)
            core.cancelOrder(accountId, order.symbol, { orderId: order.orderId }, time);
          break;
        }
        case 'cancelAlgo': {
          const open = core.openAlgoOrders(accountId);
          const algo = open[item.pick % Math.max(1, open.length)];
          if (algo !== undefined) core.cancelAlgoOrder(accountId, { algoId: algo.algoId }, time);
          break;
        }
        case 'move': {
          time += item.minutes * 60_000;
          const last = Math.max(100, Math.round(lastTicks[item.symbol]! * (1 + item.change)));
          const mark = Math.max(100, Math.round(last * (1 + item.markGap)));
          lastTicks[item.symbol] = last;
          markTicks[item.symbol] = mark;
          core.updateMarket({
            symbol: specs[item.symbol]!.symbol,
            lastPrice: priceText(last, item.symbol),
            markPrice: priceText(mark, item.symbol),
            time,
          });
          break;
        }
        case 'leverage':
          core.setLeverage(accountId, specs[item.symbol]!.symbol, item.leverage, time);
          break;
        case 'marginType': {
          const symbol = specs[item.symbol]!.symbol;
          const current = core.symbolConfig(accountId, symbol)[0]!.marginType;
          core.setMarginType(accountId, symbol, current === 'CROSSED' ? 'ISOLATED' : 'CROSSED', time);
          break;
        }
        case 'partialFault':
          core.faults.partialFillRatio = item.ratio;
          break;
        case 'adl': {
          const symbol = specs[item.symbol]!.symbol;
          const held = core.positions(accountId).find((position) => position.symbol === symbol)!;
          const thousandths = Math.floor((Math.abs(Number(held.positionAmt)) * 1000 * item.percent) / 100);
          if (thousandths > 0) core.autoDeleverage(accountId, symbol, time, (thousandths / 1000).toFixed(3));
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof SimRejection)) throw error;
    }
    checkEvents(core.drainEvents());
    for (const id of ['alice', 'bob']) {
      const views = {
        assets: core.assets(id),
        positions: core.positions(id),
        totals: core.accountTotals(id),
      };
      checkNumbers(views, id);
      for (const asset of views.assets) {
        expect(Number(asset.walletBalance)).toBeGreaterThanOrEqual(0);
        expect(Number(asset.crossWalletBalance)).toBeGreaterThanOrEqual(0);
      }
      for (const position of views.positions)
        expect(Number(position.isolatedWallet)).toBeGreaterThanOrEqual(0);
    }
  }
}

describe('random order flows (property)', () => {
  it('never produce NaN, a negative wallet, or a position flipped by a reduce-only order', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 80, size: 'max' }), (commands) => {
        run(commands);
      }),
      { numRuns: 300 },
    );
  });
});
