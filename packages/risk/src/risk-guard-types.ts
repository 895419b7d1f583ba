/** What goes into a `RiskGuard` and what comes out: its options, inputs, decisions (with every denial) and status. */
import type { RiskLimits, Tier } from './tiers';
import type { CloseReason, HaltRecord, OpenPosition, ReducingRecord, TradingState } from './trading-state';
import type { Side } from './validation';

/** How a guard is set up. */
export interface RiskGuardOptions {
  /** The tier whose defaults fill unset limits and whose hard caps bound the custom ones. */
  readonly tier: Tier;
  /** Custom limits (e.g. `@bot/config`'s `risk` section as is), each within the tier's hard caps. */
  readonly limits?: Partial<RiskLimits> | undefined;
  /** Count every losing close (pnl < 0, any reason) as a stop-loss for the streak and cooldown. Default false: only `stop_loss` and `liquidation` closes do. */
  readonly losingClosesExtendStreak?: boolean | undefined;
  /** Add the open positions' unrealized loss to the day's loss. Default false: realized only. */
  readonly includeUnrealizedLoss?: boolean | undefined;
}

/** What `RiskGuard.restore` accepts besides the snapshot. */
export interface RestoreOptions extends Partial<RiskGuardOptions> {
  /** When given, the guard moves its clock (and, past midnight UTC, its day) to this time at once. */
  readonly now?: number | undefined;
}

/** The facts `canOpen` decides on. */
export interface CanOpenInput {
  readonly symbol: string;
  readonly side: Side;
  /** Epoch milliseconds. */
  readonly now: number;
  /** Account equity in quote currency (wallet balance + unrealized PnL), > 0. */
  readonly equity: number;
  /** Every open position, from the exchange (the guard does not track positions itself). */
  readonly openPositions: readonly OpenPosition[];
}

/** A permitted open, with the numbers behind it for an audit rationale. */
export interface OpenAllowed {
  readonly allowed: true;
  readonly tradingState: 'active';
  readonly stopLossStreak: number;
  readonly maxSlStreak: number;
  /** The day's loss so far in quote currency (≥ 0) and as a fraction of the day's starting equity. */
  readonly dailyLoss: number;
  readonly dailyLossFraction: number;
  readonly dailyDrawdownPct: number;
  readonly dayStartEquity: number;
  /** The open positions' unrealized loss at the day's start, already in `dayStartEquity`, so not counted again (0 unless `includeUnrealizedLoss`). */
  readonly carriedUnrealizedLoss: number;
  readonly openPositionCount: number;
  readonly maxConcurrentPositions: number;
}

interface DenialBase {
  readonly allowed: false;
  /** Human-readable, with the numbers; may be reworded between versions (match on `code`). */
  readonly message: string;
  readonly tradingState: TradingState;
}

/** The guard is halted; the fields are the halt's record (numbers as they were when it tripped). */
export type HaltedDenial = DenialBase & HaltRecord;

/** The operator put the guard in `reducing`. */
export interface ReducingDenial extends DenialBase {
  readonly code: 'REDUCING';
  readonly since: number | null;
  readonly reason: string;
}

/** A stop-loss happened less than `cooldownAfterStopMinutes` ago. */
export interface CooldownDenial extends DenialBase {
  readonly code: 'COOLDOWN';
  readonly lastStopLossAt: number;
  /** When opens are allowed again, epoch ms. */
  readonly cooldownEndsAt: number;
  readonly remainingMilliseconds: number;
  readonly cooldownAfterStopMinutes: number;
}

/** A position on this symbol is already open (either side; both notations match). */
export interface SymbolAlreadyOpenDenial extends DenialBase {
  readonly code: 'SYMBOL_ALREADY_OPEN';
  readonly symbol: string;
  readonly openSide: Side;
}

/** `maxConcurrentPositions` positions are already open. */
export interface MaxPositionsDenial extends DenialBase {
  readonly code: 'MAX_POSITIONS';
  readonly openPositionCount: number;
  readonly maxConcurrentPositions: number;
}

/** A refused open. */
export type OpenDenial =
  HaltedDenial | ReducingDenial | CooldownDenial | SymbolAlreadyOpenDenial | MaxPositionsDenial;

/** Every denial code `canOpen` returns. */
export type OpenDenialCode = OpenDenial['code'];

/** Every `OpenDenialCode`, in the order `canOpen` checks them. */
export const openDenialCodes: readonly OpenDenialCode[] = Object.freeze([
  'HALTED',
  'LIQUIDATION',
  'ADL',
  'SL_STREAK',
  'DAILY_DRAWDOWN',
  'REDUCING',
  'COOLDOWN',
  'SYMBOL_ALREADY_OPEN',
  'MAX_POSITIONS',
] as const);

export type OpenDecision = OpenAllowed | OpenDenial;

/** A closed position. */
export interface RecordCloseInput {
  /** Realized PnL of the close in quote currency, net of fees (negative = loss). */
  readonly pnl: number;
  readonly reason: CloseReason;
  /** Epoch milliseconds of the close. */
  readonly now: number;
  /** The closed symbol (kept in a liquidation's or an ADL's halt record). */
  readonly symbol?: string | undefined;
  /** Account equity after the close; sets the day's starting equity if the day has none yet. */
  readonly equity?: number | undefined;
}

/** The account's equity at a moment, e.g. from every balance update: the last one before 00:00 UTC starts the next day. */
export interface RecordEquityInput {
  /** Account equity in quote currency (wallet balance + unrealized PnL), > 0. */
  readonly equity: number;
  /** Epoch milliseconds of the reading. */
  readonly now: number;
  /** The open positions with their `unrealizedPnl`: required with `includeUnrealizedLoss` (the loss they carry into the next day). */
  readonly openPositions?: readonly OpenPosition[] | undefined;
}

/** What a close changed. */
export interface CloseRecorded {
  /** Whether the close counted as a stop-loss (extended the streak and started a cooldown). */
  readonly countedAsStopLoss: boolean;
  /** Whether it was a win (pnl > 0), which reset the streak. */
  readonly resetStreak: boolean;
  readonly stopLossStreak: number;
  readonly realizedPnl: number;
  readonly tradingState: TradingState;
  /** The halt this close tripped, if it tripped one. */
  readonly tripped: HaltRecord | null;
}

/** A read-only view of the guard, for an operator or an audit record. */
export interface RiskGuardStatus {
  readonly tier: Tier;
  readonly limits: RiskLimits;
  readonly tradingState: TradingState;
  readonly halt: HaltRecord | null;
  readonly reducing: ReducingRecord | null;
  readonly stopLossStreak: number;
  readonly lastStopLossAt: number | null;
  /** When the cooldown after the last stop-loss ends (may be in the past), or `null`. */
  readonly cooldownEndsAt: number | null;
  readonly day: string | null;
  readonly dayStartEquity: number | null;
  /** The unrealized loss the day started with (in `dayStartEquity` already, so not counted again as the day's loss). */
  readonly carriedUnrealizedLoss: number;
  readonly realizedPnl: number;
  /** The day's realized loss (≥ 0) and its fraction of the day's starting equity (`null` until that is known). */
  readonly realizedLoss: number;
  readonly realizedLossFraction: number | null;
  readonly latestNow: number | null;
  readonly openPositions: readonly { readonly symbol: string; readonly side: Side }[];
}
