import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { RiskGuard } from './risk-guard';
import type { OpenDecision } from './risk-guard-types';
import type { RiskGuardSnapshot } from './snapshot';
import { TIERS } from './tiers';
import type { CloseReason } from './trading-state';

/** The UTC day of a time, computed here and not taken from the code under test. */
const dayOf = (time: number): number => Math.floor(time / 86_400_000);

const symbols = ['BTC/USDC:USDC', 'ETH/USDC:USDC', 'SOLUSDC'] as const;

type Command =
  | { readonly kind: 'wait'; readonly milliseconds: number }
  | {
      readonly kind: 'open';
      readonly symbol: number;
      readonly side: 'long' | 'short';
      readonly equity: number;
      readonly openMask: number;
      /** Each symbol's unrealized PnL, when it is open. */
      readonly unrealized: readonly number[];
    }
  | {
      readonly kind: 'close';
      readonly pnl: number;
      readonly reason: CloseReason;
      readonly equity: number | undefined;
    }
  | {
      readonly kind: 'equity';
      readonly equity: number;
      readonly openMask: number;
      readonly unrealized: readonly number[];
    }
  | { readonly kind: 'halt' }
  | { readonly kind: 'reduce' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'restart' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      milliseconds: fc.oneof(
        fc.integer({ min: 0, max: 10 * 60_000 }),
        fc.integer({ min: 0, max: 26 * 3_600_000 }),
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('open' as const),
      symbol: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom('long' as const, 'short' as const),
      equity: fc.double({ min: 5_000, max: 15_000, noNaN: true }),
      openMask: fc.integer({ min: 0, max: 7 }),
      unrealized: fc.array(fc.double({ min: -600, max: 300, noNaN: true }), { minLength: 3, maxLength: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      pnl: fc.oneof(fc.double({ min: -400, max: 300, noNaN: true }), fc.constantFrom(0, -100, 100, -0.1)),
      reason: fc.constantFrom<CloseReason>('stop_loss', 'take_profit', 'manual', 'liquidation', 'adl'),
      equity: fc.option(fc.double({ min: 5_000, max: 15_000, noNaN: true }), { nil: undefined }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('equity' as const),
      equity: fc.double({ min: 5_000, max: 15_000, noNaN: true }),
      openMask: fc.integer({ min: 0, max: 7 }),
      unrealized: fc.array(fc.double({ min: -600, max: 300, noNaN: true }), { minLength: 3, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'halt' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reduce' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'resume' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

/**
 * An independent, plain model of the rules in the README, to check the guard against. The day's starting
 * equity is the last equity seen before 00:00 UTC (within the day that ended), with the unrealized loss
 * it carried; failing that, the first equity of the day less the day's realized PnL before it.
 */
class Model {
  latest: number;
  day: number;
  realized = 0;
  dayStart: number | null = null;
  carried = 0;
  seen: { equity: number; at: number; unrealizedLoss: number } | null = null;
  streak = 0;
  lastStop: number | null = null;
  operatorHalt = false;
  reducing = false;
  lastingHalt = false;
  drawdownDay: number | null = null;

  constructor(
    readonly limits: RiskGuard['limits'],
    readonly losingClosesExtendStreak: boolean,
    readonly includeUnrealizedLoss: boolean,
    start: number,
  ) {
    this.latest = start;
    this.day = dayOf(start);
  }

  advance(now: number): number {
    this.latest = Math.max(this.latest, now);
    const day = dayOf(this.latest);
    if (day !== this.day) {
      this.day = day;
      this.realized = 0;
      this.drawdownDay = null;
      const seen = this.seen;
      const fromYesterday = seen !== null && dayOf(seen.at) === day - 1;
      this.dayStart = fromYesterday ? seen.equity : null;
      this.carried = fromYesterday ? seen.unrealizedLoss : 0;
    }
    return this.latest;
  }

  /** An equity seen at `now` (already advanced to), with the open positions' counted unrealized loss. */
  see(effective: number, equity: number, unrealizedLoss: number): void {
    if (this.dayStart === null) {
      this.dayStart = equity - this.realized > 0 ? equity - this.realized : equity;
      this.carried = unrealizedLoss;
    }
    this.seen = { equity, at: effective, unrealizedLoss };
  }

  loss(unrealizedLoss: number): number {
    return Math.max(0, unrealizedLoss - this.carried - this.realized);
  }

  checkDrawdown(unrealizedLoss: number): void {
    if (this.dayStart === null) return;
    if (this.loss(unrealizedLoss) / this.dayStart >= this.limits.dailyDrawdownPct)
      this.drawdownDay = this.day;
  }

  open(now: number, equity: number, symbolOpen: boolean, openCount: number, unrealizedLoss: number): boolean {
    const effective = this.advance(now);
    this.see(effective, equity, unrealizedLoss);
    if (this.streak >= this.limits.maxSlStreak) this.lastingHalt = true;
    this.checkDrawdown(unrealizedLoss);
    const cooling =
      this.lastStop !== null && effective < this.lastStop + this.limits.cooldownAfterStopMinutes * 60_000;
    return !(
      this.operatorHalt ||
      this.lastingHalt ||
      this.drawdownDay === this.day ||
      this.reducing ||
      cooling ||
      symbolOpen ||
      openCount >= this.limits.maxConcurrentPositions
    );
  }

  close(now: number, pnl: number, reason: CloseReason, equity: number | undefined): void {
    const effective = this.advance(now);
    this.realized += pnl;
    if (this.dayStart === null && equity !== undefined) {
      this.dayStart = equity - this.realized > 0 ? equity - this.realized : equity;
    }
    if (pnl > 0) {
      this.streak = 0;
    } else if (
      reason === 'stop_loss' ||
      reason === 'liquidation' ||
      (this.losingClosesExtendStreak && pnl < 0)
    ) {
      this.streak += 1;
      this.lastStop = effective;
    }
    if (reason === 'liquidation' || reason === 'adl') this.lastingHalt = true;
    if (this.streak >= this.limits.maxSlStreak) this.lastingHalt = true;
    this.checkDrawdown(0);
  }

  resume(): void {
    this.operatorHalt = false;
    this.reducing = false;
    this.lastingHalt = false;
    this.drawdownDay = null;
    if (this.streak >= this.limits.maxSlStreak) this.streak = 0;
  }
}

/** The open positions a command names, and their unrealized loss summed as the guard sums it. */
function positionsOf(
  step: { readonly openMask: number; readonly unrealized: readonly number[] },
  includeUnrealizedLoss: boolean,
): { openPositions: { symbol: string; side: 'long'; unrealizedPnl: number }[]; unrealizedLoss: number } {
  const openPositions = symbols
    .map((symbol, index) => ({ symbol, side: 'long' as const, unrealizedPnl: step.unrealized[index] ?? 0 }))
    .filter((_position, index) => (step.openMask & (1 << index)) !== 0);
  let unrealizedPnl = 0;
  for (const position of openPositions)
    if (position.unrealizedPnl < 0) unrealizedPnl += position.unrealizedPnl;
  return { openPositions, unrealizedLoss: includeUnrealizedLoss && unrealizedPnl < 0 ? -unrealizedPnl : 0 };
}

const start = Date.parse('2024-05-01T06:00:00Z');

describe('RiskGuard properties', () => {
  it('decides exactly as the rules say, never allows an entry while halted, reducing or past a limit, and restarts change nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIERS),
        fc.boolean(),
        fc.boolean(),
        fc.array(command, { minLength: 1, maxLength: 80 }),
        (tier, losingClosesExtendStreak, includeUnrealizedLoss, commands) => {
          const options = { tier, losingClosesExtendStreak, includeUnrealizedLoss };
          let guard = new RiskGuard(options);
          const twin = new RiskGuard(options);
          const model = new Model(guard.limits, losingClosesExtendStreak, includeUnrealizedLoss, start);
          let now = start;
          for (const step of commands) {
            switch (step.kind) {
              case 'wait':
                now += step.milliseconds;
                break;
              case 'open': {
                const { openPositions, unrealizedLoss } = positionsOf(step, includeUnrealizedLoss);
                const input = {
                  symbol: symbols[step.symbol] ?? 'BTC/USDC:USDC',
                  side: step.side,
                  now,
                  equity: step.equity,
                  openPositions,
                };
                const before = guard.status();
                const decision: OpenDecision = guard.canOpen(input);
                expect(twin.canOpen(input)).toEqual(decision);
                const expected = model.open(
                  now,
                  step.equity,
                  (step.openMask & (1 << step.symbol)) !== 0,
                  openPositions.length,
                  unrealizedLoss,
                );
                expect(decision.allowed).toBe(expected);
                if (decision.allowed) {
                  const after = guard.status();
                  expect(after.tradingState).toBe('active');
                  expect(after.stopLossStreak).toBeLessThan(guard.limits.maxSlStreak);
                  if (!includeUnrealizedLoss)
                    expect(after.realizedLossFraction ?? 0).toBeLessThan(guard.limits.dailyDrawdownPct);
                  expect(decision.dailyLoss).toBe(model.loss(unrealizedLoss));
                  expect(after.cooldownEndsAt === null || after.cooldownEndsAt <= now).toBe(true);
                  expect(openPositions.length).toBeLessThan(guard.limits.maxConcurrentPositions);
                  // A halt other than a daily-drawdown halt (which lifts at 00:00 UTC) is never skipped.
                  if (before.halt !== null) expect(before.halt.code).toBe('DAILY_DRAWDOWN');
                  expect(before.reducing).toBeNull();
                }
                break;
              }
              case 'close': {
                const input = { pnl: step.pnl, reason: step.reason, now, equity: step.equity };
                const recorded = guard.recordClose(input);
                expect(twin.recordClose(input)).toEqual(recorded);
                model.close(now, step.pnl, step.reason, step.equity);
                break;
              }
              case 'equity': {
                const { openPositions, unrealizedLoss } = positionsOf(step, includeUnrealizedLoss);
                const input = { equity: step.equity, now, openPositions };
                guard.recordEquity(input);
                twin.recordEquity(input);
                model.see(model.advance(now), step.equity, unrealizedLoss);
                break;
              }
              case 'halt':
                guard.halt('property test', now);
                twin.halt('property test', now);
                model.advance(now);
                model.operatorHalt = true;
                break;
              case 'reduce':
                guard.reduce('property test', now);
                twin.reduce('property test', now);
                model.advance(now);
                model.reducing = true;
                break;
              case 'resume':
                guard.resume(now);
                twin.resume(now);
                model.advance(now);
                model.resume();
                break;
              case 'restart': {
                const text = JSON.stringify(guard.snapshot());
                guard = RiskGuard.restore(JSON.parse(text) as RiskGuardSnapshot);
                expect(JSON.stringify(guard.snapshot())).toBe(text);
                break;
              }
            }
            const status = guard.status();
            expect(status).toEqual(twin.status());
            expect(status.stopLossStreak).toBe(model.streak);
            expect(status.realizedPnl).toBe(model.realized);
            expect(status.dayStartEquity).toBe(model.dayStart);
            expect(status.carriedUnrealizedLoss).toBe(model.carried);
            expect(status.lastStopLossAt).toBe(model.lastStop);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
