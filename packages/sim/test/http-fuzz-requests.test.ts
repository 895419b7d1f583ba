import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sim } from '../src/sim';
import {
  send,
  hmac,
  expectWellFormed,
  accountSnapshot,
  KNOWN_PATHS,
  CONTROL_PATHS,
  BAD_NUMBERS,
  signedGet,
  useFuzzedSim,
} from './http-fuzz-support';
import type { Outgoing } from './http-fuzz-support';

/**
 * Fuzzing the emulator's HTTP surface over real sockets with arbitrary requests: random methods, paths,
 * queries, bodies, headers and signatures.
 */

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

describe('the REST server under fuzzed input', () => {
  const { sim, internalErrors } = useFuzzedSim();

  it('answers arbitrary requests without a reset, a hang or a 5xx, errors in Binance shape', async () => {
    const before = accountSnapshot(sim());
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(chaoticRequest, async (spec) => {
        const outgoing = buildChaotic(sim(), spec);
        expectWellFormed(outgoing, await send(sim(), outgoing));
        answered += 1;
      }),
      { numRuns: 250, seed: 20_260_501, endOnFailure: true },
    );
    expect(answered).toBeGreaterThanOrEqual(250);
    expect(internalErrors()).toEqual([]);
    expect(accountSnapshot(sim())).toEqual(before);
    // Still serving: a valid signed read works.
    const account = await send(sim(), signedGet(sim(), '/fapi/v3/account'));
    expect(account.status).toBe(200);
    expect(JSON.parse(account.body)).toMatchObject({ assets: expect.any(Array), positions: [] });
  });
});
