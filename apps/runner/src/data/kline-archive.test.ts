import { describe, expect, it } from 'vitest';
import { volumeStepOf } from './kline-archive';

describe('volumeStepOf', () => {
  it('is the finest grid the volumes need, trailing zeros aside', () => {
    expect(volumeStepOf(['1.2300', '5', '0.001', '10.0'])).toBe('0.001');
    expect(volumeStepOf(['12', '3.0', '7.000'])).toBe('1');
    expect(volumeStepOf(['0.10', '2.5'])).toBe('0.1');
    expect(volumeStepOf(['100'], 2)).toBe('0.01');
    expect(volumeStepOf([])).toBe('1');
  });
});
