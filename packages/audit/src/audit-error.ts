/**
 * Stable machine-readable reasons an {@link AuditError} is thrown. Match on `error.code`, never on the
 * message: messages name the offending path or file and may be reworded.
 */
export type AuditErrorCode =
  /** The options given to `openAuditTrail` are invalid. */
  | 'AUDIT_INVALID_OPTIONS'
  /** A record kind is malformed or reserved (`audit.*` belongs to the writer). */
  | 'AUDIT_INVALID_KIND'
  /** A payload holds something canonical JSON cannot represent (cycle, BigInt, undefined, NaN, …). */
  | 'AUDIT_UNSERIALIZABLE'
  /** A serialized record is larger than `maxRecordBytes`. */
  | 'AUDIT_RECORD_TOO_LARGE'
  /** A secret was found and the guard is set to refuse (or it sits in an object key, which is always refused). */
  | 'AUDIT_SECRET_REFUSED'
  /** A rationale record does not match `rationaleSchema`. */
  | 'AUDIT_INVALID_RATIONALE'
  /** Another live writer holds the trail's lock file. */
  | 'AUDIT_LOCKED'
  /** Opening found invalid complete records in the file's tail (not a torn last line); nothing was changed. */
  | 'AUDIT_CORRUPT'
  /** A write or fsync failed; the writer has stopped and every pending append was rejected. */
  | 'AUDIT_WRITE_FAILED'
  /** `append` after `close()`. */
  | 'AUDIT_CLOSED'
  /** `readAudit` met a record that does not verify. */
  | 'AUDIT_VERIFY_FAILED';

/** Every {@link AuditErrorCode}, for exhaustive checks and documentation. */
export const AUDIT_ERROR_CODES: readonly AuditErrorCode[] = [
  'AUDIT_INVALID_OPTIONS',
  'AUDIT_INVALID_KIND',
  'AUDIT_UNSERIALIZABLE',
  'AUDIT_RECORD_TOO_LARGE',
  'AUDIT_SECRET_REFUSED',
  'AUDIT_INVALID_RATIONALE',
  'AUDIT_LOCKED',
  'AUDIT_CORRUPT',
  'AUDIT_WRITE_FAILED',
  'AUDIT_CLOSED',
  'AUDIT_VERIFY_FAILED',
];

/**
 * The base class of every error this package throws. Subclasses add the details of their case; all of
 * them carry a stable {@link AuditErrorCode} in `code`. Messages never contain a payload value, so an
 * error can be logged without leaking what it refused.
 */
export class AuditError extends Error {
  override readonly name: string = 'AuditError';
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One problem with an option or a rationale field: where, and what was expected. */
export interface AuditIssue {
  /** Dotted path, e.g. `batch.maxDelayMs` or `size`; `''` for the value as a whole. */
  readonly path: string;
  readonly message: string;
}

/** `openAuditTrail` options are invalid; `issues` lists every problem at once. */
export class AuditOptionsError extends AuditError {
  override readonly name = 'AuditOptionsError';
  override readonly code = 'AUDIT_INVALID_OPTIONS' as const;
  readonly issues: readonly AuditIssue[];

  constructor(issues: readonly AuditIssue[]) {
    super('AUDIT_INVALID_OPTIONS', `Invalid audit trail options:\n${formatIssues(issues)}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** A record kind is malformed or reserved. */
export class AuditKindError extends AuditError {
  override readonly name = 'AuditKindError';
  override readonly code = 'AUDIT_INVALID_KIND' as const;
  readonly kind: string;

  constructor(kind: string, message: string) {
    super('AUDIT_INVALID_KIND', message);
    this.kind = kind;
  }
}

/** What made a value unserializable. */
export type UnserializableReason =
  | 'cycle'
  | 'bigint'
  | 'undefined'
  | 'function'
  | 'symbol'
  | 'non-finite-number'
  | 'lone-surrogate'
  | 'non-plain-object'
  | 'too-deep';

/** A payload cannot be written as canonical JSON. Nothing was appended; the chain is untouched. */
export class AuditSerializationError extends AuditError {
  override readonly name = 'AuditSerializationError';
  override readonly code = 'AUDIT_UNSERIALIZABLE' as const;
  /** Where in the payload, e.g. `$.risk.equity` or `$.legs[2]`. */
  readonly path: string;
  readonly reason: UnserializableReason;

  constructor(path: string, reason: UnserializableReason, detail: string) {
    super('AUDIT_UNSERIALIZABLE', `Cannot write ${path} to the audit trail: ${detail}`);
    this.path = path;
    this.reason = reason;
  }
}

/** A serialized record exceeds `maxRecordBytes`. Nothing was appended. */
export class AuditRecordTooLargeError extends AuditError {
  override readonly name = 'AuditRecordTooLargeError';
  override readonly code = 'AUDIT_RECORD_TOO_LARGE' as const;
  readonly bytes: number;
  readonly limit: number;

  constructor(bytes: number, limit: number) {
    super(
      'AUDIT_RECORD_TOO_LARGE',
      `An audit record of ${bytes} bytes exceeds maxRecordBytes (${limit}); nothing was appended.`,
    );
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** A secret was found where the guard refuses it. The message names the path, never the value. */
export class AuditSecretError extends AuditError {
  override readonly name = 'AuditSecretError';
  override readonly code = 'AUDIT_SECRET_REFUSED' as const;
  /** Where, e.g. `$.request.headers.apiKey`, or `record` when found only in the serialized line. */
  readonly path: string;
  /** `field-name` (a key named like a secret) or `secret-value` (a configured secret's value). */
  readonly match: 'field-name' | 'secret-value';

  constructor(path: string, match: 'field-name' | 'secret-value') {
    const what = match === 'field-name' ? 'a field named like a secret' : 'a configured secret value';
    super('AUDIT_SECRET_REFUSED', `Refused to write ${what} at ${path} to the audit trail.`);
    this.path = path;
    this.match = match;
  }
}

/** A rationale record does not match the schema; `issues` lists every problem. */
export class AuditRationaleError extends AuditError {
  override readonly name = 'AuditRationaleError';
  override readonly code = 'AUDIT_INVALID_RATIONALE' as const;
  readonly issues: readonly AuditIssue[];

  constructor(issues: readonly AuditIssue[]) {
    super('AUDIT_INVALID_RATIONALE', `Invalid rationale record:\n${formatIssues(issues)}`);
    this.issues = Object.freeze([...issues]);
  }
}

/** Who holds a lock, as written in the lock file. */
export interface AuditLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO-8601 time the lock was taken. */
  readonly since: string;
}

/** Another writer holds the trail's lock. */
export class AuditLockedError extends AuditError {
  override readonly name = 'AuditLockedError';
  override readonly code = 'AUDIT_LOCKED' as const;
  readonly lockPath: string;
  /** `undefined` when the lock file could not be read. */
  readonly holder: AuditLockHolder | undefined;

  constructor(lockPath: string, holder: AuditLockHolder | undefined, hint: string) {
    const who =
      holder === undefined
        ? 'another writer'
        : `process ${holder.pid} on ${holder.host} (since ${holder.since})`;
    super('AUDIT_LOCKED', `The audit trail is locked by ${who}: ${lockPath}. ${hint}`);
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** Opening found invalid complete records in the tail (not just a torn last line). Nothing was changed. */
export class AuditCorruptError extends AuditError {
  override readonly name = 'AuditCorruptError';
  override readonly code = 'AUDIT_CORRUPT' as const;
  readonly file: string;
  /** Byte offset of the first invalid line. */
  readonly offset: number;

  constructor(file: string, offset: number, detail: string) {
    super(
      'AUDIT_CORRUPT',
      `${file} has an invalid record at byte ${offset} (${detail}). Nothing was changed. Run ` +
        "`bot-audit verify` to see it; to cut the invalid tail (kept in a side file), open with repair: 'invalid-tail'.",
    );
    this.file = file;
    this.offset = offset;
  }
}

/** A write or fsync failed. The writer stopped; reopen the trail to recover. */
export class AuditWriteError extends AuditError {
  override readonly name = 'AuditWriteError';
  override readonly code = 'AUDIT_WRITE_FAILED' as const;
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      'AUDIT_WRITE_FAILED',
      `Writing the audit trail ${file} failed (${detail}); the writer has stopped and rejects every append. ` +
        'Reopen the trail to recover.',
      { cause },
    );
    this.file = file;
  }
}

/** `append` after `close()`. */
export class AuditClosedError extends AuditError {
  override readonly name = 'AuditClosedError';
  override readonly code = 'AUDIT_CLOSED' as const;

  constructor(file: string) {
    super('AUDIT_CLOSED', `The audit trail ${file} is closed.`);
  }
}

/** Whether a value is an {@link AuditError}, also across copies of this package (ESM and CJS side by side). */
export function isAuditError(error: unknown): error is AuditError {
  if (error instanceof AuditError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof Error && typeof code === 'string' && AUDIT_ERROR_CODES.includes(code as AuditErrorCode)
  );
}

function formatIssues(issues: readonly AuditIssue[]): string {
  return issues
    .map((issue) => `  - ${issue.path === '' ? '(value)' : issue.path}: ${issue.message}`)
    .join('\n');
}
