import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REST_ROUTES } from '../src/server/rest-routes';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';

/**
 * Fuzzing the emulator's HTTP surface over real sockets: random methods, paths, queries, bodies and
 * headers, near-valid signed orders with one thing broken, and malformed HTTP on raw sockets. No fault
 * is injected, so the server must answer every request (no reset, no hang), never with a 5xx, every 4xx
 * in Binance's `{ code, msg }` shape, and a malformed request must never change the account.
 */

interface Answer {
  readonly status: number;
  readonly body: string;
}

interface Outgoing {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A guard against a hanging server, not a timing assertion: a healthy answer takes milliseconds. */
const NO_ANSWER_MS = 5_000;

/** One request on its own connection (no keep-alive reuse, so a reset is always this request's). */
function send(sim: Sim, outgoing: Outgoing): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(
      `${sim.url}${outgoing.path}`,
      { method: outgoing.method, headers: outgoing.headers, agent: false, timeout: NO_ANSWER_MS },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${NO_ANSWER_MS} ms`)));
    request.on('error', (error) =>
      reject(new Error(`${outgoing.method} ${outgoing.path.slice(0, 200)}: ${error.message}`)),
    );
    if (outgoing.body !== undefined) request.write(outgoing.body);
    request.end();
  });
}

/** Writes raw bytes on a fresh TCP connection and collects whatever comes back until the server closes. */
function sendRaw(sim: Sim, chunks: readonly (string | Buffer)[], endEarly: boolean): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = connect(sim.port, '127.0.0.1', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (endEarly) socket.end();
    });
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${NO_ANSWER_MS} ms`));
    }, NO_ANSWER_MS);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A reset after the server's answer is fine here: it is the server closing a connection it refused.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(Buffer.concat(received).toString('latin1'));
    });
  });
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * What a 4xx body must look like: Binance's shape on the API, `{ error }` on the emulator's control plane
 * (or Binance's shape there too when the HTTP parser refused the request before any route saw it).
 */
function expectErrorShape(path: string, body: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (path.startsWith('/_sim/') && !('code' in parsed)) {
    expect(Object.keys(parsed)).toEqual(['error']);
    expect(typeof parsed.error).toBe('string');
    return;
  }
  expect(Object.keys(parsed).sort()).toEqual(['code', 'msg']);
  expect(Number.isInteger(parsed.code) && (parsed.code as number) < 0).toBe(true);
  expect(typeof parsed.msg).toBe('string');
}

function expectWellFormed(outgoing: Outgoing, answer: Answer): void {
  const label = `${outgoing.method} ${outgoing.path.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 200)}`;
  expect(answer.status, label).toBeGreaterThanOrEqual(200);
  expect(answer.status, label).toBeLessThan(500);
  if (outgoing.method === 'HEAD') {
    expect(answer.body, label).toBe('');
    return;
  }
  expect(() => JSON.parse(answer.body), label).not.toThrow();
  if (answer.status >= 400) expectErrorShape(outgoing.path.split('?')[0] ?? '', answer.body);
}

/** The account as a malformed request must leave it. */
function accountSnapshot(sim: Sim) {
  const accountId = sim.accounts[0]!.accountId;
  const { assets, positions, openOrders, openAlgoOrders, fills } = sim.state();
  return { assets, positions, openOrders, openAlgoOrders, fills, config: sim.core.symbolConfig(accountId) };
}

const KNOWN_PATHS = [...new Set(Object.keys(REST_ROUTES).map((key) => key.split(' ')[1] as string))];
const CONTROL_PATHS = [
  '/_sim/state',
  '/_sim/faults',
  '/_sim/streams/drop',
  '/_sim/listen-keys/expire',
  '/_sim/advance',
  '/_sim/adl',
  '/_sim/user',
];
const PARAM_NAMES = [
  'symbol',
  'side',
  'type',
  'quantity',
  'price',
  'timeInForce',
  'timestamp',
  'recvWindow',
  'signature',
  'limit',
  'interval',
  'orderId',
  'origClientOrderId',
  'algoId',
  'clientAlgoId',
  'algoType',
  'triggerPrice',
  'closePosition',
  'reduceOnly',
  'leverage',
  'marginType',
  'listenKey',
  'startTime',
  'endTime',
  'fromId',
  'newClientOrderId',
  'dualSidePosition',
  'workingType',
];

const BAD_NUMBERS = [
  'abc',
  '-1',
  '1e3',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '１２',
  '',
  ' 1',
  '1 ',
  '1,5',
  '9'.repeat(41),
  '9'.repeat(400),
  '-9007199254740993',
  '99999999999999999999',
  '0.0000000000000000000001',
  '.5',
  '5.',
  '+1',
];

const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
  );

const paramValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_NUMBERS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'BTCUSDC',
      'btcusdc',
      'XYZUSDC',
      'BUY',
      'SELL',
      'MARKET',
      'LIMIT',
      'STOP_MARKET',
      'GTC',
      'GTX',
      'CONDITIONAL',
      'true',
      'false',
      '1m',
      '1',
      '5',
      '500',
      '1500',
      '0.01',
      '60000',
      'ISOLATED',
    ),
  },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: text(30) },
);

/** `name=value` pairs, mostly encoded, sometimes raw (bad percent escapes, stray `&` and `=`). */
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PARAM_NAMES) }, { weight: 1, arbitrary: text(10) }),
      paramValue,
      fc.constantFrom('encoded', 'encoded', 'raw'),
    ),
    { maxLength: 8 },
  )
  .map((pairs) =>
    pairs
      .map(([name, value, how]) =>
        how === 'encoded'
          ? `${encodeURIComponent(name)}=${encodeURIComponent(value)}`
          : // Raw text stays within what an HTTP client may put in a request line.
            `${name}=${value}`.replace(/[^\x21-\x7e]/g, '%'),
      )
      .join('&'),
  );

const pathArbitrary = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTROL_PATHS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('/fapi/v1/', '/fapi/v2/', '/fapi/v3/', '/_sim/', '/papi/v1/', '/sapi/v1/', '/', '//'),
        fc.string({ unit: fc.constantFrom(...'abcxyzAZ019-._~%/:@!$()*+,;='.split('')), maxLength: 24 }),
      )
      .map(([prefix, rest]) => `${prefix}${rest}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/fapi/v1/order/',
      '/FAPI/V1/ORDER',
      '/fapi/v1//order',
      '/fapi/v1/%6Frder',
      '/fapi/v1/order%00',
      '/fapi/v1/../v1/order',
      '/fapi/v1/./time',
      '/_sim',
      '/_sim/',
      '/_sim/state/..',
      '/papi/v1/um/order',
      '/constructor',
      '/__proto__',
      '/fapi/v1/ping#fragment',
      '/fapi/v1/time%C3%A9',
    ),
  },
);

/** Everything but a fully valid signature: none, garbage, another secret's, or a valid one then tampered. */
const signing = fc.constantFrom('none', 'garbage', 'wrong-secret', 'tampered', 'stale', 'bad-window');

const chaoticRequest = fc.record({
  method: fc.constantFrom(
    'GET',
    'GET',
    'POST',
    'POST',
    'PUT',
    'DELETE',
    'PATCH',
    'HEAD',
    'OPTIONS',
    'PROPFIND',
  ),
  path: pathArbitrary,
  query: fc.option(queryString, { nil: undefined }),
  signing,
  longQuery: fc.option(fc.integer({ min: 1_000, max: 40_000 }), { nil: undefined, freq: 8 }),
  apiKey: fc.constantFrom('valid', 'valid', 'none', 'empty', 'unknown'),
  contentType: fc.option(
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'multipart/form-data; boundary=xyz',
      'application/x-www-form-urlencoded; charset=latin1',
      '*/*',
      'garbage',
    ),
    { nil: undefined },
  ),
  body: fc.option(
    fc.oneof(
      queryString,
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      text(200),
      fc.constantFrom('{oops', '{"ms": -5}', '{"ms": "soon"}', '{"ms": 1000}', '[]', 'null', '{}'),
      // Faults of the wrong types: must be refused, not stored to break every later request.
      fc.constantFrom(
        '{"httpErrors": 5}',
        '{"httpErrors": [{"status": "boom"}]}',
        '{"httpErrors": [null]}',
        '{"rateLimit": {"count": "many"}}',
        '{"rateLimit": 1}',
        '{"latencyMs": "slow"}',
        '{"maintenance": "yes"}',
        '{"clockSkewMs": {"a": 1}}',
        '{"partialFillRatio": "half"}',
        '{"rejectNextConditional": 7}',
        '{"maintenence": true}',
        '{"weightLimitPerMinute": "low"}',
        '{"httpErrors": [{"status": 503, "executeAfterMs": "later"}]}',
        '{"action": "withdraw", "asset": "USDC", "amount": "lots"}',
        '{"action": "openPosition", "symbol": "BTCUSDC"}',
      ),
      fc.integer({ min: 64 * 1024 + 1, max: 100 * 1024 }).map((size) => 'x'.repeat(size)),
    ),
    { nil: undefined },
  ),
});

type ChaoticRequest = typeof chaoticRequest extends fc.Arbitrary<infer T> ? T : never;

function buildChaotic(sim: Sim, spec: ChaoticRequest): Outgoing {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const headers: Record<string, string> = {};
  if (spec.apiKey === 'valid') headers['X-MBX-APIKEY'] = apiKey;
  if (spec.apiKey === 'empty') headers['X-MBX-APIKEY'] = '';
  if (spec.apiKey === 'unknown') headers['X-MBX-APIKEY'] = 'not-a-key';
  if (spec.contentType !== undefined) headers['Content-Type'] = spec.contentType;
  // Well framed whatever the method: Node sends a GET's or DELETE's body without a length otherwise, and
  // the stray bytes are then a malformed next request (the raw-socket cases cover those).
  if (spec.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(spec.body));

  let query = spec.query ?? '';
  if (spec.longQuery !== undefined) query = `${query}&pad=${'a'.repeat(spec.longQuery)}`;
  const now = Date.now();
  const body = spec.body ?? '';
  switch (spec.signing) {
    case 'none':
      break;
    case 'garbage':
      query = `${query}&signature=${encodeURIComponent('zz' + query.length)}`;
      break;
    case 'wrong-secret':
      query = `${query}&timestamp=${now}`;
      query = `${query}&signature=${hmac('not-the-secret', query + body)}`;
      break;
    case 'tampered': {
      query = `${query}&timestamp=${now}`;
      const signature = hmac(apiSecret, query + body);
      query = `${query}&quantity=1&signature=${signature}`;
      break;
    }
    case 'stale':
      query = `${query}&timestamp=${now - 120_000}`;
      query = `${query}&signature=${hmac(apiSecret, query + body)}`;
      break;
    case 'bad-window':
      query = `${query}&timestamp=${now}&recvWindow=60001`;
      query = `${query}&signature=${hmac(apiSecret, query + body)}`;
      break;
  }
  return {
    method: spec.method,
    path: query === '' ? spec.path : `${spec.path}?${query}`,
    headers,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
  };
}

/** A valid signed request: what the near-valid cases start from before one thing is broken. */
interface SignedCall {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly params: [string, string][];
}

interface Fixture {
  readonly limitPrice: string;
  readonly stopPrice: string;
}

function baseCalls(fixture: Fixture): Record<string, SignedCall> {
  return {
    market: {
      method: 'POST',
      path: '/fapi/v1/order',
      params: [
        ['symbol', 'BTCUSDC'],
        ['side', 'BUY'],
        ['type', 'MARKET'],
        ['quantity', '0.010'],
      ],
    },
    limit: {
      method: 'POST',
      path: '/fapi/v1/order',
      params: [
        ['symbol', 'BTCUSDC'],
        ['side', 'SELL'],
        ['type', 'LIMIT'],
        ['quantity', '0.010'],
        ['price', fixture.limitPrice],
        ['timeInForce', 'GTC'],
      ],
    },
    algo: {
      method: 'POST',
      path: '/fapi/v1/algoOrder',
      params: [
        ['algoType', 'CONDITIONAL'],
        ['symbol', 'BTCUSDC'],
        ['side', 'SELL'],
        ['type', 'STOP_MARKET'],
        ['triggerPrice', fixture.stopPrice],
        ['quantity', '0.010'],
      ],
    },
    leverage: {
      method: 'POST',
      path: '/fapi/v1/leverage',
      params: [
        ['symbol', 'BTCUSDC'],
        ['leverage', '7'],
      ],
    },
    marginType: {
      method: 'POST',
      path: '/fapi/v1/marginType',
      params: [
        ['symbol', 'BTCUSDC'],
        ['marginType', 'ISOLATED'],
      ],
    },
  };
}

/** For each base call, values of one field that Binance refuses, each on its own. */
const POISONS: Record<string, Record<string, readonly string[]>> = {
  market: {
    symbol: ['XYZUSDC', 'BTC', 'BTC/USDC', '', 'BTCUSDC\u0000', 'ＢＴＣＵＳＤＣ'],
    side: ['buy', 'LONG', '', 'BUY '],
    type: ['ICEBERG', 'STOP_MARKET', 'TRAILING_STOP_MARKET', ''],
    quantity: [...BAD_NUMBERS, '0', '0.0001', '0.0105', '121', '100000', '0.000'],
    reduceOnly: ['true', 'yes', '1'],
    timeInForce: ['GTD', 'gtc', 'X'],
    newClientOrderId: ['has space', 'x'.repeat(37), 'é', '#'],
  },
  limit: {
    price: [...BAD_NUMBERS, '0', '60000.05', '0.0', '999999999'],
    timeInForce: ['', 'GTD', 'DAY'],
    quantity: ['0', '0.0001', '1001', 'abc'],
  },
  algo: {
    algoType: ['OCO', '', 'conditional'],
    type: ['STOP_LOSS', 'TRAILING_STOP_MARKET', 'MARKET', 'LIMIT'],
    triggerPrice: [...BAD_NUMBERS, '0', '1000000000'],
    workingType: ['LAST', 'mark_price', ''],
    closePosition: ['true', 'maybe'],
    quantity: ['0', 'abc', '0.0001'],
  },
  leverage: {
    leverage: ['0', '126', '1000', '-3', '2.5', 'abc', '', '99999999999999999'],
    symbol: ['XYZUSDC', ''],
  },
  marginType: {
    marginType: ['ISOLATE', 'CROSS', '', 'both'],
    symbol: ['XYZUSDC'],
  },
};

/** Ways to break a request that are not about one field's value. */
const BREAKAGES = [
  'value',
  'value',
  'value',
  'value',
  'missing-field',
  'duplicate-bad-last',
  'bad-in-query-good-in-body',
  'no-signature',
  'flipped-signature',
  'short-signature',
  'tampered-after-signing',
  'stale-timestamp',
  'future-timestamp',
  'bad-timestamp',
  'no-timestamp',
  'recv-window',
  'json-content-type',
  'no-api-key',
  'other-api-key',
] as const;

const nearValidCase = fc.record({
  base: fc.constantFrom('market', 'limit', 'algo', 'leverage', 'marginType'),
  breakage: fc.constantFrom(...BREAKAGES),
  pick: fc.nat(),
  valuePick: fc.nat(),
  placement: fc.constantFrom('query', 'body', 'split'),
  recvWindow: fc.constantFrom('0', '-1', '60001', 'abc', '1e4', '5000.5'),
});

type NearValidCase = typeof nearValidCase extends fc.Arbitrary<infer T> ? T : never;

const encode = (params: readonly [string, string][]) =>
  params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');

function buildNearValid(sim: Sim, fixture: Fixture, spec: NearValidCase): Outgoing {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const call = baseCalls(fixture)[spec.base]!;
  let params = call.params.map(([name, value]) => [name, value] as [string, string]);
  const poisons = POISONS[spec.base]!;
  const fields = Object.keys(poisons);
  const field = fields[spec.pick % fields.length]!;
  const badValues = poisons[field]!;
  const bad = badValues[spec.valuePick % badValues.length]!;
  const setField = (list: [string, string][], value: string) => {
    const index = list.findIndex(([name]) => name === field);
    if (index === -1) list.push([field, value]);
    else list[index] = [field, value];
  };
  let now = Date.now();
  let extraQuery: [string, string][] = [];
  switch (spec.breakage) {
    case 'value':
      setField(params, bad);
      break;
    case 'missing-field': {
      const mandatory = call.params.map(([name]) => name);
      const drop = mandatory[spec.pick % mandatory.length];
      params = params.filter(([name]) => name !== drop);
      break;
    }
    case 'duplicate-bad-last':
    case 'bad-in-query-good-in-body':
      // The query wins over the body and a later value over an earlier one: the bad value is the one used.
      extraQuery = [[field, bad]];
      break;
    case 'stale-timestamp':
      now -= 10_000;
      break;
    case 'future-timestamp':
      now += 5_000;
      break;
    default:
      break;
  }
  const withTime: [string, string][] =
    spec.breakage === 'no-timestamp'
      ? params
      : [...params, ['timestamp', spec.breakage === 'bad-timestamp' ? 'yesterday' : String(now)]];
  if (spec.breakage === 'recv-window') withTime.push(['recvWindow', spec.recvWindow]);

  // Split the parameters between query and form body; the query part may carry the bad duplicate.
  let queryParams: [string, string][];
  let bodyParams: [string, string][];
  const placement = spec.breakage === 'json-content-type' ? 'body' : spec.placement;
  if (placement === 'query') [queryParams, bodyParams] = [withTime, []];
  else if (placement === 'body') [queryParams, bodyParams] = [[], withTime];
  else {
    const half = Math.ceil(withTime.length / 2);
    [queryParams, bodyParams] = [withTime.slice(0, half), withTime.slice(half)];
  }
  if (extraQuery.length > 0) {
    queryParams = [...queryParams, ...extraQuery];
    if (spec.breakage === 'bad-in-query-good-in-body' && !bodyParams.some(([name]) => name === field))
      bodyParams = [...bodyParams, [field, call.params.find(([name]) => name === field)?.[1] ?? '1']];
  }
  let query = encode(queryParams);
  let body = encode(bodyParams);
  let signature = hmac(apiSecret, query + body);
  if (spec.breakage === 'flipped-signature')
    signature = `${signature.slice(0, 10)}${signature[10] === 'a' ? 'b' : 'a'}${signature.slice(11)}`;
  if (spec.breakage === 'short-signature') signature = signature.slice(0, 63);
  if (spec.breakage !== 'no-signature') query = `${query}${query === '' ? '' : '&'}signature=${signature}`;
  if (spec.breakage === 'tampered-after-signing') {
    // Whichever part carries the timestamp: it no longer matches what was signed.
    query = query.replace(/timestamp=(\d)/, 'timestamp=1$1');
    body = body.replace(/timestamp=(\d)/, 'timestamp=1$1');
  }

  const headers: Record<string, string> = {};
  if (spec.breakage !== 'no-api-key')
    headers['X-MBX-APIKEY'] = spec.breakage === 'other-api-key' ? `${apiKey}x` : apiKey;
  if (body !== '')
    headers['Content-Type'] =
      spec.breakage === 'json-content-type' ? 'application/json' : 'application/x-www-form-urlencoded';
  return {
    method: call.method,
    path: query === '' ? call.path : `${call.path}?${query}`,
    headers,
    ...(body !== '' ? { body } : {}),
  };
}

function signedGet(sim: Sim, path: string, params = ''): Outgoing {
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const query = `${params}${params === '' ? '' : '&'}timestamp=${Date.now()}`;
  return {
    method: 'GET',
    path: `${path}?${query}&signature=${hmac(apiSecret, query)}`,
    headers: { 'X-MBX-APIKEY': apiKey },
  };
}

async function fixtureOf(sim: Sim): Promise<Fixture> {
  const answer = await send(sim, { method: 'GET', path: '/fapi/v1/ticker/price?symbol=BTCUSDC' });
  const last = Number((JSON.parse(answer.body) as { price: string }).price);
  return { limitPrice: (last * 1.01).toFixed(1), stopPrice: (last * 0.95).toFixed(1) };
}

/** Whether a raw request's head is beyond Node's 16 KiB header limit. */
function oversized(chunks: readonly (string | Buffer)[]): boolean {
  const first = String(chunks[0] ?? '');
  const end = first.indexOf('\r\n\r\n');
  return (end === -1 ? first.length : end) > 16 * 1024;
}

describe('the REST server under fuzzed input', () => {
  let sim: Sim;
  let internalErrors: unknown[];

  beforeEach(async () => {
    internalErrors = [];
    sim = await startSim({
      seed: 1,
      speed: 'manual',
      historyMinutes: 30,
      onInternalError: (error) => internalErrors.push(error),
    });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('answers arbitrary requests without a reset, a hang or a 5xx, errors in Binance shape', async () => {
    const before = accountSnapshot(sim);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(chaoticRequest, async (spec) => {
        const outgoing = buildChaotic(sim, spec);
        expectWellFormed(outgoing, await send(sim, outgoing));
        answered += 1;
      }),
      { numRuns: 250, seed: 20_260_501, endOnFailure: true },
    );
    expect(answered).toBeGreaterThanOrEqual(250);
    expect(internalErrors).toEqual([]);
    expect(accountSnapshot(sim)).toEqual(before);
    // Still serving: a valid signed read works.
    const account = await send(sim, signedGet(sim, '/fapi/v3/account'));
    expect(account.status).toBe(200);
    expect(JSON.parse(account.body)).toMatchObject({ assets: expect.any(Array), positions: [] });
  });

  it('refuses a signed request with one thing broken, and never acts on it', async () => {
    const fixture = await fixtureOf(sim);
    const before = accountSnapshot(sim);
    await fc.assert(
      fc.asyncProperty(nearValidCase, async (spec) => {
        const outgoing = buildNearValid(sim, fixture, spec);
        const answer = await send(sim, outgoing);
        expectWellFormed(outgoing, answer);
        expect(answer.status, `${JSON.stringify(spec)} → ${answer.body}`).toBeGreaterThanOrEqual(400);
        expect(accountSnapshot(sim)).toEqual(before);
      }),
      { numRuns: 300, seed: 20_260_502, endOnFailure: true },
    );
    expect(internalErrors).toEqual([]);
    const orders = await send(sim, signedGet(sim, '/fapi/v1/openOrders', 'symbol=BTCUSDC'));
    expect(orders.status).toBe(200);
    expect(JSON.parse(orders.body)).toEqual([]);
  });

  it('accepts each unbroken base request, so the refusals above are the breakage', async () => {
    const fixture = await fixtureOf(sim);
    const { apiKey, apiSecret } = sim.accounts[0]!;
    // Margin type and leverage first: the margin type cannot change once the market order opened a position.
    const calls = baseCalls(fixture);
    const order = ['marginType', 'leverage', 'limit', 'algo', 'market'] as const;
    expect([...order].sort()).toEqual(Object.keys(calls).sort());
    for (const name of order) {
      const call = calls[name]!;
      const query = `${encode(call.params)}&timestamp=${Date.now()}`;
      const answer = await send(sim, {
        method: call.method,
        path: `${call.path}?${query}&signature=${hmac(apiSecret, query)}`,
        headers: { 'X-MBX-APIKEY': apiKey },
      });
      expect(answer.status, `${name}: ${answer.body}`).toBe(200);
    }
    expect(internalErrors).toEqual([]);
  });

  it('answers or closes on malformed HTTP, truncated bodies and header floods, and keeps serving', async () => {
    const routes = [...KNOWN_PATHS, ...CONTROL_PATHS];
    const rawCase = fc.oneof(
      // A request line that is not one: always refused with a 4xx before the connection closes.
      fc
        .oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
          fc.string({
            unit: fc.constantFrom('G', 'E', 'T', ' ', '/', '\u0000', '\u00ff', 'é', '\t', 'H'),
            minLength: 1,
          }),
        )
        .filter((line) => !/[\r\n]/.test(line))
        .map((line) => ({ kind: 'request-line' as const, chunks: [`${line}\r\n\r\n`], endEarly: false })),
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'FOO', 'get'),
          fc.constantFrom(...routes),
          fc.constantFrom('HTTP/1.1', 'HTTP/9.9', 'HTTP/1', ''),
        )
        .filter(([method, , version]) => !(method === 'GET' || method === 'POST') || version !== 'HTTP/1.1')
        .map(([method, route, version]) => ({
          kind: 'request-line' as const,
          chunks: [`${method} ${route} ${version}\r\nHost: x\r\n\r\n`],
          endEarly: false,
        })),
      // Many headers, or one huge one: served (200) while small enough, else 431.
      fc.tuple(fc.integer({ min: 1, max: 4_000 }), fc.integer({ min: 1, max: 40 })).map(([count, size]) => ({
        kind: 'header-flood' as const,
        chunks: [
          `GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n${Array.from({ length: count }, (_, index) => `X-F${index}: ${'v'.repeat(size)}\r\n`).join('')}Connection: close\r\n\r\n`,
        ],
        endEarly: false,
      })),
      // A body shorter than announced, then the client goes away: nothing to answer, nothing to break.
      fc
        .tuple(fc.constantFrom(...routes), fc.integer({ min: 1, max: 1_000 }), fc.string({ maxLength: 50 }))
        .map(([route, extra, partial]) => ({
          kind: 'truncated' as const,
          chunks: [
            `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(partial) + extra}\r\n\r\n`,
            partial,
          ],
          endEarly: true,
        })),
      // Framing the parser must refuse.
      fc
        .constantFrom(
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
          'POST /fapi/v1/order HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
          'GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
          'GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\nX-Long: ' + 'a'.repeat(20_000) + '\r\n\r\n',
        )
        .map((request) => ({ kind: 'framing' as const, chunks: [request], endEarly: false })),
    );
    await fc.assert(
      fc.asyncProperty(rawCase, async ({ kind, chunks, endEarly }) => {
        const received = await sendRaw(sim, chunks, endEarly);
        const label = `${kind}: ${JSON.stringify(chunks[0]?.slice(0, 80))} → ${JSON.stringify(received.slice(0, 160))}`;
        // Bytes that are not HTTP may be closed without an answer (README); a request too large to read
        // (a header flood) must be answered, 200 while it fits and 431 beyond.
        if (received === '') {
          expect(kind === 'header-flood' || oversized(chunks), label).toBe(false);
          return;
        }
        const statusLine = /^HTTP\/1\.1 (\d{3}) /.exec(received);
        expect(statusLine, label).not.toBeNull();
        const status = Number(statusLine?.[1]);
        expect(status, label).toBeLessThan(500);
        if (kind === 'header-flood') expect([200, 431], label).toContain(status);
        else expect(status, label).toBeGreaterThanOrEqual(400);
        const body = received.slice(received.indexOf('\r\n\r\n') + 4);
        if (status >= 400 && body !== '' && !received.includes('Transfer-Encoding: chunked'))
          expectErrorShape('/', body);
      }),
      { numRuns: 120, seed: 20_260_503 },
    );
    expect(internalErrors).toEqual([]);
    expect((await send(sim, { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
    expect(accountSnapshot(sim).openOrders).toEqual([]);
  });

  describe('regressions the fuzzing found', () => {
    it('answers an overlong URL or header block with 431 in Binance shape, not a bare reset', async () => {
      const long = await send(sim, { method: 'GET', path: `/fapi/v1/time?pad=${'a'.repeat(20_000)}` });
      expect(long.status).toBe(431);
      expect(JSON.parse(long.body)).toEqual({
        code: -1000,
        msg: 'Request rejected: Request Header Fields Too Large.',
      });
      const head = await send(sim, { method: 'HEAD', path: `/fapi/v1/time?pad=${'a'.repeat(20_000)}` });
      expect(head).toEqual({ status: 431, body: '' });
      const headers = Object.fromEntries(
        Array.from({ length: 1_000 }, (_, index) => [`X-F${index}`, 'v'.repeat(20)]),
      );
      expect((await send(sim, { method: 'GET', path: '/fapi/v1/ping', headers })).status).toBe(431);
      // Bytes that are not HTTP at all are still closed without an answer, as the README says.
      expect(await sendRaw(sim, ['NOT HTTP AT ALL\r\n\r\n'], false)).toBe('');
      expect((await send(sim, { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
    });

    it('refuses faults of the wrong type instead of storing them and answering every later request 500', async () => {
      for (const body of [
        '{"httpErrors": 5}',
        '{"httpErrors": [{"status": 9999}]}',
        '{"maintenence": true}',
      ]) {
        const answer = await send(sim, { method: 'POST', path: '/_sim/faults', body });
        expect(answer.status, body).toBe(400);
        expect(JSON.parse(answer.body), body).toEqual({ error: expect.any(String) });
        expect((await send(sim, { method: 'GET', path: '/fapi/v1/time' })).status, body).toBe(200);
      }
      // Faults of the right type still work over HTTP.
      const good = await send(sim, {
        method: 'POST',
        path: '/_sim/faults',
        body: '{"httpErrors": [{"status": 502, "pathContains": "/fapi/v1/time"}]}',
      });
      expect(good.status).toBe(200);
      expect((await send(sim, { method: 'GET', path: '/fapi/v1/time' })).status).toBe(502);
      expect((await send(sim, { method: 'GET', path: '/fapi/v1/time' })).status).toBe(200);
      expect(internalErrors).toEqual([]);
    });

    it('survives a client that leaves mid-body, on the control plane (it crashed) and on the API', async () => {
      for (const path of ['/_sim/advance', '/_sim/faults', '/fapi/v1/order']) {
        const received = await sendRaw(
          sim,
          [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ms"`],
          true,
        );
        expect(received, path).toBe('');
      }
      expect((await send(sim, { method: 'GET', path: '/fapi/v1/ping' })).status).toBe(200);
      // A client going away is not an emulator bug.
      expect(internalErrors).toEqual([]);
    });
  });
});
