/** What `startSim` takes and gives: its options and the running emulator's interface. */
import type { BookSpec } from './core/order-book';
import type { CoreFaults, OrderView } from './core/types';
import type { ListedContract } from './instruments';
import type { CandleBook } from './market/candle-book';
import type { Candle } from './market/replay-file';
import type { SimClock } from './market/sim-clock';
import type { AutoDeleverageRequest } from './server/auto-deleverage-request';
import type { FaultSettings } from './server/faults';
import type { ApiCredentials, LateExecutionRecord, RequestRecord } from './server/rest-handler';
import type { ApiRestrictions } from './server/route-basics';
import type { StreamServer } from './server/stream-server';
import type { UserAction, UserActionResult } from './user-actions';
import type { MatchingCore } from './core/matching-core';

export interface SimAccountOptions {
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Starting balances per margin asset (default 10 000 USDC and 10 000 USDT). */
  readonly balances?: Readonly<Record<string, string>>;
  /**
   * The key's permissions as `GET /sapi/v1/account/apiRestrictions` reports them; unset fields keep the
   * defaults (reading and futures enabled, everything else off, no IP restriction).
   */
  readonly apiRestrictions?: Partial<ApiRestrictions>;
}

export interface SimOptions {
  /** 0 (default) picks a free port. The emulator listens on 127.0.0.1 only. */
  readonly port?: number;
  /**
   * `false`: no HTTP server and no sockets at all; clients in the same process use `sim.fetch` and
   * `sim.streams.listen`/`listenUser` (`bot backtest`). Default true.
   */
  readonly listen?: boolean;
  /** Seeds the synthetic market (default 42): the same seed gives the same prices. */
  readonly seed?: number;
  /** Replays these 1m candles for one symbol instead of the synthetic market (see parseKlineCsv). */
  readonly replay?: ReplaySpec;
  /** Several symbols replayed together (merged by time), instead of `replay`. */
  readonly replays?: readonly ReplaySpec[];
  /**
   * Market clock speed: 1 is real time, 60 runs an hour a minute, `'manual'` moves only when
   * `advance()` is called (tests and benchmarks: as fast as possible, and repeatable).
   */
  readonly speed?: number | 'manual';
  /** Start of the market clock, epoch ms (default now, or the replay's first candle). */
  readonly startTime?: number;
  /** Minutes of 1m kline history before the start (default 1500, enough for ccxt's 1000-candle fetch). */
  readonly historyMinutes?: number;
  /** Contracts to list (default BTC, ETH, BNB, SOL, ADA in USDC and USDT). */
  readonly contracts?: readonly ListedContract[];
  readonly accounts?: readonly SimAccountOptions[];
  readonly makerFeeRate?: string;
  readonly takerFeeRate?: string;
  /**
   * The seeded order books (seeded by `seed`): per symbol, changes to the contract's default book (a
   * two-tick spread, levels of about 30 000 notional, 1000 levels a side, refilled over 5 s), or `false`
   * for no book at all: takers then fill in full at the last price, as the emulator did before it had
   * books. `false` instead of a map turns every book off.
   */
  readonly books?: false | Readonly<Record<string, Partial<BookSpec> | false>>;
  /** WebSocket connection rules (defaults are Binance's: ping 3 min, pong timeout 10 min, 24 h cut). */
  readonly streams?: {
    readonly pingIntervalMs?: number;
    readonly pongTimeoutMs?: number;
    readonly maxConnectionMs?: number;
  };
  /** listenKey validity (default 60 minutes of wall-clock time, like Binance). */
  readonly listenKeyValidityMs?: number;
  /** REQUEST_WEIGHT allowed per minute of server time before 429 and then 418 bans (default 2400). */
  readonly weightLimitPerMinute?: number;
  /**
   * For listeners that keep only the latest mark price, ticker and forming kline of a stream (the runner's
   * in-process feed, `bot backtest`): a replayed tick whose symbol's next tick is due in the same clock move
   * makes no payload and no book or array update (a moment nobody can stop at). The matching core still
   * plays it, with the events it causes, unless the symbol is idle (no order and no position on any account:
   * `MatchingCore.isIdle`), whose tick only moves its book. The last tick of the move makes the payloads, so
   * the core, REST and the latest payload of each stream are what a tick-by-tick run leaves.
   * Off by default: a socket client sees every payload.
   */
  readonly coalesceTicks?: boolean;
  /** Called for emulator bugs (a request that failed unexpectedly); default prints to stderr. */
  readonly onInternalError?: (error: unknown) => void;
  /**
   * Called for every REST request with its outcome and the weight it was charged, as `requests` records it
   * (which keeps only the last 10 000): for counting a long run's traffic.
   */
  readonly onRequest?: (record: RequestRecord) => void;
}

/**
 * One symbol's replayed 1m candles: an array, or any iterable read as the market clock reaches it (a file
 * streamed by the caller, so a long history is never in memory), which then needs `stepSize`.
 */
export interface ReplaySpec {
  readonly symbol: string;
  readonly candles: readonly Candle[] | Iterable<Candle>;
  /** The volume grid of a streamed replay (see `ReplayMarketOptions.stepSize`). */
  readonly stepSize?: string;
}

export interface SimFaults extends FaultSettings, CoreFaults {}

/**
 * What `sim.fetch` answers: the parts of a WHATWG `Response` a client reads (ccxt reads the status, the
 * headers and the text). Not a `Response` itself: building one (its body a web stream) cost more than the
 * emulator's answer, and a backtest sends thousands.
 */
export interface SimResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: SimHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** The parts of a WHATWG `Headers` a client reads: names are lower-cased, `forEach` goes in name order. */
export interface SimHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string) => void): void;
}

export interface Sim {
  /**
   * REST base, e.g. `http://127.0.0.1:40123`; ccxt's fapi URLs are this plus `/fapi/v1` etc. Without a
   * server (`listen: false`) a name no socket can reach, for clients that send through `fetch`.
   */
  readonly url: string;
  /** WebSocket base, e.g. `ws://127.0.0.1:40123`; streams live under `/market`, `/public`, `/private`. */
  readonly wsUrl: string;
  readonly port: number;
  /** Credentials of the accounts, in `accounts` order (one default account when none were given). */
  readonly accounts: readonly ApiCredentials[];
  readonly core: MatchingCore;
  readonly candles: CandleBook;
  readonly streams: StreamServer;
  readonly clock: SimClock;
  /** Every REST request answered, oldest first (bounded to the last 10 000). */
  readonly requests: readonly RequestRecord[];
  /** Every request that took effect late (`httpErrors[].executeAfterMs`), oldest first (last 10 000). */
  readonly lateExecutions: readonly LateExecutionRecord[];
  /** Sets faults (merged into the current ones); see FaultSettings and CoreFaults. */
  injectFaults(faults: SimFaults): void;
  /** Clears every fault, lifts any IP ban and forgets past offences; late executions still happen. */
  clearFaults(): void;
  /** Drops WebSocket connections (all, or one category) without a close frame. */
  dropStreams(category?: 'public' | 'market' | 'private'): number;
  /** Expires every listenKey (or one account's) now: clients get `listenKeyExpired`. */
  expireListenKeys(accountId?: string): void;
  /**
   * `fetch` (WHATWG) answered by the emulator's REST handler in this process, without HTTP or a socket:
   * the same routes, weights, signatures, faults and error bodies; a connection the faults close without an
   * answer rejects as a failed fetch does. Give it to ccxt as its `fetchImplementation`.
   */
  fetch(
    url: string,
    init?: { readonly method?: string; readonly headers?: unknown; readonly body?: unknown },
  ): Promise<SimResponse>;
  /** Moves the market clock forward by `ms` and processes every tick up to there (any speed). */
  advance(ms: number): void;
  /** The market clock's current time. */
  marketTime(): number;
  /**
   * Resolves with the market time at the end once a replay is used up: its last tick emitted and its last
   * 1m kline closed (after that the market stands still). Never resolves for the synthetic market.
   */
  readonly marketEnd: Promise<number>;
  /**
   * Sets a symbol's last and mark price now, as if the market had moved there: triggers, fills and
   * liquidations follow, and the events go out. For tests that need a price path of their own.
   */
  setMarketPrice(symbol: string, lastPrice: string, markPrice?: string): void;
  /**
   * Auto-deleverages an account's position (all, or `quantity` of it) at the mark price the way Binance
   * reports it: an `adl_autoclose` order, its CALCULATED fill, an ACCOUNT_UPDATE; returns the order.
   */
  autoDeleverage(request: AutoDeleverageRequest): OrderView;
  /**
   * Does what a person does on the website to an account: open or close a position at market, cancel a
   * stop-loss or take-profit (given, or a seeded random one), change leverage or margin type, transfer
   * margin out. The user-data events are those Binance sends; a refused action throws and changes nothing.
   */
  actAsUser(action: UserAction): UserActionResult;
  /** Changes an account's API key permissions (`/sapi/v1/account/apiRestrictions`); returns them. */
  setApiRestrictions(restrictions: Partial<ApiRestrictions>, accountId?: string): ApiRestrictions;
  /** A JSON snapshot of an account for tests and the control endpoint. */
  state(accountId?: string): SimState;
  close(): Promise<void>;
}

export interface SimState {
  readonly marketTime: number;
  readonly assets: unknown[];
  readonly positions: unknown[];
  readonly openOrders: unknown[];
  readonly openAlgoOrders: unknown[];
  readonly fills: unknown[];
  readonly userEventsSent: number;
}
