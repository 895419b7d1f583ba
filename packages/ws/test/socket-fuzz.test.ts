import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { DroppedMessage } from '../src/feed-events';
import { MarketStream } from '../src/market-stream';
import type { MarketEvent } from '../src/market-events';
import type { UserDataEvent } from '../src/user-data-events';
import { UserDataStream } from '../src/user-data-stream';
import type { Json } from './frame-arbitraries';
import { MARKET_SAMPLES, USER_DATA_SAMPLES, brokenPayload, unknownEventType } from './frame-arbitraries';
import { VirtualClock, until } from './virtual-clock';

/**
 * Random sequences of valid, repeated and garbage frames (text and binary, oversized ones too) pushed
 * over a real socket to a MarketStream and a UserDataStream. Each valid event must reach the listeners
 * exactly once and in order, each repeat must be counted as a duplicate, and each garbage frame must be
 * counted and reported as dropped with the right kind, without an error or a lost socket.
 */

const MAX_MESSAGE_BYTES = 4_096;

/** Acknowledges SUBSCRIBE and lets the test push frames to the newest connection. */
async function frameServer() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: WebSocket[] = [];
  server.on('connection', (socket) => {
    connections.push(socket);
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as { id: number };
      socket.send(JSON.stringify({ result: null, id: request.id }));
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    /** Sends in order and resolves once every frame is handed to the kernel. */
    send: async (frames: readonly Frame[]) => {
      const socket = connections.at(-1);
      if (socket === undefined) throw new Error('no connection');
      for (const frame of frames)
        await new Promise<void>((resolve, reject) =>
          socket.send(frame.data, { binary: frame.binary }, (error) => (error ? reject(error) : resolve())),
        );
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.terminate();
        server.close(() => resolve());
      }),
  };
}

type Server = Awaited<ReturnType<typeof frameServer>>;

type Expected = 'event' | 'duplicate' | DroppedMessage['kind'];

interface Frame {
  readonly data: string | Buffer;
  readonly binary: boolean;
  readonly expected: Expected;
  /** The identity of the event a valid (or repeated) frame carries. */
  readonly key?: string;
}

type Garbage = { readonly kind: 'malformed' | 'unknown'; readonly data: string | Buffer };

/** Frames that must be dropped: broken events, non-JSON, non-objects, unknown types, bytes. */
function garbage(
  samples: Parameters<typeof brokenPayload>[0],
  known: readonly string[],
): fc.Arbitrary<Garbage> {
  const malformed = (data: string | Buffer): Garbage => ({ kind: 'malformed', data });
  return fc.oneof(
    { weight: 4, arbitrary: brokenPayload(samples).map(({ payload }) => malformed(JSON.stringify(payload))) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([sample, cut]) => {
        const text = JSON.stringify(sample.payload);
        return malformed(text.slice(0, cut % text.length));
      }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((text) => malformed(`\u0000${text}`)) },
    {
      weight: 1,
      arbitrary: fc
        .jsonValue({ maxDepth: 2 })
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
        .map((value) => malformed(JSON.stringify(value))),
    },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(
          fc.string({ maxLength: 6 }).filter((key) => !['e', 'id', 'stream', 'data'].includes(key)),
          fc.jsonValue({ maxDepth: 1 }),
          { maxKeys: 4 },
        )
        .map((object) => malformed(JSON.stringify(object))),
    },
    // Binary frames: bytes that are not UTF-8 JSON (a leading 0xFF never is).
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 200 })
        .map((bytes) => malformed(Buffer.concat([Buffer.from([0xff]), bytes]))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(unknownEventType(known), fc.jsonValue({ maxDepth: 1 }))
        .map(([e, E]): Garbage => ({ kind: 'unknown', data: JSON.stringify({ e, E }) })),
    },
  );
}

/** One step of a sequence: a new valid event, a repeat of an earlier one, garbage, or an oversized frame. */
function steps(samples: Parameters<typeof brokenPayload>[0], known: readonly string[], kinds: number) {
  return fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          step: fc.constant('event' as const),
          which: fc.nat(kinds - 1),
          wrap: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ step: fc.constant('repeat' as const), pick: fc.nat() }) },
      {
        weight: 4,
        arbitrary: fc.record({
          step: fc.constant('garbage' as const),
          garbage: garbage(samples, known),
          binary: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          step: fc.constant('oversized' as const),
          size: fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 64 * 1024 }),
          binary: fc.boolean(),
        }),
      },
    ),
    { minLength: 1, maxLength: 40 },
  );
}

type Step = typeof steps extends (...args: never[]) => fc.Arbitrary<(infer S)[]> ? S : never;

/** Turns steps into frames; `event(n, which)` builds the n-th valid event of one of `kinds` types. */
function frames(
  plan: readonly Step[],
  event: (n: number, which: number) => { payload: Json; key: string },
): Frame[] {
  const sent: Frame[] = [];
  const valid: Frame[] = [];
  plan.forEach((step, n) => {
    switch (step.step) {
      case 'event': {
        const { payload, key } = event(n, step.which);
        const data = JSON.stringify(step.wrap ? { stream: 'fuzz@stream', data: payload } : payload);
        const frame: Frame = { data, binary: false, expected: 'event', key };
        valid.push(frame);
        sent.push(frame);
        return;
      }
      case 'repeat': {
        const earlier = valid[step.pick % Math.max(1, valid.length)];
        if (earlier === undefined) return;
        sent.push({ ...earlier, expected: 'duplicate' });
        return;
      }
      case 'garbage': {
        const { kind, data } = step.garbage;
        // A frame over the limit is dropped as oversized before anything looks inside it.
        const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
        const binary = step.binary || typeof data !== 'string';
        const payload = binary && typeof data === 'string' ? Buffer.from(data) : data;
        sent.push({ data: payload, binary, expected: size > MAX_MESSAGE_BYTES ? 'oversized' : kind });
        return;
      }
      case 'oversized': {
        const { payload } = event(n, 0);
        const text = JSON.stringify({ ...(payload as object), pad: 'x'.repeat(step.size) });
        sent.push({
          data: step.binary ? Buffer.from(text) : text,
          binary: step.binary,
          expected: 'oversized',
        });
        return;
      }
    }
  });
  return sent;
}

function count(sent: readonly Frame[], expected: Expected): number {
  return sent.filter((frame) => frame.expected === expected).length;
}

/** Frames of each kind over a whole run, to check that the sequences exercised every kind. */
function tally(totals: Map<string, number>, sent: readonly Frame[]): void {
  for (const frame of sent) {
    const kind = `${frame.expected}${frame.binary ? ' (binary)' : ''}`;
    totals.set(kind, (totals.get(kind) ?? 0) + 1);
  }
}

const ALL_KINDS = [
  'event',
  'duplicate',
  'malformed',
  'malformed (binary)',
  'unknown',
  'oversized',
  'oversized (binary)',
];

const T0 = 1_767_225_600_000;

/** The n-th market event: mark price, aggregate trade or closed 1m kline of BTCUSDC, each with a fresh id. */
function marketEvent(n: number, which: number): { payload: Json; key: string } {
  const [markPrice, kline, , aggregateTrade] = MARKET_SAMPLES.map((sample) => sample.payload);
  switch (which) {
    case 0:
      return { payload: { ...markPrice, s: 'BTCUSDC', E: T0 + n }, key: `markPrice:${T0 + n}` };
    case 1: {
      const openTime = T0 + n * 60_000;
      const k = {
        ...(kline!.k as Record<string, Json>),
        i: '1m',
        t: openTime,
        T: openTime + 59_999,
        x: true,
      };
      return { payload: { ...kline, s: 'BTCUSDC', E: openTime + 59_999, k }, key: `kline:${openTime}` };
    }
    default:
      return {
        payload: { ...aggregateTrade, s: 'BTCUSDC', a: 1_000 + n },
        key: `aggregateTrade:${1_000 + n}`,
      };
  }
}

function marketKey(event: MarketEvent): string {
  switch (event.type) {
    case 'markPrice':
      return `markPrice:${event.eventTime}`;
    case 'kline':
      return `kline:${event.openTime}`;
    case 'aggregateTrade':
      return `aggregateTrade:${event.aggregateTradeId}`;
    case 'bookTicker':
      return `bookTicker:${event.updateId}`;
  }
}

/** The n-th user-data event: a fill, a trade-lite, an account update or an algo update, each unique. */
function userDataEvent(n: number, which: number): { payload: Json; key: string } {
  const [order, account, algo, tradeLite] = USER_DATA_SAMPLES.map((sample) => sample.payload);
  switch (which) {
    case 0:
      return {
        payload: {
          ...order,
          o: { ...(order!.o as Record<string, Json>), x: 'TRADE', i: 10 + n, t: 5_000 + n },
        },
        key: `orderUpdate:${5_000 + n}`,
      };
    case 1:
      return { payload: { ...tradeLite, t: 7_000 + n }, key: `tradeLite:${7_000 + n}` };
    case 2:
      return { payload: { ...account, E: T0 + n, T: T0 + n }, key: `accountUpdate:${T0 + n}` };
    default:
      return {
        payload: { ...algo, o: { ...(algo!.o as Record<string, Json>), aid: 3_000 + n } },
        key: `algoUpdate:${3_000 + n}`,
      };
  }
}

function userDataKey(event: UserDataEvent): string {
  switch (event.type) {
    case 'orderUpdate':
      return `orderUpdate:${event.tradeId}`;
    case 'tradeLite':
      return `tradeLite:${event.tradeId}`;
    case 'accountUpdate':
      return `accountUpdate:${event.eventTime}`;
    case 'algoUpdate':
      return `algoUpdate:${event.algoId}`;
    default:
      return `${event.type}:unexpected`;
  }
}

describe('streams over a real socket, fed fuzzed frame sequences', () => {
  let server: Server;
  beforeAll(async () => {
    server = await frameServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('MarketStream delivers each valid event once and counts every dropped frame by kind', async () => {
    const known = ['markPriceUpdate', 'kline', 'bookTicker', 'aggTrade'];
    const totals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(steps(MARKET_SAMPLES, known, 3), async (plan) => {
        const sent = frames(plan, marketEvent);
        tally(totals, sent);
        const connectionsBefore = server.connections.length;
        const stream = new MarketStream({
          baseUrl: server.url,
          clock: new VirtualClock(),
          random: () => 0,
          streams: ['btcusdc@markPrice@1s', 'btcusdc@kline_1m', 'btcusdc@aggTrade'],
          maxMessageBytes: MAX_MESSAGE_BYTES,
        });
        const delivered: string[] = [];
        const dropped: DroppedMessage[] = [];
        const errors: Error[] = [];
        stream.on('markPrice', (event) => delivered.push(marketKey(event)));
        stream.on('kline', (event) => delivered.push(marketKey(event)));
        stream.on('aggregateTrade', (event) => delivered.push(marketKey(event)));
        stream.on('dropped', (drop) => dropped.push(drop));
        stream.on('error', (error) => errors.push(error));
        try {
          stream.start();
          // The SUBSCRIBE acknowledgement is the first frame received.
          await until(() => stream.stats().received === 1, { what: 'subscription' });
          await server.send(sent);
          await until(() => stream.stats().received === sent.length + 1, { what: 'all frames' });
          expect(delivered).toEqual(
            sent.filter((frame) => frame.expected === 'event').map((frame) => frame.key),
          );
          expect(dropped.map((drop) => drop.kind)).toEqual(
            sent.flatMap((frame) =>
              frame.expected === 'event' || frame.expected === 'duplicate' ? [] : [frame.expected],
            ),
          );
          expect(stream.stats()).toMatchObject({
            dispatched: count(sent, 'event'),
            duplicates: count(sent, 'duplicate'),
            malformed: count(sent, 'malformed'),
            unknown: count(sent, 'unknown'),
            oversized: count(sent, 'oversized'),
            unsubscribed: 0,
            listenerErrors: 0,
            connects: 1,
          });
          expect(errors).toEqual([]);
          expect(server.connections.length).toBe(connectionsBefore + 1);
        } finally {
          await stream.close();
        }
      }),
      { numRuns: 30, seed: 8_001 },
    );
    for (const kind of ALL_KINDS) expect(totals.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });

  it('UserDataStream delivers each valid event once and counts every dropped frame by kind', async () => {
    const known = [
      'ORDER_TRADE_UPDATE',
      'ACCOUNT_UPDATE',
      'ALGO_UPDATE',
      'TRADE_LITE',
      'MARGIN_CALL',
      'ACCOUNT_CONFIG_UPDATE',
      'listenKeyExpired',
    ];
    const totals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(steps(USER_DATA_SAMPLES, known, 4), async (plan) => {
        const sent = frames(plan, userDataEvent);
        tally(totals, sent);
        const connectionsBefore = server.connections.length;
        const stream = new UserDataStream({
          baseUrl: server.url,
          clock: new VirtualClock(),
          random: () => 0,
          listenKeys: { create: async () => 'fuzz-key', keepAlive: async () => undefined },
          maxMessageBytes: MAX_MESSAGE_BYTES,
        });
        const delivered: string[] = [];
        const dropped: DroppedMessage[] = [];
        const errors: Error[] = [];
        for (const type of [
          'orderUpdate',
          'tradeLite',
          'accountUpdate',
          'algoUpdate',
          'marginCall',
          'accountConfigUpdate',
          'listenKeyExpired',
        ] as const)
          stream.on(type, (event: UserDataEvent) => delivered.push(userDataKey(event)));
        stream.on('dropped', (drop) => dropped.push(drop));
        stream.on('error', (error) => errors.push(error));
        try {
          stream.start();
          await until(() => server.connections.length === connectionsBefore + 1, { what: 'connection' });
          await server.send(sent);
          await until(() => stream.stats().received === sent.length, { what: 'all frames' });
          expect(delivered).toEqual(
            sent.filter((frame) => frame.expected === 'event').map((frame) => frame.key),
          );
          expect(dropped.map((drop) => drop.kind)).toEqual(
            sent.flatMap((frame) =>
              frame.expected === 'event' || frame.expected === 'duplicate' ? [] : [frame.expected],
            ),
          );
          expect(stream.stats()).toMatchObject({
            dispatched: count(sent, 'event'),
            duplicates: count(sent, 'duplicate'),
            malformed: count(sent, 'malformed'),
            unknown: count(sent, 'unknown'),
            oversized: count(sent, 'oversized'),
            listenerErrors: 0,
            connects: 1,
          });
          expect(errors).toEqual([]);
        } finally {
          await stream.close();
        }
      }),
      { numRuns: 30, seed: 8_002 },
    );
    for (const kind of ALL_KINDS) expect(totals.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });
});
