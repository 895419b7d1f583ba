import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './testing';

/**
 * Ctrl-C as a terminal sends it: the line discipline turns the interrupt character (\x03) into SIGINT for
 * the whole foreground process group (pnpm, its shell, the bot…), not for one process. util-linux `script`
 * gives the command a pseudo-terminal whose input is ours, so writing \x03 is pressing Ctrl-C. (`script` is
 * in every Linux distribution's base system and needs no compiler, unlike node-pty.)
 */
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const runnerDir = resolve(import.meta.dirname, '..');

/**
 * `script` runs the command through `$SHELL -c` (or /bin/sh when SHELL is unset). Stands in for the
 * operator's interactive shell, which puts the command in a process group of its own and survives the
 * Ctrl-C; a non-interactive dash would instead wait in the foreground group and die of the SIGINT (130)
 * whatever the bot does, so the command is `exec`ed and the result does not depend on the CI's SHELL.
 */
function inTerminal(command: string, env: Record<string, string>) {
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: runnerDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    exited,
    output: () => output,
    ctrlC: () => child.stdin.write('\x03'),
    async waitFor(pattern: RegExp, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${output}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
  };
}

/**
 * pnpm itself, not `npx pnpm`: npx runs its command through \`sh -c\`, a shell that a Ctrl-C ends, so npx
 * reports 130 whatever the bot does (the bot still drains and prints its summary; README: Stopping).
 */
const pnpm = spawnSync('npx', ['-y', '-p', 'pnpm@10.34.9', 'sh', '-c', 'command -v pnpm'], {
  encoding: 'utf8',
}).stdout.trim();

const RUN = 'run --duration 10m --speed 60 --timeframe 1m --no-operator-api --log-format json';

describe.skipIf(!hasScript)('Ctrl-C in a terminal (util-linux script)', () => {
  for (const [how, command] of [
    ['node bin/bot.js', `exec node bin/bot.js ${RUN}`],
    ['pnpm --filter @bot/runner bot', `exec ${pnpm} --filter @bot/runner bot ${RUN}`],
  ] as const) {
    it(`${how}: one Ctrl-C drains, prints the summary and exits 0; no pnpm error`, async () => {
      const dir = tempDir();
      const bot = inTerminal(command, { BOT_AUDIT_PATH: join(dir, 'audit.jsonl') });
      await bot.waitFor(/trading BTCUSDC/);
      bot.ctrlC();
      expect(await bot.exited).toBe(0);
      const output = bot.output();
      expect(output).toMatch(/SIGINT: stopping/);
      expect(output).toMatch(/summary: /);
      expect(output).not.toMatch(/exiting now/);
      expect(output).not.toMatch(/ERR_PNPM|ELIFECYCLE|Command failed/);
    }, 120_000);
  }
});
