import { describe, expect, it } from 'vitest';

import { RiskInputError, describeValue, isRiskInputError, riskInputErrorCodes } from './risk-input-error';

describe('RiskInputError', () => {
  it('is an Error with a stable code, the offending value and an optional cause', () => {
    const cause = new Error('inner');
    const error = new RiskInputError('INVALID_EQUITY', 'Invalid equity NaN.', Number.NaN, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RiskInputError');
    expect(error.code).toBe('INVALID_EQUITY');
    expect(error.value).toBeNaN();
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('RiskInputError: Invalid equity NaN.');
  });

  it('is recognised by isRiskInputError, also from another copy of the package', () => {
    expect(isRiskInputError(new RiskInputError('UNKNOWN_TIER', 'x'))).toBe(true);
    const foreign = Object.assign(new Error('x'), { name: 'RiskInputError', code: 'INVALID_SNAPSHOT' });
    expect(isRiskInputError(foreign)).toBe(true);
    expect(isRiskInputError(Object.assign(new Error('x'), { name: 'RiskInputError', code: 'NOPE' }))).toBe(
      false,
    );
    expect(isRiskInputError(new Error('x'))).toBe(false);
    expect(isRiskInputError({ name: 'RiskInputError', code: 'UNKNOWN_TIER' })).toBe(false);
  });

  it('lists every code once', () => {
    expect(new Set(riskInputErrorCodes).size).toBe(riskInputErrorCodes.length);
    expect(riskInputErrorCodes).toContain('STOP_WRONG_SIDE');
    expect(Object.isFrozen(riskInputErrorCodes)).toBe(true);
  });

  it('describes values for messages', () => {
    expect(describeValue('a'.repeat(100))).toBe(JSON.stringify(`${'a'.repeat(64)}…`));
    expect(describeValue(-0)).toBe('-0');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue({})).toBe('a value of type object');
  });
});
