/** The market's trade tape behind `GET /fapi/v1/aggTrades`: the last 5000 trades of each symbol, in id order. */
import { afterEach, describe, expect, it } from 'vitest';
import { startSim } from '../src/index';
import type { Sim } from '../src/index';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('the trade tape', () => {
  it('keeps the last 5000 trades however many the market printed', async () => {
    sim = await startSim({ listen: false, speed: 'manual', historyMinutes: 5 });
    const running = sim;
    const trades = async (query: string) =>
      (await (await running.fetch(`${running.url}/fapi/v1/aggTrades?symbol=BTCUSDC&${query}`)).json()) as {
        a: number;
      }[];
    const seen: number[] = [];
    let first: number | undefined;
    for (let step = 0; step < 40; step += 1) {
      running.advance(20 * 60_000);
      const newest = (await trades('limit=1')).at(-1)?.a ?? 0;
      const oldest = (await trades('fromId=0&limit=1000'))[0]?.a ?? 0;
      seen.push(newest);
      first ??= oldest; // the ids go on from the warm-up history's trades
      expect(oldest).toBe(Math.max(first, newest - 4999));
      const page = await trades('fromId=0&limit=1000');
      expect(page.map((trade) => trade.a)).toEqual(page.map((_, index) => oldest + index));
      if (newest > 12_000) break;
    }
    // It went through a tape longer than its length, and through one cut back.
    expect(seen.some((newest) => newest > 5000 && newest < 10_000)).toBe(true);
    expect(seen.at(-1)).toBeGreaterThan(12_000);
  });
});
