/**
 * Finished orders by id, keeping at most `limit` of them (the oldest are forgotten first). A plain Map
 * evicted through its iterator would walk the deleted slots each time; the id queue keeps eviction O(1).
 */
export class BoundedHistory<T> {
  private readonly items = new Map<number, T>();
  private queue: number[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.items.size;
  }

  get(id: number): T | undefined {
    return this.items.get(id);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  /** Adds an item; returns the one evicted to stay within the limit, if any. */
  add(id: number, item: T): T | undefined {
    this.items.set(id, item);
    this.queue.push(id);
    if (this.items.size <= this.limit) return undefined;
    const oldestId = this.queue[this.head] as number;
    this.head += 1;
    if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const oldest = this.items.get(oldestId);
    this.items.delete(oldestId);
    return oldest;
  }
}
