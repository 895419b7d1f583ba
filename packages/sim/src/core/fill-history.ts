import type { InstrumentState } from './core-state';
import type { FillRecord } from './events';
import { fillView } from './events';
import type { FillView } from './types';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
/** Figures kept per fill: price, quantity, commission and realized PnL units. */
const figureCount = 4;
const initialCapacity = 256;

/**
 * One account's trade history (`/fapi/v1/userTrades`), the last `limit` fills (up to 1024 more before it is
 * cut back), kept in typed columns rather than as an object per fill: every fill outlives many young-generation
 * collections here, and as objects they were the largest cost of a fill (README, "Performance").
 * A figure outside the 64-bit range (a fee or PnL above 92 billion) is kept beside the columns, exactly.
 */
export class FillHistory {
  #length = 0;
  #capacity = 0;
  #tradeIds = new Float64Array(0);
  #orderIds = new Float64Array(0);
  #times = new Float64Array(0);
  #instruments = new Int32Array(0);
  /** Bit 1: a buy, bit 2: maker. */
  #flags = new Uint8Array(0);
  #figures = new BigInt64Array(0);
  /** Figures that do not fit 64 bits, by `tradeId * figureCount + column`. */
  readonly #wide = new Map<number, bigint>();

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.#length;
  }

  add(fill: FillRecord): void {
    if (this.#length === this.#capacity) this.#grow();
    const slot = this.#length;
    this.#length += 1;
    this.#tradeIds[slot] = fill.tradeId;
    this.#orderIds[slot] = fill.orderId;
    this.#times[slot] = fill.time;
    this.#instruments[slot] = fill.instrument.index;
    this.#flags[slot] = (fill.side === 'BUY' ? 1 : 0) | (fill.maker ? 2 : 0);
    this.#setFigure(slot, 0, fill.tradeId, fill.priceUnits);
    this.#setFigure(slot, 1, fill.tradeId, fill.quantityUnits);
    this.#setFigure(slot, 2, fill.tradeId, fill.commissionUnits);
    this.#setFigure(slot, 3, fill.tradeId, fill.realizedUnits);
    if (this.#length > this.limit + 1024) this.#cut();
  }

  /** The fills, oldest first, of one instrument or of all (`instruments` by index). */
  views(instruments: readonly InstrumentState[], only?: InstrumentState, since?: number): FillView[] {
    const views: FillView[] = [];
    for (let slot = 0; slot < this.#length; slot += 1) {
      // A fill before `since` is not made into a view: a read of the last week need not build the history's.
      if (since !== undefined && (this.#times[slot] as number) < since) continue;
      const index = this.#instruments[slot] as number;
      if (only !== undefined && index !== only.index) continue;
      const flags = this.#flags[slot] as number;
      const tradeId = this.#tradeIds[slot] as number;
      const price = this.#figure(slot, 0, tradeId);
      const quantity = this.#figure(slot, 1, tradeId);
      views.push(
        fillView(
          tradeId,
          this.#orderIds[slot] as number,
          instruments[index] as InstrumentState,
          (flags & 1) === 1 ? 'BUY' : 'SELL',
          price,
          quantity,
          price * quantity,
          this.#figure(slot, 2, tradeId),
          this.#figure(slot, 3, tradeId),
          (flags & 2) === 2,
          this.#times[slot] as number,
        ),
      );
    }
    return views;
  }

  #setFigure(slot: number, column: number, tradeId: number, value: bigint): void {
    if (value >= int64Min && value <= int64Max) {
      this.#figures[slot * figureCount + column] = value;
    } else {
      this.#figures[slot * figureCount + column] = 0n;
      this.#wide.set(tradeId * figureCount + column, value);
    }
  }

  #figure(slot: number, column: number, tradeId: number): bigint {
    const value = this.#figures[slot * figureCount + column] as bigint;
    if (value !== 0n || this.#wide.size === 0) return value;
    return this.#wide.get(tradeId * figureCount + column) ?? 0n;
  }

  #grow(): void {
    const capacity = Math.max(initialCapacity, Math.min(this.#capacity * 2, this.limit + 1025));
    const grown = <T extends Float64Array | Int32Array | Uint8Array | BigInt64Array>(
      old: T,
      make: (size: number) => T,
      width = 1,
    ): T => {
      const array = make(capacity * width);
      array.set(old as never);
      return array;
    };
    this.#tradeIds = grown(this.#tradeIds, (size) => new Float64Array(size));
    this.#orderIds = grown(this.#orderIds, (size) => new Float64Array(size));
    this.#times = grown(this.#times, (size) => new Float64Array(size));
    this.#instruments = grown(this.#instruments, (size) => new Int32Array(size));
    this.#flags = grown(this.#flags, (size) => new Uint8Array(size));
    this.#figures = grown(this.#figures, (size) => new BigInt64Array(size), figureCount);
    this.#capacity = capacity;
  }

  /** Keeps the last `limit` fills. */
  #cut(): void {
    const drop = this.#length - this.limit;
    for (const column of [this.#tradeIds, this.#orderIds, this.#times, this.#instruments, this.#flags]) {
      column.copyWithin(0, drop, this.#length);
    }
    this.#figures.copyWithin(0, drop * figureCount, this.#length * figureCount);
    this.#length = this.limit;
    if (this.#wide.size > 0) {
      const firstKept = (this.#tradeIds[0] as number) * figureCount;
      for (const key of this.#wide.keys()) if (key < firstKept) this.#wide.delete(key);
    }
  }
}
