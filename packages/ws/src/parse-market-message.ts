import type {
  AggregateTradeEvent,
  BookTickerEvent,
  KlineEvent,
  MarketEvent,
  MarkPriceEvent,
} from './market-events';
import { malformed, parseEventPayload, parseEventText } from './messages';
import type { MalformedMessage, ReplyMessage, UnknownMessage } from './messages';
import { isDecimal, isInteger, isObject, isText } from './payload-fields';
import type { Payload } from './payload-fields';

/** Anything a market socket can send, parsed. Only `MarketEvent`s are dispatched to listeners. */
export type MarketMessage = MarketEvent | ReplyMessage | MalformedMessage | UnknownMessage;

function markPrice(payload: Payload): MarkPriceEvent | MalformedMessage {
  const { E, s, p, i, P, r, T } = payload;
  if (!isInteger(E) || !isText(s) || !isDecimal(p) || !isDecimal(i) || !isDecimal(P) || !isInteger(T))
    return malformed('markPriceUpdate fields');
  // The funding rate is "" for delivery contracts; perpetuals always send a number.
  if (!(isDecimal(r) || r === '')) return malformed('markPriceUpdate funding rate');
  return {
    type: 'markPrice',
    source: 'stream',
    symbol: s,
    eventTime: E,
    markPrice: p,
    indexPrice: i,
    estimatedSettlePrice: P,
    fundingRate: r === '' ? '0' : r,
    nextFundingTime: T,
  };
}

function kline(payload: Payload): KlineEvent | MalformedMessage {
  const { E, s, k } = payload;
  if (!isInteger(E) || !isText(s) || !isObject(k)) return malformed('kline fields');
  const { t, T, i, f, L, o, c, h, l, v, n, x, q, V, Q } = k;
  if (
    !isInteger(t) ||
    !isInteger(T) ||
    !isText(i) ||
    !isInteger(f) ||
    !isInteger(L) ||
    !isDecimal(o) ||
    !isDecimal(c) ||
    !isDecimal(h) ||
    !isDecimal(l) ||
    !isDecimal(v) ||
    !isInteger(n) ||
    typeof x !== 'boolean' ||
    !isDecimal(q) ||
    !isDecimal(V) ||
    !isDecimal(Q)
  )
    return malformed('kline candle fields');
  return {
    type: 'kline',
    source: 'stream',
    symbol: s,
    eventTime: E,
    interval: i,
    openTime: t,
    closeTime: T,
    open: o,
    high: h,
    low: l,
    close: c,
    volume: v,
    quoteVolume: q,
    takerBuyVolume: V,
    takerBuyQuoteVolume: Q,
    trades: n,
    firstTradeId: f,
    lastTradeId: L,
    closed: x,
  };
}

function bookTicker(payload: Payload): BookTickerEvent | MalformedMessage {
  const { u, E, T, s, b, B, a, A } = payload;
  if (
    !isInteger(u) ||
    !isInteger(E) ||
    !isText(s) ||
    !isDecimal(b) ||
    !isDecimal(B) ||
    !isDecimal(a) ||
    !isDecimal(A) ||
    !(T === undefined || isInteger(T))
  )
    return malformed('bookTicker fields');
  return {
    type: 'bookTicker',
    source: 'stream',
    symbol: s,
    updateId: u,
    eventTime: E,
    transactionTime: T ?? E,
    bidPrice: b,
    bidQuantity: B,
    askPrice: a,
    askQuantity: A,
  };
}

function aggregateTrade(payload: Payload): AggregateTradeEvent | MalformedMessage {
  const { E, s, a, p, q, f, l, T, m } = payload;
  if (
    !isInteger(E) ||
    !isText(s) ||
    !isInteger(a) ||
    !isDecimal(p) ||
    !isDecimal(q) ||
    !isInteger(f) ||
    !isInteger(l) ||
    !isInteger(T) ||
    typeof m !== 'boolean'
  )
    return malformed('aggTrade fields');
  return {
    type: 'aggregateTrade',
    source: 'stream',
    symbol: s,
    eventTime: E,
    aggregateTradeId: a,
    price: p,
    quantity: q,
    firstTradeId: f,
    lastTradeId: l,
    tradeTime: T,
    buyerIsMaker: m,
  };
}

const parsers: Readonly<Record<string, (payload: Payload) => MarketMessage>> = {
  markPriceUpdate: markPrice,
  kline: kline,
  aggTrade: aggregateTrade,
  bookTicker: bookTicker,
};

/** Parses one decoded JSON value from a market socket (raw or `{stream, data}`-wrapped). Never throws. */
export function parseMarketPayload(value: unknown): MarketMessage {
  return parseEventPayload(value, parsers);
}

/** Parses one text frame from a market socket. Never throws: bad input comes back as `malformed`. */
export function parseMarketMessage(text: string): MarketMessage {
  return parseEventText(text, parsers);
}
