import { describe, expect, it } from 'vitest';
import { ConfigError, isConfigError } from './config-error';
import { loadConfig } from './load-config';
import { configError, issueAt, OPERATOR_TOKEN } from './testing/load-config-fixtures';

/** loadConfig on bad input: every invalid field reported at once, clearly, and ConfigError itself. */

describe('bad input', () => {
  it('reports every invalid field at once', () => {
    const error = configError({
      env: {
        RISK_PER_TRADE_PCT: '0.5',
        WORKING_TYPE: 'MARK',
        LEVERAGE_DEFAULT: 'abc',
        MAX_CONCURRENT_POSITIONS: '0',
        TP_ORDER_STYLE: 'stop',
        BOT_SYMBOLS: 'BTC,,ETH',
      },
    });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues.map((issue) => [issue.path, issue.value, issue.origin])).toEqual(
      expect.arrayContaining([
        ['risk.riskPerTradePct', '0.5', 'RISK_PER_TRADE_PCT'],
        ['orders.workingType', 'MARK', 'WORKING_TYPE'],
        ['risk.leverageDefault', 'abc', 'LEVERAGE_DEFAULT'],
        ['risk.maxConcurrentPositions', '0', 'MAX_CONCURRENT_POSITIONS'],
        ['orders.tpOrderStyle', 'stop', 'TP_ORDER_STYLE'],
        ['symbols', 'BTC,,ETH', 'BOT_SYMBOLS'],
      ]),
    );
    expect(error.issues).toHaveLength(6);
    expect(error.message).toContain('6 problems');
    for (const issue of error.issues) expect(error.message).toContain(issue.path);
  });

  it('explains that percentages are fractions', () => {
    const issue = issueAt(configError({ env: { RISK_PER_TRADE_PCT: '0.5' } }), 'risk.riskPerTradePct');
    expect(issue.expected).toBe('a fraction in (0, 0.05], e.g. 0.01 for 1 % (or 1% in the environment)');
    const percent = issueAt(configError({ env: { RISK_PER_TRADE_PCT: '6%' } }), 'risk.riskPerTradePct');
    expect(percent.expected).toContain('e.g. 0.01 for 1 %');
  });

  it.each([
    ['RISK_PER_TRADE_PCT', '0.5%', ['risk', 'riskPerTradePct'], 0.005],
    ['RISK_PER_TRADE_PCT', '0.7%', ['risk', 'riskPerTradePct'], 0.007],
    ['DAILY_DRAWDOWN_PCT', '2%', ['risk', 'dailyDrawdownPct'], 0.02],
    ['BOT_MAX_ENTRY_DEVIATION_PCT', '0.5%', ['execution', 'maxEntryDeviationPct'], 0.005],
    ['BOT_RISK_OVERRUN_TOLERANCE_PCT', '25%', ['execution', 'riskOverrunTolerancePct'], 0.25],
  ] as const)('reads %s=%j in the environment as a percentage', (name, text, [group, key], fraction) => {
    const config = loadConfig({ env: { [name]: text } }) as unknown as Record<string, Record<string, number>>;
    expect(config[group]?.[key]).toBe(fraction);
  });

  it.each(['%', '1%%', '%1', '1 %5', 'x%'])('refuses the malformed percentage %j', (text) => {
    const issue = issueAt(configError({ env: { RISK_PER_TRADE_PCT: text } }), 'risk.riskPerTradePct');
    expect(issue.expected).toContain('as a plain decimal number or a percentage');
  });

  it('takes a percent sign only where the value is a fraction', () => {
    expect(() => loadConfig({ env: { LEVERAGE_DEFAULT: '3%' } })).toThrow(ConfigError);
  });

  it.each([
    'abc',
    '12abc',
    '',
    ' ',
    ' 5',
    '5 ',
    'Infinity',
    '-Infinity',
    'NaN',
    '0x10',
    '1e400',
    '1_000',
    '1,5',
    '5x',
  ])('refuses LEVERAGE_DEFAULT=%j and never yields NaN', (text) => {
    const issue = issueAt(configError({ env: { LEVERAGE_DEFAULT: text } }), 'risk.leverageDefault');
    expect(issue).toMatchObject({ value: text, source: 'env', origin: 'LEVERAGE_DEFAULT' });
    expect(issue.expected).toContain('an integer from 1 to 125');
  });

  it.each([
    ['LEVERAGE_DEFAULT', '0', 'risk.leverageDefault'],
    ['LEVERAGE_DEFAULT', '126', 'risk.leverageDefault'],
    ['LEVERAGE_DEFAULT', '2.5', 'risk.leverageDefault'],
    ['RISK_PER_TRADE_PCT', '0', 'risk.riskPerTradePct'],
    ['RISK_PER_TRADE_PCT', '-0.01', 'risk.riskPerTradePct'],
    ['RISK_PER_TRADE_PCT', '0.051', 'risk.riskPerTradePct'],
    ['DAILY_DRAWDOWN_PCT', '0', 'risk.dailyDrawdownPct'],
    ['DAILY_DRAWDOWN_PCT', '0.6', 'risk.dailyDrawdownPct'],
    ['DAILY_DRAWDOWN_PCT', '5', 'risk.dailyDrawdownPct'],
    ['MAX_CONCURRENT_POSITIONS', '0', 'risk.maxConcurrentPositions'],
    ['MAX_CONCURRENT_POSITIONS', '1.5', 'risk.maxConcurrentPositions'],
    ['MAX_SL_STREAK', '0', 'risk.maxSlStreak'],
    ['MAX_SL_STREAK', '-1', 'risk.maxSlStreak'],
    ['BOT_MAX_RETRIES', '11', 'execution.maxRetries'],
    ['BOT_RECV_WINDOW_MS', '60001', 'execution.recvWindowMs'],
  ])('refuses %s=%s as out of range', (name, text, path) => {
    const issue = issueAt(configError({ env: { [name]: text } }), path);
    expect(issue).toMatchObject({ value: text, origin: name });
  });

  it('accepts plain decimal forms of numbers', () => {
    const config = loadConfig({
      env: {
        LEVERAGE_DEFAULT: '5.0',
        RISK_PER_TRADE_PCT: '5e-3',
        DAILY_DRAWDOWN_PCT: '.02',
        MAX_SL_STREAK: '+3',
      },
    });
    expect(config.risk).toMatchObject({
      leverageDefault: 5,
      riskPerTradePct: 0.005,
      dailyDrawdownPct: 0.02,
      maxSlStreak: 3,
    });
  });

  it.each(['mark_price', 'MARK', 'LAST_PRICE', ' MARK_PRICE'])(
    'refuses WORKING_TYPE=%j instead of defaulting',
    (text) => {
      const issue = issueAt(configError({ env: { WORKING_TYPE: text } }), 'orders.workingType');
      expect(issue.expected).toBe('one of MARK_PRICE, CONTRACT_PRICE');
    },
  );

  it('reads env booleans as true/false/1/0 in any case and nothing else', () => {
    expect(loadConfig({ env: { BOT_RECORD_RATIONALE: 'FALSE' } }).compliance.recordRationale).toBe(false);
    expect(loadConfig({ env: { BOT_RECORD_RATIONALE: '0' } }).compliance.recordRationale).toBe(false);
    expect(loadConfig({ env: { BOT_RECORD_RATIONALE: 'True' } }).compliance.recordRationale).toBe(true);
    const issue = issueAt(
      configError({ env: { BOT_RECORD_RATIONALE: 'yes' } }),
      'compliance.recordRationale',
    );
    expect(issue.expected).toBe('true, false, 1 or 0 (any case)');
  });

  it('ignores environment variables that are not ours', () => {
    const config = loadConfig({
      env: {
        PATH: '/usr/bin',
        HOME: '/root',
        AWS_SECRET_ACCESS_KEY: 'x',
        npm_config_user_agent: 'pnpm',
        BOTANY: '1',
      },
    });
    expect(config.mode).toBe('paper');
  });

  it('refuses an unknown BOT_* variable, suggests the closest name, and hides its value', () => {
    const error = configError({ env: { BOT_TEIR: 'standard', BOT_API_SECRETT: 'hunter2hunter2hunter2' } });
    expect(error.issues).toHaveLength(2);
    expect(error.issues.find((issue) => issue.origin === 'BOT_TEIR')?.expected).toContain(
      'did you mean BOT_TIER?',
    );
    expect(error.issues.every((issue) => issue.value === '[redacted]' && issue.path === '')).toBe(true);
    expect(error.message).not.toContain('hunter2');
  });

  it('ignores variables whose value is undefined', () => {
    expect(
      loadConfig({ env: { LEVERAGE_DEFAULT: undefined, BOT_NOPE: undefined } }).risk.leverageDefault,
    ).toBe(3);
  });

  it.each([
    ['btc', 'symbols.0'],
    ['BTCUSDC', 'symbols.0'],
    ['BTC/USDC', 'symbols.0'],
    ['BTC-USDC', 'symbols.0'],
    ['BTC,', 'symbols'],
    ['', 'symbols'],
  ])('refuses BOT_SYMBOLS=%j', (text, path) => {
    expect(issueAt(configError({ env: { BOT_SYMBOLS: text } }), path).origin).toBe('BOT_SYMBOLS');
  });

  it('normalises base coins, trims list items, and refuses duplicates and foreign quotes', () => {
    expect(loadConfig({ env: { BOT_SYMBOLS: 'BTC, 1000PEPE ,SOL/USDC:USDC' } }).symbols).toEqual([
      'BTC/USDC:USDC',
      '1000PEPE/USDC:USDC',
      'SOL/USDC:USDC',
    ]);
    const error = configError({ env: { BOT_SYMBOLS: 'BTC,BTC/USDC:USDC,ETH/USDT:USDT,USDC' } });
    expect(issueAt(error, 'symbols.1').expected).toContain('each symbol once');
    expect(issueAt(error, 'symbols.2').expected).toContain('quoted and settled in USDC');
    expect(issueAt(error, 'symbols.3').value).toBe('USDC/USDC:USDC');
  });

  it.each(['localhost', '127.0.0.1:0', '127.0.0.1:65536', '999.1.1.1:80', 'http://127.0.0.1:80', '[::1:80'])(
    'refuses BOT_OPERATOR_BIND=%j',
    (text) => {
      expect(issueAt(configError({ env: { BOT_OPERATOR_BIND: text } }), 'operator.bind').value).toBe(text);
    },
  );

  it('accepts loopback binds without a token and requires one beyond loopback', () => {
    for (const bind of ['localhost:9000', '127.0.0.2:80', '[::1]:8787']) {
      expect(loadConfig({ env: { BOT_OPERATOR_BIND: bind } }).operator.bind).toBe(bind);
    }
    const issue = issueAt(configError({ env: { BOT_OPERATOR_BIND: '0.0.0.0:8787' } }), 'operator.token');
    expect(issue).toMatchObject({ value: undefined, source: 'env' });
    expect(issue.expected).toContain('beyond loopback');
    const config = loadConfig({
      env: { BOT_OPERATOR_BIND: '0.0.0.0:8787', BOT_OPERATOR_TOKEN: OPERATOR_TOKEN },
    });
    expect(config.operator.token?.reveal()).toBe(OPERATOR_TOKEN);
  });

  it('refuses a backoff maximum below its base', () => {
    const error = configError({ env: { BOT_BACKOFF_BASE_MS: '2000', BOT_BACKOFF_MAX_MS: '1000' } });
    expect(issueAt(error, 'execution.backoffMaxMs').expected).toContain('2000');
  });

  it('refuses a non-object overrides value and unknown override keys', () => {
    expect(issueAt(configError({ env: {}, overrides: 'live' as never }), '').source).toBe('override');
    const error = configError({ env: {}, overrides: { mood: 'live', risk: { levrage: 2 } } as never });
    expect(issueAt(error, 'mood').expected).toContain('did you mean mode?');
    expect(issueAt(error, 'risk.levrage').expected).toContain('did you mean leverageDefault?');
  });

  it('throws a TypeError (a programming error, not a config error) without an env', () => {
    expect(() => loadConfig(undefined as never)).toThrow(TypeError);
    expect(() => loadConfig({} as never)).toThrow(TypeError);
  });
});

describe('ConfigError', () => {
  it('is recognised across package copies by isConfigError', () => {
    const error = configError({ env: { BOT_MODE: 'x' } });
    expect(isConfigError(error)).toBe(true);
    expect(isConfigError({ name: 'ConfigError', code: 'CONFIG_INVALID', issues: [] })).toBe(true);
    expect(isConfigError(new Error('x'))).toBe(false);
    expect(isConfigError(null)).toBe(false);
    expect(error.name).toBe('ConfigError');
    expect(error).toBeInstanceOf(Error);
  });

  it('serialises with its code and issues', () => {
    const error = configError({ env: { BOT_MODE: 'x' } });
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    expect(json).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID' });
    expect(json['issues']).toEqual([
      {
        path: 'mode',
        value: 'x',
        expected: 'one of paper, testnet, live',
        source: 'env',
        origin: 'BOT_MODE',
      },
    ]);
  });
});

describe('values of the wrong type from a JavaScript caller', () => {
  it('become config errors, not crashes', () => {
    const env = { LEVERAGE_DEFAULT: 5, BOT_API_SECRET_FILE: 42, BOT_API_KEY: {} } as never;
    const error = configError({ env });
    expect(error.issues.map((issue) => issue.origin).sort()).toEqual([
      'BOT_API_KEY',
      'BOT_API_SECRET_FILE',
      'LEVERAGE_DEFAULT',
    ]);
  });
});
