import type { RiskGuard } from '@bot/risk';
import { BreakoutStrategy } from '@bot/strategy';
import type { OpenTrade } from '../bot-state';
import type { BotControl } from '../operator-api';
import { reviewAccount, sweepAccount } from './account-watch';
import { consoleView } from './console-view';
import { TraderContext } from './context';
import type { TraderOptions } from './context';
import { feedHealth, startFeeds } from './feeds';
import { closeAtMarket } from './protection';
import { settle } from './settlement';
import { checkSymbols, configureSymbolsAtStart, reconcileAtStart, restoreGuard, warmUp } from './startup';

export interface RunSummary {
  readonly signals: number;
  readonly entries: number;
  readonly closes: number;
  readonly wins: number;
  readonly realizedPnl: number;
  readonly maxDrawdown: number;
  readonly longestStopLossStreak: number;
  readonly denials: Readonly<Record<string, number>>;
  readonly openAtEnd: number;
}

/**
 * The bot's trading loop, the same in every mode: closed candles from the market stream into the strategy,
 * RiskGuard and sizing in front of every entry, protected entries through the exchange adapter, and one
 * account state — fed by the user-data stream and by REST sweeps — that says what the exchange holds:
 * exits, positions the bot did not open, liquidations, leverage. Every decision is in the audit trail with
 * its reason, and the guard and open trades are saved after each change so a restart continues where it
 * stopped. Candles, account reviews and operator commands run one at a time on one queue; the one wait that
 * leaves it is an entry's unknown outcome (up to `unknownOutcomeWindowMs`), its symbol locked meanwhile and
 * its result handled as a task of its own (`entriesInFlight`).
 *
 * Its parts: `startup.ts` (start-up and reconcile), `entries.ts`, `settlement.ts` (exits and closes),
 * `account-watch.ts` (the account state and foreign positions), `feeds.ts`; this class composes them and
 * answers the operator.
 */
/** The breakout strategy, its target at least the configured minimum reward:risk away (2 stop distances by default). */
function defaultStrategy(symbol: string, minRewardRisk: number): BreakoutStrategy {
  return new BreakoutStrategy({ symbol, minRewardRisk, rewardRisk: Math.max(2, minRewardRisk) });
}

export class Trader implements BotControl {
  readonly #context: TraderContext;
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: TraderOptions) {
    this.#context = new TraderContext(options);
    for (const symbol of options.config.symbols) {
      this.#context.strategies.set(
        symbol,
        options.createStrategy?.(symbol) ?? defaultStrategy(symbol, options.config.strategy.minRewardRisk),
      );
    }
  }

  /**
   * Start-up, in the order that keeps money safe: check the symbols exist, restore the guard, read the whole
   * account and reconcile (an unprotected position gets its stop-loss before anything else), settle trades
   * that closed while the bot was away, set the leverage and margin mode of each idle symbol, warm the
   * strategies up, then open the feeds and the periodic sweep.
   */
  async start(): Promise<void> {
    const context = this.#context;
    await checkSymbols(context);
    restoreGuard(context);
    await reconcileAtStart(context);
    await configureSymbolsAtStart(context);
    await warmUp(context);
    startFeeds(context);
    this.#scheduleSweep();
    context.accepting = true;
  }

  /**
   * Stops opening, lets the queue drain (and every entry in flight end: at most its unknown-outcome window),
   * optionally flattens, closes the feeds and saves the state.
   */
  async stop(options: { readonly flatten?: boolean } = {}): Promise<void> {
    const context = this.#context;
    context.accepting = false;
    this.#stopped = true;
    clearTimeout(this.#sweepTimer);
    await context.market?.close();
    await context.drain();
    if (options.flatten) await this.flatten('operator: --flatten-on-exit');
    await context.userData?.close();
    await context.drain();
    await context.saveState();
    await context.options.audit.append('run.stop', {
      flattened: options.flatten === true,
      openTrades: [...context.trades.keys()],
      risk: context.guard.snapshot(),
    });
  }

  /**
   * The whole account over REST every `execution.accountSweepMs`; every 5 s instead while a sweep found
   * what the stream did not report, until one agrees again.
   */
  #scheduleSweep(): void {
    const context = this.#context;
    const period = context.config.execution.accountSweepMs;
    const delay = context.outOfSync === undefined ? period : Math.min(period, OUT_OF_SYNC_SWEEP_MS);
    this.#sweepTimer = setTimeout(() => {
      void context
        .enqueue(async () => {
          await sweepAccount(context, 'periodic sweep');
          await reviewAccount(context);
        })
        .catch(() => undefined) // logged and acted on by the queue
        .finally(() => {
          if (!this.#stopped) this.#scheduleSweep();
        });
    }, delay);
    this.#sweepTimer.unref();
  }

  summary(): RunSummary {
    const { counters, trades } = this.#context;
    return {
      signals: counters.signals,
      entries: counters.entries,
      closes: counters.closes,
      wins: counters.wins,
      realizedPnl: round2(counters.realizedPnl),
      maxDrawdown: round2(counters.maxDrawdown),
      longestStopLossStreak: counters.longestStreak,
      denials: { ...counters.denials },
      openAtEnd: trades.size,
    };
  }

  /** Where the run stands, for the heartbeat line: market time, equity, positions, PnL so far. */
  progress(): {
    readonly marketTime: number;
    readonly equity: number | undefined;
    readonly openPositions: number;
    readonly realizedPnl: number;
    readonly entries: number;
  } {
    const context = this.#context;
    const balance = context.account.balances.get(context.config.quoteCoin);
    const equity = balance?.marginBalance ?? balance?.walletBalance;
    return {
      marketTime: context.now(),
      equity: equity === undefined ? undefined : Number(equity),
      openPositions: context.account.positions.size,
      realizedPnl: round2(context.counters.realizedPnl),
      entries: context.counters.entries,
    };
  }

  get guard(): RiskGuard {
    return this.#context.guard;
  }

  get openTrades(): readonly OpenTrade[] {
    return [...this.#context.trades.values()];
  }

  /** Every position on the exchange, the bot's and the others, as the account state holds them. */
  get accountPositions(): readonly { symbol: string; side: string; quantity: string }[] {
    return [...this.#context.account.positions.values()];
  }

  /** Errors the loop logged and survived (an exchange error during a decision, for instance). */
  get errors(): number {
    return this.#context.counters.errors;
  }

  /**
   * Resolves once every symbol's (or each of `symbols`') candle closing at or after `closeTime` is handled,
   * the queue is idle and every record written so far is durable (a denial's record is not waited for on
   * the queue).
   */
  async processedThrough(closeTime: number, symbols?: readonly string[]): Promise<void> {
    const context = this.#context;
    const done = () =>
      (symbols ?? context.config.symbols).every(
        (symbol) => (context.lastCandle.get(symbol) ?? 0) >= closeTime,
      );
    while (!done()) await new Promise<void>((resolve) => context.waiters.add(resolve));
    await this.idle();
  }

  /**
   * Resolves once every queued task (account reviews, sweeps, an in-flight entry's result) has run and its
   * records are durable.
   */
  async idle(): Promise<void> {
    await this.#context.drain();
    await this.#context.options.audit.flush().catch(() => undefined); // a failure halted trading already
  }

  /** Reads the whole account over REST now (tests, and `POST /sweep` one day). */
  sweep(reason = 'requested sweep'): Promise<void> {
    return this.#context.enqueue(async () => {
      await sweepAccount(this.#context, reason);
      await reviewAccount(this.#context);
    });
  }

  // --- operator control (the operator API and the CLI's signals) ---

  health(): Record<string, unknown> {
    const feeds = feedHealth(this.#context);
    const ok =
      Object.values(feeds).every((state) => state === 'live') && this.#context.outOfSync === undefined;
    return { status: ok ? 'ok' : 'degraded', accepting: this.#context.accepting, feeds };
  }

  status(): Record<string, unknown> {
    const context = this.#context;
    return {
      mode: context.config.mode,
      accepting: context.accepting,
      risk: context.guard.status(context.now()),
      positions: this.openTrades.map((trade) => ({
        ...trade,
        protection: { stopLoss: trade.stopLossPrice, takeProfit: trade.takeProfitPrice ?? null },
      })),
      account: {
        positions: this.accountPositions,
        ignoredSymbols: [...context.ignoredSymbols],
        outOfSync: context.outOfSync ?? null,
      },
      feeds: feedHealth(context),
      summary: this.summary(),
      ...consoleView(context),
    };
  }

  halt(reason: string): void {
    const context = this.#context;
    context.guard.halt(reason, context.now());
    void context.saveState();
    context.log.warn({ reason }, `trading halted: ${reason}`);
    context.recordLater({
      action: 'trading.pause',
      lens: 'Operator',
      why: reason,
      risk: { tradingState: context.guard.tradingState },
    });
  }

  resume(reason = 'operator resumed trading'): void {
    const context = this.#context;
    context.guard.resume(context.now());
    void context.saveState();
    context.log.info(`trading resumed (state ${context.guard.tradingState})`);
    context.recordLater({
      action: 'trading.resume',
      lens: 'Operator',
      why: reason,
      risk: { tradingState: context.guard.tradingState },
    });
  }

  /** Closes every open position at market (reduce-only), cancels their exits and records the closes. */
  flatten(reason = 'operator: POST /flatten'): Promise<Record<string, unknown>> {
    const context = this.#context;
    return context.enqueue(async () => {
      const positions = await context.exchange.fetchPositions([
        ...new Set([...context.config.symbols, ...context.trades.keys()]),
      ]);
      const closed: string[] = [];
      for (const position of positions) {
        await closeAtMarket(context, {
          symbol: position.symbol,
          side: position.side,
          quantity: position.quantity,
          tag: 'flat',
          action: 'position.close',
          lens: 'Operator',
          why: reason,
        });
        closed.push(position.symbol);
      }
      for (const symbol of closed) await settle(context, symbol, 'manual');
      return { closed, status: this.status() };
    });
  }
}

const OUT_OF_SYNC_SWEEP_MS = 5_000;

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
