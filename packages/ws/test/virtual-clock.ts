import type { Clock } from '../src/clock';

interface VirtualTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/**
 * A clock whose time moves only when a test says so. Timers fire in time order (ties in creation order)
 * during `advance`, including timers they schedule themselves within the advanced span.
 */
export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, VirtualTimer>();

  constructor(start = Date.UTC(2026, 4, 1)) {
    this.#now = start;
  }

  now = (): number => this.#now;

  setTimeout = (callback: () => void, delayMs: number): unknown => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, delayMs), order: id, callback });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way (synchronously). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: VirtualTimer | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at > target) continue;
        if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) {
          next = timer;
          nextId = id;
        }
      }
      if (!next || nextId === undefined) break;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = target;
  }
}

/** Lets real I/O (sockets, fetch) make progress: a few turns of the event loop and a short real pause. */
export async function letIoRun(realMs = 2): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, realMs));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Advances the virtual clock by `ms` in steps, letting real I/O run after each step. */
export async function advanceInSteps(clock: VirtualClock, ms: number, stepMs = 100): Promise<void> {
  let remaining = ms;
  while (remaining > 0) {
    const step = Math.min(stepMs, remaining);
    clock.advance(step);
    remaining -= step;
    await letIoRun(1);
  }
}

/**
 * Waits (real time, the sockets' pace) until `condition` holds. With a clock, each round also advances it
 * by `stepMs` so timers due now (backoff, polls) can fire.
 */
export async function until(
  condition: () => boolean,
  options: { clock?: VirtualClock; stepMs?: number; timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 8_000);
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    if (options.clock) options.clock.advance(options.stepMs ?? 0);
    await letIoRun(3);
  }
}
