/**
 * Opening a trail: find the active segment, restore the chain position (seq, previous hash) from its tail,
 * finish an interrupted rotation, and repair a torn or invalid tail (noted as `audit.recovery` records).
 */
import type { FileHandle } from 'node:fs/promises';
import { link, open, readFile, readdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AuditCorruptError } from './audit-error';
import type { SecretGuard } from './canonical-json';
import { serializeCanonical } from './canonical-json';
import { removeIfPresent, replaceFileAtomically, syncDirectory, writeAll } from './file-operations';
import { isLockLeftover } from './lock-file';
import type { LineFacts } from './record-format';
import {
  GENESIS_HASH,
  WRITER_KINDS,
  checkLineBytes,
  inspectLine,
  recordBody,
  recordLine,
  sha256Hex,
} from './record-format';
import type { SegmentFile, TrailNaming } from './segments';
import { listSegments, segmentNamePattern, segmentPath } from './segments';
import type { ResolvedTrailOptions } from './trail-options';
import type { ChainStart } from './trail-tail';
import { scanTail } from './trail-tail';

/** What opening a trail had to repair; also written into the trail as an `audit.recovery` record. */
export interface RecoveryNote {
  readonly reason: 'torn-tail' | 'invalid-tail' | 'unterminated-record';
  readonly file: string;
  /** Byte offset where the cut started (or where the missing `\n` was added). */
  readonly offset: number;
  readonly cutBytes: number;
  /** The side file holding the exact cut bytes, when they were more than 4 KiB or not a torn line. */
  readonly savedAs: string | null;
  /** The seq of the `audit.recovery` record. */
  readonly seq: number;
}

/** The `audit.recovery` record's payload. */
export interface RecoveryPayload {
  readonly reason: RecoveryNote['reason'];
  readonly file: string;
  readonly offset: number;
  readonly cutBytes: number;
  /** sha256 of the exact bytes cut (of no bytes, when nothing was cut). */
  readonly cutSha256: string;
  /** The first {@link CUT_TEXT_BYTES} cut bytes as UTF-8 (U+FFFD where the cut split a character). */
  readonly cutText: string;
  readonly savedAs: string | null;
  readonly detail: string;
}

/** How many cut bytes a recovery record quotes; longer cuts are saved whole in a side file. */
export const CUT_TEXT_BYTES = 4096;

export const maxTimestamp = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

export interface ChainPosition {
  /** The seq the next record gets. */
  readonly seq: number;
  /** The hash the next record points at. */
  readonly prevHash: string;
}

export interface PreparedTrail {
  readonly segment: number;
  readonly handle: FileHandle;
  readonly position: ChainPosition;
  readonly segmentBytes: number;
  readonly lastTs: string | undefined;
  readonly recoveries: readonly RecoveryNote[];
}

export async function prepareTrail(
  naming: TrailNaming,
  options: ResolvedTrailOptions,
): Promise<PreparedTrail> {
  const names = await readdir(naming.directory);
  await removeLockLeftovers(naming, names);
  const segments = await listSegments(naming);
  let active: SegmentFile = segments[segments.length - 1] ?? { index: 0, path: naming.base };
  const recoveries: RecoveryNote[] = [];
  let state = await recoverSegment(naming, active, segments, options, recoveries);

  // A rotation interrupted after its new segment was fully written but before it was linked into place.
  const next: SegmentFile = { index: active.index + 1, path: segmentPath(naming, active.index + 1) };
  const completed = await completeRotation(naming, next, state.position);
  if (completed !== undefined) {
    active = next;
    state = completed;
  }
  await removeSegmentLeftovers(naming);
  const handle = await open(active.path, 'a');
  return { segment: active.index, handle, recoveries, ...state };
}

interface SegmentState {
  readonly position: ChainPosition;
  readonly segmentBytes: number;
  readonly lastTs: string | undefined;
}

async function removeLockLeftovers(naming: TrailNaming, names: readonly string[]): Promise<void> {
  const lockName = `${basename(naming.base)}.lock`;
  for (const name of names) {
    if (isLockLeftover(lockName, name)) await removeIfPresent(join(naming.directory, name));
  }
}

async function removeSegmentLeftovers(naming: TrailNaming): Promise<void> {
  const pattern = segmentNamePattern(naming);
  for (const name of await readdir(naming.directory)) {
    if (name.endsWith('.tmp') && pattern.test(name.slice(0, -'.tmp'.length))) {
      // Never acknowledged (a rotation that did not finish). One that cannot be removed is left alone:
      // the next rotation then fails loudly instead of this open.
      await removeIfPresent(join(naming.directory, name)).catch(() => undefined);
    }
  }
}

/** Where the chain stands at the end of the segments before `index` (genesis when there are none). */
async function chainEndBefore(segments: readonly SegmentFile[], index: number): Promise<ChainStart> {
  for (let position = segments.length - 1; position >= 0; position--) {
    const segment = segments[position] as SegmentFile;
    if (segment.index >= index) continue;
    const handle = await open(segment.path, 'r');
    try {
      const scan = await scanTail(
        handle,
        segment.path,
        segment.index === 0 ? { seq: 0, prevHash: GENESIS_HASH } : undefined,
      );
      if (scan.last !== undefined) return { seq: scan.last.seq + 1, prevHash: scan.last.hash };
    } finally {
      await handle.close();
    }
  }
  return { seq: 0, prevHash: GENESIS_HASH };
}

function recoveryRecord(
  payload: RecoveryPayload,
  position: ChainPosition,
  guard: SecretGuard,
  now: () => number,
): { line: Buffer; hash: string; ts: string } {
  const milliseconds = now();
  const valid = typeof milliseconds === 'number' && milliseconds >= 0 && milliseconds <= maxTimestamp;
  const ts = new Date(valid ? milliseconds : Date.now()).toISOString();
  const redacting: SecretGuard = { ...guard, onSecret: 'redact' };
  const body = recordBody(
    WRITER_KINDS.recovery,
    serializeCanonical(payload, redacting),
    position.prevHash,
    position.seq,
    ts,
  );
  const hash = sha256Hex(body);
  return { line: Buffer.from(recordLine(body, hash)), hash, ts };
}

async function recoverSegment(
  naming: TrailNaming,
  segment: SegmentFile,
  segments: readonly SegmentFile[],
  options: ResolvedTrailOptions,
  notes: RecoveryNote[],
): Promise<SegmentState> {
  try {
    const created = await open(segment.path, 'wx');
    await created.close();
    await syncDirectory(naming.directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const handle = await open(segment.path, 'r+');
  try {
    let start: ChainStart | undefined = segment.index === 0 ? { seq: 0, prevHash: GENESIS_HASH } : undefined;
    let scan = await scanTail(handle, segment.path, start);
    if (scan.last === undefined && start === undefined) {
      start = await chainEndBefore(segments, segment.index);
      scan = await scanTail(handle, segment.path, start);
    }
    const startPosition = start ?? { seq: 0, prevHash: GENESIS_HASH };
    let position: ChainPosition =
      scan.last === undefined ? startPosition : { seq: scan.last.seq + 1, prevHash: scan.last.hash };
    let lastTs: string | undefined = scan.last?.ts;
    const problem = scan.problem;
    if (problem === undefined) return { position, segmentBytes: scan.size, lastTs };

    const file = basename(segment.path);
    if (problem.kind === 'invalid' && options.repair !== 'invalid-tail') {
      throw new AuditCorruptError(segment.path, problem.offset, problem.detail);
    }
    if (problem.kind === 'unterminated-record') {
      const facts: LineFacts = problem.facts;
      position = { seq: facts.seq + 1, prevHash: facts.hash };
      const payload: RecoveryPayload = {
        reason: 'unterminated-record',
        file,
        offset: scan.size,
        cutBytes: 0,
        cutSha256: sha256Hex(''),
        cutText: '',
        savedAs: null,
        detail: `record seq ${facts.seq} was complete but lacked its newline; the newline was added`,
      };
      const record = recoveryRecord(payload, position, options.guard, options.now);
      await writeAll(handle, Buffer.concat([Buffer.from('\n'), record.line]), scan.size);
      await handle.datasync();
      notes.push({
        reason: payload.reason,
        file: segment.path,
        offset: scan.size,
        cutBytes: 0,
        savedAs: null,
        seq: position.seq,
      });
      position = { seq: position.seq + 1, prevHash: record.hash };
      lastTs = record.ts;
      return { position, segmentBytes: scan.size + 1 + record.line.length, lastTs };
    }

    // torn or invalid: cut from the problem's offset, keeping the exact bytes in evidence.
    const offset = problem.offset;
    const cut = Buffer.allocUnsafe(scan.size - offset);
    let filled = 0;
    while (filled < cut.length) {
      const { bytesRead } = await handle.read(cut, filled, cut.length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const cutBytes = cut.subarray(0, filled);
    const cutSha256 = sha256Hex(cutBytes);
    const reason = problem.kind === 'torn' ? 'torn-tail' : 'invalid-tail';
    let savedAs: string | null = null;
    if (cutBytes.length > CUT_TEXT_BYTES || reason === 'invalid-tail') {
      savedAs = `${file}.cut-${offset}-${cutSha256.slice(0, 12)}`;
      await replaceFileAtomically(join(naming.directory, savedAs), cutBytes, naming.directory);
    }
    const payload: RecoveryPayload = {
      reason,
      file,
      offset,
      cutBytes: cutBytes.length,
      cutSha256,
      cutText: cutBytes.subarray(0, CUT_TEXT_BYTES).toString('utf8'),
      savedAs,
      detail: problem.detail,
    };
    const record = recoveryRecord(payload, position, options.guard, options.now);
    // Overwrite the cut bytes with the recovery record, then drop what is left: a crash in between
    // leaves the record in place and a shorter torn tail, which the next open cuts in turn.
    await writeAll(handle, record.line, offset);
    await handle.truncate(offset + record.line.length);
    await handle.datasync();
    notes.push({ reason, file: segment.path, offset, cutBytes: cutBytes.length, savedAs, seq: position.seq });
    position = { seq: position.seq + 1, prevHash: record.hash };
    lastTs = record.ts;
    return { position, segmentBytes: offset + record.line.length, lastTs };
  } finally {
    await handle.close();
  }
}

/**
 * Links `<next>.tmp` into place when it holds complete records continuing the chain from `position`
 * (the process died between writing a new segment and linking it); otherwise leaves it for removal.
 */
async function completeRotation(
  naming: TrailNaming,
  next: SegmentFile,
  position: ChainPosition,
): Promise<SegmentState | undefined> {
  const temporary = `${next.path}.tmp`;
  let content: Buffer;
  try {
    content = await readFile(temporary);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (content.length === 0 || content[content.length - 1] !== 0x0a) return undefined;
  let expected = position;
  let last: LineFacts | undefined;
  let lineStart = 0;
  while (lineStart < content.length) {
    const lineEnd = content.indexOf(0x0a, lineStart);
    let facts = checkLineBytes(content, lineStart, lineEnd);
    if (facts === undefined) {
      const bytes = content.subarray(lineStart, lineEnd);
      const inspection = inspectLine(bytes.toString('utf8'), bytes);
      if (!inspection.ok) return undefined;
      facts = inspection.facts;
    }
    if (facts.seq !== expected.seq || facts.prevHash !== expected.prevHash) return undefined;
    last = facts;
    expected = { seq: facts.seq + 1, prevHash: facts.hash };
    lineStart = lineEnd + 1;
  }
  try {
    await createFileFromTemporary(temporary, next.path, naming.directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  return { position: expected, segmentBytes: content.length, lastTs: last?.ts };
}

async function createFileFromTemporary(temporary: string, path: string, directory: string): Promise<void> {
  await link(temporary, path);
  await unlink(temporary);
  await syncDirectory(directory);
}
