import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { proClient, restClient } from './ccxt-client';
import { connect, until } from './socket-client';

/**
 * Every stream the emulator accepts is one it sends: tickers, mini tickers, trades and the all-market
 * arrays from the market's prices and tape; the others (depth levels other than 5, 10, 20; speeds other than 100/250/500 ms) are refused with
 * Binance's invalid-stream answer. User data also flows to a `/private/stream` connection that
 * SUBSCRIBEs its listenKey, the way Binance's own connector opens it.
 */

describe('served streams', () => {
  let sim: Sim;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 5, historyMinutes: 30 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });

  async function subscribe(path: string, params: string[], id = 1) {
    const connection = await connect(`${sim.wsUrl}${path}`);
    sockets.push(connection.socket);
    connection.socket.send(JSON.stringify({ method: 'SUBSCRIBE', params, id }));
    await until(() => connection.messages.some((message) => message.id === id));
    return { ...connection, answer: connection.messages.find((message) => message.id === id) };
  }

  it('sends ticker, miniTicker and trade streams for a symbol', async () => {
    const market = await subscribe('/market/ws', ['btcusdc@ticker', 'btcusdc@miniTicker']);
    expect(market.answer).toEqual({ result: null, id: 1 });
    const trades = await subscribe('/public/ws', ['btcusdc@trade']);
    expect(trades.answer).toEqual({ result: null, id: 1 });
    sim.advance(5000);
    await until(() => market.messages.some((message) => message.e === '24hrTicker'));
    await until(() => market.messages.some((message) => message.e === '24hrMiniTicker'));
    await until(() => trades.messages.some((message) => message.e === 'trade'));
    const ticker = market.messages.find((message) => message.e === '24hrTicker')!;
    expect(Object.keys(ticker).sort()).toEqual(
      ['e', 'E', 's', 'p', 'P', 'w', 'c', 'Q', 'o', 'h', 'l', 'v', 'q', 'O', 'C', 'F', 'L', 'n'].sort(),
    );
    expect(ticker.s).toBe('BTCUSDC');
    expect(Number(ticker.c)).toBeGreaterThan(0);
    const mini = market.messages.find((message) => message.e === '24hrMiniTicker')!;
    expect(Object.keys(mini).sort()).toEqual(['e', 'E', 's', 'c', 'o', 'h', 'l', 'v', 'q'].sort());
    const trade = trades.messages.find((message) => message.e === 'trade')!;
    expect(trade).toMatchObject({
      s: 'BTCUSDC',
      t: expect.any(Number),
      p: expect.any(String),
      q: expect.any(String),
      X: 'MARKET',
      m: expect.any(Boolean),
    });
    // The trade ids are the tape's: the same as aggTrades over REST.
    const tape = (await (await fetch(`${sim.url}/fapi/v1/aggTrades?symbol=BTCUSDC&limit=1000`)).json()) as {
      a: number;
    }[];
    expect(tape.map((row) => row.a)).toContain(trade.t);
    // Tickers come every 2 s of market time, not on every tick.
    const count = market.messages.filter((message) => message.e === '24hrTicker').length;
    expect(count).toBeLessThanOrEqual(3);
  });

  it('sends the all-market arrays and !bookTicker', async () => {
    const market = await subscribe('/market/stream', ['!ticker@arr', '!miniTicker@arr', '!markPrice@arr@1s']);
    expect(market.answer).toEqual({ result: null, id: 1 });
    const books = await subscribe('/public/ws', ['!bookTicker']);
    sim.advance(3000);
    const arrayOf = (stream: string) =>
      market.messages.find((message) => message.stream === stream)?.data as
        Record<string, unknown>[] | undefined;
    await until(() =>
      ['!ticker@arr', '!miniTicker@arr', '!markPrice@arr@1s'].every((stream) => arrayOf(stream)),
    );
    const symbols = sim.core
      .instruments()
      .map((instrument) => instrument.symbol)
      .sort();
    expect(
      arrayOf('!ticker@arr')!
        .map((row) => row.s)
        .sort(),
    ).toEqual(symbols);
    expect(arrayOf('!ticker@arr')![0]).toMatchObject({ e: '24hrTicker' });
    expect(arrayOf('!miniTicker@arr')![0]).toMatchObject({ e: '24hrMiniTicker' });
    expect(arrayOf('!markPrice@arr@1s')![0]).toMatchObject({ e: 'markPriceUpdate', p: expect.any(String) });
    await until(() => books.messages.some((message) => message.e === 'bookTicker'));
  });

  it('refuses streams it would never send with Binance’s invalid-stream answer', async () => {
    for (const stream of [
      'btcusdc@depth7',
      'btcusdc@depth5@250ms',
      'btcusdc@forceOrder',
      'btcusdc@kline_7m',
      'nonsense',
    ]) {
      const path = stream.includes('depth') ? '/public/ws' : '/market/ws';
      const { answer } = await subscribe(path, [stream], 7);
      expect(answer, stream).toEqual({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 7 });
    }
    // One invalid stream refuses the whole request: nothing is subscribed.
    const mixed = await subscribe('/market/ws', ['btcusdc@ticker', 'btcusdc@depth7'], 8);
    expect(mixed.answer).toMatchObject({ error: { code: 2 } });
    mixed.socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 9 }));
    await until(() => mixed.messages.some((message) => message.id === 9));
    expect(mixed.messages.find((message) => message.id === 9)?.result).toEqual([]);
    // Named in the URL: the upgrade is refused.
    await expect(connect(`${sim.wsUrl}/public/stream?streams=btcusdc@depth7`)).rejects.toThrow(/400/);
  });

  it('serves ccxt pro’s watchTicker and watchTickers', async () => {
    const pro = await proClient(sim);
    try {
      const pending = pro.watchTicker('BTC/USDC:USDC');
      // ccxt pro's binanceusdm watches `@miniTicker` streams, one per symbol.
      await until(() => sim.streams.activeStreams().includes('btcusdc@miniTicker'));
      sim.advance(3000);
      const ticker = await pending;
      expect(ticker).toMatchObject({ symbol: 'BTC/USDC:USDC', last: expect.any(Number) });
      const all = pro.watchTickers(['BTC/USDC:USDC', 'ETH/USDC:USDC']);
      await until(() => sim.streams.activeStreams().includes('ethusdc@miniTicker'));
      sim.advance(2000);
      expect(Object.keys(await all).length).toBeGreaterThan(0);
    } finally {
      await pro.close();
    }
  });

  it('delivers user data to /private/stream after a SUBSCRIBE of the listenKey', async () => {
    const rest = restClient(sim);
    const { listenKey } = (await rest.fapiPrivatePostListenKey()) as { listenKey: string };
    const unknown = await subscribe('/private/stream', ['not-a-key'], 3);
    expect(unknown.answer).toEqual({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 3 });

    const { socket, messages, answer } = await subscribe('/private/stream', [listenKey], 4);
    expect(answer).toEqual({ result: null, id: 4 });
    socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 5 }));
    await until(() => messages.some((message) => message.id === 5));
    expect(messages.find((message) => message.id === 5)?.result).toEqual([listenKey]);

    await rest.createOrder('BTC/USDC:USDC', 'market', 'buy', 0.002);
    await until(() => messages.some((message) => message.stream === listenKey));
    const frame = messages.find((message) => message.stream === listenKey)!;
    expect(Object.keys(frame).sort()).toEqual(['data', 'stream']);
    expect(frame.data).toMatchObject({ e: 'ORDER_TRADE_UPDATE', o: { s: 'BTCUSDC', x: 'NEW' } });

    socket.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: [listenKey], id: 6 }));
    await until(() => messages.some((message) => message.id === 6));
    const before = messages.length;
    await rest.createOrder('BTC/USDC:USDC', 'market', 'sell', 0.002);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages.length).toBe(before);
  });
});
