import fc from 'fast-check';

/**
 * Binance frames for fuzzing: one valid payload per event type, the fields each parser checks (with the
 * kind of value it accepts), and values that no field of that kind accepts. Breaking one checked field of
 * a valid payload must turn it into a `malformed` message; everything else about the frame may vary.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

export type FieldKind =
  | 'integer'
  | 'decimal'
  | 'fundingRate'
  | 'text'
  | 'side'
  | 'boolean'
  | 'object'
  | 'array'
  | 'positionMarginType'
  | 'integerOrDigits'
  | 'actualOrderId';

export interface CheckedField {
  readonly path: Path;
  readonly kind: FieldKind;
  /** Whether leaving the field out is an error too (optional fields fall back to a default). */
  readonly required: boolean;
}

export interface Sample {
  readonly name: string;
  readonly payload: { readonly [key: string]: Json };
  readonly fields: readonly CheckedField[];
}

const DECIMAL_BREAKERS: readonly Json[] = [
  1,
  1.5,
  'NaN',
  'Infinity',
  '-Infinity',
  '1e',
  '1.',
  '.5',
  '+1',
  '-',
  '--1',
  '0x10',
  ' 1',
  '1 ',
  '1,5',
  '1.5.5',
  '١٢',
  '1'.repeat(65),
  null,
  true,
  {},
  [],
];

/** Values that no field of the kind accepts (JSON only: what a socket can carry). */
export const BREAKERS: Readonly<Record<FieldKind, readonly Json[]>> = {
  integer: ['1', 1.5, 2 ** 53, -(2 ** 53), 1e300, -1e300, null, true, {}, [], '', 'NaN'],
  decimal: [...DECIMAL_BREAKERS, ''],
  // The funding rate may be "" (delivery contracts), so "" does not break it.
  fundingRate: DECIMAL_BREAKERS,
  text: [1, 0, null, true, false, {}, [], 'x'.repeat(257)],
  side: ['buy', 'LONG', '', 'BUY ', 1, null, true],
  boolean: ['true', 'false', 1, 0, null, {}],
  object: ['x', 1, null, [], true],
  // `null` means "no entries" for the account update's lists, so it does not break them.
  array: ['x', 1, {}, true],
  positionMarginType: ['ISOLATED', 'crossed', '', 1, null],
  integerOrDigits: [1.5, 'abc', '1.5', '12345678901234567', null, true, {}],
  actualOrderId: [null, 1.5, {}, true, 'x'.repeat(257)],
};

const field = (path: Path, kind: FieldKind, required = true): CheckedField => ({ path, kind, required });
const each = (prefix: Path, kind: FieldKind, names: readonly string[], required = true) =>
  names.map((name) => field([...prefix, name], kind, required));

export const MARKET_SAMPLES: readonly Sample[] = [
  {
    name: 'markPrice',
    payload: {
      e: 'markPriceUpdate',
      E: 1_746_057_600_000,
      s: 'BTCUSDC',
      p: '60000.10',
      ap: '60000.10',
      i: '60001.00',
      P: '60001.00',
      r: '0.00010000',
      T: 1_746_061_200_000,
    },
    fields: [
      ...each([], 'integer', ['E', 'T']),
      field(['s'], 'text'),
      ...each([], 'decimal', ['p', 'i', 'P']),
      field(['r'], 'fundingRate'),
    ],
  },
  {
    name: 'kline',
    payload: {
      e: 'kline',
      E: 1_746_057_659_999,
      s: 'BTCUSDC',
      k: {
        t: 1_746_057_600_000,
        T: 1_746_057_659_999,
        s: 'BTCUSDC',
        i: '1m',
        f: 100,
        L: 200,
        o: '60000.0',
        c: '60010.0',
        h: '60020.0',
        l: '59990.0',
        v: '12.345',
        n: 101,
        x: true,
        q: '740000.1',
        V: '6.0',
        Q: '360000.0',
        B: '0',
      },
    },
    fields: [
      field(['E'], 'integer'),
      field(['s'], 'text'),
      field(['k'], 'object'),
      ...each(['k'], 'integer', ['t', 'T', 'f', 'L', 'n']),
      field(['k', 'i'], 'text'),
      ...each(['k'], 'decimal', ['o', 'c', 'h', 'l', 'v', 'q', 'V', 'Q']),
      field(['k', 'x'], 'boolean'),
    ],
  },
  {
    name: 'bookTicker',
    payload: {
      e: 'bookTicker',
      u: 400_900_217,
      E: 1_568_014_460_893,
      T: 1_568_014_460_891,
      s: 'BNBUSDC',
      b: '25.35190000',
      B: '31.21000000',
      a: '25.36520000',
      A: '40.66000000',
    },
    fields: [
      ...each([], 'integer', ['u', 'E']),
      field(['T'], 'integer', false),
      field(['s'], 'text'),
      ...each([], 'decimal', ['b', 'B', 'a', 'A']),
    ],
  },
  {
    name: 'aggregateTrade',
    payload: {
      e: 'aggTrade',
      E: 123_456_789,
      s: 'BTCUSDC',
      a: 5_933_014,
      p: '0.001',
      q: '100',
      nq: '100',
      f: 100,
      l: 105,
      T: 123_456_785,
      m: true,
    },
    fields: [
      ...each([], 'integer', ['E', 'a', 'f', 'l', 'T']),
      field(['s'], 'text'),
      ...each([], 'decimal', ['p', 'q']),
      field(['m'], 'boolean'),
    ],
  },
];

export const USER_DATA_SAMPLES: readonly Sample[] = [
  {
    name: 'orderUpdate',
    payload: {
      e: 'ORDER_TRADE_UPDATE',
      E: 1_568_879_465_651,
      T: 1_568_879_465_650,
      o: {
        s: 'BTCUSDC',
        c: 'TEST',
        S: 'SELL',
        o: 'LIMIT',
        f: 'GTC',
        q: '0.001',
        p: '7000',
        ap: '0',
        sp: '0',
        x: 'TRADE',
        X: 'FILLED',
        i: 8_886_774,
        l: '0.001',
        z: '0.001',
        L: '7000',
        N: 'USDC',
        n: '0.0014',
        T: 1_568_879_465_650,
        t: 17,
        b: '0',
        a: '9.91',
        m: false,
        R: false,
        wt: 'CONTRACT_PRICE',
        ot: 'LIMIT',
        ps: 'BOTH',
        cp: false,
        rp: '0',
        V: 'EXPIRE_TAKER',
        pm: 'NONE',
        gtd: 0,
      },
    },
    fields: [
      field(['E'], 'integer'),
      field(['T'], 'integer', false),
      field(['o'], 'object'),
      ...each(['o'], 'text', ['s', 'c', 'o', 'x', 'X']),
      field(['o', 'S'], 'side'),
      ...each(['o'], 'integer', ['i', 'T', 't']),
      ...each(['o'], 'decimal', ['q', 'p', 'l', 'z', 'L']),
      ...each(['o'], 'text', ['f', 'N', 'wt', 'ot', 'ps'], false),
      ...each(['o'], 'decimal', ['ap', 'sp', 'n', 'rp'], false),
      ...each(['o'], 'boolean', ['m', 'R', 'cp'], false),
    ],
  },
  {
    name: 'accountUpdate',
    payload: {
      e: 'ACCOUNT_UPDATE',
      E: 1_564_745_798_939,
      T: 1_564_745_798_938,
      a: {
        m: 'ORDER',
        B: [{ a: 'USDC', wb: '122624.12345678', cw: '100.12345678', bc: '50.12345678' }],
        P: [
          {
            s: 'BTCUSDC',
            pa: '0',
            ep: '0.00000',
            bep: '0',
            cr: '200',
            up: '0',
            mt: 'isolated',
            iw: '0.00000000',
            ps: 'BOTH',
          },
        ],
      },
    },
    fields: [
      field(['E'], 'integer'),
      field(['T'], 'integer', false),
      field(['a'], 'object'),
      field(['a', 'm'], 'text'),
      ...each(['a'], 'array', ['B', 'P'], false),
      field(['a', 'B', 0], 'object'),
      field(['a', 'B', 0, 'a'], 'text'),
      ...each(['a', 'B', 0], 'decimal', ['wb', 'cw']),
      field(['a', 'B', 0, 'bc'], 'decimal', false),
      field(['a', 'P', 0], 'object'),
      field(['a', 'P', 0, 's'], 'text'),
      ...each(['a', 'P', 0], 'decimal', ['pa', 'ep', 'up']),
      ...each(['a', 'P', 0], 'decimal', ['bep', 'cr', 'iw'], false),
      field(['a', 'P', 0, 'ps'], 'text', false),
      field(['a', 'P', 0, 'mt'], 'positionMarginType', false),
    ],
  },
  {
    name: 'algoUpdate',
    payload: {
      e: 'ALGO_UPDATE',
      T: 1_750_515_742_297,
      E: 1_750_515_742_303,
      o: {
        caid: 'Q5xaq5EGKgXXa0fD7fs0Ip',
        aid: 2_148_719,
        at: 'CONDITIONAL',
        o: 'TAKE_PROFIT',
        s: 'BNBUSDC',
        S: 'SELL',
        ps: 'BOTH',
        f: 'GTC',
        q: '0.01',
        X: 'CANCELED',
        ai: '',
        ap: '0.00000',
        aq: '0.00000',
        act: '0',
        tp: '750',
        p: '750',
        V: 'EXPIRE_MAKER',
        wt: 'CONTRACT_PRICE',
        pm: 'NONE',
        cp: false,
        pP: false,
        R: false,
        tt: 0,
        gtd: 0,
        rm: 'Reduce Only reject',
      },
    },
    fields: [
      field(['E'], 'integer'),
      field(['T'], 'integer', false),
      field(['o'], 'object'),
      field(['o', 'aid'], 'integer'),
      ...each(['o'], 'text', ['s', 'X', 'o']),
      field(['o', 'S'], 'side'),
      ...each(['o'], 'text', ['caid', 'at', 'ps', 'f', 'wt', 'rm'], false),
      ...each(['o'], 'decimal', ['q', 'ap', 'tp', 'p'], false),
      ...each(['o'], 'boolean', ['cp', 'pP', 'R'], false),
      field(['o', 'tt'], 'integerOrDigits', false),
      field(['o', 'ai'], 'actualOrderId', false),
    ],
  },
  {
    name: 'tradeLite',
    payload: {
      e: 'TRADE_LITE',
      E: 1_721_895_408_092,
      T: 1_721_895_408_214,
      s: 'BTCUSDC',
      q: '0.001',
      p: '0',
      m: false,
      c: 'z8hcUoOsqEdKMeKPSABslD',
      S: 'BUY',
      L: '64089.20',
      l: '0.040',
      t: 109_100_866,
      i: 8_886_774,
    },
    fields: [
      ...each([], 'integer', ['E', 't', 'i']),
      field(['T'], 'integer', false),
      ...each([], 'text', ['s', 'c']),
      ...each([], 'decimal', ['q', 'p', 'L', 'l']),
      field(['m'], 'boolean'),
      field(['S'], 'side'),
    ],
  },
  {
    name: 'marginCall',
    payload: {
      e: 'MARGIN_CALL',
      E: 1_587_727_187_525,
      cw: '3.16812045',
      p: [
        {
          s: 'ETHUSDC',
          ps: 'LONG',
          pa: '1.327',
          mt: 'CROSSED',
          iw: '0',
          mp: '187.17127',
          up: '-1.166074',
          mm: '1.614445',
        },
      ],
    },
    fields: [
      field(['E'], 'integer'),
      field(['cw'], 'decimal', false),
      field(['p'], 'array'),
      field(['p', 0], 'object'),
      field(['p', 0, 's'], 'text'),
      ...each(['p', 0], 'decimal', ['pa', 'mp', 'up', 'mm']),
      ...each(['p', 0], 'text', ['ps', 'mt'], false),
      field(['p', 0, 'iw'], 'decimal', false),
    ],
  },
  {
    name: 'accountConfigUpdate',
    payload: {
      e: 'ACCOUNT_CONFIG_UPDATE',
      E: 1_611_646_737_479,
      T: 1_611_646_737_476,
      ac: { s: 'BTCUSDC', l: 25 },
    },
    fields: [
      field(['E'], 'integer'),
      field(['T'], 'integer', false),
      // Without `ac` (and without `ai`) the update is empty, which is malformed too.
      field(['ac'], 'object'),
      field(['ac', 's'], 'text'),
      field(['ac', 'l'], 'integer'),
    ],
  },
];

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** A copy of `payload` with the value at `path` replaced, or removed when `replacement` is undefined. */
export function withField(
  payload: { readonly [key: string]: Json },
  path: Path,
  replacement: Json | undefined,
): { [key: string]: Json } {
  const copy = clone(payload as { [key: string]: Json });
  let container: Json = copy;
  for (const segment of path.slice(0, -1)) container = (container as Record<string | number, Json>)[segment]!;
  const last = path[path.length - 1]!;
  if (replacement !== undefined) (container as Record<string | number, Json>)[last] = replacement;
  else if (Array.isArray(container)) container.splice(last as number, 1);
  else delete (container as Record<string, Json>)[last];
  return copy;
}

export interface BrokenFrame {
  readonly sample: string;
  readonly path: string;
  readonly payload: Json;
}

/** A valid payload of `samples` with one checked field broken (wrong value or, if required, missing). */
export function brokenPayload(samples: readonly Sample[]): fc.Arbitrary<BrokenFrame> {
  return fc
    .constantFrom(...samples)
    .chain((sample) =>
      fc.tuple(fc.constant(sample), fc.constantFrom(...sample.fields), fc.nat(), fc.boolean(), fc.boolean()),
    )
    .map(([sample, checked, pick, remove, wrap]) => {
      const breakers = BREAKERS[checked.kind];
      // Removing the one entry of a list leaves a valid empty list: list entries are broken, not removed.
      const removable = checked.required && typeof checked.path[checked.path.length - 1] === 'string';
      const replacement = remove && removable ? undefined : breakers[pick % breakers.length];
      const payload = withField(sample.payload, checked.path, replacement);
      return {
        sample: sample.name,
        path: `${checked.path.join('.')}=${replacement === undefined ? '<missing>' : JSON.stringify(replacement)}`,
        payload: wrap ? { stream: 'any@stream', data: payload } : payload,
      };
    });
}

/** Unknown top-level keys (Binance adds fields over time): they must not change what a payload means. */
export function withExtraKeys(
  samples: readonly Sample[],
): fc.Arbitrary<{ sample: Sample; payload: { [key: string]: Json } }> {
  return fc
    .tuple(
      fc.constantFrom(...samples),
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).map((key) => `zz${key}`),
        fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
        { maxKeys: 4 },
      ),
    )
    .map(([sample, extra]) => ({ sample, payload: { ...extra, ...clone(sample.payload) } }));
}

/** Event type names no parser knows, including the names of Object.prototype's members. */
export function unknownEventType(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'depthUpdate', ''),
      fc.string({ maxLength: 100 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
    )
    .filter((name) => !known.includes(name));
}
