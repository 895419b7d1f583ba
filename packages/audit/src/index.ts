export { AuditTrail, openAuditTrail } from './audit-trail';
export type { AppendReceipt, SegmentPayload } from './audit-trail';
export { CUT_TEXT_BYTES } from './trail-recovery';
export type { RecoveryNote, RecoveryPayload } from './trail-recovery';
export { DEFAULT_SECRET_FIELD_PATTERN, MIN_SECRET_LENGTH } from './trail-options';
export type { AuditTrailOptions, Durability, SecretValue } from './trail-options';
export {
  readAudit,
  readAuditTrail,
  verifyAudit,
  verifyAuditTrail,
  AuditVerificationError,
} from './verify-audit';
export type {
  AuditCheckpoint,
  AuditFailureReason,
  AuditVerification,
  AuditVerificationFailure,
  AuditVerificationOk,
  VerifyAuditOptions,
} from './verify-audit';
export { canonicalJson, MAX_DEPTH, REDACTED } from './canonical-json';
export { GENESIS_HASH, KIND_PATTERN, RATIONALE_KIND, WRITER_KINDS } from './record-format';
export type { AuditRecord } from './record-format';
export { listAuditSegments } from './segments';
export {
  KNOWN_LENSES,
  KNOWN_RATIONALE_ACTIONS,
  LENS_PATTERN,
  parseRationale,
  RATIONALE_ACTION_PATTERN,
  RATIONALE_SIDES,
  rationaleSchema,
} from './rationale';
export type { KnownLens, KnownRationaleAction, Rationale, RationaleInput } from './rationale';
export { AUDIT_CLI_EXIT, AUDIT_CLI_USAGE, runAuditCli, verifyCommand } from './audit-cli';
export type { AuditCliIo, VerifyCommandOptions } from './audit-cli';
export {
  AUDIT_ERROR_CODES,
  AuditClosedError,
  AuditCorruptError,
  AuditError,
  AuditKindError,
  AuditLockedError,
  AuditOptionsError,
  AuditRationaleError,
  AuditRecordTooLargeError,
  AuditSecretError,
  AuditSerializationError,
  AuditWriteError,
  isAuditError,
} from './audit-error';
export type { AuditErrorCode, AuditIssue, AuditLockHolder, UnserializableReason } from './audit-error';
