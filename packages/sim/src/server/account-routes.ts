/** Handlers of the account routes: account v2/v3, balances, position risk, income history, user trades. */
import type { PositionView } from '../core/types';
import { SimRejection } from '../core/types';
import type { Route, RouteRequest } from './route-basics';
import { WEEK_MS, limitOf, optionalSymbol, symbolOf, weight, withinRange } from './route-basics';
import {
  accountPositionJson,
  accountPositionV2Json,
  assetJson,
  assetV2Json,
  balanceJson,
  userTradeJson,
} from './wire';

export function accountV3(request: RouteRequest) {
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
export function maxNotionalOf(request: RouteRequest, symbol: string): string {
  return request.context.core.symbolConfig(request.accountId, symbol)[0]?.maxNotionalValue ?? '0';
}

/**
 * `/fapi/v2/account` (docs: Account Information V2): the account flags, the totals, assets with
 * `marginAvailable`, and a position row for every symbol (flat ones too) with leverage and `isolated`.
 */
export function accountV2(request: RouteRequest) {
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

/**
 * `GET /fapi/v1/income`: REALIZED_PNL and COMMISSION rows from the account's fills, FUNDING_FEE and
 * TRANSFER rows from its ledger (funding payments, transfers in and out), oldest first. Without startTime or endTime, the last 7 days (market time).
 */
export function income(request: RouteRequest) {
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
  // Only the rows the answer can hold are built (type, symbol, from the earliest time it may answer): the bot
  // asks for a symbol's FUNDING_FEE rows at each close, and a row per fill and ledger entry of the account's
  // history each time made a long backtest's work grow with the square of its trades.
  const noRange = !request.params.has('startTime') && !request.params.has('endTime');
  const since = request.context.marketTime() - 7 * 24 * 3_600_000;
  const earliest = noRange ? since : request.params.integer('startTime');
  const fromFills = incomeType === undefined || incomeType === 'REALIZED_PNL' || incomeType === 'COMMISSION';
  for (const fill of fromFills ? core.fills(request.accountId, symbol, earliest) : []) {
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
    if (
      (symbol !== undefined && entry.symbol !== symbol) ||
      (earliest !== undefined && entry.time < earliest)
    )
      continue;
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
  return withinRange(request, noRange ? selected.filter((row) => row.time >= since) : selected, limit);
}

/**
 * `GET /fapi/v1/userTrades` with Binance's filters: `orderId`; `fromId` (not with a time range); a range of at
 * most 7 days from `startTime` and/or to `endTime`; with none of them, the last 7 days (market time).
 */
export function userTrades(request: RouteRequest) {
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
  const noRange = startTime === undefined && endTime === undefined;
  const recent = request.context.marketTime() - WEEK_MS;
  const from = startTime ?? (endTime as number) - WEEK_MS;
  // Views are made only of the fills the answer can hold (the bot reads a trade's fills at each close): the
  // earliest time asked for, when there is one, is passed down.
  const earliest =
    fromId !== undefined ? undefined : noRange ? (orderId === undefined ? recent : undefined) : from;
  const fills = request.context.core
    .fills(request.accountId, symbol, earliest)
    .filter((fill) => orderId === undefined || fill.orderId === orderId);
  if (fromId !== undefined)
    return fills
      .filter((fill) => fill.tradeId >= fromId)
      .slice(0, limit)
      .map(userTradeJson);
  if (noRange) {
    return fills
      .filter((fill) => orderId !== undefined || fill.time >= recent)
      .slice(-limit)
      .map(userTradeJson);
  }
  const to = endTime ?? (startTime as number) + WEEK_MS;
  return fills
    .filter((fill) => fill.time >= from && fill.time <= to)
    .slice(0, limit)
    .map(userTradeJson);
}

export const balanceRoute: Route = {
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
export function positionRiskRoute(toJson: (position: PositionView, request: RouteRequest) => unknown): Route {
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

export function marginAssetOf(request: RouteRequest, symbol: string): string {
  return (
    request.context.core.instruments().find((instrument) => instrument.symbol === symbol)?.marginAsset ??
    'USDT'
  );
}
