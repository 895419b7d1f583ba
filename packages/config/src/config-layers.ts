/**
 * The layers the configuration is merged from, one reader each: the defaults, the JSON config file, the
 * environment (with `*_FILE` secrets) and the overrides. Each validates its own values and reports issues.
 */
import stripJsonComments from 'strip-json-comments';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { Entry, Segment, IssueList } from './config-entries';
import {
  RANK,
  SECTIONS,
  copyPlain,
  defineOwn,
  expectationFor,
  isPlainObject,
  leafOf,
  removeAt,
  toSegments,
  valueAt,
} from './config-entries';
import type { ConfigSource } from './config-error';
import { CONFIG_DEFAULTS } from './defaults';
import { closest, unknownKeyExpectation } from './did-you-mean';
import { ENVIRONMENT_VARIABLES, ENVIRONMENT_VARIABLES_BY_NAME, parseEnvironmentValue } from './environment';
import { MAX_DEPTH, findJsonSyntaxProblem } from './json-syntax';
import type { LoadConfigOptions } from './load-config';
import type { ConfigOverrides } from './schema';
import {
  CONFIG_FILE_KEYS,
  FIELD_EXPECTATIONS,
  LIVE_CONFIRMATION,
  SECRET_PATHS,
  configFileSchema,
  configOverridesSchema,
  isValidApiKey,
  isValidApiSecret,
  isValidNotificationUrl,
  isValidOperatorToken,
} from './schema';
import { REDACTED, Secret } from './secret';

const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Keys that look like secrets: refused in the config file and in overrides with a "use env" message. A
 * webhook URL is one: its path is the credential (Telegram's bot token, Slack's and Discord's hook secret).
 */
const SECRET_LIKE_KEY = /key|secret|token|passw|credential|auth|url/i;

const SECRET_VALIDATORS: Readonly<Record<string, (value: string) => boolean>> = {
  'credentials.apiKey': isValidApiKey,
  'credentials.apiSecret': isValidApiSecret,
  'operator.token': isValidOperatorToken,
  'notifications.url': isValidNotificationUrl,
};

const SECRETS_FROM_ENV =
  'secrets come only from the environment: BOT_API_KEY, BOT_API_SECRET, BOT_OPERATOR_TOKEN, BOT_NOTIFY_URL or their *_FILE variants';

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'unreadable';
}

type TextFile = { ok: true; text: string } | { ok: false; expected: string };

/** Reads a small regular file; never includes the file's content in what it reports. */
function readSmallTextFile(filePath: string, maxBytes: number): TextFile {
  try {
    const stats = statSync(filePath);
    if (!stats.isFile()) return { ok: false, expected: 'a regular file (not a directory or device)' };
    if (stats.size > maxBytes) return { ok: false, expected: `a file of at most ${maxBytes} bytes` };
    return { ok: true, text: readFileSync(filePath, 'utf8') };
  } catch (error) {
    return { ok: false, expected: `an existing, readable file (${errorCode(error)})` };
  }
}

/** How the parts of one layer are described in issues. */
interface LayerContext {
  readonly source: ConfigSource;
  readonly rank: number;
  readonly origin: (path: readonly Segment[]) => string | undefined;
  readonly given: (path: readonly Segment[]) => unknown;
  readonly issues: IssueList;
}

/**
 * Whether a value nests deeper than `limit` levels (the top level is 0, as in findJsonSyntaxProblem).
 * Iterative, so that input deep enough to overflow the stack (a small file of `[[[[…`) is caught before
 * the recursive steps below see it; a cycle in a caller's object counts as too deep.
 */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number];
    if (depth > limit) return true;
    if (typeof current !== 'object' || current === null) continue;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * A copy for showing values in issues: the value of every secret-looking key replaced by `[redacted]`.
 * Without it, a secret nested in an invalid field (`"mode": {"apiSecret": "…"}`) was redacted in its own
 * issue but printed in full in the field's. Call it on input no deeper than MAX_DEPTH only.
 */
function redactSecretKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecretKeys);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    defineOwn(copy, key, SECRET_LIKE_KEY.test(key) ? REDACTED : redactSecretKeys(item));
  }
  return copy;
}

/** Refuses secret-looking keys (at any depth) with a message pointing to the environment, and removes them. */
function refuseSecretKeys(value: unknown, path: Segment[], context: LayerContext, why: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => refuseSecretKeys(item, [...path, index], context, why));
    return;
  }
  if (!isPlainObject(value)) return;
  // A key of the schema is never a secret, whatever its name (`compliance.allowWithdrawalKey`).
  const known = CONFIG_FILE_KEYS[path.join('.')] ?? [];
  for (const key of Object.keys(value)) {
    const keyPath = [...path, key];
    if (SECRET_LIKE_KEY.test(key) && !known.includes(key)) {
      context.issues.add(
        {
          path: keyPath.join('.'),
          value: REDACTED,
          expected: why,
          source: context.source,
          origin: context.origin(keyPath),
        },
        context.rank,
      );
      delete value[key];
    } else {
      refuseSecretKeys(value[key], keyPath, context, why);
    }
  }
}

/**
 * Validates one layer against `schema`, reports every issue, and returns the layer without the invalid
 * parts (so lower layers fill them and every other problem can still be found in the same run).
 */
function validateLayer(
  raw: Record<string, unknown>,
  schema: z.ZodType,
  rootKeys: readonly string[],
  context: LayerContext,
): Record<string, unknown> {
  let current = raw;
  const reported = new Set<string>();
  const report = (path: readonly Segment[], value: unknown, expected: string) => {
    const key = `${path.join('.')}\u0000${expected}`;
    if (reported.has(key)) return;
    reported.add(key);
    context.issues.add(
      { path: path.join('.'), value, expected, source: context.source, origin: context.origin(path) },
      context.rank,
    );
  };
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const result = schema.safeParse(current);
    if (result.success) return result.data as Record<string, unknown>;
    for (const issue of result.error.issues) {
      const path = toSegments(issue.path);
      if (issue.code === 'unrecognized_keys') {
        const parent = path.join('.');
        const allowed = parent === '' ? rootKeys : (CONFIG_FILE_KEYS[parent] ?? []);
        for (const key of issue.keys) {
          report([...path, key], REDACTED, unknownKeyExpectation(parent, key, allowed));
          current = removeAt(current, [...path, key]);
        }
      } else {
        const secret = SECRET_PATHS.has(leafOf(path));
        report(path, secret ? REDACTED : context.given(path), expectationFor(path, issue.message));
        current = removeAt(current, path);
      }
    }
  }
  return {};
}

/** Flattens a validated layer into leaf paths (`mode`, `symbols`, `risk.leverageDefault`, …). */
function flatten(
  layer: Record<string, unknown>,
  make: (path: readonly Segment[], value: unknown) => Entry,
): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    if (SECTIONS.has(key) && isPlainObject(value)) {
      for (const [field, fieldValue] of Object.entries(value)) {
        if (fieldValue !== undefined) entries.set(`${key}.${field}`, make([key, field], fieldValue));
      }
    } else {
      entries.set(key, make([key], value));
    }
  }
  return entries;
}

export function defaultsLayer(): Map<string, Entry> {
  return flatten(CONFIG_DEFAULTS as unknown as Record<string, unknown>, (_path, value) => ({
    value,
    raw: value,
    source: 'default',
    origin: undefined,
    rank: RANK.default,
  }));
}

export function readFileLayer(filePath: string, issues: IssueList): Map<string, Entry> {
  const absolute = resolve(filePath);
  const fileIssue = (expected: string) =>
    issues.add({ path: '', value: undefined, expected, source: 'file', origin: absolute }, RANK.file);
  const file = readSmallTextFile(absolute, MAX_CONFIG_FILE_BYTES);
  if (!file.ok) {
    fileIssue(`${file.expected} holding the JSON config`);
    return new Map();
  }
  // Comments (`//`, `/* */`) become spaces: the file may explain itself (`bot new-config` writes one that
  // does), and a syntax error's line and column still point into the file as written.
  const text = stripJsonComments(file.text.startsWith('\uFEFF') ? file.text.slice(1) : file.text, {
    whitespace: true,
    trailingCommas: false,
  });
  if (text.trim() === '') {
    fileIssue('a JSON object (the file is empty)');
    return new Map();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxProblem(text);
    fileIssue(
      problem === undefined
        ? 'valid JSON'
        : `valid JSON: ${problem.expected} at line ${problem.line}, column ${problem.column} (offset ${problem.offset})`,
    );
    return new Map();
  }
  if (!isPlainObject(parsed)) {
    fileIssue('a JSON object at the top level');
    return new Map();
  }
  // JSON.parse takes any depth; the steps below recurse, and a stack overflow is no ConfigError.
  if (nestsDeeperThan(parsed, MAX_DEPTH)) {
    fileIssue(`a JSON object nested no deeper than ${MAX_DEPTH} levels`);
    return new Map();
  }
  const shown = redactSecretKeys(parsed);
  const context: LayerContext = {
    source: 'file',
    rank: RANK.file,
    origin: () => absolute,
    given: (path) => valueAt(shown, path),
    issues,
  };
  const layer = copyPlain(parsed) as Record<string, unknown>;
  refuseSecretKeys(layer, [], context, `no secrets in the config file: ${SECRETS_FROM_ENV}`);
  if (Object.hasOwn(layer, 'liveConfirm')) {
    issues.add(
      {
        path: 'liveConfirm',
        value: layer['liveConfirm'],
        expected: `no live confirmation in the config file: confirm each run with BOT_LIVE_CONFIRM=${LIVE_CONFIRMATION}`,
        source: 'file',
        origin: absolute,
      },
      RANK.file,
    );
    delete layer['liveConfirm'];
  }
  const valid = validateLayer(layer, configFileSchema, CONFIG_FILE_KEYS[''] ?? [], context);
  return flatten(valid, (path, value) => ({
    value,
    raw: valueAt(shown, path),
    source: 'file',
    origin: absolute,
    rank: RANK.file,
  }));
}

/** Paths used in issues about the variables that steer loading rather than set a field. */
const CONTROL_PATHS: Readonly<Record<string, string>> = {
  BOT_LIVE_CONFIRM: 'liveConfirm',
  BOT_CONFIG_FILE: 'configFile',
};

interface EnvironmentLayer {
  readonly entries: Map<string, Entry>;
  readonly secrets: Map<string, Entry>;
  readonly liveConfirmed: boolean;
  readonly configFile: string | undefined;
}

function readSecret(
  path: string,
  valueVariable: string,
  fileVariable: string,
  env: LoadConfigOptions['env'],
  issues: IssueList,
): Entry | undefined {
  const direct: unknown = env[valueVariable];
  const filePath: unknown = env[fileVariable];
  const add = (value: unknown, expected: string, origin: string) =>
    issues.add({ path, value, expected, source: 'env', origin }, RANK.env);
  for (const [name, given] of [
    [valueVariable, direct],
    [fileVariable, filePath],
  ] as const) {
    if (given !== undefined && typeof given !== 'string') {
      add(REDACTED, 'a string', name);
      return undefined;
    }
  }
  if (direct !== undefined && filePath !== undefined) {
    add(REDACTED, `only one of ${valueVariable} and ${fileVariable}`, `${valueVariable} and ${fileVariable}`);
    return undefined;
  }
  let secret: string;
  let origin: string;
  if (typeof direct === 'string') {
    origin = valueVariable;
    secret = direct;
  } else if (typeof filePath === 'string') {
    origin = fileVariable;
    if (filePath === '') {
      add(filePath, 'a path to a file holding the secret (the variable is set but empty)', origin);
      return undefined;
    }
    const file = readSmallTextFile(resolve(filePath), MAX_SECRET_FILE_BYTES);
    if (!file.ok) {
      add(filePath, `${file.expected} holding the secret`, origin);
      return undefined;
    }
    secret = file.text.replace(/(?:\r?\n)+$/, '');
  } else {
    return undefined;
  }
  const validate = SECRET_VALIDATORS[path];
  if (secret === '' || (validate !== undefined && !validate(secret))) {
    const empty = secret === '' ? ' (it is empty)' : '';
    add(REDACTED, `${FIELD_EXPECTATIONS[path] ?? 'a secret'}${empty}`, origin);
    return undefined;
  }
  return { value: new Secret(secret), raw: REDACTED, source: 'env', origin, rank: RANK.env };
}

export function readEnvironmentLayer(env: LoadConfigOptions['env'], issues: IssueList): EnvironmentLayer {
  const layer: Record<string, unknown> = {};
  const givenText = new Map<string, string>();
  const originOfLeaf = new Map<string, string>();
  let liveConfirmed = false;
  let configFile: string | undefined;
  const add = (path: string, value: unknown, expected: string, origin: string) =>
    issues.add({ path, value, expected, source: 'env', origin }, RANK.env);

  for (const variable of ENVIRONMENT_VARIABLES) {
    const text: unknown = env[variable.name];
    if (text === undefined || variable.kind === 'secret' || variable.kind === 'secret-file') continue;
    const path = variable.path ?? CONTROL_PATHS[variable.name] ?? variable.name;
    if (typeof text !== 'string') {
      add(path, text, 'a string', variable.name);
      continue;
    }
    if (variable.name === 'BOT_LIVE_CONFIRM') {
      if (text === LIVE_CONFIRMATION) liveConfirmed = true;
      else add(path, text, `exactly ${LIVE_CONFIRMATION}`, variable.name);
      continue;
    }
    if (variable.name === 'BOT_CONFIG_FILE') {
      if (text === '') add(path, text, 'a path to the JSON config file (set but empty)', variable.name);
      else configFile = text;
      continue;
    }
    const parsed = parseEnvironmentValue(variable, text);
    if (!parsed.ok) {
      add(path, text, parsed.expected, variable.name);
      continue;
    }
    const [section, field] = path.split('.') as [string, string | undefined];
    if (field === undefined) {
      layer[section] = parsed.value;
    } else {
      const target = (layer[section] ??= {}) as Record<string, unknown>;
      target[field] = parsed.value;
    }
    givenText.set(path, text);
    originOfLeaf.set(path, variable.name);
  }

  const unknown = Object.keys(env)
    .filter(
      (name) =>
        name.startsWith('BOT_') && !ENVIRONMENT_VARIABLES_BY_NAME.has(name) && env[name] !== undefined,
    )
    .sort();
  const known = ENVIRONMENT_VARIABLES.map((variable) => variable.name).filter((name) =>
    name.startsWith('BOT_'),
  );
  for (const name of unknown) {
    const suggestion = closest(name, known);
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    add('', REDACTED, `no unknown BOT_* variable${hint} (BOT_ is this bot's namespace)`, name);
  }

  const context: LayerContext = {
    source: 'env',
    rank: RANK.env,
    origin: (path) => originOfLeaf.get(leafOf(path)),
    given: (path) => givenText.get(path.join('.')) ?? valueAt(layer, path),
    issues,
  };
  const valid = validateLayer(layer, configFileSchema, CONFIG_FILE_KEYS[''] ?? [], context);
  const entries = flatten(valid, (path, value) => ({
    value,
    raw: givenText.get(path.join('.')) ?? value,
    source: 'env',
    origin: originOfLeaf.get(path.join('.')),
    rank: RANK.env,
  }));

  const secrets = new Map<string, Entry>();
  for (const path of SECRET_PATHS) {
    const [valueVariable, fileVariable] = ENVIRONMENT_VARIABLES.filter((variable) => variable.path === path)
      .sort((left, right) => left.name.length - right.name.length)
      .map((variable) => variable.name) as [string, string];
    const entry = readSecret(path, valueVariable, fileVariable, env, issues);
    if (entry !== undefined) secrets.set(path, entry);
  }
  return { entries, secrets, liveConfirmed, configFile };
}

export function readOverridesLayer(
  overrides: ConfigOverrides,
  issues: IssueList,
): { entries: Map<string, Entry>; liveConfirmed: boolean } {
  const tooDeep = nestsDeeperThan(overrides, MAX_DEPTH);
  const shown = tooDeep ? undefined : redactSecretKeys(overrides);
  const context: LayerContext = {
    source: 'override',
    rank: RANK.override,
    origin: () => 'overrides',
    given: (path) => valueAt(shown, path),
    issues,
  };
  if (!isPlainObject(overrides) || tooDeep) {
    issues.add(
      {
        path: '',
        value: shown,
        expected: tooDeep ? `an object nested no deeper than ${MAX_DEPTH} levels` : 'an object',
        source: 'override',
        origin: 'overrides',
      },
      RANK.override,
    );
    return { entries: new Map(), liveConfirmed: false };
  }
  const layer = copyPlain(overrides) as Record<string, unknown>;
  refuseSecretKeys(layer, [], context, `no secrets in overrides: ${SECRETS_FROM_ENV}`);
  const rootKeys = [...(CONFIG_FILE_KEYS[''] ?? []), 'liveConfirm'];
  const valid = validateLayer(layer, configOverridesSchema, rootKeys, context);
  const liveConfirmed = valid['liveConfirm'] === LIVE_CONFIRMATION;
  delete valid['liveConfirm'];
  const entries = flatten(valid, (path, value) => ({
    value,
    raw: valueAt(shown, path),
    source: 'override',
    origin: 'overrides',
    rank: RANK.override,
  }));
  return { entries, liveConfirmed };
}
