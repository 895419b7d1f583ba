import type { MarginType } from '../core/types';
import { SimRejection } from '../core/types';
import { isKlineInterval } from '../market/kline-interval';
import {
  accountV2,
  accountV3,
  balanceRoute,
  income,
  marginAssetOf,
  maxNotionalOf,
  positionRiskRoute,
  userTrades,
} from './account-routes';
import { DEPTH_LIMITS, depthWeight, klineWeight, premiumIndex, ticker24h } from './market-routes';
import {
  algoReference,
  allOrders,
  batchOrders,
  cancelBatchOrders,
  changePositionSide,
  modifyOrder,
  newAlgoOrder,
  newOrder,
  orderReference,
} from './order-routes';
import type { Route } from './route-basics';
import { optionalSymbol, symbolOf, weight, withOrWithoutSymbol } from './route-basics';
import {
  algoOrderQueryJson,
  exchangeInfo,
  orderJson,
  orderQueryJson,
  positionRiskJson,
  positionRiskV2Json,
} from './wire';

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
      const row = (symbol: string) => {
        const top = request.context.core.bookTop(symbol);
        const time = request.context.core.market(symbol).time;
        return {
          symbol,
          bidPrice: top.bidPrice,
          bidQty: top.bidQty,
          askPrice: top.askPrice,
          askQty: top.askQty,
          time,
          lastUpdateId: top.updateId,
        };
      };
      const symbol = optionalSymbol(request);
      return symbol
        ? row(symbol)
        : request.context.core.instruments().map((instrument) => row(instrument.symbol));
    },
  },
  'GET /fapi/v1/depth': {
    security: 'NONE',
    weight: depthWeight,
    handle: (request) => {
      const symbol = symbolOf(request);
      const limit = request.params.integer('limit') ?? 500;
      if (!DEPTH_LIMITS.includes(limit)) {
        throw new SimRejection(-1130, "Data sent for parameter 'limit' is not valid.");
      }
      const depth = request.context.core.depth(symbol, limit);
      return {
        lastUpdateId: depth.lastUpdateId,
        E: request.context.serverTime(),
        T: request.context.core.market(symbol).time,
        bids: depth.bids,
        asks: depth.asks,
      };
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
  'GET /fapi/v2/account': { security: 'SIGNED', weight: weight(5), handle: accountV2 },
  'GET /fapi/v3/balance': balanceRoute,
  'GET /fapi/v2/balance': balanceRoute,
  'GET /fapi/v3/positionRisk': positionRiskRoute((position, request) =>
    positionRiskJson(position, marginAssetOf(request, position.symbol)),
  ),
  'GET /fapi/v2/positionRisk': positionRiskRoute((position, request) =>
    positionRiskV2Json(position, maxNotionalOf(request, position.symbol)),
  ),
  'GET /fapi/v1/positionSide/dual': {
    security: 'SIGNED',
    weight: weight(30),
    handle: () => ({ dualSidePosition: false }),
  },
  'POST /fapi/v1/positionSide/dual': { security: 'SIGNED', weight: weight(1), handle: changePositionSide },
  'GET /fapi/v1/multiAssetsMargin': {
    security: 'SIGNED',
    weight: weight(30),
    handle: () => ({ multiAssetsMargin: false }),
  },
  'GET /fapi/v1/commissionRate': {
    security: 'SIGNED',
    weight: weight(20),
    handle: (request) => {
      const rates = request.context.core.feeRates();
      return {
        symbol: symbolOf(request),
        makerCommissionRate: rates.maker,
        takerCommissionRate: rates.taker,
      };
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
  'PUT /fapi/v1/order': { security: 'SIGNED', weight: weight(0), countsAsOrder: true, handle: modifyOrder },
  'POST /fapi/v1/batchOrders': {
    security: 'SIGNED',
    weight: weight(5),
    countsAsOrder: { tenSeconds: 5, minute: 1 },
    handle: batchOrders,
  },
  'DELETE /fapi/v1/batchOrders': { security: 'SIGNED', weight: weight(1), handle: cancelBatchOrders },
  'GET /fapi/v1/allOrders': { security: 'SIGNED', weight: weight(5), handle: allOrders },
  'POST /fapi/v1/countdownCancelAll': {
    security: 'SIGNED',
    weight: weight(10),
    handle: (request) => {
      const symbol = symbolOf(request);
      const countdownTime =
        request.params.integer('countdownTime') ?? Number(request.params.required('countdownTime'));
      // Past 2^31 - 1 ms a timer would fire at once; Binance's own upper bound is not documented.
      if (countdownTime < 0 || countdownTime > 2_147_483_647) {
        throw new SimRejection(-1130, "Data sent for parameter 'countdownTime' is not valid.");
      }
      request.context.countdownCancelAll(request.accountId, symbol, countdownTime);
      return { symbol, countdownTime: String(countdownTime) };
    },
  },
  'GET /fapi/v1/income': { security: 'SIGNED', weight: weight(30), handle: income },
  'GET /fapi/v1/order': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) =>
      orderQueryJson(
        request.context.core.getOrder(request.accountId, symbolOf(request), orderReference(request)),
      ),
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
      request.context.core.openOrders(request.accountId, optionalSymbol(request)).map(orderQueryJson),
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
      return orderQueryJson(order);
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
  'GET /fapi/v1/userTrades': { security: 'SIGNED', weight: weight(5), handle: userTrades },
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
      algoOrderQueryJson(request.context.core.getAlgoOrder(request.accountId, algoReference(request))),
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
      request.context.core.openAlgoOrders(request.accountId, optionalSymbol(request)).map(algoOrderQueryJson),
  },
  'GET /fapi/v1/allAlgoOrders': {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) =>
      request.context.core.allAlgoOrders(request.accountId, symbolOf(request)).map(algoOrderQueryJson),
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
  'GET /sapi/v1/account/apiRestrictions': {
    security: 'SIGNED',
    weight: weight(1),
    handle: (request) => request.context.apiRestrictions(request.accountId),
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
