import { describe, expect, it } from 'vitest';
import { barCells, formatDuration } from './progress-bar';

describe('the progress bar', () => {
  it('fills its cells with the share done, within 0…1', () => {
    expect(barCells(0.5, 4)).toBe('██··');
    expect(barCells(1.7, 4)).toBe('████');
    expect(barCells(-1, 4)).toBe('····');
  });

  it('says the time left in seconds, minutes or hours', () => {
    expect(formatDuration(59.4)).toBe('59 s');
    expect(formatDuration(90)).toBe('1 min 30 s');
    expect(formatDuration(3 * 3600 + 5 * 60 + 9)).toBe('3 h 05 min');
  });
});
