/** Placing orders through ccxt: entries, the protective stop-loss and take-profit (Algo Order API), and closes. */
import type { OrderType } from '@bot/symbols';
import { roundPriceToTick, toDecimal } from '@bot/symbols';
import { parseConditionalOrder, parseOrder } from './binance-payloads';
import type { AdapterContext, RawRecord } from './ccxt-adapter-context';
import { clientOrderIdFor, infoOf } from './ccxt-adapter-context';
import { fetchConditionalOrderRaw, fetchOrderRaw, rememberForcedClose } from './ccxt-reading';
import { randomClientOrderId } from './client-order-ids';
import type { DecimalText, Order, TakeProfitStyle } from './domain';
import { closingSide } from './domain';
import { InvalidRequestError, RequestRejectedError } from './errors';
import type {
  ClosePositionRequest,
  ClosePositionResult,
  ConditionalOrderResult,
  CreateOrderRequest,
  OrderResult,
  ProtectiveOrderRequest,
} from './exchange-port';
import {
  checkOrderFilters,
  gridCodes,
  isPositive,
  orderViolations,
  quantityOnGrid,
  rounded,
  splitQuantity,
  throwViolations,
} from './order-checks';

export async function createOrder(ctx: AdapterContext, request: CreateOrderRequest): Promise<OrderResult> {
  const operation = 'createOrder';
  const { symbol, side, type, rationale } = request;
  const instrument = ctx.loadedInstrument(symbol) ?? (await ctx.exchange.instrument(symbol));
  if (type === 'limit' && request.price === undefined) {
    throw new InvalidRequestError(`${operation}: a limit order needs a price`, { operation, symbol });
  }
  if (type === 'market' && (request.price !== undefined || request.timeInForce !== undefined)) {
    throw new InvalidRequestError(`${operation}: a market order takes no price or timeInForce`, {
      operation,
      symbol,
    });
  }
  const reduceOnly = request.reduceOnly === true;
  // Values already on the instrument's grid go as given (checked once); others are rounded, then checked.
  let quantity = String(request.quantity);
  let price = type === 'limit' ? String(request.price) : undefined;
  let violations = orderViolations(instrument, { type, quantity, price, reduceOnly }, operation);
  if (violations.some((violation) => gridCodes.has(violation.code)) || !isPositive(quantity)) {
    quantity = quantityOnGrid(instrument, request.quantity, type, operation, symbol);
    if (price !== undefined) {
      const input = price;
      price = rounded(
        () => roundPriceToTick(input, instrument, side === 'buy' ? 'down' : 'up'),
        'price',
        input,
        operation,
        symbol,
      );
    }
    violations = orderViolations(instrument, { type, quantity, price, reduceOnly }, operation);
  }
  throwViolations(violations, operation, symbol);
  const clientOrderId = clientOrderIdFor(ctx, request.clientOrderId, operation);
  const params: RawRecord = {
    clientOrderId,
    ...(request.reduceOnly ? { reduceOnly: true } : {}),
    ...(type === 'limit' ? { timeInForce: request.timeInForce ?? 'GTC' } : {}),
  };
  const { value, confirmedBy } = await ctx.run({
    operation,
    kind: 'order-write',
    symbol,
    clientOrderId,
    opensPosition: !reduceOnly,
    onOutcomeUnknown: request.onOutcomeUnknown,
    rationale,
    params: { type, side, quantity, price, ...params },
    sendAfter: request.sendAfter,
    send: async () =>
      parseOrder(
        infoOf(
          await ctx.client.createOrder(
            symbol,
            type,
            side,
            Number(quantity),
            price === undefined ? undefined : Number(price),
            params,
          ),
        ),
        operation,
      ),
    lookup: () => fetchOrderRaw(ctx, { symbol, clientOrderId }, `${operation}:lookup`),
  });
  rememberForcedClose(ctx, value);
  return { order: value, rationale, confirmedBy };
}

export async function createProtectiveOrder(
  ctx: AdapterContext,
  operation: string,
  request: ProtectiveOrderRequest,
  purpose: 'stop-loss' | 'take-profit',
  style: TakeProfitStyle,
  limitPriceInput?: DecimalText,
): Promise<ConditionalOrderResult> {
  const { symbol, positionSide, rationale } = request;
  if (positionSide !== 'long' && positionSide !== 'short') {
    throw new InvalidRequestError(`${operation}: positionSide must be long or short`, {
      operation,
      symbol,
    });
  }
  const closePosition = request.closePosition === true;
  if (closePosition === (request.quantity !== undefined)) {
    throw new InvalidRequestError(`${operation}: give either a quantity or closePosition: true`, {
      operation,
      symbol,
      rationale,
    });
  }
  if (closePosition && style === 'limit') {
    throw new InvalidRequestError(
      `${operation}: closePosition works only with market-style orders (STOP_MARKET/TAKE_PROFIT_MARKET)`,
      { operation, symbol, rationale },
    );
  }
  const instrument = await ctx.exchange.instrument(symbol);
  const side = closingSide(positionSide);
  // Round so the order acts no later than asked: a long's stop rounds up, its take-profit down.
  const towardsMarket = (positionSide === 'long') === (purpose === 'stop-loss') ? 'up' : 'down';
  const triggerPrice = rounded(
    () => roundPriceToTick(request.triggerPrice, instrument, towardsMarket),
    'triggerPrice',
    request.triggerPrice,
    operation,
    symbol,
  );
  if (!isPositive(triggerPrice)) {
    throw new InvalidRequestError(`${operation}: trigger price must be above zero`, { operation, symbol });
  }
  const exchangeType =
    purpose === 'stop-loss' ? 'STOP_MARKET' : style === 'limit' ? 'TAKE_PROFIT' : 'TAKE_PROFIT_MARKET';
  const childType: OrderType = exchangeType === 'TAKE_PROFIT' ? 'limit' : 'market';
  const limitPrice =
    exchangeType === 'TAKE_PROFIT'
      ? rounded(
          () =>
            roundPriceToTick(limitPriceInput ?? triggerPrice, instrument, side === 'sell' ? 'down' : 'up'),
          'limitPrice',
          limitPriceInput,
          operation,
          symbol,
        )
      : undefined;
  let quantity: string | undefined;
  if (!closePosition) {
    // A protective order covers the position: rounded up to its own grid (reduce-only, it never closes more).
    quantity = quantityOnGrid(
      instrument,
      request.quantity as DecimalText,
      childType,
      operation,
      symbol,
      true,
    );
    checkOrderFilters(
      instrument,
      { type: childType, quantity, price: limitPrice ?? triggerPrice, reduceOnly: true },
      operation,
    );
  }
  const clientOrderId = clientOrderIdFor(ctx, request.clientOrderId, operation);
  const params: RawRecord = {
    stopPrice: Number(triggerPrice),
    workingType: ctx.exchange.workingType,
    clientOrderId,
    ...(closePosition ? { closePosition: true } : { reduceOnly: true }),
  };
  const { value, confirmedBy } = await ctx.run({
    operation,
    kind: 'order-write',
    symbol,
    clientOrderId,
    rationale,
    params: {
      type: exchangeType,
      side,
      quantity,
      triggerPrice,
      price: limitPrice,
      workingType: ctx.exchange.workingType,
      ...(closePosition ? { closePosition: true } : { reduceOnly: true }),
    },
    send: async () =>
      parseConditionalOrder(
        infoOf(
          await ctx.client.createOrder(
            symbol,
            exchangeType,
            side,
            quantity === undefined ? (undefined as unknown as number) : Number(quantity),
            limitPrice === undefined ? undefined : Number(limitPrice),
            params,
          ),
        ),
        operation,
      ),
    lookup: () => fetchConditionalOrderRaw(ctx, { symbol, clientOrderId }, `${operation}:lookup`),
  });
  return { order: value, rationale, confirmedBy };
}

export async function closePosition(
  ctx: AdapterContext,
  request: ClosePositionRequest,
): Promise<ClosePositionResult> {
  const operation = 'closePosition';
  const { symbol, rationale } = request;
  const instrument = await ctx.exchange.instrument(symbol);
  let positionSide = request.positionSide;
  let quantity: string;
  if (request.quantity !== undefined) {
    if (positionSide === undefined) {
      throw new InvalidRequestError(`${operation}: a quantity needs the positionSide it closes`, {
        operation,
        symbol,
      });
    }
    // Up to the market grid: reduce-only, the exchange cuts it to the position, so it closes all it is asked to.
    quantity = quantityOnGrid(instrument, request.quantity, 'market', operation, symbol, true);
  } else {
    const position = (await ctx.exchange.fetchPositions([symbol])).find(
      (candidate) => positionSide === undefined || candidate.side === positionSide,
    );
    if (!position) return { orders: [], closedQuantity: '0', alreadyFlat: true, rationale };
    positionSide = position.side;
    quantity = quantityOnGrid(instrument, position.quantity, 'market', operation, symbol, true);
  }
  if (!isPositive(quantity)) return { orders: [], closedQuantity: '0', alreadyFlat: true, rationale };
  const chunks = splitQuantity(quantity, instrument.marketMaxQty, instrument.marketStepSize);
  const orders: Order[] = [];
  let closed = toDecimal(0);
  const baseId =
    request.clientOrderId ?? randomClientOrderId(ctx.runtime.random, ctx.exchange.clientIdPrefix);
  for (const [index, chunk] of chunks.entries()) {
    try {
      const { order } = await ctx.exchange.createOrder({
        symbol,
        side: closingSide(positionSide),
        type: 'market',
        quantity: chunk,
        reduceOnly: true,
        clientOrderId: index === 0 ? baseId : `${baseId}-${index + 1}`,
        rationale,
      });
      orders.push(order);
      closed = closed.plus(order.filledQuantity);
    } catch (error) {
      // Reduce-only refused: nothing (more) to reduce on that side; the position is already closed.
      if (error instanceof RequestRejectedError && error.reason === 'REDUCE_ONLY_REJECTED') break;
      throw error;
    }
  }
  return {
    orders,
    closedQuantity: closed.toFixed(),
    alreadyFlat: orders.length === 0,
    rationale,
  };
}
