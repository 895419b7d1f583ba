import { describe, expect, it } from 'vitest';

import { createInstrumentState } from './core-state';
import { CoreDecimal } from './decimal-format';
import { FillRecord } from './events';
import { FillHistory } from './fill-history';
import { btcSpec, ethSpec } from './testing/core-fixtures';

const btc = createInstrumentState(btcSpec, 0, new CoreDecimal('0.0001'));
const eth = createInstrumentState(ethSpec, 1, new CoreDecimal('0.0001'));

function record(
  tradeId: number,
  overrides: Partial<{ price: bigint; commission: bigint; realized: bigint }> = {},
) {
  const price = overrides.price ?? 6_000_000_000_000n + BigInt(tradeId) * 10_000_000n;
  const quantity = BigInt(tradeId % 7) + 1n;
  return new FillRecord(
    tradeId,
    1_000_000 + tradeId,
    tradeId % 2 === 0 ? btc : eth,
    tradeId % 3 === 0 ? 'BUY' : 'SELL',
    price,
    quantity,
    price * quantity,
    overrides.commission ?? BigInt(tradeId) * 3n,
    overrides.realized ?? -BigInt(tradeId) * 5n,
    tradeId % 5 === 0,
    1_767_574_800_000 + tradeId,
  );
}

describe('FillHistory', () => {
  it('gives back each fill as its own view prints it, oldest first, by symbol or all', () => {
    const history = new FillHistory(100);
    const records = Array.from({ length: 300 }, (_, index) => record(index + 1));
    for (const fill of records) history.add(fill);
    // 300 > 100 + 1024 does not hold: nothing was cut yet.
    expect(history.views([btc, eth])).toEqual(records.map((fill) => fill.view()));
    expect(history.views([btc, eth], eth)).toEqual(
      records.filter((fill) => fill.instrument === eth).map((fill) => fill.view()),
    );
  });

  it('keeps the last `limit` fills once it holds more than limit + 1024', () => {
    const history = new FillHistory(3);
    const records = Array.from({ length: 1030 }, (_, index) => record(index + 1));
    for (const fill of records.slice(0, 1027)) history.add(fill);
    expect(history.length).toBe(1027);
    history.add(records[1027]!);
    expect(history.views([btc, eth]).map((fill) => fill.tradeId)).toEqual([1026, 1027, 1028]);
    for (const fill of records.slice(1028)) history.add(fill);
    expect(history.views([btc, eth])).toEqual(records.slice(-5).map((fill) => fill.view()));
  });

  it('keeps figures beyond 64 bits exactly, across a cut', () => {
    const history = new FillHistory(1);
    const huge = 2n ** 70n + 12_345n;
    const wide = record(2, { price: 2n ** 64n, commission: huge, realized: -huge });
    history.add(wide);
    history.add(record(4, { commission: 0n }));
    const [first, second] = history.views([btc, eth]);
    expect(first).toEqual(wide.view());
    expect(first?.commission).toBe('11805916207174.11315769');
    expect(second?.commission).toBe('0');
    // The 1026th fill is one more than 1 + 1024: the history is cut back to it.
    for (let tradeId = 6; tradeId <= 2052; tradeId += 2) history.add(record(tradeId));
    expect(history.views([btc, eth]).map((fill) => fill.tradeId)).toEqual([2052]);
    expect(history.length).toBe(1);
    const later = record(2054, { price: 2n ** 64n, commission: huge, realized: -huge });
    history.add(later);
    expect(history.views([btc, eth])[1]).toEqual(later.view());
  });
});
