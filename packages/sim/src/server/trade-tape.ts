/**
 * A symbol's last public trades (`GET /fapi/v1/aggTrades`), kept as numbers in a ring rather than as an
 * object and two strings per trade: the tape holds thousands of trades, so each one outlived the young
 * generation and every tick's trade was copied into the old one (about a third of a replay's tick loop).
 * The trades are built as objects only when read.
 */
import type { PublicTrade } from './route-basics';

/** Plain decimals of at most this many significant digits come back from a double as they went in. */
const ROUND_TRIP_DIGITS = 15;

/**
 * The fraction digits of a plain decimal (`42000.1` → 1) that `Number(text).toFixed(digits)` gives back as
 * it is; -1 for any other text (kept as a string instead).
 */
export function roundTripDigits(text: string): number {
  let significant = 0;
  let fraction = -1;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 46 /* . */) {
      if (fraction >= 0 || index === 0 || index === text.length - 1) return -1;
      fraction = 0;
    } else if (code >= 48 && code <= 57) {
      // A leading zero before another integer digit would not come back (`007`).
      if (code === 48 && index === 0 && text.length > 1 && text.charCodeAt(1) !== 46) return -1;
      if (significant > 0 || code !== 48) significant += 1;
      if (fraction >= 0) fraction += 1;
    } else return -1;
  }
  if (text.length === 0 || significant > ROUND_TRIP_DIGITS) return -1;
  return fraction < 0 ? 0 : fraction;
}

export class TradeTape {
  readonly #capacity: number;
  readonly #ids: Float64Array;
  readonly #times: Float64Array;
  readonly #prices: Float64Array;
  readonly #quantities: Float64Array;
  /** Fraction digits of price and quantity; -1: the text is in `#texts`. */
  readonly #priceDigits: Int8Array;
  readonly #quantityDigits: Int8Array;
  readonly #buyerIsMaker: Uint8Array;
  /** The rare texts that do not round-trip through a double, by slot. */
  readonly #texts = new Map<number, { p?: string; q?: string }>();
  /** Trades ever added: the next one goes to slot `#added % capacity`. */
  #added = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#ids = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
    this.#prices = new Float64Array(capacity);
    this.#quantities = new Float64Array(capacity);
    this.#priceDigits = new Int8Array(capacity);
    this.#quantityDigits = new Int8Array(capacity);
    this.#buyerIsMaker = new Uint8Array(capacity);
  }

  add(id: number, price: string, quantity: string, time: number, buyerIsMaker: boolean): void {
    const slot = this.#added % this.#capacity;
    this.#added += 1;
    this.#ids[slot] = id;
    this.#times[slot] = time;
    this.#buyerIsMaker[slot] = buyerIsMaker ? 1 : 0;
    const priceDigits = roundTripDigits(price);
    const quantityDigits = roundTripDigits(quantity);
    this.#priceDigits[slot] = priceDigits;
    this.#quantityDigits[slot] = quantityDigits;
    this.#prices[slot] = priceDigits < 0 ? 0 : Number(price);
    this.#quantities[slot] = quantityDigits < 0 ? 0 : Number(quantity);
    if (priceDigits < 0 || quantityDigits < 0) {
      this.#texts.set(slot, {
        ...(priceDigits < 0 ? { p: price } : {}),
        ...(quantityDigits < 0 ? { q: quantity } : {}),
      });
    } else if (this.#texts.size > 0) this.#texts.delete(slot);
  }

  /** The kept trades, oldest first. */
  trades(): PublicTrade[] {
    const count = Math.min(this.#added, this.#capacity);
    const trades: PublicTrade[] = [];
    for (let index = this.#added - count; index < this.#added; index += 1) {
      const slot = index % this.#capacity;
      const id = this.#ids[slot] as number;
      const priceDigits = this.#priceDigits[slot] as number;
      const quantityDigits = this.#quantityDigits[slot] as number;
      const texts = priceDigits < 0 || quantityDigits < 0 ? this.#texts.get(slot) : undefined;
      trades.push({
        a: id,
        p: priceDigits < 0 ? (texts?.p as string) : (this.#prices[slot] as number).toFixed(priceDigits),
        q:
          quantityDigits < 0
            ? (texts?.q as string)
            : (this.#quantities[slot] as number).toFixed(quantityDigits),
        f: id,
        l: id,
        T: this.#times[slot] as number,
        m: this.#buyerIsMaker[slot] === 1,
      });
    }
    return trades;
  }
}
