import { describe, expect, it } from 'vitest';
import { createBinanceMarketPoller } from './binance-market-poller';
import { createBinanceListenKeyApi, createBinanceUserDataPoller } from './binance-user-data-poller';
import type { MarketPollTarget, RestCall } from './pollers';

/** A fake REST API: answers by `METHOD path`, records calls. */
function fakeRest(routes: Record<string, (call: RestCall) => unknown>) {
  const calls: RestCall[] = [];
  const request = async (call: RestCall) => {
    calls.push(call);
    const route = routes[`${call.method} ${call.path}`];
    if (!route) throw Object.assign(new Error(`404 ${call.path}`), { code: -5000 });
    return route(call);
  };
  return { request, calls };
}

const target = (overrides: Partial<MarketPollTarget>): MarketPollTarget => ({
  stream: 'btcusdc@kline_1m',
  kind: 'kline',
  symbol: 'BTCUSDC',
  interval: '1m',
  lastEventTime: undefined,
  lastId: undefined,
  lastClosedOpenTime: undefined,
  ...overrides,
});

const klineRow = (openTime: number) => [
  openTime,
  '1.0',
  '2.0',
  '0.5',
  '1.5',
  '10',
  openTime + 59_999,
  '15',
  3,
  '5',
  '7.5',
  '0',
];

describe('createBinanceMarketPoller', () => {
  it('continues klines from the last closed candle, marking all but the current one closed', async () => {
    const { request, calls } = fakeRest({
      'GET /fapi/v1/klines': () => [klineRow(120_000), klineRow(180_000), klineRow(240_000)],
    });
    const poll = createBinanceMarketPoller({ request });
    const result = await poll({ reason: 'degraded', targets: [target({ lastClosedOpenTime: 60_000 })] });
    expect(calls[0]?.params).toEqual({ symbol: 'BTCUSDC', interval: '1m', limit: 99, startTime: 60_001 });
    expect(
      result.events.map((event) => (event.type === 'kline' ? [event.openTime, event.closed] : [])),
    ).toEqual([
      [120_000, true],
      [180_000, true],
      [240_000, false],
    ]);
    expect(result.weight).toBe(1);
    expect(result.errors).toEqual([]);
  });

  it('never reports the forming candle closed, and reports it closed once, with its final prices, after it closed', async () => {
    // A 1m market as Binance's REST serves it: closed candles oldest first, then the forming one.
    const closes = new Map<number, string>([[60_000, '1.1']]);
    let forming = { openTime: 120_000, close: '1.2' };
    const row = (openTime: number, close: string) => [
      openTime,
      '1.0',
      '2.0',
      '0.5',
      close,
      '10',
      openTime + 59_999,
      '15',
      3,
      '5',
      '7.5',
      '0',
    ];
    const { request } = fakeRest({
      'GET /fapi/v1/klines': (call) => {
        const all = [...closes].map(([openTime, close]) => row(openTime, close));
        all.push(row(forming.openTime, forming.close));
        const { startTime, limit } = call.params as { startTime?: number; limit: number };
        return startTime === undefined
          ? all.slice(-limit)
          : all.filter((kline) => (kline[0] as number) >= startTime).slice(0, limit);
      },
    });
    // Two rows per poll: the first poll's page and a full page both end with the forming candle.
    const poll = createBinanceMarketPoller({ request, maxKlinesPerPoll: 2 });
    const closed: string[] = [];
    let lastClosedOpenTime: number | undefined;
    const pollAsTheFeedDoes = async () => {
      const result = await poll({ reason: 'degraded', targets: [target({ lastClosedOpenTime })] });
      expect(result.errors).toEqual([]);
      for (const event of result.events) {
        if (event.type !== 'kline' || !event.closed || event.openTime <= (lastClosedOpenTime ?? -1)) continue;
        closed.push(`${event.openTime}:${event.close}`);
        lastClosedOpenTime = event.openTime;
      }
    };
    await pollAsTheFeedDoes();
    await pollAsTheFeedDoes();
    forming = { openTime: 120_000, close: '1.3' };
    await pollAsTheFeedDoes();
    expect(closed).toEqual(['60000:1.1']);
    closes.set(120_000, '1.4');
    closes.set(180_000, '1.5');
    forming = { openTime: 240_000, close: '1.6' };
    // A full page whose newest row is closed: that row is reported closed by the next poll.
    await pollAsTheFeedDoes();
    await pollAsTheFeedDoes();
    await pollAsTheFeedDoes();
    expect(closed).toEqual(['60000:1.1', '120000:1.4', '180000:1.5']);
  });

  it('asks for mark prices one by one below ten symbols, all at once from ten, and reports failed parts', async () => {
    const row = (symbol: string) => ({
      symbol,
      markPrice: '1.5',
      indexPrice: '1.4',
      estimatedSettlePrice: '1.4',
      lastFundingRate: '0.0001',
      interestRate: '0.0001',
      nextFundingTime: 8,
      time: 5,
    });
    const symbols = Array.from({ length: 10 }, (_, index) => `S${index}USDC`);
    const { request, calls } = fakeRest({
      'GET /fapi/v1/premiumIndex': (call) =>
        call.params?.symbol ? row(String(call.params.symbol)) : symbols.map(row),
    });
    const poll = createBinanceMarketPoller({ request });
    const few = await poll({
      reason: 'degraded',
      targets: [
        target({ kind: 'markPrice', interval: undefined, symbol: 'S1USDC' }),
        target({ kind: 'bookTicker', interval: undefined }),
      ],
    });
    expect(few.events).toHaveLength(1);
    expect(few.errors).toHaveLength(1);
    expect(few.weight).toBe(3);
    calls.length = 0;
    const many = await poll({
      reason: 'degraded',
      targets: symbols.map((symbol) => target({ kind: 'markPrice', interval: undefined, symbol })),
    });
    expect(calls).toHaveLength(1);
    expect(many.weight).toBe(10);
    expect(many.events.map((event) => event.symbol)).toEqual(symbols);
  });
});

describe('createBinanceUserDataPoller', () => {
  it('reconstructs NEW, TRADE (with cumulative quantity) and TRADE_LITE for fills after its baseline', async () => {
    const trades = [
      {
        id: 1,
        orderId: 10,
        symbol: 'BTCUSDC',
        side: 'BUY',
        price: '100',
        qty: '1',
        commission: '0',
        commissionAsset: 'USDC',
        realizedPnl: '0',
        maker: false,
        time: 1,
      },
    ];
    const order = {
      orderId: 11,
      symbol: 'BTCUSDC',
      status: 'FILLED',
      clientOrderId: 'c11',
      price: '0',
      avgPrice: '101',
      origQty: '0.5',
      executedQty: '0.5',
      timeInForce: 'GTC',
      type: 'MARKET',
      side: 'SELL',
      time: 2,
      updateTime: 4,
    };
    const { request } = fakeRest({
      'GET /fapi/v1/userTrades': () => trades,
      'GET /fapi/v1/openOrders': () => [],
      'GET /fapi/v1/allAlgoOrders': () => [],
      'GET /fapi/v3/account': () => ({
        assets: [{ asset: 'USDC', walletBalance: '99', crossWalletBalance: '99', updateTime: 4 }],
      }),
      'GET /fapi/v2/positionRisk': () => [
        {
          symbol: 'BTCUSDC',
          positionAmt: '0.5',
          entryPrice: '100',
          unRealizedProfit: '0',
          marginType: 'cross',
          updateTime: 4,
        },
      ],
      'GET /fapi/v1/order': () => order,
    });
    const poller = createBinanceUserDataPoller({ request, symbols: ['btcusdc'] });
    await poller.start?.();
    trades.push(
      {
        id: 2,
        orderId: 11,
        symbol: 'BTCUSDC',
        side: 'SELL',
        price: '101',
        qty: '0.2',
        commission: '0.01',
        commissionAsset: 'USDC',
        realizedPnl: '0.2',
        maker: true,
        time: 3,
      },
      {
        id: 3,
        orderId: 11,
        symbol: 'BTCUSDC',
        side: 'SELL',
        price: '101',
        qty: '0.3',
        commission: '0.01',
        commissionAsset: 'USDC',
        realizedPnl: '0.3',
        maker: true,
        time: 4,
      },
    );
    const result = await poller.poll({ reason: 'degraded' });
    expect(result.errors).toEqual([]);
    const summary = result.events.map((event) =>
      event.type === 'orderUpdate'
        ? `${event.executionType}:${event.orderId}:${event.tradeId}:${event.cumulativeFilledQuantity}:${event.orderStatus}`
        : event.type === 'tradeLite'
          ? `LITE:${event.tradeId}`
          : `${event.type}`,
    );
    expect(summary).toEqual([
      'NEW:11:0:0:NEW',
      'TRADE:11:2:0.2:PARTIALLY_FILLED',
      'LITE:2',
      'TRADE:11:3:0.5:FILLED',
      'LITE:3',
      'accountUpdate',
    ]);
    const second = await poller.poll({ reason: 'degraded' });
    expect(second.events.map((event) => event.type)).toEqual(['accountUpdate']);
  });

  it('reports orders that left the book cancelled, and algo orders whose status changed', async () => {
    const resting = {
      orderId: 20,
      symbol: 'BTCUSDC',
      status: 'NEW',
      clientOrderId: 'c20',
      price: '90',
      origQty: '1',
      executedQty: '0',
      type: 'LIMIT',
      side: 'BUY',
      time: 1,
      updateTime: 1,
    };
    const open = [resting];
    const algos = [
      {
        algoId: 5,
        symbol: 'BTCUSDC',
        side: 'SELL',
        algoStatus: 'NEW',
        orderType: 'STOP_MARKET',
        createTime: 1,
        updateTime: 1,
      },
    ];
    const { request } = fakeRest({
      'GET /fapi/v1/userTrades': () => [],
      'GET /fapi/v1/openOrders': () => open,
      'GET /fapi/v1/allAlgoOrders': () => algos,
      'GET /fapi/v3/account': () => ({ assets: [] }),
      'GET /fapi/v2/positionRisk': () => [],
      'GET /fapi/v1/order': () => ({ ...resting, status: 'CANCELED', updateTime: 9 }),
    });
    const poller = createBinanceUserDataPoller({ request, symbols: ['BTCUSDC'] });
    await poller.start?.();
    open.length = 0;
    algos[0] = { ...algos[0]!, algoStatus: 'CANCELED', updateTime: 8 };
    algos.push({
      algoId: 6,
      symbol: 'BTCUSDC',
      side: 'SELL',
      algoStatus: 'FINISHED',
      orderType: 'TAKE_PROFIT_MARKET',
      createTime: 5,
      updateTime: 7,
    });
    const result = await poller.poll({ reason: 'degraded' });
    const summary = result.events.map((event) =>
      event.type === 'orderUpdate'
        ? `order ${event.orderId} ${event.executionType}`
        : event.type === 'algoUpdate'
          ? `algo ${event.algoId} ${event.algoStatus}`
          : event.type,
    );
    expect(summary).toEqual([
      'algo 6 NEW',
      'algo 6 FINISHED',
      'algo 5 CANCELED',
      'order 20 CANCELED',
      'accountUpdate',
    ]);
  });
});

describe('createBinanceListenKeyApi', () => {
  it('POSTs, PUTs and DELETEs /fapi/v1/listenKey with the API key only', async () => {
    const { request, calls } = fakeRest({
      'POST /fapi/v1/listenKey': () => ({ listenKey: 'abc' }),
      'PUT /fapi/v1/listenKey': () => ({}),
      'DELETE /fapi/v1/listenKey': () => ({}),
    });
    const api = createBinanceListenKeyApi(request);
    expect(await api.create()).toBe('abc');
    await api.keepAlive('abc');
    await api.close?.('abc');
    expect(calls.map((call) => `${call.method} ${call.security}`)).toEqual([
      'POST USER_STREAM',
      'PUT USER_STREAM',
      'DELETE USER_STREAM',
    ]);
  });
});
