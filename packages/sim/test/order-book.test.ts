import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { proClient, restClient } from './ccxt-client';
import { connect, payloadOf, pingPong, until } from './socket-client';

/**
 * The seeded order book through the wire: `GET /fapi/v1/depth` with Binance's limits and weights,
 * bookTicker on the book's best levels, market orders walking it (one fill per level everywhere a fill
 * shows), partial and diff depth streams, and ccxt pro's `watchOrderBook` keeping a local book from them.
 */
const SYMBOL = 'BTC/USDC:USDC';
type Level = [string, string];
interface Depth {
  lastUpdateId: number;
  E: number;
  T: number;
  bids: Level[];
  asks: Level[];
}

describe('the books option', () => {
  it('changes a symbol’s book, turns it off, and refuses an unknown symbol or a bad spec', async () => {
    const sim = await startSim({
      speed: 'manual',
      historyMinutes: 5,
      books: { BTCUSDC: { spreadTicks: 4, levelQty: '2.000' }, ETHUSDC: false },
    });
    try {
      sim.setMarketPrice('BTCUSDC', '60000.0');
      sim.setMarketPrice('ETHUSDC', '3000.00');
      expect(sim.core.bookTop('BTCUSDC')).toMatchObject({ bidPrice: '59999.8', askPrice: '60000.2' });
      expect(sim.core.bookTop('ETHUSDC')).toMatchObject({ bidPrice: '3000.00', askPrice: '3000.00' });
      expect(sim.core.depth('ETHUSDC', 5)).toEqual({ lastUpdateId: 0, bids: [], asks: [] });
    } finally {
      await sim.close();
    }
    await expect(startSim({ books: { NOPEUSDC: { spreadTicks: 1 } } })).rejects.toThrow(
      /not a listed contract/,
    );
    await expect(startSim({ books: { BTCUSDC: { spreadTicks: 0 } } })).rejects.toThrow(/spreadTicks/);
    await expect(startSim({ books: { BTCUSDC: { levelQty: '0.0005' } } })).rejects.toThrow(/levelQty/);
  });
});

describe('the order book over REST and WebSocket', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5, seed: 5 });
    sim.setMarketPrice('BTCUSDC', '60000.0');
  });
  afterAll(async () => {
    await sim.close();
  });

  const depth = async (query: string) => {
    const response = await fetch(`${sim.url}/fapi/v1/depth?${query}`);
    return {
      status: response.status,
      weight: Number(response.headers.get('x-mbx-used-weight-1m')),
      body: (await response.json()) as Depth & { code?: number },
    };
  };

  it('answers /fapi/v1/depth for Binance’s limits with Binance’s weights, and -1130 for others', async () => {
    let previous = (await depth('symbol=BTCUSDC&limit=5')).weight;
    for (const [limit, weight] of [
      [5, 2],
      [10, 2],
      [20, 2],
      [50, 2],
      [100, 5],
      [500, 10],
      [1000, 20],
    ] as const) {
      const answer = await depth(`symbol=BTCUSDC&limit=${limit}`);
      expect(answer.status).toBe(200);
      expect(answer.weight - previous, `limit ${limit}`).toBe(weight);
      previous = answer.weight;
      expect(answer.body.bids).toHaveLength(limit);
      expect(answer.body.asks).toHaveLength(limit);
    }
    const fallback = await depth('symbol=BTCUSDC');
    expect(fallback.body.bids).toHaveLength(500);
    expect(fallback.weight - previous).toBe(10);
    const bad = await depth('symbol=BTCUSDC&limit=7');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(-1130);
    const { body } = await depth('symbol=BTCUSDC&limit=5');
    expect(body.bids[0]?.[0]).toBe('59999.9');
    expect(body.asks[0]?.[0]).toBe('60000.1');
    expect(body.bids.map(([price]) => price)).toEqual([
      '59999.9',
      '59999.8',
      '59999.7',
      '59999.6',
      '59999.5',
    ]);
    const ticker = (await (
      await fetch(`${sim.url}/fapi/v1/ticker/bookTicker?symbol=BTCUSDC`)
    ).json()) as Record<string, unknown>;
    expect(ticker).toMatchObject({
      bidPrice: body.bids[0]?.[0],
      bidQty: body.bids[0]?.[1],
      askPrice: body.asks[0]?.[0],
      askQty: body.asks[0]?.[1],
      lastUpdateId: body.lastUpdateId,
    });
  });

  it('walks the asks with a market buy: one trade per level in userTrades and ORDER_TRADE_UPDATE', async () => {
    const exchange = restClient(sim);
    await exchange.loadMarkets();
    const { listenKey } = await (
      exchange as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> }
    ).fapiPrivatePostListenKey();
    const { socket, messages } = await connect(`${sim.wsUrl}/private/ws?listenKey=${listenKey}`);
    try {
      const { body: before } = await depth('symbol=BTCUSDC&limit=10');
      const three = before.asks.slice(0, 3).reduce((sum, [, quantity]) => sum + Number(quantity), 0);
      const quantity = Number((three - 0.001).toFixed(3));
      const order = await exchange.createOrder(SYMBOL, 'market', 'buy', quantity);
      expect(order.status).toBe('closed');
      const trades = await exchange.fetchMyTrades(SYMBOL);
      expect(trades.map((trade) => trade.price)).toEqual(
        before.asks.slice(0, 3).map(([price]) => Number(price)),
      );
      const notional = trades.reduce((sum, trade) => sum + (trade.cost ?? 0), 0);
      expect(order.average).toBeCloseTo(notional / quantity, 1);
      await pingPong(socket);
      const tradeUpdates = messages
        .map(payloadOf)
        .filter((payload) => payload.e === 'ORDER_TRADE_UPDATE' && (payload.o as { x: string }).x === 'TRADE')
        .map((payload) => payload.o as { L: string; l: string; X: string; ap: string });
      expect(tradeUpdates.map((update) => update.L)).toEqual(before.asks.slice(0, 3).map(([price]) => price));
      expect(tradeUpdates.map((update) => update.X)).toEqual([
        'PARTIALLY_FILLED',
        'PARTIALLY_FILLED',
        'FILLED',
      ]);
      const { body: after } = await depth('symbol=BTCUSDC&limit=10');
      expect(after.lastUpdateId).toBeGreaterThan(before.lastUpdateId);
      expect(after.asks[0]).toEqual([before.asks[2]?.[0], '0.001']);
      await exchange.createOrder(SYMBOL, 'market', 'sell', quantity, undefined, { reduceOnly: true });
    } finally {
      socket.terminate();
    }
  });

  it('rejects a post-only order that would take with -5022', async () => {
    const exchange = restClient(sim);
    await exchange.loadMarkets();
    const { body } = await depth('symbol=BTCUSDC&limit=5');
    await expect(
      exchange.createOrder(SYMBOL, 'limit', 'buy', 0.001, Number(body.asks[0]?.[0]), { timeInForce: 'GTX' }),
    ).rejects.toThrow(/-5022|Post Only/i);
  });

  it('sends partial depth every 100 ms of market time and diff depth a client can keep a book from', async () => {
    const { socket, messages } = await connect(
      `${sim.wsUrl}/public/stream?streams=btcusdc@depth5@100ms/btcusdc@depth@100ms/btcusdc@bookTicker`,
    );
    try {
      sim.advance(1000);
      await pingPong(socket);
      const { body: snapshot } = await depth('symbol=BTCUSDC&limit=1000');
      const local = [new Map(snapshot.bids), new Map(snapshot.asks)];
      let nonce = snapshot.lastUpdateId;
      for (let second = 0; second < 8; second += 1) {
        sim.advance(1000);
        if (second === 3) sim.setMarketPrice('BTCUSDC', '60003.4');
        await pingPong(socket);
      }
      const byStream = (name: string) =>
        messages
          .filter((message) => message.stream === name)
          .map((message) => message.data as Record<string, unknown>);
      const partial = byStream('btcusdc@depth5@100ms');
      expect(partial.length).toBeGreaterThan(4);
      expect(partial.at(-1)).toMatchObject({ e: 'depthUpdate', s: 'BTCUSDC' });
      expect(partial.at(-1)?.b).toHaveLength(5);
      const tickers = byStream('btcusdc@bookTicker');
      expect(tickers.length).toBeGreaterThan(0);
      const diffs = byStream('btcusdc@depth@100ms') as unknown as {
        U: number;
        u: number;
        pu: number;
        b: Level[];
        a: Level[];
      }[];
      let applied = 0;
      for (const diff of diffs) {
        if (diff.u < nonce) continue;
        expect((diff.U <= nonce && diff.u >= nonce) || diff.pu === nonce).toBe(true);
        for (const [side, levels] of [
          [0, diff.b],
          [1, diff.a],
        ] as const) {
          for (const [price, quantity] of levels) {
            if (Number(quantity) === 0) local[side]?.delete(price);
            else local[side]?.set(price, quantity);
          }
        }
        nonce = diff.u;
        applied += 1;
      }
      expect(applied).toBeGreaterThan(2);
      const { body: now } = await depth('symbol=BTCUSDC&limit=1000');
      expect(now.lastUpdateId).toBe(nonce);
      const sorted = (side: 0 | 1) =>
        [...(local[side] ?? new Map<string, string>()).entries()]
          .sort((left, right) =>
            side === 0 ? Number(right[0]) - Number(left[0]) : Number(left[0]) - Number(right[0]),
          )
          .slice(0, 1000);
      expect(sorted(0)).toEqual(now.bids);
      expect(sorted(1)).toEqual(now.asks);
      expect(tickers.at(-1)).toMatchObject({ b: now.bids[0]?.[0], a: now.asks[0]?.[0], u: now.lastUpdateId });
    } finally {
      socket.terminate();
    }
  });

  it('keeps ccxt pro’s watchOrderBook equal to the REST book', async () => {
    const pro = await proClient(sim);
    try {
      await pro.loadMarkets();
      // No limit: ccxt then takes the 1000-level snapshot Binance's docs ask for (a 50-level one misses the
      // levels the price later moves onto, here as on Binance).
      const pending = pro.watchOrderBook(SYMBOL);
      let stop = false;
      const ticking = (async () => {
        while (!stop) {
          sim.advance(1000);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      let book = await pending;
      // A market order eats into the asks meanwhile: the diff carries it too.
      const exchange = restClient(sim);
      await exchange.loadMarkets();
      await exchange.createOrder(SYMBOL, 'market', 'buy', 1);
      for (let round = 0; round < 5; round += 1) book = await pro.watchOrderBook(SYMBOL);
      stop = true;
      await ticking;
      // The book ccxt returned is its local one, updated in place: let the last diff land, then compare.
      const rest = await exchange.fetchOrderBook(SYMBOL, 1000);
      await until(() => book.nonce === rest.nonce);
      expect(book.bids.slice(0, 50)).toEqual(rest.bids.slice(0, 50));
      expect(book.asks.slice(0, 50)).toEqual(rest.asks.slice(0, 50));
      await exchange.createOrder(SYMBOL, 'market', 'sell', 1, undefined, { reduceOnly: true });
      expect(book.bids[0]?.[0]).toBeLessThan(book.asks[0]?.[0] as number);
    } finally {
      await pro.close();
    }
  });
});
