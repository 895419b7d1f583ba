/**
 * Binance has no OCO for futures: when a take-profit fills, the stop-loss stays (and vice versa), and a
 * leftover reduce-only order would act on the next position in that symbol. The supervisor watches the
 * domain events (from the REST pollers or a user-data stream) and, when a protective order fires or a
 * position goes flat, settles the symbol: if the position is flat, every remaining reduce-only order of the
 * symbol (conditional and regular) is canceled. A take-profit that fired while part of the position remains
 * (a limit take-profit that filled partly) leaves the stop-loss in place: it still protects the rest.
 */
import { toDecimal } from '@bot/symbols';
import type { ExchangeEvent } from './domain';
import { closingSide, isLiveConditionalOrder, isLiveOrder } from './domain';
import type { CancelResult, ExchangePort } from './exchange-port';
import type { RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

export interface SettleResult {
  readonly symbol: string;
  /** No position is open on the symbol. */
  readonly flat: boolean;
  /** The leftover protective orders canceled (only when flat). */
  readonly canceled: readonly CancelResult[];
  /** A position is open and no live stop-loss covers all of it: run reconcile now. */
  readonly needsReconcile: boolean;
}

/** Cancels every reduce-only order of `symbol` if its position is flat; reports missing protection if not. */
export async function settleExits(
  exchange: ExchangePort,
  symbol: string,
  rationale = 'position closed: canceling its remaining exit orders',
): Promise<SettleResult> {
  const [position] = await exchange.fetchPositions([symbol]);
  const open = await exchange.fetchOpenOrders(symbol);
  if (position) {
    const exitSide = closingSide(position.side);
    const covered = open.conditionalOrders.some(
      (order) =>
        isLiveConditionalOrder(order) &&
        order.purpose === 'stop-loss' &&
        order.side === exitSide &&
        (order.closePosition ||
          (order.reduceOnly &&
            order.quantity !== undefined &&
            toDecimal(order.quantity).gte(position.quantity))),
    );
    return { symbol, flat: false, canceled: [], needsReconcile: !covered };
  }
  const canceled: CancelResult[] = [];
  for (const order of open.conditionalOrders) {
    if (isLiveConditionalOrder(order) && (order.reduceOnly || order.closePosition)) {
      canceled.push(await exchange.cancelConditionalOrder({ symbol, id: order.id, rationale }));
    }
  }
  for (const order of open.orders) {
    if (isLiveOrder(order) && (order.reduceOnly || order.closePosition)) {
      canceled.push(await exchange.cancelOrder({ symbol, id: order.id, rationale }));
    }
  }
  return { symbol, flat: true, canceled, needsReconcile: false };
}

export interface ProtectionSupervisorOptions extends RuntimeOptions {
  /** Called with every settlement (e.g. to audit it, or to run reconcile when `needsReconcile`). */
  readonly onSettled?: ((result: SettleResult) => void) | undefined;
  readonly onError?: ((error: unknown, symbol: string) => void) | undefined;
}

export class ProtectionSupervisor {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #runtime;

  constructor(
    private readonly exchange: ExchangePort,
    private readonly options: ProtectionSupervisorOptions = {},
  ) {
    this.#runtime = resolveRuntime(options);
  }

  /** True when `event` may mean a position's exits need settling. */
  static isRelevant(event: ExchangeEvent): boolean {
    switch (event.type) {
      case 'conditional-order-updated':
        return (event.order.reduceOnly || event.order.closePosition) && !isLiveConditionalOrder(event.order);
      case 'order-updated':
        return (
          (event.order.reduceOnly || event.order.closePosition) &&
          (event.order.status === 'filled' || event.order.status === 'partially-filled')
        );
      case 'position-updated':
        return event.position === undefined;
      default:
        return false;
    }
  }

  /** Settles the event's symbol if the event calls for it (serialised per symbol); otherwise undefined. */
  handleEvent(event: ExchangeEvent): Promise<SettleResult | undefined> {
    if (!ProtectionSupervisor.isRelevant(event)) return Promise.resolve(undefined);
    if (event.type === 'position-updated') return this.settle(event.symbol);
    if (event.type === 'order-updated' || event.type === 'conditional-order-updated') {
      return this.settle(event.order.symbol);
    }
    return Promise.resolve(undefined);
  }

  settle(symbol: string): Promise<SettleResult | undefined> {
    const previous = this.#queues.get(symbol) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        try {
          const result = await settleExits(this.exchange, symbol);
          this.#runtime.log({
            level: result.needsReconcile ? 'warn' : 'info',
            event: 'exits-settled',
            message: result.flat
              ? `${symbol} flat: canceled ${result.canceled.length} leftover exit order(s)`
              : `${symbol} still open${result.needsReconcile ? ' and not fully covered by a stop-loss' : ''}`,
            symbol,
            canceled: result.canceled.map((entry) => entry.id),
            needsReconcile: result.needsReconcile,
          });
          this.options.onSettled?.(result);
          return result;
        } catch (error) {
          this.options.onError?.(error, symbol);
          this.#runtime.log({
            level: 'error',
            event: 'exits-settle-failed',
            message: `${symbol}: settling exits failed: ${error instanceof Error ? error.message : String(error)}`,
            symbol,
          });
          return undefined;
        }
      });
    this.#queues.set(symbol, next);
    void next.finally(() => {
      if (this.#queues.get(symbol) === next) this.#queues.delete(symbol);
    });
    return next;
  }
}
