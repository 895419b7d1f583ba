import {
  closeSync,
  constants,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { CloseReason, RiskGuardSnapshot } from '@bot/risk';

/** A position the bot opened and still watches: what it needs to record the close correctly. */
export interface OpenTrade {
  /** The entry's intent id (its client order ids derive from it). */
  readonly intentId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly quantity: string;
  readonly stopLossPrice: string;
  readonly takeProfitPrice: string | undefined;
  /** Algo ids of the protective orders, to tell a stop-loss from a take-profit at the close. */
  readonly stopLossId: string | undefined;
  readonly takeProfitId: string | undefined;
  /** Epoch ms of the entry (fills from here on belong to this trade). */
  readonly openedAt: number;
  /** A position the bot did not open and took over (policy `adopt`). */
  readonly adopted?: boolean;
  /**
   * The fill that opened the position when that one order also closed the side before it (a reversal):
   * only `quantity` of it belongs to this trade (see `ownFills`).
   */
  readonly openingPart?: { readonly fillId: string; readonly quantity: string };
  /**
   * The position is gone and its close is owed to the guard: set (and saved) before the fills are read,
   * so a failed read or a crash retries the close instead of forgetting it.
   */
  readonly closing?: { readonly since: number; readonly reason: CloseReason | undefined };
  /**
   * A reduction owed: the entry's fill overran its planned risk and the bot decided to cut the position to
   * this quantity ('0': close it). Saved before the order is sent, so a crash or an exchange error in
   * between leaves it owed, and the next review sends it (see `reduceOwed`).
   */
  readonly reduceTo?: { readonly quantity: string; readonly why: string };
  /**
   * The risk the entry planned (quantity × the distance from its planned entry to its stop), kept until its
   * fill was weighed against it: a kill before the entry's own check leaves it, and the next account review
   * weighs the position the exchange holds instead (an overrun becomes a `reduceTo`).
   */
  readonly riskToCheck?: number;
}

/**
 * An entry dropped as never filled (its order's outcome was unknown and no fill was found) whose order the
 * exchange may still execute late: kept, with its plan, so the position it opens is taken as the bot's own
 * trade (see `trader/late-entries.ts`).
 */
export interface DroppedEntry {
  /** The trade as it was pending: intent id, symbol, side, planned quantity, stop, target, planned risk. */
  readonly trade: OpenTrade;
  /** Wall-clock ms when it was dropped: it is watched for `LATE_ENTRY_WATCH_MS` from then. */
  readonly droppedAt: number;
  /**
   * Spans (exchange ms, from a trade's opening to its last fill) of the bot's other trades on the symbol
   * closed and counted while this entry was watched: a late fill inside one stacked onto that trade's
   * position and its close counted it (chaos seed 25), so it is never claimed and counted again.
   */
  readonly counted?: readonly CountedSpan[];
}

export interface CountedSpan {
  readonly from: number;
  readonly to: number;
}

/**
 * The dropped entry with one more span of a trade of the bot's on its symbol that was closed and counted (see
 * `DroppedEntry.counted`): at the close itself, and at a restart that counts a close from the trail.
 */
export function withCountedSpan(dropped: DroppedEntry, from: number, to: number): DroppedEntry {
  return { ...dropped, counted: [...(dropped.counted ?? []), { from, to }] };
}

/** What survives a restart: the RiskGuard snapshot and the open trades. */
export interface BotState {
  readonly guard: RiskGuardSnapshot | undefined;
  readonly trades: readonly OpenTrade[];
  /** Entries dropped as never filled and still watched for a late execution, the newest per symbol. */
  readonly droppedEntries?: readonly DroppedEntry[];
  /**
   * The seq of the audit trail's last record when this state was taken: every entry decided up to it is in
   * `trades` (or settled). An entry's `order.place` after it was sent before its trade reached this file;
   * the restart rebuilds that trade from the record (see `unsaved-entries.ts`). -1: no record yet; absent
   * in a file written before the rule (whose entries were all saved before they were sent).
   */
  readonly trailSeq?: number;
}

/** The fields every saved trade must have, with their types. */
function isTrade(trade: unknown): trade is OpenTrade {
  if (typeof trade !== 'object' || trade === null) return false;
  const fields = trade as Record<string, unknown>;
  return (
    typeof fields['intentId'] === 'string' &&
    typeof fields['symbol'] === 'string' &&
    (fields['side'] === 'long' || fields['side'] === 'short') &&
    typeof fields['quantity'] === 'string' &&
    typeof fields['stopLossPrice'] === 'string' &&
    typeof fields['openedAt'] === 'number'
  );
}

function isSpan(span: unknown): boolean {
  const fields = (typeof span === 'object' && span !== null ? span : {}) as Record<string, unknown>;
  return Number.isFinite(fields['from']) && Number.isFinite(fields['to']);
}

function serialize(state: BotState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Fsyncs a directory, so a rename in it is durable. */
function syncDirectorySync(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** No state file yet: a first run, or one the operator moved away. Every entry in the trail may be unsaved. */
const EMPTY: BotState = { guard: undefined, trades: [], trailSeq: -1 };

/** The state file beside the audit trail: `data/audit.jsonl` → `data/audit.state.json`. */
export function statePathFor(auditPath: string): string {
  const name = basename(auditPath, extname(auditPath));
  return join(dirname(auditPath), `${name}.state.json`);
}

/**
 * The bot's state on disk, written whole after every change: to a temporary file, flushed, then renamed
 * over the old one, so a crash mid-write leaves the previous state, never half of one. A file that does
 * not parse stops the bot (it is never overwritten): starting without the streak and the day's loss
 * would reopen trading the guard had stopped.
 */
export class BotStateStore {
  /**
   * `synced: false`: a scratch run's store (`bot backtest --audit off`, whose files are deleted at its end and
   * never read back): every state is still written, but at once and in place (written over the old text,
   * the file cut to its length), neither fsynced nor renamed, so a save is done when it returns. Renaming
   * over the old file makes the file system flush it (ext4: about 1 ms a save), and waiting for the thread
   * pool per save left the backtest idle a tenth of its time; a crash leaves a scratch file nobody reads.
   */
  constructor(
    readonly path: string,
    options: { readonly synced?: boolean } = {},
  ) {
    this.#synced = options.synced ?? true;
  }

  readonly #synced: boolean;

  load(): BotState {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw this.#corrupt(`it is not JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || !Array.isArray((value as BotState).trades)) {
      throw this.#corrupt('it has no `trades` list');
    }
    const state = value as BotState;
    for (const trade of state.trades) {
      if (!isTrade(trade)) throw this.#corrupt(`a trade is malformed: ${JSON.stringify(trade)}`);
    }
    const dropped = (value as { droppedEntries?: unknown }).droppedEntries;
    if (dropped !== undefined && !Array.isArray(dropped)) {
      throw this.#corrupt(`its droppedEntries is not a list: ${JSON.stringify(dropped)}`);
    }
    for (const entry of dropped ?? []) {
      const fields = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      const counted = fields['counted'];
      const spans = counted === undefined || (Array.isArray(counted) && counted.every(isSpan));
      if (!isTrade(fields['trade']) || !Number.isFinite(fields['droppedAt']) || !spans) {
        throw this.#corrupt(`a dropped entry is malformed: ${JSON.stringify(entry)}`);
      }
    }
    const trailSeq = (value as { trailSeq?: unknown }).trailSeq;
    if (trailSeq !== undefined && !(Number.isSafeInteger(trailSeq) && (trailSeq as number) >= -1)) {
      throw this.#corrupt(`its trailSeq is not a record number: ${JSON.stringify(trailSeq)}`);
    }
    return {
      guard: state.guard ?? undefined,
      trades: state.trades,
      ...(dropped === undefined ? {} : { droppedEntries: dropped as DroppedEntry[] }),
      ...(trailSeq === undefined ? {} : { trailSeq: trailSeq as number }),
    };
  }

  /**
   * Writes the state synchronously (temporary file, fsync, rename, fsync of the directory). For callers
   * outside the trading loop; the loop uses {@link saveAsync}, which keeps the event loop free.
   */
  save(state: BotState): void {
    if (this.#writing !== undefined) throw new Error('BotStateStore.save while an asynchronous save runs');
    if (!this.#synced) {
      this.#overwrite(serialize(state));
      return;
    }
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, serialize(state));
      if (this.#synced) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    if (this.#synced) syncDirectorySync(dirname(this.path));
  }

  /**
   * Writes the state off the event loop, in call order: the text is taken now, written to a temporary file,
   * fsynced, renamed over the old one, and the directory fsynced (so the rename itself survives a power
   * loss). Resolves once a write holding this state (or a later one) is durable. Saves called while a write
   * runs coalesce into one: only the newest state is written next, and every caller's promise resolves with it.
   */
  saveAsync(state: BotState): Promise<void> {
    const text = serialize(state);
    if (!this.#synced) {
      try {
        this.#overwrite(text);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    if (this.#queued !== undefined) {
      this.#queued.text = text;
      return this.#queued.done;
    }
    if (this.#writing === undefined) return this.#start(text);
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    done.catch(() => undefined); // the caller's promise carries the failure; this copy must not be unhandled
    this.#queued = { text, done, resolve, reject };
    return done;
  }

  /** Resolves once every save asked for so far is on disk (or failed). */
  async settled(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing.catch(() => undefined);
  }

  #writing: Promise<void> | undefined;
  #queued:
    | { text: string; readonly done: Promise<void>; resolve: () => void; reject: (error: unknown) => void }
    | undefined;

  #start(text: string): Promise<void> {
    const writing = this.#write(text).finally(() => {
      this.#writing = undefined;
      const queued = this.#queued;
      this.#queued = undefined;
      if (queued) this.#start(queued.text).then(queued.resolve, queued.reject);
    });
    this.#writing = writing;
    return writing;
  }

  async #write(text: string): Promise<void> {
    const directory = dirname(this.path);
    if (!this.#directoryMade) {
      await mkdir(directory, { recursive: true });
      this.#directoryMade = true;
    }
    const temporary = `${this.path}.tmp`;
    // Every step is a trip through libuv's thread pool and an entry waits for the whole save: the directory
    // is opened while the file is, the file closed while it is renamed, the directory closed after the save.
    const [file, folder] = await Promise.allSettled([
      open(temporary, 'w'),
      this.#synced ? open(directory, 'r') : Promise.resolve(undefined),
    ]);
    let fileOpen = file.status === 'fulfilled';
    try {
      if (file.status === 'rejected') throw file.reason;
      if (folder.status === 'rejected') throw folder.reason;
      await file.value.writeFile(text);
      if (this.#synced) await file.value.datasync();
      fileOpen = false;
      await Promise.all([file.value.close(), rename(temporary, this.path)]);
      await folder.value?.sync();
    } catch (error) {
      // A directory removed under a running bot is made again by the next save.
      this.#directoryMade = false;
      throw error;
    } finally {
      if (fileOpen && file.status === 'fulfilled') void file.value.close().catch(() => undefined);
      if (folder.status === 'fulfilled') void folder.value?.close().catch(() => undefined);
    }
  }

  #directoryMade = false;

  /** A scratch save (`synced: false`): the text written over the file's start, the file cut to its length. */
  #overwrite(text: string): void {
    if (!this.#directoryMade) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.#directoryMade = true;
    }
    let fd: number | undefined;
    try {
      fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT);
      const bytes = Buffer.from(text);
      writeSync(fd, bytes, 0, bytes.length, 0);
      ftruncateSync(fd, bytes.length);
    } catch (error) {
      // A directory removed under a running bot is made again by the next save.
      this.#directoryMade = false;
      throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  #corrupt(detail: string): StateFileError {
    return new StateFileError(
      `state file ${this.path} cannot be read: ${detail}. It holds the stop-loss streak, the day's loss and the open trades; ` +
        'fix it or move it away (the bot then starts with a fresh guard and adopts open positions from the exchange).',
    );
  }
}
