import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTemporaryDirectory } from '../test/temporary-directory';
import { openAuditTrail } from './audit-trail';
import { canonicalJson } from './canonical-json';
import type { AuditRecord } from './record-format';
import { listAuditSegments } from './segments';
import { AuditVerificationError, readAudit, verifyAudit, verifyAuditTrail } from './verify-audit';

const temporaryDirectory = useTemporaryDirectory();
const recordCount = 40;
let pristine: Buffer;
let lineStarts: number[];

function lines(bytes: Buffer): Buffer[] {
  const result: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
    result.push(bytes.subarray(start, end + 1));
    start = end + 1;
  }
  return result;
}

function writeTemporary(content: Buffer | string, name = 'trail.jsonl'): string {
  const path = join(temporaryDirectory(), name);
  writeFileSync(path, content);
  return path;
}

function parse(line: Buffer): AuditRecord {
  return JSON.parse(line.toString('utf8')) as AuditRecord;
}

/** A record re-hashed after a change, as a forger would: canonical form, correct hash. */
function forge(record: Omit<AuditRecord, 'hash'>): Buffer {
  const hash = createHash('sha256').update(canonicalJson(record)).digest('hex');
  return Buffer.from(`${canonicalJson({ ...record, hash })}\n`);
}

beforeAll(async () => {
  const path = join(temporaryDirectory(), 'source.jsonl');
  const trail = await openAuditTrail({ path, durability: 'none' });
  for (let index = 0; index < recordCount; index++) {
    await trail.append('step', { index, note: index % 3 === 0 ? 'ünïcödé ✓ 😀' : 'plain', price: index / 7 });
  }
  await trail.close();
  pristine = readFileSync(path);
  lineStarts = [0];
  for (const line of lines(pristine)) lineStarts.push((lineStarts.at(-1) as number) + line.length);
});

describe('verifyAudit', () => {
  it('accepts an intact file and reports its count and last hash', async () => {
    const path = writeTemporary(pristine);
    const last = parse(lines(pristine).at(-1) as Buffer);
    for (const strict of [false, true]) {
      expect(await verifyAudit(path, { strict })).toEqual({
        ok: true,
        files: [path],
        records: recordCount,
        firstSeq: 0,
        lastSeq: recordCount - 1,
        lastHash: last.hash,
        checkpoint: {
          seq: recordCount - 1,
          hash: last.hash,
          file: path,
          offset: lineStarts[recordCount - 1],
          line: recordCount,
        },
      });
    }
  });

  it('detects any single changed byte, at the seq of the record holding it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: pristine.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (offset, delta) => {
          const tampered = Buffer.from(pristine);
          tampered[offset] = ((tampered[offset] as number) + delta) % 256;
          const seq = lineStarts.findIndex((start) => start > offset) - 1;
          const verification = await verifyAudit(writeTemporary(tampered));
          expect(verification.ok).toBe(false);
          expect(verification).toMatchObject({ seq });
          expect(verification.records).toBe(seq);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names the reason: bad JSON, bad record, hash mismatch, broken link, not canonical', async () => {
    const original = lines(pristine);
    const record = parse(original[5] as Buffer);
    const { hash: _hash, ...body } = record;
    const cases: [Buffer, string][] = [
      [Buffer.from('{"hash": not json\n'), 'bad-json'],
      [Buffer.from('\n'), 'bad-json'],
      [Buffer.from('{"seq":5}\n'), 'bad-record'],
      [Buffer.from((original[5] as Buffer).toString().replace('"index":5', '"index":6')), 'hash-mismatch'],
      [forge({ ...body, prevHash: 'f'.repeat(64) }), 'broken-link'],
      [
        Buffer.from(
          `${JSON.stringify({ ts: body.ts, seq: body.seq, kind: body.kind, payload: body.payload, prevHash: body.prevHash, hash: record.hash })}\n`,
        ),
        'not-canonical',
      ],
    ];
    for (const [replacement, reason] of cases) {
      const tampered = Buffer.concat([...original.slice(0, 5), replacement, ...original.slice(6)]);
      for (const strict of [false, true]) {
        expect(await verifyAudit(writeTemporary(tampered), { strict })).toMatchObject({
          ok: false,
          reason,
          line: 6,
          seq: 5,
        });
      }
    }
  });

  it('detects a deleted record, two swapped records and a forged insertion as a seq gap', async () => {
    const original = lines(pristine);
    const deleted = Buffer.concat([...original.slice(0, 7), ...original.slice(8)]);
    expect(await verifyAudit(writeTemporary(deleted))).toMatchObject({
      ok: false,
      reason: 'seq-gap',
      seq: 7,
      recordSeq: 8,
      line: 8,
      records: 7,
    });
    const swapped = Buffer.concat([
      ...original.slice(0, 3),
      original[4] as Buffer,
      original[3] as Buffer,
      ...original.slice(5),
    ]);
    expect(await verifyAudit(writeTemporary(swapped))).toMatchObject({
      ok: false,
      reason: 'seq-gap',
      seq: 3,
      recordSeq: 4,
    });
    const duplicated = Buffer.concat([
      ...original.slice(0, 10),
      original[9] as Buffer,
      ...original.slice(10),
    ]);
    expect(await verifyAudit(writeTemporary(duplicated))).toMatchObject({
      ok: false,
      reason: 'seq-gap',
      seq: 10,
      recordSeq: 9,
    });
  });

  it('detects a truncation inside a record as a truncated tail at that seq', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: pristine.length - 1 }), async (length) => {
        const seq = lineStarts.findIndex((start) => start > length) - 1;
        const atBoundary = lineStarts.includes(length);
        const verification = await verifyAudit(writeTemporary(pristine.subarray(0, length)));
        if (atBoundary) expect(verification).toMatchObject({ ok: true, records: seq });
        else expect(verification).toMatchObject({ ok: false, reason: 'truncated-tail', seq, records: seq });
      }),
      { numRuns: 60 },
    );
  });

  it('detects whole records cut off the end only against an anchor', async () => {
    const original = lines(pristine);
    const anchor = { seq: recordCount - 1, hash: parse(original.at(-1) as Buffer).hash };
    const shortened = writeTemporary(Buffer.concat(original.slice(0, -2)));
    expect(await verifyAudit(shortened)).toMatchObject({ ok: true, records: recordCount - 2 });
    expect(await verifyAudit(shortened, { anchor })).toMatchObject({
      ok: false,
      reason: 'anchor-mismatch',
      records: recordCount - 2,
    });
    expect(await verifyAudit(writeTemporary(pristine), { anchor })).toMatchObject({ ok: true });
    expect(
      await verifyAudit(writeTemporary(pristine), { anchor: { seq: 3, hash: 'a'.repeat(64) } }),
    ).toMatchObject({
      ok: false,
      reason: 'anchor-mismatch',
      seq: 3,
    });
    await expect(verifyAudit(shortened, { anchor: { seq: -1, hash: 'x' } })).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it('requires a set to start at seq 0 unless partial', async () => {
    const original = lines(pristine);
    const tail = writeTemporary(Buffer.concat(original.slice(10)));
    expect(await verifyAudit(tail)).toMatchObject({
      ok: false,
      reason: 'seq-gap',
      seq: 0,
      recordSeq: 10,
      line: 1,
    });
    expect(await verifyAudit(tail, { partial: true })).toMatchObject({
      ok: true,
      firstSeq: 10,
      records: recordCount - 10,
    });
  });

  it('strict mode also rejects a non-canonical line whose hash was computed over its own bytes', async () => {
    const original = lines(pristine);
    const record = parse(original[2] as Buffer);
    // Keys of the payload in the wrong order, hashed as they stand: the bytes are covered by the hash,
    // but the line does not follow the format, so a verifier following the README would reject it.
    const body = `{"kind":"step","payload":{"price":${(record.payload as { price: number }).price},"note":"plain","index":2},"prevHash":"${record.prevHash}","seq":2,"ts":"${record.ts}"}`;
    const hash = createHash('sha256').update(body).digest('hex');
    const forged = Buffer.from(`{"hash":"${hash}",${body.slice(1)}\n`);
    const tampered = writeTemporary(Buffer.concat([...original.slice(0, 2), forged]));
    expect(await verifyAudit(tampered)).toMatchObject({ ok: true });
    expect(await verifyAudit(tampered, { strict: true })).toMatchObject({
      ok: false,
      reason: 'hash-mismatch',
      seq: 2,
    });
  });

  it('orders a set by first seq whatever the argument order, and finds a missing file', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 4096 } });
    for (let index = 0; index < 80; index++) await trail.append('filler', { index, text: 'x'.repeat(100) });
    await trail.close();
    const files = await listAuditSegments(path);
    expect(files.length).toBeGreaterThan(3);
    const reversed = [...files].reverse();
    expect(await verifyAudit(reversed)).toMatchObject({ ok: true, files, records: 80 + files.length - 1 });
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, files });

    const withoutSecond = files.filter((_, index) => index !== 1);
    const firstOfSecond = parse(lines(readFileSync(files[1] as string))[0] as Buffer).seq;
    expect(await verifyAudit(withoutSecond)).toMatchObject({
      ok: false,
      reason: 'seq-gap',
      seq: firstOfSecond,
      file: files[2],
      line: 1,
    });
  });

  it('reports a file it cannot read', async () => {
    const missing = join(temporaryDirectory(), 'missing.jsonl');
    expect(await verifyAudit(missing)).toMatchObject({
      ok: false,
      reason: 'unreadable',
      file: missing,
      line: 0,
    });
    expect(await verifyAudit([writeTemporary(pristine), missing])).toMatchObject({
      ok: false,
      reason: 'unreadable',
    });
  });

  it('accepts an empty file and an empty set as zero records', async () => {
    expect(await verifyAudit(writeTemporary(''))).toMatchObject({ ok: true, records: 0, lastSeq: null });
    expect(await verifyAudit([])).toMatchObject({ ok: true, records: 0 });
  });
});

describe('verifyAudit from a checkpoint', () => {
  const checkpointAt = (path: string, seq: number) => ({
    seq,
    hash: parse(lines(pristine)[seq] as Buffer).hash,
    file: path,
    offset: lineStarts[seq] as number,
    line: seq + 1,
  });
  /** The pristine trail with one byte of record `seq`'s payload changed (same length). */
  const damagedAt = (seq: number): Buffer => {
    const bytes = Buffer.from(pristine);
    const at = (lineStarts[seq] as number) + 90;
    bytes[at] = (bytes[at] as number) === 0x31 ? 0x32 : 0x31;
    return bytes;
  };

  it('returns where a later verification may resume: the last record, its file, byte offset and line', async () => {
    const path = writeTemporary(pristine);
    expect(await verifyAudit(path)).toMatchObject({
      ok: true,
      checkpoint: checkpointAt(path, recordCount - 1),
    });
    expect(await verifyAudit(writeTemporary(''))).toMatchObject({ ok: true, checkpoint: null });
  });

  it('reads only from the checkpoint on: damage after it is found, damage before it is not read', async () => {
    const before = writeTemporary(damagedAt(5));
    expect(await verifyAudit(before)).toMatchObject({ ok: false, seq: 5 });
    expect(await verifyAudit(before, { from: checkpointAt(before, 20) })).toMatchObject({
      ok: true,
      records: recordCount - 20,
      firstSeq: 20,
      lastSeq: recordCount - 1,
      checkpoint: checkpointAt(before, recordCount - 1),
    });
    const after = writeTemporary(damagedAt(30));
    expect(await verifyAudit(after, { from: checkpointAt(after, 20) })).toMatchObject({
      ok: false,
      seq: 30,
      line: 31,
      file: after,
    });
    const atCheckpoint = writeTemporary(damagedAt(20));
    expect(await verifyAudit(atCheckpoint, { from: checkpointAt(atCheckpoint, 20) })).toMatchObject({
      ok: false,
      seq: 20,
    });
  });

  it('refuses a checkpoint the trail no longer holds: cut off, moved, another hash, another file', async () => {
    const shortened = writeTemporary(Buffer.concat(lines(pristine).slice(0, 10)));
    expect(await verifyAudit(shortened, { from: checkpointAt(shortened, 20) })).toMatchObject({
      ok: false,
      reason: 'anchor-mismatch',
    });
    const path = writeTemporary(pristine);
    expect(
      await verifyAudit(path, { from: { ...checkpointAt(path, 20), hash: 'a'.repeat(64) } }),
    ).toMatchObject({ ok: false, reason: 'anchor-mismatch', seq: 20 });
    expect(await verifyAudit(path, { from: { ...checkpointAt(path, 20), offset: 7 } })).toMatchObject({
      ok: false,
    });
    expect(
      await verifyAudit(path, { from: { ...checkpointAt(path, 20), file: join(temporaryDirectory(), 'x') } }),
    ).toMatchObject({ ok: false, reason: 'anchor-mismatch' });
    await expect(
      verifyAudit(path, { from: { ...checkpointAt(path, 20), offset: -1 } }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('resumes in a later segment of a rotated trail without reading the earlier ones', async () => {
    const path = join(temporaryDirectory(), 'rotated.jsonl');
    const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 4096 } });
    for (let index = 0; index < 80; index++) await trail.append('filler', { index, text: 'x'.repeat(100) });
    await trail.close();
    const files = await listAuditSegments(path);
    const full = await verifyAuditTrail(path);
    if (!full.ok || full.checkpoint === null) throw new Error('expected a verified trail');
    expect(full.checkpoint.file).toBe(files.at(-1));
    const middle = files[2] as string;
    const first = lines(readFileSync(middle))[0] as Buffer;
    const from = { seq: parse(first).seq, hash: parse(first).hash, file: middle, offset: 0, line: 1 };
    writeFileSync(files[0] as string, 'not a trail any more\n');
    expect(await verifyAuditTrail(path)).toMatchObject({ ok: false });
    expect(await verifyAuditTrail(path, { from })).toMatchObject({
      ok: true,
      firstSeq: from.seq,
      lastSeq: full.lastSeq,
      checkpoint: full.checkpoint,
    });
  });
});

describe('readAudit', () => {
  it('yields every record in order, verified', async () => {
    const seen: AuditRecord[] = [];
    for await (const record of readAudit(writeTemporary(pristine))) seen.push(record);
    expect(seen.map((record) => record.seq)).toEqual(
      Array.from({ length: recordCount }, (_, index) => index),
    );
    expect(seen[3]?.payload).toMatchObject({ note: 'ünïcödé ✓ 😀' });
  });

  it('yields the valid records, then throws at the first bad one', async () => {
    const original = lines(pristine);
    const tampered = Buffer.concat([...original.slice(0, 12), ...original.slice(13)]);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const record of readAudit(writeTemporary(tampered))) seen.push(record.seq);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, index) => index));
    expect(error).toBeInstanceOf(AuditVerificationError);
    expect(error).toMatchObject({
      code: 'AUDIT_VERIFY_FAILED',
      verification: { reason: 'seq-gap', seq: 12 },
    });
  });
});

// nodejs/node#63785: on Node 24 and 26, JSON.parse can read an escaped key back as `\` once another text
// with an escaped key was parsed. The trail's readers must not: an intact trail would verify as tampered,
// and the writer, reopening it, would cut its good tail.
describe('payload keys that JSON escapes', () => {
  // Written in canonical (sorted) order, "!" comes first: the escaped key must follow another to be misread.
  const payloads = [
    { '!': [], '\\': 0 },
    { '!': 1, '"': 2 },
    { '!': 0, '\u0000': 1 },
    { '!': { '\n': '\r' }, '\\\u001f': 1 },
  ];

  it('verify, read back as written, and survive a reopen without a recovery', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    let trail = await openAuditTrail({ path, durability: 'none' });
    for (const payload of payloads) await trail.append('escaped', payload);
    await trail.close();
    trail = await openAuditTrail({ path, durability: 'none' });
    await trail.append('escaped', payloads[1]);
    await trail.close();

    expect(await verifyAuditTrail(path)).toMatchObject({ ok: true, records: payloads.length + 1 });
    const read: AuditRecord[] = [];
    for await (const record of readAudit(path)) read.push(record);
    expect(read.map((record) => record.kind)).toEqual(
      Array.from({ length: payloads.length + 1 }, () => 'escaped'),
    );
    expect(read.map((record) => canonicalJson(record.payload))).toEqual(
      [...payloads, payloads[1]].map((payload) => canonicalJson(payload)),
    );
  });
});
