import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  sim: Sim,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(`${sim.url}${path}`, { method, headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.on('error', reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

function signed(sim: Sim, params: string): string {
  const secret = sim.accounts[0]!.apiSecret;
  return `${params}&signature=${createHmac('sha256', secret).update(params).digest('hex')}`;
}

describe('the REST server under bad input', () => {
  let sim: Sim;
  let apiKey: string;
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5 });
    apiKey = sim.accounts[0]!.apiKey;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers unknown routes with a loud 404 in Binance shape', async () => {
    const answer = await send(sim, 'GET', '/sapi/v1/capital/config/getall');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ code: -5000, msg: expect.stringContaining('/sapi') });
    expect((await send(sim, 'PATCH', '/fapi/v1/order')).status).toBe(405);
  });

  it('rejects a JSON body, as Binance takes forms only', async () => {
    const answer = await send(sim, 'POST', '/fapi/v1/order', {
      body: '{"symbol": "BTCUSDC", broken',
      headers: { 'Content-Type': 'application/json', 'X-MBX-APIKEY': apiKey },
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: -1102 });
  });

  it('names a missing mandatory parameter', async () => {
    const timestamp = Date.now();
    const answer = await send(sim, 'POST', '/fapi/v1/order', {
      body: signed(sim, `symbol=BTCUSDC&side=BUY&type=MARKET&timestamp=${timestamp}`),
      headers: { ...form, 'X-MBX-APIKEY': apiKey },
    });
    expect(JSON.parse(answer.body)).toEqual({
      code: -1102,
      msg: "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
    });
  });

  it('rejects non-numeric and negative numbers with -1100', async () => {
    for (const quantity of ['abc', '-1', '1e3', 'NaN']) {
      const answer = await send(sim, 'POST', '/fapi/v1/order', {
        body: signed(sim, `symbol=BTCUSDC&side=BUY&type=MARKET&quantity=${quantity}&timestamp=${Date.now()}`),
        headers: { ...form, 'X-MBX-APIKEY': apiKey },
      });
      expect(JSON.parse(answer.body), quantity).toMatchObject({ code: -1100 });
    }
  });

  it('rejects an unknown symbol, side and type with their codes', async () => {
    const cases: [string, number][] = [
      ['symbol=XYZUSDC&side=BUY&type=MARKET&quantity=1', -1121],
      ['symbol=BTCUSDC&side=UP&type=MARKET&quantity=1', -1117],
      ['symbol=BTCUSDC&side=BUY&type=ICEBERG&quantity=1', -1116],
    ];
    for (const [params, code] of cases) {
      const answer = await send(sim, 'POST', '/fapi/v1/order', {
        body: signed(sim, `${params}&timestamp=${Date.now()}`),
        headers: { ...form, 'X-MBX-APIKEY': apiKey },
      });
      expect(JSON.parse(answer.body), params).toMatchObject({ code });
    }
  });

  it('checks the signature over query plus body exactly as sent', async () => {
    const params = `timestamp=${Date.now()}`;
    const good = await send(sim, 'GET', `/fapi/v3/account?${signed(sim, params)}`, {
      headers: { 'X-MBX-APIKEY': apiKey },
    });
    expect(good.status).toBe(200);
    const tampered = signed(sim, params).replace('timestamp=', 'timestamp=1');
    const bad = await send(sim, 'GET', `/fapi/v3/account?${tampered}`, {
      headers: { 'X-MBX-APIKEY': apiKey },
    });
    expect(JSON.parse(bad.body)).toMatchObject({ code: -1022 });
    const unsigned = await send(sim, 'GET', `/fapi/v3/account?${params}`, {
      headers: { 'X-MBX-APIKEY': apiKey },
    });
    expect(JSON.parse(unsigned.body)).toMatchObject({ code: -1102 });
    const noKey = await send(sim, 'GET', `/fapi/v3/account?${signed(sim, params)}`);
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.body)).toMatchObject({ code: -2014 });
    const stale = `timestamp=${Date.now() - 10_000}&recvWindow=5000`;
    const late = await send(sim, 'GET', `/fapi/v3/account?${signed(sim, stale)}`, {
      headers: { 'X-MBX-APIKEY': apiKey },
    });
    expect(JSON.parse(late.body)).toMatchObject({ code: -1021 });
  });

  it('refuses oversized bodies and still serves the next request', async () => {
    const answer = await send(sim, 'POST', '/fapi/v1/order', {
      body: 'x'.repeat(200 * 1024),
      headers: { ...form, 'X-MBX-APIKEY': apiKey },
    });
    expect(answer.status).toBe(413);
    expect((await send(sim, 'GET', '/fapi/v1/time')).status).toBe(200);
  });

  it('survives garbage on the socket and a flood of connections', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(sim.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const answers = await Promise.all(Array.from({ length: 200 }, () => send(sim, 'GET', '/fapi/v1/ping')));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect((await send(sim, 'GET', '/fapi/v1/time')).status).toBe(200);
  });

  it('answers 429 with Retry-After once the minute weight is spent', async () => {
    const limited = await startSim({ speed: 'manual', historyMinutes: 5 });
    try {
      let last: Answer | undefined;
      for (let index = 0; index < 250; index += 1) {
        last = await send(limited, 'GET', '/fapi/v1/ticker/24hr');
        if (last.status === 429) break;
      }
      expect(last?.status).toBe(429);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(last!.body)).toMatchObject({ code: -1003 });
    } finally {
      await limited.close();
    }
  });

  it('validates the control endpoint input', async () => {
    const bad = await send(sim, 'POST', '/_sim/faults', {
      body: '{oops',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    const advance = await send(sim, 'POST', '/_sim/advance', { body: '{"ms": -5}' });
    expect(advance.status).toBe(400);
    const state = await send(sim, 'GET', '/_sim/state');
    expect(JSON.parse(state.body)).toMatchObject({ marketTime: expect.any(Number), positions: [] });
  });
});
