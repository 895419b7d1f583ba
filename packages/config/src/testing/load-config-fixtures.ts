import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ConfigError } from '../config-error';
import type { ConfigIssue } from '../config-error';
import { loadConfig } from '../load-config';
import type { LoadConfigOptions } from '../load-config';
import { LIVE_CONFIRMATION } from '../schema';

/** What the load-config-*.test.ts files share: valid secrets, a live environment, a temporary directory. */

export const API_KEY = 'apikey0123456789ABCDEFabcdef0123456789';
export const API_SECRET = 'apisecret0123456789ABCDEFabcdef01234567';
export const OPERATOR_TOKEN = 'operatortoken0123456789abcdef0123456789';
export const KEYS = { BOT_API_KEY: API_KEY, BOT_API_SECRET: API_SECRET };
export const LIVE = {
  BOT_MODE: 'live',
  BOT_LIVE_CONFIRM: LIVE_CONFIRMATION,
  ...KEYS,
  BOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
};

/** A fresh temporary directory for each test (registers the hooks); `writeFile` puts a config file in it. */
export function useConfigDirectory() {
  let directory = '';
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'bot-config-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    directory: () => directory,
    writeFile(name: string, content: unknown): string {
      const path = join(directory, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    },
  };
}

export function configError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

export function issueAt(error: ConfigError, path: string): ConfigIssue {
  const issue = error.issues.find((candidate) => candidate.path === path);
  if (issue === undefined) {
    throw new Error(`no issue at ${path}; issues: ${JSON.stringify(error.issues, null, 2)}`);
  }
  return issue;
}
