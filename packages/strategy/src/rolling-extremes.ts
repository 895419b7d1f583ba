/**
 * Highest high and lowest low of the last `length` values in amortised O(1) per update, with monotonic
 * deques. (trading-signals' DonchianChannels rescans its whole window on every candle.)
 */
export class RollingExtremes {
  readonly #length: number;
  #count = 0;
  /** Indexes and values, kept decreasing (for the maximum) and increasing (for the minimum). */
  readonly #maxima: { index: number; value: number }[] = [];
  readonly #minima: { index: number; value: number }[] = [];
  #maxHead = 0;
  #minHead = 0;

  constructor(length: number) {
    this.#length = length;
  }

  /** True once `length` values have been seen. */
  get isFull(): boolean {
    return this.#count >= this.#length;
  }

  get highest(): number {
    return this.#maxima[this.#maxHead]?.value ?? Number.NaN;
  }

  get lowest(): number {
    return this.#minima[this.#minHead]?.value ?? Number.NaN;
  }

  push(high: number, low: number): void {
    const index = this.#count;
    this.#count += 1;
    while (this.#maxima.length > this.#maxHead && this.#maxima[this.#maxima.length - 1]!.value <= high)
      this.#maxima.pop();
    this.#maxima.push({ index, value: high });
    while (this.#minima.length > this.#minHead && this.#minima[this.#minima.length - 1]!.value >= low)
      this.#minima.pop();
    this.#minima.push({ index, value: low });
    const oldest = index - this.#length + 1;
    while (this.#maxima[this.#maxHead]!.index < oldest) this.#maxHead += 1;
    while (this.#minima[this.#minHead]!.index < oldest) this.#minHead += 1;
    // Drop the consumed heads now and then so the arrays stay bounded by the window.
    if (this.#maxHead > 1024) {
      this.#maxima.splice(0, this.#maxHead);
      this.#maxHead = 0;
    }
    if (this.#minHead > 1024) {
      this.#minima.splice(0, this.#minHead);
      this.#minHead = 0;
    }
  }
}
