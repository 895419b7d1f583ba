import ccxt from 'ccxt';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';

/**
 * Request weight as Binance applies it, over real HTTP: the used weight per minute of server time in
 * `X-MBX-USED-WEIGHT-1M`, 429 past the limit, 418 bans for a client that keeps coming, each twice as long.
 * Time passes for the limiter by moving the server clock (wall clock + skew), so nothing sleeps; only
 * unsigned requests are sent while it is moved, or signed ones stamped with the moved clock.
 */

interface Answer {
  readonly status: number;
  readonly weight: string | null;
  readonly retryAfter: string | null;
  readonly body: Record<string, unknown>;
}

async function get(sim: Sim, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${sim.url}${path}`, { headers });
  return {
    status: response.status,
    weight: response.headers.get('x-mbx-used-weight-1m'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Moves the server clock; `startOfMinute` first puts it one second into the next minute. */
class ServerClock {
  skewMs = 0;
  constructor(private readonly sim: Sim) {}

  startOfMinute(): void {
    const now = Date.now() + this.skewMs;
    this.move(Math.ceil(now / 60_000) * 60_000 + 1000 - now);
  }

  move(ms: number): void {
    this.skewMs += ms;
    this.sim.injectFaults({ clockSkewMs: this.skewMs });
  }

  now(): number {
    return Date.now() + this.skewMs;
  }
}

function signedGet(sim: Sim, clock: ServerClock, path: string) {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const query = `timestamp=${clock.now()}`;
  const signature = createHmac('sha256', apiSecret).update(query).digest('hex');
  return get(sim, `${path}?${query}&signature=${signature}`, { 'X-MBX-APIKEY': apiKey });
}

describe('request weight, 429 and 418 bans', () => {
  let sim: Sim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('sends the used weight of the minute on every answer, counted per endpoint', async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5 });
    const clock = new ServerClock(sim);
    clock.startOfMinute();
    const steps: [string, () => Promise<Answer>, number][] = [
      ['time', () => get(sim!, '/fapi/v1/time'), 1],
      ['ticker/24hr, all symbols', () => get(sim!, '/fapi/v1/ticker/24hr'), 40],
      ['ticker/24hr, one symbol', () => get(sim!, '/fapi/v1/ticker/24hr?symbol=BTCUSDC'), 1],
      ['klines, limit 1000', () => get(sim!, '/fapi/v1/klines?symbol=BTCUSDC&interval=1m&limit=1000'), 5],
      ['klines, limit 99', () => get(sim!, '/fapi/v1/klines?symbol=BTCUSDC&interval=1m&limit=99'), 1],
      ['premiumIndex, all symbols', () => get(sim!, '/fapi/v1/premiumIndex'), 10],
      ['v3 account', () => signedGet(sim!, clock, '/fapi/v3/account'), 5],
      ['positionSide/dual', () => signedGet(sim!, clock, '/fapi/v1/positionSide/dual'), 30],
      // Refused requests count too: a missing key (401).
      ['openOrders without a key', () => get(sim!, '/fapi/v1/openOrders'), 40],
      ['an unknown path (not counted)', () => get(sim!, '/fapi/v1/nothing'), 0],
    ];
    let expected = 0;
    for (const [label, request, weight] of steps) {
      const answer = await request();
      expected += weight;
      expect(answer.weight, `${label} → ${answer.status}`).toBe(String(expected));
    }
    expect(expected).toBe(133);

    // ccxt sees it too, and a new minute of server time starts from zero.
    const exchange = restClient(sim);
    await exchange.fetchTime();
    const headers = exchange.last_response_headers as Record<string, string>;
    expect(headers['X-Mbx-Used-Weight-1m'] ?? headers['x-mbx-used-weight-1m']).toBe('134');
    clock.move(60_000);
    expect((await get(sim, '/fapi/v1/time')).weight).toBe('1');
  });

  it('answers 429 past the limit, then 418 bans of 2 and then 4 minutes to a client that keeps coming', async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5, weightLimitPerMinute: 10 });
    const clock = new ServerClock(sim);
    clock.startOfMinute();
    const info = await get(sim, '/fapi/v1/exchangeInfo');
    expect(info.body.rateLimits).toContainEqual(
      expect.objectContaining({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', limit: 10 }),
    );
    for (let index = 2; index <= 10; index += 1) {
      expect(await get(sim, '/fapi/v1/time')).toMatchObject({ status: 200, weight: String(index) });
    }
    const limited = await get(sim, '/fapi/v1/time');
    expect(limited).toMatchObject({ status: 429, weight: '11' });
    const leftOfMinute = Math.ceil((60_000 - (clock.now() % 60_000)) / 1000);
    expect(Math.abs(Number(limited.retryAfter) - leftOfMinute)).toBeLessThanOrEqual(1);
    expect(limited.body).toEqual({
      code: -1003,
      msg: 'Too many requests; current limit of IP(127.0.0.1) is 10 requests per minute. Please use the websocket for live updates to avoid being banned.',
    });

    // ccxt does not wait (Retry-After is not its business): the next request earns a ban.
    const exchange = restClient(sim);
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const banned = await get(sim, '/fapi/v1/time');
    expect(banned).toMatchObject({ status: 418, body: { code: -1003 } });
    expect(Number(banned.retryAfter)).toBeGreaterThan(115);
    expect(Number(banned.retryAfter)).toBeLessThanOrEqual(120);
    const until = Number(/banned until (\d+)\./.exec(String(banned.body.msg))?.[1]);
    expect(Math.abs(until - (clock.now() + Number(banned.retryAfter) * 1000))).toBeLessThan(2000);

    // A minute later the ban has a minute left; it is not extended by asking.
    clock.move(60_000);
    const stillBanned = await get(sim, '/fapi/v1/time');
    expect(stillBanned.status).toBe(418);
    expect(Number(stillBanned.retryAfter)).toBeGreaterThan(55);
    expect(Number(stillBanned.retryAfter)).toBeLessThanOrEqual(60);

    // Waited out: served again, in a fresh minute.
    clock.move(61_000);
    clock.startOfMinute();
    expect(await get(sim, '/fapi/v1/time')).toMatchObject({ status: 200, weight: '1' });

    // A second offence: the ban doubles.
    for (let index = 2; index <= 10; index += 1) await get(sim, '/fapi/v1/time');
    expect((await get(sim, '/fapi/v1/time')).status).toBe(429);
    const second = await get(sim, '/fapi/v1/time');
    expect(second.status).toBe(418);
    expect(Number(second.retryAfter)).toBeGreaterThan(235);
    expect(Number(second.retryAfter)).toBeLessThanOrEqual(240);

    // Clearing the faults lifts the ban.
    sim.clearFaults();
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
  });

  it('lowers the limit at run time by a fault over HTTP, and restores it when the faults are cleared', async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5 });
    const clock = new ServerClock(sim);
    clock.startOfMinute();
    for (const body of [
      '{"weightLimitPerMinute":0}',
      '{"weightLimitPerMinute":2.5}',
      '{"weightLimitPerMinute":"9"}',
    ]) {
      const answer = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body });
      expect(answer.status, body).toBe(400);
    }
    const set = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: '{"weightLimitPerMinute":3}' });
    expect(set.status).toBe(200);
    const info = await get(sim, '/fapi/v1/exchangeInfo');
    expect(info.body.rateLimits).toContainEqual(expect.objectContaining({ limit: 3 }));
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
    expect(await get(sim, '/fapi/v1/time')).toMatchObject({ status: 200, weight: '3' });
    expect((await get(sim, '/fapi/v1/time')).status).toBe(429);

    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status).toBe(200);
    const restored = await get(sim, '/fapi/v1/exchangeInfo');
    expect(restored.status).toBe(200);
    expect(restored.body.rateLimits).toContainEqual(
      expect.objectContaining({ rateLimitType: 'REQUEST_WEIGHT', limit: 2400 }),
    );
  });

  it('refuses a weight limit that is not a positive integer at start', async () => {
    await expect(startSim({ weightLimitPerMinute: 0 })).rejects.toThrow(/weightLimitPerMinute/);
  });
});
