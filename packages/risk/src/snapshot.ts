import { RiskInputError, describeValue, isRiskInputError } from './risk-input-error';
import { TIERS, resolveRiskLimits, riskLimitFields } from './tiers';
import type { RiskLimits, Tier } from './tiers';
import { tradingStates } from './trading-state';
import type { HaltRecord, ReducingRecord, TradingState } from './trading-state';
import { parseUtcDay, utcDayOf } from './utc-day';
import { earliestTime, latestTime } from './validation';
import type { Side } from './validation';

/** The snapshot format version this package writes and reads. */
export const SNAPSHOT_VERSION = 1;

/**
 * A RiskGuard's whole state as plain JSON data (`JSON.stringify` it as is). Version 1. Everything a
 * restart needs to continue the same streak, day, cooldown and halt: a restart never resets risk.
 */
export interface RiskGuardSnapshot {
  readonly version: 1;
  readonly tier: Tier;
  readonly limits: RiskLimits;
  readonly losingClosesExtendStreak: boolean;
  readonly includeUnrealizedLoss: boolean;
  /** The UTC day the day's figures belong to, `'YYYY-MM-DD'`; `null` before the guard saw any `now`. */
  readonly day: string | null;
  /** The equity the day started with; `null` until the day's first equity was seen. */
  readonly dayStartEquity: number | null;
  /** The unrealized loss the day started with (in `dayStartEquity`, so not counted again). Absent in older snapshots: 0. */
  readonly carriedUnrealizedLoss?: number;
  /** The last equity reading (`at` epoch ms, the unrealized loss it held): the next day starts from it. Absent in older snapshots: `null`. */
  readonly equitySeen?: EquityReading | null;
  /** The day's realized PnL, net of fees (negative = loss). */
  readonly realizedPnl: number;
  /** Consecutive stop-losses (kept across days). */
  readonly stopLossStreak: number;
  /** When the last stop-loss (streak-extending close) happened, epoch ms, or `null`. */
  readonly lastStopLossAt: number | null;
  /** The latest `now` the guard has seen (its clock never runs backwards), or `null`. */
  readonly latestNow: number | null;
  /** Derived from `halt` and `reducing`, written for readers; checked on restore. */
  readonly tradingState: TradingState;
  readonly halt: HaltRecord | null;
  readonly reducing: ReducingRecord | null;
  /** The open positions last given to `canOpen` (informational: decisions use the list given each time). */
  readonly openPositions: readonly { readonly symbol: string; readonly side: Side }[];
}

/** An equity reading: the next UTC day starts from the last one before 00:00. */
export interface EquityReading {
  readonly equity: number;
  /** Epoch milliseconds. */
  readonly at: number;
  /** The open positions' unrealized loss then (≥ 0; 0 unless `includeUnrealizedLoss`). */
  readonly unrealizedLoss: number;
}

/** The mutable state a RiskGuard runs on. */
export interface GuardState {
  day: number | null;
  dayStartEquity: number | null;
  carriedUnrealizedLoss: number;
  equitySeen: EquityReading | null;
  realizedPnl: number;
  stopLossStreak: number;
  lastStopLossAt: number | null;
  latestNow: number | null;
  halt: HaltRecord | null;
  reducing: ReducingRecord | null;
  openPositions: readonly { readonly symbol: string; readonly side: Side }[];
}

export interface SnapshotSettings {
  readonly tier: Tier;
  readonly limits: RiskLimits;
  readonly losingClosesExtendStreak: boolean;
  readonly includeUnrealizedLoss: boolean;
}

class SnapshotProblem extends Error {}

function problem(path: string, value: unknown, expected: string): never {
  throw new SnapshotProblem(`${path} is ${describeValue(value)}, expected ${expected}`);
}

type Fields = Readonly<Record<string, unknown>>;

function objectAt(
  value: unknown,
  path: string,
  keys: readonly string[],
  optionalKeys: readonly string[] = [],
): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) problem(path, value, 'an object');
  const fields = value as Fields;
  for (const key of Object.keys(fields)) {
    if (!keys.includes(key) && !optionalKeys.includes(key))
      problem(
        `${path}.${key}`,
        fields[key],
        `no such field (expected ${[...keys, ...optionalKeys].join(', ')})`,
      );
  }
  for (const key of keys) {
    if (!(key in fields)) problem(`${path}.${key}`, undefined, 'a value (the field is missing)');
  }
  return fields;
}

function finiteAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) problem(path, value, 'a finite number');
  return value;
}

function nonNegativeAt(value: unknown, path: string): number {
  const number = finiteAt(value, path);
  if (number < 0) problem(path, value, 'a number ≥ 0');
  return number;
}

function positiveAt(value: unknown, path: string): number {
  const number = finiteAt(value, path);
  if (!(number > 0)) problem(path, value, 'a number > 0');
  return number;
}

function countAt(value: unknown, path: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    problem(path, value, `an integer ≥ ${minimum}`);
  }
  return value;
}

function timeAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < earliestTime || value >= latestTime) {
    problem(path, value, 'integer epoch milliseconds between 2000 and 2100');
  }
  return value;
}

function optionalTimeAt(value: unknown, path: string): number | null {
  return value === null ? null : timeAt(value, path);
}

function textAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) problem(path, value, 'a non-empty string');
  return value;
}

function booleanAt(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') problem(path, value, 'true or false');
  return value;
}

function dayAt(value: unknown, path: string): number {
  const day = typeof value === 'string' ? parseUtcDay(value) : undefined;
  if (day === undefined) problem(path, value, "a UTC date 'YYYY-MM-DD'");
  return day;
}

function haltAt(value: unknown, path: string): HaltRecord {
  if (typeof value !== 'object' || value === null) problem(path, value, 'an object or null');
  const code: unknown = (value as Fields)['code'];
  const common = ['code', 'message', 'since'];
  switch (code) {
    case 'HALTED': {
      const fields = objectAt(value, path, [...common, 'reason']);
      return {
        code,
        message: textAt(fields['message'], `${path}.message`),
        since: optionalTimeAt(fields['since'], `${path}.since`),
        reason: textAt(fields['reason'], `${path}.reason`),
      };
    }
    case 'SL_STREAK': {
      const fields = objectAt(value, path, [...common, 'stopLossStreak', 'maxSlStreak']);
      return {
        code,
        message: textAt(fields['message'], `${path}.message`),
        since: optionalTimeAt(fields['since'], `${path}.since`),
        stopLossStreak: countAt(fields['stopLossStreak'], `${path}.stopLossStreak`, 1),
        maxSlStreak: countAt(fields['maxSlStreak'], `${path}.maxSlStreak`, 1),
      };
    }
    case 'DAILY_DRAWDOWN': {
      const fields = objectAt(value, path, [
        ...common,
        'day',
        'dailyLoss',
        'dailyLossFraction',
        'dailyDrawdownPct',
        'dayStartEquity',
        'realizedPnl',
        'unrealizedLoss',
      ]);
      dayAt(fields['day'], `${path}.day`);
      return {
        code,
        message: textAt(fields['message'], `${path}.message`),
        since: optionalTimeAt(fields['since'], `${path}.since`),
        day: fields['day'] as string,
        dailyLoss: nonNegativeAt(fields['dailyLoss'], `${path}.dailyLoss`),
        dailyLossFraction: nonNegativeAt(fields['dailyLossFraction'], `${path}.dailyLossFraction`),
        dailyDrawdownPct: positiveAt(fields['dailyDrawdownPct'], `${path}.dailyDrawdownPct`),
        dayStartEquity: positiveAt(fields['dayStartEquity'], `${path}.dayStartEquity`),
        realizedPnl: finiteAt(fields['realizedPnl'], `${path}.realizedPnl`),
        unrealizedLoss: nonNegativeAt(fields['unrealizedLoss'], `${path}.unrealizedLoss`),
      };
    }
    case 'LIQUIDATION':
    case 'ADL': {
      const fields = objectAt(value, path, [...common, 'pnl', 'symbol']);
      return {
        code,
        message: textAt(fields['message'], `${path}.message`),
        since: optionalTimeAt(fields['since'], `${path}.since`),
        pnl: finiteAt(fields['pnl'], `${path}.pnl`),
        symbol: fields['symbol'] === null ? null : textAt(fields['symbol'], `${path}.symbol`),
      };
    }
    default:
      return problem(`${path}.code`, code, "'HALTED', 'LIQUIDATION', 'ADL', 'SL_STREAK' or 'DAILY_DRAWDOWN'");
  }
}

function reducingAt(value: unknown, path: string): ReducingRecord {
  const fields = objectAt(value, path, ['message', 'since', 'reason']);
  return {
    message: textAt(fields['message'], `${path}.message`),
    since: optionalTimeAt(fields['since'], `${path}.since`),
    reason: textAt(fields['reason'], `${path}.reason`),
  };
}

function positionsAt(value: unknown, path: string): { symbol: string; side: Side }[] {
  if (!Array.isArray(value)) problem(path, value, 'an array');
  return (value as unknown[]).map((entry, index) => {
    const fields = objectAt(entry, `${path}[${index}]`, ['symbol', 'side']);
    const side = fields['side'];
    if (side !== 'long' && side !== 'short') problem(`${path}[${index}].side`, side, "'long' or 'short'");
    return { symbol: textAt(fields['symbol'], `${path}[${index}].symbol`), side };
  });
}

/** Fields added after version 1 first shipped: absent in older snapshots, always written. */
const laterSnapshotKeys = ['carriedUnrealizedLoss', 'equitySeen'] as const;

function equityReadingAt(value: unknown, path: string, latestNow: number | null): EquityReading | null {
  if (value === undefined || value === null) return null;
  const fields = objectAt(value, path, ['equity', 'at', 'unrealizedLoss']);
  const at = timeAt(fields['at'], `${path}.at`);
  if (latestNow === null || at > latestNow) problem(`${path}.at`, at, 'a time no later than latestNow');
  return Object.freeze({
    equity: positiveAt(fields['equity'], `${path}.equity`),
    at,
    unrealizedLoss: nonNegativeAt(fields['unrealizedLoss'], `${path}.unrealizedLoss`),
  });
}

const snapshotKeys = [
  'version',
  'tier',
  'limits',
  'losingClosesExtendStreak',
  'includeUnrealizedLoss',
  'day',
  'dayStartEquity',
  'realizedPnl',
  'stopLossStreak',
  'lastStopLossAt',
  'latestNow',
  'tradingState',
  'halt',
  'reducing',
  'openPositions',
] as const;

function readSnapshot(value: unknown): { settings: SnapshotSettings; state: GuardState } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problem('the snapshot', value, 'an object');
  }
  const version: unknown = (value as Fields)['version'];
  if (version !== SNAPSHOT_VERSION) {
    problem('version', version, `${SNAPSHOT_VERSION} (this package reads version ${SNAPSHOT_VERSION} only)`);
  }
  const fields = objectAt(value, 'snapshot', snapshotKeys, laterSnapshotKeys);
  const tier = fields['tier'];
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) {
    problem('tier', tier, TIERS.join(', '));
  }
  objectAt(fields['limits'], 'limits', riskLimitFields);
  let limits: RiskLimits;
  try {
    limits = resolveRiskLimits(tier as Tier, fields['limits'] as Partial<RiskLimits>);
  } catch (error) {
    // The limit's own message ends with a period; the snapshot's message adds its own.
    if (isRiskInputError(error)) throw new SnapshotProblem(`limits: ${error.message.replace(/\.$/, '')}`);
    throw error;
  }
  const settings: SnapshotSettings = {
    tier: tier as Tier,
    limits,
    losingClosesExtendStreak: booleanAt(fields['losingClosesExtendStreak'], 'losingClosesExtendStreak'),
    includeUnrealizedLoss: booleanAt(fields['includeUnrealizedLoss'], 'includeUnrealizedLoss'),
  };

  const latestNow = optionalTimeAt(fields['latestNow'], 'latestNow');
  const day = fields['day'] === null ? null : dayAt(fields['day'], 'day');
  if ((day === null) !== (latestNow === null)) {
    problem('day', fields['day'], 'null exactly when latestNow is null');
  }
  if (day !== null && latestNow !== null && utcDayOf(latestNow) !== day) {
    problem('day', fields['day'], 'the UTC day of latestNow');
  }
  const dayStartEquity =
    fields['dayStartEquity'] === null ? null : positiveAt(fields['dayStartEquity'], 'dayStartEquity');
  const realizedPnl = finiteAt(fields['realizedPnl'], 'realizedPnl');
  if (day === null && (dayStartEquity !== null || realizedPnl !== 0)) {
    problem('day', null, 'a day when the snapshot has day figures');
  }
  const carriedUnrealizedLoss =
    fields['carriedUnrealizedLoss'] === undefined
      ? 0
      : nonNegativeAt(fields['carriedUnrealizedLoss'], 'carriedUnrealizedLoss');
  if (dayStartEquity === null && carriedUnrealizedLoss !== 0) {
    problem('carriedUnrealizedLoss', carriedUnrealizedLoss, '0 while dayStartEquity is null');
  }
  const equitySeen = equityReadingAt(fields['equitySeen'], 'equitySeen', latestNow);
  const lastStopLossAt = optionalTimeAt(fields['lastStopLossAt'], 'lastStopLossAt');
  if (lastStopLossAt !== null && (latestNow === null || lastStopLossAt > latestNow)) {
    problem('lastStopLossAt', lastStopLossAt, 'a time no later than latestNow');
  }
  const halt = fields['halt'] === null ? null : Object.freeze(haltAt(fields['halt'], 'halt'));
  const reducing =
    fields['reducing'] === null ? null : Object.freeze(reducingAt(fields['reducing'], 'reducing'));
  const expectedState: TradingState = halt !== null ? 'halted' : reducing !== null ? 'reducing' : 'active';
  const tradingState = fields['tradingState'];
  if (!(tradingStates as readonly unknown[]).includes(tradingState) || tradingState !== expectedState) {
    problem('tradingState', tradingState, `'${expectedState}' (from halt and reducing)`);
  }
  return {
    settings,
    state: {
      day,
      dayStartEquity,
      carriedUnrealizedLoss: carriedUnrealizedLoss === 0 ? 0 : carriedUnrealizedLoss,
      equitySeen,
      realizedPnl: realizedPnl === 0 ? 0 : realizedPnl,
      stopLossStreak: countAt(fields['stopLossStreak'], 'stopLossStreak', 0),
      lastStopLossAt,
      latestNow,
      halt,
      reducing,
      openPositions: positionsAt(fields['openPositions'], 'openPositions'),
    },
  };
}

/**
 * Validates a snapshot (an object, or its JSON text) and returns its settings and state. Throws
 * `RiskInputError` `INVALID_SNAPSHOT` naming the first bad field; `cause` keeps the underlying error.
 */
export function parseSnapshot(snapshot: unknown): { settings: SnapshotSettings; state: GuardState } {
  let value = snapshot;
  if (typeof snapshot === 'string') {
    try {
      value = JSON.parse(snapshot) as unknown;
    } catch (error) {
      throw new RiskInputError('INVALID_SNAPSHOT', 'Invalid snapshot: the text is not JSON.', snapshot, {
        cause: error,
      });
    }
  }
  try {
    return readSnapshot(value);
  } catch (error) {
    if (error instanceof SnapshotProblem) {
      throw new RiskInputError('INVALID_SNAPSHOT', `Invalid snapshot: ${error.message}.`, snapshot, {
        cause: error,
      });
    }
    throw error;
  }
}
