import type { MatchingCore } from '../core/matching-core';
import type {
  ConditionalOrderType,
  MarginType,
  PositionView,
  RegularOrderType,
  Side,
  TimeInForce,
  WorkingType,
} from '../core/types';
import { SimRejection } from '../core/types';
import { isKlineInterval } from '../market/kline-interval';
import type { RequestParams } from './request';
import {
  accountPositionJson,
  algoOrderJson,
  assetJson,
  exchangeInfo,
  orderJson,
  positionRiskJson,
  positionRiskV2Json,
  userTradeJson,
} from './wire';

/** What the routes need from the running emulator. */
export interface RouteContext {
  readonly core: MatchingCore;
  /** Binance's server time (wall clock plus any injected skew). */
  serverTime(): number;
  /** The REQUEST_WEIGHT limit per minute now (an option, lowered at run time by a fault). */
  weightLimitPerMinute(): number;
  /** The market clock: the time of the latest market data, which may run accelerated. */
  marketTime(): number;
  klines(
    symbol: string,
    interval: string,
    range: { startTime?: number; endTime?: number; limit: number },
  ): unknown[];
  /** The latest public trades of a symbol, oldest first (a bounded tape), for `GET /fapi/v1/aggTrades`. */
  recentTrades(symbol: string): readonly PublicTrade[];
  listenKeys: {
    createOrExtend(accountId: string): string;
    keepAlive(accountId: string, listenKey: string | undefined): string;
    close(accountId: string, listenKey: string | undefined): void;
  };
}

/** One print of the market's trade tape, in Binance's aggTrade row shape. */
export interface PublicTrade {
  readonly a: number;
  readonly p: string;
  readonly q: string;
  readonly f: number;
  readonly l: number;
  readonly T: number;
  readonly m: boolean;
}

export interface RouteRequest {
  readonly params: RequestParams;
  /** Set for USER_STREAM and SIGNED routes. */
  readonly accountId: string;
  readonly context: RouteContext;
}

export type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';

export interface Route {
  readonly security: Security;
  /** IP weight per Binance's table (docs/BINANCE.md §7). */
  readonly weight: (params: RequestParams) => number;
  /** Counts against the ORDERS limits (10 s and 1 min). */
  readonly countsAsOrder?: boolean;
  readonly handle: (request: RouteRequest) => unknown;
}

const weight = (value: number) => (): number => value;
const withOrWithoutSymbol =
  (withSymbol: number, without: number) =>
  (params: RequestParams): number =>
    params.has('symbol') ? withSymbol : without;

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

function symbolOf(request: RouteRequest): string {
  const symbol = request.params.required('symbol').toUpperCase();
  if (!request.context.core.instruments().some((instrument) => instrument.symbol === symbol)) {
    throw new SimRejection(-1121, 'Invalid symbol.');
  }
  return symbol;
}

function optionalSymbol(request: RouteRequest): string | undefined {
  return request.params.has('symbol') ? symbolOf(request) : undefined;
}

function klineWeight(params: RequestParams): number {
  const limit = Number(params.optional('limit') ?? 500);
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

function premiumIndex(request: RouteRequest, symbol: string) {
  const market = request.context.core.market(symbol);
  return {
    symbol,
    markPrice: market.markPrice,
    indexPrice: market.indexPrice,
    estimatedSettlePrice: market.indexPrice,
    lastFundingRate: market.fundingRate,
    interestRate: '0.00010000',
    nextFundingTime: market.nextFundingTime,
    time: market.time,
  };
}

function ticker24h(request: RouteRequest, symbol: string) {
  const market = request.context.core.market(symbol);
  const now = request.context.marketTime();
  const rows = request.context.klines(symbol, '1m', { startTime: now - 24 * 3_600_000, limit: 1500 }) as [
    number,
    string,
    string,
    string,
    string,
    string,
    number,
    string,
    number,
  ][];
  const first = rows[0];
  const open = first ? first[1] : market.lastPrice;
  const high = rows.reduce((max, row) => Math.max(max, Number(row[2])), Number(market.lastPrice));
  const low = rows.reduce((min, row) => Math.min(min, Number(row[3])), Number(market.lastPrice));
  const volume = rows.reduce((sum, row) => sum + Number(row[5]), 0);
  const quoteVolume = rows.reduce((sum, row) => sum + Number(row[7]), 0);
  const change = Number(market.lastPrice) - Number(open);
  return {
    symbol,
    priceChange: change.toFixed(8),
    priceChangePercent: Number(open) === 0 ? '0' : ((change / Number(open)) * 100).toFixed(3),
    weightedAvgPrice: volume === 0 ? market.lastPrice : (quoteVolume / volume).toFixed(8),
    lastPrice: market.lastPrice,
    lastQty: '0',
    openPrice: open,
    highPrice: String(high),
    lowPrice: String(low),
    volume: volume.toFixed(8),
    quoteVolume: quoteVolume.toFixed(8),
    openTime: first ? first[0] : now,
    closeTime: now,
    firstId: 0,
    lastId: 0,
    count: rows.reduce((sum, row) => sum + Number(row[8]), 0),
  };
}

function orderReference(request: RouteRequest): { orderId?: number; origClientOrderId?: string } {
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

function algoReference(request: RouteRequest): { algoId?: number; clientAlgoId?: string } {
  const algoId = request.params.integer('algoId');
  const clientAlgoId = request.params.optional('clientAlgoId');
  if (algoId === undefined && clientAlgoId === undefined) {
    throw new SimRejection(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!");
  }
  return { ...(algoId !== undefined ? { algoId } : {}), ...(clientAlgoId ? { clientAlgoId } : {}) };
}

function accountV3(request: RouteRequest) {
  const { core } = request.context;
  const totals = core.accountTotals(request.accountId);
  return {
    ...totals,
    assets: core.assets(request.accountId).map(assetJson),
    positions: core
      .positions(request.accountId)
      .filter((position) => Number(position.positionAmt) !== 0)
      .map(accountPositionJson),
  };
}

function newOrder(request: RouteRequest) {
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

function newAlgoOrder(request: RouteRequest) {
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

const balanceRoute: Route = {
  security: 'SIGNED',
  weight: weight(5),
  handle: (request) => request.context.core.assets(request.accountId).map(assetJson),
};

/** v2 and v3 differ only in the row shape: v3 drops leverage and marginType. */
function positionRiskRoute(toJson: (position: PositionView) => unknown): Route {
  return {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) => {
      const symbol = optionalSymbol(request);
      return request.context.core
        .positions(request.accountId)
        .filter((position) => symbol === undefined || position.symbol === symbol)
        .map(toJson);
    },
  };
}

/** Every REST route the emulator serves, keyed `METHOD /path`. Anything else is a loud 404. */
export const REST_ROUTES: Readonly<Record<string, Route>> = {
  'GET /fapi/v1/ping': { security: 'NONE', weight: weight(1), handle: () => ({}) },
  'GET /fapi/v1/time': {
    security: 'NONE',
    weight: weight(1),
    handle: ({ context }) => ({ serverTime: context.serverTime() }),
  },
  'GET /fapi/v1/exchangeInfo': {
    security: 'NONE',
    weight: weight(1),
    handle: ({ context }) =>
      exchangeInfo(context.core.instruments(), context.serverTime(), context.weightLimitPerMinute()),
  },
  'GET /fapi/v1/premiumIndex': {
    security: 'NONE',
    weight: withOrWithoutSymbol(1, 10),
    handle: (request) => {
      const symbol = optionalSymbol(request);
      if (symbol) return premiumIndex(request, symbol);
      return request.context.core.instruments().map((instrument) => premiumIndex(request, instrument.symbol));
    },
  },
  'GET /fapi/v1/klines': {
    security: 'NONE',
    weight: klineWeight,
    handle: (request) => {
      const symbol = symbolOf(request);
      const interval = request.params.required('interval');
      // Only the emulator's served intervals: 3d, 1w and 1M are refused like a misspelt one.
      if (!isKlineInterval(interval)) throw new SimRejection(-1120, 'Invalid interval.');
      const limit = request.params.integer('limit') ?? 500;
      if (limit < 1 || limit > 1500) {
        throw new SimRejection(-1130, "Data sent for parameter 'limit' is not valid.");
      }
      const startTime = request.params.integer('startTime');
      const endTime = request.params.integer('endTime');
      return request.context.klines(symbol, interval, {
        limit,
        ...(startTime !== undefined ? { startTime } : {}),
        ...(endTime !== undefined ? { endTime } : {}),
      });
    },
  },
  'GET /fapi/v1/ticker/24hr': {
    security: 'NONE',
    weight: withOrWithoutSymbol(1, 40),
    handle: (request) => {
      const symbol = optionalSymbol(request);
      if (symbol) return ticker24h(request, symbol);
      return request.context.core.instruments().map((instrument) => ticker24h(request, instrument.symbol));
    },
  },
  'GET /fapi/v1/ticker/price': {
    security: 'NONE',
    weight: withOrWithoutSymbol(1, 2),
    handle: (request) => {
      const row = (symbol: string) => ({
        symbol,
        price: request.context.core.market(symbol).lastPrice,
        time: request.context.marketTime(),
      });
      const symbol = optionalSymbol(request);
      return symbol
        ? row(symbol)
        : request.context.core.instruments().map((instrument) => row(instrument.symbol));
    },
  },
  'GET /fapi/v1/ticker/bookTicker': {
    security: 'NONE',
    weight: withOrWithoutSymbol(2, 5),
    handle: (request) => {
      // The emulator has no depth: the best bid and ask are both the last price.
      const row = (symbol: string) => {
        const market = request.context.core.market(symbol);
        const tape = request.context.recentTrades(symbol);
        const lastQty = tape.at(-1)?.q ?? '0';
        return {
          symbol,
          bidPrice: market.lastPrice,
          bidQty: lastQty,
          askPrice: market.lastPrice,
          askQty: lastQty,
          time: market.time,
          lastUpdateId: market.time,
        };
      };
      const symbol = optionalSymbol(request);
      return symbol
        ? row(symbol)
        : request.context.core.instruments().map((instrument) => row(instrument.symbol));
    },
  },
  'GET /fapi/v1/aggTrades': {
    security: 'NONE',
    weight: weight(20),
    handle: (request) => {
      const symbol = symbolOf(request);
      const limit = request.params.integer('limit') ?? 500;
      if (limit < 1 || limit > 1000)
        throw new SimRejection(-1130, "Data sent for parameter 'limit' is not valid.");
      const fromId = request.params.integer('fromId');
      const startTime = request.params.integer('startTime');
      const endTime = request.params.integer('endTime');
      const trades = request.context
        .recentTrades(symbol)
        .filter(
          (trade) =>
            (fromId === undefined || trade.a >= fromId) &&
            (startTime === undefined || trade.T >= startTime) &&
            (endTime === undefined || trade.T <= endTime),
        );
      return fromId !== undefined || startTime !== undefined ? trades.slice(0, limit) : trades.slice(-limit);
    },
  },
  'GET /fapi/v1/leverageBracket': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      const symbol = optionalSymbol(request);
      const rows = request.context.core
        .instruments()
        .filter((instrument) => symbol === undefined || instrument.symbol === symbol)
        .map((instrument) => ({
          symbol: instrument.symbol,
          brackets: [
            {
              bracket: 1,
              initialLeverage: instrument.maxLeverage,
              notionalCap: 1_000_000,
              notionalFloor: 0,
              maintMarginRatio: instrument.maintenanceMarginRate,
              cum: 0,
            },
          ],
        }));
      return rows;
    },
  },
  'GET /fapi/v1/symbolConfig': {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) => request.context.core.symbolConfig(request.accountId, optionalSymbol(request)),
  },
  'GET /fapi/v3/account': { security: 'SIGNED', weight: weight(5), handle: accountV3 },
  'GET /fapi/v2/account': { security: 'SIGNED', weight: weight(5), handle: accountV3 },
  'GET /fapi/v3/balance': balanceRoute,
  'GET /fapi/v2/balance': balanceRoute,
  'GET /fapi/v3/positionRisk': positionRiskRoute(positionRiskJson),
  'GET /fapi/v2/positionRisk': positionRiskRoute(positionRiskV2Json),
  'GET /fapi/v1/positionSide/dual': {
    security: 'SIGNED',
    weight: weight(30),
    handle: () => ({ dualSidePosition: false }),
  },
  'POST /fapi/v1/positionSide/dual': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      if (request.params.boolean('dualSidePosition') === true) {
        throw new SimRejection(-4059, 'The emulator supports one-way position mode only.');
      }
      throw new SimRejection(-4059, 'No need to change position side.');
    },
  },
  'POST /fapi/v1/leverage': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      const symbol = symbolOf(request);
      const leverage = request.params.integer('leverage') ?? Number(request.params.required('leverage'));
      return request.context.core.setLeverage(
        request.accountId,
        symbol,
        leverage,
        request.context.marketTime(),
      );
    },
  },
  'POST /fapi/v1/marginType': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      const symbol = symbolOf(request);
      const marginType = request.params.required('marginType').toUpperCase();
      if (marginType !== 'ISOLATED' && marginType !== 'CROSSED') {
        throw new SimRejection(-1130, "Data sent for parameter 'marginType' is not valid.");
      }
      request.context.core.setMarginType(
        request.accountId,
        symbol,
        marginType as MarginType,
        request.context.marketTime(),
      );
      return { code: 200, msg: 'success' };
    },
  },
  'POST /fapi/v1/order': { security: 'SIGNED', weight: weight(0), countsAsOrder: true, handle: newOrder },
  'GET /fapi/v1/order': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) =>
      orderJson(request.context.core.getOrder(request.accountId, symbolOf(request), orderReference(request))),
  },
  'DELETE /fapi/v1/order': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) =>
      orderJson(
        request.context.core.cancelOrder(
          request.accountId,
          symbolOf(request),
          orderReference(request),
          request.context.marketTime(),
        ),
      ),
  },
  'GET /fapi/v1/openOrders': {
    security: 'SIGNED',
    weight: withOrWithoutSymbol(1, 40),
    handle: (request) =>
      request.context.core.openOrders(request.accountId, optionalSymbol(request)).map(orderJson),
  },
  'GET /fapi/v1/openOrder': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      const order = request.context.core.getOrder(
        request.accountId,
        symbolOf(request),
        orderReference(request),
      );
      if (order.status !== 'NEW' && order.status !== 'PARTIALLY_FILLED') {
        throw new SimRejection(-2013, 'Order does not exist.');
      }
      return orderJson(order);
    },
  },
  'DELETE /fapi/v1/allOpenOrders': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      request.context.core.cancelAllOrders(
        request.accountId,
        symbolOf(request),
        request.context.marketTime(),
      );
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
  },
  'GET /fapi/v1/userTrades': {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) => {
      const limit = request.params.integer('limit') ?? 500;
      return request.context.core
        .fills(request.accountId, symbolOf(request))
        .slice(-limit)
        .map(userTradeJson);
    },
  },
  'POST /fapi/v1/algoOrder': {
    security: 'SIGNED',
    weight: weight(0),
    countsAsOrder: true,
    handle: newAlgoOrder,
  },
  'GET /fapi/v1/algoOrder': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) =>
      algoOrderJson(request.context.core.getAlgoOrder(request.accountId, algoReference(request))),
  },
  'DELETE /fapi/v1/algoOrder': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      const algo = request.context.core.cancelAlgoOrder(
        request.accountId,
        algoReference(request),
        request.context.marketTime(),
      );
      return { algoId: algo.algoId, clientAlgoId: algo.clientAlgoId, code: '200', msg: 'success' };
    },
  },
  'GET /fapi/v1/openAlgoOrders': {
    security: 'SIGNED',
    weight: withOrWithoutSymbol(1, 40),
    handle: (request) =>
      request.context.core.openAlgoOrders(request.accountId, optionalSymbol(request)).map(algoOrderJson),
  },
  'GET /fapi/v1/allAlgoOrders': {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) =>
      request.context.core.allAlgoOrders(request.accountId, symbolOf(request)).map(algoOrderJson),
  },
  'DELETE /fapi/v1/algoOpenOrders': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => {
      request.context.core.cancelAllAlgoOrders(
        request.accountId,
        symbolOf(request),
        request.context.marketTime(),
      );
      return { code: 200, msg: 'The operation of cancel all open order is done.' };
    },
  },
  'POST /fapi/v1/listenKey': {
    security: 'USER_STREAM',
    weight: weight(1),
    handle: (request) => ({ listenKey: request.context.listenKeys.createOrExtend(request.accountId) }),
  },
  'PUT /fapi/v1/listenKey': {
    security: 'USER_STREAM',
    weight: weight(1),
    handle: (request) => ({
      listenKey: request.context.listenKeys.keepAlive(
        request.accountId,
        request.params.optional('listenKey'),
      ),
    }),
  },
  'DELETE /fapi/v1/listenKey': {
    security: 'USER_STREAM',
    weight: weight(1),
    handle: (request) => {
      request.context.listenKeys.close(request.accountId, request.params.optional('listenKey'));
      return {};
    },
  },
};
