/** Cancelling orders through ccxt: one regular or conditional order, or all of a symbol's. */
import { parseConditionalCancel, parseOrder } from './binance-payloads';
import type { AdapterContext, RawRecord } from './ccxt-adapter-context';
import { infoOf } from './ccxt-adapter-context';
import { fetchConditionalOrderRaw, fetchOrderRaw } from './ccxt-reading';
import type { ConditionalOrder, Order } from './domain';
import { isLiveConditionalOrder, isLiveOrder } from './domain';
import { OrderNotFoundError } from './errors';
import type { CancelAllResult, CancelRequest, CancelResult } from './exchange-port';
import { checkReference } from './order-checks';

export function cancelOrder(ctx: AdapterContext, request: CancelRequest): Promise<CancelResult> {
  const operation = 'cancelOrder';
  const params: RawRecord = request.clientOrderId ? { origClientOrderId: request.clientOrderId } : {};
  return cancelOne(ctx, request, {
    operation,
    logged: {},
    send: async () =>
      parseOrder(
        infoOf(await ctx.client.cancelOrder(request.id as string, request.symbol, params)),
        operation,
      ),
    lookup: async () => {
      const order = await fetchOrderRaw(ctx, request, `${operation}:lookup`);
      return order === undefined || isLiveOrder(order) ? undefined : order;
    },
    fetch: () => ctx.exchange.fetchOrder(request),
  });
}

export function cancelConditionalOrder(ctx: AdapterContext, request: CancelRequest): Promise<CancelResult> {
  const operation = 'cancelConditionalOrder';
  const params: RawRecord = {
    trigger: true,
    ...(request.clientOrderId ? { clientAlgoId: request.clientOrderId } : {}),
  };
  return cancelOne(ctx, request, {
    operation,
    logged: { trigger: true },
    send: async () => ({
      ...parseConditionalCancel(
        infoOf(await ctx.client.cancelOrder(request.id as string, request.symbol, params)),
        operation,
      ),
      status: 'canceled',
    }),
    lookup: async () => {
      const order = await fetchConditionalOrderRaw(ctx, request, `${operation}:lookup`);
      return order === undefined || isLiveConditionalOrder(order) ? undefined : order;
    },
    fetch: () => ctx.exchange.fetchConditionalOrder(request),
  });
}

/** What a cancel's result is made of: the order as the exchange now has it. */
type CancelledOrder = Pick<Order | ConditionalOrder, 'id' | 'clientOrderId' | 'status'>;

/**
 * One cancel of either book: sent as an order write (an unknown outcome is settled by `lookup`: the order
 * no longer live), and an "order not found" answered by reading the order (filled or already canceled) or,
 * when it is nowhere, `not-found`.
 */
async function cancelOne(
  ctx: AdapterContext,
  request: CancelRequest,
  how: {
    readonly operation: string;
    /** Extra fields of the logged request. */
    readonly logged: RawRecord;
    readonly send: () => Promise<CancelledOrder>;
    readonly lookup: () => Promise<CancelledOrder | undefined>;
    readonly fetch: () => Promise<CancelledOrder | undefined>;
  },
): Promise<CancelResult> {
  const { symbol, rationale } = request;
  checkReference(request, how.operation);
  const toResult = (order: CancelledOrder): CancelResult => ({
    symbol,
    id: order.id,
    clientOrderId: order.clientOrderId,
    status: order.status,
    rationale,
  });
  try {
    const { value } = await ctx.run({
      operation: how.operation,
      kind: 'order-write',
      symbol,
      clientOrderId: request.clientOrderId,
      rationale,
      params: { id: request.id, clientOrderId: request.clientOrderId, ...how.logged },
      send: async () => toResult(await how.send()),
      lookup: async () => {
        const order = await how.lookup();
        return order === undefined ? undefined : toResult(order);
      },
    });
    return value;
  } catch (error) {
    if (!(error instanceof OrderNotFoundError)) throw error;
    const order = await how.fetch();
    return order
      ? toResult(order)
      : { symbol, id: request.id, clientOrderId: request.clientOrderId, status: 'not-found', rationale };
  }
}

export async function cancelAllOrders(
  ctx: AdapterContext,
  request: { readonly symbol: string; readonly rationale?: string | undefined },
) {
  const { symbol, rationale } = request;
  await ctx.exchange.instrument(symbol);
  // Counted first for the result; both cancel-alls are sent regardless, so an order placed meanwhile goes too.
  const open = await ctx.exchange.fetchOpenOrders(symbol);
  await ctx.run({
    operation: 'cancelAllOrders',
    kind: 'idempotent-write',
    symbol,
    rationale,
    send: () => ctx.client.cancelAllOrders(symbol),
  });
  await ctx.run({
    operation: 'cancelAllConditionalOrders',
    kind: 'idempotent-write',
    symbol,
    rationale,
    send: () => ctx.client.cancelAllOrders(symbol, { trigger: true }),
  });
  const result: CancelAllResult = {
    symbol,
    canceledOrders: open.orders.length,
    canceledConditionalOrders: open.conditionalOrders.length,
    rationale,
  };
  return result;
}
