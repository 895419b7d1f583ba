import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import {
  botConfigSchema,
  configFileSchema,
  configOverridesSchema,
  isLoopbackHost,
  isValidApiSecret,
  parseBindAddress,
} from './schema';
import type { BotConfig } from './schema';
import { Secret } from './secret';

const paper = (): BotConfig => structuredClone({ ...loadConfig({ env: {} }) });
const messages = (value: unknown) => {
  const result = botConfigSchema.safeParse(value);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('botConfigSchema', () => {
  it('accepts what loadConfig produces', () => {
    expect(messages(loadConfig({ env: {} }))).toEqual([]);
  });

  it('checks the invariants of a hand-built config', () => {
    const config = paper();
    expect(messages({ ...config, testnet: true })).toEqual([expect.stringContaining('testnet: false')]);
    expect(messages({ ...config, settleCoin: 'USDT' })).toEqual([
      expect.stringContaining('settleCoin: USDC'),
    ]);
    expect(messages({ ...config, risk: { ...config.risk, leverageDefault: 6 } })).toEqual([
      expect.stringContaining('risk.leverageDefault: at most 5'),
    ]);
    expect(messages({ ...config, symbols: ['BTC/USDT:USDT'] })).toHaveLength(1);
    expect(messages({ ...config, symbols: ['BTC'] })).toHaveLength(1);
    expect(messages({ ...config, mode: 'live', testnet: false })).toEqual([
      expect.stringContaining('credentials.apiKey'),
      expect.stringContaining('credentials.apiSecret'),
      expect.stringContaining('operator.token'),
    ]);
  });

  it('checks the account safety settings of a hand-built config', () => {
    const config = paper();
    const execution = (change: Partial<BotConfig['execution']>) =>
      messages({ ...config, execution: { ...config.execution, ...change } });
    expect(execution({ signalExpiryCandles: 0 })).toEqual([
      expect.stringContaining('execution.signalExpiryCandles'),
    ]);
    expect(execution({ signalExpiryCandles: 2.5 })).toHaveLength(1);
    expect(execution({ maxEntryDeviationPct: 0 })).toEqual([
      expect.stringContaining('execution.maxEntryDeviationPct'),
    ]);
    expect(execution({ maxEntryDeviationPct: 0.1 })).toEqual([]);
    expect(execution({ riskOverrunTolerancePct: 0 })).toEqual([]);
    expect(execution({ riskOverrunTolerancePct: 1.01 })).toEqual([
      expect.stringContaining('execution.riskOverrunTolerancePct'),
    ]);
    expect(execution({ accountSweepMs: 999 })).toEqual([expect.stringContaining('execution.accountSweepMs')]);
    expect(messages({ ...config, positions: { foreignPolicy: 'close' } })).toEqual([
      expect.stringContaining('positions.foreignPolicy'),
    ]);
    const { positions: _positions, ...withoutPositions } = config;
    expect(messages(withoutPositions)).toEqual([expect.stringContaining('positions')]);
  });

  it('is strict at every level and wants Secret instances for secrets', () => {
    const config = paper();
    expect(messages({ ...config, extra: 1 })).toHaveLength(1);
    expect(messages({ ...config, risk: { ...config.risk, extra: 1 } })).toHaveLength(1);
    expect(messages({ ...config, positions: { ...config.positions, extra: 1 } })).toHaveLength(1);
    expect(messages({ ...config, credentials: { apiKey: 'plain string' } })).toHaveLength(1);
    expect(messages({ ...config, credentials: { apiKey: new Secret('x'.repeat(16)) } })).toEqual([]);
  });
});

describe('configFileSchema and configOverridesSchema', () => {
  it('are strict, including after extension', () => {
    expect(configFileSchema.safeParse({ apiKey: 'x' }).success).toBe(false);
    expect(configFileSchema.safeParse({ liveConfirm: 'I_UNDERSTAND_LIVE_TRADING' }).success).toBe(false);
    expect(configOverridesSchema.safeParse({ liveConfirm: 'I_UNDERSTAND_LIVE_TRADING' }).success).toBe(true);
    expect(configOverridesSchema.safeParse({ nope: 1 }).success).toBe(false);
    expect(configOverridesSchema.safeParse({ risk: { nope: 1 } }).success).toBe(false);
    expect(configFileSchema.safeParse({ positions: { foreignPolicy: 'flatten' } }).success).toBe(true);
    expect(configFileSchema.safeParse({ positions: { nope: 1 } }).success).toBe(false);
  });
});

describe('helpers', () => {
  it.each([
    ['127.0.0.1:8787', { host: '127.0.0.1', port: 8787 }],
    ['[::1]:80', { host: '::1', port: 80 }],
    ['bot.internal:443', { host: 'bot.internal', port: 443 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
  ])('parses the bind address %s', (bind, expected) => {
    expect(parseBindAddress(bind)).toEqual(expected);
  });

  it.each(['127.0.0.1', ':80', '1.2.3:80', '1.2.3.256:80', '[localhost]:80', 'a b:80', '127.0.0.1:080000'])(
    'refuses the bind address %s',
    (bind) => {
      expect(parseBindAddress(bind)).toBeUndefined();
    },
  );

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopbackHost)).toBe(false);
  });

  it('accepts an HMAC secret or a PEM key as API secret, nothing with loose spaces', () => {
    expect(isValidApiSecret('a'.repeat(64))).toBe(true);
    expect(
      isValidApiSecret('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI=\n-----END PRIVATE KEY-----'),
    ).toBe(true);
    expect(isValidApiSecret('word word word word')).toBe(false);
    expect(isValidApiSecret('short')).toBe(false);
  });
});
