import stripJsonComments from 'strip-json-comments';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './config-error';
import type { ConfigIssue, ConfigSource } from './config-error';
import { CONFIG_DEFAULTS } from './defaults';
import {
  ENVIRONMENT_VARIABLES,
  ENVIRONMENT_VARIABLES_BY_NAME,
  parseEnvironmentValue,
  variablesForPath,
} from './environment';
import { findJsonSyntaxProblem, MAX_DEPTH } from './json-syntax';
import {
  botConfigSchema,
  CONFIG_FILE_KEYS,
  configFileSchema,
  configOverridesSchema,
  FIELD_EXPECTATIONS,
  isValidApiKey,
  isValidApiSecret,
  isValidNotificationUrl,
  isValidOperatorToken,
  LIVE_CONFIRMATION,
  parseUnifiedSymbol,
  SECRET_PATHS,
} from './schema';
import type { BotConfig, ConfigOverrides, Mode, QuoteCoin } from './schema';
import { REDACTED, Secret } from './secret';
import { TIER_PRESETS } from './tiers';
import type { Tier, TierRiskLimits } from './tiers';

export interface LoadConfigOptions {
  /** The process environment; the runner passes `process.env`. Variables that are not ours are ignored. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file. Without it, `BOT_CONFIG_FILE` names the file; without both, none is read. */
  readonly configFile?: string | undefined;
  /** Explicit overrides, typically CLI flags; they beat every other layer. `undefined` values count as unset. */
  readonly overrides?: ConfigOverrides | undefined;
}

type Segment = string | number;

/** A value and where it came from. `rank` orders the layers: default 0, file 1, env 2, override 3. */
interface Entry {
  readonly value: unknown;
  /** The value as given: the env text, the JSON value, or `'[redacted]'`. */
  readonly raw: unknown;
  readonly source: ConfigSource;
  readonly origin: string | undefined;
  readonly rank: number;
}

const RANK = { default: 0, file: 1, env: 2, override: 3, resolution: 4 } as const;
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

/** Collects issues and remembers which paths were invalid in which layer. */
class IssueList {
  readonly items: ConfigIssue[] = [];
  readonly #invalid: { path: string; rank: number }[] = [];

  add(issue: ConfigIssue, rank: number): void {
    this.items.push(issue);
    if (issue.path !== '') this.#invalid.push({ path: issue.path, rank });
  }

  /**
   * Whether an issue at `path` would only repeat an earlier one: a related path was invalid in a layer
   * above the one the value now in use came from (so that value is a fallback, not the user's choice).
   */
  repeats(path: string, rank: number): boolean {
    return this.#invalid.some(
      (invalid) =>
        invalid.rank > rank &&
        (invalid.path === path || path.startsWith(`${invalid.path}.`) || invalid.path.startsWith(`${path}.`)),
    );
  }

  has(path: string): boolean {
    return this.#invalid.some((invalid) => invalid.path === path);
  }

  /** Moves another list's issues (and what they made invalid) to the end of this one. */
  absorb(other: IssueList): void {
    this.items.push(...other.items);
    this.#invalid.push(...other.#invalid);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of plain objects and arrays (so deleting invalid keys touches no caller data); `undefined` keys dropped. */
function copyPlain(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => copyPlain(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) defineOwn(copy, key, copyPlain(item, depth + 1));
  }
  return copy;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<Segment, unknown>)[segment];
  }
  return current;
}

/** Removes the value at `path`; a path into an array removes the whole array (lists are replaced, not merged). */
function removeAt(root: Record<string, unknown>, path: readonly Segment[]): Record<string, unknown> {
  if (path.length === 0) return {};
  let container: unknown = root;
  for (let index = 0; index < path.length; index += 1) {
    if (typeof container !== 'object' || container === null) return root;
    const key = path[index] as Segment;
    const child: unknown = (container as Record<Segment, unknown>)[key];
    if (index === path.length - 1 || Array.isArray(child)) {
      delete (container as Record<Segment, unknown>)[key];
      return root;
    }
    container = child;
  }
  return root;
}

/** Sections of the config; `credentials` exists only in the resolved config (it is never read from a file). */
const SECTIONS = new Set([...Object.keys(CONFIG_FILE_KEYS).filter((key) => key !== ''), 'credentials']);

/** The leaf a path belongs to: `risk.leverageDefault` for itself, `symbols` for `symbols.2`. */
function leafOf(path: readonly Segment[]): string {
  const first = String(path[0] ?? '');
  return SECTIONS.has(first) && path.length > 1 ? `${first}.${String(path[1])}` : first;
}

function toSegments(path: readonly PropertyKey[]): Segment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function expectationFor(path: readonly Segment[], fallback: string): string {
  const dotted = path.join('.');
  if (Object.hasOwn(FIELD_EXPECTATIONS, dotted)) return FIELD_EXPECTATIONS[dotted] as string;
  if (path[0] === 'symbols' && path.length === 2) return FIELD_EXPECTATIONS['symbols.*'] as string;
  const item = `${path.slice(0, -1).join('.')}.*`;
  if (typeof path.at(-1) === 'number' && Object.hasOwn(FIELD_EXPECTATIONS, item)) {
    return FIELD_EXPECTATIONS[item] as string;
  }
  if (path.length === 1 && SECTIONS.has(dotted)) {
    return `an object with the keys ${(CONFIG_FILE_KEYS[dotted] ?? []).join(', ')}`;
  }
  return fallback;
}

function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name a typo most likely meant: close by edit distance to the whole name or to its start. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestScore = limit + 1;
  for (const candidate of candidates) {
    let score = editDistance(word, candidate);
    if (word.length >= 4) {
      for (let length = word.length - 1; length <= word.length + 1; length += 1) {
        score = Math.min(score, editDistance(word, candidate.slice(0, length)) + 1);
      }
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

function unknownKeyExpectation(parent: string, key: string, allowed: readonly string[]): string {
  const suggestion = closest(key, allowed);
  const where = parent === '' ? 'at the top level' : `in ${parent}`;
  const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  return `no unknown key ${where}${hint} (allowed: ${allowed.join(', ')})`;
}

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

function defaultsLayer(): Map<string, Entry> {
  return flatten(CONFIG_DEFAULTS as unknown as Record<string, unknown>, (_path, value) => ({
    value,
    raw: value,
    source: 'default',
    origin: undefined,
    rank: RANK.default,
  }));
}

function readFileLayer(filePath: string, issues: IssueList): Map<string, Entry> {
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

function readEnvironmentLayer(env: LoadConfigOptions['env'], issues: IssueList): EnvironmentLayer {
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

function readOverridesLayer(
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

function describeEntry(entry: Entry): string {
  switch (entry.source) {
    case 'env':
      return `env ${entry.origin ?? ''}`.trim();
    case 'file':
      return `config file ${entry.origin ?? ''}`.trim();
    case 'override':
      return 'overrides';
    case 'default':
      return 'default';
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Loads and validates the configuration from defaults < JSON config file < environment < overrides,
 * resolves mode, quote and settle coin, fills risk limits from the tier, and enforces the tier's hard
 * caps. Returns a deep-frozen {@link BotConfig}; throws a {@link ConfigError} listing every problem.
 * Reads files (the config file and `*_FILE` secrets) but never `process.env`: pass the environment in.
 */
export function loadConfig(options: LoadConfigOptions): BotConfig {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.env !== 'object' ||
    options.env === null
  ) {
    throw new TypeError('loadConfig({ env }) needs the environment, e.g. loadConfig({ env: process.env }).');
  }
  // The environment is read first because BOT_CONFIG_FILE may name the file; issues are reported in
  // layer order (file, env, overrides, then whatever only the combination reveals).
  const environmentIssues = new IssueList();
  const environment = readEnvironmentLayer(options.env, environmentIssues);
  const issues = new IssueList();
  const configFile = options.configFile ?? environment.configFile;
  const fileEntries = configFile === undefined ? new Map<string, Entry>() : readFileLayer(configFile, issues);
  issues.absorb(environmentIssues);
  const overrides =
    options.overrides === undefined
      ? { entries: new Map<string, Entry>(), liveConfirmed: false }
      : readOverridesLayer(options.overrides, issues);

  const merged = new Map<string, Entry>();
  for (const layer of [defaultsLayer(), fileEntries, environment.entries, overrides.entries]) {
    for (const [path, entry] of layer) merged.set(path, entry);
  }
  const valueOf = (path: string): unknown => merged.get(path)?.value;
  const derive = <T>(path: string, value: T, origin: string): T => {
    merged.set(path, { value, raw: value, source: 'default', origin, rank: RANK.default });
    return value;
  };

  // mode and testnet: TESTNET=true means mode testnet; an explicit mode that disagrees is an error.
  const modeEntry = merged.get('mode');
  const testnetEntry = merged.get('testnet');
  let mode: Mode;
  if (modeEntry === undefined) {
    mode = testnetEntry?.value === true ? 'testnet' : 'paper';
    derive('mode', mode, testnetEntry?.value === true ? 'testnet is true' : 'paper unless testnet is true');
  } else {
    mode = modeEntry.value as Mode;
    if (testnetEntry !== undefined && testnetEntry.value !== (mode === 'testnet')) {
      issues.add(
        {
          path: 'testnet',
          value: testnetEntry.raw,
          expected: `${mode === 'testnet'} or unset, since mode is ${mode} (from ${describeEntry(modeEntry)}); testnet=true means mode testnet`,
          source: testnetEntry.source,
          origin: testnetEntry.origin,
        },
        RANK.resolution,
      );
    }
  }

  const quoteCoin =
    (valueOf('quoteCoin') as QuoteCoin | undefined) ??
    derive<QuoteCoin>('quoteCoin', mode === 'testnet' ? 'USDT' : 'USDC', `${mode} mode`);
  const settleCoin =
    (valueOf('settleCoin') as QuoteCoin | undefined) ?? derive('settleCoin', quoteCoin, 'the quote coin');
  const symbols = (valueOf('symbols') as readonly string[]).map((symbol) =>
    parseUnifiedSymbol(symbol) === undefined ? `${symbol}/${quoteCoin}:${quoteCoin}` : symbol,
  );

  const tier = valueOf('strategy.tier') as Tier;
  const preset = TIER_PRESETS[tier].defaults;
  const risk = {} as Record<keyof TierRiskLimits, number>;
  for (const field of Object.keys(preset) as (keyof TierRiskLimits)[]) {
    risk[field] =
      (valueOf(`risk.${field}`) as number | undefined) ??
      derive(`risk.${field}`, preset[field], `tier ${tier}`);
  }
  const section = (name: string) =>
    Object.fromEntries((CONFIG_FILE_KEYS[name] ?? []).map((key) => [key, valueOf(`${name}.${key}`)]));

  const candidate = {
    mode,
    testnet: mode === 'testnet',
    quoteCoin,
    settleCoin,
    symbols,
    strategy: {
      ...section('strategy'),
      minRewardRisk:
        (valueOf('strategy.minRewardRisk') as number | undefined) ??
        derive('strategy.minRewardRisk', TIER_PRESETS[tier].minRewardRisk.default, `tier ${tier}`),
    },
    risk,
    orders: section('orders'),
    execution: section('execution'),
    positions: section('positions'),
    compliance: section('compliance'),
    operator: { ...section('operator'), token: environment.secrets.get('operator.token')?.value },
    notifications: {
      ...section('notifications'),
      url: environment.secrets.get('notifications.url')?.value,
    },
    credentials: {
      apiKey: environment.secrets.get('credentials.apiKey')?.value,
      apiSecret: environment.secrets.get('credentials.apiSecret')?.value,
    },
  };

  if (
    mode === 'live' &&
    !environment.liveConfirmed &&
    !overrides.liveConfirmed &&
    !issues.has('liveConfirm')
  ) {
    issues.add(
      {
        path: 'liveConfirm',
        value: undefined,
        expected: `BOT_LIVE_CONFIRM=${LIVE_CONFIRMATION} (or overrides.liveConfirm): live mode trades real money`,
        source: 'env',
        origin: 'BOT_LIVE_CONFIRM',
      },
      RANK.resolution,
    );
  }

  const result = botConfigSchema.safeParse(candidate);
  if (!result.success) {
    for (const zodIssue of result.error.issues) {
      const path = toSegments(zodIssue.path);
      const dotted = path.join('.');
      const leaf = leafOf(path);
      const secret = SECRET_PATHS.has(leaf);
      const entry = secret ? environment.secrets.get(leaf) : merged.get(leaf);
      if (issues.repeats(dotted, entry?.rank ?? -1)) continue;
      let value: unknown;
      if (secret) value = entry === undefined ? undefined : REDACTED;
      else if (entry !== undefined) value = dotted === leaf ? entry.raw : valueAt(candidate, path);
      issues.add(
        {
          path: dotted,
          value,
          expected: zodIssue.code === 'custom' ? zodIssue.message : expectationFor(path, zodIssue.message),
          source: entry?.source ?? (secret ? 'env' : 'default'),
          origin: entry?.origin ?? (secret ? variablesForPath(leaf) : undefined),
        },
        RANK.resolution,
      );
    }
  }

  if (issues.items.length > 0 || !result.success) throw new ConfigError(issues.items);
  return deepFreeze(result.data);
}
