import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { LIVE_CONFIRMATION } from './schema';
import {
  API_KEY,
  API_SECRET,
  configError,
  issueAt,
  KEYS,
  OPERATOR_TOKEN,
  useConfigDirectory,
} from './testing/load-config-fixtures';

/** loadConfig: the config file (its keys, JSON syntax, comments, and what it must not hold). */

const { directory, writeFile } = useConfigDirectory();

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
    const missing = join(directory(), 'missing.json');
    const notFound = issueAt(configError({ env: {}, configFile: missing }), '');
    expect(notFound).toMatchObject({ source: 'file', origin: missing });
    expect(notFound.expected).toContain('ENOENT');
    mkdirSync(join(directory(), 'folder.json'));
    expect(
      issueAt(configError({ env: {}, configFile: join(directory(), 'folder.json') }), '').expected,
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
    const error = configError({ env: { WORKING_TYPE: 'x' }, configFile: join(directory(), 'missing.json') });
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
