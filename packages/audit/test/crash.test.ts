import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AuditLockedError,
  listAuditSegments,
  openAuditTrail,
  readAuditTrail,
  verifyAuditTrail,
} from '../src/index';

const packageRoot = resolve(import.meta.dirname, '..');
const tsx = createRequire(import.meta.url).resolve('tsx');
const directory = mkdtempSync(join(tmpdir(), 'audit-crash-'));
const budgetMs = 22_000;
/** Kills per lane even on a machine so busy that the time budget runs out first. */
const minimumKills = 3;

interface Writer {
  readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly ready: Promise<void>;
  readonly exited: Promise<NodeJS.Signals | null>;
  readonly output: () => { stdout: string; stderr: string };
}

const started: Writer[] = [];
afterAll(() => {
  for (const writer of started) writer.child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

/** Starts a writer process that loads and then waits for `go` (so startup overlaps the previous run). */
function startWriter(path: string, durability: 'always' | 'batch', maxBytes: number): Writer {
  const child = spawn(
    process.execPath,
    ['--conditions=@bot/source', '--import', tsx, 'test/crash-writer.ts', path, durability, String(maxBytes)],
    { cwd: packageRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) resolveReady();
    });
    child.on('exit', () => rejectReady(new Error(`writer died before it was ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolveExit) =>
    child.on('close', (_code, signal) => resolveExit(signal)),
  );
  const writer = { child, ready, exited, output: () => ({ stdout, stderr }) };
  started.push(writer);
  return writer;
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolveWait) => setTimeout(resolveWait, 1));
}

/** Lets a ready writer go, SIGKILLs it at a random moment, and returns the records it acknowledged. */
async function runAndKill(writer: Writer): Promise<Map<number, string>> {
  await writer.ready;
  writer.child.stdin.write('go\n');
  const giveUpAt = Date.now() + 5000;
  // Some kills land anywhere from opening on (recovery included); most once appends are acknowledged.
  if (Math.random() < 0.25) {
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.random() * 50));
  } else {
    await waitFor(() => writer.output().stdout.includes('\nack ') || Date.now() > giveUpAt);
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.random() * 100));
  }
  writer.child.kill('SIGKILL');
  const signal = await writer.exited;
  const { stdout, stderr } = writer.output();
  if (signal !== 'SIGKILL') throw new Error(`writer exited by itself (${String(signal)}): ${stderr}`);
  const acknowledged = new Map<number, string>();
  // Only complete lines count: the last one may have been cut by the kill.
  for (const line of stdout.split('\n').slice(0, -1)) {
    const [word, seq, hash] = line.split(' ');
    if (word === 'ack') acknowledged.set(Number(seq), hash as string);
  }
  return acknowledged;
}

/**
 * Simulates what a power cut may add to a kill: the bytes written after the last acknowledged record
 * are cut at a random offset inside a line (never touching an acknowledged record). Returns whether
 * it cut anything.
 */
async function cutUnacknowledgedTail(path: string, lastAcknowledged: number): Promise<boolean> {
  const files = await listAuditSegments(path);
  const file = files[files.length - 1];
  if (file === undefined) return false;
  const content = readFileSync(file);
  const marker = content.indexOf(`"seq":${lastAcknowledged},"ts":"`);
  if (marker === -1) return false;
  const acknowledgedEnd = content.indexOf(0x0a, marker) + 1;
  const candidates: number[] = [];
  for (let offset = acknowledgedEnd + 1; offset < content.length; offset++) {
    if (content[offset - 1] !== 0x0a) candidates.push(offset);
  }
  const offset = candidates[Math.floor(Math.random() * candidates.length)];
  if (offset === undefined) return false;
  truncateSync(file, offset);
  return true;
}

describe('crash safety: a writer killed with SIGKILL at random moments', () => {
  it('always reopens to a verifying trail holding every acknowledged record', async () => {
    const deadline = Date.now() + budgetMs;
    const lanes = [
      { name: 'always', durability: 'always' as const, maxBytes: 0 },
      { name: 'batch-rotating', durability: 'batch' as const, maxBytes: 1024 * 1024 },
    ];
    const summaries = await Promise.all(
      lanes.map(async (lane) => {
        const path = join(directory, lane.name, 'trail.jsonl');
        const acknowledged = new Map<number, string>();
        let kills = 0;
        let recoveries = 0;
        let cuts = 0;
        // One writer loads while the previous one runs, is killed and checked.
        let next = startWriter(path, lane.durability, lane.maxBytes);
        while (Date.now() < deadline || kills < minimumKills) {
          const writer = next;
          next = startWriter(path, lane.durability, lane.maxBytes);
          let lastAcknowledged = -1;
          for (const [seq, hash] of await runAndKill(writer)) {
            acknowledged.set(seq, hash);
            lastAcknowledged = Math.max(lastAcknowledged, seq);
          }
          kills += 1;
          const cut =
            lastAcknowledged >= 0 &&
            Math.random() < 0.5 &&
            (await cutUnacknowledgedTail(path, lastAcknowledged));
          if (cut) cuts += 1;

          // Reopen: the writer repairs what the kill left, and the whole trail must verify.
          const trail = await openAuditTrail({ path, durability: lane.durability });
          recoveries += trail.recoveries.length;
          if (cut) expect(trail.recoveries.length).toBeGreaterThanOrEqual(1);
          await trail.close();
          const verification = await verifyAuditTrail(path);
          expect(verification, JSON.stringify(verification)).toMatchObject({ ok: true });
          const onDisk = new Map<number, string>();
          for await (const record of readAuditTrail(path)) onDisk.set(record.seq, record.hash);
          for (const [seq, hash] of acknowledged) {
            if (onDisk.get(seq) !== hash) {
              throw new Error(`acknowledged record seq ${seq} is missing or changed after kill ${kills}`);
            }
          }
        }
        next.child.kill('SIGKILL');
        return {
          lane: lane.name,
          kills,
          acknowledged: acknowledged.size,
          simulatedPowerCuts: cuts,
          recoveries,
        };
      }),
    );
    console.log(`crash test: ${JSON.stringify(summaries)}`);
    for (const summary of summaries) {
      expect(summary.kills).toBeGreaterThanOrEqual(minimumKills);
      expect(summary.acknowledged).toBeGreaterThan(0);
    }
  }, 60_000);

  it('locks out a second writer in another process, and takes over once that process is killed', async () => {
    const path = join(directory, 'lock', 'trail.jsonl');
    const writer = startWriter(path, 'always', 0);
    await writer.ready;
    writer.child.stdin.write('go\n');
    await waitFor(() => writer.output().stdout.includes('\nack '));
    const error = await openAuditTrail({ path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuditLockedError);
    expect(error).toMatchObject({ holder: { pid: writer.child.pid } });
    writer.child.kill('SIGKILL');
    await writer.exited;
    const trail = await openAuditTrail({ path });
    await trail.close();
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true });
  }, 30_000);
});
