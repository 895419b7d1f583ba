import type { AuditTrail, RationaleInput } from '@bot/audit';
import type { BotConfig } from '@bot/config';
import type { CcxtExchange, Incident } from '@bot/exchange';
import type { RiskGuard } from '@bot/risk';
import type { Strategy } from '@bot/strategy';
import type { MarketStream, RestRequest, UserDataStream } from '@bot/ws';
import type { BotStateStore, OpenTrade } from '../bot-state';
import { playbookForError } from '../error-playbooks';
import type { Logger } from '../logger';
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

/** The playbooks of `@bot/exchange`'s incidents; the others (a take-profit that failed…) have none. */
const INCIDENT_PLAYBOOKS: Partial<Record<Incident['code'], string>> = {
  STOP_LOSS_FAILED: 'sl-placement-failed',
  POSITION_UNPROTECTED: 'position-unprotected',
  ENTRY_OUTCOME_UNKNOWN: 'position-unprotected',
  ENTRY_NOT_CANCELED: 'position-unprotected',
};

/** The run's counters, for the summary. */
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
export class TraderContext {
  readonly options: TraderOptions;
  readonly config: BotConfig;
  readonly exchange: CcxtExchange;
  readonly log: Logger;
  readonly strategies = new Map<string, Strategy>();
  /** The bot's own trades (and adopted positions), by symbol. */
  readonly trades = new Map<string, OpenTrade>();
  /** Symbols whose foreign position the policy `ignore-symbol` leaves alone: never traded while open. */
  readonly ignoredSymbols = new Set<string>();
  /** Forced closes (liquidation, ADL) already acted on, by `symbol@time`. */
  readonly handledForcedCloses = new Set<string>();
  readonly lastCandle = new Map<string, number>();
  readonly waiters = new Set<() => void>();
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
  account: AccountState = emptyAccountState;
  market: MarketStream | undefined;
  userData: UserDataStream | undefined;
  accepting = false;
  /** Close time of the latest candle handled. */
  marketTime = 0;
  /** The latest market time any event showed (a candle still forming, a user-data event): signals age by it. */
  marketClock = 0;
  /** Set when a sweep found what the user-data stream did not say: no entries until a sweep agrees. */
  outOfSync: string | undefined;
  /** Symbols whose leverage and margin mode the bot has set this run: a later difference is drift. */
  readonly configuredSymbols = new Set<string>();
  /** A review of the account is already waiting on the queue. */
  reviewQueued = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TraderOptions) {
    this.options = options;
    this.config = options.config;
    this.exchange = options.exchange;
    this.log = options.logger;
  }

  now(): number {
    return Math.max(this.marketTime, this.marketClock, 1);
  }

  saveState(): void {
    this.options.state.save({ guard: this.guard.snapshot(), trades: [...this.trades.values()] });
  }

  rationale(input: RationaleInput): Promise<unknown> {
    return this.options.audit.appendRationale(input);
  }

  /** For records written without waiting (operator commands, feed health): a failure must not crash. */
  recordLater(input: RationaleInput): void {
    this.rationale(input).catch((error: unknown) => this.auditFailed(error));
  }

  /** A denied signal: counted, logged and audited with its code. */
  async deny(
    code: string,
    input: { readonly symbol: string; readonly side: 'long' | 'short'; readonly why: string },
    figures: Record<string, number | string | boolean | null> = {},
  ): Promise<void> {
    this.counters.denials[code] = (this.counters.denials[code] ?? 0) + 1;
    this.log.info(
      { symbol: input.symbol, code },
      `signal ${input.symbol} ${input.side} denied: ${code} (${input.why})`,
    );
    await this.rationale({
      action: 'risk.deny',
      lens: 'Risk',
      symbol: input.symbol,
      side: input.side,
      why: `${code}: ${input.why}`,
      config: { ...this.config.risk, tier: this.config.strategy.tier },
      risk: { code, ...figures },
    });
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

  /** A settle that failed: logged with its playbook and retried by the next review or candle. */
  settleFailed(symbol: string, error: unknown): void {
    this.counters.errors += 1;
    const message = error instanceof Error ? error.message : String(error);
    const playbook = playbookForError(error);
    this.log.error(
      { err: error, playbook, symbol },
      `${playbook ? `playbook ${playbook}: ` : ''}settling ${symbol} failed (${message}); tried again at the next review or candle`,
    );
  }

  incident(incident: Incident): void {
    const playbook = INCIDENT_PLAYBOOKS[incident.code];
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

  /** Runs `task` after every task queued before it: candles, exits and operator commands never race. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      (error: unknown) => {
        this.counters.errors += 1;
        const message = error instanceof Error ? error.message : String(error);
        const playbook = playbookForError(error);
        this.log.error(
          { err: error, playbook },
          playbook ? `playbook ${playbook}: ${message}` : `error: ${message}`,
        );
        this.options.audit
          .append('incident', { error: message, playbook: playbook ?? null })
          .catch((failure: unknown) => this.auditFailed(failure));
      },
    );
    return run;
  }

  async drain(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#queue;
      await current;
    } while (current !== this.#queue);
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
