/**
 * `bot new-config <file>`: a config file that names every key the file may hold, with its default and a
 * one-line explanation (the environment variable's), in JSON with comments, which `@bot/config` reads back.
 */
import { CONFIG_DEFAULTS, configFileSchema, ENVIRONMENT_VARIABLES, loadConfig } from '@bot/config';

interface Line {
  /** A key the file sets (its value is the default as written), or one left to the loader (commented out). */
  readonly active: boolean;
  readonly comment: string;
  readonly key: string;
  readonly value: unknown;
  /** For a key with no value of its own: what one looks like. */
  readonly example?: string | undefined;
}

/** Example values of the keys that have none by default. */
const EXAMPLES: Readonly<Record<string, string>> = { 'notifications.chatId': '-1001234567890' };

/** The keys of a section of the file's schema (`strategy`, `risk`, …), or undefined for a plain value. */
function sectionKeys(schema: unknown): string[] | undefined {
  const inner = (schema as { unwrap?: () => unknown }).unwrap?.() ?? schema;
  const shape = (inner as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? undefined : Object.keys(shape);
}

function valueAt(source: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
    source,
  );
}

/**
 * The file's text. Keys with a fixed default (`CONFIG_DEFAULTS`, and `mode`) are set to it, so the file loads
 * to exactly the configuration no file gives; keys whose default follows from others (the tier's risk limits,
 * the quote coin from the mode, `testnet` from the mode) are written commented out with today's value, so
 * that changing the tier or the mode still changes them.
 */
export function configTemplate(): string {
  const resolved = loadConfig({ env: {} });
  const described = new Map(
    ENVIRONMENT_VARIABLES.filter((variable) => variable.path !== undefined).map((variable) => [
      variable.path,
      variable,
    ]),
  );
  const explain = (path: string) => {
    const variable = described.get(path);
    return variable === undefined ? '' : `${variable.description} (env ${variable.name})`;
  };
  const isFixed = (path: string[]) => path[0] === 'mode' || valueAt(CONFIG_DEFAULTS, path) !== undefined;
  const lineFor = (path: string[]): Line => ({
    active: isFixed(path),
    comment: explain(path.join('.')),
    key: path.at(-1) ?? '',
    value: valueAt(resolved, path),
    example: EXAMPLES[path.join('.')],
  });

  const out = [
    "// The bot's configuration file: `bot run --config <file>` or BOT_CONFIG_FILE=<file>. JSON with comments.",
    '// Precedence: defaults < this file < environment < command-line flags. Secrets (API key and secret,',
    '// operator token, webhook URL) never go here: BOT_API_KEY(_FILE), BOT_API_SECRET(_FILE),',
    '// BOT_OPERATOR_TOKEN(_FILE), BOT_NOTIFY_URL(_FILE).',
    '// Commented-out keys follow from others (the tier, the mode) unless set: remove the // to set one.',
    "// Every key: apps/runner/README.md and @bot/config's README.",
    '{',
  ];
  const top = Object.entries(configFileSchema.shape);
  const scalars = top
    .filter(([, schema]) => sectionKeys(schema) === undefined)
    .map(([key]) => lineFor([key]));
  writeObject(out, scalars, '  ', top.length > scalars.length);
  const sections = top.filter(([, schema]) => sectionKeys(schema) !== undefined);
  sections.forEach(([section, schema], index) => {
    const lines = (sectionKeys(schema) ?? []).map((key) => lineFor([section, key]));
    out.push(`  "${section}": {`);
    writeObject(out, lines, '    ', false);
    out.push(`  }${index < sections.length - 1 ? ',' : ''}`);
  });
  out.push('}', '');
  return out.join('\n');
}

/**
 * Writes one object's lines: commented-out keys first, each with a comma (valid once uncommented, as long
 * as an active key follows), then the active ones, the last without a comma unless `more` follows.
 */
function writeObject(out: string[], lines: readonly Line[], indent: string, more: boolean): void {
  const inactive = lines.filter((line) => !line.active);
  const active = lines.filter((line) => line.active);
  inactive.forEach((line, index) => {
    if (line.comment) out.push(`${indent}// ${line.comment}`);
    const comma = active.length > 0 || index < inactive.length - 1 ? ',' : '';
    // A key with no value unless others are set (a Telegram chat id) is shown as an example only:
    // removing its `//` alone would not make a valid file.
    if (line.value === undefined)
      out.push(`${indent}// example: "${line.key}": ${JSON.stringify(line.example ?? '')}`);
    else out.push(`${indent}// "${line.key}": ${JSON.stringify(line.value)}${comma}`);
  });
  active.forEach((line, index) => {
    if (line.comment) out.push(`${indent}// ${line.comment}`);
    const comma = index < active.length - 1 || more ? ',' : '';
    out.push(`${indent}"${line.key}": ${JSON.stringify(line.value)}${comma}`);
  });
}
