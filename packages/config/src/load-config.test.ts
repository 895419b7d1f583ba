import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, isConfigError } from './config-error';
import type { ConfigIssue } from './config-error';
import { loadConfig } from './load-config';
import type { LoadConfigOptions } from './load-config';
import { LIVE_CONFIRMATION } from './schema';
import { TIER_PRESETS, TIERS } from './tiers';

const API_KEY = 'apikey0123456789ABCDEFabcdef0123456789';
const API_SECRET = 'apisecret0123456789ABCDEFabcdef01234567';
const OPERATOR_TOKEN = 'operatortoken0123456789abcdef0123456789';
const KEYS = { BOT_API_KEY: API_KEY, BOT_API_SECRET: API_SECRET };
const LIVE = {
  BOT_MODE: 'live',
  BOT_LIVE_CONFIRM: LIVE_CONFIRMATION,
  ...KEYS,
  BOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
};

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'bot-config-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writeFile(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function configError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

function issueAt(error: ConfigError, path: string): ConfigIssue {
  const issue = error.issues.find((candidate) => candidate.path === path);
  if (issue === undefined) {
    throw new Error(`no issue at ${path}; issues: ${JSON.stringify(error.issues, null, 2)}`);
  }
  return issue;
}

describe('stage B: the resolved quote coin', () => {
  it('is USDT on testnet when QUOTE_COIN is unset', () => {
    const config = loadConfig({ env: { TESTNET: 'true', ...KEYS } });
    expect(config.mode).toBe('testnet');
    expect(config.testnet).toBe(true);
    expect(config.quoteCoin).toBe('USDT');
    expect(config.settleCoin).toBe('USDT');
    expect(config.symbols).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
  });

  it('is USDC in production (live) when QUOTE_COIN is unset', () => {
    const config = loadConfig({ env: LIVE });
    expect(config.mode).toBe('live');
    expect(config.testnet).toBe(false);
    expect(config.quoteCoin).toBe('USDC');
    expect(config.settleCoin).toBe('USDC');
    expect(config.symbols).toEqual(['BTC/USDC:USDC', 'ETH/USDC:USDC']);
  });

  it('is USDC in paper mode, the default', () => {
    const config = loadConfig({ env: {} });
    expect(config.mode).toBe('paper');
    expect(config.quoteCoin).toBe('USDC');
  });

  it('follows an explicit QUOTE_COIN in any mode', () => {
    expect(loadConfig({ env: { TESTNET: 'true', QUOTE_COIN: 'USDC', ...KEYS } }).quoteCoin).toBe('USDC');
    expect(loadConfig({ env: { ...LIVE, QUOTE_COIN: 'USDT' } }).settleCoin).toBe('USDT');
  });

  it('refuses a settle coin that differs from the quote coin', () => {
    const error = configError({ env: { QUOTE_COIN: 'USDC', SETTLE_COIN: 'USDT' } });
    const issue = issueAt(error, 'settleCoin');
    expect(issue).toMatchObject({ value: 'USDT', source: 'env', origin: 'SETTLE_COIN' });
    expect(issue.expected).toContain('USDC');
    expect(loadConfig({ env: { SETTLE_COIN: 'USDC' } }).settleCoin).toBe('USDC');
  });

  it('refuses an unknown or lowercase coin', () => {
    expect(issueAt(configError({ env: { QUOTE_COIN: 'usdc' } }), 'quoteCoin').value).toBe('usdc');
    expect(issueAt(configError({ env: { QUOTE_COIN: 'BUSD' } }), 'quoteCoin').expected).toContain(
      'USDT or USDC',
    );
  });
});

describe('mode and testnet', () => {
  it.each([
    [{}, 'paper'],
    [{ TESTNET: 'false' }, 'paper'],
    [{ TESTNET: '0' }, 'paper'],
    [{ TESTNET: 'true', ...KEYS }, 'testnet'],
    [{ TESTNET: 'TRUE', ...KEYS }, 'testnet'],
    [{ TESTNET: '1', ...KEYS }, 'testnet'],
    [{ BOT_MODE: 'testnet', ...KEYS }, 'testnet'],
    [{ BOT_MODE: 'testnet', TESTNET: 'True', ...KEYS }, 'testnet'],
    [{ BOT_MODE: 'paper', TESTNET: 'false' }, 'paper'],
    [{ ...LIVE, TESTNET: 'false' }, 'live'],
  ])('%j gives mode %s', (env, mode) => {
    const config = loadConfig({ env });
    expect(config.mode).toBe(mode);
    expect(config.testnet).toBe(mode === 'testnet');
  });

  it.each([
    [{ ...LIVE, TESTNET: 'true' }, 'live'],
    [{ BOT_MODE: 'paper', TESTNET: '1' }, 'paper'],
    [{ BOT_MODE: 'testnet', TESTNET: 'false', ...KEYS }, 'testnet'],
  ])('refuses the contradiction %j', (env, mode) => {
    const issue = issueAt(configError({ env }), 'testnet');
    expect(issue.source).toBe('env');
    expect(issue.origin).toBe('TESTNET');
    expect(issue.expected).toContain(`mode is ${mode}`);
    expect(issue.expected).toContain('BOT_MODE');
  });

  it('refuses a contradiction across layers (file says live, env says TESTNET=true)', () => {
    const file = writeFile('bot.json', { mode: 'live' });
    const issue = issueAt(configError({ env: { TESTNET: 'true', ...KEYS }, configFile: file }), 'testnet');
    expect(issue.expected).toContain(file);
  });

  it.each(['yes', 'on', 'no', 'True ', '2', ''])('refuses TESTNET=%j', (text) => {
    expect(issueAt(configError({ env: { TESTNET: text } }), 'testnet').value).toBe(text);
  });

  it.each(['LIVE', 'prod', 'demo', ''])('refuses BOT_MODE=%j rather than defaulting', (text) => {
    const issue = issueAt(configError({ env: { BOT_MODE: text } }), 'mode');
    expect(issue).toMatchObject({ value: text, origin: 'BOT_MODE' });
    if (text !== '') expect(issue.expected).toBe('one of paper, testnet, live');
  });
});

describe('layering: defaults < file < env < overrides', () => {
  const file = {
    strategy: { tier: 'aggressive', timeframe: '1h' },
    orders: { workingType: 'CONTRACT_PRICE', tpOrderStyle: 'market' },
    risk: { leverageDefault: 4 },
    symbols: ['SOL'],
    compliance: { auditPath: '/from/file.jsonl' },
  };
  const env = {
    BOT_TIER: 'standard',
    BOT_TIMEFRAME: '4h',
    WORKING_TYPE: 'MARK_PRICE',
    LEVERAGE_DEFAULT: '6',
    BOT_SYMBOLS: 'ETH',
    BOT_AUDIT_PATH: '/from/env.jsonl',
  };
  const overrides = {
    strategy: { tier: 'aggressive', timeframe: '1d' },
    orders: { workingType: 'CONTRACT_PRICE' },
    risk: { leverageDefault: 12 },
    symbols: ['XRP'],
    compliance: { auditPath: '/from/overrides.jsonl' },
  } as const;

  const pick = (options: LoadConfigOptions) => {
    const config = loadConfig(options);
    return {
      tier: config.strategy.tier,
      timeframe: config.strategy.timeframe,
      workingType: config.orders.workingType,
      tpOrderStyle: config.orders.tpOrderStyle,
      leverage: config.risk.leverageDefault,
      symbols: config.symbols,
      auditPath: config.compliance.auditPath,
    };
  };

  it('uses the defaults when nothing is given', () => {
    expect(pick({ env: {} })).toEqual({
      tier: 'conservative',
      timeframe: '15m',
      workingType: 'MARK_PRICE',
      tpOrderStyle: 'limit',
      leverage: 3,
      symbols: ['BTC/USDC:USDC', 'ETH/USDC:USDC'],
      auditPath: 'data/audit.jsonl',
    });
  });

  it('lets the file beat the defaults', () => {
    expect(pick({ env: {}, configFile: writeFile('bot.json', file) })).toEqual({
      tier: 'aggressive',
      timeframe: '1h',
      workingType: 'CONTRACT_PRICE',
      tpOrderStyle: 'market',
      leverage: 4,
      symbols: ['SOL/USDC:USDC'],
      auditPath: '/from/file.jsonl',
    });
  });

  it('lets the environment beat the file, field by field (siblings from the file stay)', () => {
    expect(pick({ env, configFile: writeFile('bot.json', file) })).toEqual({
      tier: 'standard',
      timeframe: '4h',
      workingType: 'MARK_PRICE',
      tpOrderStyle: 'market',
      leverage: 6,
      symbols: ['ETH/USDC:USDC'],
      auditPath: '/from/env.jsonl',
    });
  });

  it('lets the overrides beat the environment', () => {
    expect(pick({ env, configFile: writeFile('bot.json', file), overrides })).toEqual({
      tier: 'aggressive',
      timeframe: '1d',
      workingType: 'CONTRACT_PRICE',
      tpOrderStyle: 'market',
      leverage: 12,
      symbols: ['XRP/USDC:USDC'],
      auditPath: '/from/overrides.jsonl',
    });
  });

  it('lets the overrides beat the defaults and the file without env', () => {
    expect(pick({ env: {}, overrides: { orders: { tpOrderStyle: 'market' } } }).tpOrderStyle).toBe('market');
    const configFile = writeFile('bot.json', { mode: 'testnet' });
    expect(loadConfig({ env: {}, configFile, overrides: { mode: 'paper' } }).mode).toBe('paper');
  });

  it('treats undefined override values as unset', () => {
    const config = loadConfig({
      env: { WORKING_TYPE: 'CONTRACT_PRICE' },
      overrides: { mode: undefined, orders: { workingType: undefined }, strategy: undefined },
    });
    expect(config.orders.workingType).toBe('CONTRACT_PRICE');
    expect(config.mode).toBe('paper');
  });

  it('takes the file from BOT_CONFIG_FILE, and the configFile option over it', () => {
    const fromEnv = writeFile('env.json', { strategy: { timeframe: '1h' } });
    const fromOption = writeFile('option.json', { strategy: { timeframe: '4h' } });
    expect(loadConfig({ env: { BOT_CONFIG_FILE: fromEnv } }).strategy.timeframe).toBe('1h');
    expect(loadConfig({ env: { BOT_CONFIG_FILE: fromEnv }, configFile: fromOption }).strategy.timeframe).toBe(
      '4h',
    );
  });

  it('reports an invalid value in a lower layer even when a higher layer overrides it', () => {
    const configFile = writeFile('bot.json', { risk: { riskPerTradePct: 0.5 } });
    const issue = issueAt(
      configError({ env: { RISK_PER_TRADE_PCT: '0.005' }, configFile }),
      'risk.riskPerTradePct',
    );
    expect(issue).toMatchObject({ source: 'file', origin: configFile, value: 0.5 });
  });

  it('returns a deep-frozen config', () => {
    const config = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.risk)).toBe(true);
    expect(Object.isFrozen(config.symbols)).toBe(true);
  });

  it('does not modify the overrides it is given', () => {
    const given = { risk: { leverageDefault: 2, nope: 1 } };
    configError({ env: {}, overrides: given as never });
    expect(given).toEqual({ risk: { leverageDefault: 2, nope: 1 } });
  });
});

describe('tiers', () => {
  it.each(TIERS)('fills every risk limit from the %s preset', (tier) => {
    const config = loadConfig({ env: { BOT_TIER: tier } });
    expect(config.risk).toEqual(TIER_PRESETS[tier].defaults);
  });

  it('defaults to the conservative tier', () => {
    expect(loadConfig({ env: {} }).strategy.tier).toBe('conservative');
  });

  it('keeps a user value within the caps and fills the rest', () => {
    const config = loadConfig({ env: { LEVERAGE_DEFAULT: '5', RISK_PER_TRADE_PCT: '0.01' } });
    expect(config.risk).toEqual({
      ...TIER_PRESETS.conservative.defaults,
      leverageDefault: 5,
      riskPerTradePct: 0.01,
    });
  });

  it('refuses leverage beyond the tier cap, naming field, value and cap', () => {
    const error = configError({ env: { LEVERAGE_DEFAULT: '6' } });
    expect(error.issues).toHaveLength(1);
    const issue = issueAt(error, 'risk.leverageDefault');
    expect(issue).toMatchObject({ value: '6', source: 'env', origin: 'LEVERAGE_DEFAULT' });
    expect(issue.expected).toContain('at most 5');
    expect(issue.expected).toContain('conservative');
    expect(error.message).toContain('risk.leverageDefault = "6" (env LEVERAGE_DEFAULT): expected at most 5');
  });

  it('accepts the same value under a tier whose cap allows it', () => {
    expect(loadConfig({ env: { LEVERAGE_DEFAULT: '6', BOT_TIER: 'standard' } }).risk.leverageDefault).toBe(6);
  });

  it('refuses every limit beyond the caps at once, from any layer', () => {
    const configFile = writeFile('bot.json', { risk: { riskPerTradePct: 0.02, maxConcurrentPositions: 4 } });
    const error = configError({
      env: { DAILY_DRAWDOWN_PCT: '0.05', MAX_SL_STREAK: '5', BOT_COOLDOWN_AFTER_STOP_MINUTES: '10' },
      configFile,
    });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'risk.cooldownAfterStopMinutes',
      'risk.dailyDrawdownPct',
      'risk.maxConcurrentPositions',
      'risk.maxSlStreak',
      'risk.riskPerTradePct',
    ]);
    expect(issueAt(error, 'risk.riskPerTradePct')).toMatchObject({ source: 'file', origin: configFile });
    expect(issueAt(error, 'risk.riskPerTradePct').expected).toContain('0.01 (1 %)');
    expect(issueAt(error, 'risk.cooldownAfterStopMinutes').expected).toContain('at least 15');
  });

  it('applies the caps of the tier chosen in a higher layer', () => {
    const configFile = writeFile('bot.json', {
      strategy: { tier: 'aggressive' },
      risk: { leverageDefault: 15 },
    });
    expect(loadConfig({ env: {}, configFile }).risk.leverageDefault).toBe(15);
    const error = configError({ env: { BOT_TIER: 'standard' }, configFile });
    expect(issueAt(error, 'risk.leverageDefault').expected).toContain('at most 10');
  });
});

describe('strategy.minRewardRisk', () => {
  it("defaults to the plan's 1.8 and is set by BOT_MIN_REWARD_RISK or the file", () => {
    expect(loadConfig({ env: {} }).strategy.minRewardRisk).toBe(1.8);
    expect(loadConfig({ env: { BOT_MIN_REWARD_RISK: '2.5' } }).strategy.minRewardRisk).toBe(2.5);
    const configFile = writeFile('bot.json', { strategy: { minRewardRisk: 3 } });
    expect(loadConfig({ env: {}, configFile }).strategy.minRewardRisk).toBe(3);
  });

  it("stays within the tier's bounds: the stricter tier, the higher the floor; never above 10", () => {
    expect(loadConfig({ env: { BOT_MIN_REWARD_RISK: '1.5' } }).strategy.minRewardRisk).toBe(1.5);
    const low = issueAt(configError({ env: { BOT_MIN_REWARD_RISK: '1.4' } }), 'strategy.minRewardRisk');
    expect(low).toMatchObject({ value: '1.4', source: 'env', origin: 'BOT_MIN_REWARD_RISK' });
    expect(low.expected).toContain('at least 1.5');
    expect(low.expected).toContain('conservative');
    expect(
      loadConfig({ env: { BOT_TIER: 'standard', BOT_MIN_REWARD_RISK: '1.2' } }).strategy.minRewardRisk,
    ).toBe(1.2);
    expect(
      loadConfig({ env: { BOT_TIER: 'aggressive', BOT_MIN_REWARD_RISK: '1' } }).strategy.minRewardRisk,
    ).toBe(1);
    const high = configError({ env: { BOT_TIER: 'aggressive', BOT_MIN_REWARD_RISK: '10.5' } });
    expect(issueAt(high, 'strategy.minRewardRisk').expected).toContain('10');
    expect(
      issueAt(configError({ env: { BOT_MIN_REWARD_RISK: 'lots' } }), 'strategy.minRewardRisk'),
    ).toBeDefined();
  });
});

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

describe('the config file', () => {
  it('loads a complete file', () => {
    const configFile = writeFile('bot.json', {
      mode: 'paper',
      testnet: false,
      quoteCoin: 'USDC',
      settleCoin: 'USDC',
      symbols: ['BTC', 'ETH/USDC:USDC'],
      strategy: { tier: 'standard', timeframe: '5m', minRewardRisk: 2 },
      risk: {
        riskPerTradePct: 0.01,
        dailyDrawdownPct: 0.05,
        leverageDefault: 5,
        maxConcurrentPositions: 3,
        maxSlStreak: 3,
        cooldownAfterStopMinutes: 15,
      },
      orders: { workingType: 'CONTRACT_PRICE', tpOrderStyle: 'market' },
      execution: {
        maxRetries: 5,
        backoffBaseMs: 250,
        backoffMaxMs: 8000,
        requestTimeoutMs: 5000,
        recvWindowMs: 5000,
        signalExpiryCandles: 2,
        maxEntryDeviationPct: 0.003,
        riskOverrunTolerancePct: 0.1,
        accountSweepMs: 120_000,
      },
      positions: { foreignPolicy: 'flatten' },
      compliance: { auditPath: 'var/audit.jsonl', recordRationale: false },
      operator: { bind: '127.0.0.1:9999' },
    });
    const config = loadConfig({ env: {}, configFile });
    expect(config.strategy).toEqual({ tier: 'standard', timeframe: '5m', minRewardRisk: 2 });
    expect(config.execution.maxRetries).toBe(5);
    expect(config.execution).toMatchObject({
      signalExpiryCandles: 2,
      maxEntryDeviationPct: 0.003,
      riskOverrunTolerancePct: 0.1,
      accountSweepMs: 120_000,
    });
    expect(config.positions).toEqual({ foreignPolicy: 'flatten' });
    expect(config.compliance.recordRationale).toBe(false);
  });

  it('names an unknown key, at the top level and nested, with a suggestion', () => {
    const configFile = writeFile('bot.json', {
      tier: 'standard',
      risk: { riskPerTrade: 0.01 },
      orders: { x: 1 },
    });
    const error = configError({ env: {}, configFile });
    expect(error.issues).toHaveLength(3);
    expect(issueAt(error, 'tier')).toMatchObject({ source: 'file', origin: configFile });
    expect(issueAt(error, 'risk.riskPerTrade').expected).toContain('did you mean riskPerTradePct?');
    expect(issueAt(error, 'orders.x').expected).toContain('allowed: workingType, tpOrderStyle');
    expect(error.message).toContain('risk.riskPerTrade');
  });

  it('does not coerce: a number written as a string in the file is an error', () => {
    const configFile = writeFile('bot.json', {
      risk: { leverageDefault: '5' },
      testnet: 'true',
      symbols: [],
    });
    const error = configError({ env: {}, configFile });
    expect(issueAt(error, 'risk.leverageDefault').value).toBe('5');
    expect(issueAt(error, 'testnet').value).toBe('true');
    expect(issueAt(error, 'symbols').value).toEqual([]);
  });

  it('names the file and the position of a JSON syntax error, without quoting the file', () => {
    const configFile = writeFile(
      'bot.json',
      '{\n  "mode": "paper",\n  "risk": { "leverageDefault": 3, }\n}\n',
    );
    const error = configError({ env: {}, configFile });
    const issue = issueAt(error, '');
    expect(issue).toMatchObject({ source: 'file', origin: configFile });
    expect(issue.expected).toContain('line 3, column 35');
    expect(issue.expected).toContain('a double-quoted property name');
    expect(error.message).toContain(configFile);
    expect(error.message).not.toContain('leverageDefault');
  });

  it('takes compliance.allowWithdrawalKey from the file: a key of the schema is no secret, whatever its name', () => {
    const configFile = writeFile('bot.json', { compliance: { allowWithdrawalKey: true } });
    expect(loadConfig({ env: {}, configFile }).compliance.allowWithdrawalKey).toBe(true);
    const secret = writeFile('secret.json', { compliance: { withdrawalKey: 'x' } });
    expect(
      issueAt(configError({ env: {}, configFile: secret }), 'compliance.withdrawalKey').expected,
    ).toContain('no secrets in the config file');
  });

  it('reads // and /* */ comments in the file as spaces, not inside strings; an error still points into the file', () => {
    const configFile = writeFile(
      'bot.json',
      '{\n  // the tier\n  "strategy": { "tier": "standard" /* not aggressive */ },\n  /* where\n   the trail goes */\n' +
        '  "compliance": { "auditPath": "data//audit.jsonl" }\n}\n',
    );
    const config = loadConfig({ env: {}, configFile });
    expect(config.strategy.tier).toBe('standard');
    expect(config.compliance.auditPath).toBe('data//audit.jsonl');

    const broken = writeFile(
      'broken.json',
      '{\n  /* a comment */ "mode": "paper",\n  "risk": { "leverageDefault": 3, }\n}\n',
    );
    expect(issueAt(configError({ env: {}, configFile: broken }), '').expected).toContain('line 3, column 35');
  });

  it('names a file that does not exist, or is a directory, or is empty, or is not an object', () => {
    const missing = join(directory, 'missing.json');
    const notFound = issueAt(configError({ env: {}, configFile: missing }), '');
    expect(notFound).toMatchObject({ source: 'file', origin: missing });
    expect(notFound.expected).toContain('ENOENT');
    mkdirSync(join(directory, 'folder.json'));
    expect(
      issueAt(configError({ env: {}, configFile: join(directory, 'folder.json') }), '').expected,
    ).toContain('a regular file');
    const empty = writeFile('empty.json', ' \n');
    expect(issueAt(configError({ env: {}, configFile: empty }), '').expected).toContain('empty');
    const array = writeFile('array.json', '[1]');
    expect(issueAt(configError({ env: {}, configFile: array }), '').expected).toContain('JSON object');
    expect(issueAt(configError({ env: { BOT_CONFIG_FILE: '' } }), 'configFile').origin).toBe(
      'BOT_CONFIG_FILE',
    );
  });

  it('still reports environment problems alongside file problems', () => {
    const error = configError({ env: { WORKING_TYPE: 'x' }, configFile: join(directory, 'missing.json') });
    expect(error.issues.map((issue) => issue.source).sort()).toEqual(['env', 'file']);
  });

  it('refuses secrets in the config file and points to the environment', () => {
    const configFile = writeFile('bot.json', {
      apiKey: API_KEY,
      credentials: { apiSecret: API_SECRET },
      operator: { token: OPERATOR_TOKEN },
    });
    const error = configError({ env: {}, configFile });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'apiKey',
      'credentials',
      'operator.token',
    ]);
    for (const issue of error.issues) {
      expect(issue.value).toBe('[redacted]');
      expect(issue.expected).toContain('secrets come only from the environment');
      expect(issue.expected).toContain('BOT_API_SECRET');
    }
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain(API_SECRET);
    expect(error.message).not.toContain(OPERATOR_TOKEN);
  });

  it('refuses a live confirmation in the config file', () => {
    const configFile = writeFile('bot.json', { mode: 'live', liveConfirm: LIVE_CONFIRMATION });
    const error = configError({ env: { ...KEYS, BOT_OPERATOR_TOKEN: OPERATOR_TOKEN }, configFile });
    expect(issueAt(error, 'liveConfirm').expected).toContain('BOT_LIVE_CONFIRM');
  });

  it('accepts a byte-order mark and refuses a __proto__ key without polluting anything', () => {
    const withBom = writeFile('bom.json', `\uFEFF${JSON.stringify({ strategy: { timeframe: '1h' } })}`);
    expect(loadConfig({ env: {}, configFile: withBom }).strategy.timeframe).toBe('1h');
    const polluting = writeFile('proto.json', '{"__proto__": {"polluted": true}, "risk": {"__proto__": {}}}');
    const error = configError({ env: {}, configFile: polluting });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['__proto__', 'risk.__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('secrets, keys and live mode', () => {
  it('needs no keys in paper mode', () => {
    const config = loadConfig({ env: {} });
    expect(config.credentials.apiKey).toBeUndefined();
    expect(config.credentials.apiSecret).toBeUndefined();
  });

  it.each(['testnet', 'live'])('requires an API key and secret in %s mode', (mode) => {
    const env =
      mode === 'live' ? { BOT_MODE: 'live', BOT_LIVE_CONFIRM: LIVE_CONFIRMATION } : { BOT_MODE: mode };
    const error = configError({ env });
    expect(issueAt(error, 'credentials.apiKey')).toMatchObject({
      value: undefined,
      source: 'env',
      origin: 'BOT_API_KEY or BOT_API_KEY_FILE',
    });
    expect(issueAt(error, 'credentials.apiSecret').origin).toBe('BOT_API_SECRET or BOT_API_SECRET_FILE');
  });

  it('refuses live mode without the exact confirmation', () => {
    const { BOT_LIVE_CONFIRM: _confirmation, ...unconfirmed } = LIVE;
    const missing = issueAt(configError({ env: unconfirmed }), 'liveConfirm');
    expect(missing).toMatchObject({ value: undefined, source: 'env', origin: 'BOT_LIVE_CONFIRM' });
    expect(missing.expected).toContain(LIVE_CONFIRMATION);
    const wrong = configError({ env: { ...LIVE, BOT_LIVE_CONFIRM: 'yes' } });
    expect(wrong.issues).toHaveLength(1);
    expect(issueAt(wrong, 'liveConfirm').value).toBe('yes');
  });

  it('accepts the confirmation from overrides (a CLI flag)', () => {
    const { BOT_LIVE_CONFIRM: _confirmation, ...unconfirmed } = LIVE;
    expect(loadConfig({ env: unconfirmed, overrides: { liveConfirm: LIVE_CONFIRMATION } }).mode).toBe('live');
    const error = configError({ env: unconfirmed, overrides: { liveConfirm: 'sure' as never } });
    expect(issueAt(error, 'liveConfirm').source).toBe('override');
  });

  it('requires an operator token in live mode', () => {
    const { BOT_OPERATOR_TOKEN: _token, ...withoutToken } = LIVE;
    expect(issueAt(configError({ env: withoutToken }), 'operator.token').expected).toContain('live mode');
  });

  it('reads a secret file and trims its trailing newlines', () => {
    const secretFile = writeFile('secret', `${API_SECRET}\r\n\n`);
    const keyFile = writeFile('key', `${API_KEY}\n`);
    const config = loadConfig({
      env: { BOT_MODE: 'testnet', BOT_API_KEY_FILE: keyFile, BOT_API_SECRET_FILE: secretFile },
    });
    expect(config.credentials.apiSecret?.reveal()).toBe(API_SECRET);
    expect(config.credentials.apiKey?.reveal()).toBe(API_KEY);
  });

  it('accepts a multi-line PEM private key as the API secret', () => {
    const pem = `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIL1aB2c3d4e5f6g7h8i9j0k\n-----END PRIVATE KEY-----`;
    const secretFile = writeFile('ed25519.pem', `${pem}\n`);
    const config = loadConfig({
      env: { BOT_MODE: 'testnet', BOT_API_KEY: API_KEY, BOT_API_SECRET_FILE: secretFile },
    });
    expect(config.credentials.apiSecret?.reveal()).toBe(pem);
  });

  it('refuses a secret given both directly and as a file', () => {
    const secretFile = writeFile('secret', API_SECRET);
    const error = configError({ env: { BOT_API_SECRET: API_SECRET, BOT_API_SECRET_FILE: secretFile } });
    expect(issueAt(error, 'credentials.apiSecret').expected).toBe(
      'only one of BOT_API_SECRET and BOT_API_SECRET_FILE',
    );
  });

  it('names a missing or empty secret file (its path, never a content)', () => {
    const missing = join(directory, 'nope');
    const issue = issueAt(configError({ env: { BOT_API_SECRET_FILE: missing } }), 'credentials.apiSecret');
    expect(issue).toMatchObject({ value: missing, source: 'env', origin: 'BOT_API_SECRET_FILE' });
    expect(issue.expected).toContain('ENOENT');
    const empty = writeFile('empty', '\n');
    const emptyIssue = issueAt(configError({ env: { BOT_API_SECRET_FILE: empty } }), 'credentials.apiSecret');
    expect(emptyIssue.expected).toContain('it is empty');
  });

  it.each([
    ['BOT_API_KEY', 'short', 'credentials.apiKey'],
    ['BOT_API_KEY', `${API_KEY} `, 'credentials.apiKey'],
    ['BOT_API_KEY', '', 'credentials.apiKey'],
    ['BOT_API_SECRET', ` ${API_SECRET}`, 'credentials.apiSecret'],
    ['BOT_OPERATOR_TOKEN', 'tooshorttoken', 'operator.token'],
  ])('refuses an invalid %s and hides it', (name, text, path) => {
    const issue = issueAt(configError({ env: { [name]: text } }), path);
    expect(issue).toMatchObject({ value: '[redacted]', source: 'env', origin: name });
  });

  it('reports an invalid secret once, not again as missing', () => {
    const error = configError({
      env: { BOT_MODE: 'testnet', BOT_API_KEY: 'short', BOT_API_SECRET: API_SECRET },
    });
    expect(error.issues).toHaveLength(1);
  });

  it('refuses secrets in overrides', () => {
    const error = configError({ env: {}, overrides: { credentials: { apiKey: API_KEY } } as never });
    expect(issueAt(error, 'credentials').expected).toContain('no secrets in overrides');
    expect(error.message).not.toContain(API_KEY);
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

describe('notifications', () => {
  const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX';
  const TELEGRAM_TOKEN = '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';
  const TELEGRAM = `https://api.telegram.org/bot${TELEGRAM_TOKEN}/sendMessage`;

  it('are off without a URL, every event by default', () => {
    const config = loadConfig({ env: {} });
    expect(config.notifications).toMatchObject({ kind: 'json', url: undefined });
    expect(config.notifications.events).toEqual([
      'entry',
      'exit',
      'playbook',
      'halt',
      'resume',
      'daily-summary',
    ]);
  });

  it('read the kind, chat id and events from the environment and the URL as a secret', () => {
    const config = loadConfig({
      env: {
        BOT_NOTIFY_KIND: 'telegram',
        BOT_NOTIFY_URL: TELEGRAM,
        BOT_NOTIFY_CHAT_ID: '-1001234567890',
        BOT_NOTIFY_EVENTS: 'exit, halt',
      },
    });
    expect(config.notifications.kind).toBe('telegram');
    expect(config.notifications.chatId).toBe('-1001234567890');
    expect(config.notifications.events).toEqual(['exit', 'halt']);
    expect(config.notifications.url?.reveal()).toBe(TELEGRAM);
    expect(JSON.stringify(config)).not.toContain(TELEGRAM_TOKEN);
    const fromFile = loadConfig({ env: { BOT_NOTIFY_URL_FILE: writeFile('hook', `${SLACK}\n`) } });
    expect(fromFile.notifications.url?.reveal()).toBe(SLACK);
  });

  it('take the non-secret settings from the config file, and refuse the URL there', () => {
    const configFile = writeFile('bot.json', {
      notifications: { kind: 'discord', events: ['entry'], url: SLACK },
    });
    const error = configError({ env: {}, configFile });
    const issue = issueAt(error, 'notifications.url');
    expect(issue.value).toBe('[redacted]');
    expect(issue.expected).toContain('BOT_NOTIFY_URL');
    expect(error.message).not.toContain('XXXXXXXXXXXXXXXX');
    const good = writeFile('good.json', { notifications: { kind: 'discord', events: ['entry'] } });
    const config = loadConfig({ env: { BOT_NOTIFY_URL: SLACK }, configFile: good });
    expect(config.notifications).toMatchObject({ kind: 'discord', events: ['entry'] });
  });

  it.each([
    ['http://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'http to a loopback host only'],
    ['ftp://127.0.0.1/hook', 'http to a loopback host only'],
    ['hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'a webhook URL'],
  ])('refuse the URL %s, naming the field and never showing it', (url, expected) => {
    const error = configError({ env: { BOT_NOTIFY_URL: url } });
    const issue = issueAt(error, 'notifications.url');
    expect(issue).toMatchObject({ value: '[redacted]', source: 'env', origin: 'BOT_NOTIFY_URL' });
    expect(issue.expected).toContain(expected);
    expect(error.message).not.toContain('XXXXXXXXXXXXXXXX');
  });

  it('accept plain http to loopback hosts (a receiver on this machine)', () => {
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook', 'http://[::1]:8080/hook']) {
      expect(loadConfig({ env: { BOT_NOTIFY_URL: url } }).notifications.url?.reveal()).toBe(url);
    }
  });

  it('refuse an unknown kind or event, with the choices', () => {
    const error = configError({ env: { BOT_NOTIFY_KIND: 'teams', BOT_NOTIFY_EVENTS: 'entry,exits' } });
    expect(issueAt(error, 'notifications.kind').expected).toBe('one of json, telegram, slack, discord');
    expect(issueAt(error, 'notifications.events.1').expected).toContain('one of entry, exit, playbook');
  });

  it("need Telegram's chat id and sendMessage URL, and a chat id only for Telegram", () => {
    const noChat = configError({ env: { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: TELEGRAM } });
    expect(issueAt(noChat, 'notifications.chatId').expected).toContain('BOT_NOTIFY_CHAT_ID');
    const wrongPath = configError({
      env: { BOT_NOTIFY_KIND: 'telegram', BOT_NOTIFY_URL: SLACK, BOT_NOTIFY_CHAT_ID: '42' },
    });
    const issue = issueAt(wrongPath, 'notifications.url');
    expect(issue.value).toBe('[redacted]');
    expect(issue.expected).toContain('bot<token>/sendMessage');
    const slackWithChat = configError({ env: { BOT_NOTIFY_URL: SLACK, BOT_NOTIFY_CHAT_ID: '42' } });
    expect(issueAt(slackWithChat, 'notifications.chatId').expected).toContain("it is Telegram's");
    expect(
      issueAt(configError({ env: { BOT_NOTIFY_CHAT_ID: 'my chat' } }), 'notifications.chatId'),
    ).toBeDefined();
  });

  it('suggest the right key for a typo in the section', () => {
    const configFile = writeFile('bot.json', { notifications: { kinds: 'slack' } });
    expect(issueAt(configError({ env: {}, configFile }), 'notifications.kinds').expected).toContain(
      'did you mean kind?',
    );
  });
});
