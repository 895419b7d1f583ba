import type { Side } from './validation';

/**
 * What the guard lets through: `active` opens (within the limits); `reducing` blocks opens (the operator is
 * winding positions down); `halted` blocks opens (an operator halt or a tripped limit). No state ever
 * blocks a close: the guard is only asked before opening, and records every close whatever its state.
 */
export type TradingState = 'active' | 'reducing' | 'halted';

/** Every `TradingState`. */
export const tradingStates: readonly TradingState[] = Object.freeze([
  'active',
  'reducing',
  'halted',
] as const);

/** Why a position was closed. `adl`: the exchange auto-deleveraged (part of) it. */
export type CloseReason = 'stop_loss' | 'take_profit' | 'manual' | 'liquidation' | 'adl';

/** Every `CloseReason`. */
export const closeReasons: readonly CloseReason[] = Object.freeze([
  'stop_loss',
  'take_profit',
  'manual',
  'liquidation',
  'adl',
] as const);

/** An open position as the caller knows it from the exchange. */
export interface OpenPosition {
  /** `'BTC/USDC:USDC'` or `'BTCUSDC'`: both notations name the same market. */
  readonly symbol: string;
  readonly side: Side;
  /** Unrealized PnL in quote currency (negative = loss). Required when the guard counts unrealized loss. */
  readonly unrealizedPnl?: number | undefined;
}

/** An operator halt: `halt(reason)`. Lasts until `resume()`. */
export interface OperatorHalt {
  readonly code: 'HALTED';
  readonly message: string;
  /** When it started (the `now` given to `halt`), or `null` when none was given. */
  readonly since: number | null;
  /** The operator's reason, as given. */
  readonly reason: string;
}

/** The stop-loss streak reached `maxSlStreak`. Lasts until `resume()`, which also resets the streak. */
export interface StopLossStreakHalt {
  readonly code: 'SL_STREAK';
  readonly message: string;
  readonly since: number | null;
  /** The streak when it tripped. */
  readonly stopLossStreak: number;
  readonly maxSlStreak: number;
}

/** The day's loss reached `dailyDrawdownPct` of the day's starting equity. Lifts at 00:00 UTC (or `resume()`). */
export interface DailyDrawdownHalt {
  readonly code: 'DAILY_DRAWDOWN';
  readonly message: string;
  readonly since: number | null;
  /** The UTC day it tripped on, `'YYYY-MM-DD'`. */
  readonly day: string;
  /** The day's loss in quote currency when it tripped: −(realized PnL + counted unrealized loss), ≥ 0. */
  readonly dailyLoss: number;
  /** `dailyLoss / dayStartEquity`. */
  readonly dailyLossFraction: number;
  /** The limit it reached. */
  readonly dailyDrawdownPct: number;
  readonly dayStartEquity: number;
  /** The day's realized PnL (net of fees) when it tripped. */
  readonly realizedPnl: number;
  /** The open positions' unrealized loss counted (0 unless `includeUnrealizedLoss`), ≥ 0. */
  readonly unrealizedLoss: number;
}

/** A position was liquidated: a protective stop failed. Lasts until `resume()`. */
export interface LiquidationHalt {
  readonly code: 'LIQUIDATION';
  readonly message: string;
  readonly since: number | null;
  /** The liquidation's realized PnL. */
  readonly pnl: number;
  /** The liquidated symbol, when the close named it. */
  readonly symbol: string | null;
}

/**
 * The exchange auto-deleveraged (part of) a position: the bot did not choose it, yet its exposure changed
 * and an operator must look. Lasts until `resume()`.
 */
export interface AdlHalt {
  readonly code: 'ADL';
  readonly message: string;
  readonly since: number | null;
  /** The ADL close's realized PnL (usually a profit). */
  readonly pnl: number;
  /** The deleveraged symbol, when the close named it. */
  readonly symbol: string | null;
}

/** Why the guard is halted. */
export type HaltRecord = OperatorHalt | StopLossStreakHalt | DailyDrawdownHalt | LiquidationHalt | AdlHalt;

/** The codes of `HaltRecord`. */
export type HaltCode = HaltRecord['code'];

/** The operator asked to wind down: `reduce(reason)`. Lasts until `resume()`. */
export interface ReducingRecord {
  readonly message: string;
  readonly since: number | null;
  readonly reason: string;
}
