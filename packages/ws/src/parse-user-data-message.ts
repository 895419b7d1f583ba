import { malformed, parseEventPayload, parseEventText } from './messages';
import type { MalformedMessage, ReplyMessage, UnknownMessage } from './messages';
import { integerOf, isDecimal, isInteger, isObject, isText, optionalDecimal } from './payload-fields';
import type { Payload } from './payload-fields';
import type {
  AccountConfigUpdateEvent,
  AccountUpdateEvent,
  AlgoUpdateEvent,
  BalanceChange,
  ListenKeyExpiredEvent,
  MarginCallEvent,
  MarginCallPosition,
  OrderSide,
  OrderUpdateEvent,
  PositionChange,
  TradeLiteEvent,
  UserDataEvent,
} from './user-data-events';

/** Anything a `/private` socket can send, parsed. Only `UserDataEvent`s are dispatched to listeners. */
export type UserDataMessage = UserDataEvent | ReplyMessage | MalformedMessage | UnknownMessage;

const isSide = (value: unknown): value is OrderSide => value === 'BUY' || value === 'SELL';
const textOr = (value: unknown, fallback: string): string | null =>
  value === undefined ? fallback : isText(value) ? value : null;
const decimalOr = (value: unknown, fallback: string): string | null =>
  value === undefined ? fallback : isDecimal(value) ? value : null;
const booleanOr = (value: unknown, fallback: boolean): boolean | null =>
  value === undefined ? fallback : typeof value === 'boolean' ? value : null;

function orderUpdate(payload: Payload): OrderUpdateEvent | MalformedMessage {
  const { E, T: transactionTime, o: order } = payload;
  if (!isInteger(E) || !isObject(order)) return malformed('ORDER_TRADE_UPDATE fields');
  const { s, c, S, o, f, q, p, ap, sp, x, X, i, l, z, L, N, n, T, t, m, R, wt, ot, ps, cp, rp } = order;
  if (
    !isText(s) ||
    !isText(c) ||
    !isSide(S) ||
    !isText(o) ||
    !isText(x) ||
    !isText(X) ||
    !isInteger(i) ||
    !isDecimal(q) ||
    !isDecimal(p) ||
    !isDecimal(l) ||
    !isDecimal(z) ||
    !isDecimal(L) ||
    !isInteger(T) ||
    !isInteger(t)
  )
    return malformed('ORDER_TRADE_UPDATE order fields');
  const timeInForce = textOr(f, 'GTC');
  const averagePrice = decimalOr(ap, '0');
  const stopPrice = decimalOr(sp, '0');
  const commission = optionalDecimal(n);
  const commissionAsset = N === undefined ? undefined : isText(N) ? N : null;
  const isMaker = booleanOr(m, false);
  const reduceOnly = booleanOr(R, false);
  const workingType = textOr(wt, 'CONTRACT_PRICE');
  const originalOrderType = textOr(ot, o);
  const positionSide = textOr(ps, 'BOTH');
  const closePosition = booleanOr(cp, false);
  const realizedProfit = decimalOr(rp, '0');
  if (
    timeInForce === null ||
    averagePrice === null ||
    stopPrice === null ||
    commission === null ||
    commissionAsset === null ||
    isMaker === null ||
    reduceOnly === null ||
    workingType === null ||
    originalOrderType === null ||
    positionSide === null ||
    closePosition === null ||
    realizedProfit === null ||
    !(transactionTime === undefined || isInteger(transactionTime))
  )
    return malformed('ORDER_TRADE_UPDATE optional fields');
  return {
    type: 'orderUpdate',
    source: 'stream',
    eventTime: E,
    transactionTime: transactionTime ?? T,
    symbol: s,
    clientOrderId: c,
    side: S,
    orderType: o,
    timeInForce,
    quantity: q,
    price: p,
    averagePrice,
    stopPrice,
    executionType: x,
    orderStatus: X,
    orderId: i,
    lastFilledQuantity: l,
    cumulativeFilledQuantity: z,
    lastFilledPrice: L,
    commissionAsset,
    commission,
    tradeTime: T,
    tradeId: t,
    isMaker,
    reduceOnly,
    workingType,
    originalOrderType,
    positionSide,
    closePosition,
    realizedProfit,
    isLiquidation: c.startsWith('autoclose-'),
    isAutoDeleveraging: c === 'adl_autoclose',
  };
}

function balanceChange(value: unknown): BalanceChange | null {
  if (!isObject(value)) return null;
  const { a, wb, cw, bc } = value;
  if (!isText(a) || !isDecimal(wb) || !isDecimal(cw)) return null;
  const balance = decimalOr(bc, '0');
  if (balance === null) return null;
  return { asset: a, walletBalance: wb, crossWalletBalance: cw, balanceChange: balance };
}

function positionChange(value: unknown): PositionChange | null {
  if (!isObject(value)) return null;
  const { s, pa, ep, bep, cr, up, mt, iw, ps } = value;
  if (!isText(s) || !isDecimal(pa) || !isDecimal(ep) || !isDecimal(up)) return null;
  const breakEvenPrice = decimalOr(bep, ep);
  const accumulatedRealized = decimalOr(cr, '0');
  const isolatedWallet = decimalOr(iw, '0');
  const positionSide = textOr(ps, 'BOTH');
  if (
    breakEvenPrice === null ||
    accumulatedRealized === null ||
    isolatedWallet === null ||
    positionSide === null
  )
    return null;
  if (!(mt === 'isolated' || mt === 'cross' || mt === undefined)) return null;
  return {
    symbol: s,
    positionAmount: pa,
    entryPrice: ep,
    breakEvenPrice,
    accumulatedRealized,
    unrealizedProfit: up,
    marginType: mt ?? 'cross',
    isolatedWallet,
    positionSide,
  };
}

function accountUpdate(payload: Payload): AccountUpdateEvent | MalformedMessage {
  const { E, T, a } = payload;
  if (!isInteger(E) || !isObject(a) || !isText(a.m)) return malformed('ACCOUNT_UPDATE fields');
  const rawBalances = a.B ?? [];
  const rawPositions = a.P ?? [];
  if (
    !Array.isArray(rawBalances) ||
    !Array.isArray(rawPositions) ||
    rawBalances.length + rawPositions.length > 10_000
  )
    return malformed('ACCOUNT_UPDATE lists');
  const balances: BalanceChange[] = [];
  for (const raw of rawBalances) {
    const balance = balanceChange(raw);
    if (balance === null) return malformed('ACCOUNT_UPDATE balance');
    balances.push(balance);
  }
  const positions: PositionChange[] = [];
  for (const raw of rawPositions) {
    const position = positionChange(raw);
    if (position === null) return malformed('ACCOUNT_UPDATE position');
    positions.push(position);
  }
  if (!(T === undefined || isInteger(T))) return malformed('ACCOUNT_UPDATE transaction time');
  return {
    type: 'accountUpdate',
    source: 'stream',
    eventTime: E,
    transactionTime: T ?? E,
    reason: a.m,
    balances,
    positions,
  };
}

function algoUpdate(payload: Payload): AlgoUpdateEvent | MalformedMessage {
  const { E, T, o: algo } = payload;
  if (!isInteger(E) || !isObject(algo)) return malformed('ALGO_UPDATE fields');
  const { caid, aid, at, o, s, S, ps, f, q, X, ai, ap, tp, p, wt, cp, pP, R, tt, rm } = algo;
  if (!isInteger(aid) || !isText(s) || !isSide(S) || !isText(X) || !isText(o))
    return malformed('ALGO_UPDATE order fields');
  const clientAlgoId = textOr(caid, '');
  const algoType = textOr(at, 'CONDITIONAL');
  const positionSide = textOr(ps, 'BOTH');
  const timeInForce = textOr(f, 'GTC');
  const quantity = decimalOr(q, '0');
  const actualPrice = decimalOr(ap, '0');
  const triggerPrice = decimalOr(tp, '0');
  const price = decimalOr(p, '0');
  const workingType = textOr(wt, 'CONTRACT_PRICE');
  const closePosition = booleanOr(cp, false);
  const priceProtect = booleanOr(pP, false);
  const reduceOnly = booleanOr(R, false);
  const rejectReason = textOr(rm, '');
  const triggerTime = tt === undefined ? 0 : integerOf(tt);
  const actualOrderId =
    ai === undefined || ai === '' || ai === 0
      ? undefined
      : isInteger(ai)
        ? String(ai)
        : isText(ai)
          ? ai
          : null;
  if (
    clientAlgoId === null ||
    algoType === null ||
    positionSide === null ||
    timeInForce === null ||
    quantity === null ||
    actualPrice === null ||
    triggerPrice === null ||
    price === null ||
    workingType === null ||
    closePosition === null ||
    priceProtect === null ||
    reduceOnly === null ||
    rejectReason === null ||
    triggerTime === undefined ||
    actualOrderId === null ||
    !(T === undefined || isInteger(T))
  )
    return malformed('ALGO_UPDATE optional fields');
  return {
    type: 'algoUpdate',
    source: 'stream',
    eventTime: E,
    transactionTime: T ?? E,
    clientAlgoId,
    algoId: aid,
    algoType,
    orderType: o,
    symbol: s,
    side: S,
    positionSide,
    timeInForce,
    quantity,
    algoStatus: X,
    actualOrderId,
    actualPrice,
    triggerPrice,
    price,
    workingType,
    closePosition,
    priceProtect,
    reduceOnly,
    triggerTime,
    rejectReason,
  };
}

function tradeLite(payload: Payload): TradeLiteEvent | MalformedMessage {
  const { E, T, s, q, p, m, c, S, L, l, t, i } = payload;
  if (
    !isInteger(E) ||
    !isText(s) ||
    !isDecimal(q) ||
    !isDecimal(p) ||
    typeof m !== 'boolean' ||
    !isText(c) ||
    !isSide(S) ||
    !isDecimal(L) ||
    !isDecimal(l) ||
    !isInteger(t) ||
    !isInteger(i) ||
    !(T === undefined || isInteger(T))
  )
    return malformed('TRADE_LITE fields');
  return {
    type: 'tradeLite',
    source: 'stream',
    eventTime: E,
    transactionTime: T ?? E,
    symbol: s,
    originalQuantity: q,
    originalPrice: p,
    isMaker: m,
    clientOrderId: c,
    side: S,
    lastFilledPrice: L,
    lastFilledQuantity: l,
    tradeId: t,
    orderId: i,
  };
}

function marginCallPosition(value: unknown): MarginCallPosition | null {
  if (!isObject(value)) return null;
  const { s, ps, pa, mt, iw, mp, up, mm } = value;
  if (!isText(s) || !isDecimal(pa) || !isDecimal(mp) || !isDecimal(up) || !isDecimal(mm)) return null;
  const positionSide = textOr(ps, 'BOTH');
  const marginType = textOr(mt, 'CROSSED');
  const isolatedWallet = decimalOr(iw, '0');
  if (positionSide === null || marginType === null || isolatedWallet === null) return null;
  return {
    symbol: s,
    positionSide,
    positionAmount: pa,
    marginType,
    isolatedWallet,
    markPrice: mp,
    unrealizedProfit: up,
    maintenanceMargin: mm,
  };
}

function marginCall(payload: Payload): MarginCallEvent | MalformedMessage {
  const { E, cw, p } = payload;
  const crossWalletBalance = optionalDecimal(cw);
  if (!isInteger(E) || crossWalletBalance === null || !Array.isArray(p) || p.length > 10_000)
    return malformed('MARGIN_CALL fields');
  const positions: MarginCallPosition[] = [];
  for (const raw of p) {
    const position = marginCallPosition(raw);
    if (position === null) return malformed('MARGIN_CALL position');
    positions.push(position);
  }
  return { type: 'marginCall', source: 'stream', eventTime: E, crossWalletBalance, positions };
}

function accountConfigUpdate(payload: Payload): AccountConfigUpdateEvent | MalformedMessage {
  const { E, T, ac, ai } = payload;
  if (!isInteger(E) || !(T === undefined || isInteger(T))) return malformed('ACCOUNT_CONFIG_UPDATE fields');
  let leverage: AccountConfigUpdateEvent['leverage'];
  let multiAssetsMode: boolean | undefined;
  if (ac !== undefined) {
    if (!isObject(ac) || !isText(ac.s) || !isInteger(ac.l))
      return malformed('ACCOUNT_CONFIG_UPDATE leverage');
    leverage = { symbol: ac.s, leverage: ac.l };
  }
  if (ai !== undefined) {
    if (!isObject(ai) || typeof ai.j !== 'boolean') return malformed('ACCOUNT_CONFIG_UPDATE multi-assets');
    multiAssetsMode = ai.j;
  }
  if (leverage === undefined && multiAssetsMode === undefined)
    return malformed('ACCOUNT_CONFIG_UPDATE empty');
  return {
    type: 'accountConfigUpdate',
    source: 'stream',
    eventTime: E,
    transactionTime: T ?? E,
    leverage,
    multiAssetsMode,
  };
}

function listenKeyExpired(payload: Payload): ListenKeyExpiredEvent | MalformedMessage {
  // Binance documents `E` as a string here ("1736996475556"); accept both.
  const eventTime = integerOf(payload.E);
  const listenKey = payload.listenKey;
  if (eventTime === undefined || !(listenKey === undefined || isText(listenKey)))
    return malformed('listenKeyExpired fields');
  return { type: 'listenKeyExpired', source: 'stream', eventTime, listenKey: listenKey ?? '' };
}

const parsers: Readonly<Record<string, (payload: Payload) => UserDataMessage>> = {
  ORDER_TRADE_UPDATE: orderUpdate,
  ACCOUNT_UPDATE: accountUpdate,
  ALGO_UPDATE: algoUpdate,
  TRADE_LITE: tradeLite,
  MARGIN_CALL: marginCall,
  ACCOUNT_CONFIG_UPDATE: accountConfigUpdate,
  listenKeyExpired: listenKeyExpired,
};

/** Parses one decoded JSON value from a `/private` socket (raw or `{stream, data}`-wrapped). Never throws. */
export function parseUserDataPayload(value: unknown): UserDataMessage {
  return parseEventPayload(value, parsers);
}

/** Parses one text frame from a `/private` socket. Never throws: bad input comes back as `malformed`. */
export function parseUserDataMessage(text: string): UserDataMessage {
  return parseEventText(text, parsers);
}
