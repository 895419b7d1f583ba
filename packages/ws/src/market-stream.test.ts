import { describe, expect, it } from 'vitest';
import { VirtualClock, letIoRun } from '../test/virtual-clock';
import type { WsError } from './errors';
import type { KlineEvent, MarketEvent } from './market-events';
import { MarketStream } from './market-stream';
import type { MarketPollRequest, PollResult } from './pollers';

const mark = (time: number, symbol = 'BTCUSDC') =>
  JSON.stringify({
    e: 'markPriceUpdate',
    E: time,
    s: symbol,
    p: '1.5',
    ap: '1.5',
    i: '1.4',
    P: '1.4',
    r: '0.0001',
    T: 9,
  });
const kline = (openTime: number, eventTime: number, close: string, closed: boolean) =>
  JSON.stringify({
    e: 'kline',
    E: eventTime,
    s: 'BTCUSDC',
    k: {
      t: openTime,
      T: openTime + 59_999,
      s: 'BTCUSDC',
      i: '1m',
      f: 1,
      L: 2,
      o: '1',
      c: close,
      h: '2',
      l: '0.5',
      v: '3',
      n: 2,
      x: closed,
      q: '4',
      V: '1',
      Q: '2',
      B: '0',
    },
  });
const trade = (id: number) =>
  JSON.stringify({
    e: 'aggTrade',
    E: id,
    s: 'BTCUSDC',
    a: id,
    p: '1',
    q: '2',
    nq: '2',
    f: id,
    l: id,
    T: id,
    m: false,
  });
const book = (id: number) =>
  JSON.stringify({ e: 'bookTicker', u: id, E: id, T: id, s: 'BTCUSDC', b: '1', B: '2', a: '3', A: '4' });

function feed() {
  const stream = new MarketStream({
    streams: ['btcusdc@markPrice@1s', 'btcusdc@kline_1m', 'btcusdc@aggTrade', 'btcusdc@bookTicker'],
  });
  const events: MarketEvent[] = [];
  stream.on('markPrice', (event) => events.push(event));
  stream.on('kline', (event) => events.push(event));
  stream.on('aggregateTrade', (event) => events.push(event));
  stream.on('bookTicker', (event) => events.push(event));
  return { stream, events };
}

describe('MarketStream de-duplication (ingest)', () => {
  it('delivers each mark price, aggregate trade and book ticker once, newest only', () => {
    const { stream, events } = feed();
    for (const frame of [
      mark(1),
      mark(1),
      mark(2),
      mark(0),
      trade(5),
      trade(5),
      trade(4),
      trade(6),
      book(9),
      book(9),
      book(10),
    ])
      stream.ingest(frame);
    expect(events.map((event) => `${event.type}:${event.eventTime}`)).toEqual([
      'markPrice:1',
      'markPrice:2',
      'aggregateTrade:5',
      'aggregateTrade:6',
      'bookTicker:9',
      'bookTicker:10',
    ]);
    expect(stream.stats()).toMatchObject({ received: 11, dispatched: 6, duplicates: 5 });
  });

  it('delivers a closed candle once and nothing older after it', () => {
    const { stream, events } = feed();
    const frames = [
      kline(0, 10, '1', false),
      kline(0, 10, '1', false), // the same update twice (rotation overlap)
      kline(0, 20, '2', false),
      kline(0, 59_999, '3', true),
      kline(0, 59_999, '3', true), // closed again (REST and stream)
      kline(0, 30, '2', false), // a late in-progress update of a closed candle
      kline(60_000, 60_100, '4', false),
    ];
    for (const frame of frames) stream.ingest(frame);
    expect(
      events.map((event) =>
        event.type === 'kline' ? `${event.openTime}:${event.close}:${event.closed}` : '',
      ),
    ).toEqual(['0:1:false', '0:2:false', '0:3:true', '60000:4:false']);
    expect(stream.stats().duplicates).toBe(3);
  });

  it('counts events of streams not subscribed, and keeps calling listeners after one throws', () => {
    const { stream, events } = feed();
    const errors: WsError[] = [];
    stream.on('error', (error) => errors.push(error));
    stream.on('markPrice', () => {
      throw new Error('consumer bug');
    });
    stream.ingest(mark(1, 'ETHUSDC'));
    stream.ingest(mark(1));
    expect(stream.stats().unsubscribed).toBe(1);
    expect(events).toHaveLength(1);
    expect(errors.map((error) => error.code)).toEqual(['LISTENER_FAILED']);
    expect(stream.stats().listenerErrors).toBe(1);
  });

  it('refuses bad options and calls after close', async () => {
    expect(() => new MarketStream({ maxStreamsPerConnection: 2_000 })).toThrow(/at most 1024/);
    expect(() => new MarketStream({ baseUrl: 'http://example.com' })).toThrow(/ws:\/\//);
    expect(() => new MarketStream({ degradeAfterMs: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    const stream = new MarketStream();
    await stream.close();
    expect(stream.health).toBe('stopped');
    await expect(stream.subscribe(['btcusdc@aggTrade'])).rejects.toMatchObject({ code: 'FEED_CLOSED' });
  });
});

/** A 1m kline as the REST poller reports it. */
const polledKline = (openTime: number, close: string, closed: boolean): KlineEvent => ({
  type: 'kline',
  source: 'poll',
  symbol: 'BTCUSDC',
  eventTime: closed ? openTime + 59_999 : openTime,
  interval: '1m',
  openTime,
  closeTime: openTime + 59_999,
  open: '1',
  high: '2',
  low: '0.5',
  close,
  volume: '3',
  quoteVolume: '4',
  takerBuyVolume: '1',
  takerBuyQuoteVolume: '2',
  trades: 2,
  firstTradeId: -1,
  lastTradeId: -1,
  closed,
});

/** A kline-only feed whose poller answers from a script, one answer per call. */
function gapFillFeed(answers: (() => PollResult<MarketEvent>)[]) {
  const clock = new VirtualClock();
  const requests: MarketPollRequest[] = [];
  const stream = new MarketStream({
    clock,
    streams: ['btcusdc@kline_1m'],
    pollIntervalMs: 2_000,
    poller: async (request) => {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      return answer();
    },
  });
  const klines: string[] = [];
  const errors: WsError[] = [];
  stream.on('kline', (event) => klines.push(`${event.openTime}:${event.close}:${event.closed}`));
  stream.on('error', (error) => errors.push(error));
  return { stream, clock, requests, klines, errors };
}

describe('MarketStream kline gap fill (ingest)', () => {
  it('holds klines that follow missed closes until REST delivered them, retrying a failed fetch', async () => {
    const { stream, clock, requests, klines, errors } = gapFillFeed([
      () => {
        throw new Error('503');
      },
      () => ({
        events: [
          polledKline(60_000, '2', true),
          polledKline(120_000, '3', true),
          polledKline(180_000, '4', false),
        ],
        weight: 1,
      }),
    ]);
    stream.ingest(kline(0, 59_999, '1', true));
    // 60 000 and 120 000 closed while the socket was away: the next candle must wait for them.
    stream.ingest(kline(180_000, 180_100, '4', false));
    stream.ingest(kline(180_000, 180_200, '5', false));
    await letIoRun();
    expect(klines).toEqual(['0:1:true']);
    expect(errors.map((error) => error.code)).toEqual(['POLL_FAILED']);
    expect(requests[0]).toMatchObject({ reason: 'gap-fill', targets: [{ lastClosedOpenTime: 0 }] });
    clock.advance(2_000);
    await letIoRun();
    expect(klines).toEqual(['0:1:true', '60000:2:true', '120000:3:true', '180000:5:false']);
    stream.ingest(kline(180_000, 239_999, '6', true));
    expect(klines.at(-1)).toBe('180000:6:true');
    expect(requests).toHaveLength(2);
  });

  it('moves on when REST lists later candles but none for the gap, or its poller returns no klines', async () => {
    const { stream, klines, errors } = gapFillFeed([
      () => ({ events: [polledKline(120_000, '3', true), polledKline(180_000, '4', false)], weight: 1 }),
      () => ({ events: [], weight: 0 }),
    ]);
    stream.ingest(kline(0, 59_999, '1', true));
    stream.ingest(kline(180_000, 180_100, '4', false));
    await letIoRun();
    // REST has no candle at 60 000 (as across maintenance): nothing to wait for.
    expect(klines).toEqual(['0:1:true', '120000:3:true', '180000:4:false']);
    stream.ingest(kline(300_000, 300_100, '7', false));
    await letIoRun();
    expect(klines.at(-1)).toBe('300000:7:false');
    expect(errors).toEqual([]);
  });
});
