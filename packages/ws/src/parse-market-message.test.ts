import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMarketMessage } from './parse-market-message';

const markPrice = {
  e: 'markPriceUpdate',
  E: 1_746_057_600_000,
  s: 'BTCUSDC',
  p: '60000.10',
  ap: '60000.10',
  i: '60001.00',
  P: '60001.00',
  r: '0.00010000',
  T: 1_746_057_600_000 + 3_600_000,
};
const kline = {
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
};
const bookTicker = {
  e: 'bookTicker',
  u: 400_900_217,
  E: 1_568_014_460_893,
  T: 1_568_014_460_891,
  s: 'BNBUSDC',
  b: '25.35190000',
  B: '31.21000000',
  a: '25.36520000',
  A: '40.66000000',
};
const aggTrade = {
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
};
const valid = [markPrice, kline, bookTicker, aggTrade];

describe('parseMarketMessage', () => {
  it('turns each market payload into its typed event', () => {
    expect(parseMarketMessage(JSON.stringify(markPrice))).toEqual({
      type: 'markPrice',
      source: 'stream',
      symbol: 'BTCUSDC',
      eventTime: markPrice.E,
      markPrice: '60000.10',
      indexPrice: '60001.00',
      estimatedSettlePrice: '60001.00',
      fundingRate: '0.00010000',
      nextFundingTime: markPrice.T,
    });
    expect(parseMarketMessage(JSON.stringify(kline))).toMatchObject({
      type: 'kline',
      interval: '1m',
      openTime: kline.k.t,
      closeTime: kline.k.T,
      open: '60000.0',
      close: '60010.0',
      trades: 101,
      closed: true,
    });
    expect(parseMarketMessage(JSON.stringify(bookTicker))).toMatchObject({
      type: 'bookTicker',
      updateId: 400_900_217,
      bidPrice: '25.35190000',
      askQuantity: '40.66000000',
    });
    expect(parseMarketMessage(JSON.stringify(aggTrade))).toMatchObject({
      type: 'aggregateTrade',
      aggregateTradeId: 5_933_014,
      buyerIsMaker: true,
      tradeTime: 123_456_785,
    });
  });

  it('unwraps combined-stream frames', () => {
    expect(
      parseMarketMessage(JSON.stringify({ stream: 'btcusdc@markPrice@1s', data: markPrice })),
    ).toMatchObject({
      type: 'markPrice',
      symbol: 'BTCUSDC',
    });
  });

  it('recognises replies to SUBSCRIBE, with or without an error', () => {
    expect(parseMarketMessage('{"result":null,"id":3}')).toEqual({
      type: 'reply',
      id: 3,
      result: null,
      error: undefined,
    });
    expect(parseMarketMessage('{"error":{"code":2,"msg":"Invalid request"},"id":4}')).toMatchObject({
      type: 'reply',
      id: 4,
      error: { code: 2, message: 'Invalid request' },
    });
  });

  it('reports unknown event types apart from malformed frames', () => {
    expect(parseMarketMessage('{"e":"depthUpdate","E":1}')).toEqual({
      type: 'unknown',
      eventType: 'depthUpdate',
    });
    for (const text of ['', '{', 'null', '[]', '42', '{"E":1}', '{"e":7}'])
      expect(parseMarketMessage(text).type).toBe('malformed');
  });

  it('refuses wrong types: numbers for prices, strings for times, floats for ids', () => {
    expect(parseMarketMessage(JSON.stringify({ ...markPrice, p: 60000.1 })).type).toBe('malformed');
    expect(parseMarketMessage(JSON.stringify({ ...markPrice, E: '1746057600000' })).type).toBe('malformed');
    expect(parseMarketMessage(JSON.stringify({ ...aggTrade, a: 1.5 })).type).toBe('malformed');
    expect(parseMarketMessage(JSON.stringify({ ...kline, k: { ...kline.k, x: 'true' } })).type).toBe(
      'malformed',
    );
    expect(parseMarketMessage(JSON.stringify({ ...bookTicker, b: '1e' })).type).toBe('malformed');
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const message = parseMarketMessage(text);
        expect([
          'markPrice',
          'kline',
          'bookTicker',
          'aggregateTrade',
          'reply',
          'malformed',
          'unknown',
        ]).toContain(message.type);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => parseMarketMessage(JSON.stringify(value))).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a truncated frame as an event (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), (payload, cut) => {
        const text = JSON.stringify(payload);
        const length = cut % text.length;
        expect(parseMarketMessage(text.slice(0, length)).type).toBe('malformed');
      }),
      { numRuns: 300 },
    );
  });

  it('drops any payload with a field replaced by the wrong type (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(markPrice, aggTrade, bookTicker),
        fc.nat(),
        fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.constant('abc'), fc.constant({})),
        (payload, index, replacement) => {
          const keys = Object.keys(payload).filter(
            (key) => key !== 'e' && key !== 'ap' && key !== 'nq' && key !== 'T',
          );
          const key = keys[index % keys.length] as string;
          const original = (payload as Record<string, unknown>)[key];
          fc.pre(typeof replacement !== typeof original);
          const message = parseMarketMessage(JSON.stringify({ ...payload, [key]: replacement }));
          expect(message.type).toBe('malformed');
        },
      ),
      { numRuns: 300 },
    );
  });
});
