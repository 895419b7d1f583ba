/**
 * Time as this package sees it: a wall clock and one-shot timers. Injected everywhere (with the real ones as
 * defaults) so tests drive reconnects, staleness, keepalives and the 24 h rotation on a virtual clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs`; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A timer slot that replaces any pending timer when set again. */
export class TimerSlot {
  readonly #clock: Clock;
  #handle: unknown;
  #pending = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get pending(): boolean {
    return this.#pending;
  }

  set(delayMs: number, callback: () => void): void {
    this.clear();
    this.#pending = true;
    this.#handle = this.#clock.setTimeout(
      () => {
        this.#pending = false;
        this.#handle = undefined;
        callback();
      },
      Math.max(0, delayMs),
    );
  }

  clear(): void {
    if (!this.#pending) return;
    this.#clock.clearTimeout(this.#handle);
    this.#pending = false;
    this.#handle = undefined;
  }
}
