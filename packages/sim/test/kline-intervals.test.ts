import { KLINE_INTERVALS } from '@bot/symbols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { klineIntervals } from '../src/market/kline-interval';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';

describe('GET /fapi/v1/klines intervals', () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5 });
  });
  afterAll(async () => {
    await sim.close();
  });

  const get = async (interval: string) => {
    const response = await fetch(`${sim.url}/fapi/v1/klines?symbol=BTCUSDC&interval=${interval}&limit=2`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it.each(klineIntervals)('serves %s', async (interval) => {
    const answer = await get(interval);
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.body) && answer.body.length > 0).toBe(true);
  });

  it.each(KLINE_INTERVALS.filter((interval) => !(klineIntervals as readonly string[]).includes(interval)))(
    'answers the unserved Binance interval %s with -1120, like a misspelt one',
    async (interval) => {
      const answer = await get(interval);
      expect(answer).toEqual({ status: 400, body: { code: -1120, msg: 'Invalid interval.' } });
      expect(await get('2m')).toEqual(answer);
    },
  );
});
