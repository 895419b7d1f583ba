import type { Sim } from '@bot/sim';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyReconcileActions } from '../src/apply-reconcile-actions';
import { CcxtExchange } from '../src/ccxt-exchange';
import { AuthenticationFailedError, RateLimitedError, RetriesExhaustedError } from '../src/errors';
import { createExchangeClient } from '../src/exchange-client';
import { reconcile } from '../src/reconcile';
import { realSleep } from '../src/runtime';
import {
  BTC,
  intentFactory,
  paperExchange,
  positionAmount,
  simState,
  usePaperEmulator,
  virtualTime,
} from './support';

const unknownError = {
  status: 503,
  code: -1000,
  msg: 'Unknown error, please check your request or try again later.',
};

describe('fault scenarios against the emulator', () => {
  const { sim, setup } = usePaperEmulator({ exchange: true });
  const intent = intentFactory('fault', { rationale: 'fault scenario' });
  beforeEach(() => {
    setup().time.sleeps.length = 0;
  });

  /** An exchange whose log arms `faults` once `operation` has succeeded the first time. */
  async function armedAfter(operation: string, faults: Parameters<Sim['injectFaults']>[0]) {
    let armed = false;
    const logs: Array<Record<string, unknown>> = [];
    const armedSetup = await paperExchange(sim(), {
      log: (entry) => {
        logs.push(entry);
        if (!armed && entry.event === 'exchange-request' && entry.operation === operation) {
          armed = true;
          sim().injectFaults(faults);
        }
      },
    });
    return { exchange: armedSetup.exchange, logs };
  }

  function entryFills(clientOrderId: string): number {
    const orders = sim().core.allOrders(sim().accounts[0]!.accountId, 'BTCUSDC');
    return orders.filter((order) => order.clientOrderId === clientOrderId && Number(order.executedQty) > 0)
      .length;
  }

  it('stop-loss rejected → the position is closed at market and an incident raised', async () => {
    sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    const result = await setup().exchange.openProtectedPosition(intent());
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents).toEqual([
      expect.objectContaining({
        code: 'STOP_LOSS_FAILED',
        severity: 'critical',
        symbol: BTC,
        error: expect.objectContaining({ code: 'REJECTED', exchangeCode: -2021 }),
      }),
    ]);
    expect(result.closeOrders).toHaveLength(1);
    expect(result.closeOrders[0]).toMatchObject({ side: 'sell', reduceOnly: true, filledQuantity: '0.020' });
    expect(positionAmount(sim())).toBe(0);
    expect(simState(sim()).openAlgoOrders).toEqual([]);
    expect(setup().logs.some((entry) => entry.event === 'incident')).toBe(true);
  });

  it('stop-loss endpoint failing past every retry → closed at market too', async () => {
    sim().injectFaults({
      httpErrors: Array.from({ length: 30 }, () => ({ status: 502, pathContains: '/fapi/v1/algoOrder' })),
    });
    const result = await setup().exchange.openProtectedPosition(intent());
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents[0]?.code).toBe('STOP_LOSS_FAILED');
    expect(['UNKNOWN_OUTCOME', 'RETRIES_EXHAUSTED']).toContain(result.incidents[0]?.error?.code);
    expect(positionAmount(sim())).toBe(0);
    expect(simState(sim()).openAlgoOrders).toEqual([]);
    // Bounded: the backoff waits were taken, with jitter, never above the cap.
    expect(setup().time.sleeps.length).toBeGreaterThan(0);
    expect(Math.max(...setup().time.sleeps)).toBeLessThanOrEqual(10_000);
  });

  it('stop-loss and emergency close both failing → unprotected, critical incident; reconcile then protects it', async () => {
    sim().injectFaults({
      rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' },
    });
    const failingClose = Array.from({ length: 40 }, () => ({ status: 502, pathContains: '/fapi/v1/order' }));
    let armed = false;
    const guarded = await paperExchange(sim(), {
      log: (entry) => {
        setup().logs.push(entry);
        // Once the stop-loss has been refused, make the order endpoint fail for the emergency close.
        if (!armed && entry.event === 'exchange-failure' && entry.operation === 'createStopLossOrder') {
          armed = true;
          sim().injectFaults({ httpErrors: failingClose });
        }
      },
    });
    const result = await guarded.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('unprotected');
    expect(result.incidents.map((incident) => [incident.code, incident.severity])).toEqual([
      ['POSITION_UNPROTECTED', 'critical'],
    ]);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    sim().clearFaults();
    const actions = reconcile(await guarded.exchange.fetchExchangeState([BTC]), [], {
      adoptedStopLossFraction: '0.02',
      now: guarded.time.now(),
    });
    const applied = await applyReconcileActions(guarded.exchange, actions);
    expect(applied.incidents).toEqual([]);
    expect(simState(sim()).openAlgoOrders).toEqual([
      // Re-placed 2 % under the entry, which is the best ask the market buy took (60000.1), not the last price.
      expect.objectContaining({ side: 'SELL', triggerPrice: '58800.1' }),
    ]);
  });

  it('"503 Unknown error" on an entry that went through → found by client id, no duplicate position', async () => {
    // Armed after the idempotency look-up (a GET on the same path), so the entry POST gets it.
    const armed = await armedAfter('fetchOrder', {
      httpErrors: [{ ...unknownError, executeBeforeError: true, pathContains: '/fapi/v1/order' }],
    });
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(entryFills(result.clientOrderIds.entry)).toBe(1);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    expect(armed.logs.some((entry) => entry.event === 'exchange-lookup' && entry.found === true)).toBe(true);
  });

  it('"503 Unknown error" on a reduce-only close that did not go through → looked up, absent, sent once more', async () => {
    await setup().exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '0.020' });
    sim().injectFaults({ httpErrors: [{ ...unknownError, pathContains: '/fapi/v1/order' }] });
    const before = sim().requests.length;
    const result = await setup().exchange.closePosition({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.020',
    });
    expect(Number(result.closedQuantity)).toBeCloseTo(0.02);
    expect(positionAmount(sim())).toBe(0);
    const posts = sim()
      .requests.slice(before)
      .filter((request) => request.method === 'POST' && request.path === '/fapi/v1/order');
    // A second copy of a reduce-only order cannot open exposure, so it is sent again once found absent.
    expect(posts.map((request) => request.status)).toEqual([503, 200]);
    const lookups = setup().logs.filter((entry) => entry.event === 'exchange-lookup');
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    expect(lookups.every((entry) => entry.found === false)).toBe(true);
  });

  /**
   * An exchange whose entry POST answers `503 Unknown error` without taking effect, and whose (virtual) clock
   * lets the test execute the order "late" itself, with the same client id, as Binance may.
   */
  async function lateEntrySetup() {
    const time = virtualTime();
    const logs: Array<Record<string, unknown>> = [];
    const late = { clientOrderId: undefined as string | undefined, failedAt: 0, executeAfterMs: Infinity };
    let armed = false;
    let placed = false;
    const executeLate = () => {
      if (placed || late.clientOrderId === undefined) return;
      if (time.now() - late.failedAt < late.executeAfterMs) return;
      placed = true;
      sim().core.placeOrder(
        sim().accounts[0]!.accountId,
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'MARKET',
          quantity: '0.020',
          newClientOrderId: late.clientOrderId,
        },
        sim().marketTime(),
      );
    };
    const lateSetup = await paperExchange(sim(), {
      now: time.now,
      random: time.random,
      sleep: async (ms) => {
        await time.sleep(ms);
        executeLate();
      },
      log: (entry) => {
        logs.push(entry);
        // Armed after the idempotency look-up (a GET on the same path), so the entry POST gets it.
        if (!armed && entry.event === 'exchange-request' && entry.operation === 'fetchOrder') {
          armed = true;
          sim().injectFaults({ httpErrors: [{ ...unknownError, pathContains: '/fapi/v1/order' }] });
        }
        if (entry.event === 'exchange-failure' && entry.operation === 'createOrder' && !late.clientOrderId) {
          late.clientOrderId = entry.clientOrderId as string;
          late.failedAt = time.now();
        }
      },
    });
    return { ...lateSetup, time, logs, late, executeLate };
  }

  function entryOrders(clientOrderId: string) {
    return sim()
      .core.allOrders(sim().accounts[0]!.accountId, 'BTCUSDC')
      .filter((order) => order.clientOrderId === clientOrderId);
  }

  it('"503 Unknown error" on an entry that executes 3 s later → found by client id, never sent twice', async () => {
    const late = await lateEntrySetup();
    late.late.executeAfterMs = 3_000;
    const before = sim().requests.length;
    // The caller hears once that the outcome is unknown, as the look-up begins (the runner's queue stops
    // waiting for the entry then).
    const lookupsWhenTold: number[] = [];
    const result = await late.exchange.openProtectedPosition(intent(), {
      onOutcomeUnknown: () =>
        lookupsWhenTold.push(late.logs.filter((entry) => entry.event === 'exchange-lookup').length),
    });
    expect(lookupsWhenTold).toEqual([0]);
    // Binance executes the order 3 s after the error whatever the adapter did meanwhile.
    await late.time.sleep(5_000);
    late.executeLate();
    const id = result.clientOrderIds.entry;
    expect(entryOrders(id)).toHaveLength(1);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    const posts = sim()
      .requests.slice(before)
      .filter((request) => request.method === 'POST' && request.path === '/fapi/v1/order');
    expect(posts.map((request) => request.status)).toEqual([503]);
    expect(result.status).toBe('protected');
    expect(result.stopLoss?.quantity).toBe('0.020');
  });

  it('an entry whose outcome stays unknown through the window → status unknown, not re-sent; the position, if it appears later, is reconciled and the intent resumes', async () => {
    const late = await lateEntrySetup();
    const before = sim().requests.length;
    const entryIntent = intent();
    const result = await late.exchange.openProtectedPosition(entryIntent);
    expect(result.status).toBe('unknown');
    expect(result.error?.code).toBe('UNKNOWN_OUTCOME');
    expect(result.incidents.map((incident) => incident.code)).toEqual(['ENTRY_OUTCOME_UNKNOWN']);
    // Critical: a position may exist without protection (the runner's position-unprotected playbook).
    expect(result.incidents[0]).toMatchObject({
      severity: 'critical',
      message: `the entry ${result.clientOrderIds.entry} may or may not exist; reconcile ${BTC} now`,
    });
    const posts = sim()
      .requests.slice(before)
      .filter((request) => request.method === 'POST' && request.path === '/fapi/v1/order');
    expect(posts.map((request) => request.status)).toEqual([503]);
    expect(positionAmount(sim())).toBe(0);
    // Looked up for at least recvWindow (5 s) + the margin (5 s).
    const lookups = late.logs.filter((entry) => entry.event === 'exchange-lookup');
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    expect(late.time.now() - late.late.failedAt).toBeGreaterThanOrEqual(10_000);

    // Should the order still execute, the position is visible to reconcile, and the intent resumes from it.
    late.late.executeAfterMs = 0;
    late.executeLate();
    const state = await late.exchange.fetchExchangeState([BTC]);
    expect(state.positions).toEqual([expect.objectContaining({ symbol: BTC, quantity: '0.020' })]);
    let toldUnknown = 0;
    const resumed = await late.exchange.openProtectedPosition(entryIntent, {
      onOutcomeUnknown: () => (toldUnknown += 1),
    });
    expect(resumed.status).toBe('protected');
    expect(toldUnknown).toBe(0); // found at once: nothing unknown
    expect(late.logs.find((entry) => entry.event === 'protected-entry-resumed')).toMatchObject({
      level: 'warn',
      message: `${BTC}: entry ${result.clientOrderIds.entry} already exists (filled); not placing it again`,
    });
    expect(entryOrders(result.clientOrderIds.entry)).toHaveLength(1);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
  });

  it('429 storm → waits at least Retry-After each time, no ban, then succeeds', async () => {
    sim().injectFaults({ rateLimit: { status: 429, retryAfterSeconds: 2, count: 3 } });
    const before = sim().requests.length;
    const balances = await setup().exchange.fetchBalances();
    expect(balances.length).toBeGreaterThan(0);
    const during = sim().requests.slice(before);
    expect(during.map((request) => request.status)).toEqual([429, 429, 429, 200]);
    expect(during.some((request) => request.status === 418)).toBe(false);
    const waits = setup().time.sleeps;
    expect(waits).toHaveLength(3);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(2_000);
  });

  it('a 429 on an order that opens a position → RateLimitedError, sent once, nothing opened', async () => {
    sim().injectFaults({ rateLimit: { status: 429, retryAfterSeconds: 2, count: 1 } });
    const before = sim().requests.length;
    const error = await setup()
      .exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '0.010' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(
      sim()
        .requests.slice(before)
        .map((request) => request.status),
    ).toEqual([429]);
    expect(setup().time.sleeps).toEqual([]);
    expect(positionAmount(sim())).toBe(0);
  });

  it('a 418 ban longer than the adapter waits → RateLimitedError, and nothing else is sent until it ends', async () => {
    sim().injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 120, count: 1 } });
    const error = await setup()
      .exchange.fetchBalances()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', banned: true, retryAfterMs: 120_000 });
    const before = sim().requests.length;
    await expect(setup().exchange.fetchPositions()).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      banned: true,
    });
    expect(sim().requests.length).toBe(before);
    await setup().time.sleep(120_000);
    await expect(setup().exchange.fetchPositions()).resolves.toEqual([]);
  });

  it('partial fill → stop-loss and take-profit sized to what filled', async () => {
    sim().injectFaults({ partialFillRatio: 0.5 });
    const result = await setup().exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.entry).toMatchObject({ status: 'expired', quantity: '0.020', filledQuantity: '0.010' });
    expect(result.stopLoss?.quantity).toBe('0.010');
    expect(result.takeProfit?.quantity).toBe('0.010');
    expect(positionAmount(sim())).toBeCloseTo(0.01);
  });

  it('clock skew → -1021, re-sync with the server, retry succeeds', async () => {
    sim().injectFaults({ clockSkewMs: 30_000 });
    const balances = await setup().exchange.fetchBalances();
    expect(balances.length).toBeGreaterThan(0);
    expect(sim().requests.some((request) => request.code === -1021)).toBe(true);
    expect(setup().logs.some((entry) => entry.event === 'exchange-clock-resync')).toBe(true);
    const difference = (setup().client.options as { timeDifference: number }).timeDifference;
    expect(difference).toBeLessThan(-25_000);
    sim().clearFaults();
    await setup().exchange.resyncClock();
  });

  it('a timed-out order request is looked up before anything is re-sent', async () => {
    const slow = await paperExchange(sim(), {
      requestTimeoutMs: 300,
      // The backoff before the look-up: the server finishes the slow request meanwhile.
      sleep: async () => {
        sim().clearFaults();
        await realSleep(800);
      },
    });
    sim().injectFaults({ latencyMs: 600 });
    const result = await slow.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.010',
      clientOrderId: 'timeout-case-1',
    });
    expect(result.confirmedBy).toBe('lookup');
    expect(result.order).toMatchObject({ clientOrderId: 'timeout-case-1', status: 'filled' });
    expect(entryFills('timeout-case-1')).toBe(1);
    expect(positionAmount(sim())).toBeCloseTo(0.01);
  });

  it('maintenance (503) on a read → bounded retries, then RetriesExhaustedError', async () => {
    sim().injectFaults({ maintenance: true });
    const before = sim().requests.length;
    const error = await setup()
      .exchange.fetchPositions()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 4 });
    expect(sim().requests.length - before).toBe(4);
    expect(setup().time.sleeps).toHaveLength(3);
  });

  it('a bad key → AuthenticationFailedError at once, never retried', async () => {
    const client = await createExchangeClient({
      mode: 'paper',
      simUrl: sim().url,
      apiKey: sim().accounts[0]!.apiKey,
      apiSecret: 'f'.repeat(64),
      enableRateLimit: false,
    });
    const exchange = new CcxtExchange({ client, sleep: async () => {} });
    const before = sim().requests.length;
    await expect(exchange.fetchBalances()).rejects.toBeInstanceOf(AuthenticationFailedError);
    expect(sim().requests.length - before).toBe(1);
  });
});
