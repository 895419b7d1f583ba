/**
 * The headers of a `sim.fetch` answer, read as a WHATWG `Headers` is (names lower-cased, `forEach` in name
 * order, `get` of a missing name null), without being one: the first `Headers` loaded Node's fetch
 * implementation (tens of ms at a backtest's start), and each cost more to build than the few fields it holds.
 */
export class AnswerHeaders {
  readonly #entries: readonly (readonly [string, string])[];

  constructor(headers: Readonly<Record<string, string>>) {
    const byName = new Map<string, string>();
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      const earlier = byName.get(lower);
      byName.set(lower, earlier === undefined ? value : `${earlier}, ${value}`);
    }
    this.#entries = [...byName].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  }

  get(name: string): string | null {
    const lower = name.toLowerCase();
    return this.#entries.find(([one]) => one === lower)?.[1] ?? null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#entries) callback(value, name);
  }
}
