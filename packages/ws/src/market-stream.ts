import type { RawData } from 'ws';
import { TimerSlot, systemClock } from './clock';
import type { Clock } from './clock';
import { WsError, describeError } from './errors';
import type { FeedHealthState } from './feed-health';
import {
  defaultConnectionOptions,
  positive,
  resolveConnectionSettings,
  resolveHealthThresholds,
  trimBaseUrl,
} from './feed-options';
import { FeedSupervisor } from './feed-supervisor';
import type { PollOutcome, PollReason } from './feed-supervisor';
import { Listeners, reportListenerFailure } from './listeners';
import type { Listener } from './listeners';
import type { KlineEvent, MarketEvent, MarketEventType } from './market-events';
import type { ReplyMessage } from './messages';
import { FrameIntake } from './frame-intake';
import type { MarketStreamEvents, MarketStreamOptions, MarketStreamStats } from './market-stream-options';
import { acceptEvent, fillGap, holdKline } from './market-series';
import type { ManagedConnection, PendingRequest, Series, SymbolSeries } from './market-series';
import { parseMarketPayload } from './parse-market-message';
import type { MarketMessage } from './parse-market-message';
import type { MarketPoller, MarketPollTarget } from './pollers';
import { ResilientConnection } from './resilient-connection';
import type { ConnectionSocket, DownInfo, ReadyInfo } from './resilient-connection';
import { describeMarketStream } from './stream-names';
import type { MarketStreamCategory, MarketStreamDescriptor } from './stream-names';

export type { MarketStreamEvents, MarketStreamOptions, MarketStreamStats } from './market-stream-options';

const SUBSCRIBE_CHUNK = 100;

/**
 * Binance USDⓈ-M market streams (`/market` and `/public`) as typed events: mark price, klines, book
 * ticker and aggregate trades, over sockets that reconnect, detect silence, rotate before the 24 h cut,
 * fall back to an injected REST poller while degraded, and deliver each event once.
 */
export class MarketStream {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #options: MarketStreamOptions;
  readonly #baseUrl: string;
  readonly #maxStreamsPerConnection: number;
  readonly #staleAfterMs: Record<MarketEventType, number>;
  readonly #subscribeTimeoutMs: number;
  readonly #gapFillRetryMs: number;
  readonly #intake: FrameIntake<MarketMessage>;
  readonly #listeners: Listeners<MarketStreamEvents>;
  readonly #supervisor: FeedSupervisor;
  readonly #connections: ManagedConnection[] = [];
  readonly #streams = new Map<string, { descriptor: MarketStreamDescriptor; series: Series }>();
  readonly #bySymbol = new Map<string, SymbolSeries>();
  readonly #pending = new Map<number, PendingRequest>();
  readonly #staleTimer: TimerSlot;
  #nextRequestId = 1;
  #nextConnectionNumber = new Map<MarketStreamCategory, number>();
  #started = false;
  #closed = false;
  #dispatched = 0;
  #duplicates = 0;
  #unsubscribedEvents = 0;
  #polled = 0;
  #listenerErrors = 0;
  #retiredConnects = 0;
  #retiredRotations = 0;

  constructor(options: MarketStreamOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#baseUrl = trimBaseUrl(options.baseUrl ?? defaultConnectionOptions.baseUrl);
    this.#maxStreamsPerConnection = positive('maxStreamsPerConnection', options.maxStreamsPerConnection, 200);
    if (this.#maxStreamsPerConnection > 1024)
      throw new WsError('INVALID_OPTIONS', 'maxStreamsPerConnection must be at most 1024 (Binance limit)');
    const stale = options.staleAfterMs;
    const watched = typeof stale === 'number' ? positive('staleAfterMs', stale, 5_000, true) : 5_000;
    this.#staleAfterMs = {
      markPrice: watched,
      kline: watched,
      bookTicker: 0,
      aggregateTrade: 0,
      ...(typeof stale === 'object' ? stale : {}),
    };
    this.#subscribeTimeoutMs = positive('subscribeTimeoutMs', options.subscribeTimeoutMs, 10_000);
    this.#intake = new FrameIntake({
      feed: 'market',
      maxMessageBytes: positive(
        'maxMessageBytes',
        options.maxMessageBytes,
        defaultConnectionOptions.maxMessageBytes,
      ),
      parse: parseMarketPayload,
      onDropped: (dropped) => {
        if (this.#listeners.has('dropped')) this.#listeners.emit('dropped', dropped);
      },
    });
    this.#listeners = new Listeners<MarketStreamEvents>(
      reportListenerFailure(
        () => (this.#listenerErrors += 1),
        (error) => this.#emitError(error),
      ),
    );
    this.#staleTimer = new TimerSlot(this.#clock);
    const poller = options.poller;
    const thresholds = resolveHealthThresholds(options, 300);
    this.#gapFillRetryMs = thresholds.pollIntervalMs;
    this.#supervisor = new FeedSupervisor({
      feed: 'market',
      clock: this.#clock,
      ...thresholds,
      poll: poller ? (reason) => this.#poll(poller, reason) : undefined,
      onTransition: (transition) => this.#listeners.emit('health', transition),
      onError: (error) => this.#emitError(error),
    });
    for (const stream of options.streams ?? []) this.#register(describeMarketStream(stream));
  }

  /** The feed's health: `connecting`, `live`, `degraded`, `recovering` or `stopped`. */
  get health(): FeedHealthState {
    return this.#supervisor.state;
  }

  /** Subscribed stream names. */
  get streams(): string[] {
    return [...this.#streams.keys()];
  }

  /** Listens to one event type; returns a function that removes the listener. */
  on<K extends keyof MarketStreamEvents>(type: K, listener: Listener<MarketStreamEvents[K]>): () => void {
    return this.#listeners.on(type, listener);
  }

  off<K extends keyof MarketStreamEvents>(type: K, listener: Listener<MarketStreamEvents[K]>): void {
    this.#listeners.off(type, listener);
  }

  /** Opens the sockets. Health starts at `connecting`. */
  start(): void {
    this.#assertOpen();
    if (this.#started) return;
    this.#started = true;
    this.#supervisor.start();
    for (const managed of this.#connections) managed.connection.start();
    this.#scheduleStaleCheck();
    this.#refreshUp();
  }

  /**
   * Adds streams. On an open socket it resolves when Binance acknowledged the SUBSCRIBE (and rejects with
   * `SUBSCRIBE_FAILED` if refused); otherwise once registered: the streams are subscribed on (re)connect.
   * Rejects with `INVALID_STREAM` for names it cannot route, parse or poll.
   */
  async subscribe(streams: readonly string[]): Promise<void> {
    this.#assertOpen();
    const descriptors = streams.map(describeMarketStream);
    const added = new Map<ManagedConnection, string[]>();
    for (const descriptor of descriptors) {
      if (this.#streams.has(descriptor.stream)) continue;
      const managed = this.#register(descriptor);
      added.set(managed, [...(added.get(managed) ?? []), descriptor.stream]);
    }
    if (!this.#started) return;
    await Promise.all([...added].map(([managed, list]) => this.#subscribeLive(managed, list, true)));
  }

  /** Removes streams (UNSUBSCRIBE on the open socket); a socket left without streams is closed. */
  async unsubscribe(streams: readonly string[]): Promise<void> {
    this.#assertOpen();
    const removed = new Map<ManagedConnection, string[]>();
    for (const stream of streams) {
      const entry = this.#streams.get(stream);
      if (!entry) continue;
      this.#streams.delete(stream);
      const { series } = entry;
      const managed = series.connection;
      managed.streams.delete(stream);
      series.streams.delete(stream);
      if (series.streams.size === 0) this.#removeSeries(series);
      removed.set(managed, [...(removed.get(managed) ?? []), stream]);
    }
    await Promise.all(
      [...removed].map(async ([managed, list]) => {
        if (managed.streams.size === 0) {
          this.#connections.splice(this.#connections.indexOf(managed), 1);
          this.#retiredConnects += managed.connection.connects;
          this.#retiredRotations += managed.connection.rotations;
          await managed.connection.close();
          this.#refreshUp();
          return;
        }
        const socket = managed.connection.socket;
        if (!socket) return;
        try {
          await this.#request(socket, 'UNSUBSCRIBE', list);
          for (const stream of list) managed.socketStreams.get(socket.id)?.delete(stream);
        } catch (error) {
          this.#emitError(error as WsError);
        }
      }),
    );
  }

  /**
   * Processes one raw frame as if a socket had delivered it: for replaying recorded frames and for
   * benchmarks. Never throws.
   */
  ingest(frame: RawData | string): void {
    this.#onFrame(frame);
  }

  stats(): MarketStreamStats {
    let connects = this.#retiredConnects;
    let rotations = this.#retiredRotations;
    for (const managed of this.#connections) {
      connects += managed.connection.connects;
      rotations += managed.connection.rotations;
    }
    return {
      received: this.#intake.received,
      dispatched: this.#dispatched,
      duplicates: this.#duplicates,
      malformed: this.#intake.malformed,
      unknown: this.#intake.unknown,
      oversized: this.#intake.oversized,
      unsubscribed: this.#unsubscribedEvents,
      polled: this.#polled,
      polls: this.#supervisor.polls,
      pollFailures: this.#supervisor.pollFailures,
      connects,
      rotations,
      listenerErrors: this.#listenerErrors,
      connections: this.#connections.length,
      streams: this.#streams.size,
    };
  }

  /** Closes every socket, stops polling and timers; health becomes `stopped`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#supervisor.stop();
    this.#staleTimer.clear();
    for (const { series } of this.#streams.values()) this.#stopGapFill(series);
    for (const [id, pending] of this.#pending) {
      pending.timer.clear();
      pending.reject(new WsError('FEED_CLOSED', 'the market stream was closed'));
      this.#pending.delete(id);
    }
    await Promise.all(this.#connections.map((managed) => managed.connection.close()));
  }

  #assertOpen(): void {
    if (this.#closed) throw new WsError('FEED_CLOSED', 'the market stream was closed');
  }

  #emitError(error: WsError): void {
    this.#listeners.emit('error', error);
  }

  #register(descriptor: MarketStreamDescriptor): ManagedConnection {
    const existing = this.#streams.get(descriptor.stream);
    if (existing) return existing.series.connection;
    let series = this.#findSeries(descriptor.kind, descriptor.symbol, descriptor.interval);
    const managed = series?.connection ?? this.#connectionWithRoom(descriptor.category);
    if (!series) {
      const threshold = this.#staleAfterMs[descriptor.kind];
      series = {
        kind: descriptor.kind,
        symbol: descriptor.symbol,
        interval: descriptor.interval,
        streams: new Set(),
        connection: managed,
        staleAfterMs: threshold > 0 ? Math.max(threshold, 3 * (descriptor.cadenceMs ?? 0)) : 0,
        lastSeenAt: this.#clock.now(),
        awaitingFirst: false,
        delivered: false,
        lastEventTime: -Infinity,
        lastId: -Infinity,
        lastClosedOpenTime: -Infinity,
        lastOpenTime: -Infinity,
        lastInProgress: undefined,
        nextClosedOpenTime: Infinity,
        heldForGapFill: undefined,
        gapFillRetry: undefined,
      };
      this.#addSeries(series);
    }
    series.streams.add(descriptor.stream);
    managed.streams.add(descriptor.stream);
    this.#streams.set(descriptor.stream, { descriptor, series });
    return managed;
  }

  #findSeries(kind: MarketEventType, symbol: string, interval: string | undefined): Series | undefined {
    const entry = this.#bySymbol.get(symbol);
    if (!entry) return undefined;
    if (kind === 'kline') return entry.klines?.get(interval as string);
    return entry[kind];
  }

  #addSeries(series: Series): void {
    let entry = this.#bySymbol.get(series.symbol);
    if (!entry) {
      entry = {};
      this.#bySymbol.set(series.symbol, entry);
    }
    if (series.kind === 'kline') (entry.klines ??= new Map()).set(series.interval as string, series);
    else entry[series.kind] = series;
  }

  #removeSeries(series: Series): void {
    const entry = this.#bySymbol.get(series.symbol);
    if (!entry) return;
    if (series.kind === 'kline') entry.klines?.delete(series.interval as string);
    else delete entry[series.kind];
    this.#stopGapFill(series);
    if (series.awaitingFirst) {
      series.awaitingFirst = false;
      series.connection.awaiting -= 1;
      this.#updateConnectionUp(series.connection);
    }
  }

  #connectionWithRoom(category: MarketStreamCategory): ManagedConnection {
    const roomy = this.#connections.find(
      (managed) => managed.category === category && managed.streams.size < this.#maxStreamsPerConnection,
    );
    if (roomy) return roomy;
    const number = (this.#nextConnectionNumber.get(category) ?? 0) + 1;
    this.#nextConnectionNumber.set(category, number);
    const options = this.#options;
    const managed: ManagedConnection = {
      id: `${category}-${number}`,
      category,
      streams: new Set(),
      socketStreams: new Map(),
      up: false,
      awaiting: 0,
      connection: undefined as unknown as ResilientConnection,
    };
    const connection = new ResilientConnection({
      name: `market stream ${managed.id}`,
      url: () => `${this.#baseUrl}/${category}/ws`,
      clock: this.#clock,
      random: this.#random,
      ...resolveConnectionSettings(options),
      prepare: (socket, context) => this.#prepare(managed, socket, context.rotation),
      onMessage: (data) => this.#onFrame(data),
      onReady: (info) => this.#onReady(managed, info),
      onDown: (info) => this.#onDown(managed, info),
      onError: (error) => this.#emitError(error),
    });
    (managed as { connection: ResilientConnection }).connection = connection;
    this.#connections.push(managed);
    if (this.#started) connection.start();
    return managed;
  }

  async #prepare(managed: ManagedConnection, socket: ConnectionSocket, rotation: boolean): Promise<void> {
    if (!rotation) {
      // A fresh socket counts as up once every watched stream has delivered on it. Set before SUBSCRIBE:
      // data may arrive in the same read as the acknowledgement, before the socket is declared ready.
      const now = this.#clock.now();
      let awaiting = 0;
      for (const series of this.#seriesOf(managed)) {
        series.lastSeenAt = now;
        series.awaitingFirst = series.staleAfterMs > 0;
        if (series.awaitingFirst) awaiting += 1;
      }
      managed.awaiting = awaiting;
    }
    const confirmed = new Set<string>();
    managed.socketStreams.set(socket.id, confirmed);
    // Streams added while subscribing are picked up by the next round.
    for (;;) {
      const missing = [...managed.streams].filter((stream) => !confirmed.has(stream));
      if (missing.length === 0) return;
      const chunks: string[][] = [];
      for (let index = 0; index < missing.length; index += SUBSCRIBE_CHUNK)
        chunks.push(missing.slice(index, index + SUBSCRIBE_CHUNK));
      await Promise.all(
        chunks.map(async (chunk) => {
          const reply = await this.#request(socket, 'SUBSCRIBE', chunk, false);
          if (reply.error) {
            this.#rollback(chunk);
            this.#emitError(
              new WsError(
                'SUBSCRIBE_FAILED',
                `SUBSCRIBE ${chunk.join(', ')} refused: ${reply.error.message}`,
              ),
            );
          } else for (const stream of chunk) confirmed.add(stream);
        }),
      );
    }
  }

  async #subscribeLive(
    managed: ManagedConnection,
    streams: string[],
    rejectOnRefusal: boolean,
  ): Promise<void> {
    const socket = managed.connection.socket;
    if (!socket) return;
    const confirmed = managed.socketStreams.get(socket.id);
    const missing = streams.filter((stream) => managed.streams.has(stream) && !confirmed?.has(stream));
    if (missing.length === 0) return;
    let reply: ReplyMessage;
    try {
      reply = await this.#request(socket, 'SUBSCRIBE', missing, false);
    } catch (error) {
      // No answer: the socket is suspect. Replace it; the streams are subscribed again on reconnect.
      managed.connection.restart('subscribe-failed', describeError(error));
      if (rejectOnRefusal) throw error;
      return;
    }
    if (reply.error) {
      this.#rollback(missing);
      const error = new WsError(
        'SUBSCRIBE_FAILED',
        `SUBSCRIBE ${missing.join(', ')} refused: ${reply.error.message}`,
      );
      if (rejectOnRefusal) throw error;
      this.#emitError(error);
      return;
    }
    for (const stream of missing) confirmed?.add(stream);
  }

  #rollback(streams: readonly string[]): void {
    for (const stream of streams) {
      const entry = this.#streams.get(stream);
      if (!entry) continue;
      this.#streams.delete(stream);
      entry.series.connection.streams.delete(stream);
      entry.series.streams.delete(stream);
      if (entry.series.streams.size === 0) this.#removeSeries(entry.series);
    }
  }

  /** Sends a request and waits for its reply; rejects on timeout. With `rejectOnError`, error replies reject too. */
  #request(
    socket: ConnectionSocket,
    method: string,
    params: readonly string[],
    rejectOnError = true,
  ): Promise<ReplyMessage> {
    const id = this.#nextRequestId++;
    return new Promise<ReplyMessage>((resolve, reject) => {
      const timer = new TimerSlot(this.#clock);
      timer.set(this.#subscribeTimeoutMs, () => {
        this.#pending.delete(id);
        reject(
          new WsError('SUBSCRIBE_FAILED', `${method} got no answer within ${this.#subscribeTimeoutMs} ms`),
        );
      });
      this.#pending.set(id, {
        resolve: (reply) => {
          if (rejectOnError && reply.error) {
            reject(new WsError('SUBSCRIBE_FAILED', `${method} refused: ${reply.error.message}`));
          } else resolve(reply);
        },
        reject,
        timer,
      });
      socket.send(JSON.stringify({ method, params, id }));
    });
  }

  #onReady(managed: ManagedConnection, info: ReadyInfo): void {
    const now = this.#clock.now();
    for (const socketId of managed.socketStreams.keys())
      if (socketId !== info.socketId) managed.socketStreams.delete(socketId);
    if (info.rotated) {
      this.#listeners.emit('connection', {
        feed: 'market',
        connectionId: managed.id,
        state: 'rotated',
        cause: undefined,
        reason: 'replaced before the 24 h cut',
        at: now,
      });
    }
    const missing = [...managed.streams];
    if (missing.length > 0) void this.#subscribeLive(managed, missing, false);
    this.#updateConnectionUp(managed);
  }

  #onDown(managed: ManagedConnection, info: DownInfo): void {
    const wasUp = managed.up;
    managed.up = false;
    if (wasUp)
      this.#listeners.emit('connection', {
        feed: 'market',
        connectionId: managed.id,
        state: 'down',
        cause: info.cause,
        reason: info.reason,
        at: this.#clock.now(),
      });
    this.#supervisor.down(info);
  }

  #updateConnectionUp(managed: ManagedConnection): void {
    const up = managed.connection.isReady && managed.awaiting <= 0;
    if (up === managed.up) return;
    managed.up = up;
    if (!up) return;
    this.#listeners.emit('connection', {
      feed: 'market',
      connectionId: managed.id,
      state: 'up',
      cause: undefined,
      reason: 'subscribed and delivering',
      at: this.#clock.now(),
    });
    this.#refreshUp();
  }

  #refreshUp(): void {
    if (!this.#started || this.#closed) return;
    if (this.#connections.every((managed) => managed.up)) this.#supervisor.up();
  }

  *#seriesOf(managed: ManagedConnection): Generator<Series> {
    const seen = new Set<Series>();
    for (const stream of managed.streams) {
      const series = this.#streams.get(stream)?.series;
      if (series && !seen.has(series)) {
        seen.add(series);
        yield series;
      }
    }
  }

  #scheduleStaleCheck(): void {
    const thresholds = Object.values(this.#staleAfterMs).filter((value) => value > 0);
    if (thresholds.length === 0) return;
    const every = Math.min(1_000, Math.max(100, Math.min(...thresholds) / 5));
    this.#staleTimer.set(every, () => {
      this.#checkStale();
      this.#scheduleStaleCheck();
    });
  }

  #checkStale(): void {
    const now = this.#clock.now();
    for (const managed of this.#connections) {
      if (!managed.connection.isReady) continue;
      for (const series of this.#seriesOf(managed)) {
        if (series.staleAfterMs === 0) continue;
        const silentFor = now - series.lastSeenAt;
        if (silentFor <= series.staleAfterMs) continue;
        const stream = [...series.streams][0] ?? series.symbol;
        managed.connection.restart(
          'stale',
          `${stream} silent for ${silentFor} ms (threshold ${series.staleAfterMs} ms) while the socket is open`,
          series.lastSeenAt,
        );
        break;
      }
    }
  }

  #pollTarget(series: Series, stream: string): MarketPollTarget {
    // Before the first close, the closes owed start at the first candle seen in progress.
    const closedBefore = Number.isFinite(series.lastClosedOpenTime)
      ? series.lastClosedOpenTime
      : series.nextClosedOpenTime - 1;
    return {
      stream,
      kind: series.kind,
      symbol: series.symbol,
      interval: series.interval,
      lastEventTime: series.delivered ? series.lastEventTime : undefined,
      lastId: Number.isFinite(series.lastId) ? series.lastId : undefined,
      lastClosedOpenTime: Number.isFinite(closedBefore) ? closedBefore : undefined,
    };
  }

  async #poll(poller: MarketPoller, reason: PollReason): Promise<PollOutcome> {
    const targets: MarketPollTarget[] = [];
    const seen = new Set<Series>();
    for (const { descriptor, series } of this.#streams.values()) {
      if (seen.has(series)) continue;
      seen.add(series);
      targets.push(this.#pollTarget(series, descriptor.stream));
    }
    if (targets.length === 0) return { weight: 0, complete: true };
    const result = await poller({ reason, targets });
    if (this.#closed) return { weight: result.weight, complete: false };
    for (const event of result.events) this.#deliver(event, false);
    for (const error of result.errors ?? [])
      this.#emitError(
        new WsError('POLL_FAILED', `market poll (${reason}): ${describeError(error)}`, { cause: error }),
      );
    return { weight: result.weight, complete: (result.errors?.length ?? 0) === 0 };
  }

  #onFrame(data: RawData | string): void {
    const message = this.#intake.read(data);
    if (message === undefined) return;
    if (message.type === 'reply') {
      const id = typeof message.id === 'number' ? message.id : Number(message.id);
      const pending = this.#pending.get(id);
      if (!pending) return;
      this.#pending.delete(id);
      pending.timer.clear();
      pending.resolve(message);
      return;
    }
    this.#deliver(message, true);
  }

  /** Routes an event to its series. Stream events also feed the staleness watch. */
  #deliver(event: MarketEvent, fromStream: boolean): void {
    const entry = this.#bySymbol.get(event.symbol);
    const series =
      entry === undefined
        ? undefined
        : event.type === 'kline'
          ? entry.klines?.get(event.interval)
          : entry[event.type];
    if (series === undefined) {
      this.#unsubscribedEvents += 1;
      return;
    }
    if (fromStream) {
      series.lastSeenAt = this.#clock.now();
      if (series.awaitingFirst) {
        series.awaitingFirst = false;
        series.connection.awaiting -= 1;
        if (series.connection.awaiting <= 0) this.#updateConnectionUp(series.connection);
      }
    }
    if (event.type === 'kline' && this.#holdForGapFill(series, event, fromStream)) return;
    this.#dispatch(series, event, fromStream);
  }

  /** De-duplicates within the series and emits. */
  #dispatch(series: Series, event: MarketEvent, fromStream: boolean): void {
    if (!acceptEvent(series, event)) {
      this.#duplicates += 1;
      return;
    }
    series.delivered = true;
    this.#dispatched += 1;
    if (!fromStream) this.#polled += 1;
    this.#emit(event);
  }

  #emit(event: MarketEvent): void {
    switch (event.type) {
      case 'markPrice':
        return this.#listeners.emit('markPrice', event);
      case 'aggregateTrade':
        return this.#listeners.emit('aggregateTrade', event);
      case 'bookTicker':
        return this.#listeners.emit('bookTicker', event);
      case 'kline':
        return this.#listeners.emit('kline', event);
    }
  }

  /**
   * Holds a kline that shows closes were missed (a socket blip, a late poll), and every later one of its
   * series, until REST has delivered the missed closes. Without a poller there is nothing to fetch them with.
   */
  #holdForGapFill(series: Series, event: KlineEvent, fromStream: boolean): boolean {
    const poller = this.#options.poller;
    if (poller === undefined) return false;
    const held = holdKline(series, event, fromStream);
    if (held === 'started') {
      void fillGap(series, poller, {
        clock: this.#clock,
        retryMs: this.#gapFillRetryMs,
        dispatch: (kline, fromStream) => this.#dispatch(series, kline, fromStream),
        isCurrent: () => this.#isCurrent(series),
        pollTarget: (stream) => this.#pollTarget(series, stream),
        emitError: (error) => this.#emitError(error),
      });
    }
    return held !== 'passed';
  }

  #stopGapFill(series: Series): void {
    series.heldForGapFill = undefined;
    series.gapFillRetry?.clear();
  }

  #isCurrent(series: Series): boolean {
    return !this.#closed && this.#findSeries(series.kind, series.symbol, series.interval) === series;
  }
}
