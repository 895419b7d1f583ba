import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { Command } from 'commander';
import { listAuditSegments, trailPathOf } from './segments';
import { verifyAudit } from './verify-audit';
import type { AuditVerification, VerifyAuditOptions } from './verify-audit';

/** Where the command line writes: `process` fits, and so does any pair of `{ write(text) }` sinks. */
export interface AuditCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Exit codes of {@link runAuditCli}. */
export const AUDIT_CLI_EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 } as const);

export const AUDIT_CLI_USAGE = `Usage: bot-audit verify [--strict] [--partial] [--anchor <seq>:<hash>] [--json] <file…>

Verifies audit trails. Each file stands for its whole trail: the file named plus its rotated segments
next to it (trail.jsonl, trail.000001.jsonl, …), verified as one hash chain from seq 0. Prints one
verdict line per trail; exits 0 when all verify, 1 when one does not, 2 on a usage error or a file
that does not exist.

  --strict    also check every record against the canonical serialization (slower)
  --partial   a trail may start mid-chain (older segments archived)
  --anchor    a record known from elsewhere, as <seq>:<hash>; it must be present with that hash
  --json      print one JSON object per trail instead of a line of text
`;

function displayPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

function verdictLine(trail: string, verification: AuditVerification): string {
  if (verification.ok) {
    const files = verification.files.length === 1 ? '1 file' : `${verification.files.length} files`;
    const last = verification.lastSeq === null ? 'no records' : `last seq ${verification.lastSeq}`;
    return `ok   ${displayPath(trail)}: ${verification.records} records in ${files}, ${last}, last hash ${verification.lastHash}`;
  }
  const seq = verification.seq === null ? '' : `, seq ${verification.seq}`;
  return (
    `FAIL ${displayPath(trail)}: ${displayPath(verification.file)} line ${verification.line}${seq}: ` +
    `${verification.reason}: ${verification.message}`
  );
}

function usageError(io: AuditCliIo, message: string): number {
  io.stderr.write(`bot-audit: ${message}\n\n${AUDIT_CLI_USAGE}`);
  return AUDIT_CLI_EXIT.usage;
}

function parseAnchor(text: string): VerifyAuditOptions['anchor'] | undefined {
  const match = /^(0|[1-9]\d{0,15}):([0-9a-f]{64})$/.exec(text);
  if (match === null) return undefined;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) ? { seq, hash: match[2] as string } : undefined;
}

/**
 * The `bot-audit` command line, reusable by the runner's `bot audit …`: `argv` is what follows the
 * program name (`['verify', 'audit/trail.jsonl']`). Resolves with the exit code; never calls
 * `process.exit`.
 */
export async function runAuditCli(argv: readonly string[], io: AuditCliIo): Promise<number> {
  let parsed: ReturnType<typeof parseVerifyArguments>;
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(AUDIT_CLI_USAGE);
    return AUDIT_CLI_EXIT.ok;
  }
  if (command === undefined) return usageError(io, 'missing command');
  if (command !== 'verify') return usageError(io, `unknown command ${JSON.stringify(command)}`);
  try {
    parsed = parseVerifyArguments(rest);
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help === true) {
    io.stdout.write(AUDIT_CLI_USAGE);
    return AUDIT_CLI_EXIT.ok;
  }
  if (parsed.positionals.length === 0) return usageError(io, 'no files to verify');
  const options: VerifyAuditOptions = {
    strict: parsed.values.strict === true,
    partial: parsed.values.partial === true,
  };
  if (parsed.values.anchor !== undefined) {
    const anchor = parseAnchor(parsed.values.anchor);
    if (anchor === undefined) return usageError(io, '--anchor expects <seq>:<64 lower-case hex digits>');
    options.anchor = anchor;
  }

  // A file that is not there is a mistake in the command, not a trail that failed to verify.
  const missing = parsed.positionals.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    io.stderr.write(`bot-audit: no such file: ${missing.join(', ')}\n`);
    return AUDIT_CLI_EXIT.usage;
  }

  const trails = new Map<string, Set<string>>();
  for (const file of parsed.positionals) {
    const trail = trailPathOf(file);
    const given = trails.get(trail) ?? new Set<string>();
    given.add(file);
    trails.set(trail, given);
  }
  let exitCode: number = AUDIT_CLI_EXIT.ok;
  for (const [trail, given] of trails) {
    const files = [...new Set([...(await listAuditSegments(trail)), ...given])];
    const verification = await verifyAudit(files, options);
    if (!verification.ok) exitCode = AUDIT_CLI_EXIT.failed;
    io.stdout.write(
      parsed.values.json === true
        ? `${JSON.stringify({ trail, ...verification })}\n`
        : `${verdictLine(trail, verification)}\n`,
    );
  }
  return exitCode;
}

interface VerifyArguments {
  readonly values: {
    readonly strict?: boolean;
    readonly partial?: boolean;
    readonly anchor?: string;
    readonly json?: boolean;
    readonly help?: boolean;
  };
  readonly positionals: string[];
}

/**
 * `verify`'s options and files, with commander (the repository's one argument parser, as in the runner).
 * Commander prints nothing here: an unknown option throws, and `runAuditCli` prints it with the usage.
 */
function parseVerifyArguments(args: string[]): VerifyArguments {
  const command = new Command('verify')
    .helpOption(false)
    .option('-h, --help')
    .option('--strict')
    .option('--partial')
    .option('--anchor <seq:hash>')
    .option('--json')
    .argument('[files...]')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  command.parse(args, { from: 'user' });
  return { values: command.opts(), positionals: command.args };
}
