import type { AlgoOrderView, CoreEvent, FillView, OrderView, Sim } from '@bot/sim';

/**
 * The emulator's own record of a run, in the form the invariants need: its fills and orders, its clock
 * (market time ↔ wall time), and the settings events its core emitted (leverage, withdrawals), tapped
 * from `core.drainEvents()` as the emulator publishes them, so nothing depends on a socket being open.
 */

/** `BTC/USDC:USDC` (the bot's notation) → `BTCUSDC` (the exchange's). */
export function exchangeId(symbol: string): string {
  return (symbol.split(':')[0] ?? symbol).replace('/', '');
}

/** Decimal text → integer units of 1e-8 (Binance's precision), exactly. */
export function units(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const value = BigInt(whole || '0') * 100_000_000n + BigInt(`${fraction}00000000`.slice(0, 8));
  return negative ? -value : value;
}

export const fromUnits = (value: bigint): number => Number(value) / 1e8;

/** The client ids the exchange itself uses for forced closes: liquidations and ADL. */
export function isForcedCloseId(clientOrderId: string): boolean {
  return clientOrderId.startsWith('autoclose-') || clientOrderId.startsWith('adl_autoclose');
}

/** The website's orders (`sim.actAsUser`): the user's, not the bot's. */
export function isUserId(clientOrderId: string): boolean {
  return clientOrderId.startsWith('web_');
}

/** `bot` + 18 hex of sha256(intent id), then `-e<generation>`: an entry's client order id. */
export const ENTRY_ID = /^(bot[0-9a-f]{18})-e[A-Za-z0-9]+$/;

export interface LeverageChange {
  /** Position in the emulator's event order (shared with fills: `fillSeq`). */
  readonly seq: number;
  readonly time: number;
  readonly symbol: string;
  readonly leverage: number;
}

/** One stretch of a symbol's position from flat to flat, with every fill in it, whoever made them. */
export interface Episode {
  readonly symbol: string;
  readonly fills: FillView[];
  /** The order whose fill opened it. */
  readonly opener: OrderView | undefined;
  /** `entry`: a bot entry (`bot…-e…`); `user`: the website; `other`: anything else. */
  readonly openedBy: 'entry' | 'user' | 'other';
  readonly start: number;
  /** Market time of the fill that made it flat again (the latest time of its fills); undefined while open. */
  end: number | undefined;
  /**
   * Fills the emulator stamped earlier than the fill that opened the episode (a stop a late-processed tick
   * triggered): a client reading fills by time from the opening on does not see them.
   */
  readonly stampedBeforeStart: FillView[];
  /** Σ (realizedPnl − USDC commission) of its fills, in 1e-8 units. */
  net: bigint;
  /** Σ realizedPnl of its fills (price PnL, no fees), in 1e-8 units. */
  pricePnl: bigint;
}

export class ExchangeRecord {
  readonly leverageChanges: LeverageChange[] = [];
  /** Withdrawals (market time, amount): the equity they took is no PnL. */
  readonly withdrawals: { time: number; amount: number }[] = [];
  /** tradeId → position in the emulator's event order. */
  readonly fillSeq = new Map<number, number>();
  readonly initialLeverage = new Map<string, number>();
  readonly speed: number;
  #seq = 0;
  #offsetLow = Number.NEGATIVE_INFINITY;
  #offsetHigh = Number.POSITIVE_INFINITY;
  #restore: (() => void) | undefined;

  constructor(
    private readonly sim: Sim,
    private readonly accountId: string,
  ) {
    const speed = sim.clock.speed;
    if (speed === 'manual') throw new Error('the chaos suite needs a running market clock');
    this.speed = speed;
    for (const config of sim.core.symbolConfig(accountId))
      this.initialLeverage.set(config.symbol, config.leverage);
    this.sampleClock();
  }

  /** Records the emulator's events as its server publishes them (the core queues, `drainEvents` hands out). */
  tap(): void {
    const core = this.sim.core;
    const drain = core.drainEvents.bind(core);
    const tapped = (): CoreEvent[] => {
      const events = drain();
      for (const event of events) this.#onEvent(event);
      return events;
    };
    core.drainEvents = tapped;
    this.#restore = () => {
      if (core.drainEvents === tapped) core.drainEvents = drain;
    };
  }

  untap(): void {
    this.#restore?.();
  }

  #onEvent(event: CoreEvent): void {
    if (!('accountId' in event) || event.accountId !== this.accountId) return;
    this.#seq += 1;
    if (event.kind === 'order' && event.fill) this.fillSeq.set(event.fill.tradeId, this.#seq);
    else if (event.kind === 'leverage') {
      this.leverageChanges.push({
        seq: this.#seq,
        time: event.time,
        symbol: event.symbol,
        leverage: event.leverage,
      });
    } else if (event.kind === 'account' && event.reason === 'WITHDRAW' && event.balanceChange) {
      this.withdrawals.push({ time: event.time, amount: -Number(event.balanceChange) });
    }
  }

  /**
   * One (wall, market) pair of the emulator's clock: market = floor(anchor + (wall − anchorWall) × speed),
   * so every pair bounds the wall-time offset; a few dozen pairs pin it to well under a millisecond.
   */
  sampleClock(): void {
    const before = Date.now();
    const market = this.sim.marketTime();
    const after = Date.now();
    // The true wall time of the reading is in [before, after + 1).
    this.#offsetLow = Math.max(this.#offsetLow, before - (market + 1) / this.speed);
    this.#offsetHigh = Math.min(this.#offsetHigh, after + 1 - market / this.speed);
  }

  /** Wall ms of a market time (the emulator's clock is linear). */
  wallOf(market: number): number {
    const offset =
      this.#offsetHigh >= this.#offsetLow ? (this.#offsetLow + this.#offsetHigh) / 2 : this.#offsetLow;
    return offset + market / this.speed;
  }

  /** Market ms of a wall time. */
  marketOf(wall: number): number {
    return (wall - this.wallOf(0)) * this.speed;
  }

  /** The symbol's leverage just before the fill `tradeId` (the emulator's event order). */
  leverageAt(symbol: string, tradeId: number): number | undefined {
    const seq = this.fillSeq.get(tradeId) ?? Number.POSITIVE_INFINITY;
    let leverage = this.initialLeverage.get(symbol);
    for (const change of this.leverageChanges) {
      if (change.seq > seq) break;
      if (change.symbol === symbol) leverage = change.leverage;
    }
    return leverage;
  }

  /**
   * Every fill, in the order they happened (trade ids). Not by `time`: the emulator stamps an order sent
   * over REST with its clock but a fill that a tick triggered with the tick's time, which can be earlier.
   */
  fills(): FillView[] {
    return [...this.sim.core.fills(this.accountId)].sort((a, b) => a.tradeId - b.tradeId);
  }

  orders(): OrderView[] {
    return this.sim.core.allOrders(this.accountId);
  }

  algoOrders(): AlgoOrderView[] {
    return this.sim.core.allAlgoOrders(this.accountId);
  }
}

/**
 * Every symbol's positions from flat to flat, rebuilt from the fills alone (one-way mode). A fill that goes
 * through zero is split there, as the bot counts it (the runner's `ownFills`): its closing part, with all of
 * its realized PnL and its commission prorated, ends the episode; its opening part, commission prorated and
 * no realized PnL, starts the next. One exception, a decision: a bot entry that went through a position
 * the user opened after the bot decided (a race the bot cannot see before it sends) counts whole for the
 * bot's new trade — the bot's order realized that close, and the guard counts it; the user's earlier fills
 * stay the user's. When the bot had taken that position over by then (`ownedByBot`: adopted), the fill is
 * split at zero like any other: the adopted trade's close is the bot's, and the guard books it then.
 */
export function episodesOf(
  fills: readonly FillView[],
  orders: readonly OrderView[],
  ownedByBot: (episode: Episode) => boolean = () => false,
): Episode[] {
  const byId = new Map(orders.map((order) => [order.orderId, order]));
  const episodes: Episode[] = [];
  const open = new Map<string, { amount: bigint; episode: Episode }>();
  const start = (fill: FillView, amount: bigint) => {
    const opener = byId.get(fill.orderId);
    const id = opener?.clientOrderId ?? '';
    const episode: Episode = {
      symbol: fill.symbol,
      fills: [],
      opener,
      openedBy: ENTRY_ID.test(id) ? 'entry' : isUserId(id) ? 'user' : 'other',
      start: fill.time,
      end: undefined,
      net: 0n,
      pricePnl: 0n,
      stampedBeforeStart: [],
    };
    episodes.push(episode);
    open.set(fill.symbol, { amount, episode });
    return episode;
  };
  const add = (episode: Episode, fill: FillView) => {
    if (episode.fills.length > 0 && fill.time < episode.start) episode.stampedBeforeStart.push(fill);
    episode.fills.push(fill);
    episode.net += units(fill.realizedPnl) - (fill.commissionAsset === 'USDC' ? units(fill.commission) : 0n);
    episode.pricePnl += units(fill.realizedPnl);
  };
  const close = (episode: Episode) => {
    episode.end = Math.max(...episode.fills.map((entry) => entry.time));
    open.delete(episode.symbol);
  };
  for (const fill of fills) {
    const signed = (fill.side === 'BUY' ? 1n : -1n) * units(fill.qty);
    const current = open.get(fill.symbol);
    if (!current) {
      add(start(fill, signed), fill);
      continue;
    }
    const after = current.amount + signed;
    if (after === 0n) {
      add(current.episode, fill);
      close(current.episode);
    } else if (after > 0n !== current.amount > 0n) {
      // Through zero.
      const entry = ENTRY_ID.test(byId.get(fill.orderId)?.clientOrderId ?? '');
      if (entry && !ownedByBot({ ...current.episode, end: fill.time })) {
        close(current.episode);
        add(start(fill, after), fill);
      } else {
        const closing = current.amount < 0n ? -current.amount : current.amount;
        add(current.episode, { ...partOf(fill, closing), realizedPnl: fill.realizedPnl });
        close(current.episode);
        add(start(fill, after), { ...partOf(fill, units(fill.qty) - closing), realizedPnl: '0' });
      }
    } else {
      add(current.episode, fill);
      current.amount = after;
    }
  }
  return episodes;
}

/** `quantity` (1e-8 units) of a fill, its commission prorated as the runner prorates it (rounded down). */
function partOf(fill: FillView, quantity: bigint): FillView {
  return {
    ...fill,
    qty: decimalOf(quantity),
    commission: decimalOf((units(fill.commission) * quantity) / units(fill.qty)),
  };
}

/** 1e-8 units → decimal text. */
function decimalOf(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(9, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** Open positions (symbol → signed amount in 1e-8 units) just before the fill `tradeId`. */
export function positionsBefore(fills: readonly FillView[], tradeId: number): Map<string, bigint> {
  const amounts = new Map<string, bigint>();
  for (const fill of fills) {
    if (fill.tradeId === tradeId) break;
    const signed = (fill.side === 'BUY' ? 1n : -1n) * units(fill.qty);
    const after = (amounts.get(fill.symbol) ?? 0n) + signed;
    if (after === 0n) amounts.delete(fill.symbol);
    else amounts.set(fill.symbol, after);
  }
  return amounts;
}
