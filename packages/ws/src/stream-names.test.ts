import { describe, expect, it } from 'vitest';
import {
  aggregateTradeStream,
  bookTickerStream,
  describeMarketStream,
  klineStream,
  markPriceStream,
} from './stream-names';

describe('stream names', () => {
  it('builds Binance stream names with lower-case symbols', () => {
    expect(markPriceStream('BTCUSDC')).toBe('btcusdc@markPrice@1s');
    expect(markPriceStream('BTCUSDC', { everySecond: false })).toBe('btcusdc@markPrice');
    expect(klineStream('ETHUSDC', '15m')).toBe('ethusdc@kline_15m');
    expect(bookTickerStream('BNBUSDC')).toBe('bnbusdc@bookTicker');
    expect(aggregateTradeStream('SOLUSDC')).toBe('solusdc@aggTrade');
  });

  it('routes book tickers to /public and the rest to /market, with cadences', () => {
    expect(describeMarketStream('btcusdc@bookTicker')).toMatchObject({
      category: 'public',
      kind: 'bookTicker',
      cadenceMs: undefined,
    });
    expect(describeMarketStream('btcusdc@markPrice@1s')).toMatchObject({
      category: 'market',
      cadenceMs: 1_000,
      symbol: 'BTCUSDC',
    });
    expect(describeMarketStream('btcusdc@markPrice')).toMatchObject({ cadenceMs: 3_000 });
    expect(describeMarketStream('btcusdc@kline_1M')).toMatchObject({
      kind: 'kline',
      interval: '1M',
      key: 'kline|BTCUSDC|1M',
    });
    expect(describeMarketStream('btcusdc@aggTrade')).toMatchObject({
      kind: 'aggregateTrade',
      category: 'market',
    });
  });

  it('refuses streams it cannot route, parse or poll', () => {
    for (const stream of [
      'BTCUSDC@markPrice',
      'btcusdc@depth',
      '!markPrice@arr',
      'btcusdc@kline_2m',
      'btcusdc',
    ])
      expect(() => describeMarketStream(stream)).toThrow(expect.objectContaining({ code: 'INVALID_STREAM' }));
  });
});
