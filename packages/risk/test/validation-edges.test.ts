/**
 * The input checks at their edges: the first and last accepted time, a fee rate at its maximum, a number
 * given as a string, long or unusual values in messages, a symbol in either notation, and telling a
 * RiskInputError from an error that only looks like one.
 */
import { createInstrument } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { RiskGuard } from '../src/risk-guard';
import type { CanOpenInput } from '../src/risk-guard-types';
import { RiskInputError, isRiskInputError } from '../src/risk-input-error';
import { stopFromAtr } from '../src/stop-and-target';
import { LARGEST_FEE_RATE, LARGEST_SLIPPAGE_PCT, sizePosition } from '../src/size-position';
import type { SizePositionInput } from '../src/size-position';
import { earliestTime, latestTime } from '../src/validation';

const BTC = 'BTC/USDC:USDC';

function openInput(now: number, change: Partial<CanOpenInput> = {}): CanOpenInput {
  return { symbol: BTC, side: 'long', now, equity: 10_000, openPositions: [], ...change };
}

const sizing = (change: Record<string, unknown>) =>
  sizePosition({
    side: 'long',
    equity: 10_000,
    riskPct: 0.005,
    entry: 60_000,
    stop: 59_400,
    instrument: createInstrument({ symbol: BTC, tickSize: '0.1', stepSize: '0.001' }),
    leverage: 5,
    feeRate: 0.0004,
    slippagePct: 0.0005,
    ...change,
  } as SizePositionInput);

describe('times', () => {
  it('accepts 2000-01-01T00:00:00Z exactly and refuses 2100-01-01T00:00:00Z', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    expect(guard.canOpen(openInput(earliestTime)).allowed).toBe(true);
    expect(() => guard.canOpen(openInput(earliestTime - 1))).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME' }),
    );
    expect(() => new RiskGuard({ tier: 'standard' }).canOpen(openInput(latestTime))).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME', value: latestTime }),
    );
    expect(new RiskGuard({ tier: 'standard' }).canOpen(openInput(latestTime - 1)).allowed).toBe(true);
  });
});

describe('fractions and numbers', () => {
  it('accepts a fee rate and a slippage at their maximum, and refuses them as strings', () => {
    expect(sizing({ feeRate: LARGEST_FEE_RATE, slippagePct: LARGEST_SLIPPAGE_PCT }).allowed).toBeDefined();
    expect(() => sizing({ feeRate: '0.0004' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_FEE_RATE',
        message: expect.stringContaining('Invalid feeRate "0.0004"'),
      }),
    );
    expect(() => sizing({ slippagePct: '0' })).toThrow(expect.objectContaining({ code: 'INVALID_SLIPPAGE' }));
    expect(() => sizing({ maxNotional: '5000' })).toThrow(
      expect.objectContaining({ code: 'INVALID_MAX_NOTIONAL' }),
    );
  });

  it('shows a bigint as its digits and a long string shortened to 64 characters', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    expect(() => guard.canOpen(openInput(earliestTime, { equity: 10n as never }))).toThrow(
      'Invalid equity 10: expected a finite number > 0 and at most 1e15.',
    );
    const exactly64 = 'x'.repeat(64);
    expect(() => guard.canOpen(openInput(earliestTime, { side: exactly64 as never }))).toThrow(
      `Invalid side "${exactly64}": expected 'long' or 'short'.`,
    );
    expect(() => guard.canOpen(openInput(earliestTime, { side: `${exactly64}y` as never }))).toThrow(
      `Invalid side "${exactly64}…": expected 'long' or 'short'.`,
    );
    expect(() => guard.canOpen(openInput(earliestTime, { side: -0 as never }))).toThrow(
      "Invalid side -0: expected 'long' or 'short'.",
    );
  });
});

describe('symbols in either notation', () => {
  it.each([
    ['BTC/USDC:USDC', 'BTCUSDC'],
    ['BTC/USDC', 'BTCUSDC'],
    ['BTC/USDC', 'BTC/USDC:USDC'],
  ])('%s and %s are the same market', (open, asked) => {
    const guard = new RiskGuard({ tier: 'standard' });
    const decision = guard.canOpen(
      openInput(earliestTime, { symbol: asked, openPositions: [{ symbol: open, side: 'long' }] }),
    );
    expect(decision).toMatchObject({ allowed: false, code: 'SYMBOL_ALREADY_OPEN' });
  });

  it('BTC/USDC and ETHUSDC, or BTCUSDC and BTCUSDT, are not', () => {
    const guard = new RiskGuard({ tier: 'standard' });
    expect(
      guard.canOpen(
        openInput(earliestTime, { symbol: 'ETHUSDC', openPositions: [{ symbol: 'BTC/USDC', side: 'long' }] }),
      ).allowed,
    ).toBe(true);
    expect(
      guard.canOpen(
        openInput(earliestTime, { symbol: 'BTCUSDT', openPositions: [{ symbol: 'BTCUSDC', side: 'long' }] }),
      ).allowed,
    ).toBe(true);
  });
});

describe('isRiskInputError', () => {
  it('is true for a RiskInputError, also one from another copy of the package (same name and code)', () => {
    expect(isRiskInputError(new RiskInputError('INVALID_SIDE', 'x'))).toBe(true);
    const copy = Object.assign(new Error('x'), { name: 'RiskInputError', code: 'INVALID_SIDE' });
    expect(isRiskInputError(copy)).toBe(true);
  });

  it('is false for an error of another name, an unknown code, or no error at all', () => {
    expect(isRiskInputError(Object.assign(new Error('x'), { code: 'INVALID_SIDE' }))).toBe(false);
    expect(isRiskInputError(Object.assign(new Error('x'), { name: 'RiskInputError', code: 'NOPE' }))).toBe(
      false,
    );
    expect(isRiskInputError(Object.assign(new Error('x'), { name: 'RiskInputError', code: 7 }))).toBe(false);
    expect(isRiskInputError({ name: 'RiskInputError', code: 'INVALID_SIDE' })).toBe(false);
  });
});

describe('a tick rule that is not one', () => {
  it.each([
    ['abc', '"abc"', `Invalid tick size "abc": expected a decimal string such as '61000.5' or '1e-7'.`],
    [null, 'null', 'Invalid tick size null: expected a number, a decimal string or a Decimal.'],
    [{ tickSize: '0' }, '"0"', 'Invalid tick size "0": expected a value > 0.'],
  ])(
    '%j is refused as INVALID_INSTRUMENT naming the tick size, with the cause',
    (instrument, shownTick, why) => {
      let caught: unknown;
      try {
        stopFromAtr({ side: 'long', entry: 100, atr: 1, multiplier: 1, instrument: instrument as never });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({
        code: 'INVALID_INSTRUMENT',
        message: `Invalid instrument tick size ${shownTick}: ${why}`,
        value: instrument,
      });
      expect((caught as Error).cause).toMatchObject({ name: 'SymbolError' });
    },
  );
});
