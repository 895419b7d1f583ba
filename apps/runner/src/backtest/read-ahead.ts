/**
 * The bridge between a symbol's candles read as a stream (asynchronous: files and inflation) and the
 * emulator's replay, which pulls its next candle synchronously while the market clock moves. The backtest
 * reads ahead of the clock (`fill`) before each move, so the replay always finds its next candle buffered;
 * candles both sides have passed are dropped, so memory holds about the read-ahead, whatever the history.
 */
import type { Candle } from '@bot/sim';

/** Market time read ahead of the clock: more than any wait of the adapter (a fill, a retry) can pass. */
export const READ_AHEAD_MS = 24 * 60 * 60_000;

export class CandleReadAhead {
  readonly #source: AsyncIterator<readonly Candle[]>;
  #buffer: Candle[] = [];
  /** Next candle the replay takes, and next the backtest's own count (`passed`) looks at. */
  #replayAt = 0;
  #countAt = 0;
  #done = false;
  /** The one read running, reading on until a candle at or after `#target` is buffered. */
  #reading: Promise<void> | undefined;
  #target = Number.NEGATIVE_INFINITY;
  /** What the read met (a file gone bad since the checking pass): thrown by the next `fill`. */
  #failure: { readonly error: unknown } | undefined;

  /** Candles in chunks as they are read (`streamKlines`), or all of them in an array. */
  constructor(candles: AsyncIterable<readonly Candle[]> | readonly Candle[]) {
    this.#source = Array.isArray(candles)
      ? (async function* () {
          yield candles as readonly Candle[];
        })()
      : (candles as AsyncIterable<readonly Candle[]>)[Symbol.asyncIterator]();
  }

  /**
   * Resolves once a candle opening at or after `until` is buffered (at least one), or the stream ended; the
   * read goes on in the background for as much again, so the files are read and inflated (on libuv's
   * threads) while the market moves, not while it waits.
   */
  async fill(until: number): Promise<void> {
    this.#readTo(Number.isFinite(until) ? until + READ_AHEAD_MS : until);
    while (!this.#reached(until)) {
      if (this.#failure) throw this.#failure.error;
      await this.#reading;
    }
  }

  #reached(until: number): boolean {
    const last = this.#buffer.at(-1);
    return this.#done || (last !== undefined && last.openTime >= until);
  }

  /** Reads on (one read at a time) until a candle at or after `target` is buffered. */
  #readTo(target: number): void {
    if (target > this.#target) this.#target = target;
    if (this.#reading !== undefined || this.#failure || this.#reached(this.#target)) return;
    this.#reading = (async () => {
      try {
        do {
          const next = await this.#source.next();
          if (next.done) this.#done = true;
          else for (const candle of next.value) this.#buffer.push(candle);
        } while (!this.#reached(this.#target));
      } catch (error) {
        this.#failure = { error };
      } finally {
        this.#reading = undefined;
      }
    })();
  }

  /** The first candle (after the first `fill`). */
  get first(): Candle | undefined {
    return this.#buffer[0];
  }

  /** What the emulator's replay iterates: the buffered candles, in order, each once. */
  *replay(): Generator<Candle> {
    for (;;) {
      const candle = this.#buffer[this.#replayAt];
      if (candle !== undefined) {
        this.#replayAt += 1;
        this.#compact();
        yield candle;
      } else if (this.#done) {
        return;
      } else {
        // A bug of the backtest's loop, never of the data: the clock moved past what was read ahead.
        throw new Error('backtest: the market clock passed the candles read ahead');
      }
    }
  }

  /**
   * The backtest's own count: the candles opening before `until` not counted yet, the last of them (the last
   * candle before `until`) and the candle after them, if read.
   */
  passed(until: number): { count: number; last: Candle | undefined; following: Candle | undefined } {
    const start = this.#countAt;
    while ((this.#buffer[this.#countAt]?.openTime ?? Number.POSITIVE_INFINITY) < until) this.#countAt += 1;
    const count = this.#countAt - start;
    const last = this.#buffer[this.#countAt - 1];
    const following = this.#buffer[this.#countAt];
    this.#compact();
    return { count, last, following };
  }

  /** Drops what both sides have passed (keeping the last counted candle, which `passed` reports). */
  #compact(): void {
    const drop = Math.min(this.#replayAt, this.#countAt - 1);
    if (drop < 4096) return;
    this.#buffer = this.#buffer.slice(drop);
    this.#replayAt -= drop;
    this.#countAt -= drop;
  }
}
