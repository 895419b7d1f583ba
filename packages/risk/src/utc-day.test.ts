import { describe, expect, it } from 'vitest';

import { DAY_MILLISECONDS, parseUtcDay, utcDayOf, utcDayText } from './utc-day';

describe('UTC days', () => {
  it('changes day exactly at 00:00:00.000 UTC', () => {
    const midnight = Date.parse('2024-05-02T00:00:00.000Z');
    expect(utcDayText(utcDayOf(midnight - 1))).toBe('2024-05-01');
    expect(utcDayText(utcDayOf(midnight))).toBe('2024-05-02');
    expect(utcDayOf(midnight) - utcDayOf(midnight - 1)).toBe(1);
    expect(DAY_MILLISECONDS).toBe(24 * 60 * 60 * 1000);
  });

  it('parses only real calendar dates', () => {
    expect(parseUtcDay('2024-02-29')).toBe(utcDayOf(Date.parse('2024-02-29T12:00:00Z')));
    for (const text of ['2023-02-29', '2024-13-01', '2024-5-1', '24-05-01', '2024-05-01T00:00:00Z', '']) {
      expect(parseUtcDay(text)).toBeUndefined();
    }
  });
});
