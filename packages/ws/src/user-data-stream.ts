import type { RawData } from 'ws';
import { TimerSlot, systemClock } from './clock';
import type { Clock } from './clock';
import { WsError, describeError, isListenKeyMissingError } from './errors';
import type { CommonFeedEvents, FeedStats } from './feed-events';
import type { FeedHealthState } from './feed-health';
import {
  defaultConnectionOptions,
  positive,
  resolveConnectionSettings,
  resolveHealthThresholds,
  trimBaseUrl,
} from './feed-options';
import type { ConnectionOptions } from './feed-options';
import { FeedSupervisor } from './feed-supervisor';
import type { PollOutcome, PollReason } from './feed-supervisor';
import { Listeners, reportListenerFailure } from './listeners';
import type { Listener } from './listeners';
import { FrameIntake } from './frame-intake';
import { parseUserDataPayload } from './parse-user-data-message';
import type { UserDataMessage } from './parse-user-data-message';
import { normalizeDecimal } from './payload-fields';
import type { ListenKeyApi, UserDataPoller } from './pollers';
import { RecentKeys } from './recent-keys';
import { ResilientConnection } from './resilient-connection';
import type { DownInfo, ReadyInfo } from './resilient-connection';
import type {
  AccountConfigUpdateEvent,
  AccountUpdateEvent,
  AlgoUpdateEvent,
  ListenKeyExpiredEvent,
  MarginCallEvent,
  OrderUpdateEvent,
  TradeLiteEvent,
  UserDataEvent,
} from './user-data-events';

export interface UserDataStreamEvents extends CommonFeedEvents {
  orderUpdate: OrderUpdateEvent;
  accountUpdate: AccountUpdateEvent;
  algoUpdate: AlgoUpdateEvent;
  tradeLite: TradeLiteEvent;
  marginCall: MarginCallEvent;
  accountConfigUpdate: AccountConfigUpdateEvent;
  listenKeyExpired: ListenKeyExpiredEvent;
}

export interface UserDataStreamOptions extends ConnectionOptions {
  /** listenKey create / keepalive (see `createBinanceListenKeyApi`). */
  readonly listenKeys: ListenKeyApi;
  /** REST fallback while degraded and gap fill after reconnects (see `createBinanceUserDataPoller`). */
  readonly poller?: UserDataPoller;
  /** Binance event names to receive (`events=` allow-list, e.g. `['ORDER_TRADE_UPDATE']`); default all. */
  readonly events?: readonly string[];
  /** listenKey keepalive interval (20 minutes; keys expire after 60). */
  readonly keepAliveIntervalMs?: number;
  /** Event keys remembered for de-duplication (50 000). */
  readonly deduplicationCapacity?: number;
  /** DELETE the listenKey on `close()` (false: other clients of the account share the key). */
  readonly closeListenKeyOnClose?: boolean;
}

/** Events tracked per account entry to keep REST snapshots from repeating what was delivered. */
interface TrackedPosition {
  readonly amount: string;
  readonly entryPrice: string;
}

/**
 * The Binance USDⓈ-M user-data stream (`/private/ws?listenKey=`) as typed events, with the listenKey kept
 * alive, recreated on `listenKeyExpired` or -1125, the socket kept up like the market streams, an injected
 * REST poller while degraded and to fill the gap after every reconnect, and every event delivered once.
 */
export class UserDataStream {
  readonly #clock: Clock;
  readonly #options: UserDataStreamOptions;
  readonly #baseUrl: string;
  readonly #keepAliveIntervalMs: number;
  readonly #intake: FrameIntake<UserDataMessage>;
  readonly #listeners: Listeners<UserDataStreamEvents>;
  readonly #supervisor: FeedSupervisor;
  readonly #connection: ResilientConnection;
  readonly #keepAliveTimer: TimerSlot;
  readonly #seen: RecentKeys;
  readonly #balances = new Map<string, string>();
  readonly #positions = new Map<string, TrackedPosition>();
  #listenKey: string | undefined;
  #socketUp = false;
  #baseline: Promise<void> | undefined;
  #started = false;
  #closed = false;
  #dispatched = 0;
  #duplicates = 0;
  #polled = 0;
  #listenerErrors = 0;

  constructor(options: UserDataStreamOptions) {
    if (
      !options ||
      typeof options.listenKeys?.create !== 'function' ||
      typeof options.listenKeys.keepAlive !== 'function'
    )
      throw new WsError('INVALID_OPTIONS', 'listenKeys { create, keepAlive } is required');
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#baseUrl = trimBaseUrl(options.baseUrl ?? defaultConnectionOptions.baseUrl);
    this.#keepAliveIntervalMs = positive('keepAliveIntervalMs', options.keepAliveIntervalMs, 20 * 60_000);
    if (this.#keepAliveIntervalMs >= 60 * 60_000)
      throw new WsError(
        'INVALID_OPTIONS',
        'keepAliveIntervalMs must be well under the 60-minute listenKey expiry',
      );
    this.#intake = new FrameIntake({
      feed: 'userData',
      maxMessageBytes: positive(
        'maxMessageBytes',
        options.maxMessageBytes,
        defaultConnectionOptions.maxMessageBytes,
      ),
      parse: parseUserDataPayload,
      onDropped: (dropped) => {
        if (this.#listeners.has('dropped')) this.#listeners.emit('dropped', dropped);
      },
    });
    this.#seen = new RecentKeys(positive('deduplicationCapacity', options.deduplicationCapacity, 50_000));
    this.#listeners = new Listeners<UserDataStreamEvents>(
      reportListenerFailure(
        () => (this.#listenerErrors += 1),
        (error) => this.#emitError(error),
      ),
    );
    this.#keepAliveTimer = new TimerSlot(this.#clock);
    const poller = options.poller;
    this.#supervisor = new FeedSupervisor({
      feed: 'userData',
      clock: this.#clock,
      ...resolveHealthThresholds(options, 600),
      poll: poller ? (reason) => this.#poll(poller, reason) : undefined,
      onTransition: (transition) => this.#listeners.emit('health', transition),
      onError: (error) => this.#emitError(error),
    });
    const events = options.events?.length
      ? `&events=${options.events.map(encodeURIComponent).join('/')}`
      : '';
    this.#connection = new ResilientConnection({
      name: 'user-data stream',
      url: async () =>
        `${this.#baseUrl}/private/ws?listenKey=${encodeURIComponent(await this.#obtainListenKey())}${events}`,
      clock: this.#clock,
      random: options.random ?? Math.random,
      ...resolveConnectionSettings(options),
      onMessage: (data) => this.#onFrame(data),
      onReady: (info) => this.#onReady(info),
      onDown: (info) => this.#onDown(info),
      onError: (error) => this.#emitError(error),
    });
  }

  get health(): FeedHealthState {
    return this.#supervisor.state;
  }

  /** The listenKey in use (undefined before the first one is created). */
  get listenKey(): string | undefined {
    return this.#listenKey;
  }

  on<K extends keyof UserDataStreamEvents>(type: K, listener: Listener<UserDataStreamEvents[K]>): () => void {
    return this.#listeners.on(type, listener);
  }

  off<K extends keyof UserDataStreamEvents>(type: K, listener: Listener<UserDataStreamEvents[K]>): void {
    this.#listeners.off(type, listener);
  }

  /** Creates the listenKey and opens the socket. Health starts at `connecting`. */
  start(): void {
    if (this.#closed) throw new WsError('FEED_CLOSED', 'the user-data stream was closed');
    if (this.#started) return;
    this.#started = true;
    this.#supervisor.start();
    this.#connection.start();
  }

  /** Processes one raw frame as if the socket had delivered it (replay, tests). Never throws. */
  ingest(frame: RawData | string): void {
    this.#onFrame(frame);
  }

  stats(): FeedStats {
    return {
      received: this.#intake.received,
      dispatched: this.#dispatched,
      duplicates: this.#duplicates,
      malformed: this.#intake.malformed,
      unknown: this.#intake.unknown,
      oversized: this.#intake.oversized,
      polled: this.#polled,
      polls: this.#supervisor.polls,
      pollFailures: this.#supervisor.pollFailures,
      connects: this.#connection.connects,
      rotations: this.#connection.rotations,
      listenerErrors: this.#listenerErrors,
    };
  }

  /** Closes the socket and stops keepalives and polling; health becomes `stopped`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#supervisor.stop();
    this.#keepAliveTimer.clear();
    await this.#connection.close();
    const key = this.#listenKey;
    if (this.#options.closeListenKeyOnClose && key && this.#options.listenKeys.close) {
      try {
        await this.#options.listenKeys.close(key);
      } catch (error) {
        this.#emitError(
          new WsError('LISTEN_KEY_FAILED', `closing the listenKey: ${describeError(error)}`, {
            cause: error,
          }),
        );
      }
    }
  }

  #emitError(error: WsError): void {
    this.#listeners.emit('error', error);
  }

  async #obtainListenKey(): Promise<string> {
    let key: string;
    try {
      // POST returns the active key (extending it) or a new one: always safe before (re)connecting.
      key = await this.#options.listenKeys.create();
    } catch (error) {
      throw new WsError('LISTEN_KEY_FAILED', `creating the listenKey: ${describeError(error)}`, {
        cause: error,
      });
    }
    if (typeof key !== 'string' || key === '')
      throw new WsError('LISTEN_KEY_FAILED', 'create() gave no listenKey');
    this.#listenKey = key;
    if (!this.#closed) this.#scheduleKeepAlive(this.#keepAliveIntervalMs);
    return key;
  }

  #scheduleKeepAlive(delayMs: number): void {
    this.#keepAliveTimer.set(delayMs, () => void this.#keepAlive());
  }

  async #keepAlive(): Promise<void> {
    const key = this.#listenKey;
    if (this.#closed || key === undefined) return;
    try {
      await this.#options.listenKeys.keepAlive(key);
      if (!this.#closed && !this.#keepAliveTimer.pending) this.#scheduleKeepAlive(this.#keepAliveIntervalMs);
    } catch (error) {
      if (this.#closed) return;
      this.#emitError(
        new WsError('KEEPALIVE_FAILED', `listenKey keepalive: ${describeError(error)}`, { cause: error }),
      );
      if (isListenKeyMissingError(error)) {
        // The key is gone: the socket will hear nothing more. Reconnect with a new key; the gap is polled.
        this.#listenKey = undefined;
        this.#connection.restart(
          'listen-key-expired',
          'keepalive answered -1125: the listenKey no longer exists',
        );
      } else {
        this.#scheduleKeepAlive(Math.min(60_000, this.#keepAliveIntervalMs / 4));
      }
    }
  }

  #onReady(info: ReadyInfo): void {
    this.#socketUp = true;
    const now = this.#clock.now();
    this.#listeners.emit('connection', {
      feed: 'userData',
      connectionId: 'private',
      state: info.rotated ? 'rotated' : 'up',
      cause: undefined,
      reason: info.rotated ? 'replaced before the 24 h cut' : 'connected',
      at: now,
    });
    // What existed before the first socket came up is history; the poller remembers it as its baseline.
    if (this.#baseline === undefined && this.#options.poller?.start)
      this.#baseline = this.#runBaseline(this.#options.poller);
    this.#supervisor.up();
  }

  async #runBaseline(poller: UserDataPoller): Promise<void> {
    try {
      await poller.start?.();
    } catch (error) {
      this.#emitError(
        new WsError('POLL_FAILED', `user-data poller start: ${describeError(error)}`, { cause: error }),
      );
    }
  }

  #onDown(info: DownInfo): void {
    const wasUp = this.#socketUp;
    this.#socketUp = false;
    if (wasUp)
      this.#listeners.emit('connection', {
        feed: 'userData',
        connectionId: 'private',
        state: 'down',
        cause: info.cause,
        reason: info.reason,
        at: this.#clock.now(),
      });
    this.#supervisor.down(info);
  }

  async #poll(poller: UserDataPoller, reason: PollReason): Promise<PollOutcome> {
    if (this.#baseline) await this.#baseline;
    const result = await poller.poll({ reason });
    if (this.#closed) return { weight: result.weight, complete: false };
    for (const event of result.events) this.#deliver(event, false);
    for (const error of result.errors ?? [])
      this.#emitError(
        new WsError('POLL_FAILED', `user-data poll (${reason}): ${describeError(error)}`, { cause: error }),
      );
    return { weight: result.weight, complete: (result.errors?.length ?? 0) === 0 };
  }

  #onFrame(data: RawData | string): void {
    const message = this.#intake.read(data);
    if (message !== undefined && message.type !== 'reply') this.#deliver(message, true);
  }

  #deliver(original: UserDataEvent, fromStream: boolean): void {
    let event = original;
    if (event.type === 'accountUpdate' && event.reason === 'SNAPSHOT' && !fromStream) {
      const changed = this.#changedSince(event);
      if (changed === undefined) {
        this.#duplicates += 1;
        return;
      }
      event = changed;
    } else if (!this.#seen.add(deduplicationKey(event))) {
      this.#duplicates += 1;
      return;
    }
    if (event.type === 'accountUpdate') this.#track(event);
    this.#dispatched += 1;
    if (!fromStream) this.#polled += 1;
    switch (event.type) {
      case 'orderUpdate':
        this.#listeners.emit('orderUpdate', event);
        return;
      case 'accountUpdate':
        this.#listeners.emit('accountUpdate', event);
        return;
      case 'algoUpdate':
        this.#listeners.emit('algoUpdate', event);
        return;
      case 'tradeLite':
        this.#listeners.emit('tradeLite', event);
        return;
      case 'marginCall':
        this.#listeners.emit('marginCall', event);
        return;
      case 'accountConfigUpdate':
        this.#listeners.emit('accountConfigUpdate', event);
        return;
      case 'listenKeyExpired':
        this.#listeners.emit('listenKeyExpired', event);
        if (fromStream && (event.listenKey === '' || event.listenKey === this.#listenKey)) {
          this.#listenKey = undefined;
          this.#connection.restart(
            'listen-key-expired',
            'listenKeyExpired received: reconnecting with a new key',
          );
        }
        return;
    }
  }

  #track(event: AccountUpdateEvent): void {
    for (const balance of event.balances)
      this.#balances.set(balance.asset, normalizeDecimal(balance.walletBalance));
    for (const position of event.positions) {
      this.#positions.set(`${position.symbol}|${position.positionSide}`, {
        amount: normalizeDecimal(position.positionAmount),
        entryPrice: normalizeDecimal(position.entryPrice),
      });
    }
  }

  /** A REST snapshot reduced to the entries that differ from what was delivered; undefined if none. */
  #changedSince(snapshot: AccountUpdateEvent): AccountUpdateEvent | undefined {
    const balances = snapshot.balances.filter(
      (balance) => this.#balances.get(balance.asset) !== normalizeDecimal(balance.walletBalance),
    );
    const positions = snapshot.positions.filter((position) => {
      const tracked = this.#positions.get(`${position.symbol}|${position.positionSide}`);
      const amount = normalizeDecimal(position.positionAmount);
      if (tracked === undefined) return amount !== '0';
      return (
        tracked.amount !== amount ||
        (amount !== '0' && tracked.entryPrice !== normalizeDecimal(position.entryPrice))
      );
    });
    if (balances.length === 0 && positions.length === 0) return undefined;
    return { ...snapshot, balances, positions };
  }
}

/**
 * The identity of a user-data event across sockets and REST (see README, "De-duplication"):
 * fills by symbol + order id + trade id; other order updates by order id + execution type (AMENDMENT also
 * by time); algo updates by algo id + status; the rest by event time and content.
 */
export function deduplicationKey(event: UserDataEvent): string {
  switch (event.type) {
    case 'orderUpdate':
      if (event.executionType === 'TRADE') return `t|${event.symbol}|${event.orderId}|${event.tradeId}`;
      if (event.executionType === 'AMENDMENT')
        return `o|${event.symbol}|${event.orderId}|AMENDMENT|${event.transactionTime}`;
      return `o|${event.symbol}|${event.orderId}|${event.executionType}`;
    case 'tradeLite':
      return `l|${event.symbol}|${event.orderId}|${event.tradeId}`;
    case 'algoUpdate':
      return `a|${event.algoId}|${event.algoStatus}`;
    case 'accountUpdate':
      return `u|${event.eventTime}|${event.transactionTime}|${event.reason}|${event.balances
        .map((balance) => `${balance.asset}:${balance.walletBalance}`)
        .join(
          ',',
        )}|${event.positions.map((position) => `${position.symbol}:${position.positionAmount}`).join(',')}`;
    case 'accountConfigUpdate':
      return `c|${event.eventTime}|${event.transactionTime}|${event.leverage?.symbol ?? ''}:${event.leverage?.leverage ?? ''}|${String(event.multiAssetsMode)}`;
    case 'marginCall':
      return `m|${event.eventTime}|${event.crossWalletBalance ?? ''}|${event.positions.map((position) => position.symbol).join(',')}`;
    case 'listenKeyExpired':
      return `x|${event.listenKey}|${event.eventTime}`;
  }
}
