import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
}

/** What survives a restart: the RiskGuard snapshot and the open trades. */
export interface BotState {
  readonly guard: RiskGuardSnapshot | undefined;
  readonly trades: readonly OpenTrade[];
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

const EMPTY: BotState = { guard: undefined, trades: [] };

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
  constructor(readonly path: string) {}

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
      const fields = trade as unknown as Record<string, unknown>;
      const valid =
        typeof fields['intentId'] === 'string' &&
        typeof fields['symbol'] === 'string' &&
        (fields['side'] === 'long' || fields['side'] === 'short') &&
        typeof fields['quantity'] === 'string' &&
        typeof fields['stopLossPrice'] === 'string' &&
        typeof fields['openedAt'] === 'number';
      if (!valid) throw this.#corrupt(`a trade is malformed: ${JSON.stringify(trade)}`);
    }
    return { guard: state.guard ?? undefined, trades: state.trades };
  }

  save(state: BotState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }

  #corrupt(detail: string): StateFileError {
    return new StateFileError(
      `state file ${this.path} cannot be read: ${detail}. It holds the stop-loss streak, the day's loss and the open trades; ` +
        'fix it or move it away (the bot then starts with a fresh guard and adopts open positions from the exchange).',
    );
  }
}
