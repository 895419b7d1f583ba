import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { describeConfig } from './describe-config';
import { ENVIRONMENT_VARIABLES } from './environment';
import { loadConfig } from './load-config';
import type { BotConfig } from './schema';
import {
  botConfigSchema,
  EXECUTION_SAFETY_LIMITS,
  FOREIGN_POSITION_POLICIES,
  LIVE_CONFIRMATION,
  TP_ORDER_STYLES,
  WORKING_TYPES,
} from './schema';
import { TIERS } from './tiers';

/** Every secret value generated below contains this marker, so a leak anywhere is detectable. */
const MARK = 'ZQXSECRETZQX';
let directory: string;
let files: Record<string, string>;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'bot-config-property-'));
  const write = (name: string, content: string) => {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  };
  files = {
    key: write('key', `${MARK}apikey0123456789\n`),
    secret: write('secret', `${MARK}apisecret0123456789\n`),
    token: write('token', `${MARK}operatortoken0123456789abcdef\n`),
    webhook: write('webhook', `https://hooks.slack.com/services/${MARK}/B000\n`),
    badSecret: write('bad-secret', `${MARK} has spaces\n`),
    config: write('config.json', JSON.stringify({ strategy: { tier: 'standard' }, symbols: ['BTC'] })),
    brokenConfig: write('broken.json', `{"apiSecret": "${MARK}", }`),
    missing: join(directory, 'missing'),
  };
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function plausibleValues(name: string): readonly string[] {
  const table: Record<string, readonly string[]> = {
    BOT_CONFIG_FILE: [files.config ?? '', files.brokenConfig ?? '', files.missing ?? ''],
    BOT_MODE: ['paper', 'testnet', 'live'],
    TESTNET: ['true', 'false', '1', '0', 'TRUE'],
    BOT_LIVE_CONFIRM: [LIVE_CONFIRMATION],
    QUOTE_COIN: ['USDT', 'USDC'],
    SETTLE_COIN: ['USDT', 'USDC'],
    BOT_SYMBOLS: ['BTC', 'BTC,ETH', 'SOL/USDC:USDC', 'BTC/USDT:USDT'],
    BOT_TIER: TIERS,
    BOT_TIMEFRAME: ['1m', '15m', '1h'],
    BOT_MIN_REWARD_RISK: ['1', '1.3', '1.8', '3', '10'],
    RISK_PER_TRADE_PCT: ['0.005', '0.01', '0.02'],
    DAILY_DRAWDOWN_PCT: ['0.02', '0.05'],
    LEVERAGE_DEFAULT: ['1', '3', '5', '10'],
    MAX_CONCURRENT_POSITIONS: ['1', '2', '3'],
    MAX_SL_STREAK: ['1', '3'],
    BOT_COOLDOWN_AFTER_STOP_MINUTES: ['15', '30', '60'],
    WORKING_TYPE: WORKING_TYPES,
    TP_ORDER_STYLE: TP_ORDER_STYLES,
    BOT_MAX_RETRIES: ['0', '3'],
    BOT_BACKOFF_BASE_MS: ['100', '500'],
    BOT_BACKOFF_MAX_MS: ['1000', '10000'],
    BOT_REQUEST_TIMEOUT_MS: ['5000'],
    BOT_RECV_WINDOW_MS: ['5000'],
    BOT_SIGNAL_EXPIRY_CANDLES: ['1', '2', '100'],
    BOT_MAX_ENTRY_DEVIATION_PCT: ['0.005', '0.02', '0.1'],
    BOT_RISK_OVERRUN_TOLERANCE_PCT: ['0', '0.25', '1'],
    BOT_ACCOUNT_SWEEP_MS: ['1000', '60000'],
    BOT_FOREIGN_POSITIONS: FOREIGN_POSITION_POLICIES,
    BOT_AUDIT_PATH: ['audit.jsonl'],
    BOT_RECORD_RATIONALE: ['true', '0'],
    BOT_ALLOW_WITHDRAWAL_KEY: ['false', '1'],
    BOT_OPERATOR_BIND: ['127.0.0.1:8787', '0.0.0.0:1'],
    BOT_OPERATOR_TOKEN: [`${MARK}operatortoken0123456789abcdef`],
    BOT_NOTIFY_KIND: ['json', 'telegram', 'slack', 'discord'],
    BOT_NOTIFY_CHAT_ID: ['-1001234567890', '@botchannel'],
    BOT_NOTIFY_EVENTS: ['entry,exit', 'halt,daily-summary'],
    BOT_NOTIFY_URL: [
      `https://hooks.slack.com/services/${MARK}/B000`,
      `https://api.telegram.org/bot123:${MARK}/sendMessage`,
      `http://127.0.0.1:9/${MARK}`,
    ],
    BOT_NOTIFY_URL_FILE: [files.webhook ?? '', files.missing ?? ''],
    BOT_API_KEY: [`${MARK}apikey0123456789`],
    BOT_API_SECRET: [`${MARK}apisecret0123456789`],
    BOT_OPERATOR_TOKEN_FILE: [files.token ?? '', files.missing ?? ''],
    BOT_API_KEY_FILE: [files.key ?? '', files.missing ?? ''],
    BOT_API_SECRET_FILE: [files.secret ?? '', files.badSecret ?? ''],
  };
  const values = table[name];
  if (values === undefined) throw new Error(`no plausible values for ${name}`);
  return values;
}

function valueFor(name: string, kind: string): fc.Arbitrary<string | undefined> {
  const arbitrary =
    kind === 'secret'
      ? fc.oneof(
          fc.constantFrom(...plausibleValues(name)),
          fc.string().map((text) => `${MARK}${text}`),
          fc.string().map((text) => `${text} ${MARK}`),
        )
      : fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...plausibleValues(name)) },
          { weight: 2, arbitrary: fc.string() },
          { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
          { weight: 1, arbitrary: fc.double().map(String) },
          { weight: 1, arbitrary: fc.integer().map(String) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('', ' ', 'Infinity', 'NaN', '12abc', '0x1', '1e999', '-0'),
          },
        );
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: arbitrary });
}

/** Any of our variables, each set or not, to plausible or arbitrary text, plus unrelated and unknown ones. */
const chaoticEnvironments = () =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(
          ENVIRONMENT_VARIABLES.map((variable) => [variable.name, valueFor(variable.name, variable.kind)]),
        ),
      ),
      fc.option(fc.string().map((text) => `${MARK}${text}`)),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    )
    .map(([known, unknownBotValue, unrelated]) => ({
      ...unrelated,
      ...known,
      ...(unknownBotValue === null ? {} : { BOT_UNKNOWN_SETTING: unknownBotValue }),
    }));

/** A few of our variables set to plausible values: mostly valid, sometimes contradictory. */
const plausibleEnvironments = () =>
  fc
    .subarray(
      ENVIRONMENT_VARIABLES.map((variable) => variable.name),
      { maxLength: 6 },
    )
    .chain((names) =>
      fc.tuple(
        ...names.map((name) => fc.constantFrom(...plausibleValues(name)).map((value) => [name, value])),
      ),
    )
    .map((entries) => Object.fromEntries(entries) as Record<string, string>);

const environments = () => fc.oneof(chaoticEnvironments(), plausibleEnvironments());

function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(numbersIn);
}

describe('loadConfig on arbitrary environments', () => {
  it('returns a valid config without NaN, or throws a ConfigError, and never leaks a secret', () => {
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(environments(), (env) => {
        let config: BotConfig;
        try {
          config = loadConfig({ env });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          refused += 1;
          expect(error.issues.length).toBeGreaterThan(0);
          for (const issue of error.issues) {
            expect(['default', 'file', 'env', 'override']).toContain(issue.source);
            expect(issue.expected.length).toBeGreaterThan(0);
          }
          for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: null })]) {
            expect(text).not.toContain(MARK);
          }
          return;
        }
        loaded += 1;
        for (const number of numbersIn(config)) expect(Number.isFinite(number)).toBe(true);
        expect(botConfigSchema.safeParse(config).success).toBe(true);
        expect(Object.isFrozen(config.risk)).toBe(true);
        for (const text of [
          JSON.stringify(config),
          inspect(config, { depth: null }),
          describeConfig(config),
        ]) {
          expect(text).not.toContain(MARK);
        }
      }),
      { numRuns: 400 },
    );
    expect(loaded).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(40);
  }, 60_000);

  it('accepts RISK_PER_TRADE_PCT exactly when it is a fraction in (0, 0.05], and keeps its value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.double({ min: -0.1, max: 0.1 })), (fraction) => {
        const env = { BOT_TIER: 'aggressive', RISK_PER_TRADE_PCT: String(fraction) };
        const valid = Number.isFinite(fraction) && fraction > 0 && fraction <= 0.05;
        if (valid) {
          expect(loadConfig({ env }).risk.riskPerTradePct).toBe(fraction);
        } else {
          expect(() => loadConfig({ env })).toThrow(ConfigError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['BOT_MAX_ENTRY_DEVIATION_PCT', 'maxEntryDeviationPct', (value: number) => value > 0 && value <= 0.1],
    [
      'BOT_RISK_OVERRUN_TOLERANCE_PCT',
      'riskOverrunTolerancePct',
      (value: number) => value >= 0 && value <= 1,
    ],
  ] as const)(
    'accepts %s exactly when it is a fraction in its range, and keeps its value',
    (name, field, inRange) => {
      fc.assert(
        fc.property(fc.oneof(fc.double(), fc.double({ min: -0.2, max: 1.2 })), (fraction) => {
          const env = { [name]: String(fraction) };
          // String(-0) is '0', so -0 reads as 0.
          if (Number.isFinite(fraction) && inRange(fraction)) {
            expect(loadConfig({ env }).execution[field]).toBe(Object.is(fraction, -0) ? 0 : fraction);
          } else {
            expect(() => loadConfig({ env })).toThrow(ConfigError);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it.each([
    ['BOT_SIGNAL_EXPIRY_CANDLES', 'signalExpiryCandles'],
    ['BOT_ACCOUNT_SWEEP_MS', 'accountSweepMs'],
  ] as const)('accepts %s exactly when it is an integer in its range', (name, field) => {
    const { min, max } = EXECUTION_SAFETY_LIMITS[field];
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: min - 5, max: max + 5 }), fc.integer(), fc.double({ min: min, max: max })),
        (value) => {
          const env = { [name]: String(value) };
          if (Number.isInteger(value) && value >= min && value <= max) {
            expect(loadConfig({ env }).execution[field]).toBe(value);
          } else {
            expect(() => loadConfig({ env })).toThrow(ConfigError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts LEVERAGE_DEFAULT exactly when it is an integer within the tier cap', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TIERS), fc.integer({ min: -10, max: 200 }), (tier, leverage) => {
        const env = { BOT_TIER: tier, LEVERAGE_DEFAULT: String(leverage) };
        const cap = { conservative: 5, standard: 10, aggressive: 20 }[tier];
        if (leverage >= 1 && leverage <= cap) expect(loadConfig({ env }).risk.leverageDefault).toBe(leverage);
        else expect(() => loadConfig({ env })).toThrow(ConfigError);
      }),
      { numRuns: 300 },
    );
  });
});
