import { RiskGuard } from '@bot/risk';
import { describe, expect, it } from 'vitest';
import { compareRestore } from './audit-and-guard-invariants';

/** A guard's state at a kill, and what a restart logs from it (`status()`: the compared fields are the same). */
function world() {
  const now = Date.UTC(2026, 11, 8, 0, 10);
  const guard = new RiskGuard({ tier: 'conservative' });
  guard.recordClose({ pnl: 5, reason: 'take_profit', now, symbol: 'ETH/USDC:USDC' });
  const saved = guard.snapshot();
  const close = { symbol: 'BTC/USDC:USDC', pnl: -19.49, reason: 'stop_loss', closedAt: now + 60_000 };
  const restarted = RiskGuard.restore(saved);
  restarted.recordClose({ pnl: close.pnl, reason: 'stop_loss', now: close.closedAt, symbol: close.symbol });
  return { saved, close, restored: restarted.status() as unknown as Record<string, unknown> };
}

describe('invariant 7: a restart brings back the saved guard', () => {
  it('plus the closes it counted from the trail that the state file had not caught up with', () => {
    const { saved, close, restored } = world();
    expect(compareRestore(1, 1, saved, restored, [close])).toEqual([]);
  });

  it('and nothing else: a close it never said it replayed, or replayed with another PnL, is a violation', () => {
    const { saved, close, restored } = world();
    expect(compareRestore(1, 1, saved, restored)).toEqual([
      expect.objectContaining({
        invariant: 7,
        detail: expect.stringMatching(/stopLossStreak: saved 0, restored 1/),
      }),
    ]);
    expect(compareRestore(1, 1, saved, restored, [{ ...close, pnl: -5 }])).toEqual([
      expect.objectContaining({ invariant: 7, detail: expect.stringMatching(/realizedPnl/) }),
    ]);
  });
});
