import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openAuditTrail } from '@bot/audit';
import { describe, expect, it } from 'vitest';
import { botProcess, tempDir } from './testing';

const { version } = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};

/** A stack trace's frame line: what a user error must never print. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

describe('exit codes (README: 0 ok, 1 failure, 2 bad input)', () => {
  it('2 for every usage error, with the usage and no stack trace', async () => {
    const cases = [
      ['run', '--bogus'],
      ['bogus-command'],
      ['audit', 'verify'],
      ['run', '--duration'],
      ['playbook', 'a', 'b'],
      [],
    ];
    const results = await Promise.all(cases.map((args) => botProcess(args)));
    results.forEach((result, index) => {
      expect({ args: cases[index], code: result.code }).toEqual({ args: cases[index], code: 2 });
      expect(result.output).not.toMatch(STACK);
      expect(result.output).toMatch(/Usage: bot/);
    });
  }, 120_000);

  it('--version prints the version and exits 0; --help exits 0', async () => {
    const [versionRun, helpRun] = await Promise.all([
      botProcess(['--version']),
      botProcess(['run', '--help']),
    ]);
    expect(versionRun).toEqual({ code: 0, output: `${version}\n` });
    expect(helpRun.code).toBe(0);
  }, 120_000);

  it('2 for an invalid configuration in every command that reads it', async () => {
    const env = { RISK_PER_TRADE_PCT: 'lots', BOT_AUDIT_PATH: join(tempDir(), 'audit.jsonl') };
    const [run, quickCheck] = await Promise.all([
      botProcess(['run', '--no-operator-api'], env),
      botProcess(['quick-check'], env),
    ]);
    for (const result of [run, quickCheck]) {
      expect(result.code).toBe(2);
      expect(result.output).toMatch(/RISK_PER_TRADE_PCT/);
      expect(result.output).not.toMatch(STACK);
    }
  }, 120_000);

  it('2 for an operator token file the bot refuses, from bot run and bot quick-check alike', async () => {
    // Too open, empty, not a file: each stops `bot run` before it connects, and quick-check says the same.
    const cases: Array<[string, (path: string) => void, RegExp]> = [
      [
        'too open',
        (path) => {
          writeFileSync(path, `${'a'.repeat(64)}\n`);
          chmodSync(path, 0o644);
        },
        /can be read by other users/,
      ],
      ['empty', (path) => writeFileSync(path, '', { mode: 0o600 }), /does not hold a token/],
      ['a directory', (path) => mkdirSync(path), /not a regular file/],
    ];
    const runs = cases.flatMap(([label, make, message]) => {
      const dir = tempDir();
      make(join(dir, 'audit.operator-token'));
      const env = { BOT_AUDIT_PATH: join(dir, 'audit.jsonl') };
      return (['run', 'quick-check'] as const).map(async (command) => ({
        label,
        command,
        message,
        result: await botProcess(command === 'run' ? ['run', '--duration', '5s'] : ['quick-check'], env),
      }));
    });
    for (const { label, command, message, result } of await Promise.all(runs)) {
      expect({ label, command, code: result.code }).toEqual({ label, command, code: 2 });
      expect(result.output).toMatch(message);
      expect(result.output).not.toMatch(STACK);
    }
  }, 180_000);

  it('2 for a replay file that does not exist, without a stack trace', async () => {
    const dir = tempDir();
    const result = await botProcess(
      ['run', '--replay', join(dir, 'BTCUSDC-1m-2026-01.csv'), '--no-operator-api'],
      {
        BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
      },
    );
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/BTCUSDC-1m-2026-01\.csv/);
    expect(result.output).not.toMatch(STACK);
  }, 120_000);
});

describe('bot trades', () => {
  it('2 for a trail that does not exist (BOT_AUDIT_PATH) or a bad date, saying so, without a stack trace', async () => {
    const missing = join(tempDir(), 'nope.jsonl');
    const [noTrail, badDate] = await Promise.all([
      botProcess(['trades'], { BOT_AUDIT_PATH: missing }),
      botProcess(['trades', '--from', 'soon', '--audit', missing]),
    ]);
    expect(noTrail.code).toBe(2);
    expect(noTrail.output).toContain(`bot trades: no audit trail at ${missing}`);
    expect(badDate.code).toBe(2);
    expect(badDate.output).toContain('--from must be an ISO date');
    for (const result of [noTrail, badDate]) expect(result.output).not.toMatch(STACK);
  }, 120_000);
});

describe('bot audit verify', () => {
  it('2 for a file that does not exist, saying so', async () => {
    const missing = join(tempDir(), 'nope.jsonl');
    const result = await botProcess(['audit', 'verify', missing]);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/no such file/i);
    expect(result.output).not.toMatch(/line 0, seq 0/);
  }, 60_000);

  it('takes --partial and --anchor as bot-audit does', async () => {
    const file = join(tempDir(), 'trail.jsonl');
    const trail = await openAuditTrail({ path: file, durability: 'always' });
    for (let index = 0; index < 3; index += 1) await trail.append('test.record', { index });
    await trail.close();
    const { hash } = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[1] ?? '') as { hash: string };
    const [good, bad] = await Promise.all([
      botProcess(['audit', 'verify', '--partial', '--anchor', `1:${hash}`, file]),
      botProcess(['audit', 'verify', '--anchor', `1:${'0'.repeat(64)}`, file]),
    ]);
    expect(good.code).toBe(0);
    expect(bad.code).toBe(1);
  }, 60_000);
});
