import { WebSocket } from 'ws';
import type { ClientOptions, RawData } from 'ws';
import { backoffDelay } from '@bot/symbols';
import type { BackoffOptions } from '@bot/symbols';
import { TimerSlot } from './clock';
import type { Clock } from './clock';
import { WsError, describeError, isWsError } from './errors';

/** Opens a WebSocket; injectable for proxies, custom agents and tests. Defaults to `new WebSocket(url, options)`. */
export type CreateWebSocket = (url: string, options: ClientOptions) => WebSocket;

export const createDefaultWebSocket: CreateWebSocket = (url, options) => new WebSocket(url, options);

/** Why a socket stopped counting as up. */
export type DisconnectCause =
  /** The server or the network closed the socket. */
  | 'closed'
  /** No pong within `pongTimeoutMs` of a ping. */
  | 'pong-timeout'
  /** The handshake did not complete within `openTimeoutMs`. */
  | 'open-timeout'
  /** A stream that ticks on a schedule went silent past its threshold while the socket stayed open. */
  | 'stale'
  /** Setting up the socket (SUBSCRIBE) failed or was not answered. */
  | 'subscribe-failed'
  /** The listenKey expired or was reported missing (-1125). */
  | 'listen-key-expired';

export interface ConnectionSocket {
  readonly id: number;
  /** Sends a text frame, spaced to stay under the server's incoming-message limit. */
  send(text: string): void;
}

export interface ReadyInfo {
  readonly socketId: number;
  /** A proactive replacement before the server's 24 h cut took over (make-before-break). */
  readonly rotated: boolean;
}

export interface DownInfo {
  readonly cause: DisconnectCause;
  readonly reason: string;
  /** When the data stopped: the disconnect time, or the last message for a stale stream. */
  readonly since: number;
}

export interface ResilientConnectionOptions {
  readonly name: string;
  /** Resolved before every attempt, so a private stream can fetch a fresh listenKey. */
  readonly url: () => string | Promise<string>;
  readonly clock: Clock;
  readonly random: () => number;
  readonly createWebSocket: CreateWebSocket;
  readonly backoff: BackoffOptions;
  /** Retry counter resets once a socket has been up this long. */
  readonly stableAfterMs: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly openTimeoutMs: number;
  /** Replace the socket this long after it opened (0: never). Binance cuts at 24 h. */
  readonly maxConnectionAgeMs: number;
  readonly maxOutgoingPerSecond: number;
  /** Frames above this close the socket (`ws` maxPayload). */
  readonly maxPayloadBytes: number;
  /**
   * Sets up a freshly opened socket (subscriptions). `rotation` is true when it is a replacement opened
   * while the current socket still works. A rejection fails the socket with `subscribe-failed`.
   */
  readonly prepare?: (socket: ConnectionSocket, context: { readonly rotation: boolean }) => Promise<void>;
  readonly onMessage: (data: RawData, socketId: number) => void;
  readonly onReady: (info: ReadyInfo) => void;
  readonly onDown: (info: DownInfo) => void;
  readonly onError: (error: WsError) => void;
}

interface Slot extends ConnectionSocket {
  readonly socket: WebSocket;
  state: 'opening' | 'preparing' | 'ready' | 'ended';
  /** Closed on purpose (rotated away or feed closed): its end is not a disconnect. */
  intentional: boolean;
  openedAt: number;
  failure: { cause: DisconnectCause; reason: string; since: number } | undefined;
  lastError: unknown;
  readonly timers: TimerSlot[];
  readonly openTimer: TimerSlot;
  readonly pingTimer: TimerSlot;
  readonly pongTimer: TimerSlot;
  readonly sendTimer: TimerSlot;
  readonly queue: string[];
  lastSentAt: number;
}

/**
 * One logical connection that stays up: reconnects with capped, jittered exponential backoff; pings and
 * drops a socket whose pong is late; replaces the socket before the server's 24 h cut by opening the new
 * one first (make-before-break; the feed removes the overlap's duplicates); and lets the owner fail a
 * socket that is open but silent (`restart`). Never throws into the event loop.
 */
export class ResilientConnection {
  readonly #options: ResilientConnectionOptions;
  readonly #clock: Clock;
  readonly #reconnectTimer: TimerSlot;
  readonly #rotationTimer: TimerSlot;
  readonly #stableTimer: TimerSlot;
  #primary: Slot | undefined;
  #candidate: Slot | undefined;
  #candidatePending = false;
  #attempt = 0;
  #rotationAttempt = 0;
  #nextSocketId = 1;
  #started = false;
  #closed = false;
  #connects = 0;
  #rotations = 0;

  constructor(options: ResilientConnectionOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#reconnectTimer = new TimerSlot(options.clock);
    this.#rotationTimer = new TimerSlot(options.clock);
    this.#stableTimer = new TimerSlot(options.clock);
  }

  get isReady(): boolean {
    return this.#primary?.state === 'ready';
  }

  /** The socket currently delivering, when one is ready. */
  get socket(): ConnectionSocket | undefined {
    const slot = this.#primary;
    return slot && slot.state === 'ready' ? slot : undefined;
  }

  /** Sockets opened (first connection, reconnects and rotations). */
  get connects(): number {
    return this.#connects;
  }

  get rotations(): number {
    return this.#rotations;
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    void this.#open('connect');
  }

  /** Sends on the current socket, if there is one ready. */
  send(text: string): boolean {
    const slot = this.#primary;
    if (!slot || slot.state !== 'ready') return false;
    slot.send(text);
    return true;
  }

  /** Fails the current socket (e.g. stale while open): it is dropped and replaced with backoff. */
  restart(cause: DisconnectCause, reason: string, since?: number): void {
    const slot = this.#primary ?? this.#candidate;
    if (!slot) return;
    this.#fail(slot, cause, reason, since);
  }

  /** Closes every socket and stops reconnecting. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reconnectTimer.clear();
    this.#rotationTimer.clear();
    this.#stableTimer.clear();
    const slots = [this.#primary, this.#candidate].filter((slot): slot is Slot => slot !== undefined);
    this.#primary = undefined;
    this.#candidate = undefined;
    await Promise.all(slots.map((slot) => this.#closeGracefully(slot, 'client closing')));
  }

  async #open(purpose: 'connect' | 'rotate'): Promise<void> {
    if (this.#closed || this.#candidatePending) return;
    this.#candidatePending = true;
    let url: string;
    try {
      url = await this.#options.url();
    } catch (error) {
      this.#candidatePending = false;
      if (this.#closed) return;
      this.#options.onError(
        isWsError(error)
          ? error
          : new WsError(
              'CONNECT_FAILED',
              `${this.#options.name}: cannot build the URL: ${describeError(error)}`,
              {
                cause: error,
              },
            ),
      );
      if (purpose === 'rotate' && this.#primary) this.#scheduleRotationRetry();
      else this.#scheduleReconnect();
      return;
    }
    this.#candidatePending = false;
    if (this.#closed) return;
    let socket: WebSocket;
    try {
      socket = this.#options.createWebSocket(url, {
        perMessageDeflate: false,
        maxPayload: this.#options.maxPayloadBytes,
        autoPong: true,
      });
    } catch (error) {
      this.#options.onError(
        new WsError('CONNECT_FAILED', `${this.#options.name}: ${describeError(error)}`, { cause: error }),
      );
      if (purpose === 'rotate' && this.#primary) this.#scheduleRotationRetry();
      else this.#scheduleReconnect();
      return;
    }
    this.#connects += 1;
    const slot = this.#createSlot(socket);
    this.#candidate = slot;
    slot.openTimer.set(this.#options.openTimeoutMs, () =>
      this.#fail(slot, 'open-timeout', `no handshake within ${this.#options.openTimeoutMs} ms`),
    );
    socket.on('open', () => this.#guard(() => this.#onOpen(slot)));
    socket.on('message', (data) => {
      if (slot.state === 'ended') return;
      try {
        this.#options.onMessage(data, slot.id);
      } catch (error) {
        this.#options.onError(
          new WsError('LISTENER_FAILED', `${this.#options.name}: ${describeError(error)}`, { cause: error }),
        );
      }
    });
    socket.on('pong', () => slot.pongTimer.clear());
    socket.on('error', (error) => {
      slot.lastError = error;
    });
    socket.on('close', (code, reasonBuffer) =>
      this.#guard(() => {
        const text = reasonBuffer.toString('utf8');
        const error = slot.lastError === undefined ? '' : ` (${describeError(slot.lastError)})`;
        this.#ended(slot, 'closed', `closed with code ${code}${text ? ` "${text}"` : ''}${error}`);
      }),
    );
  }

  #createSlot(socket: WebSocket): Slot {
    const clock = this.#clock;
    const timers = [new TimerSlot(clock), new TimerSlot(clock), new TimerSlot(clock), new TimerSlot(clock)];
    const [openTimer, pingTimer, pongTimer, sendTimer] = timers as [
      TimerSlot,
      TimerSlot,
      TimerSlot,
      TimerSlot,
    ];
    const spacingMs = 1_000 / this.#options.maxOutgoingPerSecond;
    const slot: Slot = {
      id: this.#nextSocketId++,
      socket,
      state: 'opening',
      intentional: false,
      openedAt: 0,
      failure: undefined,
      lastError: undefined,
      timers,
      openTimer,
      pingTimer,
      pongTimer,
      sendTimer,
      queue: [],
      lastSentAt: -Infinity,
      send: (text: string) => {
        if (slot.state === 'ended') return;
        slot.queue.push(text);
        flush();
      },
    };
    const flush = () => {
      if (slot.state === 'ended' || slot.sendTimer.pending) return;
      while (slot.queue.length > 0) {
        const wait = slot.lastSentAt + spacingMs - clock.now();
        if (wait > 0) {
          slot.sendTimer.set(wait, flush);
          return;
        }
        const text = slot.queue.shift() as string;
        slot.lastSentAt = clock.now();
        if (socket.readyState === WebSocket.OPEN) socket.send(text);
      }
    };
    return slot;
  }

  #onOpen(slot: Slot): void {
    if (slot.state !== 'opening') return;
    slot.openTimer.clear();
    if (this.#closed || slot.intentional) {
      void this.#closeGracefully(slot, 'client closing');
      return;
    }
    slot.state = 'preparing';
    slot.openedAt = this.#clock.now();
    this.#schedulePing(slot);
    const prepare = this.#options.prepare;
    if (!prepare) {
      this.#ready(slot);
      return;
    }
    const primary = this.#primary;
    const rotation = primary !== undefined && primary !== slot && primary.state === 'ready';
    prepare(slot, { rotation }).then(
      () => this.#guard(() => this.#ready(slot)),
      (error: unknown) => this.#guard(() => this.#fail(slot, 'subscribe-failed', describeError(error))),
    );
  }

  #schedulePing(slot: Slot): void {
    slot.pingTimer.set(this.#options.pingIntervalMs, () => {
      if (slot.state === 'ended' || slot.socket.readyState !== WebSocket.OPEN) return;
      if (!slot.pongTimer.pending) {
        slot.pongTimer.set(this.#options.pongTimeoutMs, () =>
          this.#fail(slot, 'pong-timeout', `no pong within ${this.#options.pongTimeoutMs} ms of a ping`),
        );
      }
      try {
        slot.socket.ping();
      } catch (error) {
        slot.lastError = error;
      }
      this.#schedulePing(slot);
    });
  }

  #ready(slot: Slot): void {
    if (slot.state !== 'preparing') return;
    if (this.#closed) {
      void this.#closeGracefully(slot, 'client closing');
      return;
    }
    slot.state = 'ready';
    const previous = this.#primary;
    this.#primary = slot;
    if (this.#candidate === slot) this.#candidate = undefined;
    const rotated = previous !== undefined && previous !== slot && previous.state !== 'ended';
    if (rotated && previous) {
      this.#rotations += 1;
      this.#rotationAttempt = 0;
      void this.#closeGracefully(previous, 'replaced before the 24 h cut');
    }
    this.#stableTimer.set(this.#options.stableAfterMs, () => {
      this.#attempt = 0;
    });
    const maxAge = this.#options.maxConnectionAgeMs;
    if (maxAge > 0) {
      // Up to 5 % (at most 10 minutes) earlier, at random, so many connections do not rotate at once.
      const spread = Math.min(600_000, maxAge * 0.05) * this.#options.random();
      this.#rotationTimer.set(maxAge - spread, () => void this.#open('rotate'));
    }
    this.#options.onReady({ socketId: slot.id, rotated });
  }

  #fail(slot: Slot, cause: DisconnectCause, reason: string, since?: number): void {
    if (slot.state === 'ended') return;
    slot.failure = { cause, reason, since: since ?? this.#clock.now() };
    try {
      slot.socket.terminate();
    } catch (error) {
      slot.lastError = error;
    }
    this.#ended(slot, cause, reason);
  }

  #ended(slot: Slot, cause: DisconnectCause, reason: string): void {
    if (slot.state === 'ended') return;
    const wasReady = slot.state === 'ready';
    slot.state = 'ended';
    for (const timer of slot.timers) timer.clear();
    slot.queue.length = 0;
    if (slot.intentional || this.#closed) return;
    const failure = slot.failure ?? { cause, reason, since: this.#clock.now() };
    if (slot === this.#primary) {
      this.#primary = undefined;
      this.#stableTimer.clear();
      this.#rotationTimer.clear();
      if (wasReady) this.#options.onDown(failure);
      this.#scheduleReconnect();
      return;
    }
    if (slot === this.#candidate) {
      this.#candidate = undefined;
      this.#options.onError(
        new WsError('CONNECT_FAILED', `${this.#options.name}: ${failure.cause}: ${failure.reason}`),
      );
      if (this.#primary) this.#scheduleRotationRetry();
      else {
        this.#options.onDown(failure);
        this.#scheduleReconnect();
      }
    }
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#candidate || this.#candidatePending || this.#reconnectTimer.pending) return;
    const delay = backoffDelay(this.#attempt, this.#options.backoff, this.#options.random);
    this.#attempt += 1;
    this.#reconnectTimer.set(delay, () => void this.#open('connect'));
  }

  #scheduleRotationRetry(): void {
    if (this.#closed) return;
    const delay = backoffDelay(this.#rotationAttempt, this.#options.backoff, this.#options.random);
    this.#rotationAttempt += 1;
    this.#rotationTimer.set(delay, () => void this.#open('rotate'));
  }

  #closeGracefully(slot: Slot, reason: string): Promise<void> {
    slot.intentional = true;
    if (slot.state === 'ended' && slot.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => {
      if (slot.socket.readyState === WebSocket.CLOSED) resolve();
      else slot.socket.once('close', () => resolve());
    });
    this.#ended(slot, 'closed', reason);
    try {
      if (slot.socket.readyState === WebSocket.OPEN) slot.socket.close(1000, reason);
      else slot.socket.terminate();
    } catch {
      slot.socket.terminate();
    }
    // A peer that never answers the close frame is cut after a second.
    const fallback = new TimerSlot(this.#clock);
    fallback.set(1_000, () => slot.socket.terminate());
    return closed.then(() => fallback.clear());
  }

  #guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#options.onError(
        new WsError('LISTENER_FAILED', `${this.#options.name}: ${describeError(error)}`, { cause: error }),
      );
    }
  }
}
