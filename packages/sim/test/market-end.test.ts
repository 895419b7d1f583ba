import { describe, expect, it } from 'vitest';
import { parseKlineCsv, startSim } from '../src/index';

function csv(minutes: number, start: number): string {
  const rows: string[] = [];
  for (let index = 0; index < minutes; index += 1) {
    const openTime = start + index * 60_000;
    rows.push(`${openTime},60000.0,60010.0,59990.0,60005.0,12.5,${openTime + 59_999},750000,100,6,375000,0`);
  }
  return `${rows.join('\n')}\n`;
}

describe('Sim.marketEnd', () => {
  it('resolves with the market time once a replay is used up, and not before', async () => {
    const start = Date.UTC(2026, 0, 1);
    const sim = await startSim({
      speed: 'manual',
      replay: { symbol: 'BTCUSDC', candles: parseKlineCsv(csv(5, start)) },
    });
    try {
      let ended: number | undefined;
      void sim.marketEnd.then((time) => (ended = time));
      sim.advance(3 * 60_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ended).toBeUndefined();
      sim.advance(5 * 60_000);
      expect(await sim.marketEnd).toBeGreaterThanOrEqual(start + 5 * 60_000 - 1);
    } finally {
      await sim.close();
    }
  });

  it('stays pending for the synthetic market', async () => {
    const sim = await startSim({ speed: 'manual', historyMinutes: 10 });
    try {
      sim.advance(10 * 60_000);
      const settled = await Promise.race([
        sim.marketEnd.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      expect(settled).toBe(false);
    } finally {
      await sim.close();
    }
  });
});
