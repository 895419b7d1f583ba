import { describe, expect, it } from 'vitest';

import { RiskGuard } from './risk-guard';
import { openDenialCodes } from './risk-guard-types';
import type { CanOpenInput, OpenDecision, RecordCloseInput, RiskGuardOptions } from './risk-guard-types';
import type { RiskInputErrorCode } from './risk-input-error';
import { closeReasons } from './trading-state';

/** Epoch ms of a UTC time on 2024-05-01, or on a later day with `day`. */
function at(time: string, day = 1): number {
  return Date.parse(`2024-05-${String(day).padStart(2, '0')}T${time}Z`);
}

const minute = 60_000;

function openInput(now: number, change: Partial<CanOpenInput> = {}): CanOpenInput {
  return { symbol: 'BTC/USDC:USDC', side: 'long', now, equity: 10_000, openPositions: [], ...change };
}

function stopLoss(now: number, pnl = -50): RecordCloseInput {
  return { pnl, reason: 'stop_loss', now };
}

function codeOf(decision: OpenDecision): string {
  return decision.allowed ? 'ALLOWED' : decision.code;
}

function conservative(options: Partial<RiskGuardOptions> = {}): RiskGuard {
  return new RiskGuard({ tier: 'conservative', ...options });
}

describe("RiskGuard: the plan's stage F tests", () => {
  it('three stop-losses in a row block entry', () => {
    const guard = conservative();
    expect(guard.canOpen(openInput(at('08:00'))).allowed).toBe(true);
    guard.recordClose(stopLoss(at('09:00')));
    guard.recordClose(stopLoss(at('10:00')));
    expect(guard.stopLossStreak).toBe(2);
    expect(guard.canOpen(openInput(at('10:45'), { equity: 9_900 })).allowed).toBe(true);
    const third = guard.recordClose(stopLoss(at('11:00')));
    expect(third).toMatchObject({ countedAsStopLoss: true, stopLossStreak: 3, tradingState: 'halted' });
    expect(third.tripped).toMatchObject({ code: 'SL_STREAK', stopLossStreak: 3, maxSlStreak: 3 });

    const decision = guard.canOpen(openInput(at('15:00'), { equity: 9_850 }));
    expect(decision).toMatchObject({
      allowed: false,
      code: 'SL_STREAK',
      tradingState: 'halted',
      stopLossStreak: 3,
      maxSlStreak: 3,
      since: at('11:00'),
    });
    // Not lifted by the cooldown ending, nor by a new day.
    expect(codeOf(guard.canOpen(openInput(at('09:00', 2), { equity: 9_850 })))).toBe('SL_STREAK');
  });

  it('passing the daily limit blocks entry', () => {
    const guard = conservative(); // dailyDrawdownPct 0.02
    expect(guard.canOpen(openInput(at('08:00'))).allowed).toBe(true);
    guard.recordClose({ pnl: -120, reason: 'manual', now: at('09:00') });
    expect(guard.canOpen(openInput(at('09:30'), { equity: 9_880 })).allowed).toBe(true);
    const close = guard.recordClose({ pnl: -81, reason: 'manual', now: at('10:00') });
    expect(close.tripped).toMatchObject({ code: 'DAILY_DRAWDOWN' });
    const decision = guard.canOpen(openInput(at('10:30'), { equity: 9_799 }));
    expect(decision).toMatchObject({
      allowed: false,
      code: 'DAILY_DRAWDOWN',
      tradingState: 'halted',
      day: '2024-05-01',
      dailyLoss: 201,
      dailyDrawdownPct: 0.02,
      dayStartEquity: 10_000,
      realizedPnl: -201,
      unrealizedLoss: 0,
    });
    if (!decision.allowed && decision.code === 'DAILY_DRAWDOWN') {
      expect(decision.dailyLossFraction).toBeCloseTo(0.0201, 12);
    }
  });

  it('blocks at the limit exactly, not only past it', () => {
    const exactly = conservative();
    exactly.canOpen(openInput(at('08:00')));
    exactly.recordClose({ pnl: -200, reason: 'manual', now: at('09:00') });
    expect(codeOf(exactly.canOpen(openInput(at('09:01'), { equity: 9_800 })))).toBe('DAILY_DRAWDOWN');

    const justBelow = conservative();
    justBelow.canOpen(openInput(at('08:00')));
    justBelow.recordClose({ pnl: -199.99, reason: 'manual', now: at('09:00') });
    expect(justBelow.canOpen(openInput(at('09:01'), { equity: 9_800.01 })).allowed).toBe(true);
  });
});

describe("RiskGuard: the two bugs of the plan's draft", () => {
  it('compares the day loss as a fraction of the day start equity, never money against a percentage', () => {
    // A large account: 500 lost of 100 000 is 0.5 %, far from 2 %. `500 >= 0.02` would have halted it.
    const large = conservative();
    large.canOpen(openInput(at('08:00'), { equity: 100_000 }));
    large.recordClose({ pnl: -500, reason: 'manual', now: at('09:00') });
    const allowed = large.canOpen(openInput(at('09:30'), { equity: 99_500 }));
    expect(allowed).toMatchObject({ allowed: true, dailyLoss: 500, dailyLossFraction: 0.005 });
    // 2 000 of 100 000 is 2 %: blocked. (`0.02 >= 2000`, the other way round, would never block.)
    large.recordClose({ pnl: -1_500, reason: 'manual', now: at('10:00') });
    expect(codeOf(large.canOpen(openInput(at('10:30'), { equity: 98_000 })))).toBe('DAILY_DRAWDOWN');

    // A small account: 0.1 lost of 10 is 1 %, allowed although 0.1 > 0.02.
    const small = conservative();
    small.canOpen(openInput(at('08:00'), { equity: 10 }));
    small.recordClose({ pnl: -0.1, reason: 'manual', now: at('09:00') });
    expect(small.canOpen(openInput(at('09:30'), { equity: 9.9 })).allowed).toBe(true);
  });

  it("adds a take-profit's profit to the day (not `profit * 0.0`), offsetting earlier losses", () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -150, reason: 'stop_loss', now: at('09:00') });
    const takeProfit = guard.recordClose({ pnl: 100, reason: 'take_profit', now: at('10:00') });
    expect(takeProfit).toMatchObject({ realizedPnl: -50, resetStreak: true, stopLossStreak: 0 });
    guard.recordClose({ pnl: -100, reason: 'manual', now: at('11:00') });
    // Day loss 150 = 1.5 % < 2 %. Had the profit been dropped, it would be 250 = 2.5 %: halted.
    expect(guard.canOpen(openInput(at('11:30'), { equity: 9_850 }))).toMatchObject({
      allowed: true,
      dailyLoss: 150,
    });
    expect(guard.status().realizedPnl).toBe(-150);
  });

  it('never lets a profitable day count as a negative loss', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: 300, reason: 'take_profit', now: at('09:00') });
    expect(guard.canOpen(openInput(at('09:30'), { equity: 10_300 }))).toMatchObject({
      allowed: true,
      dailyLoss: 0,
      dailyLossFraction: 0,
    });
  });
});

describe('RiskGuard: the UTC day', () => {
  it('rolls over at 00:00 UTC: the day loss resets, the streak stays', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('20:00')));
    guard.recordClose({ pnl: -150, reason: 'stop_loss', now: at('21:00') });
    guard.recordClose({ pnl: -100, reason: 'manual', now: at('22:00') });
    expect(codeOf(guard.canOpen(openInput(at('23:59:59.999'), { equity: 9_750 })))).toBe('DAILY_DRAWDOWN');

    const nextDay = guard.canOpen(openInput(at('00:00:00.000', 2), { equity: 9_750 }));
    expect(nextDay).toMatchObject({ allowed: true, dailyLoss: 0, dayStartEquity: 9_750, stopLossStreak: 1 });
    expect(guard.status()).toMatchObject({
      day: '2024-05-02',
      realizedPnl: 0,
      stopLossStreak: 1,
      tradingState: 'active',
      halt: null,
    });
  });

  it("takes the day's starting equity from its first equity, before the day's earlier closes", () => {
    const guard = conservative();
    guard.canOpen(openInput(at('12:00')));
    // The first event of day 2 is a close; the first equity arrives after it.
    guard.recordClose({ pnl: -100, reason: 'manual', now: at('00:05', 2) });
    const decision = guard.canOpen(openInput(at('00:10', 2), { equity: 9_900 }));
    expect(decision).toMatchObject({
      allowed: true,
      dayStartEquity: 10_000,
      dailyLoss: 100,
      dailyLossFraction: 0.01,
    });
  });

  it('checks the daily limit on a close that carries the equity, before any canOpen of the day', () => {
    const guard = conservative();
    const close = guard.recordClose({ pnl: -250, reason: 'manual', now: at('00:05'), equity: 9_750 });
    expect(close.tripped).toMatchObject({ code: 'DAILY_DRAWDOWN', dayStartEquity: 10_000, dailyLoss: 250 });
    expect(codeOf(guard.canOpen(openInput(at('00:10'), { equity: 9_750 })))).toBe('DAILY_DRAWDOWN');
  });

  it("takes the day's starting equity at 00:00 UTC, from the last equity seen before it, not at the day's first call", () => {
    const guard = conservative();
    guard.canOpen(openInput(at('23:59'), { equity: 10_000 }));
    // Up 500 unrealized by the first call of the day: that is not where the day started.
    const decision = guard.canOpen(openInput(at('10:00', 2), { equity: 10_500 }));
    expect(decision).toMatchObject({ allowed: true, dayStartEquity: 10_000 });
    expect(guard.status().dayStartEquity).toBe(10_000);
  });

  it('never counts a loss carried over midnight twice: in the base and again as the day loss', () => {
    // The probe: 300 of unrealized loss at 00:00, 100 more by the day's first call.
    const guard = conservative({ includeUnrealizedLoss: true });
    const eth = (unrealizedPnl: number) => [
      { symbol: 'ETH/USDC:USDC', side: 'long' as const, unrealizedPnl },
    ];
    guard.canOpen(openInput(at('23:50'), { equity: 9_700, openPositions: eth(-300) }));
    const decision = guard.canOpen(openInput(at('00:10', 2), { equity: 9_600, openPositions: eth(-400) }));
    expect(decision).toMatchObject({ allowed: true, dayStartEquity: 9_700, dailyLoss: 100 });
    // The carried position closes at -450: today's loss is 150, not 450.
    guard.recordClose({ pnl: -450, reason: 'manual', now: at('01:00', 2) });
    expect(guard.canOpen(openInput(at('01:10', 2), { equity: 9_550 }))).toMatchObject({
      allowed: true,
      dayStartEquity: 9_700,
      dailyLoss: 150,
    });
  });

  it('is told the equity between decisions (recordEquity): the last one before 00:00 UTC starts the day', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00'), { equity: 10_000 }));
    guard.recordEquity({ equity: 10_200, now: at('23:59:30') });
    guard.recordEquity({ equity: 10_350, now: at('00:00:30', 2) });
    expect(guard.status(at('00:01', 2)).dayStartEquity).toBe(10_200);
    // Nothing seen the day before: the first equity of the day starts it, less the day's closes before it.
    const late = conservative();
    late.canOpen(openInput(at('08:00'), { equity: 10_000 }));
    late.recordClose({ pnl: -100, reason: 'manual', now: at('00:05', 3) });
    late.recordEquity({ equity: 9_900, now: at('00:10', 3) });
    expect(late.status().dayStartEquity).toBe(10_000);
  });

  it('never runs its clock backwards: an earlier `now` reads as the latest seen', () => {
    const guard = conservative();
    guard.recordClose(stopLoss(at('10:00')));
    const decision = guard.canOpen(openInput(at('09:00')));
    expect(decision).toMatchObject({ allowed: false, code: 'COOLDOWN', cooldownEndsAt: at('10:30') });
    if (!decision.allowed && decision.code === 'COOLDOWN')
      expect(decision.remainingMilliseconds).toBe(30 * minute);
    // A late report from the day before counts today (the conservative reading).
    guard.canOpen(openInput(at('01:00', 2)));
    guard.recordClose({ pnl: -60, reason: 'manual', now: at('23:00') });
    expect(guard.status()).toMatchObject({ day: '2024-05-02', realizedPnl: -60, latestNow: at('01:00', 2) });
  });
});

describe('RiskGuard: cooldown after a stop-loss', () => {
  it('refuses opens until cooldownAfterStopMinutes after the stop, then allows them', () => {
    const guard = conservative(); // 30 minutes
    guard.recordClose(stopLoss(at('10:00')));
    const cooling = guard.canOpen(openInput(at('10:29:59.999')));
    expect(cooling).toMatchObject({
      allowed: false,
      code: 'COOLDOWN',
      tradingState: 'active',
      lastStopLossAt: at('10:00'),
      cooldownEndsAt: at('10:30'),
      remainingMilliseconds: 1,
      cooldownAfterStopMinutes: 30,
    });
    expect(guard.canOpen(openInput(at('10:30'))).allowed).toBe(true);
  });

  it('uses custom limits within the tier, and lasts across midnight', () => {
    const guard = new RiskGuard({ tier: 'standard', limits: { cooldownAfterStopMinutes: 60 } });
    guard.recordClose(stopLoss(at('23:30')));
    expect(codeOf(guard.canOpen(openInput(at('00:29', 2))))).toBe('COOLDOWN');
    expect(guard.canOpen(openInput(at('00:30', 2))).allowed).toBe(true);
  });

  it('does not start after a take-profit or a losing manual close unless losing closes count as stops', () => {
    const guard = conservative();
    guard.recordClose({ pnl: -20, reason: 'manual', now: at('10:00') });
    guard.recordClose({ pnl: -5, reason: 'take_profit', now: at('10:01') });
    expect(guard.canOpen(openInput(at('10:02')))).toMatchObject({ allowed: true, stopLossStreak: 0 });

    const strict = conservative({ losingClosesExtendStreak: true });
    const close = strict.recordClose({ pnl: -20, reason: 'manual', now: at('10:00') });
    expect(close).toMatchObject({ countedAsStopLoss: true, stopLossStreak: 1 });
    expect(codeOf(strict.canOpen(openInput(at('10:02'))))).toBe('COOLDOWN');
  });

  it('has none with a zero-minute cooldown (aggressive allows it)', () => {
    const guard = new RiskGuard({ tier: 'aggressive', limits: { cooldownAfterStopMinutes: 0 } });
    guard.recordClose(stopLoss(at('10:00')));
    expect(guard.canOpen(openInput(at('10:00'))).allowed).toBe(true);
  });
});

describe('RiskGuard: the streak', () => {
  it('resets on a win, whatever the reason (a trailed stop in profit is a win), and not on a breakeven', () => {
    const guard = new RiskGuard({ tier: 'standard', limits: { maxSlStreak: 5 } });
    guard.recordClose(stopLoss(at('10:00')));
    guard.recordClose(stopLoss(at('10:10')));
    expect(guard.recordClose({ pnl: 0, reason: 'manual', now: at('10:20') }).stopLossStreak).toBe(2);
    expect(guard.recordClose({ pnl: 0, reason: 'stop_loss', now: at('10:30') }).stopLossStreak).toBe(3);
    expect(guard.recordClose({ pnl: 12, reason: 'stop_loss', now: at('10:40') })).toMatchObject({
      resetStreak: true,
      countedAsStopLoss: false,
      stopLossStreak: 0,
    });
  });

  it('keeps an SL_STREAK halt after a later win, until resume() acknowledges and resets the streak', () => {
    const guard = conservative();
    for (const time of ['09:00', '10:00', '11:00']) guard.recordClose(stopLoss(at(time)));
    // A position still open closes in profit: the streak resets, the halt stays.
    guard.recordClose({ pnl: 80, reason: 'take_profit', now: at('11:10') });
    expect(guard.stopLossStreak).toBe(0);
    expect(codeOf(guard.canOpen(openInput(at('12:00'))))).toBe('SL_STREAK');
    guard.resume(at('12:01'));
    expect(guard.canOpen(openInput(at('12:02'))).allowed).toBe(true);
  });

  it('resume() resets a streak at the limit, so trading can restart; a streak below it is kept', () => {
    const guard = conservative();
    for (const time of ['09:00', '10:00', '11:00']) guard.recordClose(stopLoss(at(time)));
    expect(guard.resume()).toMatchObject({ tradingState: 'active', stopLossStreak: 0 });
    expect(guard.canOpen(openInput(at('12:00'))).allowed).toBe(true);

    const other = conservative();
    other.recordClose(stopLoss(at('09:00')));
    other.halt('manual check', at('09:05'));
    expect(other.resume()).toMatchObject({ stopLossStreak: 1 });
  });

  it('halts at once when restored limits are stricter than the streak', () => {
    const guard = new RiskGuard({ tier: 'standard', limits: { maxSlStreak: 5 } });
    for (const time of ['09:00', '10:00', '11:00']) guard.recordClose(stopLoss(at(time)));
    const restored = RiskGuard.restore(guard.snapshot(), { tier: 'standard', limits: { maxSlStreak: 2 } });
    expect(restored.canOpen(openInput(at('13:00')))).toMatchObject({
      code: 'SL_STREAK',
      stopLossStreak: 3,
      maxSlStreak: 2,
    });
  });
});

describe('RiskGuard: halt, resume and reducing', () => {
  it('halt(reason) blocks opens with HALTED until resume(); closes are still recorded', () => {
    const guard = conservative();
    const status = guard.halt('exchange maintenance', at('09:00'));
    expect(status).toMatchObject({
      tradingState: 'halted',
      halt: { code: 'HALTED', reason: 'exchange maintenance', since: at('09:00') },
    });
    expect(guard.canOpen(openInput(at('09:30')))).toMatchObject({
      allowed: false,
      code: 'HALTED',
      tradingState: 'halted',
      reason: 'exchange maintenance',
    });
    expect(guard.recordClose({ pnl: 40, reason: 'manual', now: at('09:40') }).realizedPnl).toBe(40);
    expect(guard.resume(at('10:00')).tradingState).toBe('active');
    expect(guard.canOpen(openInput(at('10:01'))).allowed).toBe(true);
  });

  it('reducing blocks opens and lets closes through, until resume()', () => {
    const guard = conservative();
    expect(guard.reduce('winding down for the weekend', at('09:00')).tradingState).toBe('reducing');
    expect(guard.canOpen(openInput(at('09:10')))).toMatchObject({
      allowed: false,
      code: 'REDUCING',
      tradingState: 'reducing',
      reason: 'winding down for the weekend',
      since: at('09:00'),
    });
    expect(guard.recordClose({ pnl: -10, reason: 'manual', now: at('09:20') })).toMatchObject({
      realizedPnl: -10,
      tradingState: 'reducing',
    });
    guard.resume();
    expect(guard.canOpen(openInput(at('09:30'))).allowed).toBe(true);
  });

  it('puts a halt before reducing, and returns to reducing when a daily-drawdown halt lifts at midnight', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.reduce('wind down');
    guard.recordClose({ pnl: -300, reason: 'manual', now: at('09:00') });
    expect(guard.status().tradingState).toBe('halted');
    expect(codeOf(guard.canOpen(openInput(at('09:10'), { equity: 9_700 })))).toBe('DAILY_DRAWDOWN');
    expect(codeOf(guard.canOpen(openInput(at('00:01', 2), { equity: 9_700 })))).toBe('REDUCING');
  });

  it('lifts a daily-drawdown halt at midnight by itself, and resume() cannot lift a live limit', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -250, reason: 'manual', now: at('09:00') });
    guard.resume(at('09:05'));
    expect(codeOf(guard.canOpen(openInput(at('09:10'), { equity: 9_750 })))).toBe('DAILY_DRAWDOWN');
    expect(guard.canOpen(openInput(at('00:00', 2), { equity: 9_750 })).allowed).toBe(true);
  });

  it('halts on a liquidation until resume(), across days, and counts it in the streak', () => {
    const guard = conservative();
    const close = guard.recordClose({
      pnl: -40,
      reason: 'liquidation',
      now: at('09:00'),
      symbol: 'ETH/USDC:USDC',
    });
    expect(close).toMatchObject({ countedAsStopLoss: true, stopLossStreak: 1 });
    expect(close.tripped).toMatchObject({ code: 'LIQUIDATION', pnl: -40, symbol: 'ETH/USDC:USDC' });
    expect(codeOf(guard.canOpen(openInput(at('10:00', 3))))).toBe('LIQUIDATION');
    guard.resume();
    expect(guard.canOpen(openInput(at('10:01', 3))).allowed).toBe(true);
  });

  it('halts on an ADL until resume(), across days, with its own code, even when the ADL is a win', () => {
    const guard = conservative();
    const close = guard.recordClose({ pnl: 35.5, reason: 'adl', now: at('09:00'), symbol: 'ETH/USDC:USDC' });
    expect(close).toMatchObject({ countedAsStopLoss: false, resetStreak: true, tradingState: 'halted' });
    expect(close.tripped).toEqual({
      code: 'ADL',
      message: expect.stringMatching(/ETH\/USDC:USDC was auto-deleveraged \(pnl 35\.5\).*resume\(\)/),
      since: at('09:00'),
      pnl: 35.5,
      symbol: 'ETH/USDC:USDC',
    });
    expect(guard.canOpen(openInput(at('10:00', 3)))).toMatchObject({
      allowed: false,
      code: 'ADL',
      tradingState: 'halted',
      pnl: 35.5,
      since: at('09:00'),
    });
    guard.resume();
    expect(guard.canOpen(openInput(at('10:01', 3))).allowed).toBe(true);
    const unnamed = conservative().recordClose({ pnl: -3, reason: 'adl', now: at('09:00') });
    expect(unnamed.tripped).toMatchObject({ code: 'ADL', symbol: null, message: /a position was/ });
  });

  it('counts an ADL in the streak only as a losing close with losingClosesExtendStreak', () => {
    const guard = conservative();
    guard.recordClose(stopLoss(at('09:00')));
    const loss = guard.recordClose({ pnl: -30, reason: 'adl', now: at('09:40') });
    expect(loss).toMatchObject({ countedAsStopLoss: false, resetStreak: false, stopLossStreak: 1 });
    expect(loss.realizedPnl).toBe(-80);
    expect(guard.status().lastStopLossAt).toBe(at('09:00'));

    const strict = conservative({ losingClosesExtendStreak: true });
    expect(strict.recordClose({ pnl: 0, reason: 'adl', now: at('09:00') })).toMatchObject({
      countedAsStopLoss: false,
      stopLossStreak: 0,
    });
    expect(strict.recordClose({ pnl: -30, reason: 'adl', now: at('09:10') })).toMatchObject({
      countedAsStopLoss: true,
      stopLossStreak: 1,
    });
    expect(strict.status().lastStopLossAt).toBe(at('09:10'));
    expect(strict.recordClose({ pnl: 5, reason: 'adl', now: at('09:20') }).stopLossStreak).toBe(0);
  });

  it('keeps an ADL halt when a later limit trips, and lets it replace a daily-drawdown halt', () => {
    const guard = conservative();
    guard.recordClose({ pnl: 10, reason: 'adl', now: at('09:00') });
    for (const time of ['10:00', '11:00', '12:00']) guard.recordClose(stopLoss(at(time)));
    expect(guard.status().halt?.code).toBe('ADL');

    const drawn = conservative();
    drawn.canOpen(openInput(at('08:00')));
    drawn.recordClose({ pnl: -250, reason: 'manual', now: at('09:00') });
    expect(drawn.status().halt?.code).toBe('DAILY_DRAWDOWN');
    expect(drawn.recordClose({ pnl: 20, reason: 'adl', now: at('09:30') }).tripped?.code).toBe('ADL');
    expect(codeOf(drawn.canOpen(openInput(at('09:00', 2))))).toBe('ADL');
  });

  it('keeps the first lasting halt when another trips, and an operator halt replaces any halt', () => {
    const guard = conservative();
    guard.recordClose({ pnl: -40, reason: 'liquidation', now: at('09:00') });
    guard.recordClose(stopLoss(at('10:00')));
    guard.recordClose(stopLoss(at('11:00')));
    expect(guard.status().halt?.code).toBe('LIQUIDATION');
    guard.halt('investigating');
    expect(guard.status().halt?.code).toBe('HALTED');
  });

  it('upgrades a daily-drawdown halt to a lasting one when the streak trips the same day', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -250, reason: 'stop_loss', now: at('09:00') });
    expect(guard.status().halt?.code).toBe('DAILY_DRAWDOWN');
    guard.recordClose(stopLoss(at('10:00')));
    guard.recordClose(stopLoss(at('11:00')));
    expect(guard.status().halt?.code).toBe('SL_STREAK');
    expect(codeOf(guard.canOpen(openInput(at('09:00', 2))))).toBe('SL_STREAK');
  });
});

describe('RiskGuard: positions', () => {
  it('refuses a second position on the same symbol, in either notation and either side', () => {
    const guard = conservative();
    for (const symbol of ['BTC/USDC:USDC', 'BTCUSDC']) {
      const decision = guard.canOpen(
        openInput(at('09:00'), {
          symbol: 'BTCUSDC',
          side: 'short',
          openPositions: [{ symbol, side: 'long' }],
        }),
      );
      expect(decision).toMatchObject({
        allowed: false,
        code: 'SYMBOL_ALREADY_OPEN',
        symbol: 'BTCUSDC',
        openSide: 'long',
      });
    }
    expect(
      guard.canOpen(openInput(at('09:00'), { openPositions: [{ symbol: 'BTC/USDT:USDT', side: 'long' }] }))
        .allowed,
    ).toBe(true);
  });

  it('refuses past maxConcurrentPositions', () => {
    const guard = conservative(); // 2
    const two = [
      { symbol: 'ETH/USDC:USDC', side: 'long' as const },
      { symbol: 'SOL/USDC:USDC', side: 'short' as const },
    ];
    expect(guard.canOpen(openInput(at('09:00'), { openPositions: two }))).toMatchObject({
      allowed: false,
      code: 'MAX_POSITIONS',
      openPositionCount: 2,
      maxConcurrentPositions: 2,
    });
    expect(guard.canOpen(openInput(at('09:00'), { openPositions: two.slice(0, 1) }))).toMatchObject({
      allowed: true,
      openPositionCount: 1,
    });
    expect(guard.status().openPositions).toEqual(two.slice(0, 1));
  });

  it('counts open unrealized losses, never unrealized gains, when includeUnrealizedLoss is on', () => {
    const guard = conservative({ includeUnrealizedLoss: true });
    const positions = [
      { symbol: 'ETH/USDC:USDC', side: 'long' as const, unrealizedPnl: -150 },
      { symbol: 'SOL/USDC:USDC', side: 'long' as const, unrealizedPnl: 400 },
    ];
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -60, reason: 'manual', now: at('08:30') });
    expect(guard.canOpen(openInput(at('09:00'), { openPositions: positions, equity: 10_190 }))).toMatchObject(
      {
        allowed: false,
        code: 'DAILY_DRAWDOWN',
        dailyLoss: 210,
        realizedPnl: -60,
        unrealizedLoss: 150,
      },
    );
    expect(() =>
      conservative({ includeUnrealizedLoss: true }).canOpen(
        openInput(at('09:00'), { openPositions: [{ symbol: 'ETH/USDC:USDC', side: 'long' }] }),
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_POSITIONS' }));
  });

  it('ignores unrealized PnL by default', () => {
    const guard = conservative();
    const positions = [{ symbol: 'ETH/USDC:USDC', side: 'long' as const, unrealizedPnl: -900 }];
    expect(guard.canOpen(openInput(at('09:00'), { openPositions: positions })).allowed).toBe(true);
  });
});

describe('RiskGuard: decisions', () => {
  it('returns the numbers behind an allowed open', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    expect(
      guard.canOpen(openInput(at('09:00'), { openPositions: [{ symbol: 'ETHUSDC', side: 'short' }] })),
    ).toEqual({
      allowed: true,
      tradingState: 'active',
      stopLossStreak: 0,
      maxSlStreak: 3,
      dailyLoss: 0,
      dailyLossFraction: 0,
      dailyDrawdownPct: 0.05,
      dayStartEquity: 10_000,
      carriedUnrealizedLoss: 0,
      openPositionCount: 1,
      maxConcurrentPositions: 3,
    });
  });

  it('gives every denial a stable code, a message and the trading state, as JSON', () => {
    const guard = conservative();
    guard.recordClose(stopLoss(at('10:00')));
    const decision = guard.canOpen(openInput(at('10:05')));
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(openDenialCodes).toContain(decision.code);
    expect(decision.message).toMatch(/stop-loss/);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });

  it('lists the denial codes in the order canOpen checks them, ADL right after LIQUIDATION', () => {
    expect(openDenialCodes).toEqual([
      'HALTED',
      'LIQUIDATION',
      'ADL',
      'SL_STREAK',
      'DAILY_DRAWDOWN',
      'REDUCING',
      'COOLDOWN',
      'SYMBOL_ALREADY_OPEN',
      'MAX_POSITIONS',
    ]);
    expect(closeReasons).toEqual(['stop_loss', 'take_profit', 'manual', 'liquidation', 'adl']);
  });

  it('hands out copies and frozen records: a caller cannot change its state', () => {
    const guard = conservative();
    guard.halt('x');
    const status = guard.status();
    expect(Object.isFrozen(status.halt)).toBe(true);
    expect(Object.isFrozen(status.limits)).toBe(true);
    (status.openPositions as unknown[]).push({ symbol: 'X', side: 'long' });
    expect(guard.status().openPositions).toEqual([]);
    expect(() => {
      (guard as unknown as { tier: string }).tier = 'aggressive';
    }).toThrow(TypeError);
  });
});

describe('RiskGuard: bad input', () => {
  const guard = conservative();
  const canOpenCases: [string, Partial<Record<keyof CanOpenInput, unknown>>, RiskInputErrorCode][] = [
    ['NaN equity', { equity: Number.NaN }, 'INVALID_EQUITY'],
    ['negative equity', { equity: -100 }, 'INVALID_EQUITY'],
    ['zero equity', { equity: 0 }, 'INVALID_EQUITY'],
    ['infinite equity', { equity: Infinity }, 'INVALID_EQUITY'],
    ['now in seconds', { now: 1_714_550_400 }, 'INVALID_TIME'],
    ['now in microseconds', { now: 1_714_550_400_000_000 }, 'INVALID_TIME'],
    ['fractional now', { now: at('09:00') + 0.5 }, 'INVALID_TIME'],
    ['NaN now', { now: Number.NaN }, 'INVALID_TIME'],
    ['empty symbol', { symbol: '' }, 'INVALID_SYMBOL'],
    ['bad side', { side: 'buy' }, 'INVALID_SIDE'],
    ['positions not an array', { openPositions: undefined }, 'INVALID_POSITIONS'],
    ['a bad position', { openPositions: [{ symbol: 'ETHUSDC', side: 'flat' }] }, 'INVALID_POSITIONS'],
    [
      'a NaN unrealized PnL',
      { openPositions: [{ symbol: 'ETHUSDC', side: 'long', unrealizedPnl: Number.NaN }] },
      'INVALID_POSITIONS',
    ],
  ];
  it.each(canOpenCases)('canOpen with %s → %s', (_name, change, code) => {
    expect(() => guard.canOpen({ ...openInput(at('09:00')), ...change } as CanOpenInput)).toThrow(
      expect.objectContaining({ name: 'RiskInputError', code }),
    );
  });

  const closeCases: [string, Partial<Record<keyof RecordCloseInput, unknown>>, RiskInputErrorCode][] = [
    ['NaN pnl', { pnl: Number.NaN }, 'INVALID_PNL'],
    ['infinite pnl', { pnl: -Infinity }, 'INVALID_PNL'],
    ['absurd pnl', { pnl: -1e16 }, 'INVALID_PNL'],
    ['string pnl', { pnl: '-5' }, 'INVALID_PNL'],
    ['unknown reason', { reason: 'tp' }, 'INVALID_CLOSE_REASON'],
    ['upper-case ADL reason', { reason: 'ADL' }, 'INVALID_CLOSE_REASON'],
    ['missing now', { now: undefined }, 'INVALID_TIME'],
    ['bad equity', { equity: -1 }, 'INVALID_EQUITY'],
    ['bad symbol', { symbol: 42 }, 'INVALID_SYMBOL'],
  ];
  it.each(closeCases)('recordClose with %s → %s', (_name, change, code) => {
    expect(() => guard.recordClose({ ...stopLoss(at('09:00')), ...change } as RecordCloseInput)).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it('names every close reason when it refuses one', () => {
    expect(() => guard.recordClose({ ...stopLoss(at('09:00')), reason: 'x' as 'adl' })).toThrow(
      /'stop_loss', 'take_profit', 'manual', 'liquidation' or 'adl'/,
    );
  });

  it('leaves the state untouched when it throws', () => {
    const fresh = conservative();
    const before = fresh.snapshot();
    expect(() => fresh.recordClose({ pnl: Number.NaN, reason: 'stop_loss', now: at('09:00') })).toThrow();
    expect(() => fresh.canOpen(openInput(at('09:00'), { equity: -1 }))).toThrow();
    expect(fresh.snapshot()).toEqual(before);
  });

  it('refuses bad options', () => {
    expect(() => new RiskGuard({ tier: 'yolo' as 'standard' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TIER' }),
    );
    expect(() => new RiskGuard(undefined as unknown as RiskGuardOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => new RiskGuard({ tier: 'standard', maxSlStreak: 2 } as RiskGuardOptions)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(
      () => new RiskGuard({ tier: 'standard', includeUnrealizedLoss: 'yes' as unknown as boolean }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new RiskGuard({ tier: 'conservative', limits: { leverageDefault: 10 } })).toThrow(
      expect.objectContaining({ code: 'BEYOND_TIER_CAP' }),
    );
    expect(() => guard.halt('  ')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => guard.reduce(undefined as unknown as string)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => guard.resume(Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_TIME' }));
  });
});
