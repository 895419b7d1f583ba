import ccxt from 'ccxt';
import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';
import { flatten, postControl, privateSocket, startManualWorld, useManualWorld } from './manual-world';
import { payloadOf, until } from './socket-client';

/**
 * Binance's worst answer to an order: an error or a timeout now, and the order executed later anyway
 * (`httpErrors[].executeAfterMs`), as if it had arrived then. Over real HTTP, with ccxt where it fits.
 */

const SYMBOL = 'BTC/USDC:USDC';
const UNKNOWN = 'An unknown error occured while processing the request.';
/** Long enough that "not yet" checks made right after the error cannot race it on a busy machine. */
const LATER_MS = 1000;

/** A signed form POST as Binance expects it, without ccxt, to see the raw status and body. */
function signedPost(sim: Sim, path: string, params: Record<string, string>) {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString();
  const signature = createHmac('sha256', apiSecret).update(query).digest('hex');
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'X-MBX-APIKEY': apiKey, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `${query}&signature=${signature}`,
  });
}

const ordersWithClientId = (sim: Sim, clientOrderId: string) =>
  sim.core
    .allOrders(sim.accounts[0]!.accountId, 'BTCUSDC')
    .filter((order) => order.clientOrderId === clientOrderId);

describe('late execution behind an error or a timeout', () => {
  const world = useManualWorld();
  beforeEach(async () => {
    world.sim.clearFaults();
    world.sim.setMarketPrice('BTCUSDC', '60000.0');
    await flatten(world.exchange, SYMBOL);
  });

  it('answers 503 -1000 now and fills the order later, at the price of then, under its client id', async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    try {
      const done = sim.lateExecutions.length;
      sim.injectFaults({
        httpErrors: [
          {
            status: 503,
            code: -1000,
            msg: UNKNOWN,
            executeAfterMs: LATER_MS,
            pathContains: '/fapi/v1/order',
          },
        ],
      });
      const placing = exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, {
        clientOrderId: 'late-market-1',
      });
      await expect(placing).rejects.toBeInstanceOf(ccxt.OperationFailed);
      await expect(placing).rejects.toThrow(/-1000/);
      // Not yet: no order under that id, no position, nothing on the stream.
      expect(ordersWithClientId(sim, 'late-market-1')).toEqual([]);
      expect(sim.state().positions).toEqual([]);
      expect(sim.lateExecutions).toHaveLength(done);

      sim.setMarketPrice('BTCUSDC', '61000.0');
      await until(() => sim.lateExecutions.length === done + 1);
      const record = sim.lateExecutions.at(-1)!;
      expect(record).toMatchObject({
        method: 'POST',
        path: '/fapi/v1/order',
        status: 200,
        clientOrderId: 'late-market-1',
      });
      expect(record.executedAt - record.receivedAt).toBeGreaterThanOrEqual(LATER_MS - 5);

      const order = await exchange.fetchOrder(undefined as unknown as string, SYMBOL, {
        origClientOrderId: 'late-market-1',
      });
      expect(order).toMatchObject({ status: 'closed', filled: 0.01, average: 61000.1 }); // the best ask
      await until(() => messages.some((message) => payloadOf(message).e === 'ACCOUNT_UPDATE'));
      const updates = messages
        .map(payloadOf)
        .filter((payload) => payload.e === 'ORDER_TRADE_UPDATE')
        .map((payload) => payload.o as Record<string, unknown>);
      expect(updates).toMatchObject([
        { c: 'late-market-1', x: 'NEW' },
        { c: 'late-market-1', x: 'TRADE', L: '61000.1' },
      ]);
      sim.clearFaults();
    } finally {
      socket.terminate();
    }
  });

  it('a MARKET retry under the same client id fills, and so does the late original: twice the position', async () => {
    const { sim, exchange } = world;
    const done = sim.lateExecutions.length;
    sim.injectFaults({
      httpErrors: [
        { status: 503, code: -1000, msg: UNKNOWN, executeAfterMs: LATER_MS, pathContains: '/fapi/v1/order' },
      ],
    });
    await expect(
      exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'late-retry-1' }),
    ).rejects.toBeInstanceOf(ccxt.OperationFailed);
    // The retry finds no open order with that id (Binance refuses a duplicate only while the first is open).
    const retry = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, {
      clientOrderId: 'late-retry-1',
    });
    expect(retry.status).toBe('closed');
    await until(() => sim.lateExecutions.length === done + 1);
    expect(sim.lateExecutions.at(-1)).toMatchObject({ status: 200 });
    expect(ordersWithClientId(sim, 'late-retry-1').map((order) => order.status)).toEqual([
      'FILLED',
      'FILLED',
    ]);
    expect(await exchange.fetchPositions([SYMBOL])).toMatchObject([{ side: 'long', contracts: 0.02 }]);
  });

  it('a LIMIT retry still resting makes the late original fail with -4116: one order, silently', async () => {
    const { sim, exchange } = world;
    const done = sim.lateExecutions.length;
    sim.injectFaults({
      httpErrors: [{ status: 502, executeAfterMs: LATER_MS, pathContains: '/fapi/v1/order' }],
    });
    // A proxy's plain 502, no Binance body.
    await expect(
      exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 59000, { clientOrderId: 'late-limit-1' }),
    ).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const retry = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 59000, {
      clientOrderId: 'late-limit-1',
    });
    expect(retry.status).toBe('open');
    await until(() => sim.lateExecutions.length === done + 1);
    expect(sim.lateExecutions.at(-1)).toMatchObject({ path: '/fapi/v1/order', status: 400, code: -4116 });
    expect((await exchange.fetchOpenOrders(SYMBOL)).map((order) => order.id)).toEqual([retry.id]);
    expect(ordersWithClientId(sim, 'late-limit-1')).toHaveLength(1);
  });

  it('places a stop-loss late too: the algo order appears after the error', async () => {
    const { sim, exchange } = world;
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    const done = sim.lateExecutions.length;
    sim.injectFaults({
      httpErrors: [
        {
          status: 503,
          code: -1000,
          msg: UNKNOWN,
          executeAfterMs: LATER_MS,
          pathContains: '/fapi/v1/algoOrder',
        },
      ],
    });
    await expect(
      exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.01, undefined, {
        stopPrice: 55000,
        reduceOnly: true,
        clientOrderId: 'late-stop-1',
      }),
    ).rejects.toBeInstanceOf(ccxt.OperationFailed);
    expect(await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toEqual([]);
    await until(() => sim.lateExecutions.length === done + 1);
    const open = await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true });
    expect(open).toMatchObject([{ clientOrderId: 'late-stop-1', triggerPrice: 55000 }]);
  });

  it('holds the request past the client timeout, closes without an answer, and executes later', async () => {
    const { sim } = world;
    const impatient = restClient(sim);
    await impatient.loadMarkets();
    impatient.timeout = 300;
    const done = sim.lateExecutions.length;
    sim.injectFaults({
      httpErrors: [
        {
          status: 504,
          holdMs: 1500,
          closeWithoutAnswer: true,
          executeAfterMs: 600,
          pathContains: '/fapi/v1/order',
        },
      ],
    });
    await expect(
      impatient.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'late-timeout-1' }),
    ).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    expect(ordersWithClientId(sim, 'late-timeout-1')).toEqual([]);
    await until(() => sim.lateExecutions.length === done + 1);
    expect(ordersWithClientId(sim, 'late-timeout-1')).toMatchObject([{ status: 'FILLED' }]);
    // The held request ends without an answer: recorded with status 0.
    await until(() => sim.requests.some((request) => request.status === 0));

    // A client that waits sees the connection closed, never a status.
    sim.injectFaults({
      httpErrors: [{ status: 504, holdMs: 200, closeWithoutAnswer: true, pathContains: '/fapi/v1/order' }],
    });
    await expect(
      signedPost(sim, '/fapi/v1/order', {
        symbol: 'BTCUSDC',
        side: 'SELL',
        type: 'MARKET',
        quantity: '0.01',
      }),
    ).rejects.toThrow(/fetch failed/);
    expect(sim.lateExecutions).toHaveLength(done + 1); // without executeAfterMs the request never takes effect
  });

  it('answers late: the order has already executed when the held 503 finally arrives', async () => {
    const { sim } = world;
    const done = sim.lateExecutions.length;
    sim.injectFaults({
      httpErrors: [
        {
          status: 503,
          code: -1000,
          msg: UNKNOWN,
          holdMs: 800,
          executeAfterMs: 100,
          pathContains: '/fapi/v1/order',
        },
      ],
    });
    const answer = await signedPost(sim, '/fapi/v1/order', {
      symbol: 'BTCUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
      newClientOrderId: 'late-held-1',
    });
    expect(sim.lateExecutions).toHaveLength(done + 1);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ code: -1000, msg: UNKNOWN });
    expect(ordersWithClientId(sim, 'late-held-1')).toMatchObject([{ status: 'FILLED' }]);
  });

  it('refuses malformed late-execution faults with 400', async () => {
    const { sim } = world;
    for (const fault of [
      { status: 503, executeAfterMs: -1 },
      { status: 503, executeAfterMs: '100' },
      { status: 503, executeAfterMs: 100, executeBeforeError: true },
      { status: 503, holdMs: Number.MAX_SAFE_INTEGER },
      { status: 503, closeWithoutAnswer: 'yes' },
      { status: 503, executeLaterMs: 100 },
    ]) {
      const body = JSON.stringify({ httpErrors: [fault] });
      const answer = await postControl(sim, '/_sim/faults', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body, body).toEqual({ error: expect.any(String) });
    }
    const good = { status: 503, code: -1000, executeAfterMs: 100, holdMs: 50, closeWithoutAnswer: false };
    expect((await postControl(sim, '/_sim/faults', JSON.stringify({ httpErrors: [good] }))).status).toBe(200);
    sim.clearFaults();
  });
});

describe('late executions when the emulator closes', () => {
  it('drops the ones still waiting', async () => {
    const { sim } = await startManualWorld({ clients: [], prices: { BTCUSDC: '60000.0' } });
    sim.injectFaults({ httpErrors: [{ status: 503, code: -1000, executeAfterMs: 300 }] });
    const answer = await signedPost(sim, '/fapi/v1/order', {
      symbol: 'BTCUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.01',
    });
    expect(answer.status).toBe(503);
    await sim.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sim.lateExecutions).toEqual([]);
    expect(sim.core.allOrders(sim.accounts[0]!.accountId)).toEqual([]);
  });
});

describe('an error fault for one method only', () => {
  it('hits the POST that places an order, not the GET that looks it up', async () => {
    const { sim, exchange } = await startManualWorld();
    try {
      sim.injectFaults({
        httpErrors: [
          { status: 503, code: -1000, msg: UNKNOWN, pathContains: '/fapi/v1/order', method: 'POST' },
        ],
      });
      await expect(exchange.fetchOrder('1', SYMBOL)).rejects.toThrow(/-2013|Order does not exist/);
      await expect(exchange.createOrder(SYMBOL, 'market', 'buy', 0.01)).rejects.toThrow(/-1000/);
      const refused = await postControl(
        sim,
        '/_sim/faults',
        JSON.stringify({ httpErrors: [{ status: 503, method: 'PATCH' }] }),
      );
      expect(refused.status).toBe(400);
    } finally {
      await sim.close();
    }
  });
});
