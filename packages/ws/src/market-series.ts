import { TimerSlot } from './clock';
import type { Clock } from './clock';
import { WsError, describeError } from './errors';
import type { KlineEvent, MarketEvent, MarketEventType } from './market-events';
import type { ReplyMessage } from './messages';
import type { MarketPoller, MarketPollTarget, PollResult } from './pollers';
import type { ResilientConnection } from './resilient-connection';
import type { MarketStreamCategory } from './stream-names';

/**
 * The market stream's per-series bookkeeping, apart from its connections: which events are new (each is
 * delivered once, in order), and the REST gap fill that holds a series' klines until the closes missed
 * before them have been fetched; and the shapes of its series, connections and pending requests.
 * `MarketStream` owns them; these functions read and update them.
 */

export interface ManagedConnection {
  readonly id: string;
  readonly category: MarketStreamCategory;
  readonly connection: ResilientConnection;
  readonly streams: Set<string>;
  /** Streams confirmed by SUBSCRIBE on each socket (by socket id). */
  readonly socketStreams: Map<number, Set<string>>;
  up: boolean;
  /** Watched series that have not delivered since the socket came up. */
  awaiting: number;
}

export interface Series {
  readonly kind: MarketEventType;
  readonly symbol: string;
  readonly interval: string | undefined;
  readonly streams: Set<string>;
  connection: ManagedConnection;
  /** 0: not watched for staleness. */
  staleAfterMs: number;
  lastSeenAt: number;
  awaitingFirst: boolean;
  delivered: boolean;
  lastEventTime: number;
  lastId: number;
  lastClosedOpenTime: number;
  lastOpenTime: number;
  lastInProgress: KlineEvent | undefined;
  /**
   * Open time of the next closed kline owed to listeners: just after the last one delivered closed, or the
   * first candle seen in progress (Infinity before any). A kline opening later means closes were missed.
   */
  nextClosedOpenTime: number;
  /** Klines held, in arrival order, while REST fetches the closes missed before them. */
  heldForGapFill: HeldKline[] | undefined;
  gapFillRetry: TimerSlot | undefined;
}

export interface HeldKline {
  readonly event: KlineEvent;
  readonly fromStream: boolean;
}

export interface SymbolSeries {
  markPrice?: Series;
  bookTicker?: Series;
  aggregateTrade?: Series;
  klines?: Map<string, Series>;
}

export interface PendingRequest {
  readonly resolve: (reply: ReplyMessage) => void;
  readonly reject: (error: WsError) => void;
  readonly timer: TimerSlot;
}

/** Whether `event` is new for its series (not a duplicate or older than what was delivered); records it. */
export function acceptEvent(series: Series, event: MarketEvent): boolean {
  switch (event.type) {
    case 'markPrice':
      if (event.eventTime <= series.lastEventTime) return false;
      series.lastEventTime = event.eventTime;
      return true;
    case 'aggregateTrade':
      if (event.aggregateTradeId <= series.lastId) return false;
      series.lastId = event.aggregateTradeId;
      series.lastEventTime = event.eventTime;
      return true;
    case 'bookTicker':
      if (event.updateId <= series.lastId) return false;
      series.lastId = event.updateId;
      series.lastEventTime = event.eventTime;
      return true;
    case 'kline': {
      // A candle already delivered closed is final; older candles are history.
      if (event.openTime <= series.lastClosedOpenTime || event.openTime < series.lastOpenTime) return false;
      if (event.closed) {
        series.lastClosedOpenTime = event.openTime;
        series.nextClosedOpenTime = event.closeTime + 1;
        series.lastInProgress = undefined;
      } else {
        const last = series.lastInProgress;
        if (
          last !== undefined &&
          last.openTime === event.openTime &&
          last.eventTime === event.eventTime &&
          last.close === event.close &&
          last.volume === event.volume &&
          last.trades === event.trades
        )
          return false;
        series.lastInProgress = event;
        if (series.nextClosedOpenTime === Infinity) series.nextClosedOpenTime = event.openTime;
      }
      series.lastOpenTime = event.openTime;
      series.lastEventTime = Math.max(series.lastEventTime, event.eventTime);
      return true;
    }
  }
}

/**
 * Whether a kline waits for a gap fill: `held` behind one under way, `started` when it is the first to show
 * that closes were missed (the caller starts `fillGap`), `passed` when it can be delivered now.
 */
export function holdKline(
  series: Series,
  event: KlineEvent,
  fromStream: boolean,
): 'held' | 'started' | 'passed' {
  const held = series.heldForGapFill;
  if (held) {
    // A newer update of a held forming candle replaces it: a long REST outage holds one per candle.
    if (!event.closed) {
      const superseded = held.findIndex(
        (entry) => !entry.event.closed && entry.event.openTime === event.openTime,
      );
      if (superseded >= 0) held.splice(superseded, 1);
    }
    held.push({ event, fromStream });
    return 'held';
  }
  if (event.openTime <= series.nextClosedOpenTime) return 'passed';
  series.heldForGapFill = [{ event, fromStream }];
  return 'started';
}

/** What `fillGap` needs of the stream that owns the series. */
export interface GapFillHost {
  readonly clock: Clock;
  readonly retryMs: number;
  readonly dispatch: (event: KlineEvent, fromStream: boolean) => void;
  /** False once the feed closed or the series was unsubscribed. */
  readonly isCurrent: () => boolean;
  readonly pollTarget: (stream: string) => MarketPollTarget;
  readonly emitError: (error: WsError) => void;
}

/**
 * Fetches the closed klines missed before the held ones, delivers them, then the held ones, so every close
 * arrives once and in order. A failed fetch, or REST lagging behind the stream, is retried.
 */
export async function fillGap(series: Series, poller: MarketPoller, host: GapFillHost): Promise<void> {
  const stream = [...series.streams][0] ?? series.symbol;
  const held = series.heldForGapFill as HeldKline[];
  // A listener may close the feed or unsubscribe the series while events are dispatched.
  const abandoned = () => series.heldForGapFill !== held || !host.isCurrent();
  for (;;) {
    while (held.length > 0 && (held[0] as HeldKline).event.openTime <= series.nextClosedOpenTime) {
      if (abandoned()) return;
      const { event, fromStream } = held.shift() as HeldKline;
      host.dispatch(event, fromStream);
    }
    if (abandoned()) return;
    if (held.length === 0) {
      series.heldForGapFill = undefined;
      return;
    }
    const missedFrom = series.nextClosedOpenTime;
    const missedBefore = (held[0] as HeldKline).event.openTime;
    let result: PollResult<MarketEvent>;
    try {
      result = await poller({ reason: 'gap-fill', targets: [host.pollTarget(stream)] });
    } catch (error) {
      result = { events: [], weight: 0, errors: [error] };
    }
    if (abandoned()) return;
    const klines = result.events
      .filter(
        (event): event is KlineEvent =>
          event.type === 'kline' && event.symbol === series.symbol && event.interval === series.interval,
      )
      .sort((left, right) => left.openTime - right.openTime);
    for (const kline of klines) {
      if (abandoned()) return;
      if (kline.closed) host.dispatch(kline, false);
    }
    const errors = result.errors ?? [];
    for (const error of errors)
      host.emitError(
        new WsError('POLL_FAILED', `kline gap fill (${stream}): ${describeError(error)}`, { cause: error }),
      );
    if (series.nextClosedOpenTime > missedFrom) continue;
    // REST lists later candles but none for the gap: they never existed (as across maintenance). A poller
    // that returns no klines at all cannot fill gaps, and holding on would freeze the series.
    const nothingToWaitFor = klines.length === 0 || klines.some((kline) => kline.openTime >= missedBefore);
    if (errors.length === 0 && nothingToWaitFor) {
      series.nextClosedOpenTime = missedBefore;
      continue;
    }
    // REST failed or is behind the stream: ask again later, still holding the newer klines.
    await new Promise<void>((resolve) => {
      series.gapFillRetry ??= new TimerSlot(host.clock);
      series.gapFillRetry.set(host.retryMs, resolve);
    });
  }
}
