import type { AuditTrail, RationaleInput } from '@bot/audit';
import type { BotConfig } from '@bot/config';
import type { CcxtExchange, Incident } from '@bot/exchange';
import type { RiskGuard } from '@bot/risk';
import type { Strategy } from '@bot/strategy';
import type { RestRequest } from '@bot/ws';
import type { BotStateStore, DroppedEntry, OpenTrade } from '../bot-state';
import type { FeedHandle, InProcessFeeds } from './feeds';
import type { Logger } from '../logger';
import { PLAYBOOKS, playbookForError, playbookForIncident } from '../playbooks';
import type { Playbook } from '../playbooks';
import { emptyAccountState } from './account-state';
import type { AccountState } from './account-state';

export interface TraderOptions {
  readonly config: BotConfig;
  readonly exchange: CcxtExchange;
  readonly audit: AuditTrail;
  readonly state: BotStateStore;
  readonly logger: Logger;
  /** WebSocket base: the emulator's `ws://127.0.0.1:port`, or Binance's `wss://fstream.binance.com`. */
  readonly wsBaseUrl: string;
  /** REST for the feeds' fallback polling and the listenKey (see `ccxtRestRequest`). */
  readonly rest: RestRequest;
  /**
   * Ignore the saved state (and overwrite it): for an exchange that is new this run, like the paper mode's
   * in-process emulator, whose account starts empty; a guard from another exchange's history means nothing.
   */
  readonly freshState?: boolean;
  /** Feed health tuning (defaults: `@bot/ws`'s, and a kline stream stale after 60 s of silence). */
  readonly feeds?: FeedTuning;
  /**
   * The exchange is in this process (`bot backtest`'s emulator): its events are listened to directly, not
   * read off WebSockets (`wsBaseUrl` and `rest` then serve nothing).
   */
  readonly inProcessFeeds?: InProcessFeeds | undefined;
  /** One strategy per symbol (default: the breakout strategy with its defaults). */
  readonly createStrategy?: (symbol: string) => Strategy;
}

export interface FeedTuning {
  /** Down or stale this long → degraded, REST polling starts. */
  readonly degradeAfterMs?: number;
  /** Healthy this long after a reconnect → live again. */
  readonly recoverAfterMs?: number;
  /** A kline stream silent this long on an open socket counts as down. */
  readonly klineStaleAfterMs?: number;
}

/** Why no position may be opened now: a `stop-opening` playbook in force (see `openingBlocked`). */
export interface OpeningBlocked {
  /** The denial code (`EXCHANGE_UNAVAILABLE`, `RATE_LIMITED`). */
  readonly code: string;
  readonly playbook: string;
  readonly why: string;
}

/** The run's counters, for the summary. */
/** A decision as the console lists it: what the audit trail's rationale record says, in short. */
export interface RecentDecision {
  /** Market time of the decision (epoch ms). */
  readonly ts: number;
  readonly action: string;
  readonly symbol: string | null;
  readonly side: string | null;
  readonly why: string;
}

const RECENT_DECISIONS = 30;

export interface RunCounters {
  signals: number;
  entries: number;
  closes: number;
  wins: number;
  realizedPnl: number;
  peakPnl: number;
  maxDrawdown: number;
  longestStreak: number;
  errors: number;
  readonly denials: Record<string, number>;
}

/**
 * What the trader's parts share: the options, the guard, the bot's open trades, the account as the
 * exchange holds it, and the one queue every decision runs on. The parts (start-up, entries, settlement,
 * the account watch, feeds) are functions over it; `Trader` composes them.
 */
/** RiskGuard denials that mean the bot is halted (not a passing condition of one signal). */
const HALT_CODES: ReadonlySet<string> = new Set([
  'HALTED',
  'LIQUIDATION',
  'ADL',
  'SL_STREAK',
  'DAILY_DRAWDOWN',
]);

export class TraderContext {
  readonly options: TraderOptions;
  readonly config: BotConfig;
  readonly exchange: CcxtExchange;
  readonly log: Logger;
  readonly strategies = new Map<string, Strategy>();
  /** The bot's own trades (and adopted positions), by symbol. */
  readonly trades = new Map<string, OpenTrade>();
  /**
   * Entries dropped as never filled whose order may still execute late, the newest per symbol: the position
   * such an order opens is the bot's own trade (see `late-entries.ts`). Saved with the trades.
   */
  readonly droppedEntries = new Map<string, DroppedEntry>();
  /** Symbols whose foreign position the policy `ignore-symbol` leaves alone: never traded while open. */
  readonly ignoredSymbols = new Set<string>();
  /** Forced closes (liquidation, ADL) already acted on, by `symbol@time`. */
  readonly handledForcedCloses = new Set<string>();
  /** Per symbol, the close time of the last candle the queue finished weighing (the warm-up's, at start). */
  readonly lastCandle = new Map<string, number>();
  /** Per symbol, the close time of the last candle given to the strategy, as its frame arrived. */
  readonly candleWeighed = new Map<string, number>();
  /**
   * Per symbol, the open time of the candle still forming when the warm-up read the klines. A signal on a
   * candle that closed after it is one no earlier process can have acted on (the trail's lock let this one
   * start only once the last had ended), so its entry needs no look-up (`mayExist: false`).
   */
  readonly formingAtStart = new Map<string, number>();
  /**
   * Entries waiting out an unknown outcome off the queue, by symbol (see `entries.ts`): each settles once the
   * entry's result has been handled on the queue. Until then the symbol is locked: no settle, no weighing or
   * reducing of its fill, no new entry (its pending trade is open) and no foreign-position policy on it.
   */
  readonly entriesInFlight = new Map<string, Promise<void>>();
  /** The intents this process has sent an entry for: sent again, they are looked up first. */
  readonly sentIntents = new Set<string>();
  /** The latest streamed mark price per symbol (`@markPrice@1s`), with its market time. */
  readonly marks = new Map<string, { readonly price: string; readonly time: number }>();
  readonly waiters = new Set<() => void>();
  /** The latest decision records as appended to the audit trail, oldest first (the console shows them). */
  readonly recentDecisions: RecentDecision[] = [];
  /** The run's equity at each handled candle, `[market time, equity]`, thinned to at most 1000 points. */
  readonly equityCurve: [number, number][] = [];
  readonly counters: RunCounters = {
    signals: 0,
    entries: 0,
    closes: 0,
    wins: 0,
    realizedPnl: 0,
    peakPnl: 0,
    maxDrawdown: 0,
    longestStreak: 0,
    errors: 0,
    denials: {},
  };
  guard!: RiskGuard;
  market: FeedHandle | undefined;
  userData: FeedHandle | undefined;
  accepting = false;
  /** Close time of the latest candle handled. */
  marketTime = 0;
  /** The latest market time any event showed (a candle still forming, a user-data event): signals age by it. */
  marketClock = 0;
  /** The halt (`code: why`) the log has announced; its further denials are logged at debug. */
  haltAnnounced: string | undefined;
  /** Set when a sweep found what the user-data stream did not say: no entries until a sweep agrees. */
  outOfSync: string | undefined;
  /** Symbols whose leverage and margin mode the bot has set this run: a later difference is drift. */
  readonly configuredSymbols = new Set<string>();
  /** A review of the account is already waiting on the queue. */
  reviewQueued = false;
  #queue: Promise<void> = Promise.resolve();
  #account: AccountState = emptyAccountState;
  /** `stop-opening` playbooks cleared by an account sweep (exchange-maintenance), by id: since when, and why. */
  readonly #stoppedOpening = new Map<string, { readonly since: number; readonly reason: string }>();

  constructor(options: TraderOptions) {
    this.options = options;
    this.config = options.config;
    this.exchange = options.exchange;
    this.log = options.logger;
  }

  now(): number {
    return Math.max(this.marketTime, this.marketClock, 1);
  }

  /** The account as the exchange holds it (user-data events and REST sweeps through `reduceAccount`). */
  get account(): AccountState {
    return this.#account;
  }

  /**
   * Every change of the account state comes through here. A snapshot (a new state with no new event) is an
   * account sweep that read everything — positions, orders, balances, settings — so the exchange answers
   * again: playbooks that stopped opening until then (exchange-maintenance) clear.
   */
  set account(next: AccountState) {
    const swept = next !== this.#account && next.eventSeq === this.#account.eventSeq;
    this.#account = next;
    if (swept) this.#exchangeAnswered();
  }

  /**
   * Why no new position may be opened now, or undefined; entries.ts asks before its first request. The table's
   * `stop-opening` playbooks: rate-limited while the exchange adapter's request pause lasts (every REST
   * request waits on it), exchange-maintenance from an outage the loop met until an account sweep succeeds.
   */
  openingBlocked(): OpeningBlocked | undefined {
    for (const playbook of PLAYBOOKS) {
      const { action } = playbook;
      if (action.kind !== 'stop-opening') continue;
      if (action.until === 'pause-ends') {
        const pausedForMs = this.exchange.executor.pausedUntil - Date.now();
        if (pausedForMs > 0) {
          return {
            code: action.denial,
            playbook: playbook.id,
            why: `every request to the exchange is paused for ${Math.ceil(pausedForMs / 1000)} s more after a 429/418 (Retry-After)`,
          };
        }
      } else {
        const stopped = this.#stoppedOpening.get(playbook.id);
        if (stopped) {
          return {
            code: action.denial,
            playbook: playbook.id,
            why: `the exchange did not answer (${stopped.reason}); no new position until an account sweep succeeds`,
          };
        }
      }
    }
    return undefined;
  }

  /**
   * Saves the guard and the open trades as they are now, off the event loop (see `BotStateStore.saveAsync`):
   * writes keep their order and coalesce. Await it where a crash must find the state on disk (before a close
   * is read; an entry's `order.place` record stands in for it); elsewhere the next await point or `stop` settles it. A failed
   * write halts trading (the guard could not survive a restart) and is never an unhandled rejection.
   */
  saveState(): Promise<void> {
    const saved = this.options.state.saveAsync({
      guard: this.guard.snapshot(),
      trades: [...this.trades.values()],
      droppedEntries: [...this.droppedEntries.values()],
      trailSeq: this.options.audit.nextSeq - 1,
    });
    saved.catch((error: unknown) => this.#stateFailed(error));
    return saved;
  }

  #stateFailed(error: unknown): void {
    this.counters.errors += 1;
    const message = error instanceof Error ? error.message : String(error);
    this.log.error({ err: error }, `the state file cannot be written (${message}); trading halted`);
    if (this.guard.tradingState !== 'halted')
      this.guard.halt(`state file write failed: ${message}`, this.now());
  }

  rationale(input: RationaleInput): Promise<unknown> {
    const { action, symbol, side, why } = input;
    this.recentDecisions.push({ ts: this.now(), action, symbol: symbol ?? null, side: side ?? null, why });
    if (this.recentDecisions.length > RECENT_DECISIONS) this.recentDecisions.shift();
    return this.options.audit.appendRationale(input);
  }

  /**
   * Decision records that must be durable before what they decide happens (an order leaving, a trade
   * forgotten): appended in order and flushed at once, by one flush however many — a group commit with
   * whatever else is pending — instead of waiting for the `batch` durability window.
   */
  async recordDurably(...inputs: readonly RationaleInput[]): Promise<void> {
    await Promise.all([...inputs.map((input) => this.rationale(input)), this.options.audit.flush()]);
  }

  /** For records written without waiting (operator commands, feed health): a failure must not crash. */
  recordLater(input: RationaleInput): void {
    this.rationale(input).catch((error: unknown) => this.auditFailed(error));
  }

  /** A denied signal: counted, logged and audited with its code. */
  deny(
    code: string,
    input: { readonly symbol: string; readonly side: 'long' | 'short'; readonly why: string },
    figures: Record<string, number | string | boolean | null> = {},
  ): Promise<void> {
    this.counters.denials[code] = (this.counters.denials[code] ?? 0) + 1;
    if (HALT_CODES.has(code)) {
      // A halted bot says so once; each signal it then refuses is a debug line (and an audit record).
      const halt = `${code}: ${input.why}`;
      if (this.haltAnnounced !== halt) {
        this.haltAnnounced = halt;
        this.log.warn(
          { symbol: input.symbol, code },
          `halted (${halt}): every signal is denied and recorded until the halt ends (POST /resume, or 00:00 UTC for a daily drawdown)`,
        );
      } else {
        this.log.debug(
          { symbol: input.symbol, code },
          `signal ${input.symbol} ${input.side} denied: ${code} (halted)`,
        );
      }
    } else {
      this.haltAnnounced = undefined;
      this.log.info(
        { symbol: input.symbol, code },
        `signal ${input.symbol} ${input.side} denied: ${code} (${input.why})`,
      );
    }
    // A denial opens nothing: its record is appended in order but not waited for (the `batch` window would
    // hold the queue, and the next candle, for nothing); a failed write halts trading (`auditFailed`).
    this.recordLater({
      action: 'risk.deny',
      lens: 'Risk',
      symbol: input.symbol,
      side: input.side,
      why: `${code}: ${input.why}`,
      config: { ...this.config.risk, tier: this.config.strategy.tier },
      risk: { code, ...figures },
    });
    return Promise.resolve();
  }

  /** No decision may go unrecorded: when the trail cannot be written, no new entry is opened. */
  auditFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(
      { err: error, playbook: 'audit-verification-failed' },
      `playbook audit-verification-failed: the audit trail cannot be written (${message}); trading halted`,
    );
    if (this.guard.tradingState !== 'halted')
      this.guard.halt(`audit trail write failed: ${message}`, this.now());
  }

  /** A settle that failed: logged with its playbook, the playbook's action taken, retried by the next review or candle. */
  settleFailed(symbol: string, error: unknown): void {
    this.counters.errors += 1;
    const message = error instanceof Error ? error.message : String(error);
    const playbook = playbookForError(error);
    this.log.error(
      { err: error, playbook: playbook?.id, symbol },
      `${playbook ? `playbook ${playbook.id}: ` : ''}settling ${symbol} failed (${message}); tried again at the next review or candle`,
    );
    if (playbook) this.#actOn(playbook, message);
  }

  /**
   * What the loop does itself when an error names a playbook (the other actions happen where the incident
   * is met): `halt` halts the guard, `stop-opening` until an account sweep stops new entries. A rate limit's
   * `stop-opening` needs nothing here: the exchange adapter's pause is the condition.
   */
  #actOn(playbook: Playbook, message: string): void {
    const { action } = playbook;
    if (action.kind === 'halt') {
      // An earlier halt (a liquidation, the streak, the operator's) is kept: it says more.
      if (this.guard.tradingState === 'halted') return;
      const reason = `playbook ${playbook.id}: ${message}`;
      this.guard.halt(reason, this.now());
      void this.saveState();
      this.log.error(
        { playbook: playbook.id },
        `playbook ${playbook.id}: trading halted (${message}); positions keep their protection on the exchange; POST /resume once it is fixed`,
      );
      this.recordLater({
        action: 'trading.pause',
        lens: 'Risk',
        why: reason,
        risk: { halt: 'HALTED', playbook: playbook.id },
      });
    } else if (action.kind === 'stop-opening' && action.until === 'account-sweep') {
      if (this.#stoppedOpening.has(playbook.id)) return;
      this.#stoppedOpening.set(playbook.id, { since: Date.now(), reason: message });
      this.log.warn(
        { playbook: playbook.id },
        `playbook ${playbook.id}: no new positions (${action.denial}) until an account sweep succeeds (${message})`,
      );
      this.recordLater({
        action: 'entries.stop',
        lens: 'Execution',
        why: `${message}: no new positions until an account sweep succeeds`,
        risk: { playbook: playbook.id, denial: action.denial },
      });
    }
  }

  /** An account sweep succeeded: the `stop-opening` playbooks waiting for it clear. */
  #exchangeAnswered(): void {
    for (const [id, stopped] of this.#stoppedOpening) {
      this.#stoppedOpening.delete(id);
      this.log.info(
        { playbook: id },
        `playbook ${id}: the exchange answers again (an account sweep succeeded); opening positions again`,
      );
      this.recordLater({
        action: 'entries.resume',
        lens: 'Execution',
        why: `an account sweep succeeded: the exchange answers again (it did not: ${stopped.reason})`,
        risk: { playbook: id, stoppedForMs: Date.now() - stopped.since },
      });
    }
  }

  incident(incident: Incident): void {
    const playbook = playbookForIncident(incident.code)?.id;
    this.log[incident.severity === 'critical' ? 'error' : 'warn'](
      { playbook, incident: incident.code, symbol: incident.symbol },
      `${playbook ? `playbook ${playbook}: ` : ''}${incident.code} ${incident.symbol}: ${incident.message}`,
    );
    // `undefined` is not JSON (an adopted position's incident has no intentId): the append would reject,
    // and an unhandled rejection takes the whole process down mid-reconcile.
    void this.options.audit
      .append('incident', {
        ...incident,
        intentId: incident.intentId ?? null,
        error: incident.error ?? null,
        playbook: playbook ?? null,
      })
      .catch((error: unknown) => this.auditFailed(error));
  }

  /**
   * Runs `task` after every task queued before it: candles, exits and operator commands never race. The one
   * wait that leaves the queue is an entry's unknown outcome (up to `unknownOutcomeWindowMs`, see
   * `entriesInFlight`): its symbol stays locked, and its result is handled as a task of its own. A task
   * that fails is the loop's catch-all: counted, logged and audited with its playbook, whose action is taken
   * before the next task runs.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      (error: unknown) => {
        this.counters.errors += 1;
        const message = error instanceof Error ? error.message : String(error);
        const playbook = playbookForError(error);
        this.log.error(
          { err: error, playbook: playbook?.id },
          playbook ? `playbook ${playbook.id}: ${message}` : `error: ${message}`,
        );
        this.options.audit
          .append('incident', { error: message, playbook: playbook?.id ?? null })
          .catch((failure: unknown) => this.auditFailed(failure));
        if (playbook) this.#actOn(playbook, message);
      },
    );
    return run;
  }

  /** Until the queue is idle and no entry waits out an unknown outcome off it (their results are tasks too). */
  async drain(): Promise<void> {
    let current: Promise<void>;
    do {
      await Promise.all(this.entriesInFlight.values());
      current = this.#queue;
      await current;
    } while (current !== this.#queue || this.entriesInFlight.size > 0);
  }
}

/** A decision's fields as the flat figures an audit rationale holds. */
export function flatFigures(value: object): Record<string, number | string | boolean | null> {
  const figures: Record<string, number | string | boolean | null> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'number' || typeof field === 'boolean' || field === null) figures[name] = field;
    else if (typeof field === 'string') figures[name] = field.slice(0, 200);
  }
  return figures;
}
