import { createExchange } from '@bot/exchange';
import type { CcxtExchange, ExchangeLogEntry } from '@bot/exchange';
import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { createBinanceListenKeyApi, isListenKeyMissingError } from '@bot/ws';
import type { RestCall } from '@bot/ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ccxtRestRequest } from './ccxt-rest';

/** @bot/ws's REST calls share the order requests' rate-limit pause: one weight budget for the process. */
describe('ccxtRestRequest against the emulator', () => {
  let sim: Sim;
  let exchange: CcxtExchange;
  const logs: ExchangeLogEntry[] = [];
  let onLog: (entry: ExchangeLogEntry) => void = () => {};

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 7, historyMinutes: 5 });
    sim.setMarketPrice('BTCUSDC', '60000.0');
    const [account] = sim.accounts;
    exchange = await createExchange({
      mode: 'paper',
      simUrl: sim.url,
      apiKey: account?.apiKey,
      apiSecret: account?.apiSecret,
      enableRateLimit: false,
      leverage: 5,
      log: (entry) => {
        logs.push(entry);
        onLog(entry);
      },
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clearFaults();
    logs.length = 0;
    onLog = () => {};
  });

  const pollerCalls: readonly RestCall[] = [
    { method: 'GET', path: '/fapi/v1/premiumIndex', params: { symbol: 'BTCUSDC' }, security: 'NONE' },
    { method: 'GET', path: '/fapi/v2/positionRisk', security: 'SIGNED' },
    { method: 'PUT', path: '/fapi/v1/listenKey', security: 'USER_STREAM' },
  ];

  it('a 418 with Retry-After seen by an order → poller calls wait until it has passed: nothing reaches the emulator meanwhile', async () => {
    const rest = ccxtRestRequest(exchange);
    await rest({ method: 'POST', path: '/fapi/v1/listenKey', security: 'USER_STREAM' });
    const opening = { symbol: 'BTC/USDC:USDC', type: 'market', quantity: '0.010' } as const;
    await exchange.createOrder({ ...opening, side: 'buy' });
    sim.injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 1, count: 1 } });
    const before = sim.requests.length;
    let polls: Promise<unknown[]> | undefined;
    onLog = (entry) => {
      // The moment the order request has been refused, the pollers fire.
      if (polls === undefined && entry.event === 'exchange-failure' && entry.httpStatus === 418) {
        polls = Promise.all(pollerCalls.map((call) => rest(call)));
      }
    };
    // A reduce-only order waits the pause out and goes (an order that opens a position would not be sent).
    const { order } = await exchange.createOrder({ ...opening, side: 'sell', reduceOnly: true });
    expect(order.status).toBe('filled');
    expect(polls).toBeDefined();
    const answers = await polls;
    expect(answers).toHaveLength(3);

    const traffic = sim.requests.slice(before);
    const ban = traffic.find((request) => request.status === 418);
    expect(ban).toBeDefined();
    const during = traffic.filter(
      (request) => request !== ban && request.time < (ban?.time ?? 0) + 1_000 - 15,
    );
    expect(during.map((request) => `${request.method} ${request.path}`)).toEqual([]);
    expect(traffic.filter((request) => request.status === 418)).toHaveLength(1);
    expect(traffic).toHaveLength(5); // the 418, the order sent again, and the three poller calls
  });

  it('during a ban longer than the adapter waits, poller calls fail at once without sending anything', async () => {
    const rest = ccxtRestRequest(exchange);
    sim.injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 120, count: 1 } });
    await expect(exchange.fetchBalances()).rejects.toMatchObject({ code: 'RATE_LIMITED', banned: true });
    const before = sim.requests.length;
    for (const call of pollerCalls) {
      await expect(rest(call)).rejects.toMatchObject({ code: 'RATE_LIMITED', banned: true });
    }
    expect(sim.requests.length).toBe(before);
  });
});

describe('ccxtRestRequest: listenKey errors keep their meaning for @bot/ws', () => {
  it('-1125 on a keepalive is still recognised as a missing listenKey', async () => {
    const sim = await startSim({ speed: 'manual', seed: 8, historyMinutes: 5 });
    try {
      const [account] = sim.accounts;
      const exchange = await createExchange({
        mode: 'paper',
        simUrl: sim.url,
        apiKey: account?.apiKey,
        apiSecret: account?.apiSecret,
        enableRateLimit: false,
      });
      const listenKeys = createBinanceListenKeyApi(ccxtRestRequest(exchange));
      const key = await listenKeys.create();
      await listenKeys.close?.(key);
      const before = sim.requests.length;
      const error = await listenKeys.keepAlive(key).catch((caught: unknown) => caught);
      expect(isListenKeyMissingError(error)).toBe(true);
      expect(sim.requests.length - before).toBe(1); // a refusal: not retried
    } finally {
      await sim.close();
    }
  });
});
