import { describe, expect, it } from 'vitest';

import { RiskGuard } from './risk-guard';
import type { CanOpenInput } from './risk-guard-types';
import { SNAPSHOT_VERSION } from './snapshot';
import type { RiskGuardSnapshot } from './snapshot';

function at(time: string, day = 1): number {
  return Date.parse(`2024-05-${String(day).padStart(2, '0')}T${time}Z`);
}

function openInput(now: number, change: Partial<CanOpenInput> = {}): CanOpenInput {
  return { symbol: 'BTC/USDC:USDC', side: 'long', now, equity: 10_000, openPositions: [], ...change };
}

/** A guard with a bit of everything: a day, losses, a streak, a cooldown, an open position. */
function busyGuard(): RiskGuard {
  const guard = new RiskGuard({
    tier: 'standard',
    limits: { maxSlStreak: 4 },
    losingClosesExtendStreak: true,
  });
  guard.canOpen(openInput(at('08:00'), { openPositions: [{ symbol: 'ETH/USDC:USDC', side: 'short' }] }));
  guard.recordClose({ pnl: -120.25, reason: 'stop_loss', now: at('09:00') });
  guard.recordClose({ pnl: -0.1 - 0.2, reason: 'manual', now: at('09:30') });
  return guard;
}

const roundTrip = (snapshot: RiskGuardSnapshot): unknown => JSON.parse(JSON.stringify(snapshot));

describe('snapshot and restore', () => {
  it('is versioned JSON data that restores to the same state', () => {
    const guard = busyGuard();
    const snapshot = guard.snapshot();
    expect(snapshot).toEqual({
      version: SNAPSHOT_VERSION,
      tier: 'standard',
      limits: {
        riskPerTradePct: 0.01,
        dailyDrawdownPct: 0.05,
        leverageDefault: 5,
        maxConcurrentPositions: 3,
        maxSlStreak: 4,
        cooldownAfterStopMinutes: 15,
      },
      losingClosesExtendStreak: true,
      includeUnrealizedLoss: false,
      day: '2024-05-01',
      dayStartEquity: 10_000,
      carriedUnrealizedLoss: 0,
      equitySeen: { equity: 10_000, at: at('08:00'), unrealizedLoss: 0 },
      realizedPnl: -120.25 + (-0.1 - 0.2),
      stopLossStreak: 2,
      lastStopLossAt: at('09:30'),
      latestNow: at('09:30'),
      tradingState: 'active',
      halt: null,
      reducing: null,
      openPositions: [{ symbol: 'ETH/USDC:USDC', side: 'short' }],
    });
    const restored = RiskGuard.restore(roundTrip(snapshot) as RiskGuardSnapshot);
    expect(restored.snapshot()).toEqual(snapshot);
    expect(RiskGuard.restore(JSON.stringify(snapshot)).snapshot()).toEqual(snapshot);
    expect(restored.status()).toEqual(guard.status());
  });

  it('continues the same decisions after a restart: a restart never resets risk', () => {
    const original = busyGuard();
    original.recordClose({ pnl: -50, reason: 'stop_loss', now: at('09:40') });
    const restored = RiskGuard.restore(roundTrip(original.snapshot()) as RiskGuardSnapshot);
    for (const now of [at('09:45'), at('09:56'), at('10:00')]) {
      expect(restored.canOpen(openInput(now, { equity: 9_829 }))).toEqual(
        original.canOpen(openInput(now, { equity: 9_829 })),
      );
    }
    restored.recordClose({ pnl: -50, reason: 'stop_loss', now: at('10:30') });
    expect(codeOf(restored.canOpen(openInput(at('12:00'))))).toBe('SL_STREAK');
  });

  it('keeps halts and the reducing state through a restart', () => {
    const guard = new RiskGuard({ tier: 'conservative' });
    guard.reduce('wind down', at('08:00'));
    guard.halt('maintenance', at('08:30'));
    const restored = RiskGuard.restore(roundTrip(guard.snapshot()) as RiskGuardSnapshot);
    expect(restored.status()).toMatchObject({
      tradingState: 'halted',
      halt: { code: 'HALTED', reason: 'maintenance', since: at('08:30') },
      reducing: { reason: 'wind down', since: at('08:00') },
    });
    expect(codeOf(restored.canOpen(openInput(at('09:00'))))).toBe('HALTED');
    restored.resume();
    expect(restored.canOpen(openInput(at('09:01'))).allowed).toBe(true);
  });

  it('keeps an ADL halt through a restart, across days, until resume()', () => {
    const guard = new RiskGuard({ tier: 'conservative' });
    guard.recordClose({ pnl: 12.5, reason: 'adl', now: at('09:00'), symbol: 'SOLUSDC' });
    const snapshot = guard.snapshot();
    expect(snapshot).toMatchObject({
      tradingState: 'halted',
      halt: { code: 'ADL', since: at('09:00'), pnl: 12.5, symbol: 'SOLUSDC' },
    });
    const restored = RiskGuard.restore(JSON.stringify(snapshot));
    expect(restored.snapshot()).toEqual(snapshot);
    expect(restored.canOpen(openInput(at('09:00', 3)))).toMatchObject({
      allowed: false,
      code: 'ADL',
      pnl: 12.5,
      symbol: 'SOLUSDC',
    });
    restored.resume();
    expect(restored.canOpen(openInput(at('09:01', 3))).allowed).toBe(true);
  });

  it('reads a snapshot written before the day-start fields existed (no carried loss, no equity reading)', () => {
    const { carriedUnrealizedLoss, equitySeen, ...older } = busyGuard().snapshot();
    expect([carriedUnrealizedLoss, equitySeen]).toEqual([0, expect.objectContaining({ equity: 10_000 })]);
    const restored = RiskGuard.restore(older as RiskGuardSnapshot, { now: at('00:05', 2) });
    // No reading to start the new day from: its first equity will.
    expect(restored.status()).toMatchObject({
      day: '2024-05-02',
      dayStartEquity: null,
      carriedUnrealizedLoss: 0,
    });
    expect(restored.snapshot().equitySeen).toBeNull();
  });

  it('restoring a snapshot from a previous UTC day starts a new day but keeps the streak', () => {
    const guard = new RiskGuard({ tier: 'conservative' });
    guard.canOpen(openInput(at('20:00')));
    guard.recordClose({ pnl: -150, reason: 'stop_loss', now: at('23:40') });
    guard.recordClose({ pnl: -100, reason: 'stop_loss', now: at('23:50') });
    expect(guard.status().halt?.code).toBe('DAILY_DRAWDOWN');
    const snapshot = roundTrip(guard.snapshot()) as RiskGuardSnapshot;

    const restored = RiskGuard.restore(snapshot, { now: at('00:05', 2) });
    expect(restored.status()).toMatchObject({
      day: '2024-05-02',
      realizedPnl: 0,
      // The last equity seen before 00:00 (20:00's): the guard was told no later one.
      dayStartEquity: 10_000,
      stopLossStreak: 2,
      lastStopLossAt: at('23:50'),
      tradingState: 'active',
      halt: null,
    });
    // The cooldown from 23:50 still runs until 00:20; then the day starts fresh with the streak at 2.
    expect(codeOf(restored.canOpen(openInput(at('00:10', 2), { equity: 9_750 })))).toBe('COOLDOWN');
    expect(restored.canOpen(openInput(at('00:20', 2), { equity: 9_750 }))).toMatchObject({
      allowed: true,
      stopLossStreak: 2,
      dayStartEquity: 10_000,
      dailyLoss: 0,
    });
    // One more stop makes three in a row across the two days.
    restored.recordClose({ pnl: -40, reason: 'stop_loss', now: at('01:00', 2) });
    expect(codeOf(restored.canOpen(openInput(at('03:00', 2), { equity: 9_710 })))).toBe('SL_STREAK');
  });

  it('rolls the day lazily without `now`, at the next call', () => {
    const guard = new RiskGuard({ tier: 'conservative' });
    guard.canOpen(openInput(at('20:00')));
    guard.recordClose({ pnl: -250, reason: 'manual', now: at('21:00') });
    const restored = RiskGuard.restore(guard.snapshot());
    expect(restored.status()).toMatchObject({ day: '2024-05-01', realizedPnl: -250, tradingState: 'halted' });
    expect(restored.canOpen(openInput(at('08:00', 2), { equity: 9_750 })).allowed).toBe(true);
  });

  it("keeps a lasting halt across days, and lets the current config's tier and limits replace the snapshot's", () => {
    const guard = new RiskGuard({ tier: 'conservative' });
    for (const time of ['09:00', '10:00', '11:00'])
      guard.recordClose({ pnl: -10, reason: 'stop_loss', now: at(time) });
    const snapshot = roundTrip(guard.snapshot()) as RiskGuardSnapshot;
    expect(codeOf(RiskGuard.restore(snapshot).canOpen(openInput(at('09:00', 4))))).toBe('SL_STREAK');

    const reconfigured = RiskGuard.restore(snapshot, { tier: 'aggressive', limits: { maxSlStreak: 6 } });
    expect(reconfigured.tier).toBe('aggressive');
    expect(reconfigured.limits.maxSlStreak).toBe(6);
    expect(reconfigured.stopLossStreak).toBe(3);
    expect(codeOf(reconfigured.canOpen(openInput(at('12:00'))))).toBe('SL_STREAK');
  });

  it('refuses limits without their tier, and bad options', () => {
    const snapshot = busyGuard().snapshot();
    expect(() => RiskGuard.restore(snapshot, { limits: { maxSlStreak: 2 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => RiskGuard.restore(snapshot, { now: 5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME' }),
    );
    expect(() => RiskGuard.restore(snapshot, { tier: 'nope' as 'standard' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TIER' }),
    );
  });
});

describe('snapshot validation', () => {
  const valid = (): Record<string, unknown> => roundTrip(busyGuard().snapshot()) as Record<string, unknown>;
  const halted = (): Record<string, unknown> => {
    const guard = new RiskGuard({ tier: 'conservative' });
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -300, reason: 'manual', now: at('09:00') });
    return roundTrip(guard.snapshot()) as Record<string, unknown>;
  };

  const corruptions: [string, (snapshot: Record<string, unknown>) => unknown][] = [
    ['not an object', () => 42],
    ['null', () => null],
    ['an array', () => []],
    ['another version', (snapshot) => ({ ...snapshot, version: 2 })],
    ['no version', ({ version: _version, ...snapshot }) => snapshot],
    ['a missing field', ({ stopLossStreak: _streak, ...snapshot }) => snapshot],
    ['an unknown field', (snapshot) => ({ ...snapshot, extra: true })],
    ['an unknown tier', (snapshot) => ({ ...snapshot, tier: 'yolo' })],
    [
      'limits beyond the cap',
      (snapshot) => ({ ...snapshot, limits: { ...(snapshot['limits'] as object), maxSlStreak: 99 } }),
    ],
    ['a missing limit', (snapshot) => ({ ...snapshot, limits: { riskPerTradePct: 0.01 } })],
    ['a negative streak', (snapshot) => ({ ...snapshot, stopLossStreak: -1 })],
    ['a fractional streak', (snapshot) => ({ ...snapshot, stopLossStreak: 1.5 })],
    ['a NaN-like PnL', (snapshot) => ({ ...snapshot, realizedPnl: null })],
    ['a string PnL', (snapshot) => ({ ...snapshot, realizedPnl: '-5' })],
    ['a non-date day', (snapshot) => ({ ...snapshot, day: '2024-02-30' })],
    ['a day that is not the day of latestNow', (snapshot) => ({ ...snapshot, day: '2024-04-30' })],
    ['a time in seconds', (snapshot) => ({ ...snapshot, latestNow: 1_714_550_400 })],
    [
      'a stop after latestNow',
      (snapshot) => ({ ...snapshot, lastStopLossAt: (snapshot['latestNow'] as number) + 1 }),
    ],
    ['a zero day start equity', (snapshot) => ({ ...snapshot, dayStartEquity: 0 })],
    ['a negative carried loss', (snapshot) => ({ ...snapshot, carriedUnrealizedLoss: -1 })],
    [
      'an equity reading after latestNow',
      (snapshot) => ({
        ...snapshot,
        equitySeen: { equity: 10_000, at: (snapshot['latestNow'] as number) + 1, unrealizedLoss: 0 },
      }),
    ],
    [
      'an equity reading of zero',
      (snapshot) => ({
        ...snapshot,
        equitySeen: { equity: 0, at: snapshot['latestNow'], unrealizedLoss: 0 },
      }),
    ],
    ['an inconsistent trading state', (snapshot) => ({ ...snapshot, tradingState: 'halted' })],
    ['an unknown trading state', (snapshot) => ({ ...snapshot, tradingState: 'paused' })],
    ['a non-boolean flag', (snapshot) => ({ ...snapshot, includeUnrealizedLoss: 'no' })],
    [
      'a bad open position',
      (snapshot) => ({ ...snapshot, openPositions: [{ symbol: 'ETHUSDC', side: 'up' }] }),
    ],
    [
      'an unknown halt code',
      (snapshot) => ({
        ...snapshot,
        halt: { code: 'PAUSED', message: 'x', since: null },
        tradingState: 'halted',
      }),
    ],
    [
      'a reducing record without a reason',
      (snapshot) => ({ ...snapshot, reducing: { message: 'x', since: null }, tradingState: 'reducing' }),
    ],
  ];
  it.each(corruptions)('refuses a snapshot with %s as INVALID_SNAPSHOT', (_name, corrupt) => {
    expect(() => RiskGuard.restore(corrupt(valid()) as RiskGuardSnapshot)).toThrow(
      expect.objectContaining({ name: 'RiskInputError', code: 'INVALID_SNAPSHOT' }),
    );
  });

  it('validates halt records field by field', () => {
    const snapshot = halted();
    expect(RiskGuard.restore(snapshot as unknown as RiskGuardSnapshot).tradingState).toBe('halted');
    const halt = snapshot['halt'] as Record<string, unknown>;
    for (const broken of [
      { ...halt, dailyLoss: -1 },
      { ...halt, day: 'yesterday' },
      { ...halt, extra: 1 },
      { ...halt, since: 'now' },
    ]) {
      expect(() => RiskGuard.restore({ ...snapshot, halt: broken } as unknown as RiskGuardSnapshot)).toThrow(
        expect.objectContaining({ code: 'INVALID_SNAPSHOT' }),
      );
    }
  });

  it('validates an ADL halt record field by field', () => {
    const halt = { code: 'ADL', message: 'Halted: x', since: null, pnl: -4, symbol: null };
    const snapshot = { ...valid(), halt, tradingState: 'halted' };
    expect(RiskGuard.restore(snapshot as unknown as RiskGuardSnapshot).status().halt).toEqual(halt);
    for (const [broken, field] of [
      [{ ...halt, pnl: 'x' }, 'halt.pnl'],
      [{ ...halt, symbol: '' }, 'halt.symbol'],
      [{ ...halt, symbol: undefined }, 'halt.symbol'],
      [{ ...halt, reason: 'x' }, 'halt.reason'],
      [{ ...halt, code: 'adl' }, 'halt.code'],
    ] as const) {
      expect(() => RiskGuard.restore({ ...snapshot, halt: broken } as unknown as RiskGuardSnapshot)).toThrow(
        expect.objectContaining({ code: 'INVALID_SNAPSHOT', message: expect.stringContaining(field) }),
      );
    }
  });

  it('refuses text that is not JSON, and names the bad field', () => {
    expect(() => RiskGuard.restore('{ "version": 1,')).toThrow(
      expect.objectContaining({ code: 'INVALID_SNAPSHOT' }),
    );
    expect(() =>
      RiskGuard.restore({ ...valid(), stopLossStreak: -1 } as unknown as RiskGuardSnapshot),
    ).toThrow(/stopLossStreak/);
  });
});

function codeOf(decision: ReturnType<RiskGuard['canOpen']>): string {
  return decision.allowed ? 'ALLOWED' : decision.code;
}
