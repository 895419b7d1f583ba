import type { FillView, OrderView } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { NO_FACTS } from './audit-facts';
import { episodesOf, fromUnits } from './exchange-record';
import type { ExchangeRecord } from './exchange-record';
import { botTrades } from './invariants';

/** The suite's episode model, checked by hand: what the invariants count as the bot's trade and its PnL. */
let nextTrade = 1;
function fill(
  orderId: number,
  side: 'BUY' | 'SELL',
  qty: string,
  realizedPnl: string,
  commission: string,
): FillView {
  const tradeId = nextTrade++;
  return {
    tradeId,
    orderId,
    symbol: 'BTCUSDC',
    side,
    price: '100000',
    qty,
    quoteQty: '0',
    commission,
    commissionAsset: 'USDC',
    realizedPnl,
    maker: false,
    time: tradeId * 1000,
  };
}
const order = (orderId: number, clientOrderId: string) => ({ orderId, clientOrderId }) as OrderView;
const ENTRY = 'bot0123456789abcdef01-e1';
const orders = [order(1, 'web_open'), order(2, ENTRY), order(3, 'bot-sl-1'), order(4, 'web_reverse')];

describe('episodesOf: a fill through zero', () => {
  it("a bot entry through the user's fresh position counts whole for the bot's trade; the user's fills stay the user's", () => {
    const episodes = episodesOf(
      [
        fill(1, 'BUY', '0.01', '0', '0.5'), // the user opens long
        fill(2, 'SELL', '0.03', '-2', '1.5'), // the bot's entry closes it and opens 0.02 short
        fill(3, 'BUY', '0.02', '-4', '1'), // the bot's stop
      ],
      orders,
    );
    expect(episodes.map((episode) => episode.openedBy)).toEqual(['user', 'entry']);
    const [user, bot] = episodes;
    expect(user?.fills.map((entry) => entry.qty)).toEqual(['0.01']);
    expect(fromUnits(user?.net ?? 0n)).toBe(-0.5);
    expect(bot?.fills.map((entry) => entry.qty)).toEqual(['0.03', '0.02']);
    expect(fromUnits(bot?.net ?? 0n)).toBe(-2 - 1.5 - 4 - 1);
    expect(bot?.end).toBeDefined();
  });

  it('a bot entry through a position the bot had adopted is split at zero: the close is the adopted trade’s (seed 28)', () => {
    const fills = [
      fill(1, 'BUY', '0.01', '0', '0.5'), // the user opens long; the bot adopts it
      fill(2, 'SELL', '0.03', '-2', '1.5'), // the bot's entry closes it and opens 0.02 short
      fill(3, 'BUY', '0.02', '-4', '1'), // the bot's stop
    ];
    const episodes = episodesOf(fills, orders, (episode) => episode.openedBy === 'user');
    expect(episodes.map((episode) => episode.openedBy)).toEqual(['user', 'entry']);
    const [adopted, bot] = episodes;
    expect(adopted?.fills.map((entry) => [entry.qty, entry.commission, entry.realizedPnl])).toEqual([
      ['0.01', '0.5', '0'],
      ['0.01000000', '0.50000000', '-2'],
    ]);
    expect(adopted?.end).toBe(fills[1]?.time);
    expect(fromUnits(adopted?.net ?? 0n)).toBe(-0.5 - 2 - 0.5);
    expect(fromUnits(bot?.net ?? 0n)).toBe(-1 - 4 - 1);
  });

  it("the user's order through the bot's trade is split at zero: the closing part, all its PnL and its fee prorated, ends the trade", () => {
    const episodes = episodesOf(
      [
        fill(2, 'SELL', '0.02', '0', '1'), // the bot's entry: short 0.02
        fill(4, 'BUY', '0.05', '-3', '2.5'), // the user buys 0.05: closes 0.02, opens 0.03 long
        fill(1, 'SELL', '0.03', '1', '1.5'), // the user closes
      ],
      orders,
    );
    expect(episodes.map((episode) => episode.openedBy)).toEqual(['entry', 'user']);
    const [bot, user] = episodes;
    expect(bot?.fills.map((entry) => [entry.qty, entry.commission, entry.realizedPnl])).toEqual([
      ['0.02', '1', '0'],
      ['0.02000000', '1.00000000', '-3'],
    ]);
    expect(fromUnits(bot?.net ?? 0n)).toBe(-1 - 3 - 1);
    expect(user?.fills[0]).toMatchObject({ qty: '0.03000000', commission: '1.50000000', realizedPnl: '0' });
    expect(fromUnits(user?.net ?? 0n)).toBe(-1.5 + 1 - 1.5);
  });
});

describe('botTrades: whose position it is', () => {
  const record = {
    orders: () => orders,
    marketOf: (wall: number) => wall,
    speed: 600,
  } as unknown as ExchangeRecord;

  it('a position the user opened and a bot entry then added to (a race) is the bot’s trade, whole (seed 1)', () => {
    const episodes = episodesOf(
      [
        fill(1, 'SELL', '0.01', '0', '0.5'), // the user opens short
        fill(2, 'SELL', '0.03', '0', '1.5'), // the bot's entry, decided before, adds to it
        fill(3, 'BUY', '0.04', '-4', '2'), // the bot's stop closes the whole
      ],
      orders,
    );
    expect(botTrades(episodes, NO_FACTS, [], record).map((trade) => fromUnits(trade.net))).toEqual([
      -0.5 - 1.5 - 4 - 2,
    ]);
  });

  it('a position only the user traded is not', () => {
    const episodes = episodesOf(
      [fill(1, 'SELL', '0.01', '0', '0.5'), fill(4, 'BUY', '0.01', '-1', '0.5')],
      orders,
    );
    expect(botTrades(episodes, NO_FACTS, [], record)).toEqual([]);
  });
});
