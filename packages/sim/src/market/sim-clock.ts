/**
 * The emulator's market clock. Real time (speed 1), accelerated (speed 60: a simulated minute per wall
 * second) or manual (time moves only through `advance` / `runUntil`, as fast as the caller wants). The wall
 * clock and timers are injected, so tests drive time without sleeping.
 */

/** Where wall time and timers come from; `systemWallClock` in production, a fake in tests. */
export interface WallClock {
  now(): number;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemWallClock: WallClock = {
  now: () => Date.now(),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export type ClockMode = 'realtime' | 'accelerated' | 'manual';

export interface SimClockOptions {
  /** Simulated ms per wall ms (default 1: real time), or 'manual'. */
  readonly speed?: number | 'manual';
  /** Simulated time at creation (default: the wall clock's now). */
  readonly startTime?: number;
  readonly wall?: WallClock;
}

export type ClockListener = (now: number) => void;

export class SimClock {
  readonly wall: WallClock;
  private currentSpeed: number | 'manual';
  /** Simulated time at the anchor (manual mode: the time itself). */
  private anchorTime: number;
  private anchorWall: number;
  private latest: number;
  private readonly listeners = new Set<ClockListener>();

  constructor(options: SimClockOptions = {}) {
    this.wall = options.wall ?? systemWallClock;
    this.currentSpeed = checkSpeed(options.speed ?? 1);
    this.anchorWall = this.wall.now();
    this.anchorTime = options.startTime ?? this.anchorWall;
    if (!Number.isFinite(this.anchorTime))
      throw new RangeError(`startTime must be finite, got ${this.anchorTime}`);
    this.latest = this.anchorTime;
  }

  get mode(): ClockMode {
    return this.currentSpeed === 'manual' ? 'manual' : this.currentSpeed === 1 ? 'realtime' : 'accelerated';
  }

  get speed(): number | 'manual' {
    return this.currentSpeed;
  }

  /** Simulated epoch ms (whole ms); never goes backwards, even if the wall clock does. */
  now(): number {
    if (this.currentSpeed !== 'manual') {
      const time = Math.floor(this.anchorTime + (this.wall.now() - this.anchorWall) * this.currentSpeed);
      if (time > this.latest) this.latest = time;
    }
    return this.latest;
  }

  /** Moves simulated time forward by `ms` (in any mode: a skip ahead), then notifies listeners. */
  advance(ms: number): void {
    if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`advance needs a finite ms ≥ 0, got ${ms}`);
    const now = this.now();
    this.reanchor(now + ms);
    for (const listener of [...this.listeners]) listener(this.latest);
  }

  /** Moves simulated time to `time` if it is later than now, then notifies listeners. */
  runUntil(time: number): void {
    this.advance(Math.max(0, time - this.now()));
  }

  /** Changes speed from now on (the simulated time stays continuous), then notifies listeners. */
  setSpeed(speed: number | 'manual'): void {
    const checked = checkSpeed(speed);
    const now = this.now();
    this.currentSpeed = checked;
    this.reanchor(now);
    for (const listener of [...this.listeners]) listener(this.latest);
  }

  /** Called after every `advance`, `runUntil` and `setSpeed` with the time; returns the unsubscribe function. */
  onAdvance(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private reanchor(time: number): void {
    this.anchorTime = time;
    this.anchorWall = this.wall.now();
    this.latest = Math.max(this.latest, time);
  }
}

function checkSpeed(speed: number | 'manual'): number | 'manual' {
  if (speed !== 'manual' && !(speed > 0 && Number.isFinite(speed))) {
    throw new RangeError(`speed must be a finite number > 0 or 'manual', got ${String(speed)}`);
  }
  return speed;
}
