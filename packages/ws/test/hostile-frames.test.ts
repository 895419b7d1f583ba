import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { ConnectionEvent, DroppedMessage } from '../src/feed-events';
import type { MarkPriceEvent } from '../src/market-events';
import { MarketStream } from '../src/market-stream';
import type { UserDataEvent } from '../src/user-data-events';
import { UserDataStream } from '../src/user-data-stream';
import { VirtualClock, until } from './virtual-clock';

/**
 * A scripted server: acknowledges SUBSCRIBE (unless `answer` says to refuse or ignore it), and lets the
 * test push any frame to the connected clients.
 */
async function scriptedServer(answer: (params: string[]) => 'ack' | 'refuse' | 'ignore' = () => 'ack') {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const clients: WebSocket[] = [];
  server.on('connection', (socket) => {
    clients.push(socket);
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as { id: number; params: string[] };
      const decision = answer(request.params);
      if (decision === 'ack') socket.send(JSON.stringify({ result: null, id: request.id }));
      if (decision === 'refuse')
        socket.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id: request.id }));
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    clients,
    send: (frame: string | Buffer) => clients.at(-1)?.send(frame),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const mark = (time: number) =>
  JSON.stringify({
    e: 'markPriceUpdate',
    E: time,
    s: 'BTCUSDC',
    p: '60000.10',
    ap: '60000.10',
    i: '60001.00',
    P: '60001.00',
    r: '0.00010000',
    T: time + 3_600_000,
  });

describe('hostile frames', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts and drops malformed, truncated, unknown and oversized market frames without losing the socket', async () => {
    const server = await scriptedServer();
    cleanups.push(server.close);
    const clock = new VirtualClock();
    const stream = new MarketStream({
      baseUrl: server.url,
      clock,
      streams: ['btcusdc@markPrice@1s'],
      maxMessageBytes: 10_000,
      maxPayloadBytes: 100_000,
      random: () => 0,
    });
    cleanups.push(() => stream.close());
    const marks: MarkPriceEvent[] = [];
    const dropped: DroppedMessage[] = [];
    const connections: ConnectionEvent[] = [];
    stream.on('markPrice', (event) => marks.push(event));
    stream.on('dropped', (event) => dropped.push(event));
    stream.on('connection', (event) => connections.push(event));
    stream.start();
    await until(() => server.clients.length === 1, { what: 'connection' });
    const valid = mark(1_000);
    const frames = [
      '{not json',
      valid.slice(0, valid.length - 7), // truncated
      'null',
      '[1,2,3]',
      '"text"',
      JSON.stringify({ e: 'markPriceUpdate', E: 'yesterday', s: 'BTCUSDC' }),
      JSON.stringify({
        e: 'markPriceUpdate',
        E: 2_000,
        s: 'BTCUSDC',
        p: 'NaN',
        i: '1',
        P: '1',
        r: '0',
        T: 1,
      }),
      JSON.stringify({ e: 'kline', E: 1, s: 'BTCUSDC', k: { t: 'x' } }),
      JSON.stringify({ e: 'depthUpdate', E: 1, s: 'BTCUSDC' }),
      JSON.stringify({ e: 'forceOrder', E: 1 }),
      JSON.stringify({ stream: 'btcusdc@markPrice@1s', data: 42 }),
      `{"e":"markPriceUpdate","pad":"${'x'.repeat(20_000)}"}`,
      Buffer.from([0xff, 0xfe, 0x00]),
      valid,
      valid, // repeated: a duplicate
    ];
    for (const frame of frames) server.send(frame);
    // One more frame than sent: the SUBSCRIBE acknowledgement.
    await until(() => stream.stats().received === frames.length + 1, { what: 'all frames' });
    expect(marks).toHaveLength(1);
    expect(stream.stats()).toMatchObject({
      malformed: 10,
      unknown: 2,
      oversized: 1,
      duplicates: 1,
      dispatched: 1,
    });
    expect(dropped.filter((drop) => drop.kind === 'unknown').map((drop) => drop.reason)).toEqual([
      'event type depthUpdate',
      'event type forceOrder',
    ]);
    // Beyond the hard limit the socket itself is cut by ws; the feed replaces it and carries on.
    server.send(`{"e":"markPriceUpdate","pad":"${'x'.repeat(200_000)}"}`);
    await until(() => connections.some((event) => event.state === 'down'), { what: 'hard limit' });
    await until(() => server.clients.length === 2, { clock, stepMs: 50, what: 'reconnect' });
    server.send(mark(3_000));
    await until(() => marks.length === 2, { what: 'delivery after the reconnect' });
    await until(() => connections.filter((event) => event.state === 'up').length === 2, { what: 'up again' });
    expect(marks.map((event) => event.eventTime)).toEqual([1_000, 3_000]);
  });

  it('survives a listener that throws, and user-data frames of every bad kind', async () => {
    const server = await scriptedServer();
    cleanups.push(server.close);
    const clock = new VirtualClock();
    const stream = new UserDataStream({
      baseUrl: server.url,
      clock,
      listenKeys: { create: async () => 'test-key', keepAlive: async () => undefined },
      maxMessageBytes: 10_000,
    });
    cleanups.push(() => stream.close());
    const events: UserDataEvent[] = [];
    const errors: Error[] = [];
    stream.on('orderUpdate', () => {
      throw new Error('a faulty consumer');
    });
    stream.on('orderUpdate', (event) => events.push(event));
    stream.on('error', (error) => errors.push(error));
    stream.start();
    await until(() => server.clients.length === 1, { what: 'connection' });
    const order = {
      e: 'ORDER_TRADE_UPDATE',
      E: 5,
      T: 5,
      o: {
        s: 'BTCUSDC',
        c: 'c1',
        S: 'BUY',
        o: 'MARKET',
        f: 'GTC',
        q: '0.010',
        p: '0',
        ap: '60000',
        sp: '0',
        x: 'TRADE',
        X: 'FILLED',
        i: 7,
        l: '0.010',
        z: '0.010',
        L: '60000',
        T: 5,
        t: 9,
        m: false,
        R: false,
        wt: 'CONTRACT_PRICE',
        ot: 'MARKET',
        ps: 'BOTH',
        cp: false,
        rp: '0',
      },
    };
    const frames = [
      '',
      '}{',
      JSON.stringify({ e: 'ORDER_TRADE_UPDATE', E: 5, o: { ...order.o, S: 'SIDEWAYS' } }),
      JSON.stringify({ e: 'ACCOUNT_UPDATE', E: 5, a: { m: 'ORDER', B: 'not a list' } }),
      JSON.stringify({ e: 'STRATEGY_UPDATE', E: 5 }),
      JSON.stringify({ e: 'listenKeyExpired', E: 'soon' }),
      `{"e":"ORDER_TRADE_UPDATE","x":"${'y'.repeat(20_000)}"}`,
      JSON.stringify(order),
      JSON.stringify({ stream: 'test-key', data: order }), // combined wrapper of the same fill: a duplicate
    ];
    for (const frame of frames) server.send(frame);
    await until(() => stream.stats().received === frames.length, { what: 'all frames' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'orderUpdate', executionType: 'TRADE', tradeId: 9, orderId: 7 });
    expect(stream.stats()).toMatchObject({
      malformed: 5,
      unknown: 1,
      oversized: 1,
      duplicates: 1,
      listenerErrors: 1,
    });
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(['LISTENER_FAILED']);
    expect(stream.health).toBe('live');
  });

  it('rejects a refused SUBSCRIBE and forgets the stream; replaces a socket that leaves one unanswered', async () => {
    const server = await scriptedServer((params) =>
      params.includes('ethusdc@aggTrade') ? 'refuse' : params.includes('solusdc@aggTrade') ? 'ignore' : 'ack',
    );
    cleanups.push(server.close);
    const clock = new VirtualClock();
    const stream = new MarketStream({
      baseUrl: server.url,
      clock,
      streams: ['btcusdc@aggTrade'],
      random: () => 0,
    });
    cleanups.push(() => stream.close());
    const connections: ConnectionEvent[] = [];
    stream.on('connection', (event) => connections.push(event));
    stream.start();
    await until(() => stream.health === 'live', { what: 'live' });
    // Outgoing messages are spaced on the (virtual) clock, so it moves while waiting for an outcome.
    const outcome = async (promise: Promise<void>) => {
      let result: unknown = 'pending';
      promise.then(
        () => (result = 'resolved'),
        (error: unknown) => (result = error),
      );
      await until(() => result !== 'pending', { clock, stepMs: 100, what: 'an answer' });
      return result;
    };
    expect(await outcome(stream.subscribe(['ethusdc@aggTrade']))).toMatchObject({
      code: 'SUBSCRIBE_FAILED',
      message: expect.stringMatching(/ethusdc@aggTrade refused: Invalid request/),
    });
    expect(stream.streams).toEqual(['btcusdc@aggTrade']);
    expect(await outcome(stream.subscribe(['solusdc@aggTrade']))).toMatchObject({
      code: 'SUBSCRIBE_FAILED',
      message: 'SUBSCRIBE got no answer within 10000 ms',
    });
    const down = connections.find((event) => event.state === 'down');
    expect(down?.cause).toBe('subscribe-failed');
    // Still registered: it is subscribed again on the replacement socket.
    expect(stream.streams).toEqual(['btcusdc@aggTrade', 'solusdc@aggTrade']);
  });
});
