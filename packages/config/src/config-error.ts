import { REDACTED, Secret } from './secret';

/** Which layer a value came from. */
export type ConfigSource = 'default' | 'file' | 'env' | 'override';

/** One invalid field. */
export interface ConfigIssue {
  /** Dotted path in the config, e.g. `risk.leverageDefault`, `symbols.1`; `''` for a config file as a whole. */
  readonly path: string;
  /** The value as given (the raw env string, the JSON value), `'[redacted]'` for secrets, `undefined` when missing. */
  readonly value: unknown;
  /** What would have been accepted. */
  readonly expected: string;
  /** The layer the value came from. */
  readonly source: ConfigSource;
  /** Where exactly: the env variable name, the config file's absolute path, `overrides`, or what set the default. */
  readonly origin: string | undefined;
}

/** The stable `code` of every {@link ConfigError}. */
export const CONFIG_ERROR_CODE = 'CONFIG_INVALID';

const MAX_VALUE_LENGTH = 80;

function formatValue(value: unknown): string {
  if (value === REDACTED) return REDACTED;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    try {
      text = String(value);
    } catch {
      text = '[unprintable]';
    }
  }
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

function describeSource(issue: ConfigIssue): string {
  switch (issue.source) {
    case 'env':
      return issue.origin === undefined ? 'env' : `env ${issue.origin}`;
    case 'file':
      return issue.origin === undefined ? 'config file' : `config file ${issue.origin}`;
    case 'override':
      return 'overrides';
    case 'default':
      return issue.origin === undefined ? 'default' : `default (${issue.origin})`;
  }
}

/**
 * One line per issue, as used in {@link ConfigError.message}, e.g.
 * `risk.leverageDefault = "8" (env LEVERAGE_DEFAULT): expected at most 5, the hard cap of tier conservative …`.
 */
export function formatIssue(issue: ConfigIssue): string {
  const where = describeSource(issue);
  if (issue.path === '') {
    const shown = issue.value === undefined ? '' : ` = ${formatValue(issue.value)}`;
    return `${where}${shown}: expected ${issue.expected}`;
  }
  const given = issue.value === undefined ? ' is missing' : ` = ${formatValue(issue.value)}`;
  return `${issue.path}${given} (${where}): expected ${issue.expected}`;
}

function sanitise(issue: ConfigIssue): ConfigIssue {
  const value = issue.value instanceof Secret ? REDACTED : issue.value;
  return Object.freeze({
    path: issue.path,
    value,
    expected: issue.expected,
    source: issue.source,
    origin: issue.origin,
  });
}

/**
 * The configuration is invalid. `issues` lists every invalid field at once (path, value as given,
 * what was expected, where it came from); secret values appear only as `'[redacted]'`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = CONFIG_ERROR_CODE;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const clean = issues.map(sanitise);
    const count = clean.length === 1 ? '1 problem' : `${clean.length} problems`;
    super(
      `Invalid configuration (${count}):\n${clean.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`,
    );
    this.issues = Object.freeze(clean);
  }

  toJSON(): { name: string; code: string; message: string; issues: readonly ConfigIssue[] } {
    return { name: this.name, code: this.code, message: this.message, issues: this.issues };
  }
}

/**
 * Whether a value is a {@link ConfigError}, also across copies of this package (ESM and CJS builds
 * loaded side by side), where `instanceof` fails.
 */
export function isConfigError(error: unknown): error is ConfigError {
  if (error instanceof ConfigError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown; issues?: unknown };
  return (
    candidate.name === 'ConfigError' &&
    candidate.code === CONFIG_ERROR_CODE &&
    Array.isArray(candidate.issues)
  );
}
