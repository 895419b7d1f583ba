/**
 * The adapter over the emulator in the same process (`fetch: sim.fetch`, no HTTP, no socket: what `bot
 * backtest` runs on) against the same adapter over HTTP: the same orders rounded to the same grid, the same
 * errors as the adapter maps them, and the same unknown-outcome rule (a request answered by nothing is
 * looked up by its client id, never sent twice).
 */
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isExchangeAdapterError } from '../src/errors';
import { paperExchange, startPaper } from './support';
import type { PaperSetup } from './support';

/** What a scripted session did, without ids and times (they differ between two emulators). */
async function session(setup: PaperSetup) {
  const { exchange, sim } = setup;
  const outcome = async (action: () => Promise<unknown>) => {
    try {
      const value = (await action()) as { order?: Record<string, unknown>; confirmedBy?: string };
      const order = value.order ?? {};
      return {
        confirmedBy: value.confirmedBy,
        side: order['side'],
        type: order['type'],
        status: order['status'],
        quantity: order['quantity'],
        filledQuantity: order['filledQuantity'],
        price: order['price'],
        triggerPrice: order['triggerPrice'],
      };
    } catch (error) {
      if (!isExchangeAdapterError(error)) throw error;
      return {
        error: error.name,
        code: error.code,
        exchangeCode: (error as { exchangeCode?: number }).exchangeCode,
        reason: (error as { reason?: string }).reason,
      };
    }
  };
  const symbol = 'BTC/USDC:USDC';
  const results = [
    // Off the step grid: floored to 0.012.
    await outcome(() =>
      exchange.createOrder({
        symbol,
        side: 'buy',
        type: 'market',
        quantity: '0.0123',
        clientOrderId: 'ip-1',
      }),
    ),
    // A stop of a long rounds up to the tick.
    await outcome(() =>
      exchange.createStopLossOrder({
        symbol,
        positionSide: 'long',
        triggerPrice: '58000.04',
        quantity: '0.012',
      }),
    ),
    // Far more than the margin allows: Binance's refusal, as the adapter maps it.
    await outcome(() =>
      exchange.createOrder({ symbol, side: 'buy', type: 'market', quantity: '5', clientOrderId: 'ip-2' }),
    ),
    // A client id reused once its order is closed: accepted, as Binance does.
    await outcome(() =>
      exchange.createOrder({ symbol, side: 'buy', type: 'market', quantity: '0.001', clientOrderId: 'ip-1' }),
    ),
  ];
  // The order takes effect and the connection closes without an answer: the outcome is unknown, so the
  // adapter looks the order up by its client id instead of sending it again.
  sim.injectFaults({
    httpErrors: [
      { status: 502, closeWithoutAnswer: true, executeBeforeError: true, pathContains: '/fapi/v1/order' },
    ],
  });
  results.push(
    await outcome(() =>
      exchange.createOrder({
        symbol,
        side: 'sell',
        type: 'market',
        quantity: '0.005',
        clientOrderId: 'ip-3',
      }),
    ),
  );
  const accountId = sim.accounts[0]?.accountId ?? '';
  const sent = sim.core.allOrders(accountId, 'BTCUSDC').filter((order) => order.clientOrderId === 'ip-3');
  const position = sim.core.positions(accountId).find((one) => one.symbol === 'BTCUSDC')?.positionAmt;
  return { results, sentOnce: sent.length, position };
}

describe('the adapter over the emulator in the same process (sim.fetch)', () => {
  let overHttp: Sim;
  let inProcess: Sim;
  beforeAll(async () => {
    overHttp = await startPaper();
    inProcess = await startPaper({ listen: false });
  });
  afterAll(async () => {
    await overHttp.close();
    await inProcess.close();
  });

  it('opens no server: its URL reaches nothing, requests go through sim.fetch', async () => {
    expect(inProcess.port).toBe(0);
    await expect(fetch(`${inProcess.url}/fapi/v1/time`)).rejects.toThrow();
    const answer = await inProcess.fetch(`${inProcess.url}/fapi/v1/time`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ serverTime: expect.any(Number) });
  });

  it('answers a session exactly as over HTTP: grid rounding, mapped errors, the unknown-outcome look-up', async () => {
    const expected = await session(await paperExchange(overHttp));
    const actual = await session(await paperExchange(inProcess, { inProcess: true }));
    expect(actual).toEqual(expected);
    expect(actual.results[0]).toMatchObject({ filledQuantity: '0.012', confirmedBy: 'response' });
    expect(actual.results[1]).toMatchObject({ triggerPrice: '58000.1' });
    expect(actual.results[2]).toMatchObject({ code: 'REJECTED', exchangeCode: expect.any(Number) });
    expect(actual.results[3]).toMatchObject({ confirmedBy: 'response', filledQuantity: '0.001' });
    expect(actual.results[4]).toMatchObject({ confirmedBy: 'lookup', filledQuantity: '0.005' });
    expect(actual.sentOnce).toBe(1);
  });
});
