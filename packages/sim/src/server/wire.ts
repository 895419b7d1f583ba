import type {
  AlgoOrderView,
  AssetView,
  CoreEvent,
  FillView,
  InstrumentSpec,
  OrderView,
  PositionView,
} from '../core/types';

/**
 * Binance's JSON shapes, built from the core's views. One function per payload; the field sets follow
 * docs/BINANCE.md §5 and §5b (what ccxt reads, plus the fields the real exchange adds).
 */

const ORDER_TYPES = [
  'LIMIT',
  'MARKET',
  'STOP',
  'STOP_MARKET',
  'TAKE_PROFIT',
  'TAKE_PROFIT_MARKET',
  'TRAILING_STOP_MARKET',
];

const rateLimits = (weightLimitPerMinute: number) => [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimitPerMinute },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

function decimals(increment: string): number {
  const dot = increment.indexOf('.');
  return dot === -1 ? 0 : increment.length - dot - 1;
}

export function exchangeInfoSymbol(instrument: InstrumentSpec) {
  return {
    symbol: instrument.symbol,
    pair: instrument.symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: instrument.baseAsset,
    quoteAsset: instrument.quoteAsset,
    marginAsset: instrument.marginAsset,
    pricePrecision: decimals(instrument.tickSize),
    quantityPrecision: decimals(instrument.stepSize),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: instrument.minPrice,
        maxPrice: instrument.maxPrice,
        tickSize: instrument.tickSize,
      },
      {
        filterType: 'LOT_SIZE',
        minQty: instrument.minQty,
        maxQty: instrument.maxQty,
        stepSize: instrument.stepSize,
      },
      {
        filterType: 'MARKET_LOT_SIZE',
        minQty: instrument.marketMinQty ?? instrument.minQty,
        maxQty: instrument.marketMaxQty,
        stepSize: instrument.marketStepSize ?? instrument.stepSize,
      },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: instrument.minNotional },
      {
        filterType: 'PERCENT_PRICE',
        multiplierUp: instrument.percentPriceUp,
        multiplierDown: instrument.percentPriceDown,
        multiplierDecimal: '4',
      },
    ],
    orderTypes: ORDER_TYPES,
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}

export function exchangeInfo(
  instruments: readonly InstrumentSpec[],
  serverTime: number,
  weightLimitPerMinute = 2400,
) {
  const assets = [...new Set(instruments.map((instrument) => instrument.marginAsset))];
  return {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: rateLimits(weightLimitPerMinute),
    exchangeFilters: [],
    assets: assets.map((asset) => ({ asset, marginAvailable: true, autoAssetExchange: '0' })),
    symbols: instruments.map(exchangeInfoSymbol),
  };
}

/** The fields every order answer shares (Binance's order object minus `time`/`cumQty`). */
function orderFields(order: OrderView) {
  return {
    orderId: order.orderId,
    symbol: order.symbol,
    status: order.status,
    clientOrderId: order.clientOrderId,
    price: order.price,
    avgPrice: order.avgPrice,
    origQty: order.origQty,
    executedQty: order.executedQty,
    cumQuote: order.cumQuote,
    timeInForce: order.timeInForce,
    type: order.type,
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    side: order.side,
    positionSide: 'BOTH',
    stopPrice: order.stopPrice,
    workingType: order.workingType,
    priceProtect: false,
    origType: order.origType,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
  };
}

/**
 * The answer of a write (POST/PUT/DELETE `/fapi/v1/order`, `batchOrders`): `cumQty`, no `time` — as ccxt's
 * recorded `createOrders`/`editOrders` answers and Binance's docs for New/Modify/Cancel Order show.
 */
export function orderJson(order: OrderView) {
  const { cumQuote, ...fields } = orderFields(order);
  return { ...fields, cumQty: order.executedQty, cumQuote, updateTime: order.updateTime };
}

/** The answer of a query (GET `order`, `openOrder`, `openOrders`, `allOrders`): `time`, no `cumQty`. */
export function orderQueryJson(order: OrderView) {
  return { ...orderFields(order), time: order.time, updateTime: order.updateTime };
}

/**
 * A CONDITIONAL algo order as POST `/fapi/v1/algoOrder` answers it: only the CONDITIONAL fields
 * (`activatePrice`/`callbackRate` belong to TRAILING_STOP_MARKET, which the emulator refuses).
 */
export function algoOrderJson(algo: AlgoOrderView) {
  return {
    algoId: algo.algoId,
    clientAlgoId: algo.clientAlgoId,
    algoType: 'CONDITIONAL',
    orderType: algo.orderType,
    symbol: algo.symbol,
    side: algo.side,
    positionSide: 'BOTH',
    timeInForce: algo.timeInForce,
    quantity: algo.quantity,
    algoStatus: algo.algoStatus,
    triggerPrice: algo.triggerPrice,
    price: algo.price,
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: algo.workingType,
    priceMatch: 'NONE',
    closePosition: algo.closePosition,
    priceProtect: algo.priceProtect,
    reduceOnly: algo.reduceOnly,
    createTime: algo.createTime,
    updateTime: algo.updateTime,
    triggerTime: algo.triggerTime,
    goodTillDate: 0,
  };
}

/** GET `algoOrder`, `openAlgoOrders`, `allAlgoOrders` rows add the child order's id and price. */
export function algoOrderQueryJson(algo: AlgoOrderView) {
  return {
    ...algoOrderJson(algo),
    actualOrderId: algo.actualOrderId === 0 ? '' : String(algo.actualOrderId),
    actualPrice: algo.actualPrice,
  };
}

/** A `/fapi/v3/account` asset row (v3 has no `marginAvailable`). */
export function assetJson(asset: AssetView) {
  return { ...asset };
}

/** A `/fapi/v2/account` asset row: v3's fields plus `marginAvailable`. */
export function assetV2Json(asset: AssetView) {
  const { updateTime, ...fields } = asset;
  return { ...fields, marginAvailable: true, updateTime };
}

/**
 * A `/fapi/v2/balance` and `/fapi/v3/balance` row: Binance's balance object, not the account's asset
 * row (docs: Futures Account Balance V2/V3). `balance` is the wallet balance.
 */
export function balanceJson(asset: AssetView, accountAlias: string) {
  return {
    accountAlias,
    asset: asset.asset,
    balance: asset.walletBalance,
    crossWalletBalance: asset.crossWalletBalance,
    crossUnPnl: asset.crossUnPnl,
    availableBalance: asset.availableBalance,
    maxWithdrawAmount: asset.maxWithdrawAmount,
    marginAvailable: true,
    updateTime: asset.updateTime,
  };
}

/** `/fapi/v3/positionRisk` rows: v3 has no leverage or marginType (they come from symbolConfig). */
export function positionRiskJson(position: PositionView, marginAsset: string) {
  return {
    symbol: position.symbol,
    positionSide: 'BOTH',
    positionAmt: position.positionAmt,
    entryPrice: position.entryPrice,
    breakEvenPrice: position.breakEvenPrice,
    markPrice: position.markPrice,
    unRealizedProfit: position.unrealizedProfit,
    liquidationPrice: position.liquidationPrice,
    isolatedMargin: position.isolatedMargin,
    notional: position.notional,
    marginAsset,
    isolatedWallet: position.isolatedWallet,
    initialMargin: position.initialMargin,
    maintMargin: position.maintMargin,
    positionInitialMargin: position.initialMargin,
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    updateTime: position.updateTime,
  };
}

/**
 * `/fapi/v2/positionRisk` rows (docs: Position Information V2): leverage and marginType, none of v3's
 * margin fields (`marginAsset`, `initialMargin`, `maintMargin`, `adl`, the notionals).
 */
export function positionRiskV2Json(position: PositionView, maxNotionalValue: string) {
  return {
    symbol: position.symbol,
    positionAmt: position.positionAmt,
    entryPrice: position.entryPrice,
    breakEvenPrice: position.breakEvenPrice,
    markPrice: position.markPrice,
    unRealizedProfit: position.unrealizedProfit,
    liquidationPrice: position.liquidationPrice,
    leverage: String(position.leverage),
    maxNotionalValue,
    marginType: position.marginType === 'ISOLATED' ? 'isolated' : 'cross',
    isolatedMargin: position.isolatedMargin,
    isAutoAddMargin: 'false',
    positionSide: 'BOTH',
    notional: position.notional,
    isolatedWallet: position.isolatedWallet,
    updateTime: position.updateTime,
  };
}

/** A `/fapi/v2/account` position row (every symbol, flat ones too). */
export function accountPositionV2Json(position: PositionView, maxNotional: string) {
  return {
    symbol: position.symbol,
    initialMargin: position.initialMargin,
    maintMargin: position.maintMargin,
    unrealizedProfit: position.unrealizedProfit,
    positionInitialMargin: position.initialMargin,
    openOrderInitialMargin: '0',
    leverage: String(position.leverage),
    isolated: position.marginType === 'ISOLATED',
    entryPrice: position.entryPrice,
    maxNotional,
    bidNotional: '0',
    askNotional: '0',
    positionSide: 'BOTH',
    positionAmt: position.positionAmt,
    updateTime: position.updateTime,
  };
}

export function accountPositionJson(position: PositionView) {
  return {
    symbol: position.symbol,
    positionSide: 'BOTH',
    positionAmt: position.positionAmt,
    unrealizedProfit: position.unrealizedProfit,
    isolatedMargin: position.isolatedMargin,
    notional: position.notional,
    isolatedWallet: position.isolatedWallet,
    initialMargin: position.initialMargin,
    maintMargin: position.maintMargin,
    updateTime: position.updateTime,
  };
}

/** A `/fapi/v1/userTrades` row; `marginAsset` is the symbol's (the fee asset in single-asset mode). */
export function userTradeJson(fill: FillView) {
  return {
    buyer: fill.side === 'BUY',
    commission: fill.commission,
    commissionAsset: fill.commissionAsset,
    id: fill.tradeId,
    maker: fill.maker,
    orderId: fill.orderId,
    price: fill.price,
    qty: fill.qty,
    quoteQty: fill.quoteQty,
    realizedPnl: fill.realizedPnl,
    marginAsset: fill.commissionAsset,
    side: fill.side,
    positionSide: 'BOTH',
    symbol: fill.symbol,
    time: fill.time,
  };
}

/**
 * ORDER_TRADE_UPDATE's `er` (expiry reason, Binance's "Event: Order Update"): "0" unless the order expired,
 * then read from the order: a MARKET order the book could not fill ("9"), an IOC remainder ("2"), a
 * reduce-only order with nothing left to reduce ("4"). A FOK expiry has no reason in Binance's USDⓈ-M list: "0".
 */
function expiryReason(order: OrderView, execution: string): string {
  if (execution !== 'EXPIRED') return '0';
  if (order.type === 'MARKET') return '9';
  if (order.timeInForce === 'IOC') return '2';
  return order.reduceOnly ? '4' : '0';
}

/** The user-data payloads one core event becomes, in the order Binance sends them. */
export function userDataEvents(event: CoreEvent): Record<string, unknown>[] {
  switch (event.kind) {
    case 'order': {
      const { order, fill } = event;
      // Binance's events type the exchange's own closing orders LIQUIDATION; its REST records say LIMIT.
      const forced = order.forcedClose !== undefined;
      const orderTradeUpdate = {
        e: 'ORDER_TRADE_UPDATE',
        E: event.time,
        T: event.time,
        o: {
          s: order.symbol,
          c: order.clientOrderId,
          S: order.side,
          o: forced ? 'LIQUIDATION' : order.type,
          f: order.timeInForce,
          q: order.origQty,
          p: order.price,
          ap: order.avgPrice,
          sp: order.stopPrice,
          x: event.execution,
          X: order.status,
          i: order.orderId,
          l: fill?.qty ?? '0',
          z: order.executedQty,
          L: fill?.price ?? '0',
          ...(fill && fill.commission !== '0' ? { N: fill.commissionAsset, n: fill.commission } : {}),
          T: event.time,
          t: fill?.tradeId ?? 0,
          b: '0',
          a: '0',
          m: fill?.maker ?? false,
          R: order.reduceOnly,
          wt: order.workingType,
          ot: forced ? 'LIQUIDATION' : order.origType,
          ps: 'BOTH',
          cp: order.closePosition,
          rp: fill?.realizedPnl ?? '0',
          pP: false,
          si: 0,
          ss: 0,
          V: 'EXPIRE_MAKER',
          pm: 'NONE',
          gtd: 0,
          er: expiryReason(order, event.execution),
        },
      };
      // TRADE_LITE carries TRADE executions only, so a CALCULATED (liquidation or ADL) fill has none.
      if (!fill || event.execution !== 'TRADE') return [orderTradeUpdate];
      const tradeLite = {
        e: 'TRADE_LITE',
        E: event.time,
        T: event.time,
        s: order.symbol,
        q: order.origQty,
        p: order.price,
        m: fill.maker,
        c: order.clientOrderId,
        S: order.side,
        L: fill.price,
        l: fill.qty,
        t: fill.tradeId,
        i: order.orderId,
      };
      return [orderTradeUpdate, tradeLite];
    }
    case 'algo': {
      const { algo } = event;
      return [
        {
          e: 'ALGO_UPDATE',
          T: event.time,
          E: event.time,
          o: {
            caid: algo.clientAlgoId,
            aid: algo.algoId,
            at: 'CONDITIONAL',
            o: algo.orderType,
            s: algo.symbol,
            S: algo.side,
            ps: 'BOTH',
            f: algo.timeInForce,
            q: algo.quantity,
            X: algo.algoStatus,
            ai: algo.actualOrderId === 0 ? '' : String(algo.actualOrderId),
            ap: algo.actualPrice,
            aq: algo.actualQty,
            act: '0',
            tp: algo.triggerPrice,
            p: algo.price,
            V: 'EXPIRE_MAKER',
            wt: algo.workingType,
            pm: 'NONE',
            cp: algo.closePosition,
            pP: algo.priceProtect,
            R: algo.reduceOnly,
            tt: algo.triggerTime,
            gtd: 0,
            rm: algo.rejectReason,
          },
        },
      ];
    }
    case 'account':
      return [
        {
          e: 'ACCOUNT_UPDATE',
          E: event.time,
          T: event.time,
          a: {
            m: event.reason,
            B: event.balances.map((balance) => ({
              a: balance.asset,
              wb: balance.walletBalance,
              cw: balance.crossWalletBalance,
              bc: event.balanceChange ?? '0',
            })),
            P: event.positions.map((position) => ({
              s: position.symbol,
              pa: position.positionAmt,
              ep: position.entryPrice,
              bep: position.breakEvenPrice,
              cr: '0',
              up: position.unrealizedProfit,
              mt: position.marginType === 'ISOLATED' ? 'isolated' : 'cross',
              iw: position.isolatedWallet,
              ps: 'BOTH',
            })),
          },
        },
      ];
    case 'leverage':
      return [
        {
          e: 'ACCOUNT_CONFIG_UPDATE',
          E: event.time,
          T: event.time,
          ac: { s: event.symbol, l: event.leverage },
        },
      ];
    case 'marginCall':
      return [
        {
          e: 'MARGIN_CALL',
          E: event.time,
          cw: event.crossWalletBalance,
          p: event.positions.map((position) => ({
            s: position.symbol,
            ps: 'BOTH',
            pa: position.positionAmt,
            mt: position.marginType === 'ISOLATED' ? 'ISOLATED' : 'CROSSED',
            iw: position.isolatedWallet,
            mp: position.markPrice,
            up: position.unrealizedProfit,
            mm: position.maintMargin,
          })),
        },
      ];
    case 'trade':
      return [];
  }
}
