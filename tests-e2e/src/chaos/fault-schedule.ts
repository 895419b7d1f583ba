import type { HttpErrorFault, PositionView, RequestRecord, Sim, SimFaults, UserAction } from '@bot/sim';
import { coversPosition, openPositions, unprotectedPositions } from './exchange-monitor';
import type { FaultKind, GapRecord, Impairment, ScheduleOptions, UserActionRecord } from './fault-kinds';
import { CLIENT_TIMEOUT_MS, ENTRY_LOOKUP_MS, ERROR_PATHS, RECOVERY_MS, WEIGHTS } from './fault-kinds';
import type { Random } from './random';

interface QueuedError {
  readonly fault: HttpErrorFault;
  readonly queuedAt: number;
}

/**
 * Injects random faults into the emulator while a run lasts: one every `gapMs`, lasting ones switched off
 * after `lastingMs`. One-shot HTTP errors are queued (at most 3 waiting) and consumed by the next request
 * whose path matches. Fills caused by a price move the schedule made are remembered (`shockFillIds`): a
 * gap through a stop loses more than the trade's planned risk, which no bot can prevent. Every obstacle
 * that keeps the bot from acting is written down as an `Impairment` (invariant 1 measures the bot's own
 * time without them), every user action and every price jump as a record of its own.
 */
export class FaultSchedule {
  readonly injected = new Map<FaultKind, number>();
  readonly shockFillIds = new Set<number>();
  readonly impairments: Impairment[] = [];
  readonly gaps: GapRecord[] = [];
  readonly userActions: UserActionRecord[] = [];
  /** Wall-time stretches of user-data silence (`staleUserDataStreams`). */
  readonly silences: Impairment[] = [];
  /** Latency settings over wall time: `[since, latencyMs]` (invariant 5 subtracts it from execution times). */
  readonly latency: [number, number][] = [[0, 0]];
  /** Injected 429/418s (`rateLimit`): when, and how many answers they make (told apart from the real limiter's). */
  readonly rateLimitInjections: { at: number; left: number; retryAfterMs: number }[] = [];
  readonly #httpErrors: HttpErrorFault[] = [];
  readonly #queued: QueuedError[] = [];
  #rateLimit: { status: 429 | 418; retryAfterSeconds: number; count: number } | undefined;
  /** Lasting settings in force, re-applied after an IP ban is lifted (lifting clears every fault). */
  #lasting: SimFaults = {};
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = false;
  #lastPrivateDrop = Number.NEGATIVE_INFINITY;
  #banLiftPending = false;
  /** The algo-order refusal set last, until an algo order consumes it (then: its impairment). */
  #rejection: { code: number; msg: string } | undefined;
  #lastLift = 0;
  #lastRequest: RequestRecord | undefined;
  /** Whether the user already set every symbol's leverage high in this bot's life (see `tick`). */
  #leverageRaised = false;
  /** Emulator bans (418) the schedule lifted. */
  bansLifted = 0;

  constructor(
    private readonly sim: Sim,
    private readonly accountId: string,
    private readonly random: Random,
    private readonly options: ScheduleOptions,
  ) {}

  start(): void {
    this.#running = true;
    this.sim.injectFaults({ httpErrors: this.#httpErrors });
    this.#next();
  }

  /** Stops drawing faults and clears every fault still active. */
  stop(): void {
    this.tick();
    const now = Date.now();
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.sim.clearFaults();
    this.#httpErrors.length = 0;
    this.#queued.length = 0;
    this.#lasting = {};
    this.latency.push([now, 0]);
    for (const list of [this.impairments, this.silences])
      for (const window of list) if (!Number.isFinite(window.end)) window.end = now + RECOVERY_MS;
  }

  /**
   * Called every sampling interval: notices which queued one-shot faults a request consumed (the emulator
   * takes them out of the shared queue) and opens their impairment then.
   */
  tick(): void {
    const now = Date.now();
    // Once per bot life, soon after it trades: the user sets every symbol's leverage above any tier's cap, so
    // a bot that enters without checking its leverage does so beyond the cap (invariant 11) in every run.
    if (!this.#leverageRaised && this.#running && this.options.botTrading?.() === true) {
      this.#leverageRaised = true;
      this.#later(this.random.between(300, 2000), () => {
        for (const symbol of this.options.symbols) {
          const leverage = this.random.pick([20, 25, 50]);
          if (
            this.#user('user-leverage', { action: 'setLeverage', symbol, leverage }, `leverage ${leverage}×`)
          )
            this.#count('user-leverage');
        }
      });
    }
    for (let index = this.#queued.length - 1; index >= 0; index -= 1) {
      const queued = this.#queued[index] as QueuedError;
      if (this.#httpErrors.includes(queued.fault)) continue;
      this.#queued.splice(index, 1);
      const { fault } = queued;
      // An order POST answered 5xx that never executes: if it was an entry, the bot looks it up for
      // ENTRY_LOOKUP_MS before anything else runs (seed 2 of a CI run: a stop the user cancelled on another
      // symbol waited for it).
      const hit = this.sim.requests.findLast(
        (request) =>
          request.status === fault.status &&
          (fault.pathContains === undefined || request.path.includes(fault.pathContains)),
      );
      const entryLookUp =
        hit?.method === 'POST' &&
        hit.path === '/fapi/v1/order' &&
        fault.status >= 500 &&
        fault.executeAfterMs === undefined &&
        fault.executeBeforeError !== true
          ? ENTRY_LOOKUP_MS
          : 0;
      const effect = (fault.holdMs ?? 0) + (fault.executeAfterMs ?? 0) + entryLookUp;
      this.impairments.push({
        start: now - 60,
        end: now + effect + RECOVERY_MS,
        why: `${fault.status}${fault.code !== undefined ? ` ${fault.code}` : ''} on ${fault.pathContains ?? 'any path'}${fault.executeAfterMs !== undefined ? `, executed ${fault.executeAfterMs} ms later` : ''}${fault.holdMs ? `, held ${fault.holdMs} ms` : ''}`,
      });
    }
    // A ban of the real limiter (418 after a 429 in the same minute) is lifted 2–4 s after it began, so a
    // restarted bot is not locked out of its start-up for 2 minutes. The running bot keeps the pause its
    // Retry-After told it (invariant 1 excuses it, see rateLimitWindows in chaos-run.ts).
    const requests = this.sim.requests;
    const from = this.#lastRequest ? requests.lastIndexOf(this.#lastRequest) + 1 : 0;
    for (let index = from; index < requests.length; index += 1) {
      if (requests[index]?.status !== 418 || this.#rateLimit || this.#banLiftPending) continue;
      this.#banLiftPending = true;
      this.#later(this.random.between(1000, 2500), () => {
        this.#banLiftPending = false;
        this.#liftBan();
        this.bansLifted += 1;
      });
    }
    this.#lastRequest = requests[requests.length - 1];
    if (this.#rejection && this.sim.core.faults.rejectNextConditional !== this.#rejection) {
      // Refused: -2021/-4045 make the bot close at once, -1001 (an unknown outcome) makes it look the
      // stop up twice before it sends it again.
      if (this.sim.core.faults.rejectNextConditional === undefined) {
        this.impairments.push({
          start: now - 60,
          end: now + RECOVERY_MS,
          why: `algo order refused (${this.#rejection.code})`,
        });
      }
      this.#rejection = undefined;
    }
    const limit = this.#rateLimit;
    if (limit && limit.count <= 0) {
      this.#rateLimit = undefined;
      this.impairments.push({
        start: now - 60,
        end: now + limit.retryAfterSeconds * 1000 + RECOVERY_MS,
        why: `injected ${limit.status}`,
      });
    }
  }

  /**
   * Before a bot starts: an emulator ban still in force (a 418 the last bot earned moments ago) is lifted, so
   * the start-up is not refused for 2 minutes (the bot waits out a ban's Retry-After before it retries).
   */
  beforeStart(): void {
    this.#leverageRaised = false;
    this.tick();
    const lastBan = [...this.sim.requests].reverse().find((request) => request.status === 418);
    if (lastBan && lastBan.time > this.#lastLift && Date.now() - lastBan.time < 130_000) {
      this.#liftBan();
      this.bansLifted += 1;
    }
  }

  /** A liquidation-level move of a position that has no stop (the bot is down): what happens to it. */
  liquidateBare(): boolean {
    const [position] = unprotectedPositions(this.sim, this.accountId);
    if (!position || Number(position.liquidationPrice) <= 0) return false;
    const long = Number(position.positionAmt) > 0;
    const liquidation = Number(position.liquidationPrice);
    this.#move('liquidation-move', position, liquidation * (long ? 0.997 : 1.003), undefined);
    this.#count('liquidation-move');
    return true;
  }

  /**
   * While the bot is down, sometimes: something closes a position it holds (its stop gaps, the exchange
   * deleverages it, the user closes it), so the restart has a close to settle and count.
   */
  closeWhileDown(): FaultKind | undefined {
    const kind = this.random.weighted<FaultKind>([
      ['gap', 2],
      ['user-close', 2],
      ['adl', 1],
    ]);
    return this.#inject(kind) ? kind : undefined;
  }

  /** While the bot is down, sometimes: the user opens a position on a flat symbol of the bot's. */
  openWhileDown(): boolean {
    return this.#inject('user-open');
  }

  #next(): void {
    if (!this.#running) return;
    this.#later(this.random.between(...this.options.gapMs), () => {
      this.#inject(this.random.weighted(WEIGHTS));
      this.#next();
    });
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#running) action();
    }, ms);
    this.#timers.add(timer);
  }

  #lastingMs(): number {
    return this.random.between(...this.options.lastingMs);
  }

  #count(kind: FaultKind): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  #queueHttpError(fault: HttpErrorFault): boolean {
    if (this.#httpErrors.length >= 3) return false;
    this.#httpErrors.push(fault);
    this.#queued.push({ fault, queuedAt: Date.now() });
    return true;
  }

  /** Sets a lasting fault now and clears it after `ms`, with the impairment it causes. */
  #lastingFault(
    set: SimFaults,
    clear: SimFaults,
    ms: number,
    why: string,
    tailMs: number,
    list?: Impairment[],
  ) {
    const start = Date.now();
    this.#lasting = { ...this.#lasting, ...set };
    this.sim.injectFaults(set);
    const window: Impairment = { start, end: Number.POSITIVE_INFINITY, why };
    (list ?? this.impairments).push(window);
    this.#later(ms, () => {
      this.#lasting = { ...this.#lasting, ...clear };
      this.sim.injectFaults(clear);
      window.end = Date.now() + tailMs;
    });
  }

  /** Lifts an IP ban: clearing the faults is the emulator's only way, so the lasting ones are set again. */
  #liftBan(): void {
    this.#lastLift = Date.now();
    const core = { ...this.sim.core.faults };
    this.sim.clearFaults();
    this.sim.injectFaults({
      ...this.#lasting,
      httpErrors: this.#httpErrors,
      ...(this.#rateLimit ? { rateLimit: this.#rateLimit } : {}),
      ...core,
    });
  }

  /** Moves last and mark to `price` (with the mark's decimals, the symbol's tick) at once: a wick. */
  #move(kind: GapRecord['kind'], position: PositionView, price: number, through: string | undefined): void {
    const before = new Set(this.sim.core.fills(this.accountId).map((fill) => fill.tradeId));
    const text = price.toFixed(position.markPrice.split('.')[1]?.length ?? 0);
    this.sim.setMarketPrice(position.symbol, text, text);
    for (const fill of this.sim.core.fills(this.accountId)) {
      if (!before.has(fill.tradeId)) this.shockFillIds.add(fill.tradeId);
    }
    this.gaps.push({
      kind,
      symbol: position.symbol,
      at: Date.now(),
      from: position.markPrice,
      to: text,
      through,
    });
  }

  /** Runs a user action; a refusal (Binance would refuse it too) is no fault injected. */
  #user(kind: FaultKind, action: UserAction, detail: string): boolean {
    try {
      this.sim.actAsUser(action);
    } catch {
      return false;
    }
    this.userActions.push({
      kind,
      at: Date.now(),
      symbol: 'symbol' in action ? action.symbol : undefined,
      detail,
    });
    return true;
  }

  /** Whether an event sent now reaches the bot: no silence in force, no private socket just dropped. */
  #userDataHealthy(): boolean {
    const now = Date.now();
    return (
      !this.#lasting.staleUserDataStreams &&
      now - this.#lastPrivateDrop > 3000 &&
      !this.silences.some((window) => window.end > now)
    );
  }

  #inject(kind: FaultKind): boolean {
    const done = this.#apply(kind);
    if (done) this.#count(kind);
    return done;
  }

  #apply(kind: FaultKind): boolean {
    const { sim, random } = this;
    switch (kind) {
      case 'stream-drop': {
        const category = random.pick([undefined, 'market', 'private'] as const);
        if (category !== 'market') this.#lastPrivateDrop = Date.now();
        sim.dropStreams(category);
        return true;
      }
      case 'stale-market-stream': {
        // No candle closes: the per-candle settle (the bot's backstop for a stop that vanished) waits.
        const ms = this.#lastingMs() * 2;
        this.#lastingFault(
          { staleMarketStreams: true },
          { staleMarketStreams: false },
          ms,
          'stale market stream',
          200,
        );
        return true;
      }
      case 'user-data-silence': {
        const ms = random.between(1000, 5000);
        this.#lastingFault(
          { staleUserDataStreams: true },
          { staleUserDataStreams: false },
          ms,
          'user-data silence',
          0,
          this.silences,
        );
        return true;
      }
      case 'http-5xx': {
        const pathContains = random.pick(ERROR_PATHS);
        const status = random.pick([500, 502, 504]);
        return this.#queueHttpError({
          status,
          ...(random.chance(0.5)
            ? { code: -1000, msg: 'Internal error; unable to process your request.' }
            : {}),
          ...(pathContains ? { pathContains } : {}),
        });
      }
      case '503-unknown-error':
        return this.#queueHttpError({
          status: 503,
          code: -1000,
          msg: 'Unknown error, please check your request or try again later.',
          executeBeforeError: true,
          pathContains: random.pick(['/fapi/v1/order', '/fapi/v1/algoOrder']),
          method: 'POST',
        });
      case 'late-execution': {
        // The request takes effect N ms after its error (or after the client's timeout): at that moment's
        // prices, under the same client id (sim README, "Late execution").
        // A placement (an entry, a close, a stop), sometimes a cancel.
        const pathContains = random.pick(['/fapi/v1/order', '/fapi/v1/order', '/fapi/v1/algoOrder']);
        const method = random.chance(0.85) ? 'POST' : 'DELETE';
        const executeAfterMs = random.int(300, 3000);
        const variant = random.weighted<'503' | '502' | '500' | 'timeout'>([
          ['503', 3],
          ['502', 2],
          ['500', 2],
          ['timeout', 0.7],
        ]);
        if (variant === 'timeout') {
          const holdMs = CLIENT_TIMEOUT_MS + random.int(200, 1500);
          return this.#queueHttpError({
            status: 504,
            pathContains,
            method,
            holdMs,
            executeAfterMs: random.int(200, holdMs + 1500),
            ...(random.chance(0.5) ? { closeWithoutAnswer: true } : {}),
          });
        }
        return this.#queueHttpError({
          pathContains,
          method,
          executeAfterMs,
          ...(variant === '503'
            ? {
                status: 503,
                code: -1000,
                msg: 'An unknown error occured while processing the request.',
              }
            : variant === '500'
              ? { status: 500, code: -1000, msg: 'Internal error; unable to process your request.' }
              : { status: 502 }),
        });
      }
      case 'rate-limit-429':
      case 'ip-ban-418': {
        if (this.#rateLimit) return false;
        this.#rateLimit = {
          status: kind === 'ip-ban-418' ? 418 : 429,
          retryAfterSeconds: random.int(1, 3),
          count: random.int(1, 3),
        };
        sim.injectFaults({ rateLimit: this.#rateLimit });
        this.rateLimitInjections.push({
          at: Date.now(),
          left: this.#rateLimit.count,
          retryAfterMs: this.#rateLimit.retryAfterSeconds * 1000,
        });
        return true;
      }
      case 'weight-limit': {
        // The real limiter, lowered for the rest of the server minute: the bot's next requests run into 429
        // (Retry-After: the minute's rest) and, if any request follows within the minute, a 418 ban. Only
        // in a minute's last 8 s (so a 429 pauses the bot for seconds, not up to a minute) and while a bot
        // trades (a ban during a start-up makes it retry for minutes). The emulator's ban (2 minutes on
        // Binance) is lifted a few seconds after it began (see `tick`); the bot's own pause is its business.
        const left = 60_000 - (Date.now() % 60_000);
        if (left > 8000 || !(this.options.botTrading?.() ?? true)) return false;
        const limit = random.int(40, 400);
        const start = Date.now();
        sim.injectFaults({ weightLimitPerMinute: limit });
        this.#lasting = { ...this.#lasting, weightLimitPerMinute: limit };
        this.impairments.push({ start, end: start + left + RECOVERY_MS, why: `weight limit ${limit}/min` });
        this.#later(left + 100, () => {
          const normal = this.options.weightLimitPerMinute ?? 2400;
          this.#lasting = { ...this.#lasting, weightLimitPerMinute: normal };
          sim.injectFaults({ weightLimitPerMinute: normal });
        });
        return true;
      }
      case 'clock-skew': {
        const magnitude = random.between(1500, 8000);
        this.#lastingFault(
          { clockSkewMs: Math.round(random.chance(0.5) ? magnitude : -magnitude) },
          { clockSkewMs: 0 },
          this.#lastingMs(),
          'clock skew',
          1000,
        );
        return true;
      }
      case 'latency': {
        const latencyMs = random.int(100, 1500);
        const ms = this.#lastingMs();
        this.latency.push([Date.now(), latencyMs]);
        this.#lastingFault(
          { latencyMs },
          { latencyMs: 0 },
          ms,
          `latency ${latencyMs} ms`,
          latencyMs * 3 + 200,
        );
        this.#later(ms, () => this.latency.push([Date.now(), 0]));
        return true;
      }
      case 'maintenance':
        this.#lastingFault(
          { maintenance: true },
          { maintenance: false },
          this.#lastingMs(),
          'maintenance',
          RECOVERY_MS,
        );
        return true;
      case 'listen-key-expiry':
        this.#lastPrivateDrop = Date.now();
        sim.expireListenKeys(this.accountId);
        return true;
      case 'reject-conditional': {
        const rejection = random.pick([
          { code: -2021, msg: 'Order would immediately trigger.' },
          { code: -4045, msg: 'Reach max stop order limit.' },
          { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
        ]);
        sim.injectFaults({ rejectNextConditional: rejection });
        this.#rejection = rejection;
        return true;
      }
      case 'partial-fill':
        sim.injectFaults({ partialFillRatio: Math.round(random.between(0.2, 0.9) * 100) / 100 });
        return true;
      case 'price-shock': {
        // A wick against an open position, 1–4 %: through its stop if the stop is that close.
        const positions = openPositions(sim, this.accountId);
        if (positions.length === 0) return false;
        const position = random.pick(positions);
        const long = Number(position.positionAmt) > 0;
        const mark = Number(position.markPrice);
        const move = random.between(0.01, 0.04);
        this.#move('price-shock', position, mark * (long ? 1 - move : 1 + move), undefined);
        return true;
      }
      case 'gap': {
        // A jump straight through a resting stop: it fills at the market after the jump, not at its trigger.
        const algos = sim.core.openAlgoOrders(this.accountId);
        const covered = openPositions(sim, this.accountId).flatMap((position) => {
          const stop = algos.find((order) => coversPosition(order, position));
          return stop ? [{ position, stop }] : [];
        });
        if (covered.length === 0) return false;
        const { position, stop } = random.pick(covered);
        const long = Number(position.positionAmt) > 0;
        const trigger = Number(stop.triggerPrice);
        const beyond = random.between(0.003, 0.02);
        this.#move('gap', position, trigger * (long ? 1 - beyond : 1 + beyond), stop.triggerPrice);
        return true;
      }
      case 'liquidation': {
        const positions = openPositions(sim, this.accountId).filter(
          (position) => Number(position.liquidationPrice) > 0,
        );
        if (positions.length === 0) return false;
        const position = random.pick(positions);
        const long = Number(position.positionAmt) > 0;
        const stop = sim.core.openAlgoOrders(this.accountId).find((order) => coversPosition(order, position));
        this.#move(
          'liquidation',
          position,
          Number(position.liquidationPrice) * (long ? 0.997 : 1.003),
          stop?.triggerPrice,
        );
        return true;
      }
      case 'adl': {
        const positions = openPositions(sim, this.accountId);
        if (positions.length === 0) return false;
        const position = random.pick(positions);
        const quantity = random.chance(0.6) ? undefined : this.#part(position, 0.5);
        try {
          sim.autoDeleverage({ symbol: position.symbol, ...(quantity ? { quantity } : {}) });
        } catch {
          return false;
        }
        this.userActions.push({
          kind,
          at: Date.now(),
          symbol: position.symbol,
          detail: `ADL ${quantity ?? 'all'} of ${position.positionAmt}`,
        });
        return true;
      }
      case 'user-open': {
        // Only on a flat symbol of the bot's, and only when the user-data event reaches the bot: a position
        // opened during a silence is seen by the bot's next full sweep only (execution.accountSweepMs).
        if (!this.#userDataHealthy()) return false;
        const held = new Set(openPositions(sim, this.accountId).map((position) => position.symbol));
        const flat = this.options.symbols.filter((symbol) => !held.has(symbol));
        if (flat.length === 0) return false;
        const symbol = random.pick(flat);
        const quantity = this.#quantityFor(symbol, random.between(1500, 5000));
        if (!quantity) return false;
        const side = random.pick(['BUY', 'SELL'] as const);
        return this.#user(kind, { action: 'openPosition', symbol, side, quantity }, `${side} ${quantity}`);
      }
      case 'user-close': {
        const positions = openPositions(sim, this.accountId);
        if (positions.length === 0) return false;
        const position = random.pick(positions);
        const quantity = random.chance(0.7) ? undefined : this.#part(position, 0.5);
        return this.#user(
          kind,
          { action: 'closePosition', symbol: position.symbol, ...(quantity ? { quantity } : {}) },
          `close ${quantity ?? 'all'} of ${position.positionAmt}`,
        );
      }
      case 'user-cancel-stop':
      case 'user-cancel-take-profit': {
        // As for user-open: only when the event reaches the bot. A cancel during a silence (or in a dropped
        // socket's gap) is seen by the bot's next full sweep only (execution.accountSweepMs, 60 s of wall
        // time: hours of market time at the suite's speed), a bound invariant 1 does not measure.
        if (!this.#userDataHealthy()) return false;
        const protectionKind = kind === 'user-cancel-stop' ? 'stopLoss' : 'takeProfit';
        const types =
          kind === 'user-cancel-stop' ? ['STOP_MARKET', 'STOP'] : ['TAKE_PROFIT_MARKET', 'TAKE_PROFIT'];
        const candidates = sim.core
          .openAlgoOrders(this.accountId)
          .filter((order) => types.includes(order.orderType));
        if (candidates.length === 0) return false;
        const chosen = random.pick(candidates);
        return this.#user(
          kind,
          { action: 'cancelProtection', algoId: chosen.algoId, kind: protectionKind },
          `cancel ${chosen.orderType} ${chosen.clientAlgoId} at ${chosen.triggerPrice}`,
        );
      }
      case 'user-leverage': {
        // Mostly on the symbol the bot entered last: the user fiddles with what is being traded.
        const lastEntry = [...sim.core.allOrders(this.accountId)]
          .reverse()
          .find(
            (order) => order.clientOrderId.startsWith('bot') && !order.reduceOnly && !order.closePosition,
          );
        const symbol = lastEntry && random.chance(0.6) ? lastEntry.symbol : random.pick(this.options.symbols);
        const leverage = random.pick([1, 2, 4, 8, 10, 20, 25, 50]);
        return this.#user(kind, { action: 'setLeverage', symbol, leverage }, `leverage ${leverage}×`);
      }
      case 'user-margin-type': {
        const configs = sim.core.symbolConfig(this.accountId);
        const symbol = random.pick(this.options.symbols);
        const current = configs.find((config) => config.symbol === symbol)?.marginType;
        const marginType = current === 'ISOLATED' ? 'CROSSED' : 'ISOLATED';
        // Refused (-4047/-4048) while the symbol has orders or a position: then nothing happened.
        return this.#user(kind, { action: 'setMarginType', symbol, marginType }, `margin ${marginType}`);
      }
      case 'user-withdraw': {
        const usdc = sim.core.assets(this.accountId).find((asset) => asset.asset === 'USDC');
        const available = Number(usdc?.maxWithdrawAmount ?? 0);
        const amount = Math.floor(available * random.between(0.01, 0.04) * 100) / 100;
        if (!(amount > 0)) return false;
        return this.#user(
          kind,
          { action: 'withdraw', asset: 'USDC', amount: amount.toFixed(2) },
          `withdraw ${amount.toFixed(2)} USDC`,
        );
      }
      case 'liquidation-move':
        return this.liquidateBare() && false; // counted by liquidateBare
    }
  }

  /** `fraction` of a position's size, floored to the step (undefined when that is nothing). */
  #part(position: PositionView, fraction: number): string | undefined {
    const instrument = this.sim.core.instruments().find((spec) => spec.symbol === position.symbol);
    if (!instrument) return undefined;
    const step = Number(instrument.stepSize);
    const decimals = instrument.stepSize.split('.')[1]?.length ?? 0;
    const quantity = Math.floor((Math.abs(Number(position.positionAmt)) * fraction) / step) * step;
    return quantity > 0 ? quantity.toFixed(decimals) : undefined;
  }

  /** A quantity worth about `notional` USDC at the mark, on the step, at least the minimum. */
  #quantityFor(symbol: string, notional: number): string | undefined {
    const instrument = this.sim.core.instruments().find((spec) => spec.symbol === symbol);
    if (!instrument) return undefined;
    const mark = Number(this.sim.core.market(symbol).markPrice);
    if (!(mark > 0)) return undefined;
    const step = Number(instrument.stepSize);
    const decimals = instrument.stepSize.split('.')[1]?.length ?? 0;
    const quantity = Math.max(Number(instrument.minQty), Math.floor(notional / mark / step) * step);
    return quantity.toFixed(decimals);
  }
}
