import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import type { LoadConfigOptions } from './load-config';
import { TIER_PRESETS, TIERS } from './tiers';
import { configError, issueAt, KEYS, LIVE, useConfigDirectory } from './testing/load-config-fixtures';

/** loadConfig: the quote coin, mode and testnet, the layering of defaults, file, env and overrides, and the tiers. */

const { writeFile } = useConfigDirectory();

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
