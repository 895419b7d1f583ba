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
import { RequestParams } from './request';
import {
  accountPositionJson,
  accountPositionV2Json,
  algoOrderJson,
  algoOrderQueryJson,
  assetJson,
  assetV2Json,
  balanceJson,
  exchangeInfo,
  orderJson,
  orderQueryJson,
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
  /** Arms (ms > 0) or stops (0) the account's countdown that cancels the symbol's open orders. */
  countdownCancelAll(accountId: string, symbol: string, countdownMs: number): void;
  /** The API key's permissions, as `/sapi/v1/account/apiRestrictions` reports them. */
  apiRestrictions(accountId: string): ApiRestrictions;
  listenKeys: {
    createOrExtend(accountId: string): string;
    keepAlive(accountId: string, listenKey: string | undefined): string;
    close(accountId: string, listenKey: string | undefined): void;
  };
}

/** `GET /sapi/v1/account/apiRestrictions`: what the API key may do (Binance's field names). */
export interface ApiRestrictions {
  readonly ipRestrict: boolean;
  readonly createTime: number;
  readonly enableReading: boolean;
  readonly enableWithdrawals: boolean;
  readonly enableInternalTransfer: boolean;
  readonly enableMargin: boolean;
  readonly enableFutures: boolean;
  readonly permitsUniversalTransfer: boolean;
  readonly enableVanillaOptions: boolean;
  readonly enableFixApiTrade: boolean;
  readonly enableFixReadOnly: boolean;
  readonly enableSpotAndMarginTrading: boolean;
  readonly enablePortfolioMarginTrading: boolean;
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
  /** Counts against the ORDERS limits (10 s and 1 min): once, or as many as given (batchOrders: 5 and 1). */
  readonly countsAsOrder?: boolean | { readonly tenSeconds: number; readonly minute: number };
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

/** The limits `GET /fapi/v1/depth` accepts (Binance's list; anything else is -1130). */
const DEPTH_LIMITS: readonly number[] = [5, 10, 20, 50, 100, 500, 1000];

/** Binance's depth weights: 2 up to 50 levels, 5 for 100, 10 for 500, 20 for 1000. */
function depthWeight(params: RequestParams): number {
  const limit = Number(params.optional('limit') ?? 500);
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
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

/** The 24 h rolling statistics of a symbol (`GET /fapi/v1/ticker/24hr`, the `@ticker` streams). */
export function ticker24hOf(context: Pick<RouteContext, 'core' | 'klines' | 'marketTime'>, symbol: string) {
  const market = context.core.market(symbol);
  const now = context.marketTime();
  const rows = context.klines(symbol, '1m', { startTime: now - 24 * 3_600_000, limit: 1500 }) as [
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

function ticker24h(request: RouteRequest, symbol: string) {
  return ticker24hOf(request.context, symbol);
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

/** The symbol's maximum notional at its current leverage, as symbolConfig reports it. */
function maxNotionalOf(request: RouteRequest, symbol: string): string {
  return request.context.core.symbolConfig(request.accountId, symbol)[0]?.maxNotionalValue ?? '0';
}

/**
 * `/fapi/v2/account` (docs: Account Information V2): the account flags, the totals, assets with
 * `marginAvailable`, and a position row for every symbol (flat ones too) with leverage and `isolated`.
 */
function accountV2(request: RouteRequest) {
  const { core } = request.context;
  return {
    feeTier: 0,
    feeBurn: false,
    canTrade: true,
    canDeposit: true,
    canWithdraw: true,
    updateTime: 0,
    multiAssetsMargin: false,
    tradeGroupId: -1,
    ...core.accountTotals(request.accountId),
    assets: core.assets(request.accountId).map(assetV2Json),
    positions: core
      .positions(request.accountId)
      .map((position) => accountPositionV2Json(position, maxNotionalOf(request, position.symbol))),
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

const INCOME_TYPES = ['REALIZED_PNL', 'COMMISSION', 'FUNDING_FEE', 'TRANSFER'] as const;
/** Every income type Binance lists; the emulator has rows of the first four only. */
const KNOWN_INCOME_TYPES: readonly string[] = [
  ...INCOME_TYPES,
  'WELCOME_BONUS',
  'INSURANCE_CLEAR',
  'REFERRAL_KICKBACK',
  'COMMISSION_REBATE',
  'API_REBATE',
  'CONTEST_REWARD',
  'CROSS_COLLATERAL_TRANSFER',
  'OPTIONS_PREMIUM_FEE',
  'OPTIONS_SETTLE_PROFIT',
  'INTERNAL_TRANSFER',
  'AUTO_EXCHANGE',
  'DELIVERED_SETTELMENT',
  'COIN_SWAP_DEPOSIT',
  'COIN_SWAP_WITHDRAW',
  'POSITION_LIMIT_INCREASE_FEE',
  'STRATEGY_UMFUTURES_TRANSFER',
  'FEE_RETURN',
  'BFUSD_REWARD',
];

function limitOf(request: RouteRequest, fallback: number, maximum: number): number {
  const limit = request.params.integer('limit') ?? fallback;
  if (limit < 1 || limit > maximum) {
    throw new SimRejection(-1130, "Data sent for parameter 'limit' is not valid.");
  }
  return limit;
}

/** Keeps the rows within [startTime, endTime]; the first `limit` from startTime, else the latest `limit`. */
function withinRange<T extends { time: number }>(
  request: RouteRequest,
  rows: readonly T[],
  limit: number,
): T[] {
  const startTime = request.params.integer('startTime');
  const endTime = request.params.integer('endTime');
  const inside = rows.filter(
    (row) =>
      (startTime === undefined || row.time >= startTime) && (endTime === undefined || row.time <= endTime),
  );
  return startTime !== undefined ? inside.slice(0, limit) : inside.slice(-limit);
}

/**
 * `GET /fapi/v1/income`: REALIZED_PNL and COMMISSION rows from the account's fills, FUNDING_FEE and
 * TRANSFER rows from its ledger (funding payments, transfers in and out), oldest first. Without startTime or endTime, the last 7 days (market time).
 */
function income(request: RouteRequest) {
  const { core } = request.context;
  const symbol = optionalSymbol(request);
  const incomeType = request.params.optional('incomeType');
  if (incomeType !== undefined && !KNOWN_INCOME_TYPES.includes(incomeType)) {
    throw new SimRejection(-1130, "Data sent for parameter 'incomeType' is not valid.");
  }
  const limit = limitOf(request, 100, 1000);
  const rows: {
    symbol: string;
    incomeType: string;
    income: string;
    asset: string;
    info: string;
    time: number;
    tranId: number;
    tradeId: string;
  }[] = [];
  for (const fill of core.fills(request.accountId)) {
    const row = {
      symbol: fill.symbol,
      asset: fill.commissionAsset,
      time: fill.time,
      tradeId: String(fill.tradeId),
    };
    if (Number(fill.realizedPnl) !== 0) {
      rows.push({
        ...row,
        incomeType: 'REALIZED_PNL',
        income: fill.realizedPnl,
        info: 'REALIZED_PNL',
        tranId: 7_000_000_000 + fill.tradeId * 2,
      });
    }
    if (Number(fill.commission) !== 0) {
      rows.push({
        ...row,
        incomeType: 'COMMISSION',
        income: fill.commission.startsWith('-') ? fill.commission.slice(1) : `-${fill.commission}`,
        info: 'COMMISSION',
        tranId: 7_000_000_001 + fill.tradeId * 2,
      });
    }
  }
  for (const entry of core.ledger(request.accountId)) {
    rows.push({
      symbol: entry.symbol,
      incomeType: entry.incomeType,
      income: entry.income,
      asset: entry.asset,
      info: entry.incomeType,
      time: entry.time,
      tranId: entry.tranId,
      tradeId: '',
    });
  }
  const selected = rows
    .filter(
      (row) =>
        (symbol === undefined || row.symbol === symbol) &&
        (incomeType === undefined || row.incomeType === incomeType),
    )
    .sort((left, right) => left.time - right.time || left.tranId - right.tranId);
  const noRange = !request.params.has('startTime') && !request.params.has('endTime');
  const since = request.context.marketTime() - 7 * 24 * 3_600_000;
  return withinRange(request, noRange ? selected.filter((row) => row.time >= since) : selected, limit);
}

const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * `GET /fapi/v1/userTrades` with Binance's filters: `orderId`; `fromId` (not with a time range); a range of at
 * most 7 days from `startTime` and/or to `endTime`; with none of them, the last 7 days (market time).
 */
function userTrades(request: RouteRequest) {
  const { params } = request;
  const symbol = symbolOf(request);
  const limit = limitOf(request, 500, 1000);
  const orderId = params.integer('orderId');
  const fromId = params.integer('fromId');
  const startTime = params.integer('startTime');
  const endTime = params.integer('endTime');
  if (fromId !== undefined && (startTime !== undefined || endTime !== undefined)) {
    throw new SimRejection(-1128, 'Combination of optional parameters invalid.');
  }
  if (
    startTime !== undefined &&
    endTime !== undefined &&
    (endTime < startTime || endTime - startTime > WEEK_MS)
  ) {
    throw new SimRejection(-1127, 'Lookup interval is too big.');
  }
  const fills = request.context.core
    .fills(request.accountId, symbol)
    .filter((fill) => orderId === undefined || fill.orderId === orderId);
  if (fromId !== undefined)
    return fills
      .filter((fill) => fill.tradeId >= fromId)
      .slice(0, limit)
      .map(userTradeJson);
  if (startTime === undefined && endTime === undefined) {
    const since = request.context.marketTime() - WEEK_MS;
    return fills
      .filter((fill) => orderId !== undefined || fill.time >= since)
      .slice(-limit)
      .map(userTradeJson);
  }
  const from = startTime ?? (endTime as number) - WEEK_MS;
  const to = endTime ?? (startTime as number) + WEEK_MS;
  return fills
    .filter((fill) => fill.time >= from && fill.time <= to)
    .slice(0, limit)
    .map(userTradeJson);
}

/**
 * `GET /fapi/v1/allOrders`: the symbol's orders from `orderId` on, or within the time range; with neither,
 * those of the last 7 days (market time), as Binance's default.
 */
function allOrders(request: RouteRequest) {
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
function batchOrders(request: RouteRequest) {
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
function cancelBatchOrders(request: RouteRequest) {
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
function modifyOrder(request: RouteRequest) {
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
function changePositionSide(request: RouteRequest) {
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

const balanceRoute: Route = {
  security: 'SIGNED',
  weight: weight(5),
  handle: (request) =>
    request.context.core
      .assets(request.accountId)
      .map((asset) => balanceJson(asset, accountAliasOf(request.accountId))),
};

/** A stable, Binance-looking alias per account (Binance's is a short random code, e.g. "SgsR"). */
function accountAliasOf(accountId: string): string {
  let hash = 0;
  for (const char of accountId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let alias = '';
  for (let index = 0; index < 4; index += 1) {
    alias += letters[hash % letters.length];
    hash = Math.floor(hash / letters.length) + index * 7919;
  }
  return alias;
}

/** v2 and v3 differ in the row shape: v3 drops leverage and marginType, v2 has none of v3's margins. */
function positionRiskRoute(toJson: (position: PositionView, request: RouteRequest) => unknown): Route {
  return {
    security: 'SIGNED',
    weight: weight(5),
    handle: (request) => {
      const symbol = optionalSymbol(request);
      return request.context.core
        .positions(request.accountId)
        .filter((position) => symbol === undefined || position.symbol === symbol)
        .map((position) => toJson(position, request));
    },
  };
}

function marginAssetOf(request: RouteRequest, symbol: string): string {
  return (
    request.context.core.instruments().find((instrument) => instrument.symbol === symbol)?.marginAsset ??
    'USDT'
  );
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
