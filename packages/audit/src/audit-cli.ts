import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { Command, CommanderError } from 'commander';
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

export interface VerifyCommandOptions {
  readonly io: AuditCliIo;
  /** How the command is named in its messages: `bot-audit`, or the runner's `bot audit verify`. */
  readonly name: string;
  /** Receives the exit code once the trails are verified (or a file is missing). */
  readonly exit: (code: number) => void;
}

/**
 * `verify` as a commander command, declared once: `bot-audit` parses with it, and the runner's
 * `bot audit verify` adds it under its `audit` command. A usage error (no files, a malformed anchor) goes
 * through commander's `error()`, so each program reports it as it reports its own (with its usage, exit 2).
 */
export function verifyCommand({ io, name, exit }: VerifyCommandOptions): Command {
  return new Command('verify')
    .description(
      'verify audit trails (hash chain, sequence, canonical form); exit 0 when all verify, 1 when one does not, 2 for a usage error or a file that does not exist',
    )
    .argument('[files...]', 'trail files; rotated segments next to each are included')
    .option('--strict', 'also check that every line is in the canonical form (slower)')
    .option('--partial', 'a trail may start mid-chain (older segments archived)')
    .option('--anchor <seq:hash>', 'a record known from elsewhere; it must be present with that hash')
    .option('--json', 'print one JSON object per trail instead of a line of text')
    .action(
      async (
        files: string[],
        values: { strict?: boolean; partial?: boolean; anchor?: string; json?: boolean },
        command: Command,
      ) => {
        if (files.length === 0)
          command.error('error: no files to verify', { exitCode: AUDIT_CLI_EXIT.usage });
        const options: VerifyAuditOptions = {
          strict: values.strict === true,
          partial: values.partial === true,
        };
        if (values.anchor !== undefined) {
          const anchor = parseAnchor(values.anchor);
          if (anchor === undefined)
            command.error('error: --anchor expects <seq>:<64 lower-case hex digits>', {
              exitCode: AUDIT_CLI_EXIT.usage,
            });
          options.anchor = anchor;
        }
        // A file that is not there is a mistake in the command, not a trail that failed to verify.
        const missing = files.filter((file) => !existsSync(file));
        if (missing.length > 0) {
          io.stderr.write(`${name}: no such file: ${missing.join(', ')}\n`);
          exit(AUDIT_CLI_EXIT.usage);
          return;
        }
        exit(await verifyTrails(files, options, values.json === true, io));
      },
    );
}

async function verifyTrails(
  files: readonly string[],
  options: VerifyAuditOptions,
  json: boolean,
  io: AuditCliIo,
): Promise<number> {
  const trails = new Map<string, Set<string>>();
  for (const file of files) {
    const trail = trailPathOf(file);
    const given = trails.get(trail) ?? new Set<string>();
    given.add(file);
    trails.set(trail, given);
  }
  let exitCode: number = AUDIT_CLI_EXIT.ok;
  for (const [trail, given] of trails) {
    const segments = [...new Set([...(await listAuditSegments(trail)), ...given])];
    const verification = await verifyAudit(segments, options);
    if (!verification.ok) exitCode = AUDIT_CLI_EXIT.failed;
    io.stdout.write(
      json ? `${JSON.stringify({ trail, ...verification })}\n` : `${verdictLine(trail, verification)}\n`,
    );
  }
  return exitCode;
}

/**
 * The `bot-audit` command line: `argv` is what follows the program name (`['verify', 'audit/trail.jsonl']`).
 * Resolves with the exit code; never calls `process.exit`. Commander prints nothing here: its errors and
 * `--help` go out with the usage above.
 */
export async function runAuditCli(argv: readonly string[], io: AuditCliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(AUDIT_CLI_USAGE);
    return AUDIT_CLI_EXIT.ok;
  }
  if (command === undefined) return usageError(io, 'missing command');
  if (command !== 'verify') return usageError(io, `unknown command ${JSON.stringify(command)}`);
  let exitCode: number = AUDIT_CLI_EXIT.ok;
  const verify = verifyCommand({ io, name: 'bot-audit', exit: (code) => (exitCode = code) })
    .helpOption(false)
    .option('-h, --help')
    .hook('preAction', (self) => {
      if (self.opts<{ help?: boolean }>().help === true) throw new HelpAsked();
    })
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  try {
    await verify.parseAsync(rest, { from: 'user' });
  } catch (error) {
    if (error instanceof HelpAsked) {
      io.stdout.write(AUDIT_CLI_USAGE);
      return AUDIT_CLI_EXIT.ok;
    }
    if (error instanceof CommanderError) return usageError(io, error.message.replace(/^error: /, ''));
    throw error;
  }
  return exitCode;
}

class HelpAsked extends Error {}
