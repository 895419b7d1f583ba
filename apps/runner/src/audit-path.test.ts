/** `bot run` with an audit trail it cannot write: bad input, exit 2, the path named, no stack trace. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing';

const bot = resolve(import.meta.dirname, '..', 'bin', 'bot.js');

/** `bot run …` as a child process with exactly `env` (plus PATH/HOME), its output captured. */
async function botRun(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bot, 'run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
  });
  let all = '';
  child.stdout.on('data', (chunk: Buffer) => (all += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (all += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', (exit) => done(exit)));
  return { code, all };
}

describe('bot run: an audit trail that cannot be written', () => {
  it.each(['json', 'pretty'])(
    'BOT_AUDIT_PATH under a regular file exits 2 naming the path and the file in the way (%s logs)',
    async (format) => {
      const dir = tempDir();
      const file = join(dir, 'not-a-directory');
      writeFileSync(file, 'a regular file\n');
      const auditPath = join(file, 'audit.jsonl');
      const run = await botRun(['--log-format', format, '--no-operator-api', '--duration', '30s'], {
        BOT_AUDIT_PATH: auditPath,
      });
      expect(run.code).toBe(2);
      // A paper run on the in-process emulator names its own trail beside it: <dir>/audit.paper-<start>.jsonl.
      expect(run.all).toContain(`cannot write the audit trail ${join(file, 'audit.paper-')}`);
      expect(run.all).toContain(`${file} is a file, not a directory`);
      expect(run.all).toContain('BOT_AUDIT_PATH');
      expect(run.all).not.toMatch(/EEXIST|\n\s+at /);
      expect(run.all).not.toMatch(/"stack"/);
    },
    60_000,
  );
});
