/**
 * RiskGuard at its edges: a day's loss exactly at `dailyDrawdownPct` (the limit is inclusive, on either
 * path that can reach it), a close on a guard already halted, the numbers `status()` reports, the day's
 * starting equity in the corners of the rollover, and the open positions a caller reports.
 */
import { describe, expect, it } from 'vitest';

import { RiskGuard } from '../src/risk-guard';
import type { CanOpenInput, OpenDecision, RiskGuardOptions } from '../src/risk-guard-types';
import { largestMoney } from '../src/validation';

/** Epoch ms of a UTC time on 2024-05-01, or on a later day with `day`. */
function at(time: string, day = 1): number {
  return Date.parse(`2024-05-${String(day).padStart(2, '0')}T${time}Z`);
}

const minute = 60_000;
const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

function openInput(now: number, change: Partial<CanOpenInput> = {}): CanOpenInput {
  return { symbol: BTC, side: 'long', now, equity: 10_000, openPositions: [], ...change };
}

function codeOf(decision: OpenDecision): string {
  return decision.allowed ? 'ALLOWED' : decision.code;
}

/** conservative: dailyDrawdownPct 0.02, maxConcurrentPositions 1 or more, a cooldown after stops. */
function conservative(options: Partial<RiskGuardOptions> = {}): RiskGuard {
  return new RiskGuard({ tier: 'conservative', ...options });
}

describe('RiskGuard: a day exactly at dailyDrawdownPct halts (the limit is inclusive)', () => {
  it('halts in canOpen when an open unrealized loss alone brings the day exactly to the limit', () => {
    const exactly = conservative({ includeUnrealizedLoss: true });
    exactly.canOpen(openInput(at('08:00')));
    // 200 of 10 000 is 0.02 exactly, with no close recorded: only canOpen's own check can see it.
    const decision = exactly.canOpen(
      openInput(at('09:00'), {
        equity: 9_800,
        openPositions: [{ symbol: ETH, side: 'long', unrealizedPnl: -200 }],
      }),
    );
    expect(decision).toMatchObject({
      allowed: false,
      code: 'DAILY_DRAWDOWN',
      tradingState: 'halted',
      dailyLoss: 200,
      dailyLossFraction: 0.02,
      unrealizedLoss: 200,
      realizedPnl: 0,
    });

    const justBelow = conservative({ includeUnrealizedLoss: true });
    justBelow.canOpen(openInput(at('08:00')));
    const allowed = justBelow.canOpen(
      openInput(at('09:00'), {
        equity: 9_800.01,
        openPositions: [{ symbol: ETH, side: 'long', unrealizedPnl: -199.99 }],
      }),
    );
    expect(codeOf(allowed)).toBe('ALLOWED');
  });

  it('trips the halt on the close whose loss reaches the limit exactly, and reports it there', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    const close = guard.recordClose({ pnl: -200, reason: 'manual', now: at('09:00') });
    expect(close.tradingState).toBe('halted');
    expect(close.tripped).toMatchObject({
      code: 'DAILY_DRAWDOWN',
      dailyLoss: 200,
      dailyLossFraction: 0.02,
      since: at('09:00'),
    });
    expect(guard.status().halt).toMatchObject({ code: 'DAILY_DRAWDOWN', since: at('09:00') });

    const below = conservative();
    below.canOpen(openInput(at('08:00')));
    const notYet = below.recordClose({ pnl: -199.99, reason: 'manual', now: at('09:00') });
    expect(notYet).toMatchObject({ tradingState: 'active', tripped: null });
  });

  it('names the unrealized loss carried into the day in the halt message, and only then', () => {
    const guard = conservative({ includeUnrealizedLoss: true });
    guard.canOpen(openInput(at('08:00')));
    guard.recordEquity({
      equity: 10_000,
      now: at('23:59'),
      openPositions: [{ symbol: ETH, side: 'long', unrealizedPnl: -300 }],
    });
    // The next day starts from 10 000 with the 300 already in it; realizing 500 loses 200 more that day.
    expect(guard.status(at('00:00', 2))).toMatchObject({
      dayStartEquity: 10_000,
      carriedUnrealizedLoss: 300,
    });
    const close = guard.recordClose({ pnl: -500, reason: 'manual', now: at('10:00', 2) });
    expect(close.tripped).toMatchObject({ code: 'DAILY_DRAWDOWN', dailyLoss: 200 });
    expect(close.tripped?.message).toBe(
      "Halted for the UTC day: the day's loss 200 is 0.02 of the day's starting equity 10000, at or past the limit 0.02 (the 300 of unrealized loss carried into the day not counted again). Lifts at 00:00 UTC.",
    );

    const plain = conservative();
    plain.canOpen(openInput(at('08:00')));
    const tripped = plain.recordClose({ pnl: -250, reason: 'manual', now: at('09:00') }).tripped;
    expect(tripped?.message).toBe(
      "Halted for the UTC day: the day's loss 250 is 0.025 of the day's starting equity 10000, at or past the limit 0.02. Lifts at 00:00 UTC.",
    );
  });
});

describe('RiskGuard.recordClose on a guard already halted', () => {
  it('reports tripped: null, so a halt is announced once', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.halt('maintenance', at('08:30'));
    const close = guard.recordClose({ pnl: -10, reason: 'manual', now: at('09:00') });
    expect(close).toMatchObject({ tradingState: 'halted', tripped: null });

    const drawdown = conservative();
    drawdown.canOpen(openInput(at('08:00')));
    expect(drawdown.recordClose({ pnl: -250, reason: 'manual', now: at('09:00') }).tripped).not.toBeNull();
    // A further loss the same day changes nothing: the same halt, not a new one.
    expect(drawdown.recordClose({ pnl: -50, reason: 'manual', now: at('09:30') }).tripped).toBeNull();
  });
});

describe('RiskGuard.status()', () => {
  it('has no day, no cooldown and no loss fraction before the guard has seen a time and an equity', () => {
    expect(conservative().status()).toMatchObject({
      tradingState: 'active',
      day: null,
      dayStartEquity: null,
      lastStopLossAt: null,
      cooldownEndsAt: null,
      realizedPnl: 0,
      realizedLoss: 0,
      realizedLossFraction: null,
      latestNow: null,
      openPositions: [],
    });
  });

  it("reports the day's realized loss, as money and as a fraction of the starting equity", () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -150, reason: 'manual', now: at('09:00') });
    expect(guard.status()).toMatchObject({
      day: '2024-05-01',
      dayStartEquity: 10_000,
      realizedPnl: -150,
      realizedLoss: 150,
      realizedLossFraction: 0.015,
    });
    // A winning day has no realized loss (never a negative one).
    guard.recordClose({ pnl: 400, reason: 'take_profit', now: at('10:00') });
    expect(guard.status()).toMatchObject({ realizedPnl: 250, realizedLoss: 0, realizedLossFraction: 0 });
  });

  it('reports when the cooldown after a stop-loss ends: the stop time plus cooldownAfterStopMinutes', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -50, reason: 'stop_loss', now: at('09:00') });
    const status = guard.status();
    const cooldown = status.limits.cooldownAfterStopMinutes;
    expect(cooldown).toBeGreaterThan(0);
    expect(status.lastStopLossAt).toBe(at('09:00'));
    expect(status.cooldownEndsAt).toBe(at('09:00') + cooldown * minute);
    // canOpen agrees: refused just before, allowed at the time status() gave.
    const before = guard.canOpen(openInput(status.cooldownEndsAt! - 1000, { equity: 9_950 }));
    expect(before).toMatchObject({
      code: 'COOLDOWN',
      cooldownEndsAt: status.cooldownEndsAt,
      remainingMilliseconds: 1000,
    });
    expect(before.allowed ? '' : before.message).toContain('(1 s left of');
    expect(codeOf(guard.canOpen(openInput(status.cooldownEndsAt!, { equity: 9_950 })))).toBe('ALLOWED');
  });

  it('resume(now) past 00:00 UTC rolls the day over first', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    guard.recordClose({ pnl: -250, reason: 'manual', now: at('09:00') });
    const resumed = guard.resume(at('00:30', 2));
    expect(resumed).toMatchObject({
      tradingState: 'active',
      day: '2024-05-02',
      latestNow: at('00:30', 2),
      realizedPnl: 0,
      halt: null,
    });
  });
});

describe("RiskGuard: the day's starting equity around the rollover", () => {
  it('never starts a day from an equity seen two or more days before', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    // Day 2 saw nothing: day 3 has no starting equity until it sees one.
    expect(guard.status(at('12:00', 3))).toMatchObject({ day: '2024-05-03', dayStartEquity: null });
    guard.canOpen(openInput(at('12:30', 3), { equity: 9_000 }));
    expect(guard.status().dayStartEquity).toBe(9_000);
  });

  it('keeps the time of the same equity seen again: the next day starts from that later reading', () => {
    const guard = conservative();
    guard.canOpen(openInput(at('08:00')));
    // The same equity on day 2, just before midnight (day 2 itself started from day 1's reading).
    guard.recordEquity({ equity: 10_000, now: at('23:59', 2) });
    expect(guard.status(at('00:01', 3))).toMatchObject({ day: '2024-05-03', dayStartEquity: 10_000 });
  });

  it('records the same equity again when its unrealized loss changed: the next day carries it', () => {
    const guard = conservative({ includeUnrealizedLoss: true });
    guard.canOpen(openInput(at('23:00')));
    guard.canOpen(
      openInput(at('23:00'), { openPositions: [{ symbol: ETH, side: 'short', unrealizedPnl: -300 }] }),
    );
    expect(guard.status(at('00:00', 2))).toMatchObject({
      dayStartEquity: 10_000,
      carriedUnrealizedLoss: 300,
    });
  });

  it('starts the day from the equity itself when the realized PnL before it is the whole equity', () => {
    const guard = conservative();
    // A profit recorded before the day's first equity: equity less that PnL would be 0.
    guard.recordClose({ pnl: 10_000, reason: 'take_profit', now: at('08:00') });
    guard.canOpen(openInput(at('09:00'), { equity: 10_000 }));
    const status = guard.status();
    expect(status.dayStartEquity).toBe(10_000);
    expect(status.realizedLossFraction).toBe(0);
  });
});

describe('RiskGuard: the open positions a caller reports', () => {
  it('shows the positions of the latest call, also when only their symbol or side changed', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    guard.canOpen(openInput(at('08:00'), { openPositions: [{ symbol: ETH, side: 'long' }] }));
    expect(guard.status().openPositions).toEqual([{ symbol: ETH, side: 'long' }]);
    guard.canOpen(openInput(at('08:01'), { openPositions: [{ symbol: 'SOL/USDC:USDC', side: 'long' }] }));
    expect(guard.status().openPositions).toEqual([{ symbol: 'SOL/USDC:USDC', side: 'long' }]);
    guard.canOpen(openInput(at('08:02'), { openPositions: [{ symbol: 'SOL/USDC:USDC', side: 'short' }] }));
    expect(guard.status().openPositions).toEqual([{ symbol: 'SOL/USDC:USDC', side: 'short' }]);
    guard.canOpen(
      openInput(at('08:03'), {
        openPositions: [
          { symbol: 'SOL/USDC:USDC', side: 'short' },
          { symbol: ETH, side: 'long' },
        ],
      }),
    );
    guard.canOpen(
      openInput(at('08:04'), {
        openPositions: [
          { symbol: 'SOL/USDC:USDC', side: 'short' },
          { symbol: ETH, side: 'short' },
        ],
      }),
    );
    expect(guard.status().openPositions).toEqual([
      { symbol: 'SOL/USDC:USDC', side: 'short' },
      { symbol: ETH, side: 'short' },
    ]);
    expect(guard.snapshot().openPositions).toEqual(guard.status().openPositions);
  });

  it("denies a second position with tradingState 'active' (SYMBOL_ALREADY_OPEN, MAX_POSITIONS)", () => {
    const guard = conservative();
    const same = guard.canOpen(
      openInput(at('08:00'), { openPositions: [{ symbol: 'BTCUSDC', side: 'short' }] }),
    );
    expect(same).toMatchObject({
      allowed: false,
      code: 'SYMBOL_ALREADY_OPEN',
      tradingState: 'active',
      symbol: BTC,
      openSide: 'short',
    });
    expect(same.allowed ? '' : same.message).toBe(`A short position on ${BTC} is already open.`);

    const limit = guard.status().limits.maxConcurrentPositions;
    const others = Array.from({ length: limit }, (_, index) => ({
      symbol: `X${index}/USDC:USDC`,
      side: 'long' as const,
    }));
    const full = guard.canOpen(openInput(at('08:01'), { openPositions: others }));
    expect(full).toMatchObject({
      allowed: false,
      code: 'MAX_POSITIONS',
      tradingState: 'active',
      openPositionCount: limit,
      maxConcurrentPositions: limit,
    });
    expect(full.allowed ? '' : full.message).toBe(`${limit} positions are open; the limit is ${limit}.`);
  });

  it('takes the side of the first position listed on the symbol (hedge mode holds both)', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    const decision = guard.canOpen(
      openInput(at('08:00'), {
        openPositions: [
          { symbol: BTC, side: 'long' },
          { symbol: 'BTCUSDC', side: 'short' },
        ],
      }),
    );
    expect(decision).toMatchObject({ code: 'SYMBOL_ALREADY_OPEN', openSide: 'long' });
  });

  it.each([
    [[null], 'entry 0 is null, not a position.'],
    [[42], 'entry 0 is 42, not a position.'],
    [[{ symbol: ETH, side: 'long' }, 'BTC'], 'entry 1 is "BTC", not a position.'],
    [[{ symbol: '', side: 'long' }], 'entry 0 has symbol "".'],
    [[{ symbol: 7, side: 'long' }], 'entry 0 has symbol 7.'],
    [[{ side: 'long' }], 'entry 0 has symbol undefined.'],
    [[{ symbol: ETH, side: 'up' }], 'entry 0 has side "up".'],
    [{ length: 0 }, 'a value of type object is not an array (pass [] when none are open).'],
    [
      [{ symbol: ETH, side: 'long', unrealizedPnl: Number.NaN }],
      'entry 0 has unrealizedPnl NaN; expected a finite number.',
    ],
    [
      [{ symbol: ETH, side: 'long', unrealizedPnl: '-5' }],
      'entry 0 has unrealizedPnl "-5"; expected a finite number.',
    ],
  ])('refuses openPositions %j with INVALID_POSITIONS naming the entry', (openPositions, why) => {
    const guard = new RiskGuard({ tier: 'standard' });
    const call = () => guard.canOpen(openInput(at('08:00'), { openPositions: openPositions as never }));
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_POSITIONS' }));
    expect(call).toThrow(`Invalid openPositions: ${why}`);
    // Nothing was recorded.
    expect(guard.status().latestNow).toBeNull();
  });

  it('requires every unrealizedPnl when it counts unrealized loss, and says why', () => {
    const guard = conservative({ includeUnrealizedLoss: true });
    expect(() =>
      guard.canOpen(openInput(at('08:00'), { openPositions: [{ symbol: ETH, side: 'long' }] })),
    ).toThrow(
      'Invalid openPositions: entry 0 has unrealizedPnl undefined; expected a finite number (required: the guard counts unrealized loss).',
    );
    expect(() => guard.recordEquity({ equity: 10_000, now: at('08:00') })).toThrow(
      expect.objectContaining({
        code: 'INVALID_POSITIONS',
        message:
          'Invalid openPositions: recordEquity needs the open positions with their unrealizedPnl: the guard counts unrealized loss.',
      }),
    );
    // Without includeUnrealizedLoss, recordEquity needs none.
    const plain = conservative();
    plain.recordEquity({ equity: 10_000, now: at('08:00') });
    expect(plain.status().dayStartEquity).toBe(10_000);
  });

  it('accepts amounts up to 1e15 exactly: equity, a pnl and an unrealized PnL', () => {
    const guard = new RiskGuard({ tier: 'standard', includeUnrealizedLoss: true });
    const decision = guard.canOpen(
      openInput(at('08:00'), {
        equity: largestMoney,
        openPositions: [{ symbol: ETH, side: 'long', unrealizedPnl: largestMoney }],
      }),
    );
    expect(decision.allowed).toBe(true);
    expect(guard.recordClose({ pnl: -largestMoney, reason: 'manual', now: at('09:00') }).realizedPnl).toBe(
      -largestMoney,
    );
    expect(() => guard.recordClose({ pnl: largestMoney * 1.5, reason: 'manual', now: at('09:00') })).toThrow(
      'Invalid pnl 1500000000000000: expected a finite number from -1e15 to 1e15 (negative for a loss).',
    );
  });
});
