import { describe, expect, it } from 'vitest';
import { TradeTape, roundTripDigits } from './trade-tape';

describe('TradeTape', () => {
  it('gives back the last trades, oldest first, with the texts they were added with', () => {
    const tape = new TradeTape(3);
    const added = [
      ['42000.1', '0.012'],
      ['42000.0', '5'],
      ['0.00001234', '1000000'],
      ['120', '0.100'],
      ['3.10', '0.5'],
    ] as const;
    added.forEach(([price, quantity], index) =>
      tape.add(100 + index, price, quantity, 1000 * index, index % 2 === 0),
    );
    expect(tape.trades()).toEqual(
      added.slice(2).map(([price, quantity], index) => ({
        a: 102 + index,
        p: price,
        q: quantity,
        f: 102 + index,
        l: 102 + index,
        T: 1000 * (2 + index),
        m: index % 2 === 0,
      })),
    );
  });

  it('keeps a text a double would not give back as it is', () => {
    const tape = new TradeTape(2);
    tape.add(1, '12345678901234567.5', '007', 0, false);
    tape.add(2, '1.5', '0.25', 1, true);
    expect(tape.trades().map(({ p, q }) => [p, q])).toEqual([
      ['12345678901234567.5', '007'],
      ['1.5', '0.25'],
    ]);
    // Its slot reused by a plain trade: the plain one is read.
    tape.add(3, '2.5', '1', 2, false);
    expect(tape.trades().map(({ p, q }) => [p, q])).toEqual([
      ['1.5', '0.25'],
      ['2.5', '1'],
    ]);
  });

  it('counts the fraction digits of plain decimals only', () => {
    expect(['42000.1', '0.00001234', '120', '0', '0.5'].map(roundTripDigits)).toEqual([1, 8, 0, 0, 1]);
    expect(['', '.5', '5.', '1e-7', '-1', '007', '1234567890123456'].map(roundTripDigits)).toEqual([
      -1, -1, -1, -1, -1, -1, -1,
    ]);
  });
});
