import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { configError, issueAt, useConfigDirectory } from './testing/load-config-fixtures';

/** loadConfig: foreign positions and the execution safety settings. */

const { writeFile } = useConfigDirectory();

describe('account safety: foreign positions and execution safety settings', () => {
  it('defaults to adopting foreign positions, one-candle signals, 0.5 % entry deviation, 25 % overrun, 60 s sweeps', () => {
    const config = loadConfig({ env: {} });
    expect(config.positions).toEqual({ foreignPolicy: 'adopt' });
    expect(config.execution).toMatchObject({
      signalExpiryCandles: 1,
      maxEntryDeviationPct: 0.005,
      riskOverrunTolerancePct: 0.25,
      accountSweepMs: 60_000,
    });
    expect(Object.isFrozen(config.positions)).toBe(true);
  });

  it.each(['adopt', 'flatten', 'ignore-symbol'])('reads BOT_FOREIGN_POSITIONS=%s', (policy) => {
    expect(loadConfig({ env: { BOT_FOREIGN_POSITIONS: policy } }).positions.foreignPolicy).toBe(policy);
  });

  it('reads the execution safety settings from the environment', () => {
    const config = loadConfig({
      env: {
        BOT_SIGNAL_EXPIRY_CANDLES: '3',
        BOT_MAX_ENTRY_DEVIATION_PCT: '0.01',
        BOT_RISK_OVERRUN_TOLERANCE_PCT: '0',
        BOT_ACCOUNT_SWEEP_MS: '15000',
      },
    });
    expect(config.execution).toMatchObject({
      signalExpiryCandles: 3,
      maxEntryDeviationPct: 0.01,
      riskOverrunTolerancePct: 0,
      accountSweepMs: 15_000,
    });
    // The other execution settings keep their defaults.
    expect(config.execution.maxRetries).toBe(3);
  });

  it('accepts the bounds of each range', () => {
    for (const env of [
      { BOT_SIGNAL_EXPIRY_CANDLES: '1', BOT_MAX_ENTRY_DEVIATION_PCT: '0.1' },
      { BOT_SIGNAL_EXPIRY_CANDLES: '100', BOT_MAX_ENTRY_DEVIATION_PCT: '1e-6' },
      { BOT_RISK_OVERRUN_TOLERANCE_PCT: '1', BOT_ACCOUNT_SWEEP_MS: '1000' },
      { BOT_RISK_OVERRUN_TOLERANCE_PCT: '0.0', BOT_ACCOUNT_SWEEP_MS: '3600000' },
    ]) {
      expect(() => loadConfig({ env })).not.toThrow();
    }
  });

  it.each([
    ['BOT_FOREIGN_POSITIONS', 'close', 'positions.foreignPolicy', 'one of adopt, flatten, ignore-symbol'],
    ['BOT_FOREIGN_POSITIONS', 'Adopt', 'positions.foreignPolicy', 'one of adopt, flatten, ignore-symbol'],
    ['BOT_FOREIGN_POSITIONS', 'ignore', 'positions.foreignPolicy', 'one of adopt, flatten, ignore-symbol'],
    [
      'BOT_SIGNAL_EXPIRY_CANDLES',
      '0',
      'execution.signalExpiryCandles',
      'an integer number of candles from 1 to 100',
    ],
    [
      'BOT_SIGNAL_EXPIRY_CANDLES',
      '101',
      'execution.signalExpiryCandles',
      'an integer number of candles from 1 to 100',
    ],
    [
      'BOT_SIGNAL_EXPIRY_CANDLES',
      '1.5',
      'execution.signalExpiryCandles',
      'an integer number of candles from 1 to 100',
    ],
    [
      'BOT_MAX_ENTRY_DEVIATION_PCT',
      '0',
      'execution.maxEntryDeviationPct',
      'a fraction in (0, 0.1], e.g. 0.005 for 0.5 % (or 0.5% in the environment)',
    ],
    [
      'BOT_MAX_ENTRY_DEVIATION_PCT',
      '0.11',
      'execution.maxEntryDeviationPct',
      'a fraction in (0, 0.1], e.g. 0.005 for 0.5 % (or 0.5% in the environment)',
    ],
    [
      'BOT_MAX_ENTRY_DEVIATION_PCT',
      '0.5',
      'execution.maxEntryDeviationPct',
      'a fraction in (0, 0.1], e.g. 0.005 for 0.5 % (or 0.5% in the environment)',
    ],
    [
      'BOT_RISK_OVERRUN_TOLERANCE_PCT',
      '-0.01',
      'execution.riskOverrunTolerancePct',
      'a fraction in [0, 1], e.g. 0.25 for 25 % (or 25% in the environment)',
    ],
    [
      'BOT_RISK_OVERRUN_TOLERANCE_PCT',
      '25',
      'execution.riskOverrunTolerancePct',
      'a fraction in [0, 1], e.g. 0.25 for 25 % (or 25% in the environment)',
    ],
    [
      'BOT_ACCOUNT_SWEEP_MS',
      '999',
      'execution.accountSweepMs',
      'an integer number of milliseconds from 1000 to 3600000',
    ],
    [
      'BOT_ACCOUNT_SWEEP_MS',
      '3600001',
      'execution.accountSweepMs',
      'an integer number of milliseconds from 1000 to 3600000',
    ],
    [
      'BOT_ACCOUNT_SWEEP_MS',
      '60000.5',
      'execution.accountSweepMs',
      'an integer number of milliseconds from 1000 to 3600000',
    ],
  ])('refuses %s=%s, naming %s and the accepted range', (name, text, path, expected) => {
    const error = configError({ env: { [name]: text } });
    expect(error.issues).toHaveLength(1);
    expect(issueAt(error, path)).toEqual({ path, value: text, expected, source: 'env', origin: name });
    expect(error.message).toContain(`${path} = "${text}" (env ${name}): expected ${expected}`);
  });

  it.each([
    ['BOT_MAX_ENTRY_DEVIATION_PCT', '11%', 'execution.maxEntryDeviationPct'],
    ['BOT_RISK_OVERRUN_TOLERANCE_PCT', '101%', 'execution.riskOverrunTolerancePct'],
    ['BOT_ACCOUNT_SWEEP_MS', '60s', 'execution.accountSweepMs'],
    ['BOT_SIGNAL_EXPIRY_CANDLES', 'NaN', 'execution.signalExpiryCandles'],
    ['BOT_SIGNAL_EXPIRY_CANDLES', '', 'execution.signalExpiryCandles'],
    ['BOT_FOREIGN_POSITIONS', '', 'positions.foreignPolicy'],
  ])('refuses %s=%j instead of defaulting', (name, text, path) => {
    expect(issueAt(configError({ env: { [name]: text } }), path)).toMatchObject({
      value: text,
      origin: name,
    });
  });

  it('reads the settings from the file and the overrides, field by field, and refuses them out of range there', () => {
    const configFile = writeFile('bot.json', {
      execution: { signalExpiryCandles: 2, accountSweepMs: 30_000 },
      positions: { foreignPolicy: 'flatten' },
    });
    const config = loadConfig({
      env: { BOT_ACCOUNT_SWEEP_MS: '20000' },
      configFile,
      overrides: {
        execution: { maxEntryDeviationPct: 0.002 },
        positions: { foreignPolicy: 'ignore-symbol' },
      },
    });
    expect(config.execution).toMatchObject({
      signalExpiryCandles: 2,
      maxEntryDeviationPct: 0.002,
      riskOverrunTolerancePct: 0.25,
      accountSweepMs: 20_000,
    });
    expect(config.positions.foreignPolicy).toBe('ignore-symbol');

    const badFile = writeFile('bad.json', {
      execution: { signalExpiryCandles: 0, riskOverrunTolerancePct: 1.5, accountSweepMs: '60000' },
      positions: { foreignPolicy: 'ADOPT', foreignPolicyy: 'adopt' },
    });
    const error = configError({
      env: {},
      configFile: badFile,
      overrides: { execution: { maxEntryDeviationPct: 0.2 } },
    });
    expect(issueAt(error, 'execution.signalExpiryCandles')).toMatchObject({ value: 0, source: 'file' });
    expect(issueAt(error, 'execution.riskOverrunTolerancePct').expected).toContain('[0, 1]');
    expect(issueAt(error, 'execution.accountSweepMs').value).toBe('60000');
    expect(issueAt(error, 'positions.foreignPolicy').expected).toBe('one of adopt, flatten, ignore-symbol');
    expect(issueAt(error, 'positions.foreignPolicyy').expected).toContain('did you mean foreignPolicy?');
    expect(issueAt(error, 'execution.maxEntryDeviationPct')).toMatchObject({
      value: 0.2,
      source: 'override',
      origin: 'overrides',
    });
    expect(error.issues).toHaveLength(6);
  });

  it('suggests the new keys for typos', () => {
    const error = configError({
      env: { BOT_FOREIGN_POSITION: 'adopt', BOT_SIGNAL_EXPIRY: '2' },
      overrides: { posiitons: {}, execution: { acountSweepMs: 1000 } } as never,
    });
    expect(error.issues.find((issue) => issue.origin === 'BOT_FOREIGN_POSITION')?.expected).toContain(
      'did you mean BOT_FOREIGN_POSITIONS?',
    );
    expect(error.issues.find((issue) => issue.origin === 'BOT_SIGNAL_EXPIRY')?.expected).toContain(
      'did you mean BOT_SIGNAL_EXPIRY_CANDLES?',
    );
    expect(issueAt(error, 'posiitons').expected).toContain('did you mean positions?');
    expect(issueAt(error, 'execution.acountSweepMs').expected).toContain('did you mean accountSweepMs?');
  });
});
