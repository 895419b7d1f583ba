import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('time only moves forward', () => {
  it('an order a later tick fills is stamped no earlier than the order, at an accelerated clock', async () => {
    // At 600× the driver's 50 ms poll is 30 market seconds. A wick (setMarketPrice) and then an order must
    // come after every tick already due, or the ticks of that stretch, processed later, fill the order with
    // a time before it was placed (the chaos suite's seed 5: a liquidation stamped before the position).
    sim = await startSim({ port: 0, seed: 7, speed: 600 });
    const client = restClient(sim);
    const accountId = sim.accounts[0]!.accountId;
    for (let round = 0; round < 5; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 120));
      const { markPrice } = (await client.fetchMarkPrice('BTC/USDC:USDC')) as { markPrice: number };
      sim.setMarketPrice('BTCUSDC', (markPrice * 0.98).toFixed(1));
      // Rests above the wick; the market's next ticks, back near the mark, fill it as a maker.
      const order = await client.createOrder(
        'BTC/USDC:USDC',
        'limit',
        'sell',
        0.01,
        +(markPrice * 0.99).toFixed(1),
      );
      const placedAt = sim.core
        .allOrders(accountId)
        .find((entry) => String(entry.orderId) === order.id)!.time;
      const deadline = Date.now() + 5000;
      const fillOf = () => sim!.core.fills(accountId).find((fill) => String(fill.orderId) === order.id);
      while (!fillOf() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fillOf()?.time, `round ${round}`).toBeGreaterThanOrEqual(placedAt);
      await client.createOrder('BTC/USDC:USDC', 'market', 'buy', 0.01, undefined, { reduceOnly: true });
    }
  });
});
