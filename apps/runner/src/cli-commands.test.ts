import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openAuditTrail } from '@bot/audit';
import { describe, expect, it } from 'vitest';

const bot = resolve(import.meta.dirname, '..', 'bin', 'bot.js');

function run(args: string[]) {
  const child = spawn(process.execPath, [bot, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('bot audit verify', () => {
  it('exits 0 for an intact trail and 1 once a byte is changed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bot-audit-')), 'trail.jsonl');
    const trail = await openAuditTrail({ path: file, durability: 'always' });
    for (let index = 0; index < 5; index += 1) await trail.append('test.record', { index });
    await trail.close();

    const intact = run(['audit', 'verify', file]);
    expect(await intact.exited).toBe(0);
    expect(intact.output().stdout).toMatch(/5 records/);

    writeFileSync(file, readFileSync(file, 'utf8').replace('"index":3', '"index":4'));
    const tampered = run(['audit', 'verify', file]);
    expect(await tampered.exited).toBe(1);
    expect(tampered.output().stdout + tampered.output().stderr).toMatch(/seq 3/);
  }, 60_000);
});

describe('bot sim', () => {
  it('prints the BOT_SIM_* lines, serves, and exits 0 on SIGTERM', async () => {
    const sim = run(['sim', '--port', '0', '--speed', 'manual']);
    const deadline = Date.now() + 45_000; // a loaded machine takes long to start a process
    while (!sim.output().stdout.includes('BOT_SIM_API_SECRET=') && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 25));
    }
    const url = /BOT_SIM_URL=(\S+)/.exec(sim.output().stdout)?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/fapi/v1/ping`)).status).toBe(200);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  }, 60_000);
});
