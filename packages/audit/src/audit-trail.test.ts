import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { useTemporaryDirectory } from '../test/temporary-directory';
import {
  AuditClosedError,
  AuditCorruptError,
  AuditKindError,
  AuditLockedError,
  AuditOptionsError,
  AuditRecordTooLargeError,
  AuditSerializationError,
  AuditWriteError,
} from './audit-error';
import { openAuditTrail } from './audit-trail';
import type { AppendReceipt } from './audit-trail';
import { GENESIS_HASH } from './record-format';
import type { AuditRecord } from './record-format';
import { listAuditSegments } from './segments';
import { verifyAudit, verifyAuditTrail } from './verify-audit';

const temporaryDirectory = useTemporaryDirectory();

function records(path: string): AuditRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

function trailPath(): string {
  return join(temporaryDirectory(), 'audit', 'trail.jsonl');
}

/** A clock that starts at a fixed instant and moves by `step` ms per call. */
function steppingClock(start = Date.UTC(2025, 0, 15, 10), step = 1): () => number {
  let now = start - step;
  return () => (now += step);
}

describe('openAuditTrail and append', () => {
  it('creates the file and directory and writes one chained, hashed line per record', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, now: steppingClock() });
    const first = await trail.append('order.placed', { symbol: 'BTC/USDC:USDC', quantity: '0.012' });
    const second = await trail.append('fill', { price: 61000.5 });
    await trail.close();

    expect(first).toMatchObject({ seq: 0, ts: '2025-01-15T10:00:00.000Z', file: path });
    expect(second.seq).toBe(1);
    const lines = records(path);
    expect(lines).toEqual([
      {
        hash: first.hash,
        kind: 'order.placed',
        payload: { quantity: '0.012', symbol: 'BTC/USDC:USDC' },
        prevHash: GENESIS_HASH,
        seq: 0,
        ts: '2025-01-15T10:00:00.000Z',
      },
      {
        hash: second.hash,
        kind: 'fill',
        payload: { price: 61000.5 },
        prevHash: first.hash,
        seq: 1,
        ts: '2025-01-15T10:00:00.001Z',
      },
    ]);
    expect(readFileSync(path, 'utf8')).toMatch(/^\{"hash":"[0-9a-f]{64}","kind":"order\.placed","payload":/);
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 2, lastHash: second.hash });
  });

  it('continues the chain after a reopen, from the tail only', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, durability: 'none' });
    for (let index = 0; index < 200; index++) await trail.append('tick', { index, text: 'x'.repeat(500) });
    await trail.close();
    expect(readFileSync(path).length).toBeGreaterThan(128 * 1024);
    // Damage the first line: a reopen that read the whole file would notice; the tail reader (64 KiB) does not.
    const content = readFileSync(path);
    content[content.indexOf('"index":0') + 8] = 0x37; // index 0 → 7
    writeFileSync(path, content);

    const reopened = await openAuditTrail({ path });
    expect(reopened.nextSeq).toBe(200);
    const receipt = await reopened.append('tick', { index: 200 });
    await reopened.close();
    const lines = records(path);
    expect(receipt.seq).toBe(200);
    expect(lines[200]?.prevHash).toBe(lines[199]?.hash);
    expect(await verifyAudit(path)).toMatchObject({ ok: false, reason: 'hash-mismatch', line: 1, seq: 0 });
  });

  it("writes `none`'s groups on the calling thread: no asynchronous file write, the record in the file when its append resolves", async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, durability: 'none' });
    const probe = await open(join(temporaryDirectory(), 'probe'), 'w');
    const handles = Object.getPrototypeOf(probe) as { write: () => unknown; writev: () => unknown };
    await probe.close();
    const write = vi.spyOn(handles, 'write');
    const writev = vi.spyOn(handles, 'writev');
    try {
      await trail.append('one', { index: 0 });
      expect(records(path).map((record) => record.kind)).toEqual(['one']);
      await Promise.all([trail.append('two', { index: 1 }), trail.append('three', { index: 2 })]);
      expect(records(path).map((record) => record.kind)).toEqual(['one', 'two', 'three']);
      expect(write.mock.calls.length + writev.mock.calls.length).toBe(0);
    } finally {
      vi.restoreAllMocks();
      await trail.close();
    }
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 3 });
  });

  it('keeps order and chain across thousands of concurrent appends', async () => {
    const path = trailPath();
    for (const durability of ['none', 'batch', 'always'] as const) {
      rmSync(path, { force: true });
      const trail = await openAuditTrail({ path, durability });
      const receipts = await Promise.all(
        Array.from({ length: 3000 }, (_, index) => trail.append('concurrent', { index })),
      );
      await trail.close();
      expect(receipts.map((receipt) => receipt.seq)).toEqual(receipts.map((_, index) => index));
      const lines = records(path);
      expect(lines.map((line) => (line.payload as { index: number }).index)).toEqual(
        lines.map((_, index) => index),
      );
      expect(lines.map((line) => line.hash)).toEqual(receipts.map((receipt) => receipt.hash));
      expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 3000 });
    }
  });

  it('rejects unserializable payloads with a typed error and leaves the chain untouched', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path });
    await trail.append('before', { ok: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [cyclic, { amount: 1n }, { missing: undefined }, undefined, { when: Number.NaN }];
    for (const payload of bad) {
      await expect(trail.append('bad', payload)).rejects.toBeInstanceOf(AuditSerializationError);
    }
    await expect(trail.append('bad', { amount: 1n })).rejects.toMatchObject({
      code: 'AUDIT_UNSERIALIZABLE',
      reason: 'bigint',
      path: '$.amount',
    });
    const after = await trail.append('after', { ok: true });
    await trail.close();
    expect(after.seq).toBe(1);
    expect(records(path).map((line) => line.kind)).toEqual(['before', 'after']);
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 2 });
  });

  it('rejects malformed and reserved kinds', async () => {
    const trail = await openAuditTrail({ path: trailPath() });
    for (const kind of [
      '',
      'Order',
      'order placed',
      'order..placed',
      'a'.repeat(65),
      'audit.recovery',
      'audit',
    ]) {
      await expect(trail.append(kind, {})).rejects.toBeInstanceOf(AuditKindError);
    }
    await expect(trail.append(42 as unknown as string, {})).rejects.toMatchObject({
      code: 'AUDIT_INVALID_KIND',
    });
    for (const kind of ['fill', 'order.placed', 'risk-state', 'ws_reconnect', 'feed.degraded.rest2']) {
      await expect(trail.append(kind, {})).resolves.toMatchObject({ seq: expect.any(Number) });
    }
    await trail.close();
  });

  it('rejects a record larger than maxRecordBytes, and nothing is written', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, maxRecordBytes: 2048 });
    const error = await trail.append('big', { text: 'x'.repeat(3000) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuditRecordTooLargeError);
    expect(error).toMatchObject({ code: 'AUDIT_RECORD_TOO_LARGE', limit: 2048 });
    expect((await trail.append('small', { text: 'x' })).seq).toBe(0);
    await trail.close();
    expect(records(path)).toHaveLength(1);
  });

  it('validates its options, listing every problem', async () => {
    const error = await openAuditTrail({
      path: '',
      durability: 'sometimes' as 'always',
      batch: { maxDelayMs: -1 },
      rotation: { maxBytes: 10 },
      secrets: { values: ['short'] },
      extra: true,
    } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuditOptionsError);
    const paths = (error as AuditOptionsError).issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'path',
        'durability',
        'batch.maxDelayMs',
        'rotation.maxBytes',
        'secrets.values.0',
        '',
      ]),
    );
  });

  it('rejects appends after close, and close is idempotent', async () => {
    const trail = await openAuditTrail({ path: trailPath() });
    await trail.close();
    await trail.close();
    await expect(trail.append('late', {})).rejects.toBeInstanceOf(AuditClosedError);
    await expect(trail.append('late', {})).rejects.toMatchObject({ code: 'AUDIT_CLOSED' });
  });
});

describe('durability', () => {
  it('batch: resolves at the timer or when maxRecords are queued, and flush() does not wait for the timer', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({
      path,
      durability: 'batch',
      batch: { maxDelayMs: 60_000, maxRecords: 10 },
    });
    let resolved = 0;
    const first = Array.from({ length: 9 }, (_, index) =>
      trail.append('queued', { index }).then(() => (resolved += 1)),
    );
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    expect(resolved).toBe(0); // below maxRecords, long timer: still waiting
    await trail.append('tenth', {}); // reaching maxRecords flushes the group
    await Promise.all(first);
    expect(resolved).toBe(9);

    const started = Date.now();
    const pending = trail.append('eleventh', {});
    await trail.flush();
    await pending;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(records(path)).toHaveLength(11);
    await trail.close();
  });

  it('batch: a short timer commits a lone record', async () => {
    const trail = await openAuditTrail({ path: trailPath(), durability: 'batch', batch: { maxDelayMs: 5 } });
    await expect(trail.append('alone', {})).resolves.toMatchObject({ seq: 0 });
    await trail.close();
  });

  it('every policy has each record on disk when its append resolves', async () => {
    for (const durability of ['always', 'batch', 'none'] as const) {
      const path = trailPath();
      const trail = await openAuditTrail({ path, durability });
      for (let index = 0; index < 20; index++) {
        const receipt = await trail.append('step', { index });
        expect(records(path).at(-1)?.hash).toBe(receipt.hash);
      }
      expect(trail.durability).toBe(durability);
      await trail.close();
    }
  });

  it('stops at the first failed write: pending and later appends reject, close releases the lock', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, rotation: { maxBytes: 4096 } });
    // The next segment's temporary file cannot be created: a directory is in its way.
    mkdirSync(join(path, '..', 'trail.000001.jsonl.tmp'));
    const appends: Promise<AppendReceipt>[] = [];
    for (let index = 0; index < 40; index++) appends.push(trail.append('filler', { text: 'x'.repeat(200) }));
    const outcomes = await Promise.allSettled(appends);
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(AuditWriteError);
    await expect(trail.append('after', {})).rejects.toMatchObject({ code: 'AUDIT_WRITE_FAILED' });
    await expect(trail.flush()).rejects.toBeInstanceOf(AuditWriteError);
    await expect(trail.close()).rejects.toBeInstanceOf(AuditWriteError);

    // The trail is intact up to the last acknowledged record, and it reopens.
    rmSync(join(path, '..', 'trail.000001.jsonl.tmp'), { recursive: true });
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true });
    const reopened = await openAuditTrail({ path });
    await reopened.append('resumed', {});
    await reopened.close();
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true });
  });
});

describe('lock file', () => {
  it('refuses a second writer while the first is open, and allows one after close', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path });
    const error = await openAuditTrail({ path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuditLockedError);
    expect(error).toMatchObject({ code: 'AUDIT_LOCKED', holder: { pid: process.pid, host: hostname() } });
    expect((error as Error).message).toContain(`${path}.lock`);
    await trail.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const again = await openAuditTrail({ path });
    await again.close();
  });

  it('takes over a lock left by a dead process on this host', async () => {
    const path = trailPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = {
      pid: deadPid,
      host: hostname(),
      since: '2025-01-01T00:00:00.000Z',
      nonce: 'a'.repeat(24),
    };
    writeFileSync(`${path}.lock`, JSON.stringify(stale));
    const trail = await openAuditTrail({ path });
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    await trail.close();
  });

  it('takes over a lock naming this pid that this process does not hold (a restarted container)', async () => {
    const path = trailPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const previous = {
      pid: process.pid,
      host: hostname(),
      since: '2025-01-01T00:00:00.000Z',
      nonce: 'b'.repeat(24),
    };
    writeFileSync(`${path}.lock`, JSON.stringify(previous));
    const trail = await openAuditTrail({ path });
    await trail.close();
  });

  it('never takes over a lock from another host, or one it cannot read', async () => {
    const path = trailPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const remote = {
      pid: 1,
      host: `not-${hostname()}`,
      since: '2025-01-01T00:00:00.000Z',
      nonce: 'c'.repeat(24),
    };
    writeFileSync(`${path}.lock`, JSON.stringify(remote));
    await expect(openAuditTrail({ path })).rejects.toMatchObject({
      code: 'AUDIT_LOCKED',
      holder: { host: remote.host },
    });
    writeFileSync(`${path}.lock`, 'garbage');
    await expect(openAuditTrail({ path })).rejects.toMatchObject({ code: 'AUDIT_LOCKED', holder: undefined });
  });
});

describe('rotation', () => {
  it('rotates by size, the chain continuing across files, and reopens in the newest segment', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 4096 } });
    for (let index = 0; index < 60; index++) await trail.append('filler', { index, text: 'x'.repeat(150) });
    await trail.close();
    const files = await listAuditSegments(path);
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toBe(path);
    expect(files[1]).toBe(join(path, '..', 'trail.000001.jsonl'));
    for (const file of files) expect(readFileSync(file).length).toBeLessThanOrEqual(4096);

    const second = records(files[1] as string);
    const first = records(path);
    expect(second[0]).toMatchObject({
      kind: 'audit.segment',
      payload: { reason: 'size', segment: 1, previousFile: 'trail.jsonl' },
      prevHash: first.at(-1)?.hash,
      seq: (first.at(-1)?.seq ?? 0) + 1,
    });
    const verification = await verifyAuditTrail(path);
    expect(verification).toMatchObject({ ok: true, records: 60 + files.length - 1 });

    const reopened = await openAuditTrail({ path, rotation: { maxBytes: 4096 } });
    expect(reopened.file).toBe(files.at(-1));
    await reopened.append('after', {});
    await reopened.close();
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, records: 61 + files.length - 1 });
  });

  it('rotates when the UTC day changes', async () => {
    const path = trailPath();
    let now = Date.UTC(2025, 0, 15, 23, 59, 59, 998);
    const trail = await openAuditTrail({ path, rotation: { utcDay: true }, now: () => now });
    await trail.append('late', {});
    now += 1;
    await trail.append('later', {});
    now += 1; // 2025-01-16T00:00:00.000Z
    const next = await trail.append('next-day', {});
    await trail.close();
    expect(next.file).toBe(join(path, '..', 'trail.000001.jsonl'));
    expect(records(path).map((line) => line.kind)).toEqual(['late', 'later']);
    expect(records(next.file)).toMatchObject([
      { kind: 'audit.segment', payload: { reason: 'utc-day' }, ts: '2025-01-16T00:00:00.000Z' },
      { kind: 'next-day' },
    ]);
    // A reopen on the same day stays in the segment; on the next day it rotates again.
    now += 1000;
    const reopened = await openAuditTrail({ path, rotation: { utcDay: true }, now: () => now });
    expect((await reopened.append('same-day', {})).file).toBe(next.file);
    now += 86_400_000;
    expect((await reopened.append('day-after', {})).file).toBe(join(path, '..', 'trail.000002.jsonl'));
    await reopened.close();
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true });
  });

  it('completes a rotation interrupted after the new segment was written, and drops an invalid one', async () => {
    const path = trailPath();
    const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 4096 } });
    for (let index = 0; index < 30; index++) await trail.append('filler', { index, text: 'x'.repeat(150) });
    await trail.close();
    const files = await listAuditSegments(path);
    const newest = files.at(-1) as string;
    // Pretend the newest segment was never linked into place.
    const content = readFileSync(newest);
    rmSync(newest);
    writeFileSync(`${newest}.tmp`, content);
    const reopened = await openAuditTrail({ path, rotation: { maxBytes: 4096 } });
    expect(reopened.file).toBe(newest);
    await reopened.close();
    expect(readFileSync(newest).subarray(0, content.length)).toEqual(content);
    expect(existsSync(`${newest}.tmp`)).toBe(false);

    // A temporary segment that does not continue the chain is removed, never linked.
    const nextIndex = files.length;
    const stray = join(path, '..', `trail.${String(nextIndex).padStart(6, '0')}.jsonl.tmp`);
    writeFileSync(stray, readFileSync(path)); // starts at seq 0: does not continue
    const again = await openAuditTrail({ path });
    expect(again.file).toBe(newest);
    await again.close();
    expect(existsSync(stray)).toBe(false);
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true });
  });
});

describe('crash recovery on open', () => {
  async function trailWith(count: number): Promise<{ path: string; receipts: AppendReceipt[] }> {
    const path = trailPath();
    const trail = await openAuditTrail({ path, durability: 'none' });
    const receipts: AppendReceipt[] = [];
    for (let index = 0; index < count; index++)
      receipts.push(await trail.append('step', { index, note: 'é✓' }));
    await trail.close();
    return { path, receipts };
  }

  it('cuts a torn last line, keeps the valid prefix and notes the cut in an audit.recovery record', async () => {
    const { path, receipts } = await trailWith(5);
    const intact = readFileSync(path);
    const torn = '{"hash":"0123456789abcdef","kind":"step","payload":{"index":5,"note":"é';
    appendFileSync(path, torn);
    const trail = await openAuditTrail({ path });
    expect(trail.recoveries).toEqual([
      {
        reason: 'torn-tail',
        file: path,
        offset: intact.length,
        cutBytes: Buffer.byteLength(torn),
        savedAs: null,
        seq: 5,
      },
    ]);
    const next = await trail.append('after', {});
    await trail.close();
    expect(next.seq).toBe(6);
    expect(readFileSync(path).subarray(0, intact.length)).toEqual(intact);
    const lines = records(path);
    expect(lines[5]).toMatchObject({
      kind: 'audit.recovery',
      prevHash: receipts[4]?.hash,
      payload: {
        reason: 'torn-tail',
        file: 'trail.jsonl',
        offset: intact.length,
        cutBytes: Buffer.byteLength(torn),
        cutText: torn,
        savedAs: null,
      },
    });
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 7 });
  });

  it('keeps a complete last record that only lacks its newline', async () => {
    const { path, receipts } = await trailWith(3);
    truncateSync(path, readFileSync(path).length - 1);
    const trail = await openAuditTrail({ path });
    expect(trail.recoveries).toMatchObject([{ reason: 'unterminated-record', cutBytes: 0 }]);
    await trail.close();
    const lines = records(path);
    expect(lines.map((line) => line.hash).slice(0, 3)).toEqual(receipts.map((receipt) => receipt.hash));
    expect(lines[3]).toMatchObject({ kind: 'audit.recovery', payload: { reason: 'unterminated-record' } });
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 4 });
  });

  it('recovers a file holding nothing but a torn line, from genesis', async () => {
    const path = trailPath();
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '{"hash":"ab');
    const trail = await openAuditTrail({ path });
    await trail.close();
    expect(records(path)).toMatchObject([{ seq: 0, prevHash: GENESIS_HASH, kind: 'audit.recovery' }]);
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 1 });
  });

  it('saves a torn tail over 4 KiB whole in a side file', async () => {
    const { path } = await trailWith(2);
    const torn = Buffer.from(`{"hash":"${'y'.repeat(6000)}`);
    appendFileSync(path, torn);
    const trail = await openAuditTrail({ path });
    await trail.close();
    const savedAs = trail.recoveries[0]?.savedAs as string;
    expect(savedAs).toMatch(/^trail\.jsonl\.cut-\d+-[0-9a-f]{12}$/);
    expect(readFileSync(join(path, '..', savedAs))).toEqual(torn);
    expect(await verifyAudit(path)).toMatchObject({ ok: true });
  });

  it('refuses to open over invalid complete records at the end, changing nothing', async () => {
    const { path } = await trailWith(4);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = (lines[2] as string).replace('"index":2', '"index":9'); // tampered, hash no longer matches
    writeFileSync(path, lines.join('\n'));
    const before = readFileSync(path);
    const error = await openAuditTrail({ path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuditCorruptError);
    expect(error).toMatchObject({ code: 'AUDIT_CORRUPT', file: path });
    expect(readFileSync(path)).toEqual(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("with repair: 'invalid-tail', cuts from the first invalid record and keeps the cut bytes in a side file", async () => {
    const { path, receipts } = await trailWith(4);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = (lines[2] as string).replace('"index":2', '"index":9');
    writeFileSync(path, lines.join('\n'));
    const cut = Buffer.from(lines.slice(2).join('\n'));
    const trail = await openAuditTrail({ path, repair: 'invalid-tail' });
    await trail.close();
    expect(trail.recoveries).toMatchObject([{ reason: 'invalid-tail', cutBytes: cut.length, seq: 2 }]);
    const savedAs = trail.recoveries[0]?.savedAs as string;
    expect(readFileSync(join(path, '..', savedAs))).toEqual(cut);
    expect(
      records(path)
        .map((line) => line.hash)
        .slice(0, 2),
    ).toEqual(receipts.slice(0, 2).map((receipt) => receipt.hash));
    expect(await verifyAudit(path)).toMatchObject({ ok: true, records: 3 });
  });

  it('removes lock debris of dead processes', async () => {
    const path = trailPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(`${path}.lock.${deadPid}.${'d'.repeat(24)}.tmp`, '{}');
    writeFileSync(`${path}.lock.stale-${'e'.repeat(24)}`, '{}');
    const trail = await openAuditTrail({ path });
    await trail.close();
    expect(readdirSync(join(path, '..')).sort()).toEqual(['trail.jsonl']);
  });
});
