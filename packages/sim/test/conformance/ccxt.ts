import type { Order, Trade } from 'ccxt';
import { expect } from 'vitest';
import type { Sim } from '../../src/sim';
import { proClient, restClient } from '../ccxt-client';
import { until } from '../socket-client';
import { QUANTITY } from './scenario';
import type { ScenarioOutcome } from './scenario';

/** The scenario through ccxt: REST, and user data through ccxt pro's `watchOrders` / `watchMyTrades`. */
export async function runCcxt(sim: Sim): Promise<ScenarioOutcome> {
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
