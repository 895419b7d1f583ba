/**
 * openProtectedPosition's details a user still relies on, against the emulator: an intent called again after
 * its entry was canceled unfilled, a take-profit refused on a later fill keeping the earlier one, and the
 * fields of the errors, incidents and log records the runner reports.
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeLogEntry } from '../src/runtime';
import {
  BTC,
  failing,
  intentFactory,
  LIMIT_ENTRY,
  pollingExchange,
  simState,
  usePaperEmulator,
} from './support';

describe('openProtectedPosition: details, against the emulator', () => {
  const { sim } = usePaperEmulator();
  const intent = intentFactory('details', LIMIT_ENTRY);

  const exchangeWith = (onPoll: Record<number, () => void>, onLog?: (entry: ExchangeLogEntry) => void) =>
    pollingExchange(sim(), onPoll, onLog);

  it('called again after its entry was canceled unfilled, an intent is not-filled (not already-closed)', async () => {
    const same = intent({ entry: { type: 'limit', price: '59000', fillTimeoutMs: 0 } });
    const first = await (await exchangeWith({})).exchange.openProtectedPosition(same);
    expect(first.status).toBe('not-filled');
    const again = await (await exchangeWith({})).exchange.openProtectedPosition(same);
    expect(again).toMatchObject({ status: 'not-filled', incidents: [] });
    expect(Number(again.filledQuantity)).toBe(0);
  });

  it('looks up an entry under its ids before placing one, unless the caller says the intent is new', async () => {
    const isEntry = (request: { method: string; path: string }, method: string) =>
      request.method === method && request.path === '/fapi/v1/order';
    let start = sim().requests.length;
    const fresh = intentFactory('new', { entry: { type: 'market' } })();
    const first = await (await exchangeWith({})).exchange.openProtectedPosition(fresh, { mayExist: false });
    expect(first.status).toBe('protected');
    const firstCall = sim().requests.slice(start);
    const placedAt = firstCall.findIndex((request) => isEntry(request, 'POST'));
    expect(placedAt).toBeGreaterThanOrEqual(0);
    expect(firstCall.slice(0, placedAt).filter((request) => isEntry(request, 'GET'))).toEqual([]);
    // The same intent again, as a retry would send it: looked up, found, not placed twice.
    start = sim().requests.length;
    const again = await (await exchangeWith({})).exchange.openProtectedPosition(fresh);
    expect(again.status).toBe('protected');
    const secondCall = sim().requests.slice(start);
    expect(secondCall.filter((request) => isEntry(request, 'GET')).length).toBeGreaterThan(0);
    expect(secondCall.filter((request) => isEntry(request, 'POST'))).toEqual([]);
  });

  it('a take-profit refused on a later fill keeps the earlier one, and the new stop-loss protects the whole', async () => {
    sim().injectFaults({ partialFillRatio: 0.5 });
    let stops = 0;
    const armed = await exchangeWith(
      {
        1: () => sim().setMarketPrice('BTCUSDC', '59500.0'),
        3: () => sim().setMarketPrice('BTCUSDC', '59400.0'),
      },
      (entry) => {
        if (entry.event === 'exchange-request' && entry.operation === 'createStopLossOrder') {
          stops += 1;
          if (stops === 2) {
            sim().injectFaults({
              rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' },
            });
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
      simState(sim())
        .openAlgoOrders.map((order) => order['clientAlgoId'])
        .sort(),
    ).toEqual([`${result.clientOrderIds.base}-s2`, `${result.clientOrderIds.base}-t1`]);
  });

  it('an incident with no error carries none', async () => {
    sim().injectFaults({ partialFillRatio: 0.5 });
    const armed = await exchangeWith({ 1: () => sim().setMarketPrice('BTCUSDC', '59500.0') }, (entry) => {
      if (entry.event === 'exchange-request' && entry.operation === 'createTakeProfitOrder') {
        sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') });
      }
    });
    const result = await armed.exchange.openProtectedPosition(intent());
    sim().clearFaults();
    const notCanceled = result.incidents.find((incident) => incident.code === 'ENTRY_NOT_CANCELED');
    expect(notCanceled).toMatchObject({ severity: 'critical' });
    expect(notCanceled?.error).toBeUndefined();
  });

  it('a failing poll is logged as a warning', async () => {
    sim().injectFaults({ partialFillRatio: 0.5 });
    const armed = await exchangeWith({
      1: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'GET').slice(0, 4) }),
      2: () => sim().setMarketPrice('BTCUSDC', '59500.0'),
    });
    await armed.exchange.openProtectedPosition(intent());
    expect(armed.logs.filter((entry) => entry.event === 'protected-entry-poll-failed')).toEqual([
      expect.objectContaining({ level: 'warn' }),
    ]);
  });

  it('a stop-loss gone right after placing it fails with an error naming it; an unreadable position after the close is a warning', async () => {
    const armed = await exchangeWith({}, (entry) => {
      if (entry.event === 'exchange-request' && entry.operation === 'createStopLossOrder') {
        sim().actAsUser({ action: 'cancelProtection', symbol: 'BTCUSDC', kind: 'stopLoss' });
        sim().injectFaults({
          httpErrors: [...failing('/fapi/v1/order', 'POST'), ...failing('positionRisk')],
        });
      }
    });
    const result = await armed.exchange.openProtectedPosition(intent({ entry: { type: 'market' } }));
    sim().clearFaults();
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
