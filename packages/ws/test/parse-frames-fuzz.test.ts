import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketMessage, parseMarketPayload } from '../src/parse-market-message';
import { parseUserDataMessage, parseUserDataPayload } from '../src/parse-user-data-message';
import {
  MARKET_SAMPLES,
  USER_DATA_SAMPLES,
  brokenPayload,
  unknownEventType,
  withExtraKeys,
} from './frame-arbitraries';

/**
 * The frame parsers against fuzzed input: they never throw, whatever arrives; anything that is not a
 * well-formed event of a known type comes back `malformed` or `unknown` (never as an event); and fields
 * Binance may add do not change what a payload means. Complements the parsers' own unit tests, which
 * cover each event's mapping and a few hand-picked bad frames.
 */

const MARKET_TYPES = ['markPrice', 'kline', 'bookTicker', 'aggregateTrade'];
const USER_DATA_TYPES = [
  'orderUpdate',
  'accountUpdate',
  'algoUpdate',
  'tradeLite',
  'marginCall',
  'accountConfigUpdate',
  'listenKeyExpired',
];
const OUTCOMES = ['reply', 'malformed', 'unknown'];

const parsers = [
  {
    name: 'market',
    text: parseMarketMessage,
    payload: parseMarketPayload,
    events: MARKET_TYPES,
    samples: MARKET_SAMPLES,
    eventNames: ['markPriceUpdate', 'kline', 'bookTicker', 'aggTrade'],
  },
  {
    name: 'user data',
    text: parseUserDataMessage,
    payload: parseUserDataPayload,
    events: USER_DATA_TYPES,
    samples: USER_DATA_SAMPLES,
    eventNames: [
      'ORDER_TRADE_UPDATE',
      'ACCOUNT_UPDATE',
      'ALGO_UPDATE',
      'TRADE_LITE',
      'MARGIN_CALL',
      'ACCOUNT_CONFIG_UPDATE',
      'listenKeyExpired',
    ],
  },
] as const;

/** Any text a socket could carry: arbitrary, JSON-ish, huge, or a valid frame cut short or padded. */
const frameTexts = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789.-eE truefalsn\\'.split('')), maxLength: 120 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('', ' ', 'null', '[]', '{}', '"e"', '{"e":null}', '{"e":{}}', '{"data":{}}', '\uFEFF{}'),
  fc.integer({ min: 10_000, max: 200_000 }).map((size) => `{"e":"kline","pad":"${'9'.repeat(size)}"}`),
);

for (const parser of parsers) {
  const eventTypes: readonly string[] = parser.events;
  const allowed = [...eventTypes, ...OUTCOMES];

  describe(`the ${parser.name} parser under fuzzed frames`, () => {
    it('never throws on any text, and a frame that is not a JSON object is malformed', () => {
      fc.assert(
        fc.property(frameTexts, (text) => {
          const message = parser.text(text);
          expect(allowed).toContain(message.type);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            expect(message.type).toBe('malformed');
            return;
          }
          if (typeof value !== 'object' || value === null || Array.isArray(value))
            expect(message.type).toBe('malformed');
        }),
        { numRuns: 400, seed: 7_001 },
      );
    });

    it('never throws on any JavaScript value handed to the payload parser (Buffers, Maps, BigInts, …)', () => {
      const values = fc.oneof(
        fc.anything({
          maxDepth: 3,
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          withUnicodeString: true,
        }),
        fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(...parser.samples).map((sample) => Buffer.from(JSON.stringify(sample.payload))),
        fc.constantFrom(...parser.eventNames).map((e) => ({ e, E: 1n, s: Symbol('s') })),
        fc.constantFrom(...parser.eventNames).map((e) => Object.assign(Object.create(null), { e })),
      );
      fc.assert(
        fc.property(values, (value) => {
          const message = parser.payload(value);
          expect(allowed).toContain(message.type);
          if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value))
            expect(message.type).toBe('malformed');
        }),
        { numRuns: 500, seed: 7_002 },
      );
    });

    it('refuses a frame with one checked field broken or missing, raw or combined-wrapped', () => {
      fc.assert(
        fc.property(brokenPayload(parser.samples), fc.boolean(), ({ payload, sample, path }, asText) => {
          const message = asText ? parser.text(JSON.stringify(payload)) : parser.payload(payload);
          expect(message.type, `${sample} ${path}`).toBe('malformed');
        }),
        { numRuns: 1_000, seed: 7_003 },
      );
    });

    it('reads a valid frame the same with unknown extra fields, and never as another type', () => {
      fc.assert(
        fc.property(withExtraKeys(parser.samples), ({ sample, payload }) => {
          const plain = parser.payload(sample.payload);
          expect(plain.type).toBe(sample.name);
          expect(parser.text(JSON.stringify(payload))).toEqual(plain);
          expect(parser.payload({ stream: 'x@y', data: payload })).toEqual(plain);
        }),
        { numRuns: 300, seed: 7_004 },
      );
    });

    it('reports an unknown event type as unknown (also Object.prototype names), clipped to 64 characters', () => {
      fc.assert(
        fc.property(unknownEventType(parser.eventNames), fc.jsonValue({ maxDepth: 2 }), (e, E) => {
          const message = parser.text(JSON.stringify({ e, E }));
          expect(message).toEqual({ type: 'unknown', eventType: e.slice(0, 64) });
        }),
        { numRuns: 300, seed: 7_005 },
      );
    });

    it('takes a reply by its id, and refuses a reply whose id is neither number, string nor null', () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          fc.oneof(
            fc.constant({}),
            fc.jsonValue({ maxDepth: 2 }).map((result) => ({ result })),
          ),
          (id, rest) => {
            const message = parser.text(
              JSON.stringify({ ...rest, id, ...('result' in rest ? {} : { error: { code: 2 } }) }),
            );
            expect(message).toMatchObject({ type: 'reply', id });
          },
        ),
        { numRuns: 200, seed: 7_006 },
      );
      for (const id of [{}, [], true, false])
        expect(parser.text(JSON.stringify({ id, result: null })).type).toBe('malformed');
    });
  });
}
