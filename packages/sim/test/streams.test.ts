import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { proClient, restClient } from './ccxt-client';
import { connect, until } from './socket-client';

const SYMBOL = 'BTC/USDC:USDC';

describe('WebSocket streams', () => {
  let sim: Sim;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 3, historyMinutes: 10 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
    sim.clearFaults();
  });

  it('serves market streams on /market/ws by SUBSCRIBE, raw payloads', async () => {
    const { socket, messages } = await connect(`${sim.wsUrl}/market/ws`);
    sockets.push(socket);
    socket.send(
      JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdc@markPrice@1s', 'btcusdc@kline_1m'], id: 1 }),
    );
    await until(() => messages.some((message) => message.id === 1));
    expect(messages.find((message) => message.id === 1)).toEqual({ result: null, id: 1 });
    sim.advance(3000);
    await until(() => messages.some((message) => message.e === 'markPriceUpdate'));
    await until(() => messages.some((message) => message.e === 'kline'));
    const mark = messages.find((message) => message.e === 'markPriceUpdate')!;
    expect(mark).toMatchObject({
      s: 'BTCUSDC',
      p: expect.any(String),
      r: expect.any(String),
      T: expect.any(Number),
    });
    socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }));
    await until(() => messages.some((message) => message.id === 2));
    expect(messages.find((message) => message.id === 2)?.result).toEqual([
      'btcusdc@markPrice@1s',
      'btcusdc@kline_1m',
    ]);
  });

  it('wraps combined /stream?streams= payloads as {stream, data}', async () => {
    const { socket, messages } = await connect(`${sim.wsUrl}/public/stream?streams=btcusdc@bookTicker`);
    sockets.push(socket);
    sim.advance(2000);
    await until(() => messages.length > 0);
    expect(messages[0]).toMatchObject({
      stream: 'btcusdc@bookTicker',
      data: { e: 'bookTicker', s: 'BTCUSDC' },
    });
  });

  it('refuses a market stream on /public and unknown paths', async () => {
    const { socket, messages } = await connect(`${sim.wsUrl}/public/ws`);
    sockets.push(socket);
    socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdc@markPrice@1s'], id: 9 }));
    await until(() => messages.length > 0);
    expect(messages[0]).toMatchObject({ id: 9, error: { code: 2 } });
    await expect(connect(`${sim.wsUrl}/nope/ws`)).rejects.toThrow(/404/);
  });

  it('answers malformed frames with an error and keeps the connection', async () => {
    const { socket, messages } = await connect(`${sim.wsUrl}/market/ws`);
    sockets.push(socket);
    socket.send('{not json');
    socket.send(JSON.stringify({ method: 'FLY', id: 4 }));
    await until(() => messages.length >= 2);
    expect(messages[0]).toMatchObject({ error: { code: 3 } });
    expect(messages[1]).toMatchObject({ id: 4, error: { code: 1 } });
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a connection that floods it with messages', async () => {
    const { socket } = await connect(`${sim.wsUrl}/market/ws`);
    sockets.push(socket);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    for (let index = 0; index < 20; index += 1)
      socket.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: index }));
    expect(await closed).toBe(1008);
  });

  it('delivers user data on /private/ws?listenKey= and announces expiry', async () => {
    const exchange = restClient(sim);
    await exchange.loadMarkets();
    const raw = exchange as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> };
    const { listenKey } = await raw.fapiPrivatePostListenKey();
    expect(listenKey).toMatch(/^[0-9a-f]{64}$/);
    const { socket, messages } = await connect(`${sim.wsUrl}/private/ws?listenKey=${listenKey}`);
    sockets.push(socket);
    sim.setMarketPrice('BTCUSDC', '60000.0');
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 59000,
      reduceOnly: true,
    });
    sim.setMarketPrice('BTCUSDC', '58990.0');
    await until(() => messages.filter((message) => message.e === 'ALGO_UPDATE').length >= 3);
    const kinds = messages.map((message) =>
      message.e === 'ALGO_UPDATE'
        ? `ALGO:${(message.o as { X: string }).X}`
        : message.e === 'ORDER_TRADE_UPDATE'
          ? `ORDER:${(message.o as { x: string }).x}`
          : String(message.e),
    );
    // The entry: NEW, TRADE (+ TRADE_LITE), ACCOUNT_UPDATE; then the stop's life, in Binance's order.
    expect(kinds.slice(0, 4)).toEqual(['ORDER:NEW', 'ORDER:TRADE', 'TRADE_LITE', 'ACCOUNT_UPDATE']);
    const stopLife = kinds.slice(4);
    expect(stopLife[0]).toBe('ALGO:NEW');
    expect(stopLife.indexOf('ALGO:TRIGGERED')).toBeLessThan(stopLife.indexOf('ORDER:TRADE'));
    expect(stopLife.at(-1)).toBe('ALGO:FINISHED');
    expect(stopLife).toContain('ACCOUNT_UPDATE');

    sim.expireListenKeys();
    await until(() => messages.some((message) => message.e === 'listenKeyExpired'));
    const expired = messages.find((message) => message.e === 'listenKeyExpired')!;
    expect(expired).toMatchObject({ listenKey, E: expect.any(String) });
    const raw2 = exchange as unknown as { fapiPrivatePutListenKey(): Promise<unknown> };
    await expect(raw2.fapiPrivatePutListenKey()).rejects.toThrow(/-1125/);
  });

  it('lets ccxt pro watch mark price, orders and positions', async () => {
    const exchange = await proClient(sim);
    await exchange.loadMarkets();
    sim.setMarketPrice('BTCUSDC', '60000.0');
    const markPrice = exchange.watchMarkPrice(SYMBOL);
    await new Promise((resolve) => setTimeout(resolve, 200));
    sim.advance(2000);
    const ticker = await markPrice;
    expect(ticker.symbol).toBe(SYMBOL);
    expect(ticker.markPrice).toBeGreaterThan(0);

    // The first watchPositions answers with ccxt's REST snapshot; the next one waits for ACCOUNT_UPDATE.
    expect(await exchange.watchPositions([SYMBOL])).toEqual([]);
    const orders = exchange.watchOrders(SYMBOL);
    const positions = exchange.watchPositions([SYMBOL]);
    await until(() => sim.streams.connectionCount('private') > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rest = restClient(sim);
    await rest.loadMarkets();
    await rest.createOrder(SYMBOL, 'market', 'sell', 0.01);
    const [order] = await orders;
    expect(order).toMatchObject({ symbol: SYMBOL, side: 'sell', type: 'market' });
    const [position] = await positions;
    expect(position).toMatchObject({ symbol: SYMBOL, side: 'short', contracts: 0.01 });
    await exchange.close();
  });
});

describe('stream faults and connection rules', () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await startSim({
      speed: 'manual',
      historyMinutes: 5,
      streams: { pingIntervalMs: 200, pongTimeoutMs: 600, maxConnectionMs: 1500 },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('drops connections on demand, per category', async () => {
    const market = await connect(`${sim.wsUrl}/market/ws/btcusdc@markPrice@1s`);
    const publicStream = await connect(`${sim.wsUrl}/public/ws/btcusdc@bookTicker`);
    const closed = new Promise<void>((resolve) => market.socket.once('close', () => resolve()));
    expect(sim.dropStreams('market')).toBe(1);
    await closed;
    expect(publicStream.socket.readyState).toBe(WebSocket.OPEN);
    publicStream.socket.terminate();
  });

  it('goes stale while the socket stays open, and recovers', async () => {
    const { socket, messages } = await connect(`${sim.wsUrl}/market/ws/btcusdc@markPrice@1s`);
    sim.injectFaults({ staleMarketStreams: true });
    sim.advance(5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages).toEqual([]);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    sim.clearFaults();
    sim.advance(2000);
    await until(() => messages.length > 0);
    socket.terminate();
  });

  it('stops answering client pings when told to (missed pongs)', async () => {
    const { socket } = await connect(`${sim.wsUrl}/market/ws`);
    const pong = () =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once('pong', () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.ping();
      });
    expect(await pong()).toBe(true);
    sim.injectFaults({ ignorePings: true });
    expect(await pong()).toBe(false);
    socket.terminate();
  });

  it('pings, closes a client that never answers, and cuts every connection at its maximum age', async () => {
    const silent = new WebSocket(`${sim.wsUrl}/market/ws`, { autoPong: false });
    const pinged = new Promise<void>((resolve) => silent.once('ping', () => resolve()));
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    const polite = await connect(`${sim.wsUrl}/market/ws`);
    const politeClosed = new Promise<number>((resolve) =>
      polite.socket.once('close', (code) => resolve(code)),
    );
    await pinged;
    await silentClosed;
    expect(polite.socket.readyState).toBe(WebSocket.OPEN);
    expect(await politeClosed).toBe(1000);
  });

  it('delays REST answers by the injected latency', async () => {
    sim.injectFaults({ latencyMs: 150 });
    const start = Date.now();
    await fetch(`${sim.url}/fapi/v1/ping`);
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    sim.clearFaults();
  });

  it('runs the market clock accelerated', async () => {
    const fast = await startSim({ speed: 600, historyMinutes: 5 });
    try {
      const before = fast.marketTime();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fast.marketTime() - before).toBeGreaterThanOrEqual(60_000);
      const candles = fast.candles.klines('BTCUSDC', '1m', { limit: 1500 });
      expect(candles.at(-1)?.[0]).toBeGreaterThanOrEqual(before);
    } finally {
      await fast.close();
    }
  });
});

describe('combined private streams, aggTrade and the control endpoint', () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('delivers only the allowed events on /private/stream, wrapped by listenKey', async () => {
    const exchange = restClient(sim);
    await exchange.loadMarkets();
    const raw = exchange as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> };
    const { listenKey } = await raw.fapiPrivatePostListenKey();
    const { socket, messages } = await connect(
      `${sim.wsUrl}/private/stream?listenKey=${listenKey}&events=ACCOUNT_UPDATE/ACCOUNT_CONFIG_UPDATE`,
    );
    sim.setMarketPrice('BTCUSDC', '60000.0');
    await exchange.setLeverage(7, SYMBOL);
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    await until(() => messages.length >= 2);
    expect(messages.map((message) => (message.data as { e: string }).e)).toEqual([
      'ACCOUNT_CONFIG_UPDATE',
      'ACCOUNT_UPDATE',
    ]);
    expect(messages.every((message) => message.stream === listenKey)).toBe(true);
    expect(messages[0]).toMatchObject({ data: { ac: { s: 'BTCUSDC', l: 7 } } });
    socket.terminate();
  });

  it('refuses a private connection with an unknown listenKey', async () => {
    await expect(connect(`${sim.wsUrl}/private/ws?listenKey=${'0'.repeat(64)}`)).rejects.toThrow(/400/);
  });

  it('streams aggregate trades and klines of the market', async () => {
    const { socket, messages } = await connect(
      `${sim.wsUrl}/market/stream?streams=btcusdc@aggTrade/btcusdc@kline_1m`,
    );
    sim.advance(61_000);
    await until(() => messages.some((message) => (message.data as { e: string }).e === 'aggTrade'));
    await until(() => messages.some((message) => (message.data as { k?: { x: boolean } }).k?.x === true));
    const trade = messages.find((message) => message.stream === 'btcusdc@aggTrade')!.data;
    expect(trade).toMatchObject({
      e: 'aggTrade',
      s: 'BTCUSDC',
      p: expect.any(String),
      q: expect.any(String),
      m: expect.any(Boolean),
    });
    socket.terminate();
  });

  it('takes faults over POST /_sim/faults and clears them with DELETE', async () => {
    const exchange = restClient(sim);
    const post = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ clockSkewMs: -30_000 }),
    });
    expect(post.status).toBe(200);
    await expect(exchange.fetchBalance()).rejects.toThrow(/-1021/);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    await expect(exchange.fetchBalance()).resolves.toBeDefined();
    const advanced = (await (
      await fetch(`${sim.url}/_sim/advance`, { method: 'POST', body: JSON.stringify({ ms: 60_000 }) })
    ).json()) as { marketTime: number };
    expect(advanced.marketTime).toBe(sim.marketTime());
  });
});
