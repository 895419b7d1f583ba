/**
 * What the configuration says about orders is what the exchange receives: read from the emulator's own
 * books, not from the adapter's fields.
 */
import { readFileSync } from 'node:fs';
import type { AlgoOrderView } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { advanceMinutes, startScriptedWorld, stoppedAfterEach } from './testing';

const cleanup = stoppedAfterEach();

describe('orders on the wire', () => {
  for (const workingType of ['CONTRACT_PRICE', 'MARK_PRICE'] as const) {
    it(`a stop-loss and take-profit watch the ${workingType} when the config says so`, async () => {
      const world = await startScriptedWorld({
        env: { BOT_SYMBOLS: 'BTC', WORKING_TYPE: workingType },
        cleanup,
      });
      const { sim, bot } = world;
      await advanceMinutes(sim, bot.trader, 1);
      world.strategies.get('BTC/USDC:USDC')?.signalNext({
        side: 'short',
        stop: (close) => close * 1.01,
        target: (close) => close * 0.97,
      });
      await advanceMinutes(sim, bot.trader, 1);
      const exits = (sim.state().openAlgoOrders as AlgoOrderView[]).filter(
        (order) => order.symbol === 'BTCUSDC',
      );
      expect(exits.map((order) => order.orderType.replace(/_MARKET$/, '')).sort()).toEqual([
        'STOP',
        'TAKE_PROFIT',
      ]);
      for (const order of exits) expect(order.workingType).toBe(workingType);
      // A short's exits buy back, the stop above the entry and the target below it.
      for (const order of exits) expect(order.side).toBe('BUY');
      const close = Number(sim.core.market('BTCUSDC').lastPrice);
      const stop = exits.find((order) => order.orderType.startsWith('STOP'));
      const target = exits.find((order) => order.orderType.startsWith('TAKE_PROFIT'));
      expect(Number(stop?.triggerPrice)).toBeGreaterThan(close);
      expect(Number(target?.triggerPrice)).toBeLessThan(close);
    });
  }

  it('announces an entry in the audit trail before the exchange receives it (write-ahead), with no look-up of a new intent', async () => {
    const world = await startScriptedWorld({
      env: { BOT_SYMBOLS: 'BTC' },
      cleanup,
    });
    const { sim, bot, config } = world;
    await advanceMinutes(sim, bot.trader, 1);
    world.strategies.get('BTC/USDC:USDC')?.signalNext({
      side: 'long',
      stop: (close) => close * 0.99,
      target: (close) => close * 1.03,
    });
    const before = sim.requests.length;
    await advanceMinutes(sim, bot.trader, 1);
    const entry = sim.requests
      .slice(before)
      .find((request) => request.method === 'POST' && request.path === '/fapi/v1/order');
    expect(entry).toBeDefined();
    const announced = readFileSync(config.compliance.auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { ts: string; payload: { action?: string } })
      .find((record) => record.payload.action === 'order.place');
    expect(announced).toBeDefined();
    expect(Date.parse(announced!.ts)).toBeLessThanOrEqual(entry!.time);
    // Its candle closed after the bot started: no earlier entry can carry its ids, so none is looked up.
    const sent = sim.requests.slice(before);
    const lookUps = sent
      .slice(0, sent.indexOf(entry!))
      .filter((request) => request.method === 'GET' && request.path === '/fapi/v1/order');
    expect(lookUps).toEqual([]);
  });
});
