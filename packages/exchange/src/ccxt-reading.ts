/** Reading through ccxt: orders, positions, balances, fills (with liquidation and ADL marked), mark price. */
import {
  parseBalances,
  parseConditionalOrder,
  parseFill,
  parseFundingPayment,
  parseMarkPrice,
  parseOrder,
  parsePosition,
} from './binance-payloads';
import type { AdapterContext, RawRecord } from './ccxt-adapter-context';
import { infoOf, isNotFound } from './ccxt-adapter-context';
import type {
  Balance,
  ConditionalOrder,
  ExchangeState,
  Fill,
  FundingPayment,
  OpenOrders,
  Order,
  Position,
} from './domain';
import type { FetchFillsOptions, OrderReference } from './exchange-port';
import { checkReference } from './order-checks';

/** Orders whose forced-close status is remembered, so each is looked up once. */
const forcedCloseMemory = 10_000;

/** One order of either book by id or client id, through the executor (a read: retried). */
export async function fetchByReference<T>(
  ctx: AdapterContext,
  operation: string,
  reference: OrderReference,
  fetchRaw: (operation: string) => Promise<T | undefined>,
): Promise<T | undefined> {
  checkReference(reference, operation);
  const { value } = await ctx.run({
    operation,
    kind: 'read',
    symbol: reference.symbol,
    clientOrderId: reference.clientOrderId,
    send: () => fetchRaw(operation),
  });
  return value;
}

export async function fetchOpenOrders(ctx: AdapterContext, symbol: string): Promise<OpenOrders> {
  await ctx.exchange.instrument(symbol);
  const [regular, conditional] = await Promise.all([
    ctx.run({
      operation: 'fetchOpenOrders',
      kind: 'read',
      symbol,
      send: async () =>
        (await ctx.client.fetchOpenOrders(symbol)).map((order) =>
          parseOrder(infoOf(order), 'fetchOpenOrders'),
        ),
    }),
    ctx.run({
      operation: 'fetchOpenConditionalOrders',
      kind: 'read',
      symbol,
      send: async () =>
        (await ctx.client.fetchOpenOrders(symbol, undefined, undefined, { trigger: true })).map((order) =>
          parseConditionalOrder(infoOf(order), 'fetchOpenConditionalOrders'),
        ),
    }),
  ]);
  return { orders: regular.value, conditionalOrders: conditional.value };
}

export async function fetchPositions(
  ctx: AdapterContext,
  symbols?: readonly string[],
): Promise<readonly Position[]> {
  const { value } = await ctx.run({
    operation: 'fetchPositions',
    kind: 'read',
    send: async () => {
      const rows = await ctx.client.fetchPositions(symbols === undefined ? undefined : [...symbols]);
      return rows
        .map((row) => parsePosition(infoOf(row), 'fetchPositions'))
        .filter((position): position is Position => position !== undefined);
    },
  });
  return symbols === undefined ? value : value.filter((position) => symbols.includes(position.symbol));
}

export async function fetchBalances(ctx: AdapterContext): Promise<readonly Balance[]> {
  const { value } = await ctx.run({
    operation: 'fetchBalances',
    kind: 'read',
    send: async () => parseBalances(infoOf(await ctx.client.fetchBalance()), 'fetchBalances'),
  });
  return value;
}

export async function fetchFills(
  ctx: AdapterContext,
  symbol: string,
  options: FetchFillsOptions = {},
): Promise<readonly Fill[]> {
  await ctx.exchange.instrument(symbol);
  const { since } = options;
  const { value } = await ctx.run({
    operation: 'fetchFills',
    kind: 'read',
    symbol,
    send: async () =>
      (await ctx.client.fetchMyTrades(symbol, since, options.limit))
        .map((trade) => parseFill(infoOf(trade), 'fetchFills'))
        .filter((fill) => since === undefined || fill.time >= since),
  });
  return options.includeClosedBy === true ? withClosedBy(ctx, symbol, value) : value;
}

export async function fetchFundingPayments(
  ctx: AdapterContext,
  symbol: string,
  options: { readonly since?: number | undefined; readonly until?: number | undefined } = {},
): Promise<readonly FundingPayment[]> {
  await ctx.exchange.instrument(symbol);
  // startTime and endTime go to the exchange (ccxt's `since` and `until`), which keeps to them.
  const { since, until } = options;
  const { value } = await ctx.run({
    operation: 'fetchFundingPayments',
    kind: 'read',
    symbol,
    send: async () =>
      (await ctx.client.fetchFundingHistory(symbol, since, 1000, until === undefined ? {} : { until }))
        .map((entry) => parseFundingPayment(infoOf(entry), 'fetchFundingPayments'))
        .sort((a, b) => a.time - b.time),
  });
  return value;
}

/**
 * Marks fills of liquidation and ADL orders. Binance's trade rows carry no client id, so each order is
 * looked up once by its id; the orders this adapter placed are known already.
 */
export async function withClosedBy(
  ctx: AdapterContext,
  symbol: string,
  fills: readonly Fill[],
): Promise<readonly Fill[]> {
  const unknownOrders = new Set(
    fills.map((fill) => fill.orderId).filter((id) => !ctx.forcedCloses.has(`${symbol}|${id}`)),
  );
  for (const id of unknownOrders) {
    const order = await ctx.exchange.fetchOrder({ symbol, id });
    if (order !== undefined) rememberForcedClose(ctx, order);
  }
  return fills.map((fill) => {
    const closedBy = ctx.forcedCloses.get(`${symbol}|${fill.orderId}`);
    return closedBy ? { ...fill, closedBy } : fill;
  });
}

export function rememberForcedClose(ctx: AdapterContext, order: Order): void {
  ctx.forcedCloses.set(`${order.symbol}|${order.id}`, order.closedBy ?? null);
  if (ctx.forcedCloses.size > forcedCloseMemory) {
    ctx.forcedCloses.delete(ctx.forcedCloses.keys().next().value as string);
  }
}

export async function fetchMarkPrice(ctx: AdapterContext, symbol: string): Promise<string> {
  await ctx.exchange.instrument(symbol);
  const { value } = await ctx.run({
    operation: 'fetchMarkPrice',
    kind: 'read',
    symbol,
    send: async () => parseMarkPrice(infoOf(await ctx.client.fetchMarkPrice(symbol)), 'fetchMarkPrice'),
  });
  return value;
}

export async function fetchExchangeState(
  ctx: AdapterContext,
  symbols: readonly string[],
): Promise<ExchangeState> {
  const positions = await ctx.exchange.fetchPositions();
  const all = [...new Set([...symbols, ...positions.map((position) => position.symbol)])];
  const open = await Promise.all(all.map((symbol) => ctx.exchange.fetchOpenOrders(symbol)));
  return {
    positions,
    orders: open.flatMap((entry) => entry.orders),
    conditionalOrders: open.flatMap((entry) => entry.conditionalOrders),
  };
}

/** A raw (not retried) fetch by id or client id; undefined when the exchange says it does not exist. */
export async function fetchOrderRaw(
  ctx: AdapterContext,
  reference: OrderReference,
  operation: string,
): Promise<Order | undefined> {
  try {
    const params: RawRecord = reference.clientOrderId ? { origClientOrderId: reference.clientOrderId } : {};
    return parseOrder(
      infoOf(await ctx.client.fetchOrder(reference.id as string, reference.symbol, params)),
      operation,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function fetchConditionalOrderRaw(
  ctx: AdapterContext,
  reference: OrderReference,
  operation: string,
): Promise<ConditionalOrder | undefined> {
  try {
    const params: RawRecord = {
      trigger: true,
      ...(reference.clientOrderId ? { clientAlgoId: reference.clientOrderId } : {}),
    };
    return parseConditionalOrder(
      infoOf(await ctx.client.fetchOrder(reference.id as string, reference.symbol, params)),
      operation,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
