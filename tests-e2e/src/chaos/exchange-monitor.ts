import type { AlgoOrderView, PositionView, Sim } from '@bot/sim';

/** A stretch of wall-clock time during which a position had no covering stop-loss on the exchange. */
export interface UnprotectedSpan {
  readonly symbol: string;
  readonly start: number;
  end: number;
  /** Still open when the run ended. */
  openAtEnd: boolean;
}

/**
 * A covering stop: an open algo order of a STOP type (STOP_MARKET or STOP), reduce-only or closePosition,
 * on the side that closes the position, for at least its size (a stop for less leaves the rest bare).
 */
export function coversPosition(order: AlgoOrderView, position: PositionView): boolean {
  const amount = Number(position.positionAmt);
  const closingSide = amount > 0 ? 'SELL' : 'BUY';
  return (
    (order.orderType === 'STOP_MARKET' || order.orderType === 'STOP') &&
    order.symbol === position.symbol &&
    order.side === closingSide &&
    (order.reduceOnly || order.closePosition) &&
    (order.closePosition || Number(order.quantity) >= Math.abs(amount))
  );
}

export function openPositions(sim: Sim, accountId: string): PositionView[] {
  return sim.core.positions(accountId).filter((position) => Number(position.positionAmt) !== 0);
}

export function unprotectedPositions(sim: Sim, accountId: string): PositionView[] {
  const algos = sim.core.openAlgoOrders(accountId);
  return openPositions(sim, accountId).filter(
    (position) => !algos.some((order) => coversPosition(order, position)),
  );
}

/**
 * Samples the emulator (the exchange, not the bot) every `intervalMs`: how long each position went without a
 * covering stop, the most positions open at once, and new entry orders (to aim kills right after one).
 */
export class ExchangeMonitor {
  readonly spans: UnprotectedSpan[] = [];
  maxOpenPositions = 0;
  maxOpenAt: { readonly time: number; readonly symbols: readonly string[] } | undefined;
  samples = 0;
  readonly #open = new Map<string, UnprotectedSpan>();
  readonly #entryListeners = new Set<() => void>();
  /** Called at every sample (the clock pairs, the fault schedule's bookkeeping). */
  readonly onSample = new Set<() => void>();
  #timer: NodeJS.Timeout | undefined;
  #entryOrders = 0;

  constructor(
    private readonly sim: Sim,
    private readonly accountId: string,
    private readonly intervalMs = 50,
  ) {}

  start(): void {
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
    const now = Date.now();
    for (const span of this.#open.values()) {
      span.end = now;
      span.openAtEnd = true;
    }
    this.#open.clear();
  }

  /** Calls `listener` once, at the next new entry (non-reduce-only) order the exchange acknowledges. */
  onceEntry(listener: () => void): () => void {
    const wrapped = () => {
      this.#entryListeners.delete(wrapped);
      listener();
    };
    this.#entryListeners.add(wrapped);
    return () => this.#entryListeners.delete(wrapped);
  }

  sample(): void {
    for (const listener of this.onSample) listener();
    const now = Date.now();
    this.samples += 1;
    const positions = openPositions(this.sim, this.accountId);
    if (positions.length > this.maxOpenPositions) {
      this.maxOpenPositions = positions.length;
      this.maxOpenAt = { time: now, symbols: positions.map((position) => position.symbol) };
    }
    const algos = this.sim.core.openAlgoOrders(this.accountId);
    const bare = new Set(
      positions
        .filter((position) => !algos.some((order) => coversPosition(order, position)))
        .map((position) => position.symbol),
    );
    for (const symbol of bare) {
      const span = this.#open.get(symbol);
      if (span) span.end = now;
      else {
        const opened: UnprotectedSpan = { symbol, start: now, end: now, openAtEnd: false };
        this.#open.set(symbol, opened);
        this.spans.push(opened);
      }
    }
    for (const [symbol, span] of this.#open) {
      if (!bare.has(symbol)) {
        span.end = now;
        this.#open.delete(symbol);
      }
    }
    const entries = this.sim.core
      .allOrders(this.accountId)
      .filter(
        (order) => !order.reduceOnly && !order.closePosition && order.clientOrderId.startsWith('bot'),
      ).length;
    if (entries > this.#entryOrders) {
      this.#entryOrders = entries;
      for (const listener of [...this.#entryListeners]) listener();
    }
  }
}
