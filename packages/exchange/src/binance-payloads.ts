/**
 * The one place where Binance's payloads (the `info` ccxt keeps of every answer) become domain types.
 * Reading Binance's own decimal strings keeps money exact (ccxt's parsed numbers are floats); every payload
 * is checked with zod, and one that does not fit is an `UnexpectedResponseError`, never a half-read object.
 */
import { fromExchangeId } from '@bot/symbols';
import { z } from 'zod';
import type {
  Balance,
  ConditionalOrder,
  ConditionalOrderStatus,
  ConditionalOrderType,
  Fill,
  FundingPayment,
  ForcedClose,
  MarginMode,
  Order,
  OrderStatus,
  Position,
  TimeInForce,
  WorkingType,
} from './domain';
import { UnexpectedResponseError } from './errors';

// Binance sends decimals as strings, ids and times as numbers (strings when ccxt re-quotes unsafe integers),
// booleans as booleans. The schemas only check; the readers below convert, so parsing stays one pass.
const decimal = z.string().regex(/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/, 'not a decimal');
const identifier = z.union([z.number().int(), z.string().min(1)]);
const flag = z.boolean();
const time = z.union([z.number(), z.string().regex(/^\d+$/)]);
const side = z.enum(['BUY', 'SELL']);
const sideOf = (value: 'BUY' | 'SELL') => (value === 'BUY' ? 'buy' : 'sell');
const timeOf = (value: number | string | undefined) => (value === undefined ? undefined : Number(value));
const workingType = z.enum(['MARK_PRICE', 'CONTRACT_PRICE']);

const orderStatuses: Readonly<Record<string, OrderStatus>> = {
  NEW: 'open',
  PARTIALLY_FILLED: 'partially-filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
  EXPIRED_IN_MATCH: 'expired',
  REJECTED: 'rejected',
  NEW_INSURANCE: 'open',
  NEW_ADL: 'open',
};
const algoStatuses: Readonly<Record<string, ConditionalOrderStatus>> = {
  NEW: 'open',
  TRIGGERING: 'triggering',
  TRIGGERED: 'triggered',
  FINISHED: 'finished',
  CANCELED: 'canceled',
  CANCELLED: 'canceled',
  REJECTED: 'rejected',
  EXPIRED: 'expired',
};
const algoTypes: Readonly<Record<string, ConditionalOrderType>> = {
  STOP_MARKET: 'stop-market',
  STOP: 'stop-limit',
  TAKE_PROFIT_MARKET: 'take-profit-market',
  TAKE_PROFIT: 'take-profit-limit',
};

const regularOrderSchema = z.object({
  orderId: identifier,
  clientOrderId: z.string(),
  symbol: z.string(),
  status: z.enum(Object.keys(orderStatuses) as [string, ...string[]]),
  side,
  type: z.string(),
  origType: z.string().optional(),
  price: decimal.optional(),
  avgPrice: decimal.optional(),
  origQty: decimal,
  executedQty: decimal,
  reduceOnly: flag.optional(),
  closePosition: flag.optional(),
  timeInForce: z.string().optional(),
  time: time.optional(),
  updateTime: time.optional(),
});

const algoOrderSchema = z.object({
  algoId: identifier,
  clientAlgoId: z.string(),
  symbol: z.string(),
  side,
  orderType: z.enum(Object.keys(algoTypes) as [string, ...string[]]),
  algoStatus: z.enum(Object.keys(algoStatuses) as [string, ...string[]]),
  quantity: decimal.optional().nullable(),
  price: decimal.optional().nullable(),
  triggerPrice: decimal,
  workingType: workingType.optional(),
  reduceOnly: flag.optional(),
  closePosition: flag.optional(),
  actualOrderId: z.union([z.string(), z.number()]).optional().nullable(),
  createTime: time.optional(),
  updateTime: time.optional(),
});

const algoCancelSchema = z.object({ algoId: identifier, clientAlgoId: z.string() });

const positionSchema = z.object({
  symbol: z.string(),
  positionAmt: decimal,
  entryPrice: decimal,
  breakEvenPrice: decimal.optional(),
  markPrice: decimal.optional(),
  unRealizedProfit: decimal.optional(),
  liquidationPrice: decimal.optional(),
  isolatedMargin: decimal.optional(),
  marginType: z.string().optional(),
  updateTime: time.optional(),
});

const assetSchema = z.object({
  asset: z.string(),
  walletBalance: decimal,
  unrealizedProfit: decimal.optional(),
  marginBalance: decimal.optional(),
  availableBalance: decimal.optional(),
  initialMargin: decimal.optional(),
  maintMargin: decimal.optional(),
  updateTime: time.optional(),
});
const accountSchema = z.object({ assets: z.array(assetSchema) });

const tradeSchema = z.object({
  id: identifier,
  orderId: identifier,
  symbol: z.string(),
  side,
  price: decimal,
  qty: decimal,
  quoteQty: decimal.optional(),
  commission: decimal.optional(),
  commissionAsset: z.string().optional(),
  realizedPnl: decimal.optional(),
  maker: flag.optional(),
  time,
});

const fundingSchema = z.object({
  symbol: z.string(),
  incomeType: z.literal('FUNDING_FEE'),
  income: decimal,
  asset: z.string(),
  time,
  tranId: identifier,
});

const symbolConfigSchema = z.object({
  symbol: z.string(),
  marginType: z.enum(['CROSSED', 'ISOLATED', 'cross', 'isolated']),
  leverage: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
});

const markPriceSchema = z.object({ markPrice: decimal });

function parse<T>(schema: z.ZodType<T>, payload: unknown, what: string, operation: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new UnexpectedResponseError(`${operation}: unreadable ${what} from the exchange: ${issues}`, {
    operation,
  });
}

function isZero(text: string | undefined): boolean {
  return text === undefined || /^-?0*\.?0*$/.test(text);
}

function unifiedSymbol(exchangeId: string, operation: string): string {
  try {
    return fromExchangeId(exchangeId);
  } catch (error) {
    throw new UnexpectedResponseError(`${operation}: unknown symbol ${exchangeId} in an exchange answer`, {
      operation,
      cause: error,
    });
  }
}

function timeInForceOf(text: string | undefined): TimeInForce | undefined {
  return text === 'GTC' || text === 'IOC' || text === 'FOK' || text === 'GTX' || text === 'GTD'
    ? text
    : undefined;
}

/**
 * Binance marks the orders it places itself by client id: `autoclose-…` liquidates, `adl_autoclose`
 * auto-deleverages (its REST answers say type LIMIT; the user-data stream may say LIQUIDATION).
 */
export function forcedCloseOf(
  clientOrderId: string,
  type: string,
  origType: string | undefined,
): ForcedClose | undefined {
  if (clientOrderId.startsWith('adl_autoclose') || type === 'ADL' || origType === 'ADL') return 'adl';
  if (clientOrderId.startsWith('autoclose-') || type === 'LIQUIDATION' || origType === 'LIQUIDATION') {
    return 'liquidation';
  }
  return undefined;
}

/** A regular order (POST/GET/DELETE /fapi/v1/order, openOrders items). */
export function parseOrder(payload: unknown, operation: string): Order {
  const raw = parse(regularOrderSchema, payload, 'order', operation);
  const type = raw.type === 'LIMIT' ? 'limit' : 'market';
  const closedBy = forcedCloseOf(raw.clientOrderId, raw.type, raw.origType);
  return {
    id: String(raw.orderId),
    clientOrderId: raw.clientOrderId,
    symbol: unifiedSymbol(raw.symbol, operation),
    side: sideOf(raw.side),
    type,
    status: orderStatuses[raw.status] as OrderStatus,
    quantity: raw.origQty,
    filledQuantity: raw.executedQty,
    price: type === 'limit' && !isZero(raw.price) ? raw.price : undefined,
    averagePrice: isZero(raw.avgPrice) || isZero(raw.executedQty) ? undefined : raw.avgPrice,
    reduceOnly: raw.reduceOnly ?? false,
    closePosition: raw.closePosition ?? false,
    timeInForce: timeInForceOf(raw.timeInForce),
    updatedAt: timeOf(raw.updateTime) ?? timeOf(raw.time) ?? 0,
    ...(closedBy !== undefined ? { closedBy } : {}),
  };
}

/** A conditional order (POST/GET /fapi/v1/algoOrder, openAlgoOrders items). */
export function parseConditionalOrder(payload: unknown, operation: string): ConditionalOrder {
  const raw = parse(algoOrderSchema, payload, 'conditional order', operation);
  const type = algoTypes[raw.orderType] as ConditionalOrderType;
  const closePosition = raw.closePosition ?? false;
  const actual =
    raw.actualOrderId === undefined || raw.actualOrderId === null ? '' : String(raw.actualOrderId);
  return {
    id: String(raw.algoId),
    clientOrderId: raw.clientAlgoId,
    symbol: unifiedSymbol(raw.symbol, operation),
    side: sideOf(raw.side),
    type,
    purpose: type.startsWith('stop') ? 'stop-loss' : 'take-profit',
    status: algoStatuses[raw.algoStatus] as ConditionalOrderStatus,
    triggerPrice: raw.triggerPrice,
    price: type.endsWith('limit') && !isZero(raw.price ?? undefined) ? (raw.price ?? undefined) : undefined,
    quantity: closePosition || isZero(raw.quantity ?? undefined) ? undefined : (raw.quantity ?? undefined),
    closePosition,
    reduceOnly: raw.reduceOnly ?? false,
    workingType: (raw.workingType ?? 'CONTRACT_PRICE') as WorkingType,
    triggeredOrderId: actual === '' || actual === '0' ? undefined : actual,
    createdAt: timeOf(raw.createTime) ?? timeOf(raw.updateTime) ?? 0,
    updatedAt: timeOf(raw.updateTime) ?? timeOf(raw.createTime) ?? 0,
  };
}

/** DELETE /fapi/v1/algoOrder's answer: `{ algoId, clientAlgoId, code, msg }`. */
export function parseConditionalCancel(
  payload: unknown,
  operation: string,
): { id: string; clientOrderId: string } {
  const raw = parse(algoCancelSchema, payload, 'cancel answer', operation);
  return { id: String(raw.algoId), clientOrderId: raw.clientAlgoId };
}

/** One /fapi/v3/positionRisk row; undefined for a flat row. */
export function parsePosition(payload: unknown, operation: string): Position | undefined {
  const raw = parse(positionSchema, payload, 'position', operation);
  if (isZero(raw.positionAmt)) return undefined;
  const negative = raw.positionAmt.startsWith('-');
  const marginMode: MarginMode =
    raw.marginType !== undefined
      ? raw.marginType.toLowerCase().startsWith('isolated')
        ? 'isolated'
        : 'cross'
      : isZero(raw.isolatedMargin)
        ? 'cross'
        : 'isolated';
  return {
    symbol: unifiedSymbol(raw.symbol, operation),
    side: negative ? 'short' : 'long',
    quantity: negative ? raw.positionAmt.slice(1) : raw.positionAmt,
    entryPrice: raw.entryPrice,
    markPrice: isZero(raw.markPrice) ? undefined : raw.markPrice,
    breakEvenPrice: isZero(raw.breakEvenPrice) ? undefined : raw.breakEvenPrice,
    unrealizedPnl: raw.unRealizedProfit ?? '0',
    liquidationPrice: isZero(raw.liquidationPrice) ? undefined : raw.liquidationPrice,
    marginMode,
    updatedAt: timeOf(raw.updateTime) ?? 0,
  };
}

/** /fapi/v3/account's `assets`. */
export function parseBalances(payload: unknown, operation: string): Balance[] {
  const raw = parse(accountSchema, payload, 'account', operation);
  return raw.assets.map((asset) => ({
    asset: asset.asset,
    walletBalance: asset.walletBalance,
    marginBalance: asset.marginBalance ?? asset.walletBalance,
    availableBalance: asset.availableBalance ?? '0',
    unrealizedPnl: asset.unrealizedProfit ?? '0',
    initialMargin: asset.initialMargin ?? '0',
    maintenanceMargin: asset.maintMargin ?? '0',
    updatedAt: timeOf(asset.updateTime) ?? 0,
  }));
}

/** One /fapi/v1/userTrades row. */
export function parseFill(payload: unknown, operation: string): Fill {
  const raw = parse(tradeSchema, payload, 'trade', operation);
  return {
    id: String(raw.id),
    orderId: String(raw.orderId),
    symbol: unifiedSymbol(raw.symbol, operation),
    side: sideOf(raw.side),
    price: raw.price,
    quantity: raw.qty,
    quoteQuantity: raw.quoteQty ?? '0',
    fee: raw.commission ?? '0',
    feeAsset: raw.commissionAsset ?? '',
    realizedPnl: raw.realizedPnl ?? '0',
    maker: raw.maker ?? false,
    time: Number(raw.time),
  };
}

/** One `/fapi/v1/income` row of type FUNDING_FEE. */
export function parseFundingPayment(payload: unknown, operation: string): FundingPayment {
  const raw = parse(fundingSchema, payload, 'funding payment', operation);
  return {
    id: String(raw.tranId),
    symbol: unifiedSymbol(raw.symbol, operation),
    amount: raw.income,
    asset: raw.asset,
    time: Number(raw.time),
  };
}

/** One /fapi/v1/symbolConfig row: the symbol's margin mode and leverage. */
export function parseSymbolConfig(
  payload: unknown,
  operation: string,
): { symbol: string; marginMode: MarginMode; leverage: number } {
  const raw = parse(symbolConfigSchema, payload, 'symbol configuration', operation);
  return {
    symbol: unifiedSymbol(raw.symbol, operation),
    marginMode: raw.marginType === 'ISOLATED' || raw.marginType === 'isolated' ? 'isolated' : 'cross',
    leverage: Number(raw.leverage),
  };
}

/** /fapi/v1/premiumIndex for one symbol. */
export function parseMarkPrice(payload: unknown, operation: string): string {
  return parse(markPriceSchema, payload, 'mark price', operation).markPrice;
}
