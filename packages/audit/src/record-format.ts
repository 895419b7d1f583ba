import { isUtf8 } from 'node:buffer';
import { hash as oneShotHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { parseJsonText } from './json-text';

/** The `prevHash` of a trail's first record (seq 0): 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The record kinds the writer itself appends; the `audit.` prefix is reserved for them. */
export const WRITER_KINDS = Object.freeze({
  /** Written after a torn or invalid tail was cut on open. */
  recovery: 'audit.recovery',
  /** The first record of every segment after the first (rotation). */
  segment: 'audit.segment',
} as const);

/** The kind `appendRationale` writes. */
export const RATIONALE_KIND = 'rationale';

/**
 * What a record kind looks like: a lower-case letter, then letters and digits, optionally in segments
 * joined by `.`, `-` or `_` (`order.placed`, `fill`, `risk-state`), at most 64 characters.
 */
export const KIND_PATTERN = /^[a-z][a-zA-Z0-9]*(?:[._-][a-zA-Z0-9]+)*$/;
export const MAX_KIND_LENGTH = 64;

/** One record of the trail, as written on one line. */
export interface AuditRecord<Payload = unknown> {
  /** sha256 (lower-case hex) of the canonical JSON of this record without `hash`. */
  readonly hash: string;
  /** What happened: `rationale`, `audit.recovery`, or the caller's own kind. */
  readonly kind: string;
  /** The caller's data, any canonical-JSON value. */
  readonly payload: Payload;
  /** The previous record's `hash`; {@link GENESIS_HASH} for seq 0. */
  readonly prevHash: string;
  /** 0, 1, 2, … without gaps across the whole trail, segments included. */
  readonly seq: number;
  /** When it was appended: UTC, ISO-8601 with milliseconds (`2025-01-15T10:00:00.000Z`). */
  readonly ts: string;
}

/** The facts about one record the chain check needs. */
export interface ChainFacts {
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
}

/** The chain facts and the record's timestamp (what the writer needs of its last record). */
export interface LineFacts extends ChainFacts {
  readonly ts: string;
}

const recordKeys = ['hash', 'kind', 'payload', 'prevHash', 'seq', 'ts'];
const hexHash = /^[0-9a-f]{64}$/;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** sha256 of a string's UTF-8 bytes or of bytes, as lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHash('sha256', data, 'hex');
}

/**
 * The canonical JSON of a record without its hash, built from already-canonical parts. Keys in order:
 * kind, payload, prevHash, seq, ts.
 */
export function recordBody(
  kind: string,
  payloadJson: string,
  prevHash: string,
  seq: number,
  ts: string,
): string {
  return `{"kind":"${kind}","payload":${payloadJson},"prevHash":"${prevHash}","seq":${seq},"ts":"${ts}"}`;
}

/**
 * A record's line (with its trailing `\n`) from its body: `hash` sorts before every other key, so the
 * canonical record is the body with `"hash":"…",` inserted after the opening brace.
 */
export function recordLine(body: string, hash: string): string {
  return `{"hash":"${hash}",${body.slice(1)}\n`;
}

// Byte layout of a canonical line: {"hash":"<64 hex>","kind":"…",…,"prevHash":"<64 hex>","seq":N,"ts":"<24>"}
const hashStart = 9; // after {"hash":"
const bodyStart = 74; // the ',' after the hash, replaced by '{' to hash the body in place
const headPrefix = Buffer.from('{"hash":"');
const kindPrefix = Buffer.from('","kind":"');
const tsPrefix = Buffer.from(',"ts":"');
const seqPrefix = Buffer.from('","seq":');
const prevHashPrefix = Buffer.from(',"prevHash":"');
const tsLength = 24;
// {"hash":" + hex + ","kind":" + 1 + ","payload": + 1 + ,"prevHash":" + hex + ","seq": + 1 + ,"ts":" + ts + "}
const shortestLine = 9 + 64 + 10 + 1 + 12 + 1 + 13 + 64 + 8 + 1 + 7 + tsLength + 2;

function bytesEqual(buffer: Buffer, at: number, expected: Buffer): boolean {
  for (let index = 0; index < expected.length; index++) {
    if (buffer[at + index] !== expected[index]) return false;
  }
  return true;
}

/**
 * The fast check of one line, on its bytes (`end` excludes the `\n`): the fixed parts of the layout are
 * where a canonical record puts them, and sha256 of the body bytes equals the stored hash. Returns the
 * record's chain facts, or `undefined` when the line does not pass (then {@link inspectLine} says why).
 * A line that passes carries exactly the bytes its hash covers, so it is what the writer wrote.
 */
export function checkLineBytes(buffer: Buffer, start: number, end: number): LineFacts | undefined {
  const facts = checkChainBytes(buffer, start, end);
  if (facts === undefined) return undefined;
  const tsStart = end - 2 - tsLength;
  return { ...facts, ts: buffer.toString('latin1', tsStart, tsStart + tsLength) };
}

/**
 * {@link checkLineBytes} without the timestamp, which the verifier does not need (one string fewer
 * per record on its hot path).
 */
export function checkChainBytes(buffer: Buffer, start: number, end: number): ChainFacts | undefined {
  if (end - start < shortestLine) return undefined;
  if (!bytesEqual(buffer, start, headPrefix) || !bytesEqual(buffer, start + 73, kindPrefix)) return undefined;
  if (buffer[end - 1] !== 0x7d || buffer[end - 2] !== 0x22) return undefined;
  const tsStart = end - 2 - tsLength;
  if (!bytesEqual(buffer, tsStart - tsPrefix.length, tsPrefix)) return undefined;
  let digitsStart = tsStart - tsPrefix.length;
  let seq = 0;
  let scale = 1;
  while (digitsStart > start) {
    const byte = buffer[digitsStart - 1] as number;
    if (byte < 0x30 || byte > 0x39) break;
    seq += (byte - 0x30) * scale;
    scale *= 10;
    digitsStart--;
  }
  const digits = tsStart - tsPrefix.length - digitsStart;
  if (digits === 0 || digits > 16 || (digits > 1 && buffer[digitsStart] === 0x30)) return undefined;
  if (!Number.isSafeInteger(seq)) return undefined;
  const prevHashEnd = digitsStart - seqPrefix.length;
  if (!bytesEqual(buffer, prevHashEnd, seqPrefix)) return undefined;
  const prevHashStart = prevHashEnd - 64;
  if (prevHashStart - prevHashPrefix.length < start + bodyStart) return undefined;
  if (!bytesEqual(buffer, prevHashStart - prevHashPrefix.length, prevHashPrefix)) return undefined;
  const stored = buffer.toString('latin1', start + hashStart, start + hashStart + 64);
  buffer[start + bodyStart] = 0x7b; // '{'
  const computed = sha256Hex(buffer.subarray(start + bodyStart, end));
  buffer[start + bodyStart] = 0x2c; // ','
  if (computed !== stored) return undefined;
  return { seq, hash: computed, prevHash: buffer.toString('latin1', prevHashStart, prevHashEnd) };
}

/** Why a single line is not a valid record (chain checks aside). */
export type LineProblem = 'bad-json' | 'bad-record' | 'not-canonical' | 'hash-mismatch';

/** The outcome of {@link inspectLine}. */
export type LineInspection =
  | { readonly ok: true; readonly record: AuditRecord; readonly facts: LineFacts }
  | {
      readonly ok: false;
      readonly problem: LineProblem;
      readonly detail: string;
      /** The seq the line claims, when it has one. */
      readonly recordSeq: number | null;
    };

function keysSortedDeep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(keysSortedDeep);
  const keys = Object.keys(value);
  for (let index = 1; index < keys.length; index++) {
    if (!((keys[index - 1] as string) < (keys[index] as string))) return false;
  }
  return keys.every((key) => keysSortedDeep((value as Record<string, unknown>)[key]));
}

function isCanonicalText(record: unknown, text: string): boolean {
  if (JSON.stringify(record) === text && keysSortedDeep(record) && !text.includes('\\ud')) return true;
  try {
    return canonicalJson(record) === text;
  } catch {
    return false; // e.g. a lone surrogate or an out-of-range number such as 1e400
  }
}

function describeShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the line is not a JSON object';
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== recordKeys.length || !recordKeys.every((key) => key in record)) {
    const missing = recordKeys.filter((key) => !(key in record));
    if (missing.length > 0) return `missing ${missing.join(', ')}`;
    const extra = keys.filter((key) => !recordKeys.includes(key));
    return `unexpected ${extra.map((key) => JSON.stringify(key)).join(', ')}`;
  }
  if (typeof record.hash !== 'string' || !hexHash.test(record.hash))
    return 'hash is not 64 lower-case hex digits';
  if (typeof record.prevHash !== 'string' || !hexHash.test(record.prevHash)) {
    return 'prevHash is not 64 lower-case hex digits';
  }
  if (typeof record.seq !== 'number' || !Number.isSafeInteger(record.seq) || record.seq < 0) {
    return 'seq is not a non-negative integer';
  }
  if (typeof record.ts !== 'string' || !isoTimestamp.test(record.ts) || Number.isNaN(Date.parse(record.ts))) {
    return 'ts is not an ISO-8601 UTC timestamp with milliseconds';
  }
  if (
    typeof record.kind !== 'string' ||
    !KIND_PATTERN.test(record.kind) ||
    record.kind.length > MAX_KIND_LENGTH
  ) {
    return 'kind is not a valid record kind';
  }
  return undefined;
}

/**
 * The reference check of one line, independent of the byte layout: valid UTF-8, JSON, the record's
 * shape, the canonical form, and the hash recomputed from the parsed record. `bytes`, when given, are
 * the line's raw bytes (to check UTF-8); `text` is the line without its `\n`.
 */
export function inspectLine(text: string, bytes?: Uint8Array): LineInspection {
  if (bytes !== undefined && !isUtf8(bytes)) {
    return { ok: false, problem: 'bad-json', detail: 'the line is not valid UTF-8', recordSeq: null };
  }
  if (text === '') return { ok: false, problem: 'bad-json', detail: 'empty line', recordSeq: null };
  let parsed: unknown;
  try {
    parsed = parseJsonText(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: 'bad-json', detail: `not JSON: ${detail}`, recordSeq: null };
  }
  const claimedSeq = (parsed as { seq?: unknown } | null)?.seq;
  const recordSeq = typeof claimedSeq === 'number' && Number.isSafeInteger(claimedSeq) ? claimedSeq : null;
  const shapeProblem = describeShapeProblem(parsed);
  if (shapeProblem !== undefined) {
    return { ok: false, problem: 'bad-record', detail: shapeProblem, recordSeq };
  }
  const record = parsed as AuditRecord;
  const canonical = isCanonicalText(record, text);
  let computed: string;
  if (canonical) {
    computed = sha256Hex(`{${text.slice(bodyStart + 1)}`);
  } else {
    const { hash: _hash, ...body } = record;
    try {
      computed = sha256Hex(canonicalJson(body));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, problem: 'not-canonical', detail, recordSeq };
    }
  }
  if (computed !== record.hash) {
    return {
      ok: false,
      problem: 'hash-mismatch',
      detail: `stored hash ${record.hash}, computed ${computed}`,
      recordSeq,
    };
  }
  if (!canonical) {
    return {
      ok: false,
      problem: 'not-canonical',
      detail: 'the hash matches the content, but the line is not in canonical form (reformatted?)',
      recordSeq,
    };
  }
  return {
    ok: true,
    record,
    facts: { seq: record.seq, hash: record.hash, prevHash: record.prevHash, ts: record.ts },
  };
}
