import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { expect } from 'vitest';
import type { Sim } from '../../src/sim';
import { until } from '../socket-client';
import { ccxtStatus, QUANTITY } from './scenario';
import type { ScenarioOutcome } from './scenario';

/**
 * The scenario through Binance's own connector: its REST API and WebSocket streams, user data over
 * `/private/stream` + SUBSCRIBE of the listenKey.
 */
export async function runConnector(sim: Sim): Promise<ScenarioOutcome> {
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
