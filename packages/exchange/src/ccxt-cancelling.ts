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

export async function cancelOrder(ctx: AdapterContext, request: CancelRequest): Promise<CancelResult> {
  const operation = 'cancelOrder';
  const { symbol, rationale } = request;
  checkReference(request, operation);
  const params: RawRecord = request.clientOrderId ? { origClientOrderId: request.clientOrderId } : {};
  const toResult = (order: Order): CancelResult => ({
    symbol,
    id: order.id,
    clientOrderId: order.clientOrderId,
    status: order.status,
    rationale,
  });
  try {
    const { value } = await ctx.run({
      operation,
      kind: 'order-write',
      symbol,
      clientOrderId: request.clientOrderId,
      rationale,
      params: { id: request.id, clientOrderId: request.clientOrderId },
      send: async () =>
        toResult(
          parseOrder(infoOf(await ctx.client.cancelOrder(request.id as string, symbol, params)), operation),
        ),
      lookup: async () => {
        const order = await fetchOrderRaw(ctx, request, `${operation}:lookup`);
        return order === undefined || isLiveOrder(order) ? undefined : toResult(order);
      },
    });
    return value;
  } catch (error) {
    if (!(error instanceof OrderNotFoundError)) throw error;
    const order = await ctx.exchange.fetchOrder(request);
    return order
      ? toResult(order)
      : { symbol, id: request.id, clientOrderId: request.clientOrderId, status: 'not-found', rationale };
  }
}

export async function cancelConditionalOrder(
  ctx: AdapterContext,
  request: CancelRequest,
): Promise<CancelResult> {
  const operation = 'cancelConditionalOrder';
  const { symbol, rationale } = request;
  checkReference(request, operation);
  const params: RawRecord = {
    trigger: true,
    ...(request.clientOrderId ? { clientAlgoId: request.clientOrderId } : {}),
  };
  const toResult = (order: ConditionalOrder): CancelResult => ({
    symbol,
    id: order.id,
    clientOrderId: order.clientOrderId,
    status: order.status,
    rationale,
  });
  try {
    const { value } = await ctx.run({
      operation,
      kind: 'order-write',
      symbol,
      clientOrderId: request.clientOrderId,
      rationale,
      params: { id: request.id, clientOrderId: request.clientOrderId, trigger: true },
      send: async (): Promise<CancelResult> => {
        const canceled = parseConditionalCancel(
          infoOf(await ctx.client.cancelOrder(request.id as string, symbol, params)),
          operation,
        );
        return { symbol, ...canceled, status: 'canceled', rationale };
      },
      lookup: async () => {
        const order = await fetchConditionalOrderRaw(ctx, request, `${operation}:lookup`);
        return order === undefined || isLiveConditionalOrder(order) ? undefined : toResult(order);
      },
    });
    return value;
  } catch (error) {
    if (!(error instanceof OrderNotFoundError)) throw error;
    const order = await ctx.exchange.fetchConditionalOrder(request);
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
