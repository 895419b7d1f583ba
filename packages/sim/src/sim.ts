import { randomBytes } from 'node:crypto';
import { STATUS_CODES, createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control-endpoint';
import { MatchingCore } from './core/matching-core';
import type { CoreEvent, InstrumentSpec } from './core/types';
import { defaultContracts } from './instruments';
import { marketSource, withBook } from './market-setup';
import type { Kline } from './market/candle-book';
import { CandleBook } from './market/candle-book';
import { isKlineInterval } from './market/kline-interval';
import type { KlineInterval } from './market/kline-interval';
import { MarketDriver } from './market/market-driver';
import type { MarketTick } from './market/market-tick';
import { SeededRandom } from './market/seeded-random';
import { SimClock } from './market/sim-clock';
import type { createSyntheticMarket } from './market/synthetic-market';
import {
  ALL_TICKERS_INTERVAL_MS,
  TICKER_INTERVAL_MS,
  servesStream,
  symbolStreamNames,
} from './served-streams';
import type { SymbolStreamNames } from './served-streams';
import { AnswerHeaders } from './server/answer-headers';
import { FaultInjector } from './server/faults';
import { ListenKeyStore } from './server/listen-keys';
import { ticker24hOf } from './server/market-routes';
import type { ApiCredentials, LateExecutionRecord, RequestRecord } from './server/rest-handler';
import { answerClientError, createRestHandler } from './server/rest-handler';
import type { ApiRestrictions, RouteContext } from './server/route-basics';
import { StreamServer } from './server/stream-server';
import { TradeTape } from './server/trade-tape';
import { userDataEvents } from './server/wire';
import { UserActions } from './user-actions';
import {
  DEFAULT_API_RESTRICTIONS,
  DEFAULT_BALANCES,
  DEFAULT_WEIGHT_LIMIT_PER_MINUTE,
  TRADE_TAPE_LENGTH,
} from './sim-defaults';
import type { Sim, SimOptions } from './sim-api';

export type {
  ReplaySpec,
  Sim,
  SimAccountOptions,
  SimFaults,
  SimHeaders,
  SimOptions,
  SimResponse,
  SimState,
} from './sim-api';

/** Starts the emulator: matching core, market, REST and WebSocket server on 127.0.0.1. */
export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const weightLimitOption = options.weightLimitPerMinute ?? DEFAULT_WEIGHT_LIMIT_PER_MINUTE;
  if (!Number.isSafeInteger(weightLimitOption) || weightLimitOption < 1)
    throw new Error('weightLimitPerMinute must be a positive integer');
  const contracts = options.contracts ?? defaultContracts();
  for (const symbol of Object.keys(options.books || {})) {
    if (!contracts.some(({ instrument }) => instrument.symbol === symbol))
      throw new Error(`books: ${symbol} is not a listed contract`);
  }
  const instruments: InstrumentSpec[] = contracts.map(({ instrument }) =>
    withBook(instrument, options.books === false ? false : options.books?.[instrument.symbol]),
  );
  // A replay starts at its first candle (read from the source, which may be a stream); a synthetic market now.
  const replaying = (options.replays ?? (options.replay ? [options.replay] : [])).length > 0;
  const replaySource = replaying ? marketSource(options, contracts, 0) : undefined;
  const startTime = options.startTime ?? replaySource?.peekTime() ?? Math.floor(Date.now() / 60_000) * 60_000;

  const faults = new FaultInjector();
  const core = new MatchingCore({
    instruments,
    bookSeed: options.seed ?? 42,
    ...(options.makerFeeRate ? { makerFeeRate: options.makerFeeRate } : {}),
    ...(options.takerFeeRate ? { takerFeeRate: options.takerFeeRate } : {}),
  });
  const serverTime = () => Date.now() + (faults.settings.clockSkewMs ?? 0);
  const listenKeys = new ListenKeyStore({
    now: serverTime,
    ...(options.listenKeyValidityMs !== undefined ? { validityMs: options.listenKeyValidityMs } : {}),
  });
  const streams = new StreamServer({ faults, listenKeys, servesStream, ...options.streams });

  /**
   * Each symbol's stream names, built once: the tick loop and the book's streams ask whether each has a
   * subscriber on every tick, and a name built per ask is a string allocated and hashed per ask.
   */
  const streamNames = new Map<string, SymbolStreamNames>();
  const streamNamesOf = (symbol: string): SymbolStreamNames => {
    let names = streamNames.get(symbol);
    if (!names) {
      names = symbolStreamNames(symbol);
      streamNames.set(symbol, names);
    }
    return names;
  };

  /**
   * Per symbol, which of its streams (and the all-market ones) anyone listens to, worked out again only when
   * a subscription changes: the tick loop asked about some thirty streams per tick, nearly all unwatched.
   */
  interface Watched {
    readonly version: number;
    /** The kline streams with subscribers, for the in-progress kline every tick. */
    readonly klines: readonly (readonly [KlineInterval, string])[];
    /** Any of the book's streams (bookTicker, `!bookTicker`, diff or partial depth). */
    readonly book: boolean;
    readonly markArrays: boolean;
    readonly tickers: boolean;
    readonly aggTrade: boolean;
    readonly trade: boolean;
  }
  const watched = new Map<string, Watched>();
  const watchedOf = (symbol: string): Watched => {
    const version = streams.subscriptionVersion;
    const known = watched.get(symbol);
    if (known?.version === version) return known;
    const names = streamNamesOf(symbol);
    const has = (stream: string) => streams.hasSubscribers(stream);
    const depth = names.depth.filter(({ diff, partials }) => {
      // A diff stream that lost its subscribers starts afresh with the next one (diffs from then on).
      if (!has(diff)) bookSentId.delete(diff);
      return has(diff) || partials.some(([, partial]) => has(partial));
    });
    const fresh: Watched = {
      version,
      klines: [...names.klines].filter(([, stream]) => has(stream)),
      book: has(names.bookTicker) || has('!bookTicker') || depth.length > 0,
      markArrays: has('!markPrice@arr@1s') || has('!markPrice@arr'),
      tickers: has(names.ticker) || has(names.miniTicker),
      aggTrade: has(names.aggTrade),
      trade: has(names.trade),
    };
    watched.set(symbol, fresh);
    return fresh;
  };

  const candles = new CandleBook({
    symbols: instruments.map(({ symbol, tickSize, stepSize }) => ({ symbol, tickSize, stepSize })),
    // A closed kline is formatted only for a kline stream someone listens to (REST reads the stored candles).
    wants: (symbol, interval) => streams.hasSubscribers(streamNamesOf(symbol).klines.get(interval) ?? ''),
  });
  const source = replaySource ?? marketSource(options, contracts, startTime);
  if (!options.replay && !options.replays?.length && 'history' in source) {
    const history = (source as ReturnType<typeof createSyntheticMarket>).history({
      minutes: options.historyMinutes ?? 1500,
    });
    for (const [symbol, symbolCandles] of history) candles.warmUp(symbol, symbolCandles);
  }

  const accounts: ApiCredentials[] = (options.accounts ?? [{}]).map((account, index) => ({
    accountId: `account-${index + 1}`,
    apiKey: account.apiKey ?? randomBytes(32).toString('hex'),
    apiSecret: account.apiSecret ?? randomBytes(32).toString('hex'),
  }));
  (options.accounts ?? [{}]).forEach((account, index) => {
    core.addAccount(`account-${index + 1}`, { ...(account.balances ?? DEFAULT_BALANCES) }, startTime);
  });

  const restrictions = new Map<string, ApiRestrictions>();
  (options.accounts ?? [{}]).forEach((account, index) => {
    restrictions.set(`account-${index + 1}`, {
      ...DEFAULT_API_RESTRICTIONS,
      createTime: startTime,
      ...account.apiRestrictions,
    });
  });
  /** countdownCancelAll timers, per account and symbol (wall clock, like Binance's). */
  const countdowns = new Map<string, NodeJS.Timeout>();

  const markSentAt = new Map<string, number>();
  const tradeTapes = new Map<string, TradeTape>();
  const publishEvents = (events: readonly CoreEvent[]) => {
    for (const event of events) {
      // Own fills are not printed as aggTrades: the market's tick stream is the one numbered trade tape,
      // and a second source would break its increasing ids.
      if (event.kind === 'trade') continue;
      for (const payload of userDataEvents(event)) streams.publishUser(event.accountId, payload);
    }
  };
  /** Book update id last sent per bookTicker / diff-depth stream, and market time last sent per depth stream. */
  const bookSentId = new Map<string, number>();
  const depthSentAt = new Map<string, number>();
  /**
   * The book's streams: `bookTicker` whenever the book changed (or, without a book, on every tick),
   * partial depth every 100/250/500 ms of market time, diff depth at that speed when levels changed.
   */
  const publishBook = (time: number, onTick: boolean) => {
    for (const instrument of instruments) {
      const symbol = instrument.symbol;
      if (!watchedOf(symbol).book) continue;
      const names = streamNamesOf(symbol);
      const updateId = core.bookUpdateId(symbol);
      const tickerStream = names.bookTicker;
      if (streams.hasSubscribers(tickerStream) || streams.hasSubscribers('!bookTicker')) {
        if (instrument.book === undefined ? onTick : bookSentId.get(tickerStream) !== updateId) {
          bookSentId.set(tickerStream, updateId);
          const top = core.bookTop(symbol);
          const payload = {
            e: 'bookTicker',
            u: top.updateId,
            E: time,
            T: time,
            s: symbol,
            b: top.bidPrice,
            B: top.bidQty,
            a: top.askPrice,
            A: top.askQty,
          };
          streams.publish(tickerStream, payload);
          streams.publish('!bookTicker', payload);
        }
      }
      if (instrument.book === undefined) continue;
      for (const { diff, intervalMs, partials } of names.depth) {
        if (!streams.hasSubscribers(diff)) {
          bookSentId.delete(diff);
        } else if (time - (depthSentAt.get(diff) ?? Number.NEGATIVE_INFINITY) >= intervalMs) {
          const since = bookSentId.get(diff);
          if (since === undefined) {
            bookSentId.set(diff, updateId); // a new subscriber: diffs from now on
          } else if (since !== updateId) {
            const changes = core.bookChanges(symbol, since);
            if (changes !== undefined) {
              depthSentAt.set(diff, time);
              bookSentId.set(diff, updateId);
              streams.publish(diff, {
                e: 'depthUpdate',
                E: time,
                T: time,
                s: symbol,
                U: changes.first,
                u: changes.last,
                pu: changes.previous,
                b: changes.bids,
                a: changes.asks,
              });
            }
          }
        }
        for (const [levels, partial] of partials) {
          if (!streams.hasSubscribers(partial)) continue;
          if (time - (depthSentAt.get(partial) ?? Number.NEGATIVE_INFINITY) < intervalMs) continue;
          const previous = bookSentId.get(partial) ?? updateId;
          depthSentAt.set(partial, time);
          bookSentId.set(partial, updateId);
          const depth = core.depth(symbol, levels);
          streams.publish(partial, {
            e: 'depthUpdate',
            E: time,
            T: time,
            s: symbol,
            U: Math.min(previous + 1, updateId),
            u: updateId,
            pu: previous,
            b: depth.bids,
            a: depth.asks,
          });
        }
      }
    }
  };
  const flushCoreEvents = () => {
    publishEvents(core.drainEvents());
    publishBook(clock.now(), false);
  };

  const publishKline = (kline: Kline) => {
    const stream = streamNamesOf(kline.symbol).klines.get(kline.interval) ?? '';
    if (!streams.hasSubscribers(stream)) return;
    streams.publish(stream, {
      e: 'kline',
      E: kline.closeTime,
      s: kline.symbol,
      k: {
        t: kline.openTime,
        T: kline.closeTime,
        s: kline.symbol,
        i: kline.interval,
        f: kline.firstTradeId,
        L: kline.lastTradeId,
        o: kline.open,
        c: kline.close,
        h: kline.high,
        l: kline.low,
        v: kline.volume,
        n: kline.trades,
        x: kline.closed,
        q: kline.quoteVolume,
        V: kline.takerBuyVolume,
        Q: kline.takerBuyQuoteVolume,
        B: '0',
      },
    });
  };

  const tickerSentAt = new Map<string, number>();
  const pendingMarks = new Map<string, Record<string, unknown>>();
  let allTickersSentAt = Number.NEGATIVE_INFINITY;
  let allMarksSentAt = Number.NEGATIVE_INFINITY;
  const statsOf = (symbol: string) =>
    ticker24hOf(
      {
        core,
        marketTime: () => clock.now(),
        klines: (name, interval, range) =>
          isKlineInterval(interval) ? candles.klines(name, interval, range) : [],
      },
      symbol,
    );
  const tickerPayload = (symbol: string, time: number) => {
    const stats = statsOf(symbol);
    return {
      e: '24hrTicker',
      E: time,
      s: symbol,
      p: stats.priceChange,
      P: stats.priceChangePercent,
      w: stats.weightedAvgPrice,
      c: stats.lastPrice,
      Q: stats.lastQty,
      o: stats.openPrice,
      h: stats.highPrice,
      l: stats.lowPrice,
      v: stats.volume,
      q: stats.quoteVolume,
      O: stats.openTime,
      C: stats.closeTime,
      F: stats.firstId,
      L: stats.lastId,
      n: stats.count,
    };
  };
  const miniTickerPayload = (ticker: ReturnType<typeof tickerPayload>) => ({
    e: '24hrMiniTicker',
    E: ticker.E,
    s: ticker.s,
    c: ticker.c,
    o: ticker.o,
    h: ticker.h,
    l: ticker.l,
    v: ticker.v,
    q: ticker.q,
  });
  /** `<sym>@ticker` and `<sym>@miniTicker` every 2 s of market time, from the 24 h candles and the price. */
  const publishTickers = (symbol: string, names: SymbolStreamNames, time: number) => {
    if (!watchedOf(symbol).tickers) return;
    const wantsTicker = streams.hasSubscribers(names.ticker);
    const wantsMini = streams.hasSubscribers(names.miniTicker);
    if (time - (tickerSentAt.get(symbol) ?? Number.NEGATIVE_INFINITY) < TICKER_INTERVAL_MS) return;
    tickerSentAt.set(symbol, time);
    const ticker = tickerPayload(symbol, time);
    if (wantsTicker) streams.publish(names.ticker, ticker);
    if (wantsMini) streams.publish(names.miniTicker, miniTickerPayload(ticker));
  };
  /** `!ticker@arr`, `!miniTicker@arr` every 1 s; `!markPrice@arr[@1s]` with the marks of the last second(s). */
  const publishAllMarketArrays = (time: number | undefined) => {
    if (time === undefined) return;
    const wantsTickers = streams.hasSubscribers('!ticker@arr');
    const wantsMinis = streams.hasSubscribers('!miniTicker@arr');
    if ((wantsTickers || wantsMinis) && time - allTickersSentAt >= ALL_TICKERS_INTERVAL_MS) {
      allTickersSentAt = time;
      const tickers = instruments.map((instrument) => tickerPayload(instrument.symbol, time));
      if (wantsTickers) streams.publish('!ticker@arr', tickers);
      if (wantsMinis) streams.publish('!miniTicker@arr', tickers.map(miniTickerPayload));
    }
    if (pendingMarks.size > 0 && time - allMarksSentAt >= 1000) {
      allMarksSentAt = time;
      const marks = [...pendingMarks.values()];
      pendingMarks.clear();
      streams.publish('!markPrice@arr@1s', marks);
      if (time % 3000 < 1000) streams.publish('!markPrice@arr', marks);
    }
  };

  /** A tick's public trade: the tape `aggTrades` reads, and the trade streams someone watches. */
  const recordTrade = (
    tick: MarketTick,
    names: SymbolStreamNames,
    watching: ReturnType<typeof watchedOf>,
  ) => {
    if (tick.tradeQty !== '0') {
      const id = candles.lastTradeId(tick.symbol);
      let tape = tradeTapes.get(tick.symbol);
      if (!tape) tradeTapes.set(tick.symbol, (tape = new TradeTape(TRADE_TAPE_LENGTH)));
      tape.add(id, tick.lastPrice, tick.tradeQty, tick.time, tick.buyerIsMaker);
      if (watching.aggTrade) {
        streams.publish(names.aggTrade, {
          e: 'aggTrade',
          E: tick.time,
          s: tick.symbol,
          a: id,
          p: tick.lastPrice,
          q: tick.tradeQty,
          f: id,
          l: id,
          T: tick.time,
          m: tick.buyerIsMaker,
          nq: tick.tradeQty,
        });
      }
      if (watching.trade) {
        streams.publish(names.trade, {
          e: 'trade',
          E: tick.time,
          T: tick.time,
          s: tick.symbol,
          t: id,
          p: tick.lastPrice,
          q: tick.tradeQty,
          X: 'MARKET',
          m: tick.buyerIsMaker,
        });
      }
    }
  };

  const coalesceTicks = options.coalesceTicks === true;
  const onTicks = (ticks: readonly MarketTick[], dueUntil: number) => {
    let quiet = 0;
    for (const tick of ticks) {
      // A tick that the same move follows up: its payloads would be made moot unread, so it makes none. The
      // matching core still plays it (a stop, a fill or a liquidation happens at its own tick), unless the
      // symbol is idle (nothing to fill, trigger, mark or fund): then only the book follows the price.
      const following = tick.nextTickTime;
      if (coalesceTicks && following !== undefined && following <= dueUntil) {
        quiet += 1;
        if (core.isIdle(tick.symbol)) core.moveBook(tick.symbol, tick.lastPrice, tick.time);
        else {
          core.setFundingRate(tick.symbol, tick.fundingRate);
          core.updateMarket(tick);
        }
        recordTrade(tick, streamNamesOf(tick.symbol), watchedOf(tick.symbol));
        continue;
      }
      core.setFundingRate(tick.symbol, tick.fundingRate);
      core.updateMarket(tick);
      const names = streamNamesOf(tick.symbol);
      const watching = watchedOf(tick.symbol);
      for (const [interval, stream] of watching.klines) {
        const forming = candles.formingStreamKline(tick.symbol, interval);
        if (forming) streams.publish(stream, { e: 'kline', E: forming.T, s: tick.symbol, k: forming });
      }
      const lastMark = markSentAt.get(tick.symbol) ?? 0;
      if (tick.time - lastMark >= 1000) {
        markSentAt.set(tick.symbol, tick.time);
        const payload = {
          e: 'markPriceUpdate',
          E: tick.time,
          s: tick.symbol,
          p: tick.markPrice,
          ap: tick.markPrice,
          i: tick.indexPrice,
          P: tick.indexPrice,
          r: tick.fundingRate,
          T: core.nextFundingTime(tick.symbol),
        };
        streams.publish(names.markPrice1s, payload);
        if (tick.time % 3000 < 1000) streams.publish(names.markPrice, payload);
        if (watching.markArrays) pendingMarks.set(tick.symbol, payload);
      }
      recordTrade(tick, names, watching);
      publishTickers(tick.symbol, names, tick.time);
    }
    // A batch of quiet ticks moved no price: the arrays and the book wait for the last tick of the move.
    const moved = quiet < ticks.length;
    if (moved) publishAllMarketArrays(ticks.at(-1)?.time);
    publishEvents(core.drainEvents());
    const time = ticks.at(-1)?.time;
    if (moved && time !== undefined) publishBook(time, true);
  };

  const clock = new SimClock({ startTime, speed: options.speed ?? 1 });
  let resolveMarketEnd: (time: number) => void = () => undefined;
  const marketEnd = new Promise<number>((resolve) => (resolveMarketEnd = resolve));
  const driver = new MarketDriver({
    source,
    clock,
    candles,
    onTick: onTicks,
    onKlinesClosed: (klines) => klines.forEach(publishKline),
    onEnd: () => resolveMarketEnd(clock.now()),
  });
  // Prime the core with the first prices so orders can be priced before the first timer fires.
  driver.advanceTo(startTime);
  // The time a request or a user's action happens at, the market caught up to it first: the ticks due by now
  // (the driver polls every 50 ms of wall time, many market seconds when accelerated) are processed before
  // the order, so a fill a tick triggers is never stamped earlier than an order that came after it.
  // Binance's times only move forward; a client that orders fills by time (the bot's settlement) relies on it.
  const marketNow = (): number => driver.catchUp();

  const context: RouteContext = {
    core,
    serverTime,
    weightLimitPerMinute: () => faults.settings.weightLimitPerMinute ?? weightLimitOption,
    marketTime: marketNow,
    recentTrades: (symbol) => tradeTapes.get(symbol)?.trades() ?? [],
    klines: (symbol, interval, range) =>
      isKlineInterval(interval) ? candles.klines(symbol, interval, range) : [],
    listenKeys,
    countdownCancelAll(accountId, symbol, countdownMs) {
      const key = `${accountId}\u0000${symbol}`;
      clearTimeout(countdowns.get(key));
      countdowns.delete(key);
      if (countdownMs <= 0) return;
      const timer = setTimeout(() => {
        countdowns.delete(key);
        core.cancelAllOrders(accountId, symbol, marketNow());
        flushCoreEvents();
      }, countdownMs);
      timer.unref();
      countdowns.set(key, timer);
    },
    apiRestrictions: (accountId) => restrictions.get(accountId) ?? { ...DEFAULT_API_RESTRICTIONS },
  };
  const requests: RequestRecord[] = [];
  const lateExecutions: LateExecutionRecord[] = [];
  const reportInternalError =
    options.onInternalError ?? ((error: unknown) => console.error('bot-sim internal error:', error));
  const restHandler = createRestHandler({
    context,
    faults,
    credentials: accounts,
    afterRequest: flushCoreEvents,
    onRequest: (record) => {
      options.onRequest?.(record);
      requests.push(record);
      if (requests.length > 10_000) requests.splice(0, requests.length - 10_000);
    },
    onLateExecution: (record) => {
      lateExecutions.push(record);
      if (lateExecutions.length > 10_000) lateExecutions.splice(0, lateExecutions.length - 10_000);
    },
    onInternalError: reportInternalError,
  });
  const userActions = new UserActions({
    core,
    now: marketNow,
    random: new SeededRandom(options.seed ?? 42, 'user-actions'),
    defaultAccountId: accounts[0]?.accountId ?? '',
  });

  /** The HTTP server, unless the emulator serves only this process (`listen: false`). */
  const http: { server?: Server } = {};
  const sim: Sim = {
    url: '',
    wsUrl: '',
    port: 0,
    accounts,
    core,
    candles,
    streams,
    clock,
    requests,
    lateExecutions,
    marketEnd,
    injectFaults(settings) {
      const { partialFillRatio, rejectNextConditional, ...server } = settings;
      faults.set(server);
      if (partialFillRatio !== undefined) core.faults.partialFillRatio = partialFillRatio;
      if (rejectNextConditional !== undefined) core.faults.rejectNextConditional = rejectNextConditional;
    },
    clearFaults() {
      faults.clear();
      restHandler.forgiveRateLimits();
      delete core.faults.partialFillRatio;
      delete core.faults.rejectNextConditional;
    },
    dropStreams: (category) => streams.dropConnections(category),
    async fetch(url, init = {}) {
      const { pathname, search } = new URL(url);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, unknown>))
        headers[name.toLowerCase()] = String(value);
      const answered = await restHandler.answer({
        method: (init.method ?? 'GET').toUpperCase(),
        url: `${pathname}${search}`,
        headers,
        body: init.body === undefined || init.body === null ? '' : String(init.body),
      });
      if (answered === undefined)
        throw new TypeError('fetch failed: the emulator closed the connection without an answer');
      const { status, body } = answered;
      return {
        ok: status >= 200 && status < 300,
        status,
        statusText: STATUS_CODES[status] ?? '',
        headers: new AnswerHeaders(answered.headers),
        text: () => Promise.resolve(body),
        json: async () => JSON.parse(body) as unknown,
      };
    },
    expireListenKeys(accountId) {
      listenKeys.expireAll(accountId);
      streams.expireListenKeys();
    },
    advance(ms) {
      driver.advanceTo(clock.now() + ms);
    },
    marketTime: () => clock.now(),
    setMarketPrice(symbol, lastPrice, markPrice = lastPrice) {
      core.updateMarket({ symbol, lastPrice, markPrice, indexPrice: markPrice, time: marketNow() });
      flushCoreEvents();
    },
    autoDeleverage({ symbol, accountId = accounts[0]?.accountId ?? '', quantity }) {
      if (!core.hasAccount(accountId)) throw new Error(`unknown account ${JSON.stringify(accountId)}`);
      const order = core.autoDeleverage(accountId, symbol, marketNow(), quantity);
      flushCoreEvents();
      return order;
    },
    actAsUser(action) {
      try {
        return userActions.perform(action);
      } finally {
        flushCoreEvents();
      }
    },
    setApiRestrictions(changes, accountId = accounts[0]?.accountId ?? '') {
      const current = restrictions.get(accountId);
      if (!current) throw new Error(`unknown account ${JSON.stringify(accountId)}`);
      const next = { ...current, ...changes };
      restrictions.set(accountId, next);
      return next;
    },
    state(accountId = accounts[0]?.accountId ?? '') {
      return {
        marketTime: clock.now(),
        assets: core.assets(accountId),
        positions: core.positions(accountId).filter((position) => Number(position.positionAmt) !== 0),
        openOrders: core.openOrders(accountId),
        openAlgoOrders: core.openAlgoOrders(accountId),
        fills: core.fills(accountId),
        userEventsSent: streams.sentUserEvents.length,
      };
    },
    close: async () => {
      driver.stop();
      for (const timer of countdowns.values()) clearTimeout(timer);
      countdowns.clear();
      restHandler.close();
      await streams.close();
      const listening = http.server;
      if (!listening) return;
      await new Promise<void>((resolve) => {
        listening.close(() => resolve());
        listening.closeAllConnections();
      });
    },
  };
  if (options.listen === false) {
    Object.assign(sim, { url: 'http://in-process.bot-sim.invalid' });
    driver.start();
    return sim;
  }

  const server = createServer((request, response) => {
    if (request.url?.startsWith('/_sim/')) {
      // Never left to reject unhandled: that would take the whole process (and the caller) down.
      handleControl(sim, request, response).catch(reportInternalError);
      return;
    }
    void restHandler(request, response);
  });
  http.server = server;
  server.on('upgrade', (request, socket, head) => streams.handleUpgrade(request, socket, head));
  server.on('clientError', answerClientError);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.maxConnections = 1024;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  Object.assign(sim, { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, port });
  driver.start();
  return sim;
}
