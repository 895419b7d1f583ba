import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AuditVerificationError, readAuditTrail, verifyAuditTrail } from '@bot/audit';
import type { AuditCheckpoint, AuditRecord, AuditVerification, AuditVerificationOk } from '@bot/audit';
import type { Logger } from './logger';

/**
 * The last verified place of the audit trail, beside it: `data/audit.jsonl` → `data/audit.checkpoint.json`.
 * The start-up check verifies from it on (O(records since), not O(the trail's life)); `bot audit verify`
 * still checks the whole trail.
 */
export function checkpointPathFor(auditPath: string): string {
  const name = basename(auditPath, extname(auditPath));
  return join(dirname(auditPath), `${name}.checkpoint.json`);
}

/** On disk the segment is named relative to the trail's directory, so the directory may move. */
interface StoredCheckpoint extends Omit<AuditCheckpoint, 'file'> {
  readonly version: 1;
  readonly file: string;
}

/** The stored checkpoint, or undefined when there is none or it cannot be read (then the whole trail is verified). */
function readCheckpoint(auditPath: string, log: Logger): AuditCheckpoint | undefined {
  const path = checkpointPathFor(auditPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stored = JSON.parse(text) as Partial<StoredCheckpoint>;
    const { seq, hash, file, offset, line } = stored;
    if (
      stored.version === 1 &&
      typeof seq === 'number' &&
      typeof hash === 'string' &&
      typeof file === 'string' &&
      basename(file) === file &&
      typeof offset === 'number' &&
      typeof line === 'number'
    ) {
      return { seq, hash, file: join(dirname(resolve(auditPath)), file), offset, line };
    }
  } catch {
    // Not JSON: treated as no checkpoint below.
  }
  log.warn(`audit checkpoint ${path} cannot be read: verifying the whole trail instead`);
  return undefined;
}

/** Written whole to a temporary file, flushed, then renamed over the old one. */
function writeCheckpoint(auditPath: string, checkpoint: AuditCheckpoint): void {
  const path = checkpointPathFor(auditPath);
  const stored: StoredCheckpoint = { version: 1, ...checkpoint, file: basename(checkpoint.file) };
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${JSON.stringify(stored, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** What start-up reads from the records since the checkpoint, before the checkpoint moves past them. */
export interface RecordsSinceCheckpoint {
  /** Which verified records to hand to `beforeMoving` (the rest are only verified). */
  readonly keep: (record: AuditRecord) => boolean;
  /** Runs once every record verified, before the checkpoint moves: the next start will not read them again. */
  readonly beforeMoving: (kept: readonly AuditRecord[], verdict: AuditVerificationOk) => void;
}

/**
 * Verifies the trail from its checkpoint on (all of it when there is none), and moves the checkpoint to
 * the last record when it verifies. A record changed after the checkpoint fails here; one changed before
 * it is left to `bot audit verify`. Returns the verdict; the caller refuses to start on a failure.
 */
export async function verifyTrailSinceCheckpoint(
  auditPath: string,
  log: Logger,
  since?: RecordsSinceCheckpoint,
): Promise<AuditVerification> {
  const from = readCheckpoint(auditPath, log);
  const options = from ? { from } : {};
  let verdict: AuditVerification;
  if (since === undefined) {
    verdict = await verifyAuditTrail(auditPath, options);
  } else {
    const kept: AuditRecord[] = [];
    const records = readAuditTrail(auditPath, options);
    try {
      for (;;) {
        const step = await records.next();
        if (step.done === true) {
          verdict = step.value;
          break;
        }
        if (since.keep(step.value)) kept.push(step.value);
      }
    } catch (error) {
      if (!(error instanceof AuditVerificationError)) throw error;
      verdict = error.verification;
    }
    if (verdict.ok) since.beforeMoving(kept, verdict);
  }
  if (!verdict.ok) return verdict;
  if (verdict.checkpoint !== null) writeCheckpoint(auditPath, verdict.checkpoint);
  log.info(
    { records: verdict.records, lastSeq: verdict.lastSeq },
    from
      ? `audit trail verified from seq ${from.seq} (its checkpoint) to seq ${verdict.lastSeq ?? from.seq}; \`bot audit verify ${auditPath}\` checks the whole trail`
      : `audit trail verified in full: ${verdict.records} records`,
  );
  return verdict;
}

/** A hint for a failure against a checkpoint the trail no longer holds (a trail replaced or cut). */
export function checkpointHint(auditPath: string, verdict: AuditVerification): string {
  return !verdict.ok && verdict.reason === 'anchor-mismatch'
    ? ` If the trail was replaced on purpose, move ${checkpointPathFor(auditPath)} away with it.`
    : '';
}
