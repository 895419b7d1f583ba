import type { AuditTrail, RationaleInput } from '@bot/audit';
import type { BotConfig } from '@bot/config';
import {
  applyReconcileActions,
  clientOrderIdsFor,
  isLiveConditionalOrder,
  reconcile,
  settleExits,
} from '@bot/exchange';
import type { CcxtExchange, Incident, ReconcileAction } from '@bot/exchange';
import { RiskGuard, sizePosition } from '@bot/risk';
import type { CloseReason, OpenPosition } from '@bot/risk';
import { BreakoutStrategy } from '@bot/strategy';
import type { Signal, Strategy } from '@bot/strategy';
import { fromExchangeId, toExchangeId } from '@bot/symbols';
import {
  MarketStream,
  UserDataStream,
  createBinanceListenKeyApi,
  createBinanceMarketPoller,
  createBinanceUserDataPoller,
  klineStream,
} from '@bot/ws';
import type { FeedHealthState, HealthTransition, KlineEvent, KlineInterval, RestRequest } from '@bot/ws';
import type { BotStateStore, OpenTrade } from './bot-state';
import { playbookForError } from './error-playbooks';
import type { Logger } from './logger';
import type { BotControl } from './operator-api';

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

export class UnknownSymbolError extends Error {
  override readonly name = 'UnknownSymbolError';
}

const TAKER_FEE_RATE = 0.0005;
const SLIPPAGE_PCT = 0.0005;

/** The playbooks of `@bot/exchange`'s incidents; the others (a take-profit that failed…) have none. */
const INCIDENT_PLAYBOOKS: Partial<Record<Incident['code'], string>> = {
  STOP_LOSS_FAILED: 'sl-placement-failed',
  POSITION_UNPROTECTED: 'position-unprotected',
  ENTRY_OUTCOME_UNKNOWN: 'position-unprotected',
  ENTRY_NOT_CANCELED: 'position-unprotected',
};

/** The playbook each feed problem maps to (see `bot playbook`). */
const FEED_PLAYBOOK = 'ws-degraded';

/**
 * The bot's trading loop, the same in every mode: closed candles from the market stream into the strategy,
 * RiskGuard and sizing in front of every entry, protected entries through the exchange adapter, exits
 * settled from the user-data stream (REST polling while it is degraded, and a check at every closed candle),
 * every decision in the audit trail with its reason, and the guard and open trades saved after each change
 * so a restart continues where it stopped. Candles, exits and operator commands run one at a time on one
 * queue: no decision races another.
 */
export class Trader implements BotControl {
  readonly #options: TraderOptions;
  readonly #config: BotConfig;
  readonly #exchange: CcxtExchange;
  readonly #log: Logger;
  readonly #strategies = new Map<string, Strategy>();
  readonly #trades = new Map<string, OpenTrade>();
  readonly #lastCandle = new Map<string, number>();
  readonly #denials: Record<string, number> = {};
  readonly #waiters = new Set<() => void>();
  #guard!: RiskGuard;
  #market: MarketStream | undefined;
  #userData: UserDataStream | undefined;
  #queue: Promise<void> = Promise.resolve();
  #accepting = false;
  #marketTime = 0;
  #signals = 0;
  #entries = 0;
  #closes = 0;
  #wins = 0;
  #realizedPnl = 0;
  #peakPnl = 0;
  #maxDrawdown = 0;
  #longestStreak = 0;
  #errors = 0;

  constructor(options: TraderOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#exchange = options.exchange;
    this.#log = options.logger;
    for (const symbol of this.#config.symbols) {
      this.#strategies.set(symbol, options.createStrategy?.(symbol) ?? new BreakoutStrategy({ symbol }));
    }
  }

  /**
   * Start-up, in the order that keeps money safe: check the symbols exist, restore the guard, reconcile with
   * the exchange (an unprotected position gets its stop-loss before anything else), settle trades that
   * closed while the bot was away, warm the strategies up, then open the feeds.
   */
  async start(): Promise<void> {
    await this.#checkSymbols();
    this.#restoreGuard();
    await this.#reconcileAtStart();
    await this.#warmUp();
    this.#startFeeds();
    this.#accepting = true;
  }

  /** Stops opening, lets the queue drain, optionally flattens, closes the feeds and saves the state. */
  async stop(options: { readonly flatten?: boolean } = {}): Promise<void> {
    this.#accepting = false;
    await this.#market?.close();
    await this.#drain();
    if (options.flatten) await this.flatten('operator: --flatten-on-exit');
    await this.#userData?.close();
    this.#saveState();
    await this.#options.audit.append('run.stop', {
      flattened: options.flatten === true,
      openTrades: [...this.#trades.keys()],
      risk: this.#guard.snapshot(),
    });
  }

  summary(): RunSummary {
    return {
      signals: this.#signals,
      entries: this.#entries,
      closes: this.#closes,
      wins: this.#wins,
      realizedPnl: round2(this.#realizedPnl),
      maxDrawdown: round2(this.#maxDrawdown),
      longestStopLossStreak: this.#longestStreak,
      denials: { ...this.#denials },
      openAtEnd: this.#trades.size,
    };
  }

  get guard(): RiskGuard {
    return this.#guard;
  }

  get openTrades(): readonly OpenTrade[] {
    return [...this.#trades.values()];
  }

  /** Errors the loop logged and survived (an exchange error during a decision, for instance). */
  get errors(): number {
    return this.#errors;
  }

  /** Resolves once every symbol's candle closing at or after `closeTime` is handled and the queue is idle. */
  async processedThrough(closeTime: number): Promise<void> {
    const done = () =>
      this.#config.symbols.every((symbol) => (this.#lastCandle.get(symbol) ?? 0) >= closeTime);
    while (!done()) await new Promise<void>((resolve) => this.#waiters.add(resolve));
    await this.#drain();
  }

  // --- operator control (the operator API and the CLI's signals) ---

  health(): Record<string, unknown> {
    const feeds = this.#feedHealth();
    const ok = Object.values(feeds).every((state) => state === 'live');
    return { status: ok ? 'ok' : 'degraded', accepting: this.#accepting, feeds };
  }

  status(): Record<string, unknown> {
    return {
      mode: this.#config.mode,
      accepting: this.#accepting,
      risk: this.#guard.status(this.#now()),
      positions: this.openTrades.map((trade) => ({
        ...trade,
        protection: { stopLoss: trade.stopLossPrice, takeProfit: trade.takeProfitPrice ?? null },
      })),
      feeds: this.#feedHealth(),
      summary: this.summary(),
    };
  }

  halt(reason: string): void {
    this.#guard.halt(reason, this.#now());
    this.#saveState();
    this.#log.warn({ reason }, `trading halted: ${reason}`);
    this.#recordLater({
      action: 'trading.pause',
      lens: 'Operator',
      why: reason,
      risk: { tradingState: this.#guard.tradingState },
    });
  }

  resume(): void {
    this.#guard.resume(this.#now());
    this.#saveState();
    this.#log.info(`trading resumed (state ${this.#guard.tradingState})`);
    this.#recordLater({
      action: 'trading.resume',
      lens: 'Operator',
      why: 'operator resumed trading',
      risk: { tradingState: this.#guard.tradingState },
    });
  }

  /** Closes every open position at market (reduce-only), cancels their exits and records the closes. */
  flatten(reason = 'operator: POST /flatten'): Promise<Record<string, unknown>> {
    return this.#enqueue(async () => {
      const positions = await this.#exchange.fetchPositions(this.#config.symbols);
      const closed: string[] = [];
      for (const position of positions) {
        const clientOrderId = `${this.#exchange.clientIdPrefix}-flat-${toExchangeId(position.symbol)}-${Date.now().toString(36)}`;
        await this.#rationale({
          action: 'position.close',
          lens: 'Operator',
          symbol: position.symbol,
          side: position.side,
          why: reason,
          risk: { clientOrderId, quantity: position.quantity },
        });
        await this.#options.audit.flush();
        await this.#exchange.closePosition({
          symbol: position.symbol,
          positionSide: position.side,
          quantity: position.quantity,
          clientOrderId,
          rationale: reason,
        });
        closed.push(position.symbol);
      }
      for (const symbol of closed) await this.#settle(symbol, 'manual');
      return { closed, status: this.status() };
    });
  }

  // --- start-up ---

  async #checkSymbols(): Promise<void> {
    const instruments = await this.#exchange.instruments();
    const known = new Set<string>(instruments.map((instrument) => instrument.symbol));
    const unknown = this.#config.symbols.filter((symbol) => !known.has(symbol));
    if (unknown.length > 0) {
      const quoted = instruments
        .map((instrument) => instrument.symbol)
        .filter((symbol) => symbol.endsWith(`/${this.#config.quoteCoin}:${this.#config.settleCoin}`))
        .slice(0, 20);
      throw new UnknownSymbolError(
        `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: not a trading ${this.#config.quoteCoin}-margined perpetual on this exchange. ` +
          `Available: ${quoted.join(', ')}${quoted.length === 20 ? ', …' : ''}`,
      );
    }
  }

  #restoreGuard(): void {
    const saved = this.#options.freshState ? { guard: undefined, trades: [] } : this.#options.state.load();
    const settings = { tier: this.#config.strategy.tier, limits: this.#config.risk };
    this.#guard = saved.guard ? RiskGuard.restore(saved.guard, settings) : new RiskGuard(settings);
    for (const trade of saved.trades) this.#trades.set(trade.symbol, trade);
    const status = this.#guard.status();
    this.#log.info(
      { risk: status, trades: saved.trades.length },
      saved.guard
        ? `risk state restored from ${this.#options.state.path}: ${status.tradingState}, stop-loss streak ${status.stopLossStreak}, day's realized PnL ${status.realizedPnl}`
        : this.#options.freshState
          ? 'a new emulator account: the risk state starts fresh'
          : 'no saved risk state: starting a fresh guard',
    );
  }

  async #reconcileAtStart(): Promise<void> {
    const actions = await this.#reconcile(this.#config.symbols, 'reconcile at start');
    // Every open position on a traded symbol is watched from now on: the bot's own trades, and positions it
    // did not know (opened by hand, or a lost state file) with whatever stop now covers them.
    const after = await this.#exchange.fetchExchangeState(this.#config.symbols);
    for (const position of after.positions) {
      if (this.#trades.has(position.symbol)) continue;
      const live = after.conditionalOrders.filter(
        (order) => order.symbol === position.symbol && isLiveConditionalOrder(order),
      );
      const stop = live.find((order) => order.purpose === 'stop-loss');
      const target = live.find((order) => order.purpose === 'take-profit');
      this.#trades.set(position.symbol, {
        intentId: stop?.clientOrderId ?? `adopted-${toExchangeId(position.symbol)}-${position.updatedAt}`,
        symbol: position.symbol,
        side: position.side,
        quantity: position.quantity,
        stopLossPrice: stop?.triggerPrice ?? this.#adoptedStopPrice(position.side, position.entryPrice),
        takeProfitPrice: target?.triggerPrice,
        stopLossId: stop?.id,
        takeProfitId: target?.id,
        openedAt: position.updatedAt,
      });
      this.#log.warn(
        { symbol: position.symbol, side: position.side, quantity: position.quantity },
        `adopted ${position.symbol} ${position.side} ${position.quantity}: a position the saved state did not know; it counts against the limits and its close is recorded`,
      );
    }
    // Trades that closed while the bot was away are settled (and counted) now.
    for (const trade of this.openTrades) await this.#settle(trade.symbol);
    this.#saveState();
    this.#log.info(
      { actions: actions.length, open: this.#trades.size },
      `reconciled with the exchange: ${actions.length} action(s), ${this.#trades.size} open trade(s) watched`,
    );
  }

  /** An adopted position risks at most what one trade may: the risk per trade spread over the leverage. */
  #adoptedStopFraction(): number {
    return Math.min(0.5, this.#config.risk.riskPerTradePct * Math.max(1, this.#config.risk.leverageDefault));
  }

  #adoptedStopPrice(side: 'long' | 'short', entryPrice: string): string {
    const fraction = this.#adoptedStopFraction();
    return String(Number(entryPrice) * (side === 'long' ? 1 - fraction : 1 + fraction));
  }

  /**
   * Reconciles `symbols` with the exchange against the open trades: a position without a covering stop gets
   * one (or is closed if it cannot); returns the actions, all audited (the plan before, outcomes after).
   */
  async #reconcile(symbols: readonly string[], rationale: string): Promise<readonly ReconcileAction[]> {
    const exchangeState = await this.#exchange.fetchExchangeState(symbols);
    const intents = this.openTrades
      .filter((trade) => symbols.includes(trade.symbol))
      .map((trade) => ({
        intentId: trade.intentId,
        symbol: trade.symbol,
        side: trade.side,
        quantity: trade.quantity,
        stopLossPrice: trade.stopLossPrice,
        takeProfitPrice: trade.takeProfitPrice,
      }));
    const actions = reconcile(exchangeState, intents, {
      adoptedStopLossFraction: String(this.#adoptedStopFraction()),
      now: Date.now(),
      clientIdPrefix: this.#exchange.clientIdPrefix,
    });
    const result = await this.#applyReconcile(actions, rationale);
    for (const outcome of result.outcomes) await this.#auditReconcile(outcome.action, outcome.status);
    for (const incident of result.incidents) this.#incident(incident);
    return actions;
  }

  /** Applies reconcile's actions after writing (and flushing) the plan: every order it sends is in the trail. */
  async #applyReconcile(actions: readonly ReconcileAction[], rationale: string) {
    const orders = actions.filter((action) => action.type !== 'flag');
    if (orders.length > 0) {
      await this.#options.audit.append('reconcile.plan', {
        rationale,
        actions: orders.map((action) => ({
          type: action.type,
          symbol: action.symbol,
          clientOrderId: action.clientOrderId,
          reason: action.reason,
        })),
      });
      await this.#options.audit.flush();
    }
    return applyReconcileActions(this.#exchange, actions, { rationale });
  }

  async #auditReconcile(action: ReconcileAction, status: string): Promise<void> {
    if (action.type === 'flag') {
      await this.#rationale({
        action: action.code === 'POSITION_ADOPTED' ? 'reconcile.adopt' : 'reconcile.mismatch',
        lens: 'Reconciler',
        symbol: action.symbol,
        why: `${action.code}: ${action.detail}`,
      });
      return;
    }
    await this.#rationale({
      action: action.type === 'place-stop-loss' ? 'protection.place' : 'reconcile.mismatch',
      lens: 'Reconciler',
      symbol: action.symbol,
      why: `${action.type} ${status}: ${action.reason}`,
      risk: {
        status,
        clientOrderId: action.clientOrderId,
        playbook: action.type === 'place-stop-loss' ? 'position-unprotected' : null,
      },
    });
    if (action.type === 'place-stop-loss') {
      this.#log.warn(
        { playbook: 'position-unprotected', symbol: action.symbol, status },
        `playbook position-unprotected: ${action.symbol} had no covering stop-loss; placing one at ${action.triggerPrice} (${status})`,
      );
    }
  }

  async #warmUp(): Promise<void> {
    const interval = this.#config.strategy.timeframe;
    for (const [symbol, strategy] of this.#strategies) {
      const rows = (await this.#options.rest({
        method: 'GET',
        path: '/fapi/v1/klines',
        params: { symbol: toExchangeId(symbol), interval, limit: Math.min(1500, strategy.warmUpCandles + 1) },
        security: 'NONE',
      })) as [number, string, string, string, string, string, number][];
      // The last row is the candle still forming.
      for (const [openTime, open, high, low, close, , closeTime] of rows.slice(0, -1)) {
        strategy.onCandle({
          openTime,
          open: Number(open),
          high: Number(high),
          low: Number(low),
          close: Number(close),
        });
        this.#lastCandle.set(symbol, closeTime);
        this.#marketTime = Math.max(this.#marketTime, closeTime);
      }
    }
  }

  #startFeeds(): void {
    const { rest, wsBaseUrl, feeds = {} } = this.#options;
    const interval = this.#config.strategy.timeframe as KlineInterval;
    const market = new MarketStream({
      baseUrl: wsBaseUrl,
      streams: this.#config.symbols.map((symbol) => klineStream(toExchangeId(symbol), interval)),
      poller: createBinanceMarketPoller({ request: rest }),
      // A kline stream sends an update every ~250 ms while trading; 1m candles may still be quiet at night.
      staleAfterMs: { kline: feeds.klineStaleAfterMs ?? 60_000 },
      degradeAfterMs: feeds.degradeAfterMs,
      recoverAfterMs: feeds.recoverAfterMs,
    });
    market.on('kline', (event) => this.#onKline(event));
    market.on('health', (transition) => this.#onHealth(transition));
    market.on('error', (error) => this.#log.warn({ code: error.code }, `market feed: ${error.message}`));
    const userData = new UserDataStream({
      baseUrl: wsBaseUrl,
      listenKeys: createBinanceListenKeyApi(rest),
      poller: createBinanceUserDataPoller({ request: rest, symbols: this.#config.symbols.map(toExchangeId) }),
      degradeAfterMs: feeds.degradeAfterMs,
      recoverAfterMs: feeds.recoverAfterMs,
    });
    const settleOn = (exchangeSymbol: string) => {
      const symbol = fromExchangeId(exchangeSymbol);
      if (this.#trades.has(symbol)) void this.#enqueue(() => this.#settle(symbol));
    };
    userData.on('orderUpdate', (event) => settleOn(event.symbol));
    userData.on('algoUpdate', (event) => settleOn(event.symbol));
    userData.on('accountUpdate', (event) => {
      for (const position of event.positions) settleOn(position.symbol);
    });
    userData.on('listenKeyExpired', () =>
      this.#log.warn(
        { playbook: 'listen-key-expired' },
        'playbook listen-key-expired: the listenKey expired; a new one is created and the gap is read over REST',
      ),
    );
    userData.on('health', (transition) => this.#onHealth(transition));
    userData.on('error', (error) => this.#log.warn({ code: error.code }, `user-data feed: ${error.message}`));
    this.#market = market;
    this.#userData = userData;
    market.start();
    userData.start();
  }

  #feedHealth(): Record<string, FeedHealthState> {
    return {
      market: this.#market?.health ?? 'stopped',
      userData: this.#userData?.health ?? 'stopped',
    };
  }

  #onHealth(transition: HealthTransition): void {
    const degraded = transition.to === 'degraded';
    const fields = {
      feed: transition.feed,
      from: transition.from,
      to: transition.to,
      cause: transition.cause,
    };
    if (degraded) {
      this.#log.warn(
        { ...fields, playbook: FEED_PLAYBOOK },
        `playbook ${FEED_PLAYBOOK}: ${transition.feed} feed degraded (${transition.reason}); polling REST`,
      );
    } else {
      this.#log.info(
        fields,
        `${transition.feed} feed ${transition.from} → ${transition.to}: ${transition.reason}`,
      );
    }
    this.#recordLater({
      action: degraded ? 'feed.degraded' : transition.to === 'live' ? 'feed.restored' : 'feed.transition',
      lens: 'Feed',
      why: `${transition.feed} ${transition.from} → ${transition.to} (${transition.cause}): ${transition.reason}`,
      risk: { ...fields, playbook: degraded ? FEED_PLAYBOOK : null },
    });
  }

  // --- the loop ---

  #onKline(event: KlineEvent): void {
    if (!event.closed) return;
    const symbol = fromExchangeId(event.symbol);
    void this.#enqueue(async () => {
      if (event.closeTime <= (this.#lastCandle.get(symbol) ?? 0)) return;
      this.#marketTime = Math.max(this.#marketTime, event.closeTime);
      // A backstop for a missed or late exit event, for every open trade before any decision: the
      // exchange's positions are the truth, and a close must count before the next entry is weighed.
      for (const trade of this.openTrades) await this.#settle(trade.symbol);
      const signal = this.#strategies.get(symbol)?.onCandle({
        openTime: event.openTime,
        open: Number(event.open),
        high: Number(event.high),
        low: Number(event.low),
        close: Number(event.close),
      });
      this.#lastCandle.set(symbol, event.closeTime);
      if (signal) await this.#onSignal(signal, event.closeTime);
      for (const wake of this.#waiters) wake();
      this.#waiters.clear();
    });
  }

  async #onSignal(signal: Signal, now: number): Promise<void> {
    this.#signals += 1;
    if (!this.#accepting) return;
    if (this.#trades.has(signal.symbol)) {
      this.#log.info(
        { symbol: signal.symbol },
        `signal ${signal.symbol} ${signal.side} skipped: position open`,
      );
      return;
    }
    const equity = await this.#equity();
    const openPositions: OpenPosition[] = this.openTrades.map(({ symbol, side }) => ({ symbol, side }));
    const decision = this.#guard.canOpen({
      symbol: signal.symbol,
      side: signal.side,
      now,
      equity,
      openPositions,
    });
    if (!decision.allowed) {
      this.#denials[decision.code] = (this.#denials[decision.code] ?? 0) + 1;
      this.#log.info(
        { symbol: signal.symbol, code: decision.code },
        `signal ${signal.symbol} ${signal.side} denied: ${decision.code}`,
      );
      await this.#rationale({
        action: 'risk.deny',
        lens: 'Risk',
        symbol: signal.symbol,
        side: signal.side,
        why: `${decision.code}: ${decision.message}`,
        config: { ...this.#config.risk, tier: this.#config.strategy.tier },
        risk: flatFigures(decision),
      });
      return;
    }
    const instrument = await this.#exchange.instrument(signal.symbol);
    const size = sizePosition({
      side: signal.side,
      equity,
      riskPct: this.#config.risk.riskPerTradePct,
      entry: signal.entry,
      stop: signal.stop,
      instrument,
      leverage: this.#config.risk.leverageDefault,
      feeRate: TAKER_FEE_RATE,
      slippagePct: SLIPPAGE_PCT,
      tier: this.#config.strategy.tier,
    });
    if (!size.allowed) {
      this.#denials[size.code] = (this.#denials[size.code] ?? 0) + 1;
      await this.#rationale({
        action: 'signal.skip',
        lens: 'Risk',
        symbol: signal.symbol,
        side: signal.side,
        why: `${size.code}: ${size.message}`,
        risk: { code: size.code, equity },
      });
      return;
    }
    const why = `${signal.why}; qty=${size.quantity} risks ${(this.#config.risk.riskPerTradePct * 100).toFixed(2)}% of ${equity.toFixed(2)}`;
    // The intent id derives from the signal's candle: a restart that sees the same signal again reuses the
    // same client order ids, and the exchange refuses the duplicate instead of opening twice.
    const intentId = `${toExchangeId(signal.symbol)}-${signal.time}`;
    const clientIds = clientOrderIdsFor(intentId, this.#exchange.clientIdPrefix);
    // Write-ahead: the decision is durable before the order leaves, so a crash right after the exchange
    // acknowledged it still leaves the order's reason in the trail (its client ids derive from `base`).
    await this.#rationale({
      action: 'order.place',
      lens: 'Trader',
      symbol: signal.symbol,
      side: signal.side === 'long' ? 'buy' : 'sell',
      size: Number(size.quantity),
      why,
      config: {
        riskPerTradePct: this.#config.risk.riskPerTradePct,
        leverage: this.#config.risk.leverageDefault,
        tier: this.#config.strategy.tier,
      },
      risk: {
        intentId,
        clientIdBase: clientIds.base,
        stopLoss: signal.stop,
        takeProfit: signal.target,
        equity,
      },
    });
    await this.#options.audit.flush();
    // The trade is tracked and saved before its entry leaves, like its decision: a kill after the entry
    // filled, or a result other than `protected`, still leaves a trade that the next settle (or the
    // restart's reconcile) protects, or counts when it closes: no loss escapes the guard.
    const pending: OpenTrade = {
      intentId,
      symbol: signal.symbol,
      side: signal.side,
      quantity: size.quantity,
      stopLossPrice: String(signal.stop),
      takeProfitPrice: String(signal.target),
      stopLossId: undefined,
      takeProfitId: undefined,
      openedAt: now,
    };
    this.#trades.set(signal.symbol, pending);
    this.#saveState();
    const result = await this.#exchange.openProtectedPosition({
      id: intentId,
      symbol: signal.symbol,
      side: signal.side,
      quantity: size.quantity,
      entry: { type: 'market' },
      stopLossPrice: String(signal.stop),
      takeProfitPrice: String(signal.target),
      rationale: why,
    });
    await this.#options.audit.append('order.result', {
      intentId,
      symbol: signal.symbol,
      status: result.status,
      filledQuantity: result.filledQuantity,
      averagePrice: result.averagePrice ?? null,
      stopLossId: result.stopLoss?.id ?? null,
      takeProfitId: result.takeProfit?.id ?? null,
      error: result.error?.message ?? null,
    });
    for (const incident of result.incidents) this.#incident(incident);
    if (result.status === 'protected') {
      this.#entries += 1;
      // What the exchange holds: the filled quantity and the protective orders as placed.
      this.#trades.set(signal.symbol, {
        ...pending,
        quantity: result.filledQuantity,
        stopLossPrice: result.stopLoss?.triggerPrice ?? pending.stopLossPrice,
        takeProfitPrice: result.takeProfit?.triggerPrice ?? pending.takeProfitPrice,
        stopLossId: result.stopLoss?.id,
        takeProfitId: result.takeProfit?.id,
        openedAt: result.entry?.updatedAt ?? now,
      });
      this.#saveState();
      this.#log.info(
        { symbol: signal.symbol, side: signal.side, quantity: size.quantity, intentId },
        `entry ${signal.symbol} ${signal.side} ${size.quantity}: protected — ${why}`,
      );
    } else {
      if (
        result.status === 'rejected' ||
        result.status === 'not-filled' ||
        result.status === 'already-closed'
      ) {
        this.#trades.delete(signal.symbol); // nothing opened
        this.#saveState();
      }
      this.#log.warn(
        { symbol: signal.symbol, status: result.status, error: result.error?.message },
        `entry ${signal.symbol} ${signal.side} ${size.quantity}: ${result.status}${result.error ? ` (${result.error.message})` : ''}`,
      );
    }
  }

  /**
   * Settles one symbol: when its position is gone, cancels the leftover exits and records the close (PnL
   * from the exchange's fills, the reason from which protective order fired); when it is open but no
   * stop-loss covers it, reconciles it at once.
   */
  async #settle(symbol: string, knownReason?: CloseReason): Promise<void> {
    const trade = this.#trades.get(symbol);
    if (!trade) return;
    const result = await settleExits(this.#exchange, symbol);
    if (result.needsReconcile) {
      await this.#protect(symbol);
      return;
    }
    if (!result.flat) return;
    this.#trades.delete(symbol);
    const fills = await this.#exchange.fetchFills(symbol, { since: trade.openedAt });
    if (fills.length === 0) {
      // A trade saved before its entry was sent, and the entry never filled: nothing to count.
      this.#saveState();
      return;
    }
    const pnl = fills.reduce((sum, fill) => sum + Number(fill.realizedPnl) - Number(fill.fee), 0);
    const closedAt = fills.reduce((latest, fill) => Math.max(latest, fill.time), trade.openedAt);
    const reason = knownReason ?? (await this.#closeReason(trade, pnl));
    const recorded = this.#guard.recordClose({ pnl, reason, now: closedAt, symbol });
    this.#saveState();
    this.#closes += 1;
    if (pnl > 0) this.#wins += 1;
    this.#realizedPnl += pnl;
    this.#peakPnl = Math.max(this.#peakPnl, this.#realizedPnl);
    this.#maxDrawdown = Math.max(this.#maxDrawdown, this.#peakPnl - this.#realizedPnl);
    this.#longestStreak = Math.max(this.#longestStreak, recorded.stopLossStreak);
    this.#log.info(
      { symbol, pnl, reason, streak: recorded.stopLossStreak },
      `close ${symbol} ${trade.side}: pnl ${pnl.toFixed(2)} ${this.#config.quoteCoin} (${reason}), streak ${recorded.stopLossStreak}`,
    );
    await this.#rationale({
      action: 'position.close',
      lens: 'Risk',
      symbol,
      side: trade.side,
      why: `${reason}: pnl ${pnl.toFixed(4)} ${this.#config.quoteCoin}`,
      risk: {
        pnl,
        reason,
        stopLossStreak: recorded.stopLossStreak,
        realizedPnl: recorded.realizedPnl,
        tradingState: recorded.tradingState,
        tripped: recorded.tripped?.code ?? null,
      },
    });
    if (recorded.tripped) {
      const playbook =
        recorded.tripped.code === 'SL_STREAK'
          ? 'sl-streak-hit'
          : recorded.tripped.code === 'DAILY_DRAWDOWN'
            ? 'daily-drawdown-hit'
            : 'position-unprotected';
      this.#log.warn(
        { playbook, halt: recorded.tripped.code },
        `playbook ${playbook}: trading halted (${recorded.tripped.code}); no new entries until it clears`,
      );
      await this.#rationale({
        action: 'trading.pause',
        lens: 'Risk',
        why: `${recorded.tripped.code}: halted by the guard`,
        risk: { halt: recorded.tripped.code, playbook },
      });
    }
  }

  async #closeReason(trade: OpenTrade, pnl: number): Promise<CloseReason> {
    const fired = async (id: string | undefined) => {
      if (!id) return false;
      const order = await this.#exchange.fetchConditionalOrder({ symbol: trade.symbol, id });
      return order?.status === 'triggered' || order?.status === 'finished';
    };
    if (await fired(trade.stopLossId)) return 'stop_loss';
    if (await fired(trade.takeProfitId)) return 'take_profit';
    // Neither exit fired: closed by hand, or liquidated. A loss counts against the streak to stay safe.
    return pnl < 0 ? 'stop_loss' : 'manual';
  }

  async #protect(symbol: string): Promise<void> {
    await this.#reconcile([symbol], 'stop-loss missing');
  }

  #incident(incident: Incident): void {
    const playbook = INCIDENT_PLAYBOOKS[incident.code];
    this.#log[incident.severity === 'critical' ? 'error' : 'warn'](
      { playbook, incident: incident.code, symbol: incident.symbol },
      `${playbook ? `playbook ${playbook}: ` : ''}${incident.code} ${incident.symbol}: ${incident.message}`,
    );
    // `undefined` is not JSON (an adopted position's incident has no intentId): the append would reject,
    // and an unhandled rejection takes the whole process down mid-reconcile.
    void this.#options.audit
      .append('incident', {
        ...incident,
        intentId: incident.intentId ?? null,
        error: incident.error ?? null,
        playbook: playbook ?? null,
      })
      .catch((error: unknown) => this.#auditFailed(error));
  }

  async #equity(): Promise<number> {
    const balances = await this.#exchange.fetchBalances();
    const balance = balances.find((entry) => entry.asset === this.#config.quoteCoin);
    return Number(balance?.marginBalance ?? 0);
  }

  #now(): number {
    return Math.max(this.#marketTime, 1);
  }

  #saveState(): void {
    this.#options.state.save({ guard: this.#guard.snapshot(), trades: this.openTrades });
  }

  #rationale(input: RationaleInput): Promise<unknown> {
    return this.#options.audit.appendRationale(input);
  }

  /** For records written without waiting (operator commands, feed health): a failure must not crash. */
  #recordLater(input: RationaleInput): void {
    this.#rationale(input).catch((error: unknown) => this.#auditFailed(error));
  }

  /** No decision may go unrecorded: when the trail cannot be written, no new entry is opened. */
  #auditFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#log.error(
      { err: error, playbook: 'audit-verification-failed' },
      `playbook audit-verification-failed: the audit trail cannot be written (${message}); trading halted`,
    );
    if (this.#guard.tradingState !== 'halted')
      this.#guard.halt(`audit trail write failed: ${message}`, this.#now());
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      (error: unknown) => {
        this.#errors += 1;
        const message = error instanceof Error ? error.message : String(error);
        const playbook = playbookForError(error);
        this.#log.error(
          { err: error, playbook },
          playbook ? `playbook ${playbook}: ${message}` : `error: ${message}`,
        );
        this.#options.audit
          .append('incident', { error: message, playbook: playbook ?? null })
          .catch((failure: unknown) => this.#auditFailed(failure));
      },
    );
    return run;
  }

  async #drain(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#queue;
      await current;
    } while (current !== this.#queue);
  }
}

/** A decision's fields as the flat figures an audit rationale holds. */
function flatFigures(value: object): Record<string, number | string | boolean | null> {
  const figures: Record<string, number | string | boolean | null> = {};
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'number' || typeof field === 'boolean' || field === null) figures[name] = field;
    else if (typeof field === 'string') figures[name] = field.slice(0, 200);
  }
  return figures;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
