import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBinanceMarketPoller } from '../src/binance-market-poller';
import type { ConnectionEvent } from '../src/feed-events';
import type { HealthTransition } from '../src/feed-health';
import type { KlineEvent, MarkPriceEvent } from '../src/market-events';
import { MarketStream } from '../src/market-stream';
import type { MarketStreamOptions } from '../src/market-stream';
import { klineStream, markPriceStream } from '../src/stream-names';
import { simRest } from './sim-rest';
import { VirtualClock, advanceInSteps, letIoRun, until } from './virtual-clock';

interface Recorder {
  readonly marks: MarkPriceEvent[];
  readonly klines: KlineEvent[];
  readonly health: HealthTransition[];
  readonly connections: ConnectionEvent[];
  readonly errors: Error[];
}

function record(stream: MarketStream): Recorder {
  const recorder: Recorder = { marks: [], klines: [], health: [], connections: [], errors: [] };
  stream.on('markPrice', (event) => recorder.marks.push(event));
  stream.on('kline', (event) => recorder.klines.push(event));
  stream.on('health', (event) => recorder.health.push(event));
  stream.on('connection', (event) => recorder.connections.push(event));
  stream.on('error', (error) => recorder.errors.push(error));
  return recorder;
}

/** Mark prices arrive once per event time, in order: the exactly-once check for a time-keyed series. */
function expectStrictlyIncreasing(marks: readonly MarkPriceEvent[]): void {
  const times = marks.map((event) => event.eventTime);
  expect(new Set(times).size).toBe(times.length);
  expect([...times].sort((left, right) => left - right)).toEqual(times);
}

describe('MarketStream against @bot/sim', () => {
  let sim: Sim;
  let clock: VirtualClock;
  const streams: MarketStream[] = [];

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 7, historyMinutes: 30 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    sim.clearFaults();
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
  });

  function open(options: MarketStreamOptions = {}): { stream: MarketStream; recorder: Recorder } {
    clock = new VirtualClock();
    const stream = new MarketStream({
      baseUrl: sim.wsUrl,
      clock,
      random: () => 0.5,
      streams: [markPriceStream('BTCUSDC'), klineStream('BTCUSDC', '1m')],
      poller: createBinanceMarketPoller({ request: simRest(sim) }),
      ...options,
    });
    streams.push(stream);
    const recorder = record(stream);
    stream.start();
    return { stream, recorder };
  }

  /** Moves the market by `seconds` ticks, each followed by a second of virtual client time. */
  async function tick(seconds: number): Promise<void> {
    for (let index = 0; index < seconds; index += 1) {
      sim.advance(1_000);
      await letIoRun(2);
      clock.advance(1_000);
    }
    await letIoRun(3);
  }

  /** Waits for the subscriptions to reach the emulator, then moves the market until the feed is live. */
  async function goLive(stream: MarketStream): Promise<void> {
    await until(() => stream.streams.every((name) => sim.streams.activeStreams().includes(name)), {
      what: 'subscriptions',
    });
    for (let round = 0; round < 20 && stream.health !== 'live'; round += 1) await tick(1);
    expect(stream.health).toBe('live');
  }

  /** Moves the market (and the client's clock with it) until `seconds` s are left before the next candle close. */
  async function tickUntilBeforeClose(seconds: number): Promise<void> {
    const left = 60 - Math.floor((sim.marketTime() % 60_000) / 1000);
    await tick((left - seconds + 60) % 60);
  }

  /** Drops the market socket and waits until the feed has seen it go down. */
  async function dropMarketSocket(recorder: Recorder): Promise<void> {
    const downs = recorder.connections.filter((event) => event.state === 'down').length;
    expect(sim.dropStreams('market')).toBe(1);
    await until(() => recorder.connections.filter((event) => event.state === 'down').length > downs, {
      what: 'down',
    });
  }

  /**
   * Every closed candle delivered exactly once, in order and without a hole, with the emulator's own prices
   * and volume (its REST klines over the same span), and no kline of an older candle after a newer one.
   */
  async function expectClosedCandlesAsEmulator(klines: readonly KlineEvent[]): Promise<void> {
    const openTimes = klines.map((event) => event.openTime);
    expect(openTimes).toEqual([...openTimes].sort((left, right) => left - right));
    const closed = klines
      .filter((event) => event.closed)
      .map(({ openTime, open, high, low, close, volume }) => ({ openTime, open, high, low, close, volume }));
    const first = closed[0]?.openTime ?? 0;
    const last = closed.at(-1)?.openTime ?? 0;
    const rows = (await simRest(sim)({
      method: 'GET',
      path: '/fapi/v1/klines',
      params: { symbol: 'BTCUSDC', interval: '1m', startTime: first, limit: 100 },
      security: 'NONE',
    })) as [number, string, string, string, string, string][];
    const expected = rows
      .filter(([openTime]) => openTime <= last)
      .map(([openTime, open, high, low, close, volume]) => ({ openTime, open, high, low, close, volume }));
    expect(closed).toEqual(expected);
  }

  it('recovers a candle that closed during a short blip although the next one streams first', async () => {
    const { stream, recorder } = open();
    await goLive(stream);
    await tickUntilBeforeClose(2);
    await tick(3);
    await tickUntilBeforeClose(2);
    // Slow REST, so the stream's next forming candle arrives before the gap-fill poll answers.
    sim.injectFaults({ latencyMs: 200 });
    await dropMarketSocket(recorder);
    sim.advance(4_000);
    await until(() => sim.streams.activeStreams().includes('btcusdc@kline_1m'), {
      clock,
      stepMs: 50,
      what: 'resubscribed',
    });
    await tick(3);
    // Real time only: the client's clock must not run ahead of the market while REST is slow.
    await until(() => stream.stats().polls >= 1, { what: 'gap fill' });
    sim.clearFaults();
    await tickUntilBeforeClose(57);
    expect(recorder.health.map((transition) => transition.to)).toEqual(['live']);
    await expectClosedCandlesAsEmulator(recorder.klines);
    expect(recorder.klines.filter((event) => event.closed).length).toBeGreaterThanOrEqual(3);
  });

  it('delivers every candle that closed while the socket was down, once and in order, across degradation', async () => {
    const { stream, recorder } = open({ recoverAfterMs: 10_000 });
    await goLive(stream);
    await tickUntilBeforeClose(2);
    await tick(3);
    await tickUntilBeforeClose(2);
    sim.injectFaults({ latencyMs: 200 });
    await dropMarketSocket(recorder);
    // Three candles close while nobody listens, a gap longer than the 120 000 ms seen in a real run.
    sim.advance(125_000);
    // Past degradeAfterMs: the reconnect and the first REST poll start together.
    clock.advance(6_000);
    await until(() => sim.streams.activeStreams().includes('btcusdc@kline_1m'), {
      clock,
      stepMs: 50,
      what: 'resubscribed',
    });
    await tick(3);
    expect(recorder.health.map((transition) => transition.to)).toContain('degraded');
    sim.clearFaults();
    await until(() => stream.stats().polls >= 1, { what: 'first poll answered' });
    for (let round = 0; round < 30 && stream.health !== 'live'; round += 1) await tick(1);
    expect(stream.health).toBe('live');
    await tickUntilBeforeClose(57);
    await expectClosedCandlesAsEmulator(recorder.klines);
    expect(recorder.klines.filter((event) => event.closed).length).toBeGreaterThanOrEqual(4);
  });

  it('delivers typed mark price and kline events and goes live', async () => {
    const { stream, recorder } = open();
    await until(() => sim.streams.activeStreams().includes('btcusdc@markPrice@1s'), { what: 'subscription' });
    await tick(3);
    await until(() => stream.health === 'live', { what: 'live' });
    expect(recorder.health.map((transition) => `${transition.from}→${transition.to}`)).toEqual([
      'connecting→live',
    ]);
    const mark = recorder.marks[0];
    expect(mark).toMatchObject({ type: 'markPrice', source: 'stream', symbol: 'BTCUSDC' });
    expect(mark?.markPrice).toMatch(/^\d+(\.\d+)?$/);
    expect(recorder.klines[0]).toMatchObject({
      type: 'kline',
      interval: '1m',
      closed: false,
      symbol: 'BTCUSDC',
    });
    expect(stream.stats()).toMatchObject({ malformed: 0, duplicates: 0, connections: 1, streams: 2 });
  });

  it('reconnects after a drop without degrading, and fills the blip by REST', async () => {
    const { stream, recorder } = open();
    await goLive(stream);
    const before = recorder.marks.length;
    expect(sim.dropStreams('market')).toBe(1);
    await until(() => recorder.connections.some((event) => event.state === 'down'), { what: 'down' });
    expect(recorder.connections.find((event) => event.state === 'down')?.cause).toBe('closed');
    await until(() => sim.streams.activeStreams().includes('btcusdc@markPrice@1s'), {
      clock,
      stepMs: 50,
      what: 'resubscribed',
    });
    await tick(3);
    await until(() => recorder.connections.filter((event) => event.state === 'up').length === 2, {
      what: 'up again',
    });
    await until(() => stream.stats().polls >= 1, { clock, stepMs: 100, what: 'gap fill' });
    expect(stream.health).toBe('live');
    expect(recorder.health).toHaveLength(1);
    expect(recorder.marks.length).toBeGreaterThan(before);
    expectStrictlyIncreasing(recorder.marks);
    expect(stream.stats().connects).toBe(2);
  });

  it('detects a stale stream on an open socket, degrades to REST, recovers, and loses no candle', async () => {
    const { stream, recorder } = open({ recoverAfterMs: 20_000 });
    await goLive(stream);
    sim.injectFaults({ staleMarketStreams: true });
    // 150 s of market time with the streams silent: stale detection, degradation, REST polling.
    await tick(150);
    const degraded = recorder.health.find((transition) => transition.to === 'degraded');
    expect(degraded?.cause).toBe('stale');
    expect(degraded?.reason).toMatch(/silent for \d+ ms \(threshold 5000 ms\)/);
    expect(recorder.marks.some((event) => event.source === 'poll')).toBe(true);
    expect(recorder.klines.some((event) => event.source === 'poll' && event.closed)).toBe(true);
    expect(stream.health).toBe('degraded');
    sim.clearFaults();
    await tick(40);
    await until(() => stream.health === 'live', { clock, stepMs: 500, what: 'live again' });
    expect(recorder.health.map((transition) => transition.to)).toEqual([
      'live',
      'degraded',
      'recovering',
      'live',
    ]);
    expect(recorder.health.at(-1)?.reason).toMatch(
      /healthy for \d+ ms \(threshold 20000 ms\) and the gap filled/,
    );
    await tick(2);
    expectStrictlyIncreasing(recorder.marks);
    // Every minute closed exactly once across the outage: stream, REST, stream again.
    const closed = recorder.klines.filter((event) => event.closed).map((event) => event.openTime);
    expect(closed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(closed).size).toBe(closed.length);
    for (let index = 1; index < closed.length; index += 1) {
      expect((closed[index] as number) - (closed[index - 1] as number)).toBe(60_000);
    }
    expect(stream.stats().malformed).toBe(0);
  });

  it('drops a socket whose pongs stop, and reconnects', async () => {
    const { stream, recorder } = open({ staleAfterMs: 0, pingIntervalMs: 30_000, pongTimeoutMs: 10_000 });
    await until(() => stream.health === 'live', { what: 'live' });
    sim.injectFaults({ ignorePings: true });
    clock.advance(30_000);
    await letIoRun(20);
    clock.advance(10_000);
    const down = recorder.connections.find((event) => event.state === 'down');
    expect(down?.cause).toBe('pong-timeout');
    expect(down?.reason).toBe('no pong within 10000 ms of a ping');
    sim.clearFaults();
    await until(() => recorder.connections.filter((event) => event.state === 'up').length === 2, {
      clock,
      stepMs: 50,
      what: 'reconnected',
    });
    expect(stream.stats().connects).toBe(2);
  });

  it('replaces the socket before the 24 h cut (virtual clock) without losing or doubling events', async () => {
    const { stream, recorder } = open({ staleAfterMs: 0, pingIntervalMs: 3_600_000, pongTimeoutMs: 900_000 });
    await goLive(stream);
    await advanceInSteps(clock, 23 * 3_600_000, 600_000);
    await until(() => recorder.connections.some((event) => event.state === 'rotated'), { what: 'rotation' });
    await until(() => sim.streams.connectionCount('market') === 1, { what: 'old socket closed' });
    await tick(3);
    expect(stream.stats()).toMatchObject({ rotations: 1, connects: 2 });
    expect(recorder.health.map((transition) => transition.to)).toEqual(['live']);
    expectStrictlyIncreasing(recorder.marks);
    expect(recorder.marks.at(-1)?.eventTime).toBe(sim.marketTime() - (sim.marketTime() % 1000));
  });

  it('subscribes and unsubscribes on a live socket, and spreads streams over sockets by the limit', async () => {
    const { stream, recorder } = open({ maxStreamsPerConnection: 2 });
    await goLive(stream);
    await stream.subscribe([markPriceStream('ETHUSDC'), 'btcusdc@bookTicker']);
    expect(stream.stats()).toMatchObject({ connections: 3, streams: 4 });
    await until(() => sim.streams.activeStreams().includes('ethusdc@markPrice@1s'), {
      what: 'second socket',
    });
    await until(() => sim.streams.connectionCount('public') === 1, { what: 'public socket' });
    await tick(2);
    expect(recorder.marks.some((event) => event.symbol === 'ETHUSDC')).toBe(true);
    await stream.unsubscribe([klineStream('BTCUSDC', '1m')]);
    expect(sim.streams.activeStreams()).not.toContain('btcusdc@kline_1m');
    const klinesBefore = recorder.klines.length;
    await tick(2);
    expect(recorder.klines.length).toBe(klinesBefore);
    await stream.unsubscribe([markPriceStream('ETHUSDC')]);
    expect(stream.stats().connections).toBe(2);
    await expect(stream.subscribe(['BTCUSDC@depth'])).rejects.toMatchObject({ code: 'INVALID_STREAM' });
  });
});

describe("MarketStream and the emulator's connection lifetime", () => {
  it('reconnects when the server cuts the connection at its maximum age', async () => {
    const sim = await startSim({
      speed: 'manual',
      historyMinutes: 5,
      streams: { pingIntervalMs: 100, pongTimeoutMs: 10_000, maxConnectionMs: 600 },
    });
    const clock = new VirtualClock();
    const stream = new MarketStream({
      baseUrl: sim.wsUrl,
      clock,
      random: () => 0,
      streams: ['btcusdc@aggTrade'],
    });
    const connections: ConnectionEvent[] = [];
    stream.on('connection', (event) => connections.push(event));
    try {
      stream.start();
      await until(() => connections.some((event) => event.state === 'down'), { what: 'server cut' });
      expect(connections.find((event) => event.state === 'down')?.reason).toMatch(
        /code 1000 "connection lifetime reached"/,
      );
      await until(() => connections.filter((event) => event.state === 'up').length >= 2, {
        clock,
        stepMs: 50,
        what: 'reconnected',
      });
    } finally {
      await stream.close();
      await sim.close();
    }
  });
});
