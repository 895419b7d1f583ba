import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  AuditClosedError,
  AuditKindError,
  AuditOptionsError,
  AuditRecordTooLargeError,
  AuditSecretError,
  AuditWriteError,
} from './audit-error';
import { serializeCanonical } from './canonical-json';
import { createFileAtomically, writeAllSlicesSync } from './file-operations';
import type { HeldLock } from './lock-file';
import { acquireLock } from './lock-file';
import type { RationaleInput } from './rationale';
import { parseRationale } from './rationale';
import {
  KIND_PATTERN,
  MAX_KIND_LENGTH,
  RATIONALE_KIND,
  WRITER_KINDS,
  recordBody,
  sha256Hex,
} from './record-format';
import type { TrailNaming } from './segments';
import { segmentPath, trailNaming } from './segments';
import type { AuditTrailOptions, Durability, ResolvedTrailOptions } from './trail-options';
import { resolveTrailOptions } from './trail-options';
import type { PreparedTrail, RecoveryNote } from './trail-recovery';
import { maxTimestamp, prepareTrail } from './trail-recovery';

/** What an acknowledged `append` tells you: where the record sits in the chain. */
export interface AppendReceipt {
  readonly seq: number;
  readonly hash: string;
  readonly ts: string;
  /** The segment file the record was written to. */
  readonly file: string;
}

/** The `audit.segment` record's payload: the first record of every segment after the first. */
export interface SegmentPayload {
  readonly reason: 'size' | 'utc-day';
  /** The segment's number (1 for `trail.000001.jsonl`). */
  readonly segment: number;
  /** File name of the segment before it. */
  readonly previousFile: string;
}

/** How much memory a staging chunk holds; records are encoded into it once, at append time. */
const stagingChunkBytes = 1024 * 1024;
const hashPrefix = Buffer.from('{"hash":"');

interface PendingRecord {
  /** The staging chunk holding the record's line, at `[start, end)` (`\n` included). */
  readonly chunk: Buffer;
  readonly start: number;
  readonly end: number;
  readonly segment: number;
  readonly receipt: AppendReceipt;
  readonly resolve: ((receipt: AppendReceipt) => void) | undefined;
  readonly reject: ((error: unknown) => void) | undefined;
}

/** A record encoded in the staging chunk but not yet committed (the chunk offset has not moved). */
interface BuiltRecord {
  readonly chunk: Buffer;
  readonly start: number;
  readonly end: number;
  readonly hash: string;
}

interface FlushWaiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * An open, locked, append-only audit trail. Create one with {@link openAuditTrail}; one writer per
 * trail (a lock file enforces it). Each `append` is assigned its seq and chained synchronously, in call
 * order, so concurrent appends never interleave or fork the chain; its promise resolves when the
 * record is as durable as the policy promises.
 */
export class AuditTrail {
  readonly #naming: TrailNaming;
  readonly #options: ResolvedTrailOptions;
  readonly #lock: HeldLock;
  readonly #validKinds = new Set<string>();
  #handle: FileHandle;
  #handleSegment: number;
  #segment: number;
  #segmentFile: string;
  #segmentBytes: number;
  #segmentDay: string | undefined;
  #nextSeq: number;
  #lastHash: string;
  #pending: PendingRecord[] = [];
  #chunk: Buffer = Buffer.allocUnsafe(stagingChunkBytes);
  #chunkOffset = 0;
  #oldestPendingAt = 0;
  #flushing = false;
  #urgent = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #durableSeq: number;
  #flushWaiters: FlushWaiter[] = [];
  #failure: AuditWriteError | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #clockMilliseconds = Number.NaN;
  #clockText = '';
  /** What opening repaired (also recorded in the trail as `audit.recovery` records). */
  readonly recoveries: readonly RecoveryNote[];

  private constructor(
    naming: TrailNaming,
    options: ResolvedTrailOptions,
    lock: HeldLock,
    prepared: PreparedTrail,
  ) {
    this.#naming = naming;
    this.#options = options;
    this.#lock = lock;
    this.#handle = prepared.handle;
    this.#handleSegment = prepared.segment;
    this.#segment = prepared.segment;
    this.#segmentFile = segmentPath(naming, prepared.segment);
    this.#segmentBytes = prepared.segmentBytes;
    this.#segmentDay = prepared.lastTs?.slice(0, 10);
    this.#nextSeq = prepared.position.seq;
    this.#lastHash = prepared.position.prevHash;
    this.#durableSeq = prepared.position.seq - 1;
    this.recoveries = Object.freeze([...prepared.recoveries]);
  }

  /** Opens (creating if needed) and locks a trail, repairing a torn tail. See {@link openAuditTrail}. */
  static async open(options: AuditTrailOptions): Promise<AuditTrail> {
    const resolved = resolveTrailOptions(options);
    const naming = trailNaming(resolved.path);
    await mkdir(naming.directory, { recursive: true });
    const lock = await acquireLock(`${naming.base}.lock`);
    try {
      const prepared = await prepareTrail(naming, resolved);
      return new AuditTrail(naming, resolved, lock, prepared);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** The trail's path (segment 0), absolute. */
  get path(): string {
    return this.#naming.base;
  }

  /** The segment file new records go to. */
  get file(): string {
    return this.#segmentFile;
  }

  /** The durability policy in force. */
  get durability(): Durability {
    return this.#options.durability;
  }

  /** The seq the next record will get. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** The hash of the last record appended (acknowledged or not yet), or {@link GENESIS_HASH}. */
  get lastHash(): string {
    return this.#lastHash;
  }

  /**
   * Appends one record. `kind` names what happened (`order.placed`, `fill`, …; the `audit.` prefix is
   * reserved); `payload` is any canonical-JSON value (see the README). Bad input rejects with a typed
   * error and leaves the chain untouched. Resolves with the record's receipt once it is durable:
   * `always` and `batch` after fsync, `none` after the write reached the OS.
   */
  append(kind: string, payload: unknown): Promise<AppendReceipt> {
    try {
      this.#assertWritable();
      this.#checkKind(kind);
      return this.#appendSerialized(kind, serializeCanonical(payload, this.#options.guard));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Validates a decision record against `rationaleSchema` and appends it as kind `rationale`. */
  appendRationale(rationale: RationaleInput): Promise<AppendReceipt> {
    try {
      this.#assertWritable();
      const parsed = parseRationale(rationale);
      return this.#appendSerialized(RATIONALE_KIND, serializeCanonical(parsed, this.#options.guard));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Resolves once every record appended before the call is durable (in `batch` mode it does not wait
   * for the timer). Rejects with the {@link AuditWriteError} if the writer failed.
   */
  flush(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const target = this.#nextSeq - 1;
    if (this.#durableSeq >= target) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#flushWaiters.push({ seq: target, resolve, reject });
      this.#urgent = true;
      this.#schedule();
    });
  }

  /**
   * Writes and fsyncs everything pending (in every durability mode), closes the file and removes the
   * lock. Idempotent. Rejects with the {@link AuditWriteError} if the writer had failed (after
   * releasing the file and the lock all the same).
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    try {
      await this.flush().catch(() => undefined);
      if (this.#failure === undefined) await this.#handle.datasync();
    } finally {
      await this.#handle.close().catch(() => undefined);
      await this.#lock.release();
      this.#state = 'closed';
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  #assertWritable(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#state !== 'open') throw new AuditClosedError(this.#naming.base);
  }

  #checkKind(kind: string): void {
    if (this.#validKinds.has(kind)) return;
    if (typeof kind !== 'string' || kind.length > MAX_KIND_LENGTH || !KIND_PATTERN.test(kind)) {
      throw new AuditKindError(
        String(kind),
        `Invalid record kind ${JSON.stringify(String(kind)).slice(0, 80)}: expected a lower-case word ` +
          `or words joined by ".", "-" or "_" (e.g. "order.placed"), at most ${MAX_KIND_LENGTH} characters.`,
      );
    }
    if (kind === 'audit' || kind.startsWith('audit.')) {
      throw new AuditKindError(kind, `The record kind ${kind} is reserved for the writer (audit.*).`);
    }
    if (this.#validKinds.size < 1000) this.#validKinds.add(kind);
  }

  #timestamp(): string {
    const milliseconds = this.#options.now();
    if (milliseconds !== this.#clockMilliseconds) {
      if (typeof milliseconds !== 'number' || !(milliseconds >= 0 && milliseconds <= maxTimestamp)) {
        throw new AuditOptionsError([
          {
            path: 'now',
            message: `returned ${String(milliseconds)}; expected epoch milliseconds (1970–9999)`,
          },
        ]);
      }
      this.#clockText = new Date(milliseconds).toISOString();
      this.#clockMilliseconds = milliseconds;
    }
    return this.#clockText;
  }

  /**
   * Encodes the next record's line into the staging chunk, once: `{"hash":"` + hash + `"` + the body
   * (its opening `{` becomes `,` after hashing) + `\n`. The body bytes are hashed where they lie.
   * Nothing is committed: the next `#build` reuses the space unless `#commit` moves the offset.
   */
  #build(kind: string, payloadJson: string, ts: string, limitSize: boolean): BuiltRecord {
    const body = recordBody(kind, payloadJson, this.#lastHash, this.#nextSeq, ts);
    for (const secret of this.#options.guard.escapedValues) {
      if (body.includes(secret)) throw new AuditSecretError('record', 'secret-value');
    }
    const worstCase = body.length * 3 + 75;
    if (worstCase > this.#chunk.length - this.#chunkOffset) {
      this.#chunk = Buffer.allocUnsafe(Math.max(stagingChunkBytes, worstCase));
      this.#chunkOffset = 0;
    }
    const chunk = this.#chunk;
    const start = this.#chunkOffset;
    const bodyStart = start + 74;
    const bodyEnd = bodyStart + chunk.write(body, bodyStart, 'utf8');
    const bytes = bodyEnd + 1 - start;
    if (limitSize && bytes > this.#options.maxRecordBytes) {
      throw new AuditRecordTooLargeError(bytes, this.#options.maxRecordBytes);
    }
    const hash = sha256Hex(chunk.subarray(bodyStart, bodyEnd));
    hashPrefix.copy(chunk, start);
    chunk.write(hash, start + 9, 'latin1');
    chunk[start + 73] = 0x22; // "
    chunk[bodyStart] = 0x2c; // , replaces the body's {
    chunk[bodyEnd] = 0x0a;
    return { chunk, start, end: bodyEnd + 1, hash };
  }

  #appendSerialized(kind: string, payloadJson: string): Promise<AppendReceipt> {
    const ts = this.#timestamp();
    let record = this.#build(kind, payloadJson, ts, true);
    const day = ts.slice(0, 10);
    let reason: SegmentPayload['reason'] | undefined;
    if (this.#options.rotateDaily && this.#segmentDay !== undefined && day !== this.#segmentDay)
      reason = 'utc-day';
    const limit = this.#options.maxSegmentBytes;
    const recordBytes = record.end - record.start;
    if (
      reason === undefined &&
      limit !== undefined &&
      this.#segmentBytes > 0 &&
      this.#segmentBytes + recordBytes > limit
    ) {
      reason = 'size';
    }
    if (reason !== undefined) {
      const segment: SegmentPayload = {
        reason,
        segment: this.#segment + 1,
        previousFile: basename(this.#segmentFile),
      };
      const marker = this.#build(
        WRITER_KINDS.segment,
        serializeCanonical(segment, this.#options.guard),
        ts,
        false,
      );
      this.#segment += 1;
      this.#segmentFile = segmentPath(this.#naming, this.#segment);
      this.#segmentBytes = 0;
      this.#commit(marker, ts, false);
      record = this.#build(kind, payloadJson, ts, false);
    }
    this.#segmentDay = day;
    return this.#commit(record, ts, true) as Promise<AppendReceipt>;
  }

  #commit(record: BuiltRecord, ts: string, acknowledge: boolean): Promise<AppendReceipt> | undefined {
    const receipt: AppendReceipt = { seq: this.#nextSeq, hash: record.hash, ts, file: this.#segmentFile };
    this.#nextSeq += 1;
    this.#lastHash = record.hash;
    this.#segmentBytes += record.end - record.start;
    if (record.chunk === this.#chunk) this.#chunkOffset = record.end;
    if (this.#pending.length === 0) this.#oldestPendingAt = performance.now();
    let promise: Promise<AppendReceipt> | undefined;
    if (acknowledge) {
      let resolve!: (receipt: AppendReceipt) => void;
      let reject!: (error: unknown) => void;
      promise = new Promise<AppendReceipt>((resolveAppend, rejectAppend) => {
        resolve = resolveAppend;
        reject = rejectAppend;
      });
      this.#pending.push({
        chunk: record.chunk,
        start: record.start,
        end: record.end,
        segment: this.#segment,
        receipt,
        resolve,
        reject,
      });
    } else {
      this.#pending.push({
        chunk: record.chunk,
        start: record.start,
        end: record.end,
        segment: this.#segment,
        receipt,
        resolve: undefined,
        reject: undefined,
      });
    }
    this.#schedule();
    return promise;
  }

  #schedule(): void {
    if (this.#flushing || this.#failure !== undefined || this.#pending.length === 0) return;
    const options = this.#options;
    if (options.durability !== 'batch' || this.#urgent || this.#pending.length >= options.maxBatchRecords) {
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      // A `flush()` writes now: the caller is about to act on the record (an order waits for it), and the
      // fsync then runs in the thread pool while the caller's turn goes on. Appends alone wait one turn, so
      // the records of the same turn share one write and one fsync.
      if (this.#urgent) this.#run();
      else this.#immediate ??= setImmediate(this.#run);
      return;
    }
    if (this.#timer === undefined) {
      const waited = performance.now() - this.#oldestPendingAt;
      this.#timer = setTimeout(this.#run, Math.max(0, options.maxDelayMs - waited));
    }
  }

  readonly #run = (): void => {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#timer = undefined;
    void this.#flushLoop();
  };

  async #flushLoop(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    const options = this.#options;
    try {
      while (this.#pending.length > 0 && this.#failure === undefined) {
        if (
          options.durability === 'batch' &&
          !this.#urgent &&
          this.#pending.length < options.maxBatchRecords &&
          performance.now() - this.#oldestPendingAt < options.maxDelayMs
        ) {
          break; // the timer takes it from here
        }
        const batch = this.#pending;
        this.#pending = [];
        try {
          await this.#writeBatch(batch);
        } catch (error) {
          this.#fail(error, batch);
          return;
        }
        this.#durableSeq = (batch[batch.length - 1] as PendingRecord).receipt.seq;
        for (const record of batch) record.resolve?.(record.receipt);
        this.#releaseFlushWaiters();
      }
    } finally {
      this.#flushing = false;
    }
    if (this.#pending.length === 0) this.#urgent = false;
    this.#schedule();
  }

  async #writeBatch(batch: readonly PendingRecord[]): Promise<void> {
    let index = 0;
    let unsynced = false;
    while (index < batch.length) {
      const segment = (batch[index] as PendingRecord).segment;
      // Contiguous lines in one chunk go out as one slice; all slices of a segment in one writev.
      const slices: Buffer[] = [];
      let first = batch[index] as PendingRecord;
      let last = first;
      index += 1;
      while (index < batch.length && (batch[index] as PendingRecord).segment === segment) {
        const record = batch[index] as PendingRecord;
        if (record.chunk !== last.chunk || record.start !== last.end) {
          slices.push(first.chunk.subarray(first.start, last.end));
          first = record;
        }
        last = record;
        index += 1;
      }
      slices.push(first.chunk.subarray(first.start, last.end));
      if (segment === this.#handleSegment) {
        writeAllSlicesSync(this.#handle.fd, slices);
        unsynced = true;
        continue;
      }
      const bytes = slices.length === 1 ? (slices[0] as Buffer) : Buffer.concat(slices);
      // Rotation: the closed segment is made durable, the new one is created whole and atomically.
      await this.#handle.datasync();
      await this.#handle.close();
      const path = segmentPath(this.#naming, segment);
      await createFileAtomically(path, bytes, this.#naming.directory);
      this.#handle = await open(path, 'a');
      this.#handleSegment = segment;
      unsynced = false;
    }
    if (unsynced && this.#options.durability !== 'none') await this.#handle.datasync();
  }

  #releaseFlushWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    const waiting: FlushWaiter[] = [];
    for (const waiter of this.#flushWaiters) {
      if (waiter.seq <= this.#durableSeq) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#flushWaiters = waiting;
  }

  #fail(cause: unknown, batch: readonly PendingRecord[]): void {
    const failure = new AuditWriteError(this.#segmentFile, cause);
    this.#failure = failure;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    for (const record of [...batch, ...this.#pending]) record.reject?.(failure);
    this.#pending = [];
    for (const waiter of this.#flushWaiters) waiter.reject(failure);
    this.#flushWaiters = [];
  }
}

/**
 * Opens the audit trail at `options.path` for appending, creating it (and its directory) if needed:
 * takes the lock file (`<path>.lock`; a second writer fails with {@link AuditLockedError}), finds the
 * newest segment, reads only its tail to restore the last seq and hash, and repairs a torn last line
 * (the valid prefix is kept, the cut bytes are noted in an `audit.recovery` record). Invalid complete
 * records at the end are an {@link AuditCorruptError} unless `repair: 'invalid-tail'`.
 */
export function openAuditTrail(options: AuditTrailOptions): Promise<AuditTrail> {
  return AuditTrail.open(options);
}
