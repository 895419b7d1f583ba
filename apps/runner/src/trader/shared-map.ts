/**
 * The account state's order books (`AccountState.orders`, `algoOrders`): hundreds of ended entries kept, and
 * a pure reducer that returns a new state for every event. Copying a `Map` of 500 entries per event was the
 * reducer's whole cost (a trading backtest applies ~13 000 events a month), so a copy here shares a frozen
 * base and copies only what changed since it (compacted into a new base every `COMPACT_AT` changes).
 * It reads and iterates exactly as a `Map` given the same `set`s and `delete`s would, in the same order.
 * The live entries (a handful) are also kept apart, in that order: the decisions look for them on every
 * event, and a scan of the whole map each time cost more than the copies did.
 */
const DELETED: unique symbol = Symbol('deleted');
const COMPACT_AT = 64;

export class SharedMap<V> implements ReadonlyMap<string, V> {
  /** Never changed once built: copies share it. */
  #base: ReadonlyMap<string, V>;
  /** Keys of the base whose value was replaced (it keeps its place) or that were deleted. */
  #changed: Map<string, V | typeof DELETED>;
  /** Keys set that the base does not hold (or held and lost), in the order they were set. */
  #added: Map<string, V>;
  /** The live entries, in the map's order. */
  #live: Map<string, V>;
  #liveValues: V[] | undefined;
  #size: number;
  #ended: number;
  readonly #isLive: (value: V) => boolean;

  private constructor(
    isLive: (value: V) => boolean,
    base: ReadonlyMap<string, V>,
    changed: Map<string, V | typeof DELETED>,
    added: Map<string, V>,
    live: Map<string, V>,
    size: number,
    ended: number,
  ) {
    this.#isLive = isLive;
    this.#base = base;
    this.#changed = changed;
    this.#added = added;
    this.#live = live;
    this.#size = size;
    this.#ended = ended;
  }

  /** A copy to change, leaving `source` as it is; `isLive` tells which entries `ended` counts. */
  static copyOf<V>(source: ReadonlyMap<string, V>, isLive: (value: V) => boolean): SharedMap<V> {
    if (source instanceof SharedMap && (source as SharedMap<V>).#isLive === isLive) {
      const from = source as SharedMap<V>;
      if (from.#changed.size + from.#added.size < COMPACT_AT) {
        return new SharedMap(
          isLive,
          from.#base,
          new Map(from.#changed),
          new Map(from.#added),
          new Map(from.#live),
          from.#size,
          from.#ended,
        );
      }
    }
    const base = new Map(source);
    const live = new Map<string, V>();
    for (const [key, value] of base) if (isLive(value)) live.set(key, value);
    return new SharedMap(isLive, base, new Map(), new Map(), live, base.size, base.size - live.size);
  }

  /** The live entries' values, in the map's order; undefined if `isLive` is not the test this map keeps. */
  liveValues(isLive: (value: V) => boolean): readonly V[] | undefined {
    if (isLive !== this.#isLive) return undefined;
    return (this.#liveValues ??= [...this.#live.values()]);
  }

  /** How many entries are not live. */
  get ended(): number {
    return this.#ended;
  }

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    const added = this.#added.get(key);
    if (added !== undefined) return added;
    const changed = this.#changed.get(key);
    if (changed === DELETED) return undefined;
    return changed ?? this.#base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): this {
    const known = this.get(key);
    const wasLive = known !== undefined && this.#isLive(known);
    const isLive = this.#isLive(value);
    if (known === undefined) this.#size += 1;
    else if (!wasLive) this.#ended -= 1;
    if (!isLive) this.#ended += 1;
    // A key of the base keeps its place unless it was deleted: a Map appends a key set again after a delete.
    if (known !== undefined && !this.#added.has(key)) this.#changed.set(key, value);
    else this.#added.set(key, value);
    this.#liveValues = undefined;
    if (!isLive) this.#live.delete(key);
    else if (wasLive || known === undefined) this.#live.set(key, value);
    else {
      // An ended entry live again (rare) takes its place among the live ones: read off the whole map.
      this.#live.clear();
      for (const [liveKey, liveValue] of this.entries())
        if (this.#isLive(liveValue)) this.#live.set(liveKey, liveValue);
    }
    return this;
  }

  delete(key: string): boolean {
    const known = this.get(key);
    if (known === undefined) return false;
    this.#size -= 1;
    if (!this.#isLive(known)) this.#ended -= 1;
    if (!this.#added.delete(key)) this.#changed.set(key, DELETED);
    this.#live.delete(key);
    this.#liveValues = undefined;
    return true;
  }

  *entries(): MapIterator<[string, V]> {
    const changed = this.#changed;
    for (const entry of this.#base) {
      const value = changed.get(entry[0]);
      if (value === undefined) yield entry;
      else if (value !== DELETED) yield [entry[0], value];
    }
    yield* this.#added;
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
