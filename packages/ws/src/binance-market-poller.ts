/**
 * The market poller: Binance's USDⓈ-M REST market endpoints (mark price, klines, book ticker, aggregate
 * trades) read through an injected `request` function (the caller owns HTTP, signing and rate limiting), turned
 * into the same typed events the streams deliver, marked `source: 'poll'`.
 */
import type {
  AggregateTradeEvent,
  BookTickerEvent,
  KlineEvent,
  MarkPriceEvent,
  MarketEvent,
} from './market-events';
import type { Payload } from './payload-fields';
import { isDecimal, isInteger, isObject, isText } from './payload-fields';
import type { MarketPollTarget, MarketPoller, RestRequest } from './pollers';
import { PollSession, rows, shape } from './rest-poll-session';

export interface BinanceMarketPollerOptions {
  readonly request: RestRequest;
  /** Klines fetched per series and poll when catching up (default 99: weight 1); a page's newest is closed by the next poll. */
  readonly maxKlinesPerPoll?: number;
  /** Aggregate trades fetched when no id is known yet (default 100). */
  readonly aggregateTradeLimit?: number;
}

/**
 * Polls `premiumIndex` (mark price), `klines`, `ticker/bookTicker` and `aggTrades`, continuing from what the
 * feed delivered last (closed klines from the last closed open time, aggregate trades from the last id).
 * Weight per poll: 1 per mark-price symbol (10 for all once there are 10 or more), 1 per kline series,
 * 2 per book ticker, 20 per aggregate-trade series.
 */
export function createBinanceMarketPoller(options: BinanceMarketPollerOptions): MarketPoller {
  const maxKlines = Math.min(99, Math.max(2, options.maxKlinesPerPoll ?? 99));
  const aggregateTradeLimit = Math.min(1000, Math.max(1, options.aggregateTradeLimit ?? 100));
  return async ({ targets }) => {
    const session = new PollSession(options.request);
    const events: MarketEvent[] = [];
    const markSymbols = [
      ...new Set(targets.filter((target) => target.kind === 'markPrice').map((t) => t.symbol)),
    ];
    const parts: Promise<unknown>[] = [];
    if (markSymbols.length >= 10) {
      parts.push(
        session.part(async () => {
          const answer = await session.call(
            { method: 'GET', path: '/fapi/v1/premiumIndex', security: 'NONE' },
            10,
          );
          const wanted = new Set(markSymbols);
          for (const row of rows(answer, 'premiumIndex')) {
            if (wanted.has(row.symbol as string)) events.push(markPriceFromRest(row));
          }
        }),
      );
    } else {
      for (const symbol of markSymbols) {
        parts.push(
          session.part(async () => {
            const answer = await session.call(
              { method: 'GET', path: '/fapi/v1/premiumIndex', params: { symbol }, security: 'NONE' },
              1,
            );
            shape(isObject(answer), 'premiumIndex is not an object');
            events.push(markPriceFromRest(answer));
          }),
        );
      }
    }
    for (const target of targets) {
      if (target.kind === 'kline')
        parts.push(session.part(() => pollKlines(session, target, maxKlines, events)));
      else if (target.kind === 'bookTicker') {
        parts.push(
          session.part(async () => {
            const answer = await session.call(
              {
                method: 'GET',
                path: '/fapi/v1/ticker/bookTicker',
                params: { symbol: target.symbol },
                security: 'NONE',
              },
              2,
            );
            shape(isObject(answer), 'ticker/bookTicker is not an object');
            events.push(bookTickerFromRest(answer));
          }),
        );
      } else if (target.kind === 'aggregateTrade') {
        parts.push(
          session.part(async () => {
            const params: Record<string, string | number> =
              target.lastId === undefined
                ? { symbol: target.symbol, limit: aggregateTradeLimit }
                : { symbol: target.symbol, fromId: target.lastId + 1, limit: 1000 };
            const answer = await session.call(
              { method: 'GET', path: '/fapi/v1/aggTrades', params, security: 'NONE' },
              20,
            );
            for (const row of rows(answer, 'aggTrades'))
              events.push(aggregateTradeFromRest(target.symbol, row));
          }),
        );
      }
    }
    await Promise.all(parts);
    return { events, weight: session.weight, errors: session.errors };
  };
}

function markPriceFromRest(row: Payload): MarkPriceEvent {
  const { symbol, markPrice, indexPrice, estimatedSettlePrice, lastFundingRate, nextFundingTime, time } = row;
  shape(
    isText(symbol) &&
      isDecimal(markPrice) &&
      isDecimal(indexPrice) &&
      isDecimal(estimatedSettlePrice) &&
      (isDecimal(lastFundingRate) || lastFundingRate === '') &&
      isInteger(nextFundingTime) &&
      isInteger(time),
    'premiumIndex row',
  );
  return {
    type: 'markPrice',
    source: 'poll',
    symbol,
    eventTime: time,
    markPrice,
    indexPrice,
    estimatedSettlePrice,
    fundingRate: lastFundingRate === '' ? '0' : (lastFundingRate as string),
    nextFundingTime,
  };
}

async function pollKlines(
  session: PollSession,
  target: MarketPollTarget,
  maxKlines: number,
  events: MarketEvent[],
): Promise<void> {
  const interval = target.interval as string;
  const limit = target.lastClosedOpenTime === undefined ? 2 : maxKlines;
  const params: Record<string, string | number> = { symbol: target.symbol, interval, limit };
  if (target.lastClosedOpenTime !== undefined) params.startTime = target.lastClosedOpenTime + 1;
  const answer = await session.call({ method: 'GET', path: '/fapi/v1/klines', params, security: 'NONE' }, 1);
  shape(Array.isArray(answer), 'klines is not a list');
  const parsed = (answer as unknown[]).map(klineRowFields);
  // Binance lists the forming candle last, so the newest row's open time is the market time the answer
  // proves: a candle is closed only if it ended before it (never the newest row; the next poll tells).
  const provenMarketTime = parsed.at(-1)?.openTime ?? -Infinity;
  for (const row of parsed) {
    const closed = row.closeTime < provenMarketTime;
    events.push({
      type: 'kline',
      source: 'poll',
      symbol: target.symbol,
      eventTime: closed ? row.closeTime : row.openTime,
      interval,
      ...row,
      firstTradeId: -1,
      lastTradeId: -1,
      closed,
    });
  }
}

type KlineRowFields = Pick<
  KlineEvent,
  | 'openTime'
  | 'closeTime'
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'quoteVolume'
  | 'takerBuyVolume'
  | 'takerBuyQuoteVolume'
  | 'trades'
>;

function klineRowFields(row: unknown): KlineRowFields {
  shape(Array.isArray(row) && row.length >= 11, 'kline row');
  const [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote] =
    row as unknown[];
  shape(
    isInteger(openTime) &&
      isDecimal(open) &&
      isDecimal(high) &&
      isDecimal(low) &&
      isDecimal(close) &&
      isDecimal(volume) &&
      isInteger(closeTime) &&
      isDecimal(quoteVolume) &&
      isInteger(trades) &&
      isDecimal(takerBase) &&
      isDecimal(takerQuote),
    'kline row fields',
  );
  return {
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    takerBuyVolume: takerBase,
    takerBuyQuoteVolume: takerQuote,
    trades,
  };
}

function bookTickerFromRest(row: Payload): BookTickerEvent {
  const { symbol, bidPrice, bidQty, askPrice, askQty, time, lastUpdateId } = row;
  shape(
    isText(symbol) &&
      isDecimal(bidPrice) &&
      isDecimal(bidQty) &&
      isDecimal(askPrice) &&
      isDecimal(askQty) &&
      isInteger(time) &&
      isInteger(lastUpdateId),
    'bookTicker row',
  );
  return {
    type: 'bookTicker',
    source: 'poll',
    symbol,
    updateId: lastUpdateId,
    eventTime: time,
    transactionTime: time,
    bidPrice,
    bidQuantity: bidQty,
    askPrice,
    askQuantity: askQty,
  };
}

function aggregateTradeFromRest(symbol: string, row: Payload): AggregateTradeEvent {
  const { a, p, q, f, l, T, m } = row;
  shape(
    isInteger(a) &&
      isDecimal(p) &&
      isDecimal(q) &&
      isInteger(f) &&
      isInteger(l) &&
      isInteger(T) &&
      typeof m === 'boolean',
    'aggTrades row',
  );
  return {
    type: 'aggregateTrade',
    source: 'poll',
    symbol,
    eventTime: T,
    aggregateTradeId: a,
    price: p,
    quantity: q,
    firstTradeId: f,
    lastTradeId: l,
    tradeTime: T,
    buyerIsMaker: m,
  };
}
