/**
 * A bounded set of recently seen keys (oldest evicted first), for de-duplicating user-data events that
 * may arrive twice: over the old and the new socket during a rotation, or over REST and the socket around
 * an outage.
 */
export class RecentKeys {
  readonly #capacity: number;
  readonly #keys = new Set<string>();

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Records `key`; returns false when it was already there (a duplicate). */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.values().next().value as string;
      this.#keys.delete(oldest);
    }
    return true;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }
}
