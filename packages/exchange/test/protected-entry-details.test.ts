/**
 * openProtectedPosition's details a user still relies on, against the emulator: an intent called again after
 * its entry was canceled unfilled, a take-profit refused on a later fill keeping the earlier one, and the
 * fields of the errors, incidents and log records the runner reports.
 */
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PositionIntent } from '../src/protected-entry';
import type { ExchangeLogEntry } from '../src/runtime';
import { BTC, paperExchange, resetAccount, simState, startPaper, virtualTime } from './support';

describe('openProtectedPosition: details, against the emulator', () => {
  let sim: Sim;
  let counter = 0;

  beforeAll(async () => {
    sim = await startPaper();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    resetAccount(sim);
  });

  function intent(overrides: Partial<PositionIntent> = {}): PositionIntent {
    counter += 1;
    return {
      id: `details-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.020',
      entry: { type: 'limit', price: '59500', fillTimeoutMs: 5_000, pollIntervalMs: 1_000 },
      stopLossPrice: '58500',
      takeProfitPrice: '61500',
      rationale: 'details',
      ...overrides,
    };
  }

  /** A paper exchange on virtual time: `onPoll[n]` runs before the n-th wait, `onLog` sees every record. */
  async function exchangeWith(
    onPoll: Record<number, () => void>,
    onLog: (entry: ExchangeLogEntry) => void = () => {},
  ) {
    const logs: ExchangeLogEntry[] = [];
    let polls = 0;
    const time = virtualTime();
    const setup = await paperExchange(sim, {
      now: time.now,
      sleep: async (ms) => {
        polls += 1;
        onPoll[polls]?.();
        await time.sleep(ms);
      },
      log: (entry) => {
        logs.push(entry);
        onLog(entry);
      },
    });
    return { exchange: setup.exchange, logs };
  }

  const failing = (pathContains: string, method?: 'GET' | 'POST' | 'DELETE') =>
    Array.from({ length: 40 }, () => ({ status: 502, pathContains, ...(method ? { method } : {}) }));

  it('called again after its entry was canceled unfilled, an intent is not-filled (not already-closed)', async () => {
    const same = intent({ entry: { type: 'limit', price: '59000', fillTimeoutMs: 0 } });
    const first = await (await exchangeWith({})).exchange.openProtectedPosition(same);
    expect(first.status).toBe('not-filled');
    const again = await (await exchangeWith({})).exchange.openProtectedPosition(same);
    expect(again).toMatchObject({ status: 'not-filled', incidents: [] });
    expect(Number(again.filledQuantity)).toBe(0);
  });

  it('a take-profit refused on a later fill keeps the earlier one, and the new stop-loss protects the whole', async () => {
    sim.injectFaults({ partialFillRatio: 0.5 });
    let stops = 0;
    const armed = await exchangeWith(
      {
        1: () => sim.setMarketPrice('BTCUSDC', '59500.0'),
        3: () => sim.setMarketPrice('BTCUSDC', '59400.0'),
      },
      (entry) => {
        if (entry.event === 'exchange-request' && entry.operation === 'createStopLossOrder') {
          stops += 1;
          if (stops === 2) {
            sim.injectFaults({ rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' } });
          }
        }
      },
    );
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.incidents.map((incident) => incident.code)).toEqual(['TAKE_PROFIT_FAILED']);
    expect(result.stopLoss).toMatchObject({
      quantity: '0.020',
      clientOrderId: `${result.clientOrderIds.base}-s2`,
    });
    expect(result.takeProfit).toMatchObject({
      quantity: '0.010',
      clientOrderId: `${result.clientOrderIds.base}-t1`,
    });
    expect(
      simState(sim)
        .openAlgoOrders.map((order) => order['clientAlgoId'])
        .sort(),
    ).toEqual([`${result.clientOrderIds.base}-s2`, `${result.clientOrderIds.base}-t1`]);
  });

  it('an incident with no error carries none', async () => {
    sim.injectFaults({ partialFillRatio: 0.5 });
    const armed = await exchangeWith({ 1: () => sim.setMarketPrice('BTCUSDC', '59500.0') }, (entry) => {
      if (entry.event === 'exchange-request' && entry.operation === 'createTakeProfitOrder') {
        sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') });
      }
    });
    const result = await armed.exchange.openProtectedPosition(intent());
    sim.clearFaults();
    const notCanceled = result.incidents.find((incident) => incident.code === 'ENTRY_NOT_CANCELED');
    expect(notCanceled).toMatchObject({ severity: 'critical' });
    expect(notCanceled?.error).toBeUndefined();
  });

  it('a failing poll is logged as a warning', async () => {
    sim.injectFaults({ partialFillRatio: 0.5 });
    const armed = await exchangeWith({
      1: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'GET').slice(0, 4) }),
      2: () => sim.setMarketPrice('BTCUSDC', '59500.0'),
    });
    await armed.exchange.openProtectedPosition(intent());
    expect(armed.logs.filter((entry) => entry.event === 'protected-entry-poll-failed')).toEqual([
      expect.objectContaining({ level: 'warn' }),
    ]);
  });

  it('a stop-loss gone right after placing it fails with an error naming it; an unreadable position after the close is a warning', async () => {
    const armed = await exchangeWith({}, (entry) => {
      if (entry.event === 'exchange-request' && entry.operation === 'createStopLossOrder') {
        sim.actAsUser({ action: 'cancelProtection', symbol: 'BTCUSDC', kind: 'stopLoss' });
        sim.injectFaults({ httpErrors: [...failing('/fapi/v1/order', 'POST'), ...failing('positionRisk')] });
      }
    });
    const result = await armed.exchange.openProtectedPosition(intent({ entry: { type: 'market' } }));
    sim.clearFaults();
    expect(result.status).toBe('unprotected');
    expect(result.error).toMatchObject({
      code: 'INVALID_REQUEST',
      operation: 'openProtectedPosition',
      symbol: BTC,
      clientOrderId: `${result.clientOrderIds.base}-s1`,
      rationale: 'details',
    });
    expect(armed.logs.find((entry) => entry.event === 'emergency-close-position-unread')).toMatchObject({
      level: 'warn',
    });
  });
});
