/**
 * The configured minimum reward:risk (`strategy.minRewardRisk`) through the real bot: a scripted signal
 * below it is denied before sizing and nothing reaches the emulator; one above it trades.
 */
import { readFileSync } from 'node:fs';
import type { Sim } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { advanceMinutes, eventually, positionOf, startScriptedWorld, stoppedAfterEach } from './testing';

const BTC = 'BTC/USDC:USDC';

const cleanup = stoppedAfterEach();

const orderRequests = (sim: Sim) =>
  sim.requests.filter((request) => request.method === 'POST' && /\/(order|algoOrder)$/.test(request.path));
const payloads = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { payload: Record<string, unknown> }).payload);

describe('strategy.minRewardRisk', () => {
  it('denies a signal whose reward:risk is below the configured minimum (REWARD_RISK_TOO_LOW), audited, no order sent', async () => {
    const world = await startScriptedWorld({ env: { BOT_MIN_REWARD_RISK: '2' }, cleanup });
    const { sim, bot, config } = world;
    await advanceMinutes(sim, bot.trader, 1);
    // Stop 1 % away, target 1.5 % away: 1.5, below the configured 2 (and below nothing the strategy checks).
    world.strategies.get(BTC)?.signalNext({
      side: 'long',
      stop: (close) => close * 0.99,
      target: (close) => close * 1.015,
    });
    const before = orderRequests(sim).length;
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.summary().denials['REWARD_RISK_TOO_LOW']).toBe(1);
    expect(orderRequests(sim).length).toBe(before);
    expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
    const denial = payloads(config.compliance.auditPath).find(
      (payload) =>
        payload['action'] === 'risk.deny' && String(payload['why']).startsWith('REWARD_RISK_TOO_LOW'),
    );
    expect(denial).toMatchObject({ symbol: BTC, side: 'long', lens: 'Risk' });
    expect(denial?.['risk']).toMatchObject({ code: 'REWARD_RISK_TOO_LOW', minRewardRisk: 2 });
    expect((denial?.['risk'] as { rewardRisk: number }).rewardRisk).toBeCloseTo(1.5, 6);

    // At the minimum's side of the line, the same bot trades.
    world.strategies.get(BTC)?.signalNext({
      side: 'long',
      stop: (close) => close * 0.99,
      target: (close) => close * 1.025,
    });
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.summary().denials['REWARD_RISK_TOO_LOW']).toBe(1);
    expect(positionOf(sim, 'BTCUSDC')).toBeDefined();
  });

  it("gives the guard the account's equity from every sweep, for the next UTC day's start", async () => {
    const world = await startScriptedWorld({ env: { BOT_ACCOUNT_SWEEP_MS: '1000' }, cleanup });
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);
    await eventually(() => bot.trader.guard.snapshot().equitySeen != null);
    const seen = bot.trader.guard.snapshot().equitySeen;
    expect(seen?.equity).toBe(10_000);
    // Dated by the market clock (the emulator's), as every guard decision is.
    expect(seen?.at).toBeGreaterThan(sim.marketTime() - 120_000);
    expect(seen?.at).toBeLessThanOrEqual(sim.marketTime());
  });
});
