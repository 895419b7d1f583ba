import ccxt from 'ccxt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';

const SYMBOL = 'BTC/USDC:USDC';

describe('ccxt binanceusdm against the emulator', () => {
  let sim: Sim;
  let exchange: ReturnType<typeof restClient>;

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 7, historyMinutes: 1200 });
    exchange = restClient(sim);
    await exchange.loadMarkets();
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(async () => {
    sim.clearFaults();
    sim.setMarketPrice('BTCUSDC', '60000.0');
    await exchange.cancelAllOrders(SYMBOL);
    await exchange.cancelAllOrders(SYMBOL, { trigger: true });
    const [position] = await exchange.fetchPositions([SYMBOL]);
    if (position && position.contracts) {
      await exchange.createOrder(
        SYMBOL,
        'market',
        position.side === 'long' ? 'sell' : 'buy',
        position.contracts,
        undefined,
        {
          reduceOnly: true,
        },
      );
    }
  });

  it('loads markets with Binance filters as ccxt understands them', () => {
    const market = exchange.market(SYMBOL);
    expect(market).toMatchObject({
      id: 'BTCUSDC',
      type: 'swap',
      linear: true,
      settle: 'USDC',
      quote: 'USDC',
      active: true,
      precision: { price: 0.1, amount: 0.001 },
      limits: { amount: { min: 0.001, max: 1000 }, market: { max: 120 }, cost: { min: 5 } },
    });
    expect(exchange.market('ETH/USDT:USDT').settle).toBe('USDT');
    expect(sim.requests.some((request) => request.path.startsWith('/sapi'))).toBe(false);
  });

  it('fetches server time, balance, mark price and candles', async () => {
    const time = await exchange.fetchTime();
    expect(Math.abs((time ?? 0) - Date.now())).toBeLessThan(2000);
    const balance = await exchange.fetchBalance();
    const usdc = balance.USDC as { total?: number; free?: number };
    expect(usdc.total).toBeGreaterThan(0);
    expect(usdc.free).toBeGreaterThan(0);
    const mark = await exchange.fetchMarkPrice(SYMBOL);
    expect(mark.markPrice).toBe(60000);
    const candles = await exchange.fetchOHLCV(SYMBOL, '1m', undefined, 100);
    expect(candles).toHaveLength(100);
    for (const [time, open, high, low, close] of candles) {
      expect(time! % 60_000).toBe(0);
      expect(high).toBeGreaterThanOrEqual(Math.max(open!, close!));
      expect(low).toBeLessThanOrEqual(Math.min(open!, close!));
    }
    const funding = await exchange.fetchFundingRate(SYMBOL);
    expect(typeof funding.fundingRate).toBe('number');
    expect(funding.fundingTimestamp).toBeGreaterThan(sim.marketTime());
  });

  it('serves the trade tape and the book ticker over REST', async () => {
    sim.advance(30_000);
    const trades = await exchange.fetchTrades(SYMBOL, undefined, 20);
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.length).toBeLessThanOrEqual(20);
    const ids = trades.map((trade) => Number(trade.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(trades[0]).toMatchObject({
      symbol: SYMBOL,
      price: expect.any(Number),
      amount: expect.any(Number),
    });
    const after = await exchange.fetchTrades(SYMBOL, undefined, 1000, { fromId: ids.at(-1) });
    expect(Number(after[0]?.id)).toBe(ids.at(-1));
    const book = (await (
      await fetch(`${sim.url}/fapi/v1/ticker/bookTicker?symbol=BTCUSDC`)
    ).json()) as Record<string, unknown>;
    expect(book).toMatchObject({
      symbol: 'BTCUSDC',
      bidPrice: expect.any(String),
      askPrice: expect.any(String),
      time: expect.any(Number),
    });
  });

  it('sets leverage and margin mode, and refuses a margin mode change it does not need', async () => {
    const leverage = await exchange.setLeverage(5, SYMBOL);
    expect(leverage).toMatchObject({ leverage: 5, symbol: 'BTCUSDC' });
    await exchange.setMarginMode('isolated', SYMBOL);
    await expect(exchange.setMarginMode('isolated', SYMBOL)).rejects.toBeInstanceOf(
      ccxt.MarginModeAlreadySet,
    );
    await exchange.setMarginMode('cross', SYMBOL);
    const leverages = await exchange.fetchLeverages([SYMBOL]);
    expect(leverages[SYMBOL]).toMatchObject({ marginMode: 'cross', longLeverage: 5 });
  });

  it('opens a market position and shows it in fetchPositions', async () => {
    await exchange.setLeverage(10, SYMBOL);
    const order = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    expect(order).toMatchObject({
      symbol: SYMBOL,
      type: 'market',
      side: 'buy',
      status: 'closed',
      amount: 0.01,
      filled: 0.01,
      average: 60000.1, // the best ask: the book's spread is two ticks around the last price
    });
    expect(order.reduceOnly).toBe(false);
    const positions = await exchange.fetchPositions([SYMBOL]);
    expect(positions).toHaveLength(1);
    expect(positions[0]).toMatchObject({
      symbol: SYMBOL,
      side: 'long',
      contracts: 0.01,
      entryPrice: 60000.1,
      marginMode: 'cross',
    });
    const short = await exchange.createOrder(SYMBOL, 'market', 'sell', 0.03);
    expect(short.status).toBe('closed');
    const [afterFlip] = await exchange.fetchPositions([SYMBOL]);
    expect(afterFlip).toMatchObject({ side: 'short', contracts: 0.02 });
  });

  it('places STOP_MARKET and TAKE_PROFIT_MARKET on the algo side with reduceOnly and workingType', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    const stop = await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 58000,
      reduceOnly: true,
      workingType: 'MARK_PRICE',
    });
    expect(stop).toMatchObject({
      symbol: SYMBOL,
      side: 'sell',
      status: 'open',
      amount: 0.01,
      triggerPrice: 58000,
      reduceOnly: true,
    });
    expect(stop.type).toBe('market');
    const takeProfit = await exchange.createOrder(SYMBOL, 'TAKE_PROFIT_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 63000,
      reduceOnly: true,
    });
    expect(takeProfit).toMatchObject({ status: 'open', triggerPrice: 63000, reduceOnly: true });
    const algoPaths = sim.requests.filter(
      (request) => request.path === '/fapi/v1/algoOrder' && request.status === 200,
    );
    expect(algoPaths.length).toBeGreaterThanOrEqual(2);

    const regular = await exchange.fetchOpenOrders(SYMBOL);
    expect(regular).toEqual([]);
    const conditional = await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect(conditional.map((order) => order.id).sort()).toEqual([stop.id, takeProfit.id].sort());
    const fetched = await exchange.fetchOrder(stop.id!, SYMBOL, { trigger: true });
    expect(fetched).toMatchObject({ id: stop.id, triggerPrice: 58000, status: 'open', reduceOnly: true });
    const canceled = await exchange.cancelOrder(takeProfit.id!, SYMBOL, { trigger: true });
    expect(canceled.id).toBe(takeProfit.id);
    const remaining = await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect(remaining.map((order) => order.id)).toEqual([stop.id]);
  });

  it('places TAKE_PROFIT with a limit price and closePosition stops without a quantity', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.02);
    const takeProfit = await exchange.createOrder(SYMBOL, 'TAKE_PROFIT', 'sell', 0.02, 62000, {
      stopPrice: 61900,
      reduceOnly: true,
    });
    expect(takeProfit).toMatchObject({ type: 'limit', price: 62000, triggerPrice: 61900, status: 'open' });
    const closeAll = await exchange.createOrder(
      SYMBOL,
      'STOP_MARKET',
      'sell',
      undefined as unknown as number,
      undefined,
      {
        stopPrice: 57000,
        closePosition: true,
      },
    );
    expect(closeAll).toMatchObject({ status: 'open', triggerPrice: 57000 });
    expect(closeAll.info).toMatchObject({ closePosition: true });
  });

  it('accepts the unified stopLossPrice and takeProfitPrice forms', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'sell', 0.01);
    const stopLoss = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, {
      stopLossPrice: 61500,
      reduceOnly: true,
    });
    expect(stopLoss).toMatchObject({ side: 'buy', triggerPrice: 61500, status: 'open', reduceOnly: true });
    expect(stopLoss.info).toMatchObject({ orderType: 'STOP_MARKET' });
    const takeProfit = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, {
      takeProfitPrice: 58500,
      reduceOnly: true,
    });
    expect(takeProfit.info).toMatchObject({ orderType: 'TAKE_PROFIT_MARKET' });
  });

  it('fires a stop-loss when the mark price crosses it, and ccxt sees it closed', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    const stop = await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 59000,
      reduceOnly: true,
      workingType: 'MARK_PRICE',
    });
    sim.setMarketPrice('BTCUSDC', '58900.0', '59500.0');
    expect((await exchange.fetchOrder(stop.id!, SYMBOL, { trigger: true })).status).toBe('open');
    sim.setMarketPrice('BTCUSDC', '58900.0', '58950.0');
    const triggered = await exchange.fetchOrder(stop.id!, SYMBOL, { trigger: true });
    expect(triggered.status).toBe('closed');
    expect(await exchange.fetchPositions([SYMBOL])).toEqual([]);
  });

  it('rests, fetches and cancels limit orders; cancelAllOrders clears each side separately', async () => {
    const limit = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 59000);
    expect(limit).toMatchObject({ status: 'open', type: 'limit', price: 59000, filled: 0 });
    const open = await exchange.fetchOpenOrders(SYMBOL);
    expect(open.map((order) => order.id)).toEqual([limit.id]);
    expect((await exchange.fetchOrder(limit.id!, SYMBOL)).status).toBe('open');
    const canceled = await exchange.cancelOrder(limit.id!, SYMBOL);
    expect(canceled.status).toBe('canceled');

    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 59000);
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 58000,
      reduceOnly: true,
    });
    await exchange.cancelAllOrders(SYMBOL);
    expect(await exchange.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect(await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toHaveLength(1);
    await exchange.cancelAllOrders(SYMBOL, { trigger: true });
    expect(await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toEqual([]);
  });

  it('maps Binance rejections to the ccxt error classes', async () => {
    await expect(
      exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
        stopPrice: 61000,
        reduceOnly: true,
      }),
    ).rejects.toBeInstanceOf(ccxt.ExchangeError);
    await expect(
      exchange.createOrder(SYMBOL, 'STOP_MARKET', 'buy', 0.01, undefined, { stopPrice: 59000 }),
    ).rejects.toThrow(/-2021/);
    await expect(exchange.createOrder(SYMBOL, 'market', 'buy', 100)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.001, 1000)).rejects.toThrow();
    await expect(
      exchange.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, { reduceOnly: true }),
    ).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(exchange.fetchOrder('424242', SYMBOL)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('answers a conditional type on /fapi/v1/order with -4120, like the real endpoint', async () => {
    const raw = exchange as unknown as {
      fapiPrivatePostOrder(params: Record<string, unknown>): Promise<unknown>;
    };
    await expect(
      raw.fapiPrivatePostOrder({
        symbol: 'BTCUSDC',
        side: 'SELL',
        type: 'STOP_MARKET',
        quantity: '0.010',
        stopPrice: '58000',
      }),
    ).rejects.toThrow(/-4120/);
  });

  it('checks keys, signatures and the recvWindow as Binance does', async () => {
    const wrongSecret = restClient(sim, { ...sim.accounts[0]!, apiSecret: 'f'.repeat(64) });
    await expect(wrongSecret.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    const unknownKey = restClient(sim, { ...sim.accounts[0]!, apiKey: 'nobody' });
    await expect(unknownKey.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    sim.injectFaults({ clockSkewMs: 30_000 });
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    sim.clearFaults();
    await expect(exchange.fetchBalance()).resolves.toBeDefined();
  });

  it('sends the weight and order-count headers', async () => {
    await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 59000);
    const headers = exchange.last_response_headers as Record<string, string>;
    const lower = Object.fromEntries(
      Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
    );
    expect(Number(lower['x-mbx-used-weight-1m'])).toBeGreaterThan(0);
    expect(Number(lower['x-mbx-order-count-1m'])).toBeGreaterThan(0);
    expect(Number(lower['x-mbx-order-count-10s'])).toBeGreaterThan(0);
  });

  it('turns injected 429, 418 and 5xx into the errors ccxt raises for them', async () => {
    sim.injectFaults({ rateLimit: { status: 429, retryAfterSeconds: 7, count: 1 } });
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    sim.injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 120, count: 1 } });
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    sim.injectFaults({ httpErrors: [{ status: 502 }] });
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    sim.injectFaults({ maintenance: true });
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.OperationFailed);
    sim.clearFaults();
    await expect(exchange.fetchTime()).resolves.toBeGreaterThan(0);
  });

  it('executes the order behind a "503 Unknown error" when asked to, so the outcome is really unknown', async () => {
    sim.injectFaults({
      httpErrors: [
        {
          status: 503,
          code: -1000,
          msg: 'Unknown error, please check your request or try again later.',
          executeBeforeError: true,
          pathContains: '/fapi/v1/order',
        },
      ],
    });
    await expect(
      exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'unknown-outcome-1' }),
    ).rejects.toBeInstanceOf(ccxt.OperationFailed);
    const order = await exchange.fetchOrder(undefined as unknown as string, SYMBOL, {
      origClientOrderId: 'unknown-outcome-1',
    });
    expect(order.status).toBe('closed');
  });

  it('fills only part of an order when a partial fill is injected', async () => {
    sim.injectFaults({ partialFillRatio: 0.5 });
    const order = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.02, 60100);
    expect(order.filled).toBe(0.01);
    expect(order.remaining).toBe(0.01);
    expect(order.status).toBe('open');
    await exchange.cancelOrder(order.id!, SYMBOL);
  });

  it('rejects the next conditional order when told to', async () => {
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    await expect(
      exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
        stopPrice: 55000,
        reduceOnly: true,
      }),
    ).rejects.toBeInstanceOf(ccxt.OrderImmediatelyFillable);
    const stop = await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
      stopPrice: 55000,
      reduceOnly: true,
    });
    expect(stop.status).toBe('open');
  });
});
