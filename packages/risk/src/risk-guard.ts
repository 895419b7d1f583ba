import type {
  CanOpenInput,
  CloseRecorded,
  OpenDecision,
  RecordCloseInput,
  RecordEquityInput,
  RestoreOptions,
  RiskGuardOptions,
  RiskGuardStatus,
} from './risk-guard-types';
import { RiskInputError, describeValue } from './risk-input-error';
import type { GuardState, RiskGuardSnapshot } from './snapshot';
import { SNAPSHOT_VERSION, parseSnapshot } from './snapshot';
import type { RiskLimits, Tier } from './tiers';
import { requireTier, resolveRiskLimits } from './tiers';
import type { CloseReason, DailyDrawdownHalt, HaltRecord, OpenPosition, TradingState } from './trading-state';
import { utcDayOf, utcDayText } from './utc-day';
import type { Side } from './validation';
import {
  largestMoney,
  requireMoney,
  requireObject,
  requireSide,
  requireSymbol,
  requireTime,
  sameSymbol,
  shown,
} from './validation';

const minuteMilliseconds = 60_000;

function requireBooleanOption(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new RiskInputError(
      'INVALID_ARGUMENT',
      `Invalid ${name} ${describeValue(value)}: expected true or false.`,
      value,
    );
  }
  return value;
}

const optionKeys = ['tier', 'limits', 'losingClosesExtendStreak', 'includeUnrealizedLoss'];

function requireOptions(options: unknown, extraKeys: readonly string[] = []): void {
  requireObject(options, 'RiskGuard options');
  for (const key of Object.keys(options as object)) {
    if (!optionKeys.includes(key) && !extraKeys.includes(key)) {
      throw new RiskInputError(
        'INVALID_ARGUMENT',
        `Unknown RiskGuard option ${describeValue(key)}: expected ${[...optionKeys, ...extraKeys].join(', ')}.`,
        key,
      );
    }
  }
}

function requireReason(reason: unknown, what: string): string {
  if (typeof reason !== 'string' || reason.trim().length === 0) {
    throw new RiskInputError(
      'INVALID_ARGUMENT',
      `Invalid ${what} reason ${describeValue(reason)}: expected a non-empty string.`,
      reason,
    );
  }
  return reason;
}

function requirePnl(value: unknown): number {
  if (typeof value !== 'number' || !(Math.abs(value) <= largestMoney)) {
    throw new RiskInputError(
      'INVALID_PNL',
      `Invalid pnl ${describeValue(value)}: expected a finite number from -1e15 to 1e15 (negative for a loss).`,
      value,
    );
  }
  return value === 0 ? 0 : value;
}

function requireCloseReason(value: unknown): CloseReason {
  if (
    value !== 'stop_loss' &&
    value !== 'take_profit' &&
    value !== 'manual' &&
    value !== 'liquidation' &&
    value !== 'adl'
  ) {
    throw new RiskInputError(
      'INVALID_CLOSE_REASON',
      `Invalid close reason ${describeValue(value)}: expected 'stop_loss', 'take_profit', 'manual', 'liquidation' or 'adl'.`,
      value,
    );
  }
  return value;
}

function invalidPositions(why: string, value: unknown): RiskInputError {
  return new RiskInputError('INVALID_POSITIONS', `Invalid openPositions: ${why}`, value);
}

/** Whether the recorded positions already equal the reported ones (so the hot path allocates nothing). */
function samePositions(
  recorded: readonly { readonly symbol: string; readonly side: Side }[],
  reported: readonly OpenPosition[],
): boolean {
  if (recorded.length !== reported.length) return false;
  for (let index = 0; index < recorded.length; index += 1) {
    const left = recorded[index];
    const right = reported[index];
    if (
      left === undefined ||
      right === undefined ||
      left.symbol !== right.symbol ||
      left.side !== right.side
    ) {
      return false;
    }
  }
  return true;
}

/** Stricter halts are kept when a milder one trips: everything but a daily-drawdown halt lasts until `resume()`. */
function lastsUntilResume(halt: HaltRecord): boolean {
  return halt.code !== 'DAILY_DRAWDOWN';
}

/**
 * Decides whether a bot may open a position, from a stop-loss streak, the UTC day's drawdown, a cooldown
 * after stops, the number of open positions and a trading state (`active | reducing | halted`). Pure: no
 * clock, no I/O; every call carries `now` and the facts. Snapshot it after every change and restore it
 * at start, so a restart continues the same streak, day and halt.
 */
export class RiskGuard {
  readonly tier: Tier;
  readonly limits: RiskLimits;
  readonly losingClosesExtendStreak: boolean;
  readonly includeUnrealizedLoss: boolean;
  readonly #cooldownMilliseconds: number;
  readonly #state: GuardState;

  /**
   * Throws `RiskInputError`: `UNKNOWN_TIER`, `INVALID_LIMIT`, `BEYOND_TIER_CAP`, `INVALID_ARGUMENT`
   * (a non-object, an unknown option, a non-boolean flag).
   */
  constructor(options: RiskGuardOptions) {
    requireOptions(options);
    this.tier = requireTier(options.tier);
    this.limits = resolveRiskLimits(this.tier, options.limits);
    this.losingClosesExtendStreak = requireBooleanOption(
      options.losingClosesExtendStreak,
      'losingClosesExtendStreak',
    );
    this.includeUnrealizedLoss = requireBooleanOption(options.includeUnrealizedLoss, 'includeUnrealizedLoss');
    this.#cooldownMilliseconds = this.limits.cooldownAfterStopMinutes * minuteMilliseconds;
    this.#state = {
      day: null,
      dayStartEquity: null,
      carriedUnrealizedLoss: 0,
      equitySeen: null,
      realizedPnl: 0,
      stopLossStreak: 0,
      lastStopLossAt: null,
      latestNow: null,
      halt: null,
      reducing: null,
      openPositions: [],
    };
    Object.freeze(this);
  }

  /**
   * A guard continuing from `snapshot` (an object or its JSON text). Its tier, limits and flags come from
   * the snapshot unless `options` gives a `tier` (then exactly as `new RiskGuard(options)`: the current
   * config wins, the state is kept). A snapshot from an earlier UTC day starts a new day at the next call
   * (or at once with `options.now`): the day's PnL and starting equity reset, and the streak, cooldown and
   * halts (except a daily-drawdown halt) stay. Throws `RiskInputError` `INVALID_SNAPSHOT`, or the
   * constructor's codes for bad options.
   */
  static restore(snapshot: RiskGuardSnapshot | string, options: RestoreOptions = {}): RiskGuard {
    requireOptions(options, ['now']);
    if (options.tier === undefined && options.limits !== undefined) {
      throw new RiskInputError(
        'INVALID_ARGUMENT',
        'RiskGuard.restore: `limits` needs the `tier` they belong to.',
        options.limits,
      );
    }
    const { settings, state } = parseSnapshot(snapshot);
    const guard = new RiskGuard(
      options.tier === undefined
        ? {
            tier: settings.tier,
            limits: settings.limits,
            losingClosesExtendStreak: options.losingClosesExtendStreak ?? settings.losingClosesExtendStreak,
            includeUnrealizedLoss: options.includeUnrealizedLoss ?? settings.includeUnrealizedLoss,
          }
        : {
            tier: options.tier,
            limits: options.limits,
            losingClosesExtendStreak: options.losingClosesExtendStreak,
            includeUnrealizedLoss: options.includeUnrealizedLoss,
          },
    );
    Object.assign(guard.#state, state);
    if (options.now !== undefined) guard.#advance(requireTime(options.now));
    return guard;
  }

  /** The current trading state. */
  get tradingState(): TradingState {
    return this.#state.halt !== null ? 'halted' : this.#state.reducing !== null ? 'reducing' : 'active';
  }

  /** Consecutive stop-losses. */
  get stopLossStreak(): number {
    return this.#state.stopLossStreak;
  }

  /**
   * Whether a position may be opened now: `{ allowed: true, … }` or `{ allowed: false, code, message, … }`.
   * Checks, in order: a halt (operator `HALTED`, `LIQUIDATION`, `ADL`, `SL_STREAK`, `DAILY_DRAWDOWN` — a
   * streak at `maxSlStreak` or a day's loss at `dailyDrawdownPct` trips the halt here too), `REDUCING`,
   * `COOLDOWN`, `SYMBOL_ALREADY_OPEN`, `MAX_POSITIONS`. It rolls the day over at 00:00 UTC (the day's
   * starting equity: see `recordEquity`); its equity counts as a reading like `recordEquity`'s. Throws `RiskInputError` for invalid input
   * (`INVALID_SYMBOL`, `INVALID_SIDE`, `INVALID_TIME`, `INVALID_EQUITY`, `INVALID_POSITIONS`,
   * `INVALID_ARGUMENT`).
   */
  canOpen(input: CanOpenInput): OpenDecision {
    requireObject(input, 'canOpen input');
    const symbol = requireSymbol(input.symbol);
    requireSide(input.side);
    const requestedNow = requireTime(input.now);
    const equity = requireMoney(input.equity, 'equity', 'INVALID_EQUITY');
    const positions = input.openPositions;
    const { unrealizedPnl, sameSymbolSide } = this.#readPositions(positions, symbol);
    const state = this.#state;
    const now = this.#advance(requestedNow);
    const unrealizedLoss = this.includeUnrealizedLoss && unrealizedPnl < 0 ? -unrealizedPnl : 0;
    this.#seeEquity(equity, now, unrealizedLoss);
    if (!samePositions(state.openPositions, positions)) {
      state.openPositions = positions.map(({ symbol: openSymbol, side }) => ({ symbol: openSymbol, side }));
    }

    const limits = this.limits;
    if (state.stopLossStreak >= limits.maxSlStreak) this.#tripStreak(now);
    const dailyLoss = this.#dailyLoss(unrealizedLoss);
    const dayStartEquity = state.dayStartEquity as number;
    const dailyLossFraction = dailyLoss / dayStartEquity;
    if (dailyLossFraction >= limits.dailyDrawdownPct) {
      this.#tripDrawdown(now, dailyLoss, unrealizedLoss);
    }

    if (state.halt !== null) {
      return { allowed: false, tradingState: 'halted', ...state.halt };
    }
    if (state.reducing !== null) {
      const { message, since, reason } = state.reducing;
      return { allowed: false, code: 'REDUCING', message, tradingState: 'reducing', since, reason };
    }
    const lastStopLossAt = state.lastStopLossAt;
    if (lastStopLossAt !== null && now < lastStopLossAt + this.#cooldownMilliseconds) {
      const cooldownEndsAt = lastStopLossAt + this.#cooldownMilliseconds;
      const remainingMilliseconds = cooldownEndsAt - now;
      return {
        allowed: false,
        code: 'COOLDOWN',
        message: `Cooling down after a stop-loss: opens resume at ${new Date(cooldownEndsAt).toISOString()} (${Math.ceil(remainingMilliseconds / 1000)} s left of ${limits.cooldownAfterStopMinutes} min).`,
        tradingState: 'active',
        lastStopLossAt,
        cooldownEndsAt,
        remainingMilliseconds,
        cooldownAfterStopMinutes: limits.cooldownAfterStopMinutes,
      };
    }
    if (sameSymbolSide !== undefined) {
      return {
        allowed: false,
        code: 'SYMBOL_ALREADY_OPEN',
        message: `A ${sameSymbolSide} position on ${symbol} is already open.`,
        tradingState: 'active',
        symbol,
        openSide: sameSymbolSide,
      };
    }
    if (positions.length >= limits.maxConcurrentPositions) {
      return {
        allowed: false,
        code: 'MAX_POSITIONS',
        message: `${positions.length} positions are open; the limit is ${limits.maxConcurrentPositions}.`,
        tradingState: 'active',
        openPositionCount: positions.length,
        maxConcurrentPositions: limits.maxConcurrentPositions,
      };
    }
    return {
      allowed: true,
      tradingState: 'active',
      stopLossStreak: state.stopLossStreak,
      maxSlStreak: limits.maxSlStreak,
      dailyLoss,
      dailyLossFraction,
      dailyDrawdownPct: limits.dailyDrawdownPct,
      dayStartEquity,
      carriedUnrealizedLoss: state.carriedUnrealizedLoss,
      openPositionCount: positions.length,
      maxConcurrentPositions: limits.maxConcurrentPositions,
    };
  }

  /**
   * Records a closed position, whatever the trading state. A win (pnl > 0) resets the streak; a
   * `stop_loss` or `liquidation` close that is not a win (and, with `losingClosesExtendStreak`, any close
   * with pnl < 0) extends it and starts a cooldown. The pnl is added to the day's realized PnL (profits
   * offset losses). Trips a halt when the streak reaches `maxSlStreak`, on a liquidation or an ADL, and
   * when the day's realized loss reaches `dailyDrawdownPct`. Throws `RiskInputError` (`INVALID_PNL`,
   * `INVALID_CLOSE_REASON`, `INVALID_TIME`, `INVALID_SYMBOL`, `INVALID_EQUITY`, `INVALID_ARGUMENT`).
   */
  recordClose(input: RecordCloseInput): CloseRecorded {
    requireObject(input, 'recordClose input');
    const pnl = requirePnl(input.pnl);
    const reason = requireCloseReason(input.reason);
    const requestedNow = requireTime(input.now);
    const symbol = input.symbol === undefined ? null : requireSymbol(input.symbol);
    const equity =
      input.equity === undefined ? undefined : requireMoney(input.equity, 'equity', 'INVALID_EQUITY');

    const state = this.#state;
    const now = this.#advance(requestedNow);
    const haltBefore = state.halt;
    state.realizedPnl += pnl;
    if (state.dayStartEquity === null && equity !== undefined) this.#startDay(equity);
    const resetStreak = pnl > 0;
    const countedAsStopLoss =
      !resetStreak &&
      (reason === 'stop_loss' || reason === 'liquidation' || (this.losingClosesExtendStreak && pnl < 0));
    if (resetStreak) {
      state.stopLossStreak = 0;
    } else if (countedAsStopLoss) {
      state.stopLossStreak += 1;
      state.lastStopLossAt = now;
    }

    if (reason === 'liquidation') {
      this.#trip({
        code: 'LIQUIDATION',
        message: `Halted: ${symbol ?? 'a position'} was liquidated (pnl ${shown(pnl)}); a protective stop failed. resume() to trade again.`,
        since: now,
        pnl,
        symbol,
      });
    } else if (reason === 'adl') {
      this.#trip({
        code: 'ADL',
        message: `Halted: ${symbol ?? 'a position'} was auto-deleveraged (pnl ${shown(pnl)}); the exchange changed the account's exposure. resume() to trade again.`,
        since: now,
        pnl,
        symbol,
      });
    }
    if (state.stopLossStreak >= this.limits.maxSlStreak) this.#tripStreak(now);
    if (state.dayStartEquity !== null) {
      const dailyLoss = this.#dailyLoss(0);
      if (dailyLoss / state.dayStartEquity >= this.limits.dailyDrawdownPct)
        this.#tripDrawdown(now, dailyLoss, 0);
    }
    return {
      countedAsStopLoss,
      resetStreak,
      stopLossStreak: state.stopLossStreak,
      realizedPnl: state.realizedPnl,
      tradingState: this.tradingState,
      tripped: state.halt !== haltBefore ? state.halt : null,
    };
  }

  /**
   * Tells the guard the account's equity at `now` (call it on every balance update): the last equity
   * recorded before 00:00 UTC, within the day that ends there, is the next day's starting equity, with the
   * unrealized loss it held (`includeUnrealizedLoss`). A day that saw none starts from its first equity
   * instead. It decides nothing and trips nothing. Throws `RiskInputError` (`INVALID_EQUITY`,
   * `INVALID_TIME`, `INVALID_POSITIONS`, `INVALID_ARGUMENT`).
   */
  recordEquity(input: RecordEquityInput): void {
    requireObject(input, 'recordEquity input');
    const equity = requireMoney(input.equity, 'equity', 'INVALID_EQUITY');
    const requestedNow = requireTime(input.now);
    const positions = input.openPositions;
    if (positions === undefined && this.includeUnrealizedLoss) {
      throw invalidPositions(
        'recordEquity needs the open positions with their unrealizedPnl: the guard counts unrealized loss.',
        positions,
      );
    }
    const { unrealizedPnl } = this.#readPositions(positions ?? [], undefined);
    const now = this.#advance(requestedNow);
    this.#seeEquity(equity, now, this.includeUnrealizedLoss && unrealizedPnl < 0 ? -unrealizedPnl : 0);
  }

  /**
   * Halts: no opens until `resume()`. Replaces any current halt (the operator's word is the latest);
   * `now`, when given, is recorded as `since`. Throws `INVALID_ARGUMENT` for an empty reason.
   */
  halt(reason: string, now?: number): RiskGuardStatus {
    const checkedReason = requireReason(reason, 'halt');
    const since = now === undefined ? null : this.#advance(requireTime(now));
    this.#state.halt = Object.freeze({
      code: 'HALTED',
      message: `Halted by the operator: ${checkedReason}`,
      since,
      reason: checkedReason,
    });
    return this.status();
  }

  /**
   * Reducing: closes go on (the guard never blocks them), opens are refused with `REDUCING`, until
   * `resume()`. A halt, if any, still takes precedence while it lasts.
   */
  reduce(reason: string, now?: number): RiskGuardStatus {
    const checkedReason = requireReason(reason, 'reduce');
    const since = now === undefined ? null : this.#advance(requireTime(now));
    this.#state.reducing = Object.freeze({
      message: `Reducing (opens refused, closes allowed): ${checkedReason}`,
      since,
      reason: checkedReason,
    });
    return this.status();
  }

  /**
   * Back to `active`: lifts any halt and the reducing state. A streak at or above `maxSlStreak` is reset
   * to 0 (resuming acknowledges it; otherwise the next `canOpen` would halt again). It cannot lift a
   * live limit: if the day's loss is still at the limit, the next `canOpen` halts again.
   */
  resume(now?: number): RiskGuardStatus {
    if (now !== undefined) this.#advance(requireTime(now));
    const state = this.#state;
    state.halt = null;
    state.reducing = null;
    if (state.stopLossStreak >= this.limits.maxSlStreak) state.stopLossStreak = 0;
    return this.status();
  }

  /** A copy of the guard's state and settings. With `now`, the clock (and day) advances first. */
  status(now?: number): RiskGuardStatus {
    if (now !== undefined) this.#advance(requireTime(now));
    const state = this.#state;
    const realizedLoss = state.realizedPnl < 0 ? -state.realizedPnl : 0;
    return {
      tier: this.tier,
      limits: this.limits,
      tradingState: this.tradingState,
      halt: state.halt,
      reducing: state.reducing,
      stopLossStreak: state.stopLossStreak,
      lastStopLossAt: state.lastStopLossAt,
      cooldownEndsAt:
        state.lastStopLossAt === null ? null : state.lastStopLossAt + this.#cooldownMilliseconds,
      day: state.day === null ? null : utcDayText(state.day),
      dayStartEquity: state.dayStartEquity,
      carriedUnrealizedLoss: state.carriedUnrealizedLoss,
      realizedPnl: state.realizedPnl,
      realizedLoss,
      realizedLossFraction: state.dayStartEquity === null ? null : realizedLoss / state.dayStartEquity,
      latestNow: state.latestNow,
      openPositions: state.openPositions.map(({ symbol, side }) => ({ symbol, side })),
    };
  }

  /** The whole state as version-1 JSON data: `JSON.stringify(guard.snapshot())`, and `RiskGuard.restore` it. */
  snapshot(): RiskGuardSnapshot {
    const state = this.#state;
    return {
      version: SNAPSHOT_VERSION,
      tier: this.tier,
      limits: { ...this.limits },
      losingClosesExtendStreak: this.losingClosesExtendStreak,
      includeUnrealizedLoss: this.includeUnrealizedLoss,
      day: state.day === null ? null : utcDayText(state.day),
      dayStartEquity: state.dayStartEquity,
      carriedUnrealizedLoss: state.carriedUnrealizedLoss,
      equitySeen: state.equitySeen === null ? null : { ...state.equitySeen },
      realizedPnl: state.realizedPnl,
      stopLossStreak: state.stopLossStreak,
      lastStopLossAt: state.lastStopLossAt,
      latestNow: state.latestNow,
      tradingState: this.tradingState,
      halt: state.halt === null ? null : { ...state.halt },
      reducing: state.reducing === null ? null : { ...state.reducing },
      openPositions: state.openPositions.map(({ symbol, side }) => ({ symbol, side })),
    };
  }

  /**
   * Moves the clock to `now` (never backwards: an earlier `now` reads as the latest seen) and, when it
   * crosses 00:00 UTC, starts the new day: PnL resets, a daily-drawdown halt lifts, and the starting
   * equity is the last equity seen before 00:00 within the day that ended (none seen: the day's first).
   */
  #advance(requestedNow: number): number {
    const state = this.#state;
    const now = state.latestNow !== null && state.latestNow > requestedNow ? state.latestNow : requestedNow;
    state.latestNow = now;
    const day = utcDayOf(now);
    if (state.day !== day) {
      state.day = day;
      state.realizedPnl = 0;
      const seen = state.equitySeen;
      const fromDayBefore = seen !== null && utcDayOf(seen.at) === day - 1;
      state.dayStartEquity = fromDayBefore ? seen.equity : null;
      state.carriedUnrealizedLoss = fromDayBefore ? seen.unrealizedLoss : 0;
      if (state.halt?.code === 'DAILY_DRAWDOWN') state.halt = null;
    }
    return now;
  }

  /** The day's starting equity from the first equity seen that day, before the day's realized PnL. */
  #startDay(equity: number): void {
    const start = equity - this.#state.realizedPnl;
    this.#state.dayStartEquity = start > 0 ? start : equity;
  }

  /**
   * An equity reading at `now` (already advanced to): it starts a day that has no start yet (with the
   * unrealized loss it holds as the day's carried loss), and is kept for the next day's start.
   */
  #seeEquity(equity: number, now: number, unrealizedLoss: number): void {
    const state = this.#state;
    if (state.dayStartEquity === null) {
      this.#startDay(equity);
      state.carriedUnrealizedLoss = unrealizedLoss;
    }
    const seen = state.equitySeen;
    if (
      seen === null ||
      seen.equity !== equity ||
      seen.at !== now ||
      seen.unrealizedLoss !== unrealizedLoss
    ) {
      state.equitySeen = Object.freeze({ equity, at: now, unrealizedLoss });
    }
  }

  /** Validates `openPositions`; the sum of their unrealized losses (≤ 0), and the side open on `symbol`. */
  #readPositions(
    positions: unknown,
    symbol: string | undefined,
  ): { unrealizedPnl: number; sameSymbolSide: Side | undefined } {
    if (!Array.isArray(positions)) {
      throw invalidPositions(
        `${describeValue(positions)} is not an array (pass [] when none are open).`,
        positions,
      );
    }
    let unrealizedPnl = 0;
    let sameSymbolSide: Side | undefined;
    for (let index = 0; index < positions.length; index += 1) {
      const position: unknown = positions[index];
      if (typeof position !== 'object' || position === null) {
        throw invalidPositions(`entry ${index} is ${describeValue(position)}, not a position.`, positions);
      }
      const { symbol: openSymbol, side: openSide, unrealizedPnl: openPnl } = position as OpenPosition;
      if (typeof openSymbol !== 'string' || openSymbol.length === 0) {
        throw invalidPositions(`entry ${index} has symbol ${describeValue(openSymbol)}.`, positions);
      }
      if (openSide !== 'long' && openSide !== 'short') {
        throw invalidPositions(`entry ${index} has side ${describeValue(openSide)}.`, positions);
      }
      if (openPnl !== undefined || this.includeUnrealizedLoss) {
        if (typeof openPnl !== 'number' || !(Math.abs(openPnl) <= largestMoney)) {
          throw invalidPositions(
            `entry ${index} has unrealizedPnl ${describeValue(openPnl)}; expected a finite number${this.includeUnrealizedLoss ? ' (required: the guard counts unrealized loss)' : ''}.`,
            positions,
          );
        }
        if (openPnl < 0) unrealizedPnl += openPnl;
      }
      if (symbol !== undefined && sameSymbolSide === undefined && sameSymbol(symbol, openSymbol)) {
        sameSymbolSide = openSide;
      }
    }
    return { unrealizedPnl, sameSymbolSide };
  }

  /**
   * The counted unrealized loss less the loss carried into the day, less the realized PnL, floored at 0:
   * profits offset realized losses, never count as negative loss; a loss carried over midnight is already
   * in the day's starting equity, so it is not counted again (not while open, nor when it is realized).
   */
  #dailyLoss(unrealizedLoss: number): number {
    const state = this.#state;
    const loss = unrealizedLoss - state.carriedUnrealizedLoss - state.realizedPnl;
    return loss > 0 ? loss : 0;
  }

  #trip(record: HaltRecord): void {
    const current = this.#state.halt;
    if (current === null || (!lastsUntilResume(current) && lastsUntilResume(record))) {
      this.#state.halt = Object.freeze(record);
    }
  }

  #tripStreak(now: number): void {
    const { stopLossStreak } = this.#state;
    const { maxSlStreak } = this.limits;
    this.#trip({
      code: 'SL_STREAK',
      message: `Halted: ${stopLossStreak} stop-losses in a row (limit ${maxSlStreak}). resume() to trade again.`,
      since: now,
      stopLossStreak,
      maxSlStreak,
    });
  }

  #tripDrawdown(now: number, dailyLoss: number, unrealizedLoss: number): void {
    const state = this.#state;
    const dayStartEquity = state.dayStartEquity as number;
    const dailyLossFraction = dailyLoss / dayStartEquity;
    const record: DailyDrawdownHalt = {
      code: 'DAILY_DRAWDOWN',
      message: `Halted for the UTC day: the day's loss ${shown(dailyLoss)} is ${shown(dailyLossFraction)} of the day's starting equity ${shown(dayStartEquity)}, at or past the limit ${this.limits.dailyDrawdownPct}${state.carriedUnrealizedLoss > 0 ? ` (the ${shown(state.carriedUnrealizedLoss)} of unrealized loss carried into the day not counted again)` : ''}. Lifts at 00:00 UTC.`,
      since: now,
      day: utcDayText(state.day as number),
      dailyLoss,
      dailyLossFraction,
      dailyDrawdownPct: this.limits.dailyDrawdownPct,
      dayStartEquity,
      realizedPnl: state.realizedPnl,
      unrealizedLoss,
    };
    this.#trip(record);
  }
}
