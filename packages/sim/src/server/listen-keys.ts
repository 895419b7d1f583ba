import { randomBytes } from 'node:crypto';
import { SimRejection } from '../core/types';

export interface ListenKeyRecord {
  readonly listenKey: string;
  readonly accountId: string;
  expiresAt: number;
}

/**
 * Binance's listenKey lifecycle: one active key per account, valid 60 minutes from its creation or last
 * keepalive; POST returns (and extends) the active key; PUT on an expired or unknown key answers -1125.
 * Times are the server's clock.
 */
export class ListenKeyStore {
  readonly #byKey = new Map<string, ListenKeyRecord>();
  readonly #validityMs: number;
  readonly #now: () => number;

  constructor(options: { now: () => number; validityMs?: number }) {
    this.#now = options.now;
    this.#validityMs = options.validityMs ?? 60 * 60_000;
  }

  createOrExtend(accountId: string): string {
    const now = this.#now();
    for (const record of this.#byKey.values()) {
      if (record.accountId === accountId && record.expiresAt > now) {
        record.expiresAt = now + this.#validityMs;
        return record.listenKey;
      }
    }
    const listenKey = randomBytes(32).toString('hex');
    this.#byKey.set(listenKey, { listenKey, accountId, expiresAt: now + this.#validityMs });
    return listenKey;
  }

  /** PUT: extends the account's key (Binance's v1 PUT takes no parameter and extends the active key). */
  keepAlive(accountId: string, listenKey: string | undefined): string {
    const now = this.#now();
    const record = [...this.#byKey.values()].find(
      (candidate) =>
        candidate.accountId === accountId &&
        (listenKey === undefined || candidate.listenKey === listenKey) &&
        candidate.expiresAt > now,
    );
    if (!record) throw new SimRejection(-1125, 'This listenKey does not exist.');
    record.expiresAt = now + this.#validityMs;
    return record.listenKey;
  }

  close(accountId: string, listenKey: string | undefined): void {
    for (const record of [...this.#byKey.values()]) {
      if (record.accountId === accountId && (listenKey === undefined || record.listenKey === listenKey)) {
        this.#byKey.delete(record.listenKey);
      }
    }
  }

  /** The live record of a key, or undefined when unknown or expired. */
  active(listenKey: string): ListenKeyRecord | undefined {
    const record = this.#byKey.get(listenKey);
    return record && record.expiresAt > this.#now() ? record : undefined;
  }

  /** Removes and returns every key past its expiry (so the streams can send `listenKeyExpired`). */
  takeExpired(): ListenKeyRecord[] {
    const now = this.#now();
    const expired = [...this.#byKey.values()].filter((record) => record.expiresAt <= now);
    for (const record of expired) this.#byKey.delete(record.listenKey);
    return expired;
  }

  /** Fault injection: expire every key now (or one account's). */
  expireAll(accountId?: string): void {
    const now = this.#now();
    for (const record of this.#byKey.values()) {
      if (accountId === undefined || record.accountId === accountId) record.expiresAt = now;
    }
  }
}
