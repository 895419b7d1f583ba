import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { FaultInjector } from './faults';
import type { ListenKeyStore } from './listen-keys';

/**
 * Binance's stream paths since 2026: `/public` (book tickers, depth, trades), `/market` (mark price,
 * klines, aggregate trades, tickers) and `/private` (user data for a listenKey), each as `/ws` (raw
 * payloads) or `/stream` (combined: `{stream, data}`). The legacy `/ws` and `/stream` serve public-class
 * streams only.
 */
export type StreamCategory = 'public' | 'market' | 'private';

export interface StreamServerOptions {
  readonly faults: FaultInjector;
  readonly listenKeys: ListenKeyStore;
  /** Server ping interval; Binance pings every 3 minutes. */
  readonly pingIntervalMs?: number;
  /** A connection without a pong for this long is closed; Binance allows 10 minutes. */
  readonly pongTimeoutMs?: number;
  /** Connections are cut after this long; Binance cuts at 24 h. */
  readonly maxConnectionMs?: number;
  /** Incoming messages per second per connection before it is closed; Binance allows 10. */
  readonly maxMessagesPerSecond?: number;
  /** Streams per connection; Binance allows 1024. */
  readonly maxStreamsPerConnection?: number;
  /** Called when a stream gains its first subscriber, so the market side can start building it. */
  readonly onStreamsChanged?: () => void;
  /**
   * Whether the emulator sends a market stream (default: any name). A SUBSCRIBE to one it does not send
   * is answered with Binance's `{"error":{"code":2,"msg":"Invalid request: invalid stream"}}`, and a
   * connection URL naming one is refused (400).
   */
  readonly servesStream?: (stream: string) => boolean;
}

const INVALID_STREAM = { code: 2, msg: 'Invalid request: invalid stream' };

const PUBLIC_STREAM = /@(bookTicker|depth\d*(@\d+ms)?|trade|rpiDepth.*)$|^!bookTicker$/;

export function streamCategory(stream: string): 'public' | 'market' {
  return PUBLIC_STREAM.test(stream) ? 'public' : 'market';
}

interface Connection {
  readonly socket: WebSocket;
  readonly category: StreamCategory;
  readonly combined: boolean;
  readonly streams: Set<string>;
  /** For /private: the listenKeys it listens to, each with its event allow-list (empty = all). */
  readonly listenKeys: Map<string, ReadonlySet<string>>;
  lastPongAt: number;
  lastPingAt: number;
  messagesThisSecond: number;
  second: number;
  readonly openedAt: number;
}

export class StreamServer {
  readonly #server: WebSocketServer;
  readonly #options: StreamServerOptions;
  readonly #connections = new Set<Connection>();
  readonly #subscribers = new Map<string, Set<Connection>>();
  readonly #timer: NodeJS.Timeout;
  /** In-process listeners (`listen`, `listenUser`): payloads as objects, no socket and no JSON. */
  /**
   * In-process listeners per stream (per account for user data), as arrays replaced whole on every change:
   * `publish` runs per tick, and iterating a `Set` allocated an iterator and a result per listener each time.
   */
  readonly #listeners = new Map<string, readonly ((stream: string, payload: unknown) => void)[]>();
  readonly #userListeners = new Map<string, readonly ((payload: Record<string, unknown>) => void)[]>();
  #subscriptionVersion = 0;
  /** Every message sent to a user-data socket, for tests that inspect what a client received. */
  readonly sentUserEvents: { listenKey: string; accountId: string; payload: Record<string, unknown> }[] = [];

  constructor(options: StreamServerOptions) {
    this.#options = options;
    this.#server = new WebSocketServer({ noServer: true, autoPong: false, maxPayload: 64 * 1024 });
    const checkEveryMs = Math.min(options.pingIntervalMs ?? 180_000, 1_000);
    this.#timer = setInterval(() => this.#housekeeping(), checkEveryMs);
    this.#timer.unref();
  }

  /** Streams that have at least one subscriber, e.g. `btcusdc@markPrice@1s`. */
  activeStreams(): string[] {
    return [...this.#subscribers.keys()];
  }

  /**
   * Changes whenever a market stream gains or loses a subscriber or a listener: what the emulator works out
   * from `hasSubscribers` holds until it changes (its tick loop does not ask per stream per tick).
   */
  get subscriptionVersion(): number {
    return this.#subscriptionVersion;
  }

  hasSubscribers(stream: string): boolean {
    return (this.#subscribers.get(stream)?.size ?? 0) > 0 || (this.#listeners.get(stream)?.length ?? 0) > 0;
  }

  /**
   * A subscriber in the same process (`bot backtest`): gets every payload of the named market streams as
   * the sockets would, as the object itself, synchronously when it is published. Returns the unsubscribe.
   */
  listen(streams: readonly string[], deliver: (stream: string, payload: unknown) => void): () => void {
    for (const stream of streams) withListener(this.#listeners, stream, deliver);
    this.#subscriptionVersion += 1;
    if (streams.length > 0) this.#options.onStreamsChanged?.();
    return () => {
      for (const stream of streams) withoutListener(this.#listeners, stream, deliver);
      this.#subscriptionVersion += 1;
    };
  }

  /**
   * Whether user-data events are being dropped now (the `staleUserDataStreams` fault), for listeners too.
   * Otherwise a listener gets every event of its account synchronously, as it happens: an in-process
   * consumer can rely on that where a socket's reader cannot (the runner's per-candle position read).
   */
  get userDataWithheld(): boolean {
    return this.#options.faults.settings.staleUserDataStreams === true;
  }

  /** As `listen`, for an account's user-data events (no listenKey: the account is named). */
  listenUser(accountId: string, deliver: (payload: Record<string, unknown>) => void): () => void {
    withListener(this.#userListeners, accountId, deliver);
    return () => withoutListener(this.#userListeners, accountId, deliver);
  }

  connectionCount(category?: StreamCategory): number {
    let count = 0;
    for (const connection of this.#connections) if (!category || connection.category === category) count += 1;
    return count;
  }

  /** Handles an HTTP upgrade; unknown paths are refused with 404 before any WebSocket is opened. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    const route = /^\/(public|market|private)?\/?(ws|stream)(\/.*)?$/.exec(url.pathname);
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const category = (route[1] ?? 'public') as StreamCategory;
    const combined = route[2] === 'stream';
    const initialStreams: string[] = [];
    const listenKeys = new Map<string, ReadonlySet<string>>();
    if (category === 'private') {
      const keys = url.searchParams.getAll('listenKey');
      const events = url.searchParams.getAll('events');
      keys.forEach((key, index) => {
        const allowed = events[index]?.split('/').filter(Boolean) ?? [];
        listenKeys.set(key, new Set(allowed));
      });
      const legacyKey = route[3]?.slice(1);
      if (keys.length === 0 && legacyKey) listenKeys.set(legacyKey, new Set());
      // Without a key in the URL the client SUBSCRIBEs its listenKey (Binance's own connector does so on
      // `/private/stream`); a key in the URL must be live.
      if ([...listenKeys.keys()].some((key) => !this.#options.listenKeys.active(key))) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    } else {
      if (combined)
        initialStreams.push(...(url.searchParams.get('streams') ?? '').split('/').filter(Boolean));
      else
        initialStreams.push(
          ...(route[3] ?? '').split('/').filter((part) => part.includes('@') || part.startsWith('!')),
        );
      if (initialStreams.some((stream) => !this.#serves(stream))) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    }
    this.#server.handleUpgrade(request, socket, head, (socket) => {
      const now = Date.now();
      const connection: Connection = {
        socket,
        category,
        combined,
        streams: new Set(),
        listenKeys,
        lastPongAt: now,
        lastPingAt: now,
        messagesThisSecond: 0,
        second: Math.floor(now / 1000),
        openedAt: now,
      };
      this.#connections.add(connection);
      for (const stream of initialStreams) this.#subscribe(connection, stream);
      if (initialStreams.length > 0) this.#options.onStreamsChanged?.();
      socket.on('message', (data) => this.#onMessage(connection, data.toString()));
      socket.on('pong', () => {
        connection.lastPongAt = Date.now();
      });
      socket.on('ping', (data) => {
        if (!this.#options.faults.settings.ignorePings) socket.pong(data);
      });
      socket.on('close', () => this.#remove(connection));
      socket.on('error', () => this.#remove(connection));
    });
  }

  /** Sends a market payload to every subscriber of `stream`, unless market streams are faulted stale. */
  publish(stream: string, payload: unknown): void {
    if (this.#options.faults.settings.staleMarketStreams) return;
    const listeners = this.#listeners.get(stream);
    if (listeners !== undefined)
      for (let index = 0; index < listeners.length; index += 1) listeners[index]?.(stream, payload);
    const subscribers = this.#subscribers.get(stream);
    if (!subscribers || subscribers.size === 0) return;
    const raw = JSON.stringify(payload);
    let wrapped: string | undefined;
    for (const connection of subscribers) {
      if (connection.socket.readyState !== WebSocket.OPEN) continue;
      if (connection.combined) {
        wrapped ??= `{"stream":${JSON.stringify(stream)},"data":${raw}}`;
        connection.socket.send(wrapped);
      } else {
        connection.socket.send(raw);
      }
    }
  }

  /**
   * Sends a user-data payload to every live /private connection listening to one of the account's keys;
   * while user-data streams are faulted stale it is dropped (and not recorded as sent).
   */
  publishUser(accountId: string, payload: Record<string, unknown>): void {
    if (this.#options.faults.settings.staleUserDataStreams) return;
    const listeners = this.#userListeners.get(accountId);
    if (listeners !== undefined)
      for (let index = 0; index < listeners.length; index += 1) listeners[index]?.(payload);
    const eventType = String(payload.e);
    for (const connection of this.#connections) {
      if (connection.category !== 'private' || connection.socket.readyState !== WebSocket.OPEN) continue;
      for (const [listenKey, allowed] of connection.listenKeys) {
        const record = this.#options.listenKeys.active(listenKey);
        if (!record || record.accountId !== accountId) continue;
        if (allowed.size > 0 && !allowed.has(eventType)) continue;
        this.sentUserEvents.push({ listenKey, accountId, payload });
        connection.socket.send(
          connection.combined
            ? JSON.stringify({ stream: listenKey, data: payload })
            : JSON.stringify(payload),
        );
      }
    }
  }

  /**
   * Tells connections of expired keys, then stops delivering to those keys (Binance's behaviour). A stale
   * user-data stream stays silent about it too.
   */
  expireListenKeys(): void {
    const silent = this.#options.faults.settings.staleUserDataStreams === true;
    for (const record of this.#options.listenKeys.takeExpired()) {
      if (silent) continue;
      const payload = { e: 'listenKeyExpired', E: String(Date.now()), listenKey: record.listenKey };
      for (const connection of this.#connections) {
        if (!connection.listenKeys.has(record.listenKey)) continue;
        this.sentUserEvents.push({ listenKey: record.listenKey, accountId: record.accountId, payload });
        connection.socket.send(
          connection.combined
            ? JSON.stringify({ stream: record.listenKey, data: payload })
            : JSON.stringify(payload),
        );
      }
    }
  }

  /** Fault injection: drops connections (all, or one category) without a close handshake. */
  dropConnections(category?: StreamCategory): number {
    let dropped = 0;
    for (const connection of [...this.#connections]) {
      if (category && connection.category !== category) continue;
      connection.socket.terminate();
      this.#remove(connection);
      dropped += 1;
    }
    return dropped;
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    for (const connection of [...this.#connections]) connection.socket.terminate();
    this.#connections.clear();
    this.#subscribers.clear();
    this.#listeners.clear();
    this.#userListeners.clear();
    this.#subscriptionVersion += 1;
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #subscribe(connection: Connection, stream: string): boolean {
    if (connection.streams.size >= (this.#options.maxStreamsPerConnection ?? 1024)) return false;
    connection.streams.add(stream);
    let subscribers = this.#subscribers.get(stream);
    if (!subscribers) {
      subscribers = new Set();
      this.#subscribers.set(stream, subscribers);
    }
    subscribers.add(connection);
    this.#subscriptionVersion += 1;
    return true;
  }

  #unsubscribe(connection: Connection, stream: string): void {
    connection.streams.delete(stream);
    const subscribers = this.#subscribers.get(stream);
    subscribers?.delete(connection);
    if (subscribers && subscribers.size === 0) this.#subscribers.delete(stream);
    this.#subscriptionVersion += 1;
  }

  #remove(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    for (const stream of [...connection.streams]) this.#unsubscribe(connection, stream);
  }

  #onMessage(connection: Connection, text: string): void {
    const second = Math.floor(Date.now() / 1000);
    if (second !== connection.second) {
      connection.second = second;
      connection.messagesThisSecond = 0;
    }
    connection.messagesThisSecond += 1;
    if (connection.messagesThisSecond > (this.#options.maxMessagesPerSecond ?? 10)) {
      connection.socket.close(1008, 'Too many requests');
      return;
    }
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
      if (typeof request !== 'object' || request === null) throw new Error('not an object');
    } catch {
      connection.socket.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON: expected an object' } }));
      return;
    }
    const id = typeof request.id === 'number' || typeof request.id === 'string' ? request.id : null;
    const reply = (body: Record<string, unknown>) => connection.socket.send(JSON.stringify({ ...body, id }));
    const params = Array.isArray(request.params) ? request.params : undefined;
    switch (request.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!params || !params.every((stream) => typeof stream === 'string' && stream.length > 0)) {
          reply({ error: { code: 2, msg: `Invalid request: 'params' must be a list of stream names` } });
          return;
        }
        if (connection.category === 'private') {
          this.#subscribeListenKeys(connection, request.method, params as string[], reply);
          return;
        }
        if (request.method === 'SUBSCRIBE' && (params as string[]).some((stream) => !this.#serves(stream))) {
          reply({ error: INVALID_STREAM });
          return;
        }
        const misplaced = (params as string[]).find(
          (stream) => streamCategory(stream) !== connection.category,
        );
        if (request.method === 'SUBSCRIBE' && misplaced) {
          reply({
            error: {
              code: 2,
              msg: `Invalid request: ${misplaced} is served on /${streamCategory(misplaced)}`,
            },
          });
          return;
        }
        for (const stream of params as string[]) {
          if (request.method === 'UNSUBSCRIBE') this.#unsubscribe(connection, stream);
          else if (!this.#subscribe(connection, stream)) {
            reply({ error: { code: 2, msg: 'Invalid request: too many streams on this connection' } });
            return;
          }
        }
        this.#options.onStreamsChanged?.();
        reply({ result: null });
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        reply({
          result:
            connection.category === 'private' ? [...connection.listenKeys.keys()] : [...connection.streams],
        });
        return;
      case 'SET_PROPERTY':
        reply({ result: null });
        return;
      case 'GET_PROPERTY':
        reply({ result: connection.combined });
        return;
      default:
        reply({ error: { code: 1, msg: 'Invalid request: unknown method' } });
    }
  }

  #serves(stream: string): boolean {
    return this.#options.servesStream?.(stream) ?? true;
  }

  /**
   * SUBSCRIBE/UNSUBSCRIBE on a `/private` connection: the params are listenKeys. Each must be live, or the
   * request is refused as an invalid stream and nothing changes.
   */
  #subscribeListenKeys(
    connection: Connection,
    method: 'SUBSCRIBE' | 'UNSUBSCRIBE',
    keys: readonly string[],
    reply: (body: Record<string, unknown>) => void,
  ): void {
    if (method === 'UNSUBSCRIBE') {
      for (const key of keys) connection.listenKeys.delete(key);
      reply({ result: null });
      return;
    }
    if (keys.some((key) => !this.#options.listenKeys.active(key))) {
      reply({ error: INVALID_STREAM });
      return;
    }
    for (const key of keys) if (!connection.listenKeys.has(key)) connection.listenKeys.set(key, new Set());
    reply({ result: null });
  }

  #housekeeping(): void {
    const now = Date.now();
    const pingInterval = this.#options.pingIntervalMs ?? 180_000;
    const pongTimeout = this.#options.pongTimeoutMs ?? 600_000;
    const maxAge = this.#options.maxConnectionMs ?? 24 * 3_600_000;
    for (const connection of [...this.#connections]) {
      if (now - connection.openedAt >= maxAge) {
        connection.socket.close(1000, 'connection lifetime reached');
        this.#remove(connection);
        continue;
      }
      if (now - connection.lastPongAt >= pongTimeout) {
        connection.socket.terminate();
        this.#remove(connection);
        continue;
      }
      if (now - connection.lastPingAt >= pingInterval && connection.socket.readyState === WebSocket.OPEN) {
        connection.lastPingAt = now;
        connection.socket.ping();
      }
    }
    this.expireListenKeys();
  }
}

/** Adds a listener (once, as a `Set` would) to a key's list, replacing the list. */
function withListener<T>(lists: Map<string, readonly T[]>, key: string, listener: T): void {
  const list = lists.get(key) ?? [];
  if (!list.includes(listener)) lists.set(key, [...list, listener]);
}

/** Removes a listener from a key's list, replacing the list (a delivery under way keeps the old one). */
function withoutListener<T>(lists: Map<string, readonly T[]>, key: string, listener: T): void {
  const list = lists.get(key);
  if (list === undefined) return;
  const rest = list.filter((one) => one !== listener);
  if (rest.length > 0) lists.set(key, rest);
  else lists.delete(key);
}
