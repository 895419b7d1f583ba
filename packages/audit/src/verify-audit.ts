import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AuditError } from './audit-error';
import { parseJsonText } from './json-text';
import { checkChainBytes, GENESIS_HASH, inspectLine } from './record-format';
import type { AuditRecord, ChainFacts, LineProblem } from './record-format';
import { listAuditSegments } from './segments';

/** Why verification stopped at a record. */
export type AuditFailureReason =
  /** The file ends in a line without its `\n`: a write was cut short (the writer repairs it on open). */
  | 'truncated-tail'
  /** Not valid UTF-8, not JSON, or an empty line. */
  | LineProblem
  /** The record's seq is not the one expected at this position (a record is missing, duplicated or moved). */
  | 'seq-gap'
  /** The record's prevHash is not the previous record's hash. */
  | 'broken-link'
  /** The `anchor` record is missing, has another hash, or the set ends before it (records were cut off the end). */
  | 'anchor-mismatch'
  /** A file could not be read (missing, permissions). */
  | 'unreadable';

export interface VerifyAuditOptions {
  /**
   * Also parse every record and check it against the canonical serialization independently of the
   * writer's byte layout (about 3× slower). The default check already proves every byte of every
   * record is covered by the chain; `strict` also proves the files follow the README's format.
   */
  strict?: boolean;
  /** The set may start mid-trail (older segments archived): the first record is taken as given. Default false: it must be seq 0 with the genesis prevHash. */
  partial?: boolean;
  /** A record known from elsewhere (e.g. a hash noted when it was written): it must be in the set with this hash. Detects records cut off the end. */
  anchor?: { seq: number; hash: string };
  /**
   * Resume from a checkpoint an earlier verification returned: the scan starts at byte `offset` of `file`
   * (one of the set's files), where record `seq` with `hash` must begin, and reads nothing before it. The
   * records before the checkpoint are taken as verified then: only a verification without `from` re-checks
   * them. A checkpoint the set no longer holds (the file is shorter, another record is there) fails with
   * `anchor-mismatch`; `partial` is implied.
   */
  from?: AuditCheckpoint;
}

/** Where a verification may resume (`from`): a verified record, its file, the byte offset its line starts at, and its 1-based line number. */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
  /** Absolute path of the segment holding the record. */
  readonly file: string;
  readonly offset: number;
  readonly line: number;
}

interface VerificationSummary {
  /** The files verified, absolute, in chain order. */
  readonly files: readonly string[];
  /** How many records verified (before the failure, if any). */
  readonly records: number;
  readonly firstSeq: number | null;
  /** The seq of the last valid record. */
  readonly lastSeq: number | null;
  /** The hash of the last valid record ({@link GENESIS_HASH} when there is none). */
  readonly lastHash: string;
}

/** Every record verified. */
export interface AuditVerificationOk extends VerificationSummary {
  readonly ok: true;
  /** The last record verified, to resume a later verification from (`from`); `null` when there was none. */
  readonly checkpoint: AuditCheckpoint | null;
}

/** The first bad record, and what was verified before it. */
export interface AuditVerificationFailure extends VerificationSummary {
  readonly ok: false;
  readonly file: string;
  /** 1-based line number in `file` (0 when the file could not be read). */
  readonly line: number;
  /** The seq expected at this position (`null` when unknown: a partial set's first record). */
  readonly seq: number | null;
  /** The seq the bad line claims, when it could be read. */
  readonly recordSeq: number | null;
  readonly reason: AuditFailureReason;
  readonly message: string;
}

/** The outcome of {@link verifyAudit}. */
export type AuditVerification = AuditVerificationOk | AuditVerificationFailure;

/** `readAudit` met a record that does not verify; `verification` says which and why. */
export class AuditVerificationError extends AuditError {
  override readonly name = 'AuditVerificationError';
  override readonly code = 'AUDIT_VERIFY_FAILED' as const;
  readonly verification: AuditVerificationFailure;

  constructor(verification: AuditVerificationFailure) {
    super(
      'AUDIT_VERIFY_FAILED',
      `${verification.file}:${verification.line}: ${verification.reason}: ${verification.message}`,
    );
    this.verification = verification;
  }
}

const initialChunkBytes = 1024 * 1024;
const hexHash = /^[0-9a-f]{64}$/;

interface FileOrder {
  readonly file: string;
  readonly key: number;
}

async function readStart(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(initialChunkBytes);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  return buffer.subarray(0, bytesRead);
}

/** Orders files by their first record's seq: unreadable first lines first (so they are reported), empty files last. */
async function orderFiles(files: readonly string[]): Promise<FileOrder[] | { file: string; error: unknown }> {
  const order: FileOrder[] = [];
  for (const file of files) {
    let start: Buffer;
    try {
      const handle = await open(file, 'r');
      try {
        start = await readStart(handle);
      } finally {
        await handle.close();
      }
    } catch (error) {
      return { file, error };
    }
    let key = -1;
    if (start.length === 0) key = Number.POSITIVE_INFINITY;
    const newline = start.indexOf(0x0a);
    if (newline !== -1) {
      const facts = checkChainBytes(start, 0, newline);
      if (facts !== undefined) key = facts.seq;
      else {
        const bytes = start.subarray(0, newline);
        const inspection = inspectLine(bytes.toString('utf8'), bytes);
        if (inspection.ok) key = inspection.facts.seq;
      }
    }
    order.push({ file, key });
  }
  return order.sort((left, right) => left.key - right.key);
}

/** Bytes read, or the read's error (never a rejection, so a read left pending when a scan stops is harmless). */
type ChunkRead = number | { readonly error: unknown };

function readChunk(handle: FileHandle, buffer: Buffer, offset: number, position: number): Promise<ChunkRead> {
  return handle.read(buffer, offset, buffer.length - offset, position).then(
    ({ bytesRead }) => bytesRead,
    (error: unknown) => ({ error }),
  );
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The verification engine: yields, per chunk, the text of each valid record when `collect` is set
 * (for {@link readAudit}), and returns the verdict.
 */
async function* scanAudit(
  paths: string | readonly string[],
  options: VerifyAuditOptions,
  collect: boolean,
): AsyncGenerator<string[], AuditVerification, void> {
  const files = [...new Set((typeof paths === 'string' ? [paths] : paths).map((path) => resolve(path)))];
  const strict = options.strict === true;
  const anchor = options.anchor;
  const from = options.from;
  let chainFiles: readonly string[] = files;
  let records = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  let expectedSeq: number | undefined = options.partial === true || from !== undefined ? undefined : 0;
  let lastHash: string = GENESIS_HASH;
  let anchorSeen = false;
  // The last valid record's place, for the checkpoint (kept as plain values: no object per record).
  let lastFile = '';
  let lastOffset = 0;
  let lastLine = 0;

  const failure = (
    file: string,
    line: number,
    reason: AuditFailureReason,
    message: string,
    recordSeq: number | null,
  ): AuditVerificationFailure => ({
    ok: false,
    files: chainFiles,
    records,
    firstSeq,
    lastSeq,
    lastHash,
    file,
    line,
    seq: expectedSeq ?? recordSeq,
    recordSeq,
    reason,
    message,
  });

  if (
    anchor !== undefined &&
    (!Number.isSafeInteger(anchor.seq) || anchor.seq < 0 || !hexHash.test(anchor.hash))
  ) {
    throw new TypeError('anchor must be { seq: a non-negative integer, hash: 64 lower-case hex digits }');
  }
  if (
    from !== undefined &&
    (!Number.isSafeInteger(from.seq) ||
      from.seq < 0 ||
      !hexHash.test(from.hash) ||
      typeof from.file !== 'string' ||
      !Number.isSafeInteger(from.offset) ||
      from.offset < 0 ||
      !Number.isSafeInteger(from.line) ||
      from.line < 1)
  ) {
    throw new TypeError(
      'from must be a checkpoint { seq, hash, file, offset, line } (non-negative integers, 64 lower-case hex digits, a path)',
    );
  }
  if (files.length > 1) {
    const order = await orderFiles(files);
    if (!Array.isArray(order)) {
      return failure(order.file, 0, 'unreadable', describeError(order.error), null);
    }
    chainFiles = order.map((entry) => entry.file);
  }
  let startFile: string | undefined;
  if (from !== undefined) {
    startFile = resolve(from.file);
    const index = chainFiles.indexOf(startFile);
    if (index === -1) {
      return failure(
        startFile,
        0,
        'anchor-mismatch',
        `the checkpoint (seq ${from.seq}) is in ${startFile}, which is not one of the set's files`,
        null,
      );
    }
    chainFiles = chainFiles.slice(index);
  }
  let checkpointSeen = from === undefined;

  // Two buffers: while the lines of one are checked, the next chunk is read into the other (the read
  // runs on libuv's thread pool, so the file I/O overlaps the hashing instead of adding to it).
  let buffer = Buffer.allocUnsafe(initialChunkBytes);
  let spare = Buffer.allocUnsafe(initialChunkBytes);
  for (const file of chainFiles) {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      return failure(file, 0, 'unreadable', describeError(error), null);
    }
    let pending: Promise<ChunkRead> | undefined;
    try {
      let carried = 0;
      const resuming = file === startFile;
      let line = resuming && from !== undefined ? from.line - 1 : 0;
      let position = resuming && from !== undefined ? from.offset : 0;
      pending = readChunk(handle, buffer, 0, position);
      for (;;) {
        const chunk = await pending;
        pending = undefined;
        if (typeof chunk !== 'number') {
          return failure(file, line + 1, 'unreadable', describeError(chunk.error), null);
        }
        const bytesRead = chunk;
        position += bytesRead;
        const filled = carried + bytesRead;
        if (bytesRead === 0) {
          if (carried > 0) {
            const bytes = buffer.subarray(0, carried);
            const inspection = inspectLine(bytes.toString('utf8'), bytes);
            const recordSeq = inspection.ok ? inspection.facts.seq : inspection.recordSeq;
            return failure(
              file,
              line + 1,
              'truncated-tail',
              `the file ends in a line of ${carried} bytes without its newline: a write was cut short`,
              recordSeq,
            );
          }
          break;
        }
        // Start reading the next chunk into the spare buffer, after the unfinished last line moved there.
        const tailStart = buffer.lastIndexOf(0x0a, filled - 1) + 1;
        const nextCarried = filled - tailStart;
        if (nextCarried === buffer.length) {
          spare = Buffer.allocUnsafe(buffer.length * 2); // one line longer than the buffer: grow
        } else if (spare.length < buffer.length) {
          spare = Buffer.allocUnsafe(buffer.length);
        }
        buffer.copy(spare, 0, tailStart, filled);
        pending = readChunk(handle, spare, nextCarried, position);
        const view = buffer.subarray(0, filled);
        const chunkStart = position - filled;
        const texts: string[] = [];
        let lineStart = 0;
        for (;;) {
          const lineEnd = view.indexOf(0x0a, lineStart);
          if (lineEnd === -1) break;
          line += 1;
          let facts: ChainFacts | undefined = strict ? undefined : checkChainBytes(view, lineStart, lineEnd);
          if (facts === undefined) {
            const bytes = view.subarray(lineStart, lineEnd);
            const inspection = inspectLine(bytes.toString('utf8'), bytes);
            if (!inspection.ok) {
              if (texts.length > 0) yield texts;
              return failure(file, line, inspection.problem, inspection.detail, inspection.recordSeq);
            }
            facts = inspection.facts;
          }
          if (!checkpointSeen && from !== undefined) {
            // The checkpoint's own record: its prevHash is taken as given, its seq and hash must be the checkpoint's.
            if (facts.seq !== from.seq || facts.hash !== from.hash) {
              if (texts.length > 0) yield texts;
              return failure(
                file,
                line,
                'anchor-mismatch',
                `the checkpoint says seq ${from.seq} with hash ${from.hash} begins at byte ${from.offset}, but seq ${facts.seq} with hash ${facts.hash} does`,
                facts.seq,
              );
            }
            checkpointSeen = true;
          }
          if (expectedSeq === undefined) {
            expectedSeq = facts.seq;
            lastHash = facts.prevHash;
          }
          if (facts.seq !== expectedSeq) {
            if (texts.length > 0) yield texts;
            const message =
              records === 0 && options.partial !== true
                ? `expected seq 0 (a trail starts at seq 0; verify with partial to start mid-trail), found ${facts.seq}`
                : `expected seq ${expectedSeq}, found ${facts.seq} (a record is missing, duplicated or moved)`;
            return failure(file, line, 'seq-gap', message, facts.seq);
          }
          if (facts.prevHash !== lastHash) {
            if (texts.length > 0) yield texts;
            const message =
              records === 0 && options.partial !== true
                ? `prevHash of seq 0 is ${facts.prevHash}, not the genesis hash (64 zeros)`
                : `prevHash ${facts.prevHash} is not the hash of seq ${expectedSeq - 1} (${lastHash})`;
            return failure(file, line, 'broken-link', message, facts.seq);
          }
          if (anchor !== undefined && facts.seq === anchor.seq) {
            if (facts.hash !== anchor.hash) {
              if (texts.length > 0) yield texts;
              return failure(
                file,
                line,
                'anchor-mismatch',
                `seq ${facts.seq} has hash ${facts.hash}, but the anchor says ${anchor.hash}`,
                facts.seq,
              );
            }
            anchorSeen = true;
          }
          if (collect) texts.push(view.toString('utf8', lineStart, lineEnd));
          records += 1;
          firstSeq ??= facts.seq;
          lastSeq = facts.seq;
          lastHash = facts.hash;
          lastFile = file;
          lastOffset = chunkStart + lineStart;
          lastLine = line;
          expectedSeq = facts.seq + 1;
          lineStart = lineEnd + 1;
        }
        if (texts.length > 0) yield texts;
        carried = nextCarried;
        [buffer, spare] = [spare, buffer];
      }
    } finally {
      if (pending !== undefined) await pending;
      await handle.close();
    }
  }
  if (!checkpointSeen && from !== undefined) {
    return failure(
      resolve(from.file),
      0,
      'anchor-mismatch',
      `the set ends before the checkpoint (seq ${from.seq} at byte ${from.offset} of ${resolve(from.file)}): records were cut off the end, or the trail was replaced`,
      null,
    );
  }
  if (anchor !== undefined && !anchorSeen) {
    const lastFile = chainFiles[chainFiles.length - 1] ?? '';
    const message =
      firstSeq !== null && anchor.seq < firstSeq
        ? `the anchor (seq ${anchor.seq}) precedes the set, which starts at seq ${firstSeq}`
        : `the set ends at seq ${lastSeq ?? 'none'}, before the anchor at seq ${anchor.seq}: records were cut off the end`;
    return failure(lastFile, 0, 'anchor-mismatch', message, null);
  }
  const checkpoint: AuditCheckpoint | null =
    lastSeq === null
      ? null
      : { seq: lastSeq, hash: lastHash, file: lastFile, offset: lastOffset, line: lastLine };
  return { ok: true, files: chainFiles, records, firstSeq, lastSeq, lastHash, checkpoint };
}

/**
 * Verifies a set of audit files as one chain, streaming them: every record's hash, seq and link to
 * the one before, across files (ordered by their first record's seq, whatever order they are given
 * in). Returns `{ ok: true, records, lastHash, … }` or the first bad record: file, line, seq, reason.
 * Never throws for bad content; an invalid `anchor` is a `TypeError`.
 */
export async function verifyAudit(
  paths: string | readonly string[],
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const scan = scanAudit(paths, options, false);
  for (;;) {
    const step = await scan.next();
    if (step.done === true) return step.value;
  }
}

/** {@link verifyAudit} over a whole trail: the file at `path` and its rotated segments found next to it. */
export async function verifyAuditTrail(
  path: string,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const files = await listAuditSegments(path);
  return verifyAudit(files.length === 0 ? [path] : files, options);
}

/**
 * Streams the records of a set of audit files in chain order, verifying as it goes: every record
 * yielded has verified, and the first bad one throws {@link AuditVerificationError}. Use it to rebuild
 * state at start (e.g. the day's losses) from evidence that is proven intact.
 */
export async function* readAudit(
  paths: string | readonly string[],
  options: VerifyAuditOptions = {},
): AsyncGenerator<AuditRecord, AuditVerificationOk, void> {
  const scan = scanAudit(paths, options, true);
  for (;;) {
    const step = await scan.next();
    if (step.done === true) {
      if (!step.value.ok) throw new AuditVerificationError(step.value);
      return step.value;
    }
    for (const text of step.value) yield parseJsonText(text) as AuditRecord;
  }
}

/** {@link readAudit} over a whole trail: the file at `path` and its rotated segments. */
export async function* readAuditTrail(
  path: string,
  options: VerifyAuditOptions = {},
): AsyncGenerator<AuditRecord, AuditVerificationOk, void> {
  const files = await listAuditSegments(path);
  return yield* readAudit(files.length === 0 ? [path] : files, options);
}
