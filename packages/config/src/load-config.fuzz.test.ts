import fc from 'fast-check';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { describeConfig } from './describe-config';
import { ENVIRONMENT_VARIABLES } from './environment';
import { MAX_DEPTH } from './json-syntax';
import type { LoadConfigOptions } from './load-config';
import { REDACTED as REDACTED_TEXT } from './secret';
import {
  attempt,
  containsSecretLikeKey,
  expectIssueOrigin,
  expectNoLeak,
  expectValidConfig,
  FIELD_PATHS,
  FILE_FIELDS,
  fileKeysOf,
  filePathOf,
  inputs,
  INVALID_ENV,
  keysOf,
  MARK,
  removeConfigFiles,
  rootOf,
  SECRET_VARIABLES,
  secretValue,
  setPath,
  TOP_KEYS,
  writeConfig,
} from './testing/load-config-fuzz-inputs';
import type { Json } from './testing/load-config-fuzz-inputs';

/**
 * Fuzzing loadConfig's other inputs: arbitrary JSON config files (and text that is not JSON), arbitrary
 * overrides, with and without a hostile environment. load-config.property.test.ts fuzzes the environment
 * alone. Every case either loads a config that passes the schema and its invariants, or throws a
 * ConfigError whose issues name the offending key and layer; never another exception; and a secret put
 * where secrets do not belong (env secrets, secret-looking or unknown keys, broken JSON) is never printed.
 */

afterAll(removeConfigFiles);

describe('loadConfig on fuzzed config files, overrides and environments', () => {
  it('loads a valid config or throws a ConfigError naming each offending key, and never leaks a secret', () => {
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(inputs, ([file, env, override, viaEnv]) => {
        const path = filePathOf(file);
        const options: LoadConfigOptions = {
          env: viaEnv && path !== undefined ? { ...env, BOT_CONFIG_FILE: path } : env,
          ...(viaEnv || path === undefined ? {} : { configFile: path }),
          overrides: override as LoadConfigOptions['overrides'],
        };
        const outcome = attempt(options);
        const fileKeys = fileKeysOf(file);
        const unknownVariables = Object.keys(env).filter(
          (name) =>
            name.startsWith('BOT_') && !ENVIRONMENT_VARIABLES.some((variable) => variable.name === name),
        );
        if ('config' in outcome) {
          loaded += 1;
          expectValidConfig(outcome.config);
          expect(unknownVariables).toEqual([]);
          expect(file.kind === 'object' && containsSecretLikeKey(file.object)).toBe(false);
          expect(containsSecretLikeKey(override)).toBe(false);
          expectNoLeak([
            JSON.stringify(outcome.config),
            inspect(outcome.config, { depth: null }),
            describeConfig(outcome.config),
          ]);
          return;
        }
        refused += 1;
        const { error } = outcome;
        expect(error.issues.length).toBeGreaterThan(0);
        expectNoLeak([error.message, JSON.stringify(error), inspect(error, { depth: null })]);
        const allowedRoots = new Set([
          '',
          ...TOP_KEYS,
          'liveConfirm',
          'configFile',
          ...fileKeys,
          ...keysOf(override),
        ]);
        for (const issue of error.issues) {
          const label = JSON.stringify(issue);
          expect(issue.expected.length, label).toBeGreaterThan(0);
          // Keys may contain dots themselves, so a path is matched against the keys as given too.
          const namesAKey =
            allowedRoots.has(rootOf(issue.path)) ||
            [...allowedRoots].some(
              (key) => key !== '' && (issue.path === key || issue.path.startsWith(`${key}.`)),
            );
          expect(namesAKey, label).toBe(true);
          expectIssueOrigin(issue, { path, env: options.env });
        }
        for (const name of unknownVariables)
          expect(error.issues).toContainEqual(
            expect.objectContaining({ path: '', origin: name, value: REDACTED_TEXT }),
          );
      }),
      { numRuns: 500, seed: 9_001 },
    );
    expect(loaded).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(100);
  }, 60_000);

  it('names the one broken field of a file or of the overrides, with its layer and origin', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FIELD_PATHS),
        fc.nat(),
        fc.constantFrom('file', 'override'),
        (path, pick, layer) => {
          const invalid = FILE_FIELDS[path]!.invalid;
          const object: Record<string, Json> = { strategy: { tier: 'standard' } };
          setPath(object, path, invalid[pick % invalid.length] as Json);
          const file = layer === 'file' ? writeConfig(JSON.stringify(object)) : undefined;
          const outcome = attempt({
            env: {},
            ...(file === undefined
              ? { overrides: object as LoadConfigOptions['overrides'] }
              : { configFile: file }),
          });
          expect('error' in outcome, `${path} = ${JSON.stringify(invalid[pick % invalid.length])}`).toBe(
            true,
          );
          if (!('error' in outcome)) return;
          expect(outcome.error.issues).toContainEqual(
            expect.objectContaining({
              path: expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')}(\\.\\d+)?$`)),
              source: layer,
              origin: file === undefined ? 'overrides' : resolve(file),
            }),
          );
        },
      ),
      { numRuns: 300, seed: 9_002 },
    );
  });

  it('names the one broken environment variable by name, and shows a broken secret only as [redacted]', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constantFrom(...Object.keys(INVALID_ENV)), fc.nat()).map(([name, pick]) => {
            const values = INVALID_ENV[name]!;
            return { name, value: values[pick % values.length]! };
          }),
          fc
            .tuple(fc.constantFrom(...SECRET_VARIABLES), secretValue)
            .map(([name, secret]) => ({ name, value: `${secret.slice(0, 14)} has a space` })),
        ),
        ({ name, value }) => {
          const outcome = attempt({ env: { [name]: value } });
          expect('error' in outcome, `${name}=${JSON.stringify(value)}`).toBe(true);
          if (!('error' in outcome)) return;
          const variable = ENVIRONMENT_VARIABLES.find((candidate) => candidate.name === name);
          const path = variable?.path ?? { BOT_LIVE_CONFIRM: 'liveConfirm' }[name];
          const issue = outcome.error.issues.find((candidate) => candidate.origin === name);
          expect(issue, `${name}=${JSON.stringify(value)}: ${outcome.error.message}`).toMatchObject({
            source: 'env',
            path: expect.stringMatching(new RegExp(`^${String(path).replace('.', '\\.')}(\\.\\d+)?$`)),
          });
          if (SECRET_VARIABLES.includes(name)) expect(issue?.value).toBe(REDACTED_TEXT);
          expectNoLeak([outcome.error.message, JSON.stringify(outcome.error)]);
        },
      ),
      { numRuns: 300, seed: 9_003 },
    );
  });

  describe('regressions the fuzzing found', () => {
    it('reports a deeply nested file or overrides as a ConfigError, not a stack overflow', () => {
      for (const depth of [MAX_DEPTH + 1, 5_000, 100_000]) {
        for (const text of [
          `{"risk": ${'['.repeat(depth)}${']'.repeat(depth)}}`,
          `{"x": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
        ]) {
          const file = writeConfig(text);
          const outcome = attempt({ env: {}, configFile: file });
          expect('error' in outcome && outcome.error.issues).toEqual([
            {
              path: '',
              value: undefined,
              expected: `a JSON object nested no deeper than ${MAX_DEPTH} levels`,
              source: 'file',
              origin: resolve(file),
            },
          ]);
        }
      }
      // At the limit it is an ordinary invalid value.
      const atLimit = attempt({
        env: {},
        configFile: writeConfig(`{"risk": ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}`),
      });
      expect('error' in atLimit && atLimit.error.issues.map((issue) => issue.path)).toEqual(['risk']);
      const cyclic: Record<string, unknown> = {};
      cyclic.risk = cyclic;
      const outcome = attempt({ env: {}, overrides: cyclic as LoadConfigOptions['overrides'] });
      expect('error' in outcome && outcome.error.issues).toEqual([
        {
          path: '',
          value: undefined,
          expected: `an object nested no deeper than ${MAX_DEPTH} levels`,
          source: 'override',
          origin: 'overrides',
        },
      ]);
    });

    it('never prints a secret nested in the value of a known field, in a file or in overrides', () => {
      for (const content of [
        { mode: { apiSecret: MARK } },
        { mode: [{ token: MARK }] },
        { risk: { leverageDefault: { password: MARK } } },
        { symbols: ['BTC', { apiKey: MARK }] },
        { risk: [{ secret: MARK }] },
      ]) {
        for (const options of [
          { env: {}, configFile: writeConfig(JSON.stringify(content)) },
          { env: {}, overrides: content as LoadConfigOptions['overrides'] },
        ]) {
          const outcome = attempt(options);
          expect('error' in outcome).toBe(true);
          if (!('error' in outcome)) continue;
          expectNoLeak([outcome.error.message, JSON.stringify(outcome.error), inspect(outcome.error)]);
          // The field is still reported, with the secret redacted inside its value.
          const field = rootOf(Object.keys(content)[0] ?? '');
          expect(
            outcome.error.issues.some((issue) => rootOf(issue.path) === field && issue.value !== undefined),
          ).toBe(true);
          expect(outcome.error.message).toContain(REDACTED_TEXT);
        }
      }
    });
  });
});
