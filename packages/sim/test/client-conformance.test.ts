import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import {
  DefaultLogger,
  isWsDiffBookDepthEventFormatted,
  isWsFormattedFuturesAlgoUpdateEvent,
  isWsFormattedFuturesUserDataAccountUpdate,
  isWsFormattedFuturesUserDataTradeUpdateEvent,
  USDMClient,
  WebsocketClient,
} from 'binance';
import type {
  WsMessageDiffBookDepthEventFormatted,
  WsMessageFuturesUserDataAccountUpdateFormatted,
  WsMessageFuturesUserDataTradeUpdateEventFormatted,
} from 'binance';
import type { Order, Trade } from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { proClient, restClient } from './ccxt-client';
import { until } from './socket-client';

/**
 * One scenario — exchange info, book, klines, balance, account, leverage, margin type, a market order
 * walking the book, a resting limit order and its cancel, an algo stop and its cancel, the user-data
 * events of all that, closing the position, the listenKey's life — driven through two unmodified
 * clients: ccxt (REST and pro streams) and Binance's own connector `@binance/derivatives-trading-usds-futures`
 * (REST API and WebSocket streams, user data over `/private/stream` + SUBSCRIBE of the listenKey). Each
 * part checks what that client parses; both runs must see the same exchange.
 */

/** What each client reports of the scenario, in plain numbers, for the checks both runs share. */
interface ScenarioOutcome {
  tickSize: number;
  stepSize: number;
  bestBid: number;
  bestAsk: number;
  klines: number;
  usdcBalance: number;
  leverage: number;
  marketFilled: number;
  marketAverage: number;
  marketTradePrices: number[];
  restingStatus: string;
  canceledStatus: string;
  algoOpen: number;
  algoCanceled: boolean;
  closedPositions: number;
  userEvents: string[];
}

const QUANTITY = 1.2; // more than the best ask level holds: the order walks several levels

/** Binance's order status as ccxt names it, so that every client's outcome reads alike. */
const ccxtStatus: Record<string, string> = {
  NEW: 'open',
  PARTIALLY_FILLED: 'open',
  FILLED: 'closed',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
};

async function runCcxt(sim: Sim): Promise<ScenarioOutcome> {
  const exchange = restClient(sim);
  const pro = await proClient(sim);
  const symbol = 'BTC/USDC:USDC';
  try {
    const markets = await exchange.loadMarkets();
    await pro.loadMarkets();
    const market = markets[symbol];
    const book = await exchange.fetchOrderBook(symbol, 5);
    expect(book.bids).toHaveLength(5);
    expect(typeof book.nonce).toBe('number');
    const klines = await exchange.fetchOHLCV(symbol, '1m', undefined, 5);
    for (const [time, open, high, low, close, volume] of klines) {
      expect(time).toBeTypeOf('number');
      expect(high).toBeGreaterThanOrEqual(Math.max(open as number, close as number));
      expect(low).toBeLessThanOrEqual(Math.min(open as number, close as number));
      expect(volume).toBeGreaterThanOrEqual(0);
    }
    const balance = await exchange.fetchBalance();
    const account = await (
      exchange as unknown as { fapiPrivateV3GetAccount(): Promise<{ totalWalletBalance: string }> }
    ).fapiPrivateV3GetAccount();
    expect(Number(account.totalWalletBalance)).toBeGreaterThan(0);
    const leverage = (await exchange.setLeverage(10, symbol)) as { leverage: number };
    await exchange.setMarginMode('isolated', symbol);
    expect((await exchange.fetchLeverages([symbol]))[symbol]).toMatchObject({ marginMode: 'isolated' });
    await exchange.setMarginMode('cross', symbol);

    // User data through ccxt pro: orders and trades as ccxt parses them from ORDER_TRADE_UPDATE.
    const streamedOrders: Order[] = [];
    const streamedTrades: Trade[] = [];
    let watching = true;
    const watchOrders = (async () => {
      while (watching) streamedOrders.push(...(await pro.watchOrders(symbol)));
    })().catch(() => undefined);
    const watchTrades = (async () => {
      while (watching) streamedTrades.push(...(await pro.watchMyTrades(symbol)));
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const order = await exchange.createOrder(symbol, 'market', 'buy', QUANTITY);
    const trades = (await exchange.fetchMyTrades(symbol)).filter((trade) => trade.order === order.id);
    const notional = trades.reduce((sum, trade) => sum + (trade.cost ?? 0), 0);
    expect(order.average).toBeCloseTo(notional / QUANTITY, 1);
    expect(trades.every((trade) => trade.takerOrMaker === 'taker')).toBe(true);
    await until(() => streamedTrades.length >= trades.length);
    expect(streamedTrades.map((trade) => trade.price)).toEqual(trades.map((trade) => trade.price));

    const resting = await exchange.createOrder(
      symbol,
      'limit',
      'buy',
      0.01,
      Math.floor(book.bids[0]![0]! * 0.99),
    );
    const canceled = await exchange.cancelOrder(resting.id!, symbol);
    const stop = await exchange.createOrder(
      symbol,
      'STOP_MARKET',
      'sell',
      undefined as unknown as number,
      undefined,
      {
        stopPrice: Math.floor(book.bids[0]![0]! * 0.9),
        closePosition: true,
      },
    );
    const openAlgos = await exchange.fetchOpenOrders(symbol, undefined, undefined, { trigger: true });
    await exchange.cancelOrder(stop.id!, symbol, { trigger: true });
    // ccxt parses DELETE /fapi/v1/algoOrder's `{code: "200", msg: "success"}` without a status: ask again.
    const canceledAlgo = await exchange.fetchOrder(stop.id!, symbol, { trigger: true });
    await exchange.createOrder(symbol, 'market', 'sell', QUANTITY, undefined, { reduceOnly: true });
    const positions = await exchange.fetchPositions([symbol]);
    await until(() =>
      streamedOrders.some((streamed) => streamed.reduceOnly === true && streamed.status === 'closed'),
    );
    watching = false;
    void watchOrders;
    void watchTrades;
    return {
      tickSize: market?.precision.price as number,
      stepSize: market?.precision.amount as number,
      bestBid: book.bids[0]![0] as number,
      bestAsk: book.asks[0]![0] as number,
      klines: klines.length,
      usdcBalance: balance.USDC?.total as number,
      leverage: leverage.leverage,
      marketFilled: order.filled as number,
      marketAverage: order.average as number,
      marketTradePrices: trades.map((trade) => trade.price as number),
      restingStatus: resting.status as string,
      canceledStatus: canceled.status as string,
      algoOpen: openAlgos.length,
      algoCanceled: canceledAlgo.status === 'canceled',
      closedPositions: positions.length,
      userEvents: [
        ...new Set(streamedOrders.map((streamed) => `${streamed.type}:${streamed.status}`)),
      ].sort(),
    };
  } finally {
    await pro.close();
  }
}

async function runConnector(sim: Sim): Promise<ScenarioOutcome> {
  const credentials = sim.accounts[0]!;
  const client = new DerivativesTradingUsdsFutures({
    // The connector's documented way to another server: `basePath` for REST, `wsURL` for streams.
    configurationRestAPI: { apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, basePath: sim.url },
    configurationWebsocketStreams: { wsURL: sim.wsUrl },
  });
  const rest = client.restAPI!;
  const data = async <T>(call: Promise<{ data(): Promise<T> }>): Promise<T> => (await call).data();
  const symbol = 'BTCUSDC';

  const info = await data(rest.exchangeInformation());
  const filters = info.symbols?.find((entry) => entry.symbol === symbol)?.filters ?? [];
  const tickSize = Number(filters.find((filter) => filter.filterType === 'PRICE_FILTER')?.tickSize);
  const stepSize = Number(filters.find((filter) => filter.filterType === 'LOT_SIZE')?.stepSize);
  const book = await data(rest.orderBook({ symbol, limit: 5 }));
  expect(book.lastUpdateId).toBeTypeOf('number');
  const klines = await data(rest.klineCandlestickData({ symbol, interval: '1m' as never, limit: 5 }));
  for (const row of klines) expect(row).toHaveLength(12);
  const balances = await data(rest.futuresAccountBalanceV3());
  const account = await data(rest.accountInformationV3());
  expect(Number(account.totalWalletBalance)).toBeGreaterThan(0);
  const leverage = await data(rest.changeInitialLeverage({ symbol, leverage: 10 }));
  await data(rest.changeMarginType({ symbol, marginType: 'ISOLATED' as never }));
  await data(rest.changeMarginType({ symbol, marginType: 'CROSSED' as never }));

  const { listenKey } = await data(rest.startUserDataStream());
  const connection = await client.websocketStreams!.connect();
  const events: Record<string, unknown>[] = [];
  const user = connection.userData(listenKey!);
  user.on('message', (message: unknown) => {
    events.push(message as Record<string, unknown>);
  });
  const depthUpdates: Record<string, unknown>[] = [];
  const depth = connection.diffBookDepthStreams({ symbol: 'btcusdc', updateSpeed: '100ms' as never });
  depth.on('message', (message: unknown) => {
    depthUpdates.push(message as Record<string, unknown>);
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const order = await data(
      rest.newOrder({ symbol, side: 'BUY' as never, type: 'MARKET' as never, quantity: QUANTITY }),
    );
    const trades = (await data(rest.accountTradeList({ symbol }))).filter(
      (trade) => trade.orderId === order.orderId,
    );
    const resting = await data(
      rest.newOrder({
        symbol,
        side: 'BUY' as never,
        type: 'LIMIT' as never,
        timeInForce: 'GTC' as never,
        quantity: 0.01,
        price: Math.floor(Number(book.bids?.[0]?.[0]) * 0.99),
      }),
    );
    const canceled = await data(rest.cancelOrder({ symbol, orderId: resting.orderId }));
    const stop = await data(
      rest.newAlgoOrder({
        algoType: 'CONDITIONAL' as never,
        symbol,
        side: 'SELL' as never,
        type: 'STOP_MARKET' as never,
        triggerPrice: Math.floor(Number(book.bids?.[0]?.[0]) * 0.9),
        closePosition: 'true' as never,
      }),
    );
    const openAlgos = await data(rest.currentAllAlgoOpenOrders({ symbol }));
    const canceledAlgo = await data(rest.cancelAlgoOrder({ algoId: stop.algoId }));
    await data(
      rest.newOrder({
        symbol,
        side: 'SELL' as never,
        type: 'MARKET' as never,
        quantity: QUANTITY,
        reduceOnly: 'true' as never,
      }),
    );
    const positions = (await data(rest.positionInformationV3({ symbol }))).filter(
      (position) => Number(position.positionAmt) !== 0,
    );
    sim.advance(1000);
    await until(() => depthUpdates.length > 0);
    expect(depthUpdates[0]).toMatchObject({ e: 'depthUpdate', s: symbol });
    await until(() => events.filter((event) => event.e === 'ACCOUNT_UPDATE').length >= 2);
    await data(rest.keepaliveUserDataStream());
    await data(rest.closeUserDataStream());
    const orderEvents = events
      .filter((event) => event.e === 'ORDER_TRADE_UPDATE')
      .map((event) => event.o as { i: number; o: string; X: string; x: string; L: string });
    const fillPrices = orderEvents
      .filter((event) => event.x === 'TRADE')
      .slice(0, trades.length)
      .map((event) => Number(event.L));
    expect(fillPrices).toEqual(trades.map((trade) => Number(trade.price)));
    expect(events.some((event) => event.e === 'ALGO_UPDATE')).toBe(true);
    return {
      tickSize,
      stepSize,
      bestBid: Number(book.bids?.[0]?.[0]),
      bestAsk: Number(book.asks?.[0]?.[0]),
      klines: klines.length,
      usdcBalance: Number(balances.find((balance) => balance.asset === 'USDC')?.balance),
      leverage: leverage.leverage as number,
      marketFilled: Number(order.executedQty),
      // The connector's NewOrderResponse type has no `avgPrice`, though Binance (and the emulator) send it.
      marketAverage: Number((order as { avgPrice?: string }).avgPrice),
      marketTradePrices: trades.map((trade) => Number(trade.price)),
      restingStatus: ccxtStatus[resting.status as string] as string,
      canceledStatus: ccxtStatus[canceled.status as string] as string,
      algoOpen: openAlgos.length,
      algoCanceled: (canceledAlgo as { code?: string }).code === '200',
      closedPositions: positions.length,
      // Each order's last state, as ccxt pro's order cache keeps it.
      userEvents: [
        ...new Set(
          [...new Map(orderEvents.map((event) => [event.i, event])).values()].map(
            (event) => `${event.o.toLowerCase()}:${ccxtStatus[event.X]}`,
          ),
        ),
      ].sort(),
    };
  } finally {
    await connection.disconnect();
  }
}

async function runBinancePackage(sim: Sim): Promise<ScenarioOutcome> {
  const credentials = sim.accounts[0]!;
  // The package's documented way to another server: `baseUrl` for REST, `wsUrl` for streams (the host; the
  // package appends Binance's paths: `/public/stream`, `/market/stream`, `/private/stream?listenKey=`).
  const restOptions = {
    api_key: credentials.apiKey,
    api_secret: credentials.apiSecret,
    baseUrl: sim.url,
    beautifyResponses: true,
  };
  const rest = new USDMClient(restOptions);
  // Whatever the package logs as an error or emits as an exception is a disagreement with the emulator.
  const complaints: unknown[] = [];
  const logger = {
    ...DefaultLogger,
    trace: () => undefined,
    info: () => undefined,
    error: (...args: unknown[]) => complaints.push(args),
  };
  const streams = new WebsocketClient(
    { ...restOptions, wsUrl: sim.wsUrl, beautify: true, restOptions },
    logger,
  );
  const symbol = 'BTCUSDC';

  const info = await rest.getExchangeInfo();
  const filters = info.symbols.find((entry) => entry.symbol === symbol)?.filters ?? [];
  const tickSize = Number(filters.find((filter) => filter.filterType === 'PRICE_FILTER')?.tickSize);
  const stepSize = Number(filters.find((filter) => filter.filterType === 'LOT_SIZE')?.stepSize);
  const book = await rest.getOrderBook({ symbol, limit: 5 });
  expect(book.lastUpdateId).toBeTypeOf('number');
  const klines = await rest.getKlines({ symbol, interval: '1m', limit: 5 });
  for (const row of klines) expect(row).toHaveLength(12);
  const balances = await rest.getBalanceV3();
  const account = await rest.getAccountInformationV3();
  expect(Number(account.totalWalletBalance)).toBeGreaterThan(0);
  const leverage = await rest.setLeverage({ symbol, leverage: 10 });
  await rest.setMarginType({ symbol, marginType: 'ISOLATED' });
  await rest.setMarginType({ symbol, marginType: 'CROSSED' });

  const orderEvents: WsMessageFuturesUserDataTradeUpdateEventFormatted['order'][] = [];
  const accountUpdates: WsMessageFuturesUserDataAccountUpdateFormatted[] = [];
  let algoUpdates = 0;
  const depthUpdates: WsMessageDiffBookDepthEventFormatted[] = [];
  streams.on('formattedUserDataMessage', (event) => {
    if (isWsFormattedFuturesUserDataTradeUpdateEvent(event)) orderEvents.push(event.order);
    if (isWsFormattedFuturesUserDataAccountUpdate(event)) accountUpdates.push(event);
    if (isWsFormattedFuturesAlgoUpdateEvent(event)) algoUpdates += 1;
  });
  streams.on('formattedMessage', (event) => {
    if (isWsDiffBookDepthEventFormatted(event)) depthUpdates.push(event);
  });
  streams.on('exception', (error) => complaints.push(error));
  await streams.subscribeUsdFuturesUserDataStream();
  await streams.subscribeDiffBookDepth(symbol, 100, 'usdm');
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const order = await rest.submitNewOrder({ symbol, side: 'BUY', type: 'MARKET', quantity: QUANTITY });
    const trades = (await rest.getAccountTrades({ symbol })).filter(
      (trade) => trade.orderId === order.orderId,
    );
    const resting = await rest.submitNewOrder({
      symbol,
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: 0.01,
      price: Math.floor(Number(book.bids[0]?.[0]) * 0.99),
    });
    const canceled = await rest.cancelOrder({ symbol, orderId: resting.orderId });
    const stop = await rest.submitNewAlgoOrder({
      algoType: 'CONDITIONAL',
      symbol,
      side: 'SELL',
      type: 'STOP_MARKET',
      triggerPrice: Math.floor(Number(book.bids[0]?.[0]) * 0.9),
      closePosition: 'true',
    });
    const openAlgos = await rest.getOpenAlgoOrders({ symbol });
    const canceledAlgo = await rest.cancelAlgoOrder({ algoId: stop.algoId });
    await rest.submitNewOrder({
      symbol,
      side: 'SELL',
      type: 'MARKET',
      quantity: QUANTITY,
      reduceOnly: 'true',
    });
    const positions = (await rest.getPositionsV3({ symbol })).filter(
      (position) => Number(position.positionAmt) !== 0,
    );
    sim.advance(1000);
    await until(() => depthUpdates.length > 0);
    expect(depthUpdates[0]).toMatchObject({ symbol, finalUpdateId: expect.any(Number) as number });
    // The wallet the package parsed from the last ACCOUNT_UPDATE is the emulator's own, after both fills.
    const wallet = sim.core
      .assets(credentials.accountId)
      .find((asset) => asset.asset === 'USDC')?.walletBalance;
    const streamedWallet = () =>
      accountUpdates.at(-1)?.updateData.updatedBalances.find((balance) => balance.asset === 'USDC')
        ?.walletBalance;
    await until(() => accountUpdates.length >= 2 && streamedWallet() === Number(wallet));
    await rest.keepAliveFuturesUserDataListenKey();
    // The package does not close the key with the stream; the application does, and then it is gone.
    await streams.unsubscribeUsdFuturesUserDataStream();
    await rest.closeFuturesUserDataListenKey();
    await expect(rest.keepAliveFuturesUserDataListenKey()).rejects.toMatchObject({ code: -1125 });
    expect(complaints).toEqual([]);
    // The package tracks the weight and order-count headers of every answer.
    expect(rest.getRateLimitStates()).toMatchObject({
      'x-mbx-used-weight-1m': expect.any(Number) as number,
      'x-mbx-order-count-1m': expect.any(Number) as number,
    });
    expect(rest.getRateLimitStates()['x-mbx-order-count-1m']).toBeGreaterThan(0);
    const fillPrices = orderEvents
      .filter((event) => event.executionType === 'TRADE')
      .slice(0, trades.length)
      .map((event) => event.lastFilledPrice);
    expect(fillPrices).toEqual(trades.map((trade) => Number(trade.price)));
    expect(algoUpdates).toBeGreaterThan(0);
    return {
      tickSize,
      stepSize,
      bestBid: Number(book.bids[0]?.[0]),
      bestAsk: Number(book.asks[0]?.[0]),
      klines: klines.length,
      usdcBalance: Number(balances.find((balance) => balance.asset === 'USDC')?.balance),
      leverage: leverage.leverage,
      marketFilled: Number(order.executedQty),
      marketAverage: Number(order.avgPrice),
      marketTradePrices: trades.map((trade) => Number(trade.price)),
      restingStatus: ccxtStatus[resting.status] as string,
      canceledStatus: ccxtStatus[canceled.status] as string,
      algoOpen: openAlgos.length,
      algoCanceled: canceledAlgo.code === '200',
      closedPositions: positions.length,
      userEvents: [
        ...new Set(
          [...new Map(orderEvents.map((event) => [event.orderId, event])).values()].map(
            (event) => `${event.orderType.toLowerCase()}:${ccxtStatus[event.orderStatus]}`,
          ),
        ),
      ].sort(),
    };
  } finally {
    streams.closeAll(true);
  }
}

describe('one scenario through ccxt, Binance’s own connector and the `binance` package', () => {
  const outcomes: Partial<Record<'ccxt' | 'connector' | 'binance', ScenarioOutcome>> = {};
  for (const [name, run] of [
    ['ccxt', runCcxt],
    ['connector', runConnector],
    ['binance', runBinancePackage],
  ] as const) {
    describe(name, () => {
      let sim: Sim;
      beforeAll(async () => {
        sim = await startSim({ speed: 'manual', historyMinutes: 5, seed: 9 });
        sim.setMarketPrice('BTCUSDC', '60000.0');
      });
      afterAll(async () => {
        await sim.close();
      });
      it('runs the scenario and parses every answer', async () => {
        const outcome = await run(sim);
        outcomes[name] = outcome;
        expect(outcome).toMatchObject({
          tickSize: 0.1,
          stepSize: 0.001,
          bestBid: 59999.9,
          bestAsk: 60000.1,
          klines: 5,
          usdcBalance: 10000,
          leverage: 10,
          marketFilled: QUANTITY,
          restingStatus: 'open',
          canceledStatus: 'canceled',
          algoOpen: 1,
          algoCanceled: true,
          closedPositions: 0,
        });
        expect(outcome.marketTradePrices.length).toBeGreaterThan(1);
        expect(outcome.marketTradePrices[0]).toBe(60000.1);
        expect(outcome.userEvents).toEqual(expect.arrayContaining(['market:closed', 'limit:canceled']));
      });
    });
  }
  it('every client saw the same exchange', () => {
    const { ccxt, ...others } = outcomes;
    if (ccxt === undefined) return; // a run failed: reported above
    const { userEvents: ccxtEvents, ...ccxtRest } = ccxt;
    // ccxt pro also turns ALGO_UPDATE into orders (the stop: `market:canceled`); the connector and the
    // `binance` package hand ALGO_UPDATE over as its own event. The regular orders' lives are the same.
    const regular = (events: string[]) => events.filter((event) => event !== 'market:canceled');
    for (const outcome of Object.values(others)) {
      const { userEvents, ...rest } = outcome;
      expect(rest).toEqual(ccxtRest);
      expect(regular(userEvents)).toEqual(regular(ccxtEvents));
    }
  });
});
