import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_CLI_USAGE, listAuditSegments, openAuditTrail, runAuditCli } from '../src/index';
import { useTemporaryDirectory } from './temporary-directory';

const temporaryDirectory = useTemporaryDirectory();
const packageRoot = resolve(import.meta.dirname, '..');
const tsx = createRequire(import.meta.url).resolve('tsx');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runAuditCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

async function makeTrail(records: number, maxBytes?: number): Promise<string> {
  const path = join(temporaryDirectory(), 'trail.jsonl');
  const trail = await openAuditTrail({
    path,
    durability: 'none',
    ...(maxBytes ? { rotation: { maxBytes } } : {}),
  });
  for (let index = 0; index < records; index++) await trail.append('step', { index, text: 'x'.repeat(100) });
  await trail.close();
  return path;
}

describe('bot-audit verify', () => {
  it('prints one ok line per trail, with the record count and last hash, and exits 0', async () => {
    const path = await makeTrail(50, 4096);
    const files = await listAuditSegments(path);
    const { code, stdout, stderr } = await cli(['verify', path]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      new RegExp(
        `^ok {3}.*trail\\.jsonl: ${50 + files.length - 1} records in ${files.length} files, last seq \\d+, last hash [0-9a-f]{64}\\n$`,
      ),
    );
  });

  it('groups the files given into trails: naming every segment still verifies one set', async () => {
    const path = await makeTrail(50, 4096);
    const files = await listAuditSegments(path);
    const { code, stdout } = await cli(['verify', ...files.reverse()]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the first bad record (file, line, seq, reason) and exits 1', async () => {
    const path = await makeTrail(10);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[4] = (lines[4] as string).replace('"index":4', '"index":5');
    writeFileSync(path, lines.join('\n'));
    const { code, stdout } = await cli(['verify', path]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^FAIL .*trail\.jsonl: .*trail\.jsonl line 5, seq 4: hash-mismatch: stored hash [0-9a-f]{64}, computed [0-9a-f]{64}\n$/,
    );
  });

  it('verifies several trails, one line each, and exits 1 if any fails', async () => {
    const good = await makeTrail(3);
    const bad = await makeTrail(3);
    writeFileSync(bad, readFileSync(bad, 'utf8').replace('"index":1', '"index":2'));
    const { code, stdout } = await cli(['verify', good, bad]);
    expect(code).toBe(1);
    const [first, second] = stdout.trim().split('\n');
    expect(first).toMatch(/^ok /);
    expect(second).toMatch(/^FAIL .*trail\.jsonl line 2, seq 1: /);
  });

  it('exits 2, verifying nothing, when a file does not exist', async () => {
    const good = await makeTrail(3);
    const missing = join(temporaryDirectory(), 'nothing.jsonl');
    const { code, stdout, stderr } = await cli(['verify', good, missing]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^bot-audit: no such file: .*nothing\.jsonl\n$/);
  });

  it('prints JSON with --json and honours --strict, --partial and --anchor', async () => {
    const path = await makeTrail(5);
    const { code, stdout } = await cli(['verify', '--json', '--strict', path]);
    expect(code).toBe(0);
    const verdict = JSON.parse(stdout) as { ok: boolean; records: number; lastHash: string; trail: string };
    expect(verdict).toMatchObject({ ok: true, records: 5, trail: path });
    expect((await cli(['verify', '--anchor', `4:${verdict.lastHash}`, path])).code).toBe(0);
    expect((await cli(['verify', '--anchor', `9:${verdict.lastHash}`, path])).stdout).toMatch(
      /anchor-mismatch/,
    );

    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, lines.slice(2).join('\n'));
    expect((await cli(['verify', path])).code).toBe(1);
    expect((await cli(['verify', '--partial', path])).code).toBe(0);
  });

  it('exits 2 on usage errors and prints usage; --help exits 0', async () => {
    for (const argv of [
      [],
      ['check', 'x'],
      ['verify'],
      ['verify', '--nope', 'x'],
      ['verify', '--anchor', 'zz', 'x'],
    ]) {
      const { code, stderr, stdout } = await cli(argv);
      expect({ argv, code, stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(stderr).toContain('Usage: bot-audit verify');
    }
    expect(await cli(['--help'])).toEqual({ code: 0, stdout: AUDIT_CLI_USAGE, stderr: '' });
    expect((await cli(['verify', '--help'])).code).toBe(0);
  });

  it('runs as a command (bin/bot-audit.ts) with the same exit codes', async () => {
    const path = await makeTrail(3);
    const run = (args: string[]) =>
      spawnSync(
        process.execPath,
        ['--conditions=@bot/source', '--import', tsx, 'bin/bot-audit.ts', ...args],
        {
          cwd: packageRoot,
          encoding: 'utf8',
        },
      );
    const ok = run(['verify', path]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok /);
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, -10));
    expect(run(['verify', path]).status).toBe(1);
    expect(run([]).status).toBe(2);
    expect(readFileSync(join(packageRoot, 'bin', 'bot-audit.ts'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  }, 60_000);
});
