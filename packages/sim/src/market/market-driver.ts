/**
 * Drives a market source by a `SimClock`: emits every batch of ticks whose time has come, feeds the candle
 * book, and reports klines as they close. In real-time and accelerated modes it polls on a wall-clock
 * interval (50 ms by default); in any mode, moving the clock (`advanceTo`, or `clock.advance` while
 * started) emits synchronously. A replay ends cleanly: once its last tick is out, its last 1m kline (a whole
 * minute of the file) is closed, `onEnd` is called once, `ended` turns true and polling stops.
 */
import type { CandleBook, Kline } from './candle-book';
import type { MarketSource, MarketTick } from './market-tick';
import type { SimClock, WallClock } from './sim-clock';

export interface MarketDriverOptions {
  readonly source: MarketSource;
  readonly clock: SimClock;
  /** Fed with every tick before `onTick` sees it. */
  readonly candles?: CandleBook;
  /**
   * One call per batch (ticks sharing a time), in time order; `dueUntil` is the clock reading this emission
   * runs to (every tick at or before it is emitted before the driver returns).
   */
  readonly onTick?: (ticks: readonly MarketTick[], dueUntil: number) => void;
  /** Klines that just closed (x: true), 1m first; called before the `onTick` of the tick that closed them. */
  readonly onKlinesClosed?: (klines: readonly Kline[]) => void;
  /** Called once when the source is exhausted and everything has been emitted. */
  readonly onEnd?: () => void;
  /** Wall ms between polls in real-time and accelerated modes (default 50). */
  readonly pollMs?: number;
  /** Timers for polling (default: the clock's wall clock). */
  readonly timers?: WallClock;
}

export class MarketDriver {
  private readonly source: MarketSource;
  private readonly clock: SimClock;
  private readonly candles: CandleBook | undefined;
  private readonly options: MarketDriverOptions;
  private readonly timers: WallClock;
  private readonly pollMs: number;
  private timer: unknown;
  private unsubscribe: (() => void) | undefined;
  private isRunning = false;
  private isEnded = false;
  private pumping = false;
  private emittedTime: number | undefined;
  /** The clock reading of the last pump's end: every tick at or before it has been emitted. */
  private caughtUpTo = Number.NEGATIVE_INFINITY;

  constructor(options: MarketDriverOptions) {
    this.options = options;
    this.source = options.source;
    this.clock = options.clock;
    this.candles = options.candles;
    this.timers = options.timers ?? options.clock.wall;
    this.pollMs = options.pollMs ?? 50;
    if (!(this.pollMs > 0 && Number.isFinite(this.pollMs))) {
      throw new RangeError(`pollMs must be a finite number > 0, got ${this.pollMs}`);
    }
  }

  get running(): boolean {
    return this.isRunning;
  }

  /** True once the source is exhausted and `onEnd` has been called. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Time of the last batch emitted. */
  get lastTime(): number | undefined {
    return this.emittedTime;
  }

  /** Emits what is due now, then follows the clock: polling (real time, accelerated) and clock advances. */
  start(): void {
    if (this.isRunning || this.isEnded) return;
    this.isRunning = true;
    this.unsubscribe = this.clock.onAdvance(() => {
      this.syncTimer();
      this.pump();
    });
    this.syncTimer();
    this.pump();
  }

  /** Polls while the clock runs by itself (real time, accelerated); not in manual mode, whose time only jumps. */
  private syncTimer(): void {
    const wanted = this.isRunning && this.clock.mode !== 'manual';
    if (wanted && this.timer === undefined) {
      this.timer = this.timers.setInterval(() => this.pump(), this.pollMs);
    } else if (!wanted && this.timer !== undefined) {
      this.timers.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    if (!this.isRunning) return;
    this.isRunning = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.syncTimer();
  }

  /** Moves the clock to `time` (if later) and emits everything due, synchronously, in any mode. */
  advanceTo(time: number): void {
    this.clock.runUntil(time);
    if (!this.isRunning) this.pump();
  }

  /**
   * Emits what is due and returns the market time everything up to which has been emitted: the time an
   * order or an action arriving now happens at. Not a second `clock.now()` read: a running clock moves on
   * between the pump's last read and the next (at 600× a wall ms is 600 market ms), and a tick in that
   * stretch, emitted later, would fill an order stamped after it with a time before the order.
   */
  catchUp(): number {
    if (this.isEnded || this.pumping) return this.clock.now();
    this.pump();
    return this.caughtUpTo;
  }

  /**
   * Emits every batch whose time ≤ clock.now(), closes the klines the clock has passed, and ends the replay
   * when the source is done. Returns the number of batches emitted. Re-entrant calls (an `onTick` that
   * advances the clock) are folded into the running pump.
   */
  pump(): number {
    if (this.isEnded || this.pumping) return 0;
    this.pumping = true;
    let batches = 0;
    try {
      // `now` ends as the reading that showed the next tick is still in the future; the flush below must
      // not pass it (a running clock read again could, and the candle book would then see that waiting
      // tick as older than its watermark). Re-reading per batch picks up re-entrant clock advances.
      let now = this.clock.now();
      for (;;) {
        const time = this.source.peekTime();
        now = this.clock.now();
        if (time === undefined || time > now) break;
        const ticks = this.source.next();
        if (ticks.length === 0) break;
        batches += 1;
        this.emittedTime = time;
        if (this.candles !== undefined) {
          const closed = this.candles.onTicks(ticks);
          if (closed.length > 0) this.options.onKlinesClosed?.(closed);
        }
        this.options.onTick?.(ticks, now);
      }
      if (this.candles !== undefined) {
        // A source that ended has delivered its last minute whole: close it now rather than at the next tick.
        const lastTime = this.emittedTime;
        const until =
          this.source.ended && lastTime !== undefined ? lastTime - (lastTime % 60_000) + 60_000 : 0;
        const closed = this.candles.flush(Math.max(until, now));
        if (closed.length > 0) this.options.onKlinesClosed?.(closed);
      }
      this.caughtUpTo = now;
      if (this.source.ended) this.end();
    } finally {
      this.pumping = false;
    }
    return batches;
  }

  private end(): void {
    this.isEnded = true;
    this.stop();
    this.options.onEnd?.();
  }
}
