/** The market data the emulator runs on: one tick per symbol and time, from a generator or a replay. */

/**
 * One market data point: a public trade at `lastPrice` (size `tradeQty`, which may be '0' for a price
 * update without a trade) with the mark price, index price and current funding rate at that moment. Prices
 * are decimal strings on the symbol's tick grid, `tradeQty` on its step grid, `fundingRate` has 8
 * decimals as Binance prints it ('0.00010000'). Structurally a superset of the core's `MarketUpdate`.
 */
export interface MarketTick {
  readonly symbol: string;
  /** Epoch ms of the market clock. */
  readonly time: number;
  readonly lastPrice: string;
  readonly markPrice: string;
  readonly indexPrice: string;
  readonly fundingRate: string;
  readonly tradeQty: string;
  /** Binance's `m`: true when the seller was the taker (the trade hit the bid). */
  readonly buyerIsMaker: boolean;
  /**
   * A replay's ticks: the time of its symbol's next tick (undefined at the end of the data). A tick whose next
   * one is due in the same clock move is a moment nobody can stop at.
   */
  readonly nextTickTime?: number;
}

/**
 * Anything that yields ticks in time order, in batches that share one time (a synthetic market yields one
 * tick per symbol per batch). Pull-based, so a driver decides when time has come for the next batch.
 */
export interface MarketSource {
  readonly symbols: readonly string[];
  /** True once the source has nothing more to give (a replay at the end of its file); a generator never ends. */
  readonly ended: boolean;
  /** Time of the next batch, or undefined once ended. */
  peekTime(): number | undefined;
  /** The next batch (all ticks at `peekTime()`), or an empty array once ended. */
  next(): MarketTick[];
}
