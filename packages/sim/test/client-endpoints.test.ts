import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';
import { connect, payloadOf, until } from './socket-client';

/**
 * The endpoints clients call besides the order basics, through the unmodified ccxt client: batch orders,
 * order modification, order history, income, the countdown cancel, fees, position mode, the key's
 * permissions, each at Binance's request weight.
 */

function priceAt(sim: Sim, symbol: string, factor: number): number {
  return Math.floor(Number(sim.core.market(symbol).markPrice) * factor * 10) / 10;
}

async function weightOf(sim: Sim, method: string, path: string, params: Record<string, string> = {}) {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()) });
  query.set('signature', createHmac('sha256', apiSecret).update(query.toString()).digest('hex'));
  const before = Number(
    (await fetch(`${sim.url}/fapi/v1/ping`)).headers.get('x-mbx-used-weight-1m') ?? Number.NaN,
  );
  const response = await fetch(`${sim.url}${path}?${query.toString()}`, {
    method,
    headers: { 'X-MBX-APIKEY': apiKey },
  });
  await response.text();
  return Number(response.headers.get('x-mbx-used-weight-1m')) - before;
}

describe('endpoints clients call', () => {
  let sim: Sim;
  let exchange: ReturnType<typeof restClient>;
  beforeEach(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 30 });
    exchange = restClient(sim);
  });
  afterEach(async () => {
    await sim.close();
  });

  it('places and cancels in batches, modifies a limit order, lists every order', async () => {
    const low = priceAt(sim, 'BTCUSDC', 0.97);
    const placed = await exchange.createOrders([
      { symbol: 'BTC/USDC:USDC', type: 'limit', side: 'buy', amount: 0.002, price: low },
      { symbol: 'BTC/USDC:USDC', type: 'limit', side: 'buy', amount: 0.003, price: low - 10 },
    ]);
    expect(placed.map((order) => order.status)).toEqual(['open', 'open']);

    const lower = priceAt(sim, 'BTCUSDC', 0.96);
    const edited = await exchange.editOrder(placed[0]!.id!, 'BTC/USDC:USDC', 'limit', 'buy', 0.004, lower);
    expect(edited).toMatchObject({ id: placed[0]!.id!, amount: 0.004, price: lower, status: 'open' });
    expect(
      sim.core.openOrders('account-1').find((order) => order.orderId === Number(placed[0]!.id!)),
    ).toMatchObject({
      origQty: '0.004',
      price: lower.toFixed(1),
    });

    // A new price through the market fills at once.
    const through = priceAt(sim, 'BTCUSDC', 1.01);
    const filled = await exchange.editOrder(placed[1]!.id!, 'BTC/USDC:USDC', 'limit', 'buy', 0.003, through);
    expect(filled).toMatchObject({ status: 'closed', filled: 0.003 });

    const canceled = await exchange.cancelOrders([placed[0]!.id!], 'BTC/USDC:USDC');
    expect(canceled.map((order) => order.status)).toEqual(['canceled']);

    await exchange.createOrder('BTC/USDC:USDC', 'market', 'sell', 0.003);
    // userTrades' filters: by order, from an id, in a time range; fromId with a range is refused.
    const fills = sim.core.fills('account-1', 'BTCUSDC');
    expect(fills).toHaveLength(2);
    const trades = async (params: Record<string, unknown>) =>
      ((await exchange.fapiPrivateGetUserTrades({ symbol: 'BTCUSDC', ...params })) as { id: number }[]).map(
        (row) => row.id,
      );
    expect(await trades({})).toEqual(fills.map((fill) => fill.tradeId));
    expect(await trades({ orderId: fills[1]!.orderId })).toEqual([fills[1]!.tradeId]);
    expect(await trades({ fromId: fills[1]!.tradeId })).toEqual([fills[1]!.tradeId]);
    expect(await trades({ startTime: fills[0]!.time, limit: 1 })).toEqual([fills[0]!.tradeId]);
    expect(await trades({ endTime: fills[0]!.time - 1 })).toEqual([]);
    await expect(trades({ fromId: 1, startTime: 0 })).rejects.toThrow(/-1128/);
    await expect(trades({ startTime: 0, endTime: 8 * 24 * 3_600_000 })).rejects.toThrow(/-1127/);
    const mine = await exchange.fetchMyTrades('BTC/USDC:USDC', fills[0]!.time);
    expect(mine.map((trade) => Number(trade.id))).toEqual(fills.map((fill) => fill.tradeId));

    const history = await exchange.fetchOrders('BTC/USDC:USDC');
    expect(history.map((order) => order.status)).toEqual(['canceled', 'closed', 'closed']);
    expect(history[0]).toMatchObject({ id: placed[0]!.id!, amount: 0.004 });
  });

  it('announces a modification as ORDER_TRADE_UPDATE AMENDMENT; cancels a GTX order it would make cross', async () => {
    const { listenKey } = (await exchange.fapiPrivatePostListenKey()) as { listenKey: string };
    const { socket, messages } = await connect(`${sim.wsUrl}/private/ws?listenKey=${listenKey}`);
    try {
      const low = priceAt(sim, 'BTCUSDC', 0.97);
      const order = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.002, low, {
        timeInForce: 'GTX',
      });
      await exchange.editOrder(order.id!, 'BTC/USDC:USDC', 'limit', 'buy', 0.003, low - 1);
      await until(() =>
        messages.some((message) => (payloadOf(message).o as { x?: string } | undefined)?.x === 'AMENDMENT'),
      );
      const amendment = messages
        .map(payloadOf)
        .find((message) => (message.o as { x: string }).x === 'AMENDMENT')!;
      expect(amendment).toMatchObject({
        e: 'ORDER_TRADE_UPDATE',
        o: { i: Number(order.id), X: 'NEW', q: '0.003', p: (low - 1).toFixed(1) },
      });
      // A post-only order moved through the market is canceled, as Binance does.
      const through = priceAt(sim, 'BTCUSDC', 1.01);
      const canceled = await exchange.editOrder(order.id!, 'BTC/USDC:USDC', 'limit', 'buy', 0.003, through);
      expect(canceled.status).toBe('canceled');
      // A price off the tick is refused and the order (another one) stays as it was.
      const other = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.002, low);
      await expect(
        exchange.fapiPrivatePutOrder({
          symbol: 'BTCUSDC',
          orderId: other.id,
          side: 'BUY',
          quantity: '0.002',
          price: (low + 0.05).toFixed(2),
        }),
      ).rejects.toThrow(/-4014|-1111/);
      expect((await exchange.fetchOrder(other.id!, 'BTC/USDC:USDC')).price).toBe(low);
    } finally {
      socket.terminate();
    }
  });

  it('reports realized PnL, commissions and funding as income', async () => {
    await exchange.createOrder('BTC/USDC:USDC', 'market', 'buy', 0.01);
    sim.setMarketPrice('BTCUSDC', String(priceAt(sim, 'BTCUSDC', 1.02)));
    await exchange.createOrder('BTC/USDC:USDC', 'market', 'buy', 0.01);
    const market = sim.core.market('BTCUSDC');
    sim.core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: market.lastPrice,
      markPrice: market.markPrice,
      time: market.nextFundingTime,
    });
    await exchange.createOrder('BTC/USDC:USDC', 'market', 'sell', 0.02, undefined, { reduceOnly: true });

    const funding = await exchange.fetchFundingHistory('BTC/USDC:USDC');
    expect(funding).toHaveLength(1);
    expect(funding[0]).toMatchObject({ symbol: 'BTC/USDC:USDC', code: 'USDC' });
    expect(funding[0]!.amount).toBeLessThan(0); // a long pays a positive rate

    const rows = (await exchange.fapiPrivateGetIncome({ symbol: 'BTCUSDC' })) as {
      incomeType: string;
      income: string;
      tradeId: string;
    }[];
    expect(rows.map((row) => row.incomeType)).toEqual([
      'COMMISSION',
      'COMMISSION',
      'REALIZED_PNL',
      'COMMISSION',
      'FUNDING_FEE', // stamped at the funding boundary, which the test put ahead of the market clock
    ]);
    const fills = sim.core.fills('account-1', 'BTCUSDC');
    expect(rows[3]).toMatchObject({
      income: `-${fills[2]!.commission}`,
      tradeId: String(fills[2]!.tradeId),
    });
    expect(rows[2]!.income).toBe(fills[2]!.realizedPnl);
    const onlyPnl = (await exchange.fapiPrivateGetIncome({ incomeType: 'REALIZED_PNL' })) as unknown[];
    expect(onlyPnl).toHaveLength(1);
    const limited = (await exchange.fapiPrivateGetIncome({ limit: 2, startTime: 0 })) as unknown[];
    expect(limited).toHaveLength(2);
    const none = (await exchange.fapiPrivateGetIncome({ endTime: 1 })) as unknown[];
    expect(none).toEqual([]);
    // A transfer out of the futures wallet (the user withdrawing on the website) is a TRANSFER row.
    sim.actAsUser({ action: 'withdraw', asset: 'USDT', amount: '25' });
    const transfers = (await exchange.fapiPrivateGetIncome({ incomeType: 'TRANSFER' })) as Record<
      string,
      unknown
    >[];
    expect(transfers).toEqual([
      {
        symbol: '',
        incomeType: 'TRANSFER',
        income: '-25',
        asset: 'USDT',
        info: 'TRANSFER',
        time: expect.any(Number),
        tranId: expect.any(Number),
        tradeId: '',
      },
    ]);
  });

  it('cancels the symbol’s open orders when the countdown runs out, and not once it is stopped', async () => {
    const low = priceAt(sim, 'BTCUSDC', 0.97);
    const order = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.002, low);
    const other = await exchange.createOrder(
      'ETH/USDC:USDC',
      'limit',
      'buy',
      0.01,
      priceAt(sim, 'ETHUSDC', 0.97),
    );
    expect(
      await exchange.fapiPrivatePostCountdownCancelAll({ symbol: 'BTCUSDC', countdownTime: 150 }),
    ).toEqual({ symbol: 'BTCUSDC', countdownTime: '150' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await exchange.fetchOrder(order.id!, 'BTC/USDC:USDC')).status).toBe('canceled');
    expect((await exchange.fetchOrder(other.id!, 'ETH/USDC:USDC')).status).toBe('open');

    const again = await exchange.createOrder('BTC/USDC:USDC', 'limit', 'buy', 0.002, low);
    await exchange.fapiPrivatePostCountdownCancelAll({ symbol: 'BTCUSDC', countdownTime: 150 });
    await exchange.fapiPrivatePostCountdownCancelAll({ symbol: 'BTCUSDC', countdownTime: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await exchange.fetchOrder(again.id!, 'BTC/USDC:USDC')).status).toBe('open');
  });

  it('answers fees, position mode, multi-assets mode and the key’s permissions', async () => {
    const fee = await exchange.fetchTradingFee('BTC/USDC:USDC');
    expect(fee).toMatchObject({ maker: 0.0002, taker: 0.0005 });
    expect(await exchange.fetchPositionMode('BTC/USDC:USDC')).toMatchObject({ hedged: false });
    expect(await exchange.fapiPrivateGetMultiAssetsMargin()).toEqual({ multiAssetsMargin: false });
    await expect(exchange.setPositionMode(false)).rejects.toThrow(/-4059/);
    await exchange.createOrder('BTC/USDC:USDC', 'market', 'buy', 0.002);
    await expect(exchange.setPositionMode(true)).rejects.toThrow(/-4068/);

    const permissions = (await exchange.sapiGetAccountApiRestrictions()) as Record<string, unknown>;
    expect(permissions).toMatchObject({ ipRestrict: false, enableFutures: true, enableWithdrawals: false });
    sim.setApiRestrictions({ enableWithdrawals: true, ipRestrict: true });
    expect(await exchange.sapiGetAccountApiRestrictions()).toMatchObject({
      enableWithdrawals: true,
      ipRestrict: true,
    });
    const control = await fetch(`${sim.url}/_sim/api-restrictions`, {
      method: 'POST',
      body: JSON.stringify({ enableFutures: false }),
    });
    expect(await control.json()).toMatchObject({ enableFutures: false, enableWithdrawals: true });
    const bad = await fetch(`${sim.url}/_sim/api-restrictions`, {
      method: 'POST',
      body: JSON.stringify({ enableFutures: 'yes' }),
    });
    expect(bad.status).toBe(400);
  });

  it('takes its permissions from the start options', async () => {
    const configured = await startSim({
      speed: 'manual',
      historyMinutes: 5,
      accounts: [{ apiRestrictions: { enableWithdrawals: true } }],
    });
    try {
      const client = restClient(configured);
      expect(await client.sapiGetAccountApiRestrictions()).toMatchObject({
        enableWithdrawals: true,
        enableReading: true,
      });
    } finally {
      await configured.close();
    }
  });

  it('counts Binance’s request weight for each', async () => {
    const weights: [string, string, Record<string, string>, number][] = [
      ['GET', '/fapi/v1/allOrders', { symbol: 'BTCUSDC' }, 5],
      ['GET', '/fapi/v1/income', {}, 30],
      ['GET', '/fapi/v1/commissionRate', { symbol: 'BTCUSDC' }, 20],
      ['GET', '/fapi/v1/multiAssetsMargin', {}, 30],
      ['GET', '/fapi/v1/positionSide/dual', {}, 30],
      ['GET', '/fapi/v1/leverageBracket', {}, 1],
      ['POST', '/fapi/v1/countdownCancelAll', { symbol: 'BTCUSDC', countdownTime: '0' }, 10],
      ['POST', '/fapi/v1/batchOrders', { batchOrders: '[]' }, 5],
      ['DELETE', '/fapi/v1/batchOrders', { symbol: 'BTCUSDC', orderIdList: '[1]' }, 1],
      [
        'PUT',
        '/fapi/v1/order',
        { symbol: 'BTCUSDC', orderId: '1', side: 'BUY', quantity: '1', price: '1' },
        0,
      ],
    ];
    for (const [method, path, params, expected] of weights) {
      expect(await weightOf(sim, method, path, params), `${method} ${path}`).toBe(expected);
    }
    // /sapi has its own per-IP weight and header; the fapi minute is untouched.
    const { apiKey, apiSecret } = sim.accounts[0]!;
    const query = new URLSearchParams({ timestamp: String(Date.now()) });
    query.set('signature', createHmac('sha256', apiSecret).update(query.toString()).digest('hex'));
    const before = (await fetch(`${sim.url}/fapi/v1/ping`)).headers.get('x-mbx-used-weight-1m');
    const sapi = await fetch(`${sim.url}/sapi/v1/account/apiRestrictions?${query.toString()}`, {
      headers: { 'X-MBX-APIKEY': apiKey },
    });
    await sapi.text();
    expect(sapi.headers.get('x-sapi-used-ip-weight-1m')).toBe('1');
    expect(sapi.headers.get('x-mbx-used-weight-1m')).toBeNull();
    expect((await fetch(`${sim.url}/fapi/v1/ping`)).headers.get('x-mbx-used-weight-1m')).toBe(
      String(Number(before) + 1),
    );
    // A batch counts 5 on the 10 s ORDERS counter and 1 on the minute's. The server clock is put 1 s into a
    // fresh 10 s window (and minute) so that neither counter rolls between the two requests.
    const now = Date.now();
    const skew = Math.ceil(now / 60_000) * 60_000 + 1000 - now;
    sim.injectFaults({ clockSkewMs: skew });
    const post = async (path: string, params: Record<string, string>) => {
      const signed = new URLSearchParams({ ...params, timestamp: String(Date.now() + skew) });
      signed.set('signature', createHmac('sha256', apiSecret).update(signed.toString()).digest('hex'));
      const response = await fetch(`${sim.url}${path}?${signed.toString()}`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': apiKey },
      });
      expect(response.status, await response.text()).toBe(200);
      return [
        Number(response.headers.get('x-mbx-order-count-10s')),
        Number(response.headers.get('x-mbx-order-count-1m')),
      ];
    };
    expect(
      await post('/fapi/v1/order', { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.001' }),
    ).toEqual([1, 1]);
    expect(
      await post('/fapi/v1/batchOrders', {
        batchOrders: JSON.stringify([{ symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.001' }]),
      }),
    ).toEqual([6, 2]);
    sim.clearFaults();
  });
});
