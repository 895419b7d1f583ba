import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createBinanceListenKeyApi, createBinanceUserDataPoller } from '../src/binance-user-data-poller';
import type { ConnectionEvent } from '../src/feed-events';
import type { HealthTransition } from '../src/feed-health';
import type { ListenKeyApi, RestRequest } from '../src/pollers';
import type { CreateWebSocket } from '../src/resilient-connection';
import type { UserDataEvent } from '../src/user-data-events';
import { UserDataStream } from '../src/user-data-stream';
import type { UserDataStreamOptions } from '../src/user-data-stream';
import { RestError, marketOrder, simRest } from './sim-rest';
import { VirtualClock, advanceInSteps, letIoRun, until } from './virtual-clock';

const SYMBOL = 'BTCUSDC';

interface Recorder {
  readonly events: UserDataEvent[];
  readonly health: HealthTransition[];
  readonly connections: ConnectionEvent[];
  readonly errors: Error[];
}

function record(stream: UserDataStream): Recorder {
  const recorder: Recorder = { events: [], health: [], connections: [], errors: [] };
  const push = (event: UserDataEvent) => recorder.events.push(event);
  stream.on('orderUpdate', push);
  stream.on('tradeLite', push);
  stream.on('accountUpdate', push);
  stream.on('algoUpdate', push);
  stream.on('accountConfigUpdate', push);
  stream.on('marginCall', push);
  stream.on('listenKeyExpired', push);
  stream.on('health', (event) => recorder.health.push(event));
  stream.on('connection', (event) => recorder.connections.push(event));
  stream.on('error', (error) => recorder.errors.push(error));
  return recorder;
}

/** Fills as the bot saw them: ORDER_TRADE_UPDATE with execution type TRADE, keyed by order and trade id. */
function fillKeys(events: readonly UserDataEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === 'orderUpdate' && event.executionType === 'TRADE'
      ? [`${event.orderId}/${event.tradeId}`]
      : [],
  );
}

function simFillKeys(sim: Sim): string[] {
  return (sim.state().fills as { orderId: number; tradeId: number }[]).map(
    (fill) => `${fill.orderId}/${fill.tradeId}`,
  );
}

describe('UserDataStream against @bot/sim', () => {
  let sim: Sim;
  let rest: RestRequest & { calls: unknown[] };
  let clock: VirtualClock;
  const streams: UserDataStream[] = [];

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', seed: 11, historyMinutes: 5 });
    rest = simRest(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    sim.clearFaults();
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
    // Flatten the position so every test starts from the same account.
    const positions = sim.state().positions as { symbol: string; positionAmt: string }[];
    for (const position of positions) {
      const amount = Number(position.positionAmt);
      if (amount !== 0)
        await marketOrder(rest, position.symbol, amount > 0 ? 'SELL' : 'BUY', String(Math.abs(amount)));
    }
  });

  function open(options: Partial<UserDataStreamOptions> = {}): {
    stream: UserDataStream;
    recorder: Recorder;
  } {
    clock = new VirtualClock();
    const stream = new UserDataStream({
      baseUrl: sim.wsUrl,
      clock,
      random: () => 0.5,
      listenKeys: createBinanceListenKeyApi(rest),
      poller: createBinanceUserDataPoller({ request: rest, symbols: [SYMBOL] }),
      ...options,
    });
    streams.push(stream);
    const recorder = record(stream);
    stream.start();
    return { stream, recorder };
  }

  async function goLive(stream: UserDataStream): Promise<void> {
    await until(() => stream.health === 'live' && sim.streams.connectionCount('private') > 0, {
      what: 'live',
    });
  }

  it('delivers typed order, fill, account and algo events, exactly what the emulator sent', async () => {
    const { stream, recorder } = open();
    await goLive(stream);
    const sentBefore = sim.streams.sentUserEvents.length;
    sim.setMarketPrice(SYMBOL, '60000.0');
    await rest({
      method: 'POST',
      path: '/fapi/v1/leverage',
      params: { symbol: SYMBOL, leverage: 5 },
      security: 'SIGNED',
    });
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await rest({
      method: 'POST',
      path: '/fapi/v1/algoOrder',
      params: {
        algoType: 'CONDITIONAL',
        symbol: SYMBOL,
        side: 'SELL',
        type: 'STOP_MARKET',
        triggerPrice: '59000',
        quantity: '0.010',
        reduceOnly: true,
      },
      security: 'SIGNED',
    });
    sim.setMarketPrice(SYMBOL, '58990.0');
    const sent = () => sim.streams.sentUserEvents.slice(sentBefore);
    await until(
      () =>
        recorder.events.length === sent().length &&
        sent().some((entry) => entry.payload.o && (entry.payload.o as { X?: string }).X === 'FINISHED'),
      {
        what: 'all events',
      },
    );
    const typeOf: Record<string, string> = {
      ORDER_TRADE_UPDATE: 'orderUpdate',
      TRADE_LITE: 'tradeLite',
      ACCOUNT_UPDATE: 'accountUpdate',
      ALGO_UPDATE: 'algoUpdate',
      ACCOUNT_CONFIG_UPDATE: 'accountConfigUpdate',
    };
    expect(recorder.events.map((event) => event.type)).toEqual(
      sent().map((entry) => typeOf[String(entry.payload.e)]),
    );
    expect(recorder.events.every((event) => event.source === 'stream')).toBe(true);
    const fill = recorder.events.find(
      (event) => event.type === 'orderUpdate' && event.executionType === 'TRADE',
    );
    expect(fill).toMatchObject({
      symbol: SYMBOL,
      side: 'BUY',
      orderStatus: 'FILLED',
      lastFilledQuantity: '0.010',
    });
    expect(recorder.events.find((event) => event.type === 'accountConfigUpdate')).toMatchObject({
      leverage: { symbol: SYMBOL, leverage: 5 },
    });
    const algoStatuses = recorder.events.flatMap((event) =>
      event.type === 'algoUpdate' ? [event.algoStatus] : [],
    );
    expect(algoStatuses[0]).toBe('NEW');
    expect(algoStatuses.at(-1)).toBe('FINISHED');
    expect(stream.stats()).toMatchObject({ malformed: 0, unknown: 0, duplicates: 0 });
  });

  it('recreates the listenKey when it expires mid-run and fills the gap by REST', async () => {
    const { stream, recorder } = open();
    await goLive(stream);
    const firstKey = stream.listenKey;
    sim.setMarketPrice(SYMBOL, '60000.0');
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await until(() => fillKeys(recorder.events).length === 1, { what: 'first fill' });
    sim.expireListenKeys();
    await until(() => recorder.events.some((event) => event.type === 'listenKeyExpired'), {
      what: 'expiry event',
    });
    // A fill while no key is valid: the socket cannot deliver it.
    await marketOrder(rest, SYMBOL, 'SELL', '0.010');
    await until(
      () =>
        stream.listenKey !== undefined &&
        stream.listenKey !== firstKey &&
        sim.streams.connectionCount('private') > 0,
      {
        clock,
        stepMs: 50,
        what: 'new key and socket',
      },
    );
    await until(() => fillKeys(recorder.events).length === 2, { clock, stepMs: 200, what: 'gap fill' });
    await marketOrder(rest, SYMBOL, 'BUY', '0.020');
    await until(() => fillKeys(recorder.events).length === 3, { what: 'fill on the new key' });
    expect(recorder.connections.find((event) => event.state === 'down')?.cause).toBe('listen-key-expired');
    const fills = fillKeys(recorder.events);
    expect(new Set(fills).size).toBe(fills.length);
    expect(fills.sort()).toEqual(simFillKeys(sim).slice(-3).sort());
    const sources = recorder.events
      .filter((event) => event.type === 'orderUpdate' && event.executionType === 'TRADE')
      .map((event) => event.source);
    expect(sources).toEqual(['stream', 'poll', 'stream']);
    expect(stream.health).toBe('live');
  });

  it('keeps the listenKey alive well inside 60 minutes and reconnects on -1125', async () => {
    let missing = false;
    const real = createBinanceListenKeyApi(rest);
    let keepAlives = 0;
    const listenKeys: ListenKeyApi = {
      create: () => real.create(),
      keepAlive: async (key) => {
        keepAlives += 1;
        if (missing) throw new RestError('PUT /fapi/v1/listenKey → 400 {"code":-1125}', 400, -1125);
        await real.keepAlive(key);
      },
    };
    const { stream, recorder } = open({ listenKeys, pingIntervalMs: 3_600_000, pongTimeoutMs: 900_000 });
    await goLive(stream);
    await advanceInSteps(clock, 40 * 60_000, 60_000);
    expect(keepAlives).toBe(2);
    expect(recorder.errors).toEqual([]);
    missing = true;
    await advanceInSteps(clock, 20 * 60_000, 60_000);
    expect(recorder.errors.map((error) => (error as { code?: string }).code)).toContain('KEEPALIVE_FAILED');
    await until(() => recorder.connections.filter((event) => event.state === 'up').length === 2, {
      clock,
      stepMs: 50,
      what: 'reconnect',
    });
    expect(recorder.connections.find((event) => event.state === 'down')?.cause).toBe('listen-key-expired');
  });

  it('sees every fill through REST while the stream is dead, then recovers to the stream: none missing, none twice', async () => {
    let blocked = false;
    const createWebSocket: CreateWebSocket = (url, options) =>
      new WebSocket(blocked ? 'ws://127.0.0.1:1/private/ws' : url, options);
    const { stream, recorder } = open({ createWebSocket, recoverAfterMs: 10_000 });
    await goLive(stream);
    const fillsBefore = simFillKeys(sim).length;
    sim.setMarketPrice(SYMBOL, '60000.0');
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await until(() => fillKeys(recorder.events).length === 2, { what: 'stream fills' });

    // Kill the stream: the socket drops and every reconnect is refused.
    const outageStart = simFillKeys(sim).length;
    blocked = true;
    sim.dropStreams('private');
    await advanceInSteps(clock, 6_000, 200);
    expect(stream.health).toBe('degraded');
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await marketOrder(rest, SYMBOL, 'SELL', '0.020');
    await marketOrder(rest, SYMBOL, 'BUY', '0.030');
    await rest({
      method: 'POST',
      path: '/fapi/v1/algoOrder',
      params: {
        algoType: 'CONDITIONAL',
        symbol: SYMBOL,
        side: 'SELL',
        type: 'STOP_MARKET',
        triggerPrice: '59000',
        quantity: '0.010',
        reduceOnly: true,
      },
      security: 'SIGNED',
    });
    sim.setMarketPrice(SYMBOL, '58990.0');
    sim.setMarketPrice(SYMBOL, '60000.0');
    const expectedDuringOutage = simFillKeys(sim).length - outageStart;
    expect(expectedDuringOutage).toBe(4); // three market orders and the triggered stop
    await until(() => fillKeys(recorder.events).length === 2 + expectedDuringOutage, {
      clock,
      stepMs: 500,
      what: 'polled fills',
    });
    expect(stream.health).toBe('degraded');

    // The stream comes back: recovering, then live once healthy for 10 s with the gap filled.
    blocked = false;
    await until(() => stream.health === 'recovering', { clock, stepMs: 500, what: 'recovering' });
    await marketOrder(rest, SYMBOL, 'SELL', '0.010');
    await until(() => stream.health === 'live', { clock, stepMs: 500, what: 'live again' });
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await until(() => fillKeys(recorder.events).length === simFillKeys(sim).length - fillsBefore, {
      clock,
      stepMs: 100,
      what: 'all fills',
    });
    await advanceInSteps(clock, 5_000, 500);

    const fills = fillKeys(recorder.events);
    const expected = simFillKeys(sim).slice(fillsBefore);
    expect(fills).toHaveLength(expected.length);
    expect(new Set(fills).size).toBe(fills.length);
    expect([...fills].sort()).toEqual([...expected].sort());
    const tradeLites = recorder.events.filter((event) => event.type === 'tradeLite');
    expect(tradeLites).toHaveLength(expected.length);
    // Each order announced once (NEW), whichever way it arrived.
    const news = recorder.events.flatMap((event) =>
      event.type === 'orderUpdate' && event.executionType === 'NEW' ? [event.orderId] : [],
    );
    expect(new Set(news).size).toBe(news.length);
    const filledOrders = new Set(fills.map((key) => Number(key.split('/')[0])));
    for (const orderId of filledOrders) expect(news).toContain(orderId);
    // The stop order: its final status reached the bot although it ran entirely during the outage.
    expect(
      recorder.events.some(
        (event) => event.type === 'algoUpdate' && event.algoStatus === 'FINISHED' && event.source === 'poll',
      ),
    ).toBe(true);
    const polledFills = recorder.events.filter(
      (event) => event.type === 'orderUpdate' && event.executionType === 'TRADE' && event.source === 'poll',
    );
    expect(polledFills).toHaveLength(expectedDuringOutage);
    expect(recorder.health.map((transition) => transition.to)).toEqual([
      'live',
      'degraded',
      'recovering',
      'live',
    ]);
    expect(stream.stats().duplicates).toBeGreaterThan(0);
    const snapshot = recorder.events.find(
      (event) => event.type === 'accountUpdate' && event.reason === 'SNAPSHOT',
    );
    expect(snapshot?.source).toBe('poll');
  });

  it('replaces the socket before the 24 h cut (virtual clock) and keeps delivering once', async () => {
    const { stream, recorder } = open({ pingIntervalMs: 3_600_000, pongTimeoutMs: 900_000 });
    await goLive(stream);
    await advanceInSteps(clock, 23 * 3_600_000, 600_000);
    await until(() => recorder.connections.some((event) => event.state === 'rotated'), { what: 'rotation' });
    await until(() => sim.streams.connectionCount('private') === 1, { what: 'old socket closed' });
    sim.setMarketPrice(SYMBOL, '60000.0');
    await marketOrder(rest, SYMBOL, 'BUY', '0.010');
    await until(() => fillKeys(recorder.events).length === 1, { what: 'fill after rotation' });
    await letIoRun(20);
    expect(fillKeys(recorder.events)).toHaveLength(1);
    expect(stream.stats()).toMatchObject({ rotations: 1, connects: 2 });
    expect(recorder.health.map((transition) => transition.to)).toEqual(['live']);
  });
});
