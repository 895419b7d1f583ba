/**
 * A wall clock that only moves when told to, with interval timers that fire as it moves: inject it into
 * `SimClock` and `MarketDriver` to test real-time and accelerated modes without sleeping.
 */
import type { WallClock } from './sim-clock';

interface ManualTimer {
  readonly id: number;
  readonly callback: () => void;
  readonly intervalMs: number;
  dueAt: number;
}

export class ManualWallClock implements WallClock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startTime = 0) {
    this.time = startTime;
  }

  now(): number {
    return this.time;
  }

  setInterval(callback: () => void, ms: number): unknown {
    const id = this.nextId;
    this.nextId += 1;
    const intervalMs = Math.max(1, ms);
    this.timers.set(id, { id, callback, intervalMs, dueAt: this.time + intervalMs });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Number of live interval timers. */
  get timerCount(): number {
    return this.timers.size;
  }

  /** Moves wall time forward by `ms`, firing each due timer at its due time, in time order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let due: ManualTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.dueAt <= target && (due === undefined || timer.dueAt < due.dueAt)) due = timer;
      }
      if (due === undefined) break;
      this.time = due.dueAt;
      due.dueAt += due.intervalMs;
      due.callback();
    }
    this.time = target;
  }

  /** Sets wall time directly, without firing timers (e.g. to simulate the system clock jumping back). */
  set(time: number): void {
    this.time = time;
  }
}
