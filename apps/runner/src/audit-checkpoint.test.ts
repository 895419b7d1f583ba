/**
 * The start-up check of the audit trail reads from the last verified checkpoint on, not the whole trail:
 * a record damaged after the checkpoint still stops the start (exit 2, playbook audit-verification-failed);
 * one damaged before it is left to `bot audit verify`, which checks the whole trail.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openAuditTrail, verifyAuditTrail } from '@bot/audit';
import type { Sim } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from './run';
import type { RunningBot } from './run';
import { captureLog, manualSim, simKeys, tempDir, testConfig } from './testing';

const running: RunningBot[] = [];
const emulators: Sim[] = [];
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
  for (const sim of emulators.splice(0)) await sim.close();
});

const checkpointPath = (auditPath: string) => auditPath.replace(/\.jsonl$/, '.checkpoint.json');

/** Starts and stops a paper bot on its own emulator: the trail gets a run's records and a checkpoint. */
async function oneRun(config: ReturnType<typeof testConfig>) {
  const log = captureLog();
  const bot = await startBot({
    config,
    logger: log.logger,
    paper: { seed: 2, speed: 'manual' },
    operatorApi: false,
  });
  running.push(bot);
  await running.splice(running.indexOf(bot), 1)[0]?.stop();
  return log;
}

/**
 * Appends records as a run that ended without its stop (a crash) would: after the checkpoint, unverified.
 * Over 64 KiB of them, so that opening the trail (which checks its last 64 KiB) does not see what precedes.
 */
async function appendFiller(auditPath: string, first?: Record<string, string>): Promise<number | undefined> {
  const trail = await openAuditTrail({ path: auditPath, durability: 'none' });
  const receipt = first ? await trail.append('order.result', first) : undefined;
  for (let index = 0; index < 80; index += 1) await trail.append('filler', { index, text: 'x'.repeat(1000) });
  await trail.close();
  return receipt?.seq;
}

/** The trail with the first occurrence of `from` in record `seq` replaced by `to` (same length: offsets stay). */
function tamper(auditPath: string, seq: number, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const lines = readFileSync(auditPath, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`"seq":${seq},`));
  expect(lines[index]).toContain(from);
  lines[index] = (lines[index] as string).replace(from, to);
  writeFileSync(auditPath, lines.join('\n'));
}

describe('the audit trail at start: verified from the last checkpoint', () => {
  it('keeps a checkpoint beside the trail, at start and at stop, and reads only what follows it', async () => {
    const config = testConfig(tempDir());
    const { auditPath } = config.compliance;
    await oneRun(config);
    const checkpoint = JSON.parse(readFileSync(checkpointPath(auditPath), 'utf8')) as {
      seq: number;
      hash: string;
    };
    const full = await verifyAuditTrail(auditPath);
    expect(full).toMatchObject({ ok: true, lastSeq: checkpoint.seq, lastHash: checkpoint.hash });

    // A second run verifies what was written after the first one's checkpoint and moves it to the end.
    await appendFiller(auditPath);
    await oneRun(config);
    // A record before the checkpoint is changed (the first run's build card): the start does not read it.
    tamper(auditPath, 0, '"mode":"paper"', '"mode":"live!"');
    const log = await oneRun(config);
    expect(log.messages().some((message) => /audit trail verified from seq \d+/.test(message))).toBe(true);
    // The whole trail, as `bot audit verify` checks it, still shows it.
    expect(await verifyAuditTrail(auditPath)).toMatchObject({ ok: false, seq: 0, reason: 'hash-mismatch' });
  }, 60_000);

  it('refuses to start (exit 2, playbook audit-verification-failed) on a record damaged after the checkpoint', async () => {
    const config = testConfig(tempDir());
    const { auditPath } = config.compliance;
    await oneRun(config);
    expect(existsSync(checkpointPath(auditPath))).toBe(true);
    // A run that ended without its stop (a crash) left records after the checkpoint; one is changed later.
    const seq = await appendFiller(auditPath, { symbol: 'BTC/USDC:USDC', status: 'protected' });
    tamper(auditPath, seq ?? -1, '"protected"', '"unknown!!"');

    // Against an emulator of its own (`--sim-url`): a paper run on the in-process emulator writes a trail
    // of its own each run and never continues this one.
    const sim = await manualSim(1);
    emulators.push(sim);
    const child = spawn(
      process.execPath,
      [
        resolve(import.meta.dirname, '..', 'bin', 'bot.js'),
        'run',
        '--sim-url',
        sim.url,
        '--log-format',
        'json',
        '--no-operator-api',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          BOT_AUDIT_PATH: auditPath,
          ...simKeys(sim),
        },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (exit) => done(exit)));
    expect(code).toBe(2);
    expect(output).toMatch(/playbook audit-verification-failed: .*audit\.jsonl:\d+: hash-mismatch/);
    expect(readFileSync(auditPath, 'utf8')).toContain('"unknown!!"');
  }, 60_000);
});
