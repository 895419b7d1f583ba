import {
  DefaultLogger,
  isWsDiffBookDepthEventFormatted,
  isWsFormattedFuturesAlgoUpdateEvent,
  isWsFormattedFuturesUserDataAccountUpdate,
  isWsFormattedFuturesUserDataListenKeyExpired,
  isWsFormattedFuturesUserDataTradeUpdateEvent,
  USDMClient,
  WebsocketClient,
} from 'binance';
import type {
  WsMessageDiffBookDepthEventFormatted,
  WsMessageFuturesUserDataAccountUpdateFormatted,
  WsMessageFuturesUserDataTradeUpdateEventFormatted,
} from 'binance';
import { expect } from 'vitest';
import type { Sim } from '../../src/sim';
import { until } from '../socket-client';
import { ccxtStatus, QUANTITY } from './scenario';
import type { ScenarioOutcome } from './scenario';

/**
 * The package's two clients pointed at the emulator with its documented options: `baseUrl` for REST,
 * `wsUrl` for streams (the host; the package appends Binance's paths: `/public/stream`, `/market/stream`,
 * `/private/stream?listenKey=`). Both beautify, so each check reads what the package parsed.
 */
function binanceClients(sim: Sim) {
  const credentials = sim.accounts[0]!;
  const restOptions = {
    api_key: credentials.apiKey,
    api_secret: credentials.apiSecret,
    baseUrl: sim.url,
    beautifyResponses: true,
  };
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
  streams.on('exception', (error) => complaints.push(error));
  return { credentials, rest: new USDMClient(restOptions), streams, complaints };
}

/**
 * The scenario through the `binance` package (tiagosiebler's): `USDMClient` for REST, `WebsocketClient`
 * for the depth and user-data streams.
 */
export async function runBinancePackage(sim: Sim): Promise<ScenarioOutcome> {
  const { credentials, rest, streams, complaints } = binanceClients(sim);
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
    // Binance sends the expiry reason on every order update; nothing in the scenario expired.
    expect(new Set(orderEvents.map((event) => event.orderExpireReason))).toEqual(new Set(['0']));
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

/**
 * The package's own listenKey upkeep: on `listenKeyExpired` it asks for a new key over REST and reconnects
 * to `/private/stream?listenKey=` with it. Returns the order statuses it heard after the expiry.
 */
export async function renewExpiredListenKey(sim: Sim): Promise<string[]> {
  const { rest, streams, complaints } = binanceClients(sim);
  let expired = 0;
  const statuses: string[] = [];
  streams.on('formattedUserDataMessage', (event) => {
    if (isWsFormattedFuturesUserDataListenKeyExpired(event)) expired += 1;
    if (isWsFormattedFuturesUserDataTradeUpdateEvent(event)) statuses.push(event.order.orderStatus);
  });
  let reconnected = false;
  streams.on('reconnected', () => {
    reconnected = true;
  });
  try {
    await streams.subscribeUsdFuturesUserDataStream();
    sim.expireListenKeys();
    await until(() => expired === 1 && reconnected);
    expect(sim.streams.connectionCount('private')).toBe(1);
    await rest.submitNewOrder({ symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: 0.01 });
    await until(() => statuses.includes('FILLED'));
    // The fill went out on another key than the one that expired (the emulator's record of what it sent).
    const sent = sim.streams.sentUserEvents;
    expect(sent[0]?.payload.e).toBe('listenKeyExpired');
    expect(sent.at(-1)?.listenKey).not.toBe(sent[0]?.listenKey);
    expect(complaints).toEqual([]);
    return statuses;
  } finally {
    streams.closeAll(true);
  }
}
