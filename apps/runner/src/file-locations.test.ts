import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing';

const runnerDir = resolve(import.meta.dirname, '..');
const bot = join(runnerDir, 'bin', 'bot.js');

/**
 * `bot run` as `pnpm --filter @bot/runner bot run` starts it: in apps/runner, with INIT_CWD the directory
 * the user ran pnpm from. No BOT_AUDIT_PATH: the default path is under test.
 */
function runFrom(initCwd: string) {
  const child = spawn(
    process.execPath,
    [bot, 'run', '--duration', '2s', '--no-operator-api', '--log-format', 'json'],
    {
      cwd: runnerDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', INIT_CWD: initCwd },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((done) =>
    child.on('exit', (code) => done({ code, output })),
  );
}

const trails = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => /\.jsonl$/.test(name) && !name.includes('.state')) : [];

describe('where the files go', () => {
  it('the audit trail lands under the directory the user ran the command from, its absolute path printed; each in-process paper run starts its own trail', async () => {
    const home = tempDir();
    const before = trails(join(runnerDir, 'data'));
    const first = await runFrom(home);
    expect(first.code).toBe(0);
    const second = await runFrom(home);
    expect(second.code).toBe(0);

    expect(trails(join(runnerDir, 'data'))).toEqual(before);
    const made = trails(join(home, 'data')).sort();
    expect(made).toHaveLength(2);
    for (const [index, run] of [first, second].entries()) {
      expect(run.output).toContain(`audit trail ${join(home, 'data', made[index] ?? '')}`);
    }
    for (const name of made) {
      const firstRecord = JSON.parse(readFileSync(join(home, 'data', name), 'utf8').split('\n')[0] ?? '') as {
        seq: number;
      };
      expect(firstRecord.seq).toBe(0);
    }
  }, 120_000);
});
