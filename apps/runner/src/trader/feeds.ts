import { fromExchangeId, toExchangeId } from '@bot/symbols';
import {
  MarketStream,
  UserDataStream,
  createBinanceListenKeyApi,
  createBinanceMarketPoller,
  createBinanceUserDataPoller,
  klineStream,
  markPriceStream,
  parseMarketPayload,
  parseUserDataPayload,
} from '@bot/ws';
import type { FeedHealthState, HealthTransition, KlineEvent, KlineInterval, MarkPriceEvent } from '@bot/ws';
import { playbookForFeed } from '../playbooks';
import { applyAccountEvent, reviewAccount, settleDue, streamTrusted, sweepAccount } from './account-watch';
import { sampleEquity } from './console-view';
import type { TraderContext } from './context';
import { onSignal, startSettingsRead } from './entries';
import { InProcessBatch } from './in-process-batch';
import { settle } from './settlement';

/** The playbook each feed problem maps to (see `bot playbook`), from the playbook table. */
const FEED_PLAYBOOK = playbookForFeed('degraded').id;
const LISTEN_KEY_PLAYBOOK = playbookForFeed('listenKeyExpired').id;

/**
 * The market and user-data payloads of an exchange in this process (`bot backtest`'s emulator), as its
 * sockets would send them (Binance's JSON, as objects), without a socket: each call subscribes and returns
 * the unsubscribe.
 */
export interface InProcessFeeds {
  market(streams: readonly string[], deliver: (stream: string, payload: unknown) => void): () => void;
  userData(deliver: (payload: Record<string, unknown>) => void): () => void;
  /**
   * Whether the exchange withholds user-data events now (the emulator's stale-stream fault). Otherwise it
   * delivers every account event synchronously as it happens: no socket between, so the stream cannot stay
   * open and fall silent, and the per-candle position read that guards a socket's stream is not made.
   */
  userDataWithheld(): boolean;
}

/** What the trader keeps of a feed: its health, and closing it. */
export interface FeedHandle {
  readonly health: FeedHealthState;
  close(): Promise<void>;
}

/** The market streams the trader reads: each symbol's klines of the timeframe and its mark price. */
function marketStreams(context: TraderContext): string[] {
  const interval = context.config.strategy.timeframe as KlineInterval;
  // The mark price every second: the entry's PRICE_MOVED check and the equity's unrealized PnL read it
  // instead of asking REST (see docs/ARCHITECTURE.md "What the streams answer").
  return context.config.symbols.flatMap((symbol) => [
    klineStream(toExchangeId(symbol), interval),
    markPriceStream(toExchangeId(symbol)),
  ]);
}

/**
 * Opens the market stream (closed candles → strategy) and the user-data stream (every event → the account
 * state), each degrading to REST polling on its own; or, for an exchange in this process, listens to it.
 */
export function startFeeds(context: TraderContext): void {
  const { rest, wsBaseUrl, feeds = {}, inProcessFeeds } = context.options;
  if (inProcessFeeds) {
    listenInProcess(context, inProcessFeeds);
    return;
  }
  const market = new MarketStream({
    baseUrl: wsBaseUrl,
    streams: marketStreams(context),
    poller: createBinanceMarketPoller({ request: rest }),
    // A kline stream sends an update every ~250 ms while trading; 1m candles may still be quiet at night.
    // The mark stream is judged as patiently: a stale mark only sends its readers to REST (`freshMark`).
    staleAfterMs: {
      kline: feeds.klineStaleAfterMs ?? 60_000,
      markPrice: feeds.klineStaleAfterMs ?? 60_000,
    },
    degradeAfterMs: feeds.degradeAfterMs,
    recoverAfterMs: feeds.recoverAfterMs,
  });
  market.on('kline', (event) => onKline(context, event));
  market.on('markPrice', (event) => onMarkPrice(context, event));
  market.on('health', (transition) => onHealth(context, transition));
  market.on('error', (error) => context.log.warn({ code: error.code }, `market feed: ${error.message}`));
  const userData = new UserDataStream({
    baseUrl: wsBaseUrl,
    listenKeys: createBinanceListenKeyApi(rest),
    poller: createBinanceUserDataPoller({ request: rest, symbols: context.config.symbols.map(toExchangeId) }),
    degradeAfterMs: feeds.degradeAfterMs,
    recoverAfterMs: feeds.recoverAfterMs,
  });
  userData.on('orderUpdate', (event) => applyAccountEvent(context, event));
  userData.on('algoUpdate', (event) => applyAccountEvent(context, event));
  userData.on('accountUpdate', (event) => applyAccountEvent(context, event));
  userData.on('accountConfigUpdate', (event) => applyAccountEvent(context, event));
  userData.on('listenKeyExpired', () => {
    context.log.warn(
      { playbook: LISTEN_KEY_PLAYBOOK },
      `playbook ${LISTEN_KEY_PLAYBOOK}: the listenKey expired; a new one is created and the gap is read over REST`,
    );
    context.recordLater({
      action: 'feed.degraded',
      lens: 'Feed',
      why: 'listenKey expired: a new one is created and the gap is read over REST',
      risk: { playbook: LISTEN_KEY_PLAYBOOK },
    });
  });
  userData.on('health', (transition) => onHealth(context, transition));
  userData.on('error', (error) => context.log.warn({ code: error.code }, `user-data feed: ${error.message}`));
  context.market = market;
  context.userData = userData;
  market.start();
  userData.start();
}

/**
 * The feeds of an exchange in this process: the same events through the same handlers, parsed from the same
 * payloads by @bot/ws, without sockets, listenKeys or polling. They arrive one turn of the event loop after
 * the exchange sent them, in order, as frames read off a socket would (`InProcessBatch`).
 */
function listenInProcess(context: TraderContext, source: InProcessFeeds): void {
  const batch = new InProcessBatch();
  const onMarket = (payload: unknown) => {
    const event = parseMarketPayload(payload);
    if (event.type === 'kline') onKline(context, event);
    else if (event.type === 'markPrice') onMarkPrice(context, event);
    else if (event.type === 'malformed') context.log.warn(`market feed: malformed payload (${event.reason})`);
  };
  const onUserData = (payload: unknown) => {
    const event = parseUserDataPayload(payload);
    if (
      event.type === 'orderUpdate' ||
      event.type === 'algoUpdate' ||
      event.type === 'accountUpdate' ||
      event.type === 'accountConfigUpdate'
    )
      applyAccountEvent(context, event);
    else if (event.type === 'malformed')
      context.log.warn(`user-data feed: malformed payload (${event.reason})`);
  };
  const stopMarket = source.market(marketStreams(context), (stream, payload) =>
    batch.addMarket(stream, payload, onMarket),
  );
  const stopUserData = source.userData((payload) => batch.add(onUserData, payload));
  const feed = (stop: () => void): FeedHandle => {
    let health: FeedHealthState = 'live';
    return {
      get health() {
        return health;
      },
      close() {
        stop();
        health = 'stopped';
        return Promise.resolve();
      },
    };
  };
  context.market = feed(stopMarket);
  context.userData = feed(stopUserData);
  // What a user-data stream's first `live` does (see onHealth): the account read once over REST.
  void context
    .enqueue(async () => {
      await sweepAccount(context, 'user-data feed live (in process)');
      await reviewAccount(context);
    })
    .catch(() => undefined); // logged and acted on by the queue
}

function onMarkPrice(context: TraderContext, event: MarkPriceEvent): void {
  const symbol = fromExchangeIdOrUndefined(event.symbol);
  if (symbol === undefined) return;
  const known = context.marks.get(symbol);
  if (!known || known.time <= event.eventTime)
    context.marks.set(symbol, { price: event.markPrice, time: event.eventTime });
}

export function feedHealth(context: TraderContext): Record<string, FeedHealthState> {
  return {
    market: context.market?.health ?? 'stopped',
    userData: context.userData?.health ?? 'stopped',
  };
}

function onHealth(context: TraderContext, transition: HealthTransition): void {
  // The stream replays nothing: what happened before it was live (between the start-up sweep and its first
  // connection, or while it reconnected) is read over REST once it is, or a position opened or closed in
  // that gap stays unknown until the periodic sweep.
  if (transition.feed === 'userData' && transition.to === 'live') {
    void context
      .enqueue(async () => {
        await sweepAccount(context, `user-data stream live (${transition.cause})`);
        await reviewAccount(context);
      })
      .catch(() => undefined); // logged and acted on by the queue
  }
  const degraded = transition.to === 'degraded';
  const fields = { feed: transition.feed, from: transition.from, to: transition.to, cause: transition.cause };
  if (degraded) {
    context.log.warn(
      { ...fields, playbook: FEED_PLAYBOOK },
      `playbook ${FEED_PLAYBOOK}: ${transition.feed} feed degraded (${transition.reason}); polling REST`,
    );
  } else {
    context.log.info(
      fields,
      `${transition.feed} feed ${transition.from} → ${transition.to}: ${transition.reason}`,
    );
  }
  context.recordLater({
    action: degraded ? 'feed.degraded' : transition.to === 'live' ? 'feed.restored' : 'feed.transition',
    lens: 'Feed',
    why: `${transition.feed} ${transition.from} → ${transition.to} (${transition.cause}): ${transition.reason}`,
    risk: { ...fields, playbook: degraded ? FEED_PLAYBOOK : null },
  });
}

function onKline(context: TraderContext, event: KlineEvent): void {
  // The market clock moves with every update, closed or not: a signal ages by it even while the queue waits.
  context.marketClock = Math.max(context.marketClock, event.eventTime);
  if (!event.closed) return;
  const symbol = fromExchangeId(event.symbol);
  // The strategy weighs each closed candle once, in order, as its frame arrives: it reads no account state,
  // so it need not wait in the queue. A signal that may become an entry starts its symbol's settings read at
  // once, and the read travels while the queue finishes what is ahead of it (a close on the same tick), the
  // sockets are read, the trades settled and the guard asked.
  if (event.closeTime <= (context.candleWeighed.get(symbol) ?? context.lastCandle.get(symbol) ?? 0)) return;
  context.candleWeighed.set(symbol, event.closeTime);
  const signal = context.strategies.get(symbol)?.onCandle({
    openTime: event.openTime,
    open: Number(event.open),
    high: Number(event.high),
    low: Number(event.low),
    close: Number(event.close),
  });
  const settings = signal ? startSettingsRead(context, signal, event.closeTime) : undefined;
  void context.enqueue(async () => {
    context.marketTime = Math.max(context.marketTime, event.closeTime);
    // Every frame already on the sockets is read first: the user-data events the exchange sent with this
    // candle (an exit at the same instant) are in the account state before it is weighed. One turn of the
    // event loop: the poll phase reads every readable socket before `setImmediate` runs. undici writes a
    // request on a kept-alive socket from a `setImmediate` of its own: while the settings read has not left,
    // a second turn lets its bytes go before the checks below keep the thread busy.
    await nextTurn();
    if (settings !== undefined) await nextTurn();
    // Every open trade before any decision: a close must count before the next entry is weighed. While the
    // user-data stream is live and the account in sync, the account state says which trades need REST
    // (position gone or flipped, or no stop covering it: `settleDue`); otherwise every trade is settled
    // over REST each candle, the backstop for a missed or late exit event. A settle that fails (the
    // exchange erring) leaves its close owed; the candle still counts, and no entry is weighed while a
    // close is owed (see entries.ts).
    const trusted = streamTrusted(context);
    for (const trade of [...context.trades.values()]) {
      if (trusted && !settleDue(context, trade)) continue;
      await settle(context, trade.symbol).catch((error: unknown) =>
        context.settleFailed(trade.symbol, error),
      );
    }
    if (context.ignoredSymbols.has(symbol)) {
      context.log.warn(
        { symbol, playbook: 'foreign-position' },
        `${symbol} holds a position the bot did not open (policy ignore-symbol): not trading it`,
      );
    }
    context.lastCandle.set(symbol, event.closeTime);
    sampleEquity(context, event.closeTime);
    try {
      if (signal) await onSignal(context, signal, event.closeTime, settings);
    } finally {
      for (const wake of context.waiters) wake();
      context.waiters.clear();
    }
    if (
      trusted &&
      context.trades.size > 0 &&
      userDataCanFallSilent(context) &&
      event.closeTime > (positionsChecked.get(context) ?? 0)
    ) {
      positionsChecked.set(context, event.closeTime);
      // Queued after the turn that reads the sockets: the other symbols' candles of this close, already on
      // them, are weighed before this read, not a round trip later. A failure is logged by the queue.
      const check = () => void context.enqueue(() => checkPositions(context)).catch(() => undefined);
      setImmediate(check);
    }
  });
}

/** One turn of the event loop: the poll phase reads every readable socket before `setImmediate` runs. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A user-data stream on a socket can stay open and fall silent; the events of an exchange in this process
 * cannot go missing unless it says it withholds them (`InProcessFeeds.userDataWithheld`).
 */
function userDataCanFallSilent(context: TraderContext): boolean {
  const inProcess = context.options.inProcessFeeds;
  return inProcess === undefined || inProcess.userDataWithheld();
}

/** The last candle close after which the positions were read (`checkPositions`), per trader. */
const positionsChecked = new WeakMap<TraderContext, number>();

/**
 * The backstop behind a live stream, after the candle's decision (off the order's path): one read of every
 * position (weight 5) per candle close while trades are open. A stream can stay open and fall silent; a
 * close it never reported would otherwise wait for the next full sweep (`execution.accountSweepMs`) before
 * the guard counts it. A trade whose position the exchange no longer holds is settled over REST at once.
 */
async function checkPositions(context: TraderContext): Promise<void> {
  const positions = await context.exchange.fetchPositions();
  for (const trade of [...context.trades.values()]) {
    if (trade.closing !== undefined) continue;
    if (positions.some((position) => position.symbol === trade.symbol && position.side === trade.side))
      continue;
    if (context.account.positions.get(trade.symbol)?.side === trade.side) {
      context.log.warn(
        { symbol: trade.symbol, playbook: 'ws-degraded' },
        `${trade.symbol}: the exchange holds no ${trade.side} position any more, which the user-data stream did not report; settling it over REST`,
      );
    }
    await settle(context, trade.symbol).catch((error: unknown) => context.settleFailed(trade.symbol, error));
  }
}

function fromExchangeIdOrUndefined(exchangeId: string): string | undefined {
  try {
    return fromExchangeId(exchangeId);
  } catch {
    return undefined;
  }
}
