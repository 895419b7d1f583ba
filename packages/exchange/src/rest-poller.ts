/**
 * REST pollers for orders (both books), positions, balances and fills, emitting the same domain events a
 * user-data stream carries: the bot's fallback while the WebSocket is degraded. Each round diffs the
 * exchange's answers with the previous round's; an order that left the open list is read once more so its
 * final state (filled, canceled, fired) is reported. Fills are de-duplicated by trade id.
 *
 * Weight per round: 5 (positions) + 5 (account) + 7 per symbol (open orders 1, open algo orders 1, trades 5).
 */
import type { ConditionalOrder, ExchangeEvent, Order, Position, Balance } from './domain';
import type { ExchangePort } from './exchange-port';
import type { RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

export interface RestPollerOptions extends RuntimeOptions {
  readonly exchange: ExchangePort;
  readonly symbols: readonly string[];
  readonly onEvent: (event: ExchangeEvent) => void;
  /** Pause between rounds when started (default 5 000 ms). */
  readonly intervalMs?: number | undefined;
  /** Trades read per symbol and round (default 50). */
  readonly fillsLimit?: number | undefined;
  /** Emit the fills already on the exchange at the first round (default false: they are the baseline). */
  readonly emitExistingFills?: boolean | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

const seenFillsKept = 2_000;

export class RestPoller {
  readonly #options: RestPollerOptions;
  readonly #runtime;
  readonly #orders = new Map<string, Order>();
  readonly #conditional = new Map<string, ConditionalOrder>();
  readonly #positions = new Map<string, Position>();
  readonly #balances = new Map<string, Balance>();
  readonly #seenFills = new Map<string, Set<string>>();
  #rounds = 0;
  #running: Promise<void> | undefined;
  #stop: (() => void) | undefined;

  constructor(options: RestPollerOptions) {
    this.#options = options;
    this.#runtime = resolveRuntime(options);
  }

  get rounds(): number {
    return this.#rounds;
  }

  /** One round: reads everything, emits and returns the events (in order: orders, fills, positions, balances). */
  async poll(): Promise<ExchangeEvent[]> {
    const { exchange, symbols } = this.#options;
    const events: ExchangeEvent[] = [];
    const first = this.#rounds === 0;
    for (const symbol of symbols) {
      const open = await exchange.fetchOpenOrders(symbol);
      await this.#diffOrders(symbol, open.orders, events);
      await this.#diffConditional(symbol, open.conditionalOrders, events);
      const fills = await exchange.fetchFills(symbol, { limit: this.#options.fillsLimit ?? 50 });
      const seen = this.#seenFills.get(symbol) ?? new Set<string>();
      const fresh = fills
        .filter((fill) => !seen.has(fill.id))
        .sort((left, right) => left.time - right.time || Number(left.id) - Number(right.id));
      for (const fill of fresh) {
        seen.add(fill.id);
        if (!first || this.#options.emitExistingFills) events.push({ type: 'fill', fill, source: 'rest' });
      }
      while (seen.size > seenFillsKept) seen.delete(seen.values().next().value as string);
      this.#seenFills.set(symbol, seen);
    }
    const positions = await exchange.fetchPositions(symbols);
    const current = new Map(positions.map((position) => [position.symbol, position]));
    for (const [symbol, position] of current) {
      const previous = this.#positions.get(symbol);
      if (
        !previous ||
        previous.side !== position.side ||
        previous.quantity !== position.quantity ||
        previous.entryPrice !== position.entryPrice ||
        previous.marginMode !== position.marginMode
      ) {
        events.push({ type: 'position-updated', symbol, position, source: 'rest' });
      }
    }
    for (const symbol of this.#positions.keys()) {
      if (!current.has(symbol))
        events.push({ type: 'position-updated', symbol, position: undefined, source: 'rest' });
    }
    this.#positions.clear();
    for (const [symbol, position] of current) this.#positions.set(symbol, position);

    for (const balance of await exchange.fetchBalances()) {
      const previous = this.#balances.get(balance.asset);
      // Like the stream's ACCOUNT_UPDATE: only when the wallet changes (fills, fees, funding), not on
      // every order placed or every mark price move.
      if (!previous || previous.walletBalance !== balance.walletBalance) {
        events.push({ type: 'balance-updated', balance, source: 'rest' });
      }
      this.#balances.set(balance.asset, balance);
    }
    this.#rounds += 1;
    for (const event of events) this.#options.onEvent(event);
    return events;
  }

  async #diffOrders(symbol: string, open: readonly Order[], events: ExchangeEvent[]): Promise<void> {
    const keys = new Set<string>();
    for (const order of open) {
      const key = `${symbol}|${order.id}`;
      keys.add(key);
      const previous = this.#orders.get(key);
      if (
        !previous ||
        previous.status !== order.status ||
        previous.filledQuantity !== order.filledQuantity ||
        previous.updatedAt !== order.updatedAt
      ) {
        events.push({ type: 'order-updated', order, source: 'rest' });
      }
      this.#orders.set(key, order);
    }
    for (const [key, previous] of this.#orders) {
      if (!key.startsWith(`${symbol}|`) || keys.has(key)) continue;
      this.#orders.delete(key);
      const final = await this.#options.exchange.fetchOrder({ symbol, id: previous.id });
      if (final) events.push({ type: 'order-updated', order: final, source: 'rest' });
    }
  }

  async #diffConditional(
    symbol: string,
    open: readonly ConditionalOrder[],
    events: ExchangeEvent[],
  ): Promise<void> {
    const keys = new Set<string>();
    for (const order of open) {
      const key = `${symbol}|${order.id}`;
      keys.add(key);
      const previous = this.#conditional.get(key);
      if (!previous || previous.status !== order.status || previous.updatedAt !== order.updatedAt) {
        events.push({ type: 'conditional-order-updated', order, source: 'rest' });
      }
      this.#conditional.set(key, order);
    }
    for (const [key, previous] of this.#conditional) {
      if (!key.startsWith(`${symbol}|`) || keys.has(key)) continue;
      this.#conditional.delete(key);
      const final = await this.#options.exchange.fetchConditionalOrder({ symbol, id: previous.id });
      if (final) events.push({ type: 'conditional-order-updated', order: final, source: 'rest' });
    }
  }

  /** Polls every `intervalMs` until `stop()`; a failed round is reported to `onError` and retried next time. */
  start(): void {
    if (this.#running) return;
    let stopped = false;
    const stopSignal = new Promise<void>((resolve) => {
      this.#stop = () => {
        stopped = true;
        resolve();
      };
    });
    this.#running = (async () => {
      while (!stopped) {
        try {
          await this.poll();
        } catch (error) {
          this.#options.onError?.(error);
          this.#runtime.log({
            level: 'warn',
            event: 'rest-poll-failed',
            message: `REST poll failed: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
        if (stopped) break;
        await Promise.race([this.#runtime.sleep(this.#options.intervalMs ?? 5_000), stopSignal]);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop?.();
    const running = this.#running;
    this.#running = undefined;
    this.#stop = undefined;
    await running;
  }
}
