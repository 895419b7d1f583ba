import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { verifyAudit } from '@bot/audit';
import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, runCommand } from './run-command';
import type { RunCommandOptions } from './run-command';
import { tempDir } from './testing';

const bot = resolve(import.meta.dirname, '..', 'bin', 'bot.js');
const OPERATOR_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** `bot run …` as a child process with exactly `env` (plus PATH/HOME), its output captured. */
function botRun(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bot, 'run', '--log-format', 'json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => ({ stdout, stderr, all: stdout + stderr }) };
}

async function waitForOutput(run: ReturnType<typeof botRun>, pattern: RegExp, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.output().all)) {
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} in:\n${run.output().all}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

let sim: Sim;
let keys: Record<string, string>;
beforeAll(async () => {
  sim = await startSim({ seed: 5, speed: 60, historyMinutes: 300 });
  const [account] = sim.accounts;
  keys = { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret };
});
afterAll(() => sim.close());

const orderRequests = () => sim.requests.filter((request) => /\/(order|algoOrder)$/.test(request.path));

describe('bot run: bad input stops it before any order, with exit code 2', () => {
  it('an invalid configuration lists every problem', async () => {
    const before = sim.requests.length;
    const run = botRun(['--sim-url', sim.url], {
      ...keys,
      RISK_PER_TRADE_PCT: 'lots',
      BOT_TIER: 'yolo',
      BOT_AUDIT_PATH: join(tempDir(), 'audit.jsonl'),
    });
    expect(await run.exited).toBe(2);
    const { stderr } = run.output();
    expect(stderr).toMatch(/Invalid configuration \(2 problems\)/);
    expect(stderr).toMatch(/RISK_PER_TRADE_PCT/);
    expect(stderr).toMatch(/BOT_TIER/);
    // Nothing reached the exchange at all.
    expect(sim.requests.length).toBe(before);
  }, 60_000);

  it('an unknown symbol names itself and what is available', async () => {
    const dir = tempDir();
    const run = botRun(['--sim-url', sim.url, '--symbols', 'BTC,DOGEFAKE', '--no-operator-api'], {
      ...keys,
      BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
    });
    expect(await run.exited).toBe(2);
    expect(run.output().stdout).toMatch(/unknown symbol DOGEFAKE\/USDC:USDC: .*Available: BTC\/USDC:USDC/);
    expect(orderRequests()).toHaveLength(0);
  }, 60_000);

  it('live mode without the confirmation is refused', async () => {
    const run = botRun(['--mode', 'live'], { ...keys, BOT_AUDIT_PATH: join(tempDir(), 'audit.jsonl') });
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(/BOT_LIVE_CONFIRM/);
  }, 60_000);

  it('an operator API beyond loopback without a configured token is refused, and no token is generated', async () => {
    const dir = tempDir();
    const before = sim.requests.length;
    const run = botRun(['--sim-url', sim.url], {
      ...keys,
      BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
      BOT_OPERATOR_BIND: '0.0.0.0:18789',
    });
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(
      /operator API token .*BOT_OPERATOR_TOKEN.*beyond loopback \(0\.0\.0\.0:18789\)/,
    );
    expect(existsSync(join(dir, 'audit.operator-token'))).toBe(false);
    expect(sim.requests.length).toBe(before);
  }, 60_000);

  it('an operator API address already in use stops the start cleanly', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const run = botRun(['--sim-url', sim.url, '--timeframe', '1m', '--duration', '10m'], {
        ...keys,
        BOT_AUDIT_PATH: join(tempDir(), 'audit.jsonl'),
        BOT_OPERATOR_BIND: `127.0.0.1:${port}`,
      });
      expect(await run.exited).toBe(2);
      expect(run.output().stdout).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  it('a malformed --duration is refused', async () => {
    const run = botRun(['--duration', 'ten minutes'], {});
    expect(await run.exited).toBe(2);
    expect(run.output().stderr).toMatch(/--duration must look like 90s, 10m/);
  }, 60_000);
});

describe('bot run against a running emulator', () => {
  it('never prints the keys or the operator token, stops on SIGTERM with exit 0, a summary and a verifying trail', async () => {
    const dir = tempDir();
    const auditPath = join(dir, 'audit.jsonl');
    const run = botRun(['--sim-url', sim.url, '--timeframe', '1m', '--log-level', 'debug'], {
      ...keys,
      BOT_AUDIT_PATH: auditPath,
      BOT_OPERATOR_BIND: '127.0.0.1:18787',
      BOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
    });
    await waitForOutput(run, /"msg":"trading BTCUSDC, ETHUSDC on 1m candles in paper mode"/);
    // Let it see a few candles (the emulator runs at 60×: one a second), then ask it to stop.
    await new Promise((wait) => setTimeout(wait, 4_000));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { all, stdout } = run.output();
    expect(stdout).toMatch(/"msg":"summary: \d+ trade\(s\)/);
    for (const secret of [keys['BOT_API_KEY']!, keys['BOT_API_SECRET']!, OPERATOR_TOKEN]) {
      expect(all).not.toContain(secret);
      expect(readFileSync(auditPath, 'utf8')).not.toContain(secret);
    }
    const verdict = await verifyAudit(auditPath);
    expect(verdict.ok).toBe(true);
    const kinds = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { kind: string }).kind);
    expect(kinds).toContain('run.build-card');
    expect(kinds.at(-1)).toBe('run.summary');
    expect(kinds).toContain('run.stop');
    expect(existsSync(join(dir, 'audit.state.json'))).toBe(true);
  }, 60_000);
});

describe('bot run without a configured operator token', () => {
  it('generates one, says where, never prints it, and the API refuses calls without it', async () => {
    const dir = tempDir();
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const run = botRun(['--sim-url', sim.url, '--timeframe', '1m'], {
      ...keys,
      BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
      BOT_OPERATOR_BIND: `127.0.0.1:${port}`,
    });
    const tokenPath = join(dir, 'audit.operator-token');
    await waitForOutput(run, /"msg":"trading BTCUSDC, ETHUSDC on 1m candles in paper mode"/);
    const token = readFileSync(tokenPath, 'utf8').trim();
    const url = `http://127.0.0.1:${port}`;
    // The reproduction: a bare POST from any local process.
    expect((await fetch(`${url}/halt`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${url}/flatten`, { method: 'POST' })).status).toBe(401);
    const halted = await fetch(`${url}/halt`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(halted.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { all } = run.output();
    expect(all).toContain(`generated into ${tokenPath}`);
    // `pnpm start` names the console's address and the token's file, never the token.
    expect(all).toContain(`operator console: open ${url}/ in a browser`);
    expect(all).not.toContain(token);
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).not.toContain(token);
  }, 60_000);
});

describe('runCommand: flags checked before anything starts', () => {
  const base = { speed: '60', seed: '42', operatorApi: false, logLevel: 'info' };
  it.each([
    [{ ...base, speed: '0' }, /--speed must be > 0/],
    [{ ...base, seed: '1.5' }, /--seed an integer/],
    [{ ...base, logFormat: 'xml' }, /--log-format must be pretty or json/],
  ])('%o → exit 2', async (options, message) => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => void errors.push(line);
    try {
      expect(await runCommand(options as RunCommandOptions)).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['60', 60_000],
    ['1.5m', 90_000],
    ['250ms', 250],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'ten', '10 minutes', '-5s', '0', '5y'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
