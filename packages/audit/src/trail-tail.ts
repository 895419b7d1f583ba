import type { FileHandle } from 'node:fs/promises';
import { AuditCorruptError } from './audit-error';
import { checkLineBytes, inspectLine } from './record-format';
import type { LineFacts } from './record-format';

/** How much of a file's end is read and checked on open, at least (more when records are larger). */
export const TAIL_WINDOW_BYTES = 64 * 1024;

/** How far back the tail reader looks for a valid record before it gives up. */
export const MAX_TAIL_WINDOW_BYTES = 128 * 1024 * 1024;

/** What is wrong at the end of a file, if anything. */
export type TailProblem =
  /** The bytes after the last `\n` are not a record: a write was cut short. */
  | { readonly kind: 'torn'; readonly offset: number; readonly detail: string }
  /** The bytes after the last `\n` are a complete, chained record that lacks only its `\n`. */
  | { readonly kind: 'unterminated-record'; readonly offset: number; readonly facts: LineFacts }
  /** A complete line in the checked window is not a valid, chained record. */
  | { readonly kind: 'invalid'; readonly offset: number; readonly detail: string };

/** The state of a file's end, from reading only its tail. */
export interface TailScan {
  readonly size: number;
  /** The last valid complete record (in the checked window), if any. */
  readonly last: LineFacts | undefined;
  /** Byte offset just after the last valid complete line (its `\n` included); 0 when there is none. */
  readonly validEnd: number;
  /** Where the checked window starts; 0 means the whole file was checked. */
  readonly windowStart: number;
  readonly problem: TailProblem | undefined;
}

/** The seq and prevHash the first record of a file must have, when known. */
export interface ChainStart {
  readonly seq: number;
  readonly prevHash: string;
}

function lineFacts(buffer: Buffer, start: number, end: number): LineFacts | string {
  const facts = checkLineBytes(buffer, start, end);
  if (facts !== undefined) return facts;
  const bytes = buffer.subarray(start, end);
  const inspection = inspectLine(bytes.toString('utf8'), bytes);
  return inspection.ok ? inspection.facts : `${inspection.problem}: ${inspection.detail}`;
}

function linkProblem(
  previous: LineFacts | ChainStart,
  facts: LineFacts,
  chained: boolean,
): string | undefined {
  const expectedSeq = chained ? (previous as LineFacts).seq + 1 : previous.seq;
  const expectedPrevHash = chained ? (previous as LineFacts).hash : previous.prevHash;
  if (facts.seq !== expectedSeq) return `seq-gap: expected seq ${expectedSeq}, found ${facts.seq}`;
  if (facts.prevHash !== expectedPrevHash)
    return `broken-link: prevHash does not match seq ${expectedSeq - 1}`;
  return undefined;
}

async function readRange(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Reads and checks the end of a file: every complete line in a window of at least
 * {@link TAIL_WINDOW_BYTES} (grown until it holds a whole record before any problem) must be a valid
 * record chained to the one before it; what follows the last `\n` is classified. `start`, when given,
 * is what the file's first record must continue from (checked only when the window reaches the start).
 */
export async function scanTail(
  handle: FileHandle,
  path: string,
  start: ChainStart | undefined,
): Promise<TailScan> {
  const { size } = await handle.stat();
  let window = Math.min(size, TAIL_WINDOW_BYTES);
  const grow = () => {
    if (window >= MAX_TAIL_WINDOW_BYTES) {
      throw new AuditCorruptError(
        path,
        size - window,
        `no valid record in the last ${MAX_TAIL_WINDOW_BYTES} bytes; this is not a crash-torn tail`,
      );
    }
    window = Math.min(size, window * 2);
  };
  for (;;) {
    const windowStart = size - window;
    const buffer = await readRange(handle, windowStart, window);
    const lastNewline = buffer.lastIndexOf(0x0a);
    const firstLineStart = windowStart === 0 ? 0 : buffer.indexOf(0x0a) + 1;
    if (windowStart > 0 && (lastNewline === -1 || firstLineStart > lastNewline)) {
      grow(); // no whole line in the window yet
      continue;
    }
    let last: LineFacts | undefined;
    let validEnd = 0;
    let problem: TailProblem | undefined;
    let lineStart = firstLineStart;
    while (lineStart <= lastNewline) {
      const lineEnd = buffer.indexOf(0x0a, lineStart);
      const facts = lineFacts(buffer, lineStart, lineEnd);
      let detail = typeof facts === 'string' ? facts : undefined;
      if (typeof facts !== 'string') {
        if (last !== undefined) detail = linkProblem(last, facts, true);
        else if (windowStart === 0 && start !== undefined) detail = linkProblem(start, facts, false);
      }
      if (detail !== undefined) {
        problem = { kind: 'invalid', offset: windowStart + lineStart, detail };
        break;
      }
      last = facts as LineFacts;
      validEnd = windowStart + lineEnd + 1;
      lineStart = lineEnd + 1;
    }
    if (problem === undefined && lastNewline + 1 < buffer.length) {
      const offset = windowStart + lastNewline + 1;
      const facts = lineFacts(buffer, lastNewline + 1, buffer.length);
      let detail = typeof facts === 'string' ? facts : undefined;
      if (typeof facts !== 'string') {
        if (last !== undefined) detail = linkProblem(last, facts, true);
        else if (windowStart === 0 && start !== undefined) detail = linkProblem(start, facts, false);
      }
      problem =
        detail === undefined
          ? { kind: 'unterminated-record', offset, facts: facts as LineFacts }
          : { kind: 'torn', offset, detail: `the last line is cut short (${detail})` };
    }
    if (problem !== undefined && last === undefined && windowStart > 0) {
      grow(); // find the record before the problem
      continue;
    }
    return { size, last, validEnd, windowStart, problem };
  }
}
