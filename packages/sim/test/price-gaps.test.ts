import { beforeEach, describe, expect, it } from 'vitest';
import { flatten, privateSocket, useManualWorld } from './manual-world';
import { payloadOf, until } from './socket-client';

/**
 * A price that jumps through resting stops: a STOP_MARKET or TAKE_PROFIT_MARKET sends a market order when
 * it triggers, so it fills where the market is (the gap price), not at its trigger; a STOP with a limit
 * price may not fill at all. Over real HTTP and the user-data socket.
 */

const SYMBOL = 'SOL/USDC:USDC';

type RawClient = {
  fapiPrivateGetUserTrades(params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
};

describe('gaps through resting stops', () => {
  const world = useManualWorld();
  beforeEach(async () => {
    world.sim.setMarketPrice('SOLUSDC', '105.00');
    await flatten(world.exchange, SYMBOL);
  });

  it("fills a long's STOP_MARKET at 100 near 90 when the price jumps from 105 to 90", async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    try {
      await exchange.createOrder(SYMBOL, 'market', 'buy', 1);
      const stop = await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 1, undefined, {
        stopPrice: 100,
        reduceOnly: true,
      });
      await until(() => messages.some((message) => payloadOf(message).e === 'ALGO_UPDATE'));
      messages.length = 0;

      sim.setMarketPrice('SOLUSDC', '90.00');
      await until(() =>
        messages.some(
          (message) =>
            payloadOf(message).e === 'ALGO_UPDATE' &&
            (payloadOf(message).o as { X: string }).X === 'FINISHED',
        ),
      );
      const payloads = messages.map(payloadOf);
      const fill = payloads.find(
        (payload) => payload.e === 'ORDER_TRADE_UPDATE' && (payload.o as { x: string }).x === 'TRADE',
      )?.o;
      // Through the book: the best bid a tick under the new last price; bought at the best ask, 105.01.
      expect(fill).toMatchObject({ o: 'MARKET', ot: 'STOP_MARKET', sp: '100.00', L: '89.99', rp: '-15.02' });
      expect(payloads.at(-1)?.o).toMatchObject({ X: 'FINISHED', ap: '89.99', aq: '1.00', tp: '100.00' });

      const [trade] = (
        await (exchange as unknown as RawClient).fapiPrivateGetUserTrades({ symbol: 'SOLUSDC' })
      ).slice(-1);
      expect(trade).toMatchObject({ side: 'SELL', price: '89.99', qty: '1.00', realizedPnl: '-15.02' });
      expect((await exchange.fetchOrder(stop.id!, SYMBOL, { trigger: true })).status).toBe('closed');
      expect(await exchange.fetchPositions([SYMBOL])).toEqual([]);
    } finally {
      socket.terminate();
    }
  });

  it('fills a mark-price stop at the last price when the mark jumps through it', async () => {
    const { sim, exchange } = world;
    await exchange.createOrder(SYMBOL, 'market', 'buy', 1);
    await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', undefined as unknown as number, undefined, {
      stopPrice: 100,
      closePosition: true,
      workingType: 'MARK_PRICE',
    });
    sim.setMarketPrice('SOLUSDC', '91.00', '90.00');
    const trades = await (exchange as unknown as RawClient).fapiPrivateGetUserTrades({ symbol: 'SOLUSDC' });
    expect(trades.at(-1)).toMatchObject({ side: 'SELL', price: '90.99', qty: '1.00' });
    expect(await exchange.fetchPositions([SYMBOL])).toEqual([]);
  });

  it('fills a TAKE_PROFIT_MARKET at the gap price too, here in the position’s favour', async () => {
    const { sim, exchange } = world;
    await exchange.createOrder(SYMBOL, 'market', 'buy', 1);
    await exchange.createOrder(SYMBOL, 'TAKE_PROFIT_MARKET', 'sell', 1, undefined, {
      stopPrice: 110,
      reduceOnly: true,
    });
    sim.setMarketPrice('SOLUSDC', '120.00');
    const trades = await (exchange as unknown as RawClient).fapiPrivateGetUserTrades({ symbol: 'SOLUSDC' });
    expect(trades.at(-1)).toMatchObject({ side: 'SELL', price: '119.99', realizedPnl: '14.98' });
  });

  it('leaves a STOP with a limit price resting unfilled below the gap: the position stays open', async () => {
    const { sim, exchange } = world;
    await exchange.createOrder(SYMBOL, 'market', 'buy', 1);
    const stop = await exchange.createOrder(SYMBOL, 'STOP', 'sell', 1, 99, {
      stopPrice: 100,
      reduceOnly: true,
    });
    sim.setMarketPrice('SOLUSDC', '90.00');
    const algo = await exchange.fetchOrder(stop.id!, SYMBOL, { trigger: true });
    expect(algo.status).toBe('closed');
    const [child] = await exchange.fetchOpenOrders(SYMBOL);
    expect(child).toMatchObject({ type: 'limit', side: 'sell', price: 99, filled: 0 });
    expect(await exchange.fetchPositions([SYMBOL])).toMatchObject([{ side: 'long', contracts: 1 }]);
  });
});
