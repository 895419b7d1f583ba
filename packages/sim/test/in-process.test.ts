/**
 * The emulator serving its own process only (`listen: false`): `sim.fetch` answers through the REST
 * handler (signatures, error bodies and faults as over HTTP), and `streams.listen`/`listenUser` deliver the
 * payloads the sockets would carry.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index';
import type { Sim } from '../src/index';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function signed(secret: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return `${query}&signature=${createHmac('sha256', secret).update(query).digest('hex')}`;
}

describe('an emulator without a server (listen: false)', () => {
  it('answers sim.fetch as its HTTP server does: a signed order, a Binance error body, a fault without an answer', async () => {
    sim = await startSim({ listen: false, speed: 'manual', historyMinutes: 5 });
    const [account] = sim.accounts;
    if (!account) throw new Error('no account');
    expect(sim.port).toBe(0);
    const order = (params: Record<string, string>) =>
      (sim as Sim).fetch(`${(sim as Sim).url}/fapi/v1/order`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': account.apiKey, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: signed(account.apiSecret, { ...params, timestamp: String(Date.now()) }),
      });
    const placed = await order({ symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010' });
    expect([placed.status, placed.ok, placed.statusText]).toEqual([200, true, 'OK']);
    expect(placed.headers.get('x-mbx-used-weight-1m')).toMatch(/^\d+$/);
    expect(await placed.json()).toMatchObject({ symbol: 'BTCUSDC', status: 'FILLED', executedQty: '0.010' });

    const refused = await order({ symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.0101' });
    expect([refused.status, refused.ok, refused.statusText]).toEqual([400, false, 'Bad Request']);
    expect(await refused.json()).toEqual({ code: -1111, msg: expect.any(String) });

    sim.injectFaults({
      httpErrors: [{ status: 502, closeWithoutAnswer: true, pathContains: '/fapi/v1/order' }],
    });
    await expect(
      order({ symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010' }),
    ).rejects.toThrow(TypeError);
  });

  it('delivers market and user-data payloads to in-process listeners, and stops when told', async () => {
    sim = await startSim({ listen: false, speed: 'manual', historyMinutes: 5 });
    const [account] = sim.accounts;
    if (!account) throw new Error('no account');
    const market: { stream: string; payload: Record<string, unknown> }[] = [];
    const user: Record<string, unknown>[] = [];
    const stopMarket = sim.streams.listen(['btcusdc@kline_1m', 'btcusdc@markPrice@1s'], (stream, payload) =>
      market.push({ stream, payload: payload as Record<string, unknown> }),
    );
    const stopUser = sim.streams.listenUser(account.accountId, (payload) => user.push(payload));
    const marks: unknown[] = [];
    const stopMarks = sim.streams.listen(['btcusdc@markPrice@1s'], (_, payload) => marks.push(payload));
    expect(sim.streams.hasSubscribers('btcusdc@kline_1m')).toBe(true);
    sim.advance(60_000);
    expect(market.some(({ payload }) => payload['e'] === 'kline')).toBe(true);
    expect(market.some(({ payload }) => payload['e'] === 'markPriceUpdate')).toBe(true);
    expect(market.some(({ payload }) => (payload['k'] as { x?: boolean } | undefined)?.x === true)).toBe(
      true,
    );
    sim.actAsUser({ action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.010' });
    expect(user.map((payload) => payload['e'])).toContain('ORDER_TRADE_UPDATE');
    expect(marks).toEqual(
      market.filter(({ stream }) => stream === 'btcusdc@markPrice@1s').map(({ payload }) => payload),
    );
    stopMarket();
    expect(sim.streams.hasSubscribers('btcusdc@kline_1m')).toBe(false);
    expect(sim.streams.hasSubscribers('btcusdc@markPrice@1s')).toBe(true);
    const seen = market.length;
    const marksSeen = marks.length;
    sim.advance(60_000);
    expect(market).toHaveLength(seen);
    // The other listener of the same stream still hears it, until it stops too.
    expect(marks.length).toBeGreaterThan(marksSeen);
    stopMarks();
    expect(sim.streams.hasSubscribers('btcusdc@markPrice@1s')).toBe(false);
    stopUser();
    const userSeen = user.length;
    sim.actAsUser({ action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.010' });
    expect(user).toHaveLength(userSeen);
  });

  it('says when it withholds user-data events from listeners (the stale user-data fault), and drops them then', async () => {
    sim = await startSim({ listen: false, speed: 'manual', historyMinutes: 5 });
    const [account] = sim.accounts;
    if (!account) throw new Error('no account');
    const user: Record<string, unknown>[] = [];
    const stop = sim.streams.listenUser(account.accountId, (payload) => user.push(payload));
    expect(sim.streams.userDataWithheld).toBe(false);
    sim.injectFaults({ staleUserDataStreams: true });
    expect(sim.streams.userDataWithheld).toBe(true);
    sim.actAsUser({ action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.010' });
    expect(user).toEqual([]);
    sim.clearFaults();
    expect(sim.streams.userDataWithheld).toBe(false);
    sim.actAsUser({ action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.010' });
    expect(user.map((payload) => payload['e'])).toContain('ORDER_TRADE_UPDATE');
    stop();
  });
});
