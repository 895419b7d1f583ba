/**
 * A snapshot that cannot be restored is refused with `INVALID_SNAPSHOT` and a message naming the first bad
 * field, its value and what was expected: the operator restarting a bot reads it to repair the state file.
 */
import { describe, expect, it } from 'vitest';

import { RiskGuard } from '../src/risk-guard';
import type { CanOpenInput } from '../src/risk-guard-types';
import type { RiskGuardSnapshot } from '../src/snapshot';
import { earliestTime, latestTime } from '../src/validation';

function at(time: string, day = 1): number {
  return Date.parse(`2024-05-${String(day).padStart(2, '0')}T${time}Z`);
}

function openInput(now: number, change: Partial<CanOpenInput> = {}): CanOpenInput {
  return { symbol: 'BTC/USDC:USDC', side: 'long', now, equity: 10_000, openPositions: [], ...change };
}

type Fields = Record<string, unknown>;

/** A snapshot with a day, a streak, a cooldown, an equity reading and an open position, as JSON data. */
function valid(): Fields {
  const guard = new RiskGuard({ tier: 'standard', limits: { maxSlStreak: 4 } });
  guard.canOpen(openInput(at('08:00'), { openPositions: [{ symbol: 'ETH/USDC:USDC', side: 'short' }] }));
  guard.recordClose({ pnl: -120, reason: 'stop_loss', now: at('09:00') });
  return JSON.parse(JSON.stringify(guard.snapshot())) as Fields;
}

/** A snapshot that never saw a time: no day, no latestNow. */
function fresh(): Fields {
  return JSON.parse(JSON.stringify(new RiskGuard({ tier: 'standard' }).snapshot())) as Fields;
}

function withHalt(halt: Fields): Fields {
  return { ...valid(), halt, tradingState: 'halted' };
}

const operatorHalt = { code: 'HALTED', message: 'Halted by the operator: x', since: null, reason: 'x' };
const streakHalt = {
  code: 'SL_STREAK',
  message: 'Halted: 4',
  since: at('09:00'),
  stopLossStreak: 4,
  maxSlStreak: 4,
};
const drawdownHalt = {
  code: 'DAILY_DRAWDOWN',
  message: 'Halted for the UTC day',
  since: at('09:00'),
  day: '2024-05-01',
  dailyLoss: 600,
  dailyLossFraction: 0.06,
  dailyDrawdownPct: 0.05,
  dayStartEquity: 10_000,
  realizedPnl: -600,
  unrealizedLoss: 0,
};
const reducing = { message: 'Reducing', since: null, reason: 'x' };

const cases: [string, () => unknown, string][] = [
  ['a number', () => 42, 'the snapshot is 42, expected an object'],
  ['null', () => null, 'the snapshot is null, expected an object'],
  ['an array', () => [], 'the snapshot is an array, expected an object'],
  [
    'version 2',
    () => ({ ...valid(), version: 2 }),
    'version is 2, expected 1 (this package reads version 1 only)',
  ],
  [
    'a missing field',
    () => {
      const { stopLossStreak: _, ...rest } = valid();
      return rest;
    },
    'snapshot.stopLossStreak is undefined, expected a value (the field is missing)',
  ],
  [
    'an unknown field',
    () => ({ ...valid(), extra: true }),
    'snapshot.extra is true, expected no such field (expected version, tier, limits, losingClosesExtendStreak, includeUnrealizedLoss, day, dayStartEquity, realizedPnl, stopLossStreak, lastStopLossAt, latestNow, tradingState, halt, reducing, openPositions, carriedUnrealizedLoss, equitySeen)',
  ],
  [
    'a numeric tier',
    () => ({ ...valid(), tier: 5 }),
    'tier is 5, expected conservative, standard, aggressive',
  ],
  ['limits null', () => ({ ...valid(), limits: null }), 'limits is null, expected an object'],
  ['limits an array', () => ({ ...valid(), limits: [] }), 'limits is an array, expected an object'],
  [
    'limits beyond the cap',
    () => ({ ...valid(), limits: { ...(valid()['limits'] as Fields), maxSlStreak: 99 } }),
    "limits: maxSlStreak 99 is above tier standard's hard cap of 6",
  ],
  [
    'losingClosesExtendStreak 1',
    () => ({ ...valid(), losingClosesExtendStreak: 1 }),
    'losingClosesExtendStreak is 1, expected true or false',
  ],
  [
    'includeUnrealizedLoss "no"',
    () => ({ ...valid(), includeUnrealizedLoss: 'no' }),
    'includeUnrealizedLoss is "no", expected true or false',
  ],
  [
    'latestNow a string',
    () => ({ ...valid(), latestNow: '1714550400000' }),
    'latestNow is "1714550400000", expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'latestNow fractional',
    () => ({ ...valid(), latestNow: at('09:00') + 0.5 }),
    'latestNow is 1714554000000.5, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'latestNow before 2000',
    () => ({ ...valid(), latestNow: earliestTime - 1 }),
    'latestNow is 946684799999, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'latestNow at 2100',
    () => ({ ...valid(), latestNow: latestTime }),
    'latestNow is 4102444800000, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'day a number',
    () => ({ ...valid(), day: 20240501 }),
    "day is 20240501, expected a UTC date 'YYYY-MM-DD'",
  ],
  [
    'day not a date',
    () => ({ ...valid(), day: '2024-02-30' }),
    'day is "2024-02-30", expected a UTC date \'YYYY-MM-DD\'',
  ],
  [
    'a day without latestNow',
    () => ({ ...fresh(), day: '2024-05-01' }),
    'day is "2024-05-01", expected null exactly when latestNow is null',
  ],
  [
    'latestNow without a day',
    () => ({ ...fresh(), latestNow: at('08:00') }),
    'day is null, expected null exactly when latestNow is null',
  ],
  [
    'another day than latestNow',
    () => ({ ...valid(), day: '2024-04-30' }),
    'day is "2024-04-30", expected the UTC day of latestNow',
  ],
  [
    'dayStartEquity 0',
    () => ({ ...valid(), dayStartEquity: 0 }),
    'dayStartEquity is 0, expected a number > 0',
  ],
  [
    'realizedPnl Infinity',
    () => ({ ...valid(), realizedPnl: Infinity }),
    'realizedPnl is Infinity, expected a finite number',
  ],
  [
    'realizedPnl a string',
    () => ({ ...valid(), realizedPnl: '-5' }),
    'realizedPnl is "-5", expected a finite number',
  ],
  [
    'a dayStartEquity without a day',
    () => ({ ...fresh(), dayStartEquity: 10_000 }),
    'day is null, expected a day when the snapshot has day figures',
  ],
  [
    'a realizedPnl without a day',
    () => ({ ...fresh(), realizedPnl: -5 }),
    'day is null, expected a day when the snapshot has day figures',
  ],
  [
    'carriedUnrealizedLoss -1',
    () => ({ ...valid(), carriedUnrealizedLoss: -1 }),
    'carriedUnrealizedLoss is -1, expected a number ≥ 0',
  ],
  [
    'a carried loss without a dayStartEquity',
    () => ({ ...valid(), dayStartEquity: null, carriedUnrealizedLoss: 5 }),
    'carriedUnrealizedLoss is 5, expected 0 while dayStartEquity is null',
  ],
  ['equitySeen a string', () => ({ ...valid(), equitySeen: 'x' }), 'equitySeen is "x", expected an object'],
  [
    'equitySeen.at in seconds',
    () => ({ ...valid(), equitySeen: { equity: 1, at: 1_714_550_400, unrealizedLoss: 0 } }),
    'equitySeen.at is 1714550400, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'equitySeen.at after latestNow',
    () => ({ ...valid(), equitySeen: { equity: 1, at: at('09:01'), unrealizedLoss: 0 } }),
    'equitySeen.at is 1714554060000, expected a time no later than latestNow',
  ],
  [
    'equitySeen without latestNow',
    () => ({ ...fresh(), equitySeen: { equity: 1, at: at('09:00'), unrealizedLoss: 0 } }),
    'equitySeen.at is 1714554000000, expected a time no later than latestNow',
  ],
  [
    'equitySeen.equity 0',
    () => ({ ...valid(), equitySeen: { equity: 0, at: at('08:00'), unrealizedLoss: 0 } }),
    'equitySeen.equity is 0, expected a number > 0',
  ],
  [
    'equitySeen.unrealizedLoss -1',
    () => ({ ...valid(), equitySeen: { equity: 1, at: at('08:00'), unrealizedLoss: -1 } }),
    'equitySeen.unrealizedLoss is -1, expected a number ≥ 0',
  ],
  [
    'stopLossStreak "1"',
    () => ({ ...valid(), stopLossStreak: '1' }),
    'stopLossStreak is "1", expected an integer ≥ 0',
  ],
  [
    'stopLossStreak -1',
    () => ({ ...valid(), stopLossStreak: -1 }),
    'stopLossStreak is -1, expected an integer ≥ 0',
  ],
  [
    'lastStopLossAt after latestNow',
    () => ({ ...valid(), lastStopLossAt: at('09:01') }),
    'lastStopLossAt is 1714554060000, expected a time no later than latestNow',
  ],
  [
    'lastStopLossAt without latestNow',
    () => ({ ...fresh(), lastStopLossAt: at('09:00') }),
    'lastStopLossAt is 1714554000000, expected a time no later than latestNow',
  ],
  [
    'lastStopLossAt a string',
    () => ({ ...valid(), lastStopLossAt: 'then' }),
    'lastStopLossAt is "then", expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'tradingState halted without a halt',
    () => ({ ...valid(), tradingState: 'halted' }),
    'tradingState is "halted", expected \'active\' (from halt and reducing)',
  ],
  [
    'tradingState paused',
    () => ({ ...valid(), tradingState: 'paused' }),
    'tradingState is "paused", expected \'active\' (from halt and reducing)',
  ],
  [
    'openPositions an object',
    () => ({ ...valid(), openPositions: {} }),
    'openPositions is a value of type object, expected an array',
  ],
  [
    'openPositions [5]',
    () => ({ ...valid(), openPositions: [5] }),
    'openPositions[0] is 5, expected an object',
  ],
  [
    'an open position with side up',
    () => ({ ...valid(), openPositions: [{ symbol: 'ETHUSDC', side: 'up' }] }),
    "openPositions[0].side is \"up\", expected 'long' or 'short'",
  ],
  [
    'an open position without a symbol',
    () => ({ ...valid(), openPositions: [{ symbol: '', side: 'long' }] }),
    'openPositions[0].symbol is "", expected a non-empty string',
  ],
  [
    'an open position with a third field',
    () => ({ ...valid(), openPositions: [{ symbol: 'ETHUSDC', side: 'long', size: 1 }] }),
    'openPositions[0].size is 1, expected no such field (expected symbol, side)',
  ],
  ['halt a string', () => withHalt('x' as unknown as Fields), 'halt is "x", expected an object or null'],
  [
    'halt an array',
    () => withHalt([] as unknown as Fields),
    "halt.code is undefined, expected 'HALTED', 'LIQUIDATION', 'ADL', 'SL_STREAK' or 'DAILY_DRAWDOWN'",
  ],
  [
    'halt code PAUSED',
    () => withHalt({ ...operatorHalt, code: 'PAUSED' }),
    "halt.code is \"PAUSED\", expected 'HALTED', 'LIQUIDATION', 'ADL', 'SL_STREAK' or 'DAILY_DRAWDOWN'",
  ],
  [
    'HALTED message empty',
    () => withHalt({ ...operatorHalt, message: '' }),
    'halt.message is "", expected a non-empty string',
  ],
  [
    'HALTED since a string',
    () => withHalt({ ...operatorHalt, since: 'now' }),
    'halt.since is "now", expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'HALTED reason empty',
    () => withHalt({ ...operatorHalt, reason: '' }),
    'halt.reason is "", expected a non-empty string',
  ],
  [
    'SL_STREAK message 0',
    () => withHalt({ ...streakHalt, message: 0 }),
    'halt.message is 0, expected a non-empty string',
  ],
  [
    'SL_STREAK since 1',
    () => withHalt({ ...streakHalt, since: 1 }),
    'halt.since is 1, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'SL_STREAK stopLossStreak 0',
    () => withHalt({ ...streakHalt, stopLossStreak: 0 }),
    'halt.stopLossStreak is 0, expected an integer ≥ 1',
  ],
  [
    'SL_STREAK maxSlStreak 0',
    () => withHalt({ ...streakHalt, maxSlStreak: 0 }),
    'halt.maxSlStreak is 0, expected an integer ≥ 1',
  ],
  [
    'LIQUIDATION message',
    () => withHalt({ code: 'LIQUIDATION', message: '', since: null, pnl: -4, symbol: null }),
    'halt.message is "", expected a non-empty string',
  ],
  [
    'ADL since',
    () => withHalt({ code: 'ADL', message: 'x', since: 'x', pnl: -4, symbol: null }),
    'halt.since is "x", expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'DAILY_DRAWDOWN day',
    () => withHalt({ ...drawdownHalt, day: 'today' }),
    'halt.day is "today", expected a UTC date \'YYYY-MM-DD\'',
  ],
  [
    'DAILY_DRAWDOWN message',
    () => withHalt({ ...drawdownHalt, message: null }),
    'halt.message is null, expected a non-empty string',
  ],
  [
    'DAILY_DRAWDOWN since',
    () => withHalt({ ...drawdownHalt, since: -1 }),
    'halt.since is -1, expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'DAILY_DRAWDOWN dailyLoss',
    () => withHalt({ ...drawdownHalt, dailyLoss: -1 }),
    'halt.dailyLoss is -1, expected a number ≥ 0',
  ],
  [
    'DAILY_DRAWDOWN dailyLossFraction',
    () => withHalt({ ...drawdownHalt, dailyLossFraction: -0.1 }),
    'halt.dailyLossFraction is -0.1, expected a number ≥ 0',
  ],
  [
    'DAILY_DRAWDOWN dailyDrawdownPct',
    () => withHalt({ ...drawdownHalt, dailyDrawdownPct: 0 }),
    'halt.dailyDrawdownPct is 0, expected a number > 0',
  ],
  [
    'DAILY_DRAWDOWN dayStartEquity',
    () => withHalt({ ...drawdownHalt, dayStartEquity: 0 }),
    'halt.dayStartEquity is 0, expected a number > 0',
  ],
  [
    'DAILY_DRAWDOWN realizedPnl',
    () => withHalt({ ...drawdownHalt, realizedPnl: 'x' }),
    'halt.realizedPnl is "x", expected a finite number',
  ],
  [
    'DAILY_DRAWDOWN unrealizedLoss',
    () => withHalt({ ...drawdownHalt, unrealizedLoss: -1 }),
    'halt.unrealizedLoss is -1, expected a number ≥ 0',
  ],
  [
    'reducing message',
    () => ({ ...valid(), reducing: { ...reducing, message: '' }, tradingState: 'reducing' }),
    'reducing.message is "", expected a non-empty string',
  ],
  [
    'reducing since',
    () => ({ ...valid(), reducing: { ...reducing, since: 'x' }, tradingState: 'reducing' }),
    'reducing.since is "x", expected integer epoch milliseconds between 2000 and 2100',
  ],
  [
    'reducing reason',
    () => ({ ...valid(), reducing: { ...reducing, reason: 3 }, tradingState: 'reducing' }),
    'reducing.reason is 3, expected a non-empty string',
  ],
  [
    'reducing a number',
    () => ({ ...valid(), reducing: 3, tradingState: 'reducing' }),
    'reducing is 3, expected an object',
  ],
];

describe('RiskGuard.restore refuses a bad snapshot, naming the field', () => {
  it.each(cases)('refuses %s: INVALID_SNAPSHOT', (_name, make, problem) => {
    const snapshot = make();
    expect(() => RiskGuard.restore(snapshot as RiskGuardSnapshot)).toThrow(
      expect.objectContaining({
        name: 'RiskInputError',
        code: 'INVALID_SNAPSHOT',
        message: `Invalid snapshot: ${problem}.`,
        value: snapshot,
      }),
    );
  });

  it('refuses the JSON text of a bad snapshot the same way', () => {
    const text = JSON.stringify({ ...valid(), stopLossStreak: -1 });
    expect(() => RiskGuard.restore(text)).toThrow(
      expect.objectContaining({
        code: 'INVALID_SNAPSHOT',
        message: 'Invalid snapshot: stopLossStreak is -1, expected an integer ≥ 0.',
        value: text,
      }),
    );
  });

  it('keeps the underlying problem as the cause', () => {
    let caught: unknown;
    try {
      RiskGuard.restore({ ...valid(), stopLossStreak: -1 } as unknown as RiskGuardSnapshot);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).cause).toBeInstanceOf(Error);
    expect(((caught as Error).cause as Error).message).toBe('stopLossStreak is -1, expected an integer ≥ 0');
  });

  it('refuses text that is not JSON as such, with the parse error as the cause', () => {
    let caught: unknown;
    try {
      RiskGuard.restore('{ "version": 1,');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      code: 'INVALID_SNAPSHOT',
      message: 'Invalid snapshot: the text is not JSON.',
      value: '{ "version": 1,',
    });
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('restores each kind of halt record it writes, and the reducing state', () => {
    for (const halt of [operatorHalt, streakHalt, drawdownHalt]) {
      expect(RiskGuard.restore(withHalt(halt) as unknown as RiskGuardSnapshot).status().halt).toEqual(halt);
    }
    const restored = RiskGuard.restore({
      ...valid(),
      reducing,
      tradingState: 'reducing',
    } as unknown as RiskGuardSnapshot);
    expect(restored.status().reducing).toEqual(reducing);
  });
});

describe('RiskGuard.restore at the edges of time', () => {
  it('restores a snapshot taken at 2000-01-01T00:00:00Z exactly', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    guard.canOpen(openInput(earliestTime));
    const restored = RiskGuard.restore(JSON.parse(JSON.stringify(guard.snapshot())) as RiskGuardSnapshot);
    expect(restored.status()).toMatchObject({ latestNow: earliestTime, day: '2000-01-01' });
  });
});
