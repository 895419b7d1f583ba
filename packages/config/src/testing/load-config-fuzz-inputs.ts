import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { ConfigError } from '../config-error';
import type { ConfigIssue } from '../config-error';
import { ENVIRONMENT_VARIABLES } from '../environment';
import { MAX_DEPTH } from '../json-syntax';
import { loadConfig } from '../load-config';
import type { LoadConfigOptions } from '../load-config';
import {
  botConfigSchema,
  CONFIG_FILE_KEYS,
  EXECUTION_SAFETY_LIMITS,
  FOREIGN_POSITION_POLICIES,
  HARD_LIMITS,
  LIVE_CONFIRMATION,
  parseUnifiedSymbol,
  TIMEFRAMES,
  TP_ORDER_STYLES,
  WORKING_TYPES,
} from '../schema';
import type { BotConfig } from '../schema';
import { TIER_PRESETS, TIERS } from '../tiers';

/** The inputs load-config.fuzz.test.ts generates, and the checks it makes of what loadConfig does with them. */

let directory: string | undefined;
let fileNumber = 0;

/** The temporary directory for config files, made on first use; removeConfigFiles deletes it. */
function configDirectory(): string {
  directory ??= mkdtempSync(join(tmpdir(), 'bot-config-fuzz-'));
  return directory;
}

export function writeConfig(text: string): string {
  fileNumber += 1;
  const path = join(configDirectory(), `config-${fileNumber}.json`);
  writeFileSync(path, text);
  return path;
}

export function removeConfigFiles(): void {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every secret-ish value generated below contains this marker, so a leak anywhere is detectable. */
export const MARK = 'QZXLEAKQZX';

/** Per file field: values the file schema accepts, and values it refuses whatever else is set. */
export const FILE_FIELDS: Readonly<Record<string, { valid: readonly Json[]; invalid: readonly Json[] }>> = {
  mode: { valid: ['paper', 'testnet', 'live'], invalid: ['LIVE', 'demo', '', 5, true, null, [], {}] },
  testnet: { valid: [true, false], invalid: ['true', 1, 0, null, 'yes'] },
  quoteCoin: { valid: ['USDT', 'USDC'], invalid: ['usdc', 'BTC', '', 1, null] },
  settleCoin: { valid: ['USDT', 'USDC'], invalid: ['usdt', 'EUR', 0, {}] },
  symbols: {
    valid: [['BTC'], ['BTC', 'ETH'], ['SOL/USDC:USDC'], ['BTC/USDT:USDT'], ['1000PEPE']],
    invalid: [[], 'BTC', ['btc'], ['BTCUSDC'], [''], [1], ['BTC/USD:USD'], [null], [['BTC']]],
  },
  'strategy.tier': { valid: TIERS, invalid: ['Conservative', 'extreme', '', 1, null] },
  'strategy.timeframe': { valid: ['1m', '15m', '1h'], invalid: ['2m', '1H', '', 15, null] },
  'risk.riskPerTradePct': {
    valid: [0.005, 0.01, 0.02],
    invalid: [0, -0.01, 0.0500001, 1, 1e308, -1e308, '0.01', null, true],
  },
  'risk.dailyDrawdownPct': { valid: [0.02, 0.05], invalid: [0, -1, 0.51, '0.05', []] },
  'risk.leverageDefault': { valid: [1, 3, 5, 10], invalid: [0, -1, 126, 2.5, 1e308, '5', 2 ** 53 + 2] },
  'risk.maxConcurrentPositions': { valid: [1, 2, 3], invalid: [0, -1, 1.5, '2', null] },
  'risk.maxSlStreak': { valid: [1, 3], invalid: [0, 1.5, '3', false] },
  'risk.cooldownAfterStopMinutes': { valid: [15, 30, 60], invalid: [-1, 1441, 0.5, '15'] },
  'orders.workingType': { valid: WORKING_TYPES, invalid: ['MARK', 'mark_price', '', 1] },
  'orders.tpOrderStyle': { valid: TP_ORDER_STYLES, invalid: ['LIMIT', 'stop', 0] },
  'execution.maxRetries': { valid: [0, 3], invalid: [-1, 11, 1.5, '3'] },
  'execution.backoffBaseMs': { valid: [100, 500], invalid: [0, 60_001, 1.5] },
  'execution.backoffMaxMs': { valid: [1_000, 10_000], invalid: [0, 300_001, 2.5] },
  'execution.requestTimeoutMs': { valid: [5_000], invalid: [999, 120_001, '10000'] },
  'execution.recvWindowMs': { valid: [5_000], invalid: [0, 60_001, -5] },
  'execution.signalExpiryCandles': { valid: [1, 2, 100], invalid: [0, 101, 1.5, '1', null] },
  'execution.maxEntryDeviationPct': { valid: [0.005, 0.1], invalid: [0, -0.001, 0.1000001, 0.5, '0.005'] },
  'execution.riskOverrunTolerancePct': { valid: [0, 0.25, 1], invalid: [-0.01, 1.01, 25, '0.25', true] },
  'execution.accountSweepMs': {
    valid: [1_000, 60_000, 3_600_000],
    invalid: [999, 3_600_001, 1_500.5, '60000'],
  },
  'positions.foreignPolicy': {
    valid: FOREIGN_POSITION_POLICIES,
    invalid: ['Adopt', 'close', 'ignore', '', 0, null, ['adopt']],
  },
  'compliance.auditPath': { valid: ['audit.jsonl'], invalid: ['', 'a\u0000b', 5, null] },
  'compliance.recordRationale': { valid: [true, false], invalid: ['true', 1, null] },
  'operator.bind': {
    valid: ['127.0.0.1:8787', '0.0.0.0:1', '[::1]:8787'],
    invalid: ['localhost', '127.0.0.1:0', '127.0.0.1:65536', '999.1.1.1:80', '[127.0.0.1]:80', ':80', 8787],
  },
};
export const FIELD_PATHS = Object.keys(FILE_FIELDS);
const SECTIONS = Object.keys(CONFIG_FILE_KEYS).filter((key) => key !== '');
export const TOP_KEYS = [...(CONFIG_FILE_KEYS[''] ?? []), 'credentials'];

export function setPath(target: Record<string, Json>, path: string, value: Json): void {
  const [first, second] = path.split('.') as [string, string | undefined];
  if (second === undefined) {
    target[first] = value;
    return;
  }
  const section = target[first];
  if (typeof section === 'object' && section !== null && !Array.isArray(section)) section[second] = value;
  else target[first] = { [second]: value };
}

/** A secret value: printable, sometimes long enough to be a valid key, sometimes with spaces. */
export const secretValue = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'abcdefXYZ0123456789-_+/='.split('')), maxLength: 40 }),
    fc.constantFrom('', ' ', '\n', ' tail'),
  )
  .map(([body, tail]) => `${MARK}${body}${tail}`);

const SECRET_LIKE_KEYS = [
  'apiKey',
  'apiSecret',
  'secret',
  'token',
  'password',
  'credentials',
  'authToken',
  'KEY',
];

/** Keys that are neither known at the level they are put nor secret-looking. */
const unknownKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter(
    (key) =>
      !/key|secret|token|passw|credential|auth|\./i.test(key) &&
      ![...TOP_KEYS, ...Object.values(CONFIG_FILE_KEYS).flat(), 'liveConfirm', '__proto__'].includes(key),
  );

/** A config file object: known fields (valid or not), unknown keys and secrets (both valued with MARK). */
const fileObject = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELD_PATHS), fc.boolean(), fc.nat()), { maxLength: 8 }),
    fc.option(
      fc.tuple(fc.option(fc.constantFrom(...SECTIONS), { nil: undefined }), unknownKey, secretValue),
      {
        nil: undefined,
      },
    ),
    fc.option(
      fc.tuple(
        fc.constantFrom('top', 'section', 'inside-a-field', 'inside-a-list'),
        fc.constantFrom(...SECRET_LIKE_KEYS),
        secretValue,
      ),
      { nil: undefined, freq: 3 },
    ),
    fc.option(fc.constantFrom(LIVE_CONFIRMATION, 'yes'), { nil: undefined, freq: 10 }),
  )
  .map(([fields, unknown, secret, liveConfirm]) => {
    const object: Record<string, Json> = {};
    for (const [path, valid, pick] of fields) {
      const values = valid ? FILE_FIELDS[path]!.valid : FILE_FIELDS[path]!.invalid;
      setPath(object, path, values[pick % values.length] as Json);
    }
    if (unknown !== undefined) {
      const [section, key, value] = unknown;
      setPath(object, section === undefined ? key : `${section}.${key}`, value);
    }
    if (secret !== undefined) {
      const [where, key, value] = secret;
      if (where === 'top') object[key] = value;
      if (where === 'section') setPath(object, `risk.${key}`, value);
      // A secret nested in the value of a known field: the field is invalid, and its value is shown.
      if (where === 'inside-a-field') object.mode = { [key]: value };
      if (where === 'inside-a-list') object.symbols = ['BTC', { [key]: value }];
    }
    if (liveConfirm !== undefined) object.liveConfirm = liveConfirm;
    return object;
  });

type FileSpec =
  | { kind: 'none' }
  | { kind: 'object'; object: Record<string, Json>; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'directory' };

const BIG = `${' '.repeat(1024 * 1024)}{}`;

const fileSpec: fc.Arbitrary<FileSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(fileObject, fc.constantFrom('', '\uFEFF'), fc.boolean())
      .map(([object, bom, pretty]) => ({
        kind: 'object' as const,
        object,
        text: `${bom}${JSON.stringify(object, null, pretty ? 2 : undefined)}`,
      })),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        // Broken JSON with a secret in it: refused by position, never quoted.
        fc.tuple(fileObject, secretValue, fc.nat()).map(([object, secret, cut]) => {
          const text = JSON.stringify({ ...object, apiSecret: secret });
          return text.slice(0, cut % text.length) + (cut % 2 === 0 ? ',}' : '');
        }),
        secretValue.map((secret) => `{"apiSecret": "${secret}", }`),
        secretValue.map((secret) => `{"mode": "paper" "x": "${secret}"}`),
        secretValue.map((secret) => `{'apiKey': '${secret}'}`),
        // Not an object.
        fc
          .jsonValue({ maxDepth: 2 })
          .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
          .map((value) => JSON.stringify(value)),
        // Numbers JSON.parse turns into Infinity, -0 or denormals, and unsafe integers.
        fc.constantFrom(
          '{"risk": {"leverageDefault": 1e400}}',
          '{"risk": {"riskPerTradePct": -1e400}}',
          '{"risk": {"riskPerTradePct": 1e-400}}',
          '{"risk": {"riskPerTradePct": 5e-324}}',
          '{"risk": {"cooldownAfterStopMinutes": -0}}',
          '{"execution": {"maxRetries": 3.0000000000000001}}',
          '{"risk": {"maxConcurrentPositions": 9007199254740993}}',
          '{"mode": "paper", "mode": "live"}',
          '{"__proto__": {"mode": "live"}}',
          '{"constructor": {"prototype": {"polluted": true}}}',
        ),
        // Deep nesting: under, at and over the limit, inside a known and an unknown key.
        fc
          .tuple(
            fc.constantFrom(10, MAX_DEPTH - 1, MAX_DEPTH + 1, 5_000, 50_000),
            fc.constantFrom('risk', 'x'),
          )
          .map(([depth, key]) => `{"${key}": ${'['.repeat(depth)}${']'.repeat(depth)}}`),
        fc.constantFrom('', '   \n', '\uFEFF', BIG),
        fc.string({ unit: 'binary', maxLength: 100 }),
      )
      .map((text) => ({ kind: 'text' as const, text })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'missing' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'directory' as const }) },
);

export function filePathOf(spec: FileSpec): string | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'object':
    case 'text':
      return writeConfig(spec.text);
    case 'missing':
      return join(configDirectory(), 'does-not-exist.json');
    case 'directory':
      return configDirectory();
  }
}

/** Environment values: plausible, invalid, and secrets (valued with MARK), plus unknown BOT_* names. */
const VALID_ENV: Readonly<Record<string, readonly string[]>> = {
  BOT_MODE: ['paper', 'testnet', 'live'],
  TESTNET: ['true', '0'],
  BOT_LIVE_CONFIRM: [LIVE_CONFIRMATION],
  QUOTE_COIN: ['USDT', 'USDC'],
  SETTLE_COIN: ['USDT', 'USDC'],
  BOT_SYMBOLS: ['BTC', 'BTC,ETH', 'SOL/USDC:USDC'],
  BOT_TIER: TIERS,
  BOT_TIMEFRAME: ['1m', '15m'],
  RISK_PER_TRADE_PCT: ['0.005', '0.01', '0.5%'],
  DAILY_DRAWDOWN_PCT: ['0.02', '2%'],
  LEVERAGE_DEFAULT: ['2', '5'],
  MAX_CONCURRENT_POSITIONS: ['1', '2'],
  MAX_SL_STREAK: ['3'],
  BOT_COOLDOWN_AFTER_STOP_MINUTES: ['30'],
  WORKING_TYPE: WORKING_TYPES,
  TP_ORDER_STYLE: TP_ORDER_STYLES,
  BOT_MAX_RETRIES: ['3'],
  BOT_BACKOFF_BASE_MS: ['500'],
  BOT_BACKOFF_MAX_MS: ['10000'],
  BOT_REQUEST_TIMEOUT_MS: ['5000'],
  BOT_RECV_WINDOW_MS: ['5000'],
  BOT_SIGNAL_EXPIRY_CANDLES: ['1', '3'],
  BOT_MAX_ENTRY_DEVIATION_PCT: ['0.005', '0.1'],
  BOT_RISK_OVERRUN_TOLERANCE_PCT: ['0', '0.25'],
  BOT_ACCOUNT_SWEEP_MS: ['1000', '60000'],
  BOT_FOREIGN_POSITIONS: FOREIGN_POSITION_POLICIES,
  BOT_AUDIT_PATH: ['audit.jsonl'],
  BOT_RECORD_RATIONALE: ['false'],
  BOT_ALLOW_WITHDRAWAL_KEY: ['true'],
  BOT_OPERATOR_BIND: ['127.0.0.1:8787', '0.0.0.0:9000'],
};

/** Per variable, texts it refuses whatever else is set. */
export const INVALID_ENV: Readonly<Record<string, readonly string[]>> = {
  BOT_MODE: ['LIVE', 'demo', ''],
  TESTNET: ['yes', '2', ''],
  BOT_LIVE_CONFIRM: ['yes', 'i_understand_live_trading', ''],
  QUOTE_COIN: ['usdc', 'BTC', ''],
  SETTLE_COIN: ['EUR', ''],
  BOT_SYMBOLS: ['btc', 'BTC,,ETH', 'BTCUSDC', ',', ''],
  BOT_TIER: ['extreme', 'Standard', ''],
  BOT_TIMEFRAME: ['2m', '1H', ''],
  RISK_PER_TRADE_PCT: ['6%', '1%%', '%', '0.06', '0', 'abc', '0x1', 'Infinity', 'NaN', '1e999', '', ' '],
  DAILY_DRAWDOWN_PCT: ['0.51', '-0.1', '51%'],
  LEVERAGE_DEFAULT: ['0', '126', '2.5', 'x'],
  MAX_CONCURRENT_POSITIONS: ['0', '1.5', '-2'],
  MAX_SL_STREAK: ['0', 'many'],
  BOT_COOLDOWN_AFTER_STOP_MINUTES: ['-1', '1441', '0.5'],
  WORKING_TYPE: ['MARK', 'mark_price'],
  TP_ORDER_STYLE: ['LIMIT', 'stop'],
  BOT_MAX_RETRIES: ['-1', '11'],
  BOT_BACKOFF_BASE_MS: ['0', '60001'],
  BOT_BACKOFF_MAX_MS: ['0', '300001'],
  BOT_REQUEST_TIMEOUT_MS: ['999', '120001'],
  BOT_RECV_WINDOW_MS: ['0', '60001'],
  BOT_SIGNAL_EXPIRY_CANDLES: ['0', '101', '1.5', ''],
  BOT_MAX_ENTRY_DEVIATION_PCT: ['0', '0.11', '11%', '-0.005'],
  BOT_RISK_OVERRUN_TOLERANCE_PCT: ['-0.1', '1.01', '101%'],
  BOT_ACCOUNT_SWEEP_MS: ['999', '3600001', '60s'],
  BOT_FOREIGN_POSITIONS: ['Adopt', 'close', 'ignore', ''],
  BOT_AUDIT_PATH: ['', 'a\u0000b'],
  BOT_RECORD_RATIONALE: ['yes', ''],
  BOT_ALLOW_WITHDRAWAL_KEY: ['yes', ''],
  BOT_OPERATOR_BIND: ['localhost', '127.0.0.1:0', ':80', ''],
};
const PLAIN_VARIABLES = Object.keys(VALID_ENV);
export const SECRET_VARIABLES = ['BOT_API_KEY', 'BOT_API_SECRET', 'BOT_OPERATOR_TOKEN'];

export const environment = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...PLAIN_VARIABLES), fc.boolean(), fc.nat()), { maxLength: 6 }),
    fc.array(fc.tuple(fc.constantFrom(...SECRET_VARIABLES), secretValue), { maxLength: 3 }),
    fc.option(
      fc.string({
        unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'.split('')),
        minLength: 1,
        maxLength: 12,
      }),
      { nil: undefined, freq: 4 },
    ),
    secretValue,
  )
  .map(([plain, secrets, unknownName, unknownValue]) => {
    const env: Record<string, string> = {};
    for (const [name, valid, pick] of plain) {
      const values = valid ? VALID_ENV[name]! : INVALID_ENV[name]!;
      env[name] = values[pick % values.length]!;
    }
    for (const [name, value] of secrets) env[name] = value;
    const unknown = unknownName === undefined ? undefined : `BOT_${unknownName}`;
    if (unknown !== undefined && !ENVIRONMENT_VARIABLES.some((variable) => variable.name === unknown))
      env[unknown] = unknownValue;
    return env;
  });

/** Overrides from a JavaScript caller: the file's shape (valid or not), secrets, junk, cycles. */
export const overrides: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fileObject, fc.option(fc.constantFrom(LIVE_CONFIRMATION, 'sure', 5), { nil: undefined }))
      .map(([object, liveConfirm]) => (liveConfirm === undefined ? object : { ...object, liveConfirm })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      secretValue.map((secret) => [{ apiKey: secret }]),
      fc.constantFrom(5, 'x', null, true, new Date(0), new Map()),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('deep', 'cyclic').map((shape) => {
      if (shape === 'cyclic') {
        const cyclic: Record<string, unknown> = { mode: 'paper' };
        cyclic.risk = cyclic;
        return cyclic;
      }
      let deep: unknown = 1;
      for (let level = 0; level < 3 * MAX_DEPTH; level += 1) deep = { a: deep };
      return { risk: deep };
    }),
  },
);

/** Mostly loadable inputs: only accepted values (their combination may still be refused), valid secrets. */
const cleanFileObject = fc
  .array(fc.tuple(fc.constantFrom(...FIELD_PATHS), fc.nat()), { maxLength: 4 })
  .map((fields) => {
    const object: Record<string, Json> = {};
    for (const [path, pick] of fields) {
      const values = FILE_FIELDS[path]!.valid;
      setPath(object, path, values[pick % values.length] as Json);
    }
    return object;
  });

const validSecret = (minimum: number) =>
  fc
    .string({ unit: fc.constantFrom(...'abcdefXYZ0123456789'.split('')), minLength: minimum, maxLength: 40 })
    .map((body) => `${MARK}${body}`);

const cleanEnvironment = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...PLAIN_VARIABLES), fc.nat()), { maxLength: 3 }),
    fc.option(fc.tuple(validSecret(6), validSecret(6)), { nil: undefined }),
    fc.option(validSecret(22), { nil: undefined }),
  )
  .map(([plain, keys, token]) => {
    const env: Record<string, string> = {};
    for (const [name, pick] of plain) env[name] = VALID_ENV[name]![pick % VALID_ENV[name]!.length]!;
    if (keys !== undefined) [env.BOT_API_KEY, env.BOT_API_SECRET] = keys;
    if (token !== undefined) env.BOT_OPERATOR_TOKEN = token;
    return env;
  });

export const inputs = fc.oneof(
  fc.tuple(fileSpec, environment, overrides, fc.boolean()),
  fc.tuple(
    fc.oneof(
      fc.constant<FileSpec>({ kind: 'none' }),
      cleanFileObject.map((object): FileSpec => ({ kind: 'object', object, text: JSON.stringify(object) })),
    ),
    cleanEnvironment,
    fc.option(cleanFileObject, { nil: undefined }) as fc.Arbitrary<unknown>,
    fc.boolean(),
  ),
);

export function rootOf(path: string): string {
  return path.split('.')[0] ?? '';
}

export function keysOf(value: unknown): string[] {
  return typeof value === 'object' && value !== null ? Object.keys(value) : [];
}

/** The top-level keys of a config file's text, when it is a JSON object. */
export function fileKeysOf(spec: FileSpec): string[] {
  if (spec.kind !== 'object' && spec.kind !== 'text') return [];
  try {
    return keysOf(JSON.parse(spec.text.replace(/^\uFEFF/, '')));
  } catch {
    return [];
  }
}

export function containsSecretLikeKey(value: unknown, depth = 0): boolean {
  if (depth > 10 || typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(
    ([key, item]) =>
      /key|secret|token|passw|credential|auth/i.test(key) || containsSecretLikeKey(item, depth + 1),
  );
}

export function expectNoLeak(texts: readonly string[]): void {
  for (const text of texts) expect(text).not.toContain(MARK);
}

/** The invariants botConfigSchema states, checked here by hand so that a schema gap shows too. */
export function expectValidConfig(config: BotConfig): void {
  expect(botConfigSchema.safeParse(config).success).toBe(true);
  expect(Object.isFrozen(config) && Object.isFrozen(config.risk) && Object.isFrozen(config.symbols)).toBe(
    true,
  );
  expect(config.testnet).toBe(config.mode === 'testnet');
  expect(config.settleCoin).toBe(config.quoteCoin);
  expect(new Set(config.symbols).size).toBe(config.symbols.length);
  for (const symbol of config.symbols)
    expect(parseUnifiedSymbol(symbol)).toMatchObject({ quote: config.quoteCoin, settle: config.quoteCoin });
  expect(TIMEFRAMES).toContain(config.strategy.timeframe);
  const { risk } = config;
  const caps = TIER_PRESETS[config.strategy.tier].hardCaps;
  expect(risk.riskPerTradePct).toBeGreaterThan(HARD_LIMITS.riskPerTradePct.exclusiveMin);
  expect(risk.riskPerTradePct).toBeLessThanOrEqual(
    Math.min(HARD_LIMITS.riskPerTradePct.max, caps.riskPerTradePct.max),
  );
  expect(risk.dailyDrawdownPct).toBeGreaterThan(0);
  expect(risk.dailyDrawdownPct).toBeLessThanOrEqual(
    Math.min(HARD_LIMITS.dailyDrawdownPct.max, caps.dailyDrawdownPct.max),
  );
  expect(Number.isInteger(risk.leverageDefault) && risk.leverageDefault >= 1).toBe(true);
  expect(risk.leverageDefault).toBeLessThanOrEqual(caps.leverageDefault.max);
  expect(risk.maxConcurrentPositions).toBeLessThanOrEqual(caps.maxConcurrentPositions.max);
  expect(risk.maxSlStreak).toBeLessThanOrEqual(caps.maxSlStreak.max);
  expect(risk.cooldownAfterStopMinutes).toBeGreaterThanOrEqual(caps.cooldownAfterStopMinutes.min);
  expect(config.execution.backoffMaxMs).toBeGreaterThanOrEqual(config.execution.backoffBaseMs);
  const { signalExpiryCandles, maxEntryDeviationPct, riskOverrunTolerancePct, accountSweepMs } =
    config.execution;
  const limits = EXECUTION_SAFETY_LIMITS;
  expect(Number.isInteger(signalExpiryCandles)).toBe(true);
  expect(signalExpiryCandles).toBeGreaterThanOrEqual(limits.signalExpiryCandles.min);
  expect(signalExpiryCandles).toBeLessThanOrEqual(limits.signalExpiryCandles.max);
  expect(maxEntryDeviationPct).toBeGreaterThan(limits.maxEntryDeviationPct.exclusiveMin);
  expect(maxEntryDeviationPct).toBeLessThanOrEqual(limits.maxEntryDeviationPct.max);
  expect(riskOverrunTolerancePct).toBeGreaterThanOrEqual(limits.riskOverrunTolerancePct.min);
  expect(riskOverrunTolerancePct).toBeLessThanOrEqual(limits.riskOverrunTolerancePct.max);
  expect(Number.isInteger(accountSweepMs)).toBe(true);
  expect(accountSweepMs).toBeGreaterThanOrEqual(limits.accountSweepMs.min);
  expect(accountSweepMs).toBeLessThanOrEqual(limits.accountSweepMs.max);
  expect(FOREIGN_POSITION_POLICIES).toContain(config.positions.foreignPolicy);
  expect(Object.isFrozen(config.positions)).toBe(true);
  if (config.mode !== 'paper') expect(config.credentials.apiKey && config.credentials.apiSecret).toBeTruthy();
  if (config.mode === 'live') expect(config.operator.token).toBeDefined();
}

/** Loads, and returns the ConfigError or the config; any other exception fails the property. */
export function attempt(options: LoadConfigOptions): { config: BotConfig } | { error: ConfigError } {
  try {
    return { config: loadConfig(options) };
  } catch (error) {
    if (error instanceof ConfigError) return { error };
    throw error;
  }
}

/** Where an issue says a value came from must be where it did come from. */
export function expectIssueOrigin(
  issue: ConfigIssue,
  input: { path: string | undefined; env: LoadConfigOptions['env'] },
) {
  const label = JSON.stringify(issue);
  switch (issue.source) {
    case 'file':
      expect(issue.origin, label).toBe(input.path === undefined ? undefined : resolve(input.path));
      return;
    case 'override':
      expect(issue.origin, label).toBe('overrides');
      return;
    case 'env': {
      // One variable, `A or B` (a missing secret), or `A and B` (a secret given twice).
      const names = (issue.origin ?? '').split(/ or | and /);
      for (const name of names)
        expect(
          ENVIRONMENT_VARIABLES.some((variable) => variable.name === name) || Object.hasOwn(input.env, name),
          label,
        ).toBe(true);
      if (issue.value !== undefined && issue.path !== '')
        expect(
          names.some((name) => input.env[name] !== undefined),
          label,
        ).toBe(true);
      return;
    }
    case 'default':
      return;
  }
}
