/** Handlers of the order routes: new, algo, batch, modify and cancel orders, order queries, position side. */
import type { ConditionalOrderType, RegularOrderType, Side, TimeInForce, WorkingType } from '../core/types';
import { SimRejection } from '../core/types';

import { RequestParams } from './request';
import type { RouteRequest } from './route-basics';
import { WEEK_MS, limitOf, symbolOf, withinRange } from './route-basics';
import { algoOrderJson, orderJson, orderQueryJson } from './wire';

const SIDES: readonly Side[] = ['BUY', 'SELL'];

const TIME_IN_FORCE: readonly TimeInForce[] = ['GTC', 'IOC', 'FOK', 'GTX'];

const WORKING_TYPES: readonly WorkingType[] = ['MARK_PRICE', 'CONTRACT_PRICE'];

const CONDITIONAL_TYPES: readonly ConditionalOrderType[] = [
  'STOP_MARKET',
  'TAKE_PROFIT_MARKET',
  'STOP',
  'TAKE_PROFIT',
];

const ALGO_ONLY_TYPES = [...CONDITIONAL_TYPES, 'TRAILING_STOP_MARKET'];

export function orderReference(request: RouteRequest): { orderId?: number; origClientOrderId?: string } {
  const orderId = request.params.integer('orderId');
  const origClientOrderId = request.params.optional('origClientOrderId');
  if (orderId === undefined && origClientOrderId === undefined) {
    throw new SimRejection(
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    );
  }
  return {
    ...(orderId !== undefined ? { orderId } : {}),
    ...(origClientOrderId ? { origClientOrderId } : {}),
  };
}

export function algoReference(request: RouteRequest): { algoId?: number; clientAlgoId?: string } {
  const algoId = request.params.integer('algoId');
  const clientAlgoId = request.params.optional('clientAlgoId');
  if (algoId === undefined && clientAlgoId === undefined) {
    throw new SimRejection(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!");
  }
  return { ...(algoId !== undefined ? { algoId } : {}), ...(clientAlgoId ? { clientAlgoId } : {}) };
}

export function newOrder(request: RouteRequest) {
  const { params } = request;
  const symbol = symbolOf(request);
  const side = params.oneOf('side', SIDES, -1117) ?? params.required('side');
  const type = params.required('type').toUpperCase();
  if (ALGO_ONLY_TYPES.includes(type)) {
    throw new SimRejection(
      -4120,
      'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
    );
  }
  if (type !== 'MARKET' && type !== 'LIMIT') throw new SimRejection(-1116, 'Invalid orderType.');
  const quantity = params.decimal('quantity');
  if (quantity === undefined) params.required('quantity');
  const price = params.decimal('price');
  if (type === 'LIMIT' && price === undefined) params.required('price');
  const timeInForce = params.oneOf('timeInForce', TIME_IN_FORCE, -1115);
  if (type === 'LIMIT' && timeInForce === undefined) params.required('timeInForce');
  const order = request.context.core.placeOrder(
    request.accountId,
    {
      symbol,
      side: side as Side,
      type: type as RegularOrderType,
      quantity: quantity as string,
      ...(price !== undefined && type === 'LIMIT' ? { price } : {}),
      ...(timeInForce ? { timeInForce } : {}),
      reduceOnly: params.boolean('reduceOnly') ?? false,
      ...(params.has('newClientOrderId')
        ? { newClientOrderId: checkClientId(params.required('newClientOrderId')) }
        : {}),
    },
    request.context.marketTime(),
  );
  return orderJson(order);
}

function checkClientId(id: string): string {
  if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(id)) {
    throw new SimRejection(-4015, 'Client order id is not valid.');
  }
  return id;
}

export function newAlgoOrder(request: RouteRequest) {
  const { params } = request;
  const algoType = params.required('algoType');
  if (algoType !== 'CONDITIONAL')
    throw new SimRejection(-1130, "Data sent for parameter 'algoType' is not valid.");
  const symbol = symbolOf(request);
  const side = params.oneOf('side', SIDES, -1117) ?? params.required('side');
  const type = params.required('type').toUpperCase();
  if (type === 'TRAILING_STOP_MARKET') {
    throw new SimRejection(-4136, 'The emulator does not support TRAILING_STOP_MARKET orders.');
  }
  if (!(CONDITIONAL_TYPES as readonly string[]).includes(type))
    throw new SimRejection(-1116, 'Invalid orderType.');
  const triggerPrice = params.decimal('triggerPrice') ?? params.required('triggerPrice');
  const closePosition = params.boolean('closePosition') ?? false;
  const quantity = params.decimal('quantity');
  if (closePosition && quantity !== undefined) {
    throw new SimRejection(-4137, 'Quantity must be zero with closePosition equals true.');
  }
  if (!closePosition && quantity === undefined) params.required('quantity');
  if (closePosition && params.has('reduceOnly')) {
    throw new SimRejection(-1106, "Parameter 'reduceonly' sent when not required.");
  }
  const price = params.decimal('price');
  if ((type === 'STOP' || type === 'TAKE_PROFIT') && price === undefined) params.required('price');
  const workingType = params.oneOf('workingType', WORKING_TYPES);
  const timeInForce = params.oneOf('timeInForce', TIME_IN_FORCE, -1115);
  const algo = request.context.core.placeAlgoOrder(
    request.accountId,
    {
      symbol,
      side: side as Side,
      type: type as ConditionalOrderType,
      triggerPrice,
      ...(quantity !== undefined ? { quantity } : {}),
      ...(price !== undefined && (type === 'STOP' || type === 'TAKE_PROFIT') ? { price } : {}),
      ...(workingType ? { workingType } : {}),
      ...(timeInForce ? { timeInForce } : {}),
      reduceOnly: params.boolean('reduceOnly') ?? false,
      closePosition,
      priceProtect: params.boolean('priceProtect') ?? false,
      ...(params.has('clientAlgoId') ? { clientAlgoId: checkClientId(params.required('clientAlgoId')) } : {}),
    },
    request.context.marketTime(),
  );
  return algoOrderJson(algo);
}

/**
 * `GET /fapi/v1/allOrders`: the symbol's orders from `orderId` on, or within the time range; with neither,
 * those of the last 7 days (market time), as Binance's default.
 */
export function allOrders(request: RouteRequest) {
  const symbol = symbolOf(request);
  const orderId = request.params.integer('orderId');
  const limit = limitOf(request, 500, 1000);
  const orders = request.context.core
    .allOrders(request.accountId, symbol)
    .filter((order) => orderId === undefined || order.orderId >= orderId);
  if (orderId !== undefined) return orders.slice(0, limit).map(orderQueryJson);
  if (!request.params.has('startTime') && !request.params.has('endTime')) {
    const since = request.context.marketTime() - WEEK_MS;
    return orders
      .filter((order) => order.time >= since)
      .slice(-limit)
      .map(orderQueryJson);
  }
  return withinRange(request, orders, limit).map(orderQueryJson);
}

/** Parses a JSON list parameter (`batchOrders`, `orderIdList`, …); Binance answers -1130 for a bad one. */
function jsonList(request: RouteRequest, name: string, maximum: number): unknown[] {
  const text = request.params.optional(name);
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimRejection(-1130, `Data sent for parameter '${name}' is not valid.`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new SimRejection(-1130, `Data sent for parameter '${name}' is not valid.`);
  }
  if (value.length > maximum) {
    throw new SimRejection(-1130, `Data sent for parameter '${name}' is not valid.`);
  }
  return value;
}

/** One item's outcome in a batch answer: the order, or Binance's `{code, msg}` for that item. */
function batchItem(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (error instanceof SimRejection) return { code: error.code, msg: error.msg };
    throw error;
  }
}

/** `POST /fapi/v1/batchOrders`: up to 5 orders, each as POST /fapi/v1/order takes it; answers in order. */
export function batchOrders(request: RouteRequest) {
  const items = jsonList(request, 'batchOrders', 5);
  if (items.length === 0) request.params.required('batchOrders');
  return items.map((item) =>
    batchItem(() => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new SimRejection(-1130, "Data sent for parameter 'batchOrders' is not valid.");
      }
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(item as Record<string, unknown>)) {
        if (value !== null && value !== undefined) query.set(name, String(value));
      }
      return newOrder({ ...request, params: new RequestParams(query.toString(), '') });
    }),
  );
}

/** `DELETE /fapi/v1/batchOrders`: up to 10 orders by `orderIdList` or `origClientOrderIdList`. */
export function cancelBatchOrders(request: RouteRequest) {
  const symbol = symbolOf(request);
  const ids = jsonList(request, 'orderIdList', 10);
  const clientIds = ids.length === 0 ? jsonList(request, 'origClientOrderIdList', 10) : [];
  if (ids.length === 0 && clientIds.length === 0) {
    throw new SimRejection(
      -1102,
      "Param 'origClientOrderIdList' or 'orderIdList' must be sent, but both were empty/null!",
    );
  }
  const references =
    ids.length > 0
      ? ids.map((id) => ({ orderId: Number(id) }))
      : clientIds.map((id) => ({ origClientOrderId: String(id) }));
  return references.map((reference) =>
    batchItem(() =>
      orderJson(
        request.context.core.cancelOrder(request.accountId, symbol, reference, request.context.marketTime()),
      ),
    ),
  );
}

/** `PUT /fapi/v1/order`: a LIMIT order's new price and quantity (both required, with the side). */
export function modifyOrder(request: RouteRequest) {
  const { params } = request;
  const symbol = symbolOf(request);
  const reference = orderReference(request);
  const side = params.oneOf('side', SIDES, -1117) ?? (params.required('side') as Side);
  const quantity = params.decimal('quantity') ?? params.required('quantity');
  const price = params.decimal('price') ?? params.required('price');
  return orderJson(
    request.context.core.modifyOrder(
      request.accountId,
      symbol,
      reference,
      { side, quantity, price },
      request.context.marketTime(),
    ),
  );
}

/** `POST /fapi/v1/positionSide/dual`: one-way mode only; Binance's codes for what it would refuse. */
export function changePositionSide(request: RouteRequest) {
  const dual = request.params.boolean('dualSidePosition');
  if (dual === undefined) request.params.required('dualSidePosition');
  if (dual === false) throw new SimRejection(-4059, 'No need to change position side.');
  const { core } = request.context;
  if (core.positions(request.accountId).some((position) => Number(position.positionAmt) !== 0)) {
    throw new SimRejection(-4068, 'Position side cannot be changed if there exists position.');
  }
  if (core.openOrders(request.accountId).length > 0) {
    throw new SimRejection(-4067, 'Position side cannot be changed if there exists open orders.');
  }
  throw new SimRejection(-4059, 'The emulator supports one-way position mode only.');
}
