import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sim } from '../src/sim';
import {
  send,
  hmac,
  expectWellFormed,
  accountSnapshot,
  BAD_NUMBERS,
  signedGet,
  useFuzzedSim,
} from './http-fuzz-support';
import type { Outgoing } from './http-fuzz-support';

/**
 * Fuzzing the emulator's HTTP surface over real sockets with near-valid signed requests: each valid
 * base request with one thing broken must be refused and never acted on.
 */

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

async function fixtureOf(sim: Sim): Promise<Fixture> {
  const answer = await send(sim, { method: 'GET', path: '/fapi/v1/ticker/price?symbol=BTCUSDC' });
  const last = Number((JSON.parse(answer.body) as { price: string }).price);
  return { limitPrice: (last * 1.01).toFixed(1), stopPrice: (last * 0.95).toFixed(1) };
}

describe('the REST server under fuzzed input', () => {
  const { sim, internalErrors } = useFuzzedSim();

  it('refuses a signed request with one thing broken, and never acts on it', async () => {
    const fixture = await fixtureOf(sim());
    const before = accountSnapshot(sim());
    await fc.assert(
      fc.asyncProperty(nearValidCase, async (spec) => {
        const outgoing = buildNearValid(sim(), fixture, spec);
        const answer = await send(sim(), outgoing);
        expectWellFormed(outgoing, answer);
        expect(answer.status, `${JSON.stringify(spec)} → ${answer.body}`).toBeGreaterThanOrEqual(400);
        expect(accountSnapshot(sim())).toEqual(before);
      }),
      { numRuns: 300, seed: 20_260_502, endOnFailure: true },
    );
    expect(internalErrors()).toEqual([]);
    const orders = await send(sim(), signedGet(sim(), '/fapi/v1/openOrders', 'symbol=BTCUSDC'));
    expect(orders.status).toBe(200);
    expect(JSON.parse(orders.body)).toEqual([]);
  });

  it('accepts each unbroken base request, so the refusals above are the breakage', async () => {
    const fixture = await fixtureOf(sim());
    const { apiKey, apiSecret } = sim().accounts[0]!;
    // Margin type and leverage first: the margin type cannot change once the market order opened a position.
    const calls = baseCalls(fixture);
    const order = ['marginType', 'leverage', 'limit', 'algo', 'market'] as const;
    expect([...order].sort()).toEqual(Object.keys(calls).sort());
    for (const name of order) {
      const call = calls[name]!;
      const query = `${encode(call.params)}&timestamp=${Date.now()}`;
      const answer = await send(sim(), {
        method: call.method,
        path: `${call.path}?${query}&signature=${hmac(apiSecret, query)}`,
        headers: { 'X-MBX-APIKEY': apiKey },
      });
      expect(answer.status, `${name}: ${answer.body}`).toBe(200);
    }
    expect(internalErrors()).toEqual([]);
  });
});
