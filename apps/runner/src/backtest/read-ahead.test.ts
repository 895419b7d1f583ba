import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Candle } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { CandleReadAhead, READ_AHEAD_MS } from './read-ahead';

const minute = 60_000;
const candle = (openTime: number): Candle => ({
  openTime,
  open: '1.0',
  high: '1.0',
  low: '1.0',
  close: '1.0',
  volume: '1',
});

/** Three days of 1m candles, a chunk of one each, counting how far they were read; failing at `failAt` when given. */
function minutes(read: { count: number }, failAt?: number): AsyncIterable<readonly Candle[]> {
  return (async function* () {
    for (let index = 0; index < 3 * 1440; index += 1) {
      if (index === failAt) throw new Error('the file changed since the checking pass');
      read.count = index + 1;
      yield [candle(index * minute)];
    }
  })();
}

describe('CandleReadAhead', () => {
  it('reads on in the background after a fill, while the caller works, as much again as it asked for', async () => {
    const read = { count: 0 };
    const ahead = new CandleReadAhead(minutes(read));
    await ahead.fill(60 * minute);
    expect(read.count).toBeGreaterThanOrEqual(61);
    for (let turn = 0; turn < 20_000 && read.count <= 60 + READ_AHEAD_MS / minute; turn += 1)
      await nextTurn();
    expect(read.count).toBe(61 + READ_AHEAD_MS / minute);
    expect(ahead.passed(Number.POSITIVE_INFINITY).count).toBe(61 + READ_AHEAD_MS / minute);
  });

  it('throws what the read met from the fill that needs it, not as an unhandled rejection', async () => {
    const read = { count: 0 };
    const ahead = new CandleReadAhead(minutes(read, 100));
    await ahead.fill(10 * minute);
    await expect(ahead.fill(200 * minute)).rejects.toThrow('the file changed since the checking pass');
  });
});
