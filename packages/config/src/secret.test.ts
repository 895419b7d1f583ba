import { Console } from 'node:console';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { describeConfig } from './describe-config';
import { loadConfig } from './load-config';
import type { LoadConfigOptions } from './load-config';
import { LIVE_CONFIRMATION } from './schema';
import { REDACTED, Secret } from './secret';

const API_KEY = 'LeakCheckApiKey0000111122223333';
const API_SECRET = 'LeakCheckApiSecret444455556666777';
const OPERATOR_TOKEN = 'LeakCheckOperatorToken88889999aaaabbbb';
const SECRETS = [API_KEY, API_SECRET, OPERATOR_TOKEN];
const LIVE_ENV = {
  BOT_MODE: 'live',
  BOT_LIVE_CONFIRM: LIVE_CONFIRMATION,
  BOT_API_KEY: API_KEY,
  BOT_API_SECRET: API_SECRET,
  BOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
};

/** Everything a value could turn into when printed, logged or serialised. */
function renderings(value: unknown): string[] {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = new Console({ stdout: sink, stderr: sink });
  logger.log(value);
  logger.error(value);
  logger.dir(value, { depth: null, showHidden: true });
  logger.log('%s %o %O %j', value, value, value, value);
  return [
    chunks.join(''),
    JSON.stringify(value) ?? '',
    inspect(value, { depth: null, showHidden: true, getters: true }),
    format('%s|%o|%O|%j', value, value, value, value),
    String(value),
    `${value as string}`,
  ];
}

function expectNoSecret(value: unknown, secrets: readonly string[] = SECRETS): void {
  for (const text of renderings(value)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

function thrown(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'bot-config-secret-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('Secret', () => {
  const secret = new Secret(API_SECRET);

  it('reveals its value only through reveal()', () => {
    expect(secret.reveal()).toBe(API_SECRET);
  });

  it('renders as [redacted] everywhere', () => {
    expect(String(secret)).toBe(REDACTED);
    expect(`${secret}`).toBe(REDACTED);
    expect(`${secret as unknown as string}x`).toBe(`${REDACTED}x`);
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).toBe(REDACTED);
    expect(inspect({ nested: { secret } }, { depth: null, showHidden: true })).not.toContain(API_SECRET);
    expect(Object.keys(secret)).toEqual([]);
    expect(structuredClone({ secret })).toEqual({ secret: {} });
    expectNoSecret(secret);
  });

  it('accepts strings only', () => {
    expect(() => new Secret(42 as never)).toThrow(TypeError);
  });
});

describe('a loaded config', () => {
  it('never shows its secrets when printed, logged, serialised or described', () => {
    const config = loadConfig({ env: LIVE_ENV });
    expect(config.credentials.apiKey?.reveal()).toBe(API_KEY);
    expect(config.credentials.apiSecret?.reveal()).toBe(API_SECRET);
    expect(config.operator.token?.reveal()).toBe(OPERATOR_TOKEN);
    expectNoSecret(config);
    expectNoSecret(config.credentials);
    expectNoSecret(describeConfig(config));
    expect(JSON.parse(JSON.stringify(config.credentials))).toEqual({ apiKey: REDACTED, apiSecret: REDACTED });
  });

  it('never shows secrets read from files', () => {
    const secretFile = join(directory, 'secret');
    writeFileSync(secretFile, `${API_SECRET}\n`);
    const { BOT_API_SECRET: _direct, ...env } = LIVE_ENV;
    const config = loadConfig({ env: { ...env, BOT_API_SECRET_FILE: secretFile } });
    expect(config.credentials.apiSecret?.reveal()).toBe(API_SECRET);
    expectNoSecret(config);
  });
});

describe('a ConfigError', () => {
  it('raised while valid secrets are present never shows them', () => {
    const error = thrown({ env: { ...LIVE_ENV, LEVERAGE_DEFAULT: '99', WORKING_TYPE: 'nope' } });
    expect(error.issues).toHaveLength(2);
    expectNoSecret(error);
    expectNoSecret(error.message);
    expectNoSecret(error.stack);
    expectNoSecret(error.issues);
  });

  it.each([
    ['BOT_API_KEY', `${API_KEY} with spaces`],
    ['BOT_API_SECRET', `${API_SECRET}\t`],
    ['BOT_OPERATOR_TOKEN', 'LeakCheckShortToken'],
  ])('for an invalid %s never shows the invalid value', (name, value) => {
    const error = thrown({ env: { ...LIVE_ENV, [name]: value } });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.value).toBe(REDACTED);
    expectNoSecret(error, [value, ...SECRETS]);
  });

  it('for an invalid secret file never shows the file content', () => {
    const secretFile = join(directory, 'secret');
    writeFileSync(secretFile, 'LeakCheck bad secret with spaces\n');
    const error = thrown({ env: { BOT_API_SECRET_FILE: secretFile } });
    expect(error.issues[0]?.value).toBe(REDACTED);
    expectNoSecret(error, ['LeakCheck bad secret']);
  });

  it('for a secret in the config file never shows it, not even in a JSON syntax error', () => {
    const configFile = join(directory, 'bot.json');
    writeFileSync(configFile, JSON.stringify({ apiSecret: API_SECRET, operator: { token: OPERATOR_TOKEN } }));
    expectNoSecret(thrown({ env: {}, configFile }));
    writeFileSync(configFile, `{"apiSecret": "${API_SECRET}" "apiKey": "${API_KEY}"}`);
    const syntax = thrown({ env: {}, configFile });
    expect(syntax.issues[0]?.expected).toContain('line 1');
    expectNoSecret(syntax);
  });

  it('for a misspelt secret variable (an unknown BOT_* name) never shows its value', () => {
    expectNoSecret(thrown({ env: { BOT_APY_SECRET: API_SECRET, BOT_API_KEYS: API_KEY } }));
  });

  it('for an unknown key in the config file never shows its value', () => {
    const configFile = join(directory, 'bot.json');
    writeFileSync(configFile, JSON.stringify({ risk: { binance: API_SECRET } }));
    expectNoSecret(thrown({ env: {}, configFile }));
  });

  it('redacts a Secret passed as an issue value by hand', () => {
    const error = new ConfigError([
      { path: 'x', value: new Secret(API_SECRET), expected: 'y', source: 'override', origin: 'overrides' },
    ]);
    expect(error.issues[0]?.value).toBe(REDACTED);
    expectNoSecret(error);
  });
});
