/**
 * The answer shapes of every REST route the emulator serves: for each route the exact key list and the
 * JSON kind of every value, taken from Binance's own recorded answers (ccxt's
 * `ts/src/test/static/response/binance.json`) and, where none is recorded, from the response examples
 * of Binance's USDⓈ-M docs. A test drives every route and checks its answer against this, key for key.
 *
 * Kinds: `decimal` is a decimal *string* ("0.010", "-3.5"), as Binance sends every price, quantity and
 * amount; `int` is a JSON integer (ids, times, leverage in symbolConfig); `number` any JSON number
 * (`maintMarginRatio`); `string` any other string (enums, ids sent as strings, possibly empty).
 */

export type Kind = 'decimal' | 'int' | 'number' | 'string' | 'boolean' | 'null';

export type Shape =
  | Kind
  | { readonly object: Readonly<Record<string, Shape>> }
  | { readonly array: Shape }
  | { readonly tuple: readonly Shape[] };

const object = (fields: Record<string, Shape>): Shape => ({ object: fields });
const array = (items: Shape): Shape => ({ array: items });

/** A write's order answer (POST/PUT/DELETE order, batchOrders): `cumQty`, no `time`. */
export const ORDER_ANSWER = object({
  orderId: 'int',
  symbol: 'string',
  status: 'string',
  clientOrderId: 'string',
  price: 'decimal',
  avgPrice: 'decimal',
  origQty: 'decimal',
  executedQty: 'decimal',
  cumQty: 'decimal',
  cumQuote: 'decimal',
  timeInForce: 'string',
  type: 'string',
  reduceOnly: 'boolean',
  closePosition: 'boolean',
  side: 'string',
  positionSide: 'string',
  stopPrice: 'decimal',
  workingType: 'string',
  priceProtect: 'boolean',
  origType: 'string',
  priceMatch: 'string',
  selfTradePreventionMode: 'string',
  goodTillDate: 'int',
  updateTime: 'int',
});

/** A queried order (GET order, openOrder, openOrders, allOrders): `time`, no `cumQty`. */
export const ORDER_QUERY = object({
  orderId: 'int',
  symbol: 'string',
  status: 'string',
  clientOrderId: 'string',
  price: 'decimal',
  avgPrice: 'decimal',
  origQty: 'decimal',
  executedQty: 'decimal',
  cumQuote: 'decimal',
  timeInForce: 'string',
  type: 'string',
  reduceOnly: 'boolean',
  closePosition: 'boolean',
  side: 'string',
  positionSide: 'string',
  stopPrice: 'decimal',
  workingType: 'string',
  priceProtect: 'boolean',
  origType: 'string',
  priceMatch: 'string',
  selfTradePreventionMode: 'string',
  goodTillDate: 'int',
  time: 'int',
  updateTime: 'int',
});

const ALGO_FIELDS: Record<string, Shape> = {
  algoId: 'int',
  clientAlgoId: 'string',
  algoType: 'string',
  orderType: 'string',
  symbol: 'string',
  side: 'string',
  positionSide: 'string',
  timeInForce: 'string',
  quantity: 'decimal',
  algoStatus: 'string',
  triggerPrice: 'decimal',
  price: 'decimal',
  icebergQuantity: 'null',
  selfTradePreventionMode: 'string',
  workingType: 'string',
  priceMatch: 'string',
  closePosition: 'boolean',
  priceProtect: 'boolean',
  reduceOnly: 'boolean',
  createTime: 'int',
  updateTime: 'int',
  triggerTime: 'int',
  goodTillDate: 'int',
};

/** A CONDITIONAL algo order as POST algoOrder answers it. */
export const ALGO_ANSWER = object(ALGO_FIELDS);
/** GET algoOrder and the algo lists add the child order's id (a string, '' before it triggers) and price. */
export const ALGO_QUERY = object({ ...ALGO_FIELDS, actualOrderId: 'string', actualPrice: 'decimal' });

const CODE_MSG = object({ code: 'int', msg: 'string' });

const ASSET_V3: Record<string, Shape> = {
  asset: 'string',
  walletBalance: 'decimal',
  unrealizedProfit: 'decimal',
  marginBalance: 'decimal',
  maintMargin: 'decimal',
  initialMargin: 'decimal',
  positionInitialMargin: 'decimal',
  openOrderInitialMargin: 'decimal',
  crossWalletBalance: 'decimal',
  crossUnPnl: 'decimal',
  availableBalance: 'decimal',
  maxWithdrawAmount: 'decimal',
  updateTime: 'int',
};

const ACCOUNT_TOTALS: Record<string, Shape> = {
  totalInitialMargin: 'decimal',
  totalMaintMargin: 'decimal',
  totalWalletBalance: 'decimal',
  totalUnrealizedProfit: 'decimal',
  totalMarginBalance: 'decimal',
  totalPositionInitialMargin: 'decimal',
  totalOpenOrderInitialMargin: 'decimal',
  totalCrossWalletBalance: 'decimal',
  totalCrossUnPnl: 'decimal',
  availableBalance: 'decimal',
  maxWithdrawAmount: 'decimal',
};

const BALANCE = object({
  accountAlias: 'string',
  asset: 'string',
  balance: 'decimal',
  crossWalletBalance: 'decimal',
  crossUnPnl: 'decimal',
  availableBalance: 'decimal',
  maxWithdrawAmount: 'decimal',
  marginAvailable: 'boolean',
  updateTime: 'int',
});

const POSITION_RISK_V3 = object({
  symbol: 'string',
  positionSide: 'string',
  positionAmt: 'decimal',
  entryPrice: 'decimal',
  breakEvenPrice: 'decimal',
  markPrice: 'decimal',
  unRealizedProfit: 'decimal',
  liquidationPrice: 'decimal',
  isolatedMargin: 'decimal',
  notional: 'decimal',
  marginAsset: 'string',
  isolatedWallet: 'decimal',
  initialMargin: 'decimal',
  maintMargin: 'decimal',
  positionInitialMargin: 'decimal',
  openOrderInitialMargin: 'decimal',
  adl: 'int',
  bidNotional: 'decimal',
  askNotional: 'decimal',
  updateTime: 'int',
});

const POSITION_RISK_V2 = object({
  symbol: 'string',
  positionAmt: 'decimal',
  entryPrice: 'decimal',
  breakEvenPrice: 'decimal',
  markPrice: 'decimal',
  unRealizedProfit: 'decimal',
  liquidationPrice: 'decimal',
  leverage: 'decimal',
  maxNotionalValue: 'decimal',
  marginType: 'string',
  isolatedMargin: 'decimal',
  isAutoAddMargin: 'string',
  positionSide: 'string',
  notional: 'decimal',
  isolatedWallet: 'decimal',
  updateTime: 'int',
});

const FILTERS = {
  tuple: [
    object({ filterType: 'string', minPrice: 'decimal', maxPrice: 'decimal', tickSize: 'decimal' }),
    object({ filterType: 'string', minQty: 'decimal', maxQty: 'decimal', stepSize: 'decimal' }),
    object({ filterType: 'string', minQty: 'decimal', maxQty: 'decimal', stepSize: 'decimal' }),
    object({ filterType: 'string', limit: 'int' }),
    object({ filterType: 'string', limit: 'int' }),
    object({ filterType: 'string', notional: 'decimal' }),
    object({
      filterType: 'string',
      multiplierUp: 'decimal',
      multiplierDown: 'decimal',
      multiplierDecimal: 'decimal',
    }),
  ],
} as const;

const EXCHANGE_INFO_SYMBOL = object({
  symbol: 'string',
  pair: 'string',
  contractType: 'string',
  deliveryDate: 'int',
  onboardDate: 'int',
  status: 'string',
  maintMarginPercent: 'decimal',
  requiredMarginPercent: 'decimal',
  baseAsset: 'string',
  quoteAsset: 'string',
  marginAsset: 'string',
  pricePrecision: 'int',
  quantityPrecision: 'int',
  baseAssetPrecision: 'int',
  quotePrecision: 'int',
  underlyingType: 'string',
  underlyingSubType: array('string'),
  settlePlan: 'int',
  triggerProtect: 'decimal',
  liquidationFee: 'decimal',
  marketTakeBound: 'decimal',
  maxMoveOrderLimit: 'int',
  filters: FILTERS,
  orderTypes: array('string'),
  timeInForce: array('string'),
});

const PREMIUM_INDEX = object({
  symbol: 'string',
  markPrice: 'decimal',
  indexPrice: 'decimal',
  estimatedSettlePrice: 'decimal',
  lastFundingRate: 'decimal',
  interestRate: 'decimal',
  nextFundingTime: 'int',
  time: 'int',
});

const TICKER_24H = object({
  symbol: 'string',
  priceChange: 'decimal',
  priceChangePercent: 'decimal',
  weightedAvgPrice: 'decimal',
  lastPrice: 'decimal',
  lastQty: 'decimal',
  openPrice: 'decimal',
  highPrice: 'decimal',
  lowPrice: 'decimal',
  volume: 'decimal',
  quoteVolume: 'decimal',
  openTime: 'int',
  closeTime: 'int',
  firstId: 'int',
  lastId: 'int',
  count: 'int',
});

const TICKER_PRICE = object({ symbol: 'string', price: 'decimal', time: 'int' });

const BOOK_TICKER = object({
  symbol: 'string',
  bidPrice: 'decimal',
  bidQty: 'decimal',
  askPrice: 'decimal',
  askQty: 'decimal',
  time: 'int',
  lastUpdateId: 'int',
});

const LEVERAGE_BRACKET = object({
  symbol: 'string',
  brackets: array(
    object({
      bracket: 'int',
      initialLeverage: 'int',
      notionalCap: 'int',
      notionalFloor: 'int',
      maintMarginRatio: 'number',
      cum: 'number',
    }),
  ),
});

const SYMBOL_CONFIG = object({
  symbol: 'string',
  marginType: 'string',
  isAutoAddMargin: 'boolean',
  leverage: 'int',
  maxNotionalValue: 'decimal',
});

const USER_TRADE = object({
  buyer: 'boolean',
  commission: 'decimal',
  commissionAsset: 'string',
  id: 'int',
  maker: 'boolean',
  marginAsset: 'string',
  orderId: 'int',
  price: 'decimal',
  qty: 'decimal',
  quoteQty: 'decimal',
  realizedPnl: 'decimal',
  side: 'string',
  positionSide: 'string',
  symbol: 'string',
  time: 'int',
});

const INCOME = object({
  symbol: 'string',
  incomeType: 'string',
  income: 'decimal',
  asset: 'string',
  info: 'string',
  time: 'int',
  tranId: 'int',
  tradeId: 'string',
});

const KLINE = {
  tuple: [
    'int',
    'decimal',
    'decimal',
    'decimal',
    'decimal',
    'decimal',
    'int',
    'decimal',
    'int',
    'decimal',
    'decimal',
    'decimal',
  ],
} as const;

const AGG_TRADE = object({
  a: 'int',
  p: 'decimal',
  q: 'decimal',
  f: 'int',
  l: 'int',
  T: 'int',
  m: 'boolean',
});

/** Every served route (`METHOD /path`) with the shape of its successful answer. */
export const ANSWER_CATALOGUE: Readonly<Record<string, Shape>> = {
  'GET /fapi/v1/ping': object({}),
  'GET /fapi/v1/time': object({ serverTime: 'int' }),
  'GET /fapi/v1/exchangeInfo': object({
    timezone: 'string',
    serverTime: 'int',
    futuresType: 'string',
    rateLimits: array(
      object({ rateLimitType: 'string', interval: 'string', intervalNum: 'int', limit: 'int' }),
    ),
    exchangeFilters: array('string'),
    assets: array(object({ asset: 'string', marginAvailable: 'boolean', autoAssetExchange: 'decimal' })),
    symbols: array(EXCHANGE_INFO_SYMBOL),
  }),
  'GET /fapi/v1/premiumIndex': PREMIUM_INDEX,
  'GET /fapi/v1/klines': array(KLINE),
  'GET /fapi/v1/ticker/24hr': TICKER_24H,
  'GET /fapi/v1/ticker/price': TICKER_PRICE,
  'GET /fapi/v1/ticker/bookTicker': BOOK_TICKER,
  'GET /fapi/v1/depth': object({
    lastUpdateId: 'int',
    E: 'int',
    T: 'int',
    bids: array({ tuple: ['decimal', 'decimal'] }),
    asks: array({ tuple: ['decimal', 'decimal'] }),
  }),
  'GET /fapi/v1/aggTrades': array(AGG_TRADE),
  'GET /fapi/v1/leverageBracket': array(LEVERAGE_BRACKET),
  'GET /fapi/v1/symbolConfig': array(SYMBOL_CONFIG),
  'GET /fapi/v1/commissionRate': object({
    symbol: 'string',
    makerCommissionRate: 'decimal',
    takerCommissionRate: 'decimal',
  }),
  'GET /fapi/v1/multiAssetsMargin': object({ multiAssetsMargin: 'boolean' }),
  'GET /fapi/v3/account': object({
    ...ACCOUNT_TOTALS,
    assets: array(object(ASSET_V3)),
    positions: array(
      object({
        symbol: 'string',
        positionSide: 'string',
        positionAmt: 'decimal',
        unrealizedProfit: 'decimal',
        isolatedMargin: 'decimal',
        notional: 'decimal',
        isolatedWallet: 'decimal',
        initialMargin: 'decimal',
        maintMargin: 'decimal',
        updateTime: 'int',
      }),
    ),
  }),
  'GET /fapi/v2/account': object({
    feeTier: 'int',
    feeBurn: 'boolean',
    canTrade: 'boolean',
    canDeposit: 'boolean',
    canWithdraw: 'boolean',
    updateTime: 'int',
    multiAssetsMargin: 'boolean',
    tradeGroupId: 'int',
    ...ACCOUNT_TOTALS,
    assets: array(object({ ...ASSET_V3, marginAvailable: 'boolean' })),
    positions: array(
      object({
        symbol: 'string',
        initialMargin: 'decimal',
        maintMargin: 'decimal',
        unrealizedProfit: 'decimal',
        positionInitialMargin: 'decimal',
        openOrderInitialMargin: 'decimal',
        leverage: 'decimal',
        isolated: 'boolean',
        entryPrice: 'decimal',
        maxNotional: 'decimal',
        bidNotional: 'decimal',
        askNotional: 'decimal',
        positionSide: 'string',
        positionAmt: 'decimal',
        updateTime: 'int',
      }),
    ),
  }),
  'GET /fapi/v3/balance': array(BALANCE),
  'GET /fapi/v2/balance': array(BALANCE),
  'GET /fapi/v3/positionRisk': array(POSITION_RISK_V3),
  'GET /fapi/v2/positionRisk': array(POSITION_RISK_V2),
  'GET /fapi/v1/positionSide/dual': object({ dualSidePosition: 'boolean' }),
  'POST /fapi/v1/positionSide/dual': CODE_MSG,
  'POST /fapi/v1/leverage': object({ leverage: 'int', maxNotionalValue: 'decimal', symbol: 'string' }),
  'POST /fapi/v1/marginType': CODE_MSG,
  'POST /fapi/v1/order': ORDER_ANSWER,
  'PUT /fapi/v1/order': ORDER_ANSWER,
  'GET /fapi/v1/order': ORDER_QUERY,
  'DELETE /fapi/v1/order': ORDER_ANSWER,
  'POST /fapi/v1/batchOrders': array(ORDER_ANSWER),
  'DELETE /fapi/v1/batchOrders': array(ORDER_ANSWER),
  'GET /fapi/v1/openOrders': array(ORDER_QUERY),
  'GET /fapi/v1/openOrder': ORDER_QUERY,
  'GET /fapi/v1/allOrders': array(ORDER_QUERY),
  'DELETE /fapi/v1/allOpenOrders': CODE_MSG,
  'POST /fapi/v1/countdownCancelAll': object({ symbol: 'string', countdownTime: 'decimal' }),
  'GET /fapi/v1/userTrades': array(USER_TRADE),
  'GET /fapi/v1/income': array(INCOME),
  'POST /fapi/v1/algoOrder': ALGO_ANSWER,
  'GET /fapi/v1/algoOrder': ALGO_QUERY,
  'DELETE /fapi/v1/algoOrder': object({
    algoId: 'int',
    clientAlgoId: 'string',
    code: 'decimal',
    msg: 'string',
  }),
  'GET /fapi/v1/openAlgoOrders': array(ALGO_QUERY),
  'GET /fapi/v1/allAlgoOrders': array(ALGO_QUERY),
  'DELETE /fapi/v1/algoOpenOrders': CODE_MSG,
  'POST /fapi/v1/listenKey': object({ listenKey: 'string' }),
  'PUT /fapi/v1/listenKey': object({ listenKey: 'string' }),
  'DELETE /fapi/v1/listenKey': object({}),
  'GET /sapi/v1/account/apiRestrictions': object({
    ipRestrict: 'boolean',
    createTime: 'int',
    enableReading: 'boolean',
    enableWithdrawals: 'boolean',
    enableInternalTransfer: 'boolean',
    enableMargin: 'boolean',
    enableFutures: 'boolean',
    permitsUniversalTransfer: 'boolean',
    enableVanillaOptions: 'boolean',
    enableFixApiTrade: 'boolean',
    enableFixReadOnly: 'boolean',
    enableSpotAndMarginTrading: 'boolean',
    enablePortfolioMarginTrading: 'boolean',
  }),
};

/** Binance's error body. */
export const ERROR_ANSWER: Shape = CODE_MSG;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Where `value` differs from `shape`: missing or extra keys, or a value of the wrong kind. Empty when
 * it matches exactly. Arrays are checked item by item (an empty array matches any item shape).
 */
export function shapeDifferences(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') {
    const ok =
      shape === 'decimal'
        ? typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)
        : shape === 'int'
          ? Number.isSafeInteger(value)
          : shape === 'number'
            ? typeof value === 'number' && Number.isFinite(value)
            : shape === 'null'
              ? value === null
              : typeof value === shape;
    return ok ? [] : [`${path}: expected ${shape}, got ${kindOf(value)} ${JSON.stringify(value)}`];
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${kindOf(value)}`];
    return value.flatMap((item, index) => shapeDifferences(item, shape.array, `${path}[${index}]`));
  }
  if ('tuple' in shape) {
    if (!Array.isArray(value) || value.length !== shape.tuple.length)
      return [`${path}: expected a ${shape.tuple.length}-tuple, got ${JSON.stringify(value)}`];
    return shape.tuple.flatMap((item, index) => shapeDifferences(value[index], item, `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected an object, got ${kindOf(value)}`];
  const record = value as Record<string, unknown>;
  const expected = Object.keys(shape.object);
  const differences = Object.keys(record)
    .filter((key) => !expected.includes(key))
    .map((key) => `${path}.${key}: not in Binance's answer`);
  for (const key of expected) {
    if (!(key in record)) differences.push(`${path}.${key}: missing`);
    else differences.push(...shapeDifferences(record[key], shape.object[key] as Shape, `${path}.${key}`));
  }
  return differences;
}
