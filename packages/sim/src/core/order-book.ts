/**
 * The seeded order book of one instrument: the rest of the market's liquidity around the last price.
 *
 * Prices are integers in ticks and quantities integers in steps, so walking it, depleting it and printing
 * it is exact without Decimal. A level's full quantity is a function of the seed, the symbol, the side and
 * the absolute price only (so a level keeps its size when the price moves and comes back); what a trade
 * took from it comes back linearly over `replenishMs`. The best bid sits `floor(spreadTicks / 2)` ticks
 * below the last price, the best ask `spreadTicks` above the best bid.
 */

export interface BookSpec {
  /** Best ask minus best bid, in ticks (an integer ≥ 1). */
  readonly spreadTicks: number;
  /** Mean quantity of one price level, a decimal string on the step grid; levels vary 0.25×–1.75× of it. */
  readonly levelQty: string;
  /** Price levels per side (depth can show, and orders walk, at most this many), default 1000. */
  readonly levels?: number;
  /** Market time a level takes to refill completely after a trade took from it, ms; default 5000. */
  readonly replenishMs?: number;
}

export const defaultBookLevels = 1000;
export const defaultReplenishMs = 5000;

/** Sides as indexes: 0 bids, 1 asks. */
export type BookSide = 0 | 1;

interface Depletion {
  /** Steps taken at the last trade. */
  takenAtTrade: number;
  /** Steps still missing now. */
  taken: number;
  at: number;
}

/** Levels as Binance prints them: `[price, quantity]` strings. */
export type PrintedLevel = [string, string];

export interface BookChanges {
  /** First and last update id covered, and the last id sent before (`U`, `u`, `pu`). */
  readonly first: number;
  readonly last: number;
  readonly previous: number;
  readonly bids: PrintedLevel[];
  readonly asks: PrintedLevel[];
}

/** Integer units of `size` (a decimal string) as `[units per size, decimals]`, e.g. '0.25' → [25, 2]. */
export function unitsOf(size: string): [number, number] {
  const [whole = '0', fraction = ''] = size.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  const units = Number(`${whole}${trimmed}`);
  if (!Number.isSafeInteger(units) || units <= 0) throw new Error(`Invalid increment ${size}.`);
  return [units, trimmed.length];
}

/** An integer count of 10^-decimals units, printed with exactly `decimals` decimals. */
export function printUnits(units: number, decimals: number): string {
  if (decimals === 0) return String(units);
  const digits = String(units).padStart(decimals + 1, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** Exact integer count of `size` units in a decimal string on that grid, or NaN when off the grid. */
export function countUnits(value: string, size: [number, number]): number {
  const [units, decimals] = size;
  const [whole = '0', fraction = ''] = value.split('.');
  if (fraction.length > decimals && !/^0*$/.test(fraction.slice(decimals))) return Number.NaN;
  const scaled = Number(`${whole}${fraction.slice(0, decimals).padEnd(decimals, '0')}`);
  return scaled % units === 0 ? scaled / units : Number.NaN;
}

function mix32(value: number): number {
  let hash = value | 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Change ranges kept for diff-depth events. A publish every market tick reads only the last few; a cursor
 * older than what is kept gets the whole window. Small, so a long run without depth subscribers holds
 * little (a book logs about four ranges per price move).
 */
const maxLogEntries = 8192;
/** Numbers per logged range in the ring: update id, side, lowest and highest ticks. */
const logStride = 4;

export class SyntheticBook {
  readonly spreadTicks: number;
  readonly levels: number;
  readonly replenishMs: number;
  /** Price tick and quantity step as integer units of 10^-decimals. */
  readonly tick: [number, number];
  readonly step: [number, number];
  private readonly meanSteps: number;
  private readonly salt: [number, number];
  /** Best bid in ticks; NaN until the first price. */
  bestBid = Number.NaN;
  /** Increases with every change of a level's quantity (Binance's `lastUpdateId`, `u`). */
  updateId = 0;
  private readonly depleted: [Map<number, Depletion>, Map<number, Depletion>] = [new Map(), new Map()];
  /**
   * The change log, a ring of `logStride` numbers per range, oldest overwritten: a price move logs four
   * ranges on every market tick, read (if ever) only by diff-depth subscribers, so it allocates nothing.
   */
  private readonly log = new Float64Array(maxLogEntries * logStride);
  /** Ranges logged ever; the newest is at slot (logged − 1) % maxLogEntries. */
  private logged = 0;
  /** Ids at or below this are no longer (wholly) in the log. */
  private logFloor = 0;

  constructor(spec: BookSpec, tickSize: string, stepSize: string, seed: number, symbol: string) {
    if (!Number.isInteger(spec.spreadTicks) || spec.spreadTicks < 1)
      throw new Error(`${symbol}: book spreadTicks must be a positive integer.`);
    this.spreadTicks = spec.spreadTicks;
    this.levels = spec.levels ?? defaultBookLevels;
    if (!Number.isInteger(this.levels) || this.levels < 1 || this.levels > 100_000)
      throw new Error(`${symbol}: book levels must be an integer from 1 to 100000.`);
    this.replenishMs = spec.replenishMs ?? defaultReplenishMs;
    if (!(this.replenishMs >= 0) || !Number.isFinite(this.replenishMs))
      throw new Error(`${symbol}: book replenishMs must be a non-negative number.`);
    this.tick = unitsOf(tickSize);
    this.step = unitsOf(stepSize);
    const mean = countUnits(spec.levelQty, this.step);
    if (!(mean >= 1)) throw new Error(`${symbol}: book levelQty must be a positive multiple of ${stepSize}.`);
    this.meanSteps = mean;
    const base = hashString(`${seed}:${symbol}`);
    this.salt = [mix32(base ^ 0x2545f491), mix32(base ^ 0x9e3779b9)];
  }

  /** A price (on the tick grid) in ticks. */
  ticksOf(price: number): number {
    return Math.round((price * 10 ** this.tick[1]) / this.tick[0]);
  }

  /** A quantity (on the step grid) in steps. */
  stepsOf(quantity: number): number {
    return Math.round((quantity * 10 ** this.step[1]) / this.step[0]);
  }

  get bestAsk(): number {
    return this.bestBid + this.spreadTicks;
  }

  /** Full quantity of a level in steps (before depletion): 0.25×–1.75× the mean, never below one step. */
  fullSteps(side: BookSide, ticks: number): number {
    const hash = mix32((ticks * 0x9e3779b1) ^ this.salt[side]) ^ mix32(Math.floor(ticks / 4294967296));
    const fraction = (mix32(hash) >>> 8) / 16_777_216;
    return Math.max(1, Math.round(this.meanSteps * (0.25 + 1.5 * fraction)));
  }

  /** What a taker can take at a level now, in steps (0 outside the modelled window). */
  available(side: BookSide, ticks: number): number {
    if (!this.inWindow(side, ticks)) return 0;
    const depletion = this.depleted[side].get(ticks);
    const full = this.fullSteps(side, ticks);
    return depletion === undefined ? full : Math.max(0, full - depletion.taken);
  }

  inWindow(side: BookSide, ticks: number): boolean {
    if (side === 0) return ticks <= this.bestBid && ticks > this.bestBid - this.levels && ticks > 0;
    return ticks >= this.bestAsk && ticks < this.bestAsk + this.levels;
  }

  /**
   * Moves the book to a new last price (in ticks) at market time `time`, and refills the depleted levels.
   * Returns whether anything changed.
   */
  setLast(lastTicks: number, time: number): boolean {
    const newBid = lastTicks - Math.floor(this.spreadTicks / 2);
    let changed = false;
    const oldBid = this.bestBid;
    const nextId = this.updateId + 1;
    if (newBid !== oldBid) {
      changed = true;
      if (Number.isNaN(oldBid)) {
        this.logRange(nextId, 0, newBid - this.levels + 1, newBid);
        this.logRange(nextId, 1, newBid + this.spreadTicks, newBid + this.spreadTicks + this.levels - 1);
      } else {
        const low = Math.min(oldBid, newBid);
        const high = Math.max(oldBid, newBid);
        const span = Math.min(high - low, this.levels);
        // Levels that entered or left each side, near the touch and at the far edge of the window.
        this.logRange(nextId, 0, high - span + 1, high);
        this.logRange(nextId, 0, low - this.levels + 1, low - this.levels + span);
        this.logRange(nextId, 1, low + this.spreadTicks, low + this.spreadTicks + span - 1);
        this.logRange(
          nextId,
          1,
          high + this.spreadTicks + this.levels - span,
          high + this.spreadTicks + this.levels - 1,
        );
      }
      this.bestBid = newBid;
    }
    for (let side: BookSide = 0; side <= 1; side += 1) {
      const depleted = this.depleted[side as BookSide];
      if (depleted.size === 0) continue;
      for (const [ticks, depletion] of depleted) {
        const elapsed = time - depletion.at;
        const taken =
          this.replenishMs === 0 || elapsed >= this.replenishMs
            ? 0
            : Math.ceil((depletion.takenAtTrade * (this.replenishMs - elapsed)) / this.replenishMs);
        if (taken === depletion.taken) continue;
        if (taken === 0) depleted.delete(ticks);
        else depletion.taken = taken;
        this.logRange(nextId, side as BookSide, ticks, ticks);
        changed = true;
      }
    }
    if (changed) this.updateId = nextId;
    return changed;
  }

  /** Takes `steps` from a level (a trade against it at market time `time`). */
  take(side: BookSide, ticks: number, steps: number, time: number): void {
    const depleted = this.depleted[side];
    const depletion = depleted.get(ticks);
    const taken = (depletion?.taken ?? 0) + steps;
    depleted.set(ticks, { takenAtTrade: taken, taken, at: time });
    this.updateId += 1;
    this.logRange(this.updateId, side, ticks, ticks);
  }

  /**
   * The levels a taker on `takerBuys` side walks for `steps`, best first, up to `limitTicks` (a LIMIT
   * price) when given: `[ticks, steps]` pairs; their sum is below `steps` when the book runs out.
   */
  walk(takerBuys: boolean, steps: number, limitTicks: number | undefined): [number, number][] {
    const fills: [number, number][] = [];
    if (Number.isNaN(this.bestBid)) return fills;
    let remaining = steps;
    if (takerBuys) {
      const end = this.bestAsk + this.levels;
      for (let ticks = this.bestAsk; ticks < end && remaining > 0; ticks += 1) {
        if (limitTicks !== undefined && ticks > limitTicks) break;
        const available = this.available(1, ticks);
        if (available === 0) continue;
        const taken = Math.min(available, remaining);
        fills.push([ticks, taken]);
        remaining -= taken;
      }
    } else {
      const end = Math.max(0, this.bestBid - this.levels);
      for (let ticks = this.bestBid; ticks > end && remaining > 0; ticks -= 1) {
        if (limitTicks !== undefined && ticks < limitTicks) break;
        const available = this.available(0, ticks);
        if (available === 0) continue;
        const taken = Math.min(available, remaining);
        fills.push([ticks, taken]);
        remaining -= taken;
      }
    }
    return fills;
  }

  priceText(ticks: number): string {
    return printUnits(ticks * this.tick[0], this.tick[1]);
  }

  quantityText(steps: number): string {
    return printUnits(steps * this.step[0], this.step[1]);
  }

  /** The best `limit` non-empty levels of a side, best first, as Binance prints them. */
  side(side: BookSide, limit: number): PrintedLevel[] {
    const levels: PrintedLevel[] = [];
    if (Number.isNaN(this.bestBid)) return levels;
    for (let index = 0; index < this.levels && levels.length < limit; index += 1) {
      const ticks = side === 0 ? this.bestBid - index : this.bestAsk + index;
      if (ticks <= 0) break;
      const available = this.available(side, ticks);
      if (available > 0) levels.push([this.priceText(ticks), this.quantityText(available)]);
    }
    return levels;
  }

  /** The best non-empty level of a side, or undefined. */
  best(side: BookSide): PrintedLevel | undefined {
    return this.side(side, 1)[0];
  }

  /**
   * Every level that changed after update `since`, with its quantity now ('0' when empty or outside the
   * window): what a diff-depth event carries. A `since` older than the log gives the whole window.
   */
  changesSince(since: number): BookChanges {
    const touched: [Set<number>, Set<number>] = [new Set(), new Set()];
    if (since < this.logFloor) {
      for (let index = 0; index < this.levels; index += 1) {
        touched[0].add(this.bestBid - index);
        touched[1].add(this.bestAsk + index);
      }
    }
    const kept = Math.min(this.logged, maxLogEntries);
    for (let back = 1; back <= kept; back += 1) {
      const at = ((this.logged - back) % maxLogEntries) * logStride;
      if ((this.log[at] as number) <= since) break;
      const side = touched[this.log[at + 1] as BookSide];
      const hi = this.log[at + 3] as number;
      for (let ticks = this.log[at + 2] as number; ticks <= hi; ticks += 1) side.add(ticks);
    }
    const print = (side: BookSide): PrintedLevel[] => {
      const sorted = [...touched[side]].filter((ticks) => ticks > 0);
      sorted.sort((left, right) => (side === 0 ? right - left : left - right));
      return sorted.map((ticks) => [this.priceText(ticks), this.quantityText(this.available(side, ticks))]);
    };
    return { first: since + 1, last: this.updateId, previous: since, bids: print(0), asks: print(1) };
  }

  private logRange(id: number, side: BookSide, lo: number, hi: number): void {
    if (hi < lo) return;
    const at = (this.logged % maxLogEntries) * logStride;
    // The oldest range makes room: a cursor at or before its id no longer finds all its changes.
    if (this.logged >= maxLogEntries) this.logFloor = this.log[at] as number;
    this.log[at] = id;
    this.log[at + 1] = side;
    this.log[at + 2] = lo;
    this.log[at + 3] = hi;
    this.logged += 1;
  }
}
