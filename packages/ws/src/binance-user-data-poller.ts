/**
 * The user-data poller and the listenKey API: orders, fills, algo orders and the account read from Binance's
 * USDⓈ-M REST API through an injected `request` function, turned into the user-data stream's typed events,
 * marked `source: 'poll'`.
 */
import { addDecimals, compareDecimals, subtractDecimals } from '@bot/symbols';
import { WsError } from './errors';
import type { Payload } from './payload-fields';
import { isDecimal, isInteger, isObject, isText } from './payload-fields';
import type { ListenKeyApi, PollResult, RestRequest, UserDataPoller } from './pollers';
import { PollSession, rows, shape } from './rest-poll-session';
import type {
  AccountUpdateEvent,
  AlgoUpdateEvent,
  BalanceChange,
  OrderSide,
  OrderUpdateEvent,
  PositionChange,
  TradeLiteEvent,
  UserDataEvent,
} from './user-data-events';

/** The listenKey endpoints (`USER_STREAM` security: the API key header only, weight 1). */
export function createBinanceListenKeyApi(request: RestRequest): ListenKeyApi {
  return {
    async create() {
      const answer = await request({ method: 'POST', path: '/fapi/v1/listenKey', security: 'USER_STREAM' });
      if (!isObject(answer) || !isText(answer.listenKey) || answer.listenKey === '')
        throw new WsError('LISTEN_KEY_FAILED', 'POST /fapi/v1/listenKey answered without a listenKey');
      return answer.listenKey;
    },
    async keepAlive() {
      // Binance's PUT takes no parameter and extends the account's active key (as ccxt sends it).
      await request({ method: 'PUT', path: '/fapi/v1/listenKey', security: 'USER_STREAM' });
    },
    async close() {
      await request({ method: 'DELETE', path: '/fapi/v1/listenKey', security: 'USER_STREAM' });
    },
  };
}

export interface BinanceUserDataPollerOptions {
  readonly request: RestRequest;
  /** Symbols whose fills, orders and algo orders are polled (Binance needs a symbol for each). */
  readonly symbols: readonly string[];
  /** `GET /fapi/v1/order` look-ups per poll (weight 1 each, default 50); the rest wait for the next poll. */
  readonly maxOrderLookups?: number;
}

interface OrderRow {
  readonly orderId: number;
  readonly symbol: string;
  readonly status: string;
  readonly clientOrderId: string;
  readonly price: string;
  readonly avgPrice: string;
  readonly origQty: string;
  readonly executedQty: string;
  readonly timeInForce: string;
  readonly type: string;
  readonly origType: string;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly side: OrderSide;
  readonly positionSide: string;
  readonly stopPrice: string;
  readonly workingType: string;
  readonly time: number;
  readonly updateTime: number;
}

interface TradeRow {
  readonly id: number;
  readonly orderId: number;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly qty: string;
  readonly commission: string;
  readonly commissionAsset: string;
  readonly realizedPnl: string;
  readonly maker: boolean;
  readonly time: number;
}

const isSide = (value: unknown): value is OrderSide => value === 'BUY' || value === 'SELL';

function orderRow(row: Payload): OrderRow {
  const r = row;
  shape(
    isInteger(r.orderId) &&
      isText(r.symbol) &&
      isText(r.status) &&
      isText(r.clientOrderId) &&
      isDecimal(r.price) &&
      isDecimal(r.origQty) &&
      isDecimal(r.executedQty) &&
      isText(r.type) &&
      isSide(r.side) &&
      isInteger(r.time) &&
      isInteger(r.updateTime),
    'order row',
  );
  return {
    orderId: r.orderId,
    symbol: r.symbol,
    status: r.status,
    clientOrderId: r.clientOrderId,
    price: r.price,
    avgPrice: isDecimal(r.avgPrice) ? r.avgPrice : '0',
    origQty: r.origQty,
    executedQty: r.executedQty,
    timeInForce: isText(r.timeInForce) ? r.timeInForce : 'GTC',
    type: r.type,
    origType: isText(r.origType) ? r.origType : r.type,
    reduceOnly: r.reduceOnly === true,
    closePosition: r.closePosition === true,
    side: r.side,
    positionSide: isText(r.positionSide) ? r.positionSide : 'BOTH',
    stopPrice: isDecimal(r.stopPrice) ? r.stopPrice : '0',
    workingType: isText(r.workingType) ? r.workingType : 'CONTRACT_PRICE',
    time: r.time,
    updateTime: r.updateTime,
  };
}

function tradeRow(row: Payload): TradeRow {
  const r = row;
  shape(
    isInteger(r.id) &&
      isInteger(r.orderId) &&
      isText(r.symbol) &&
      isSide(r.side) &&
      isDecimal(r.price) &&
      isDecimal(r.qty) &&
      isDecimal(r.commission) &&
      isText(r.commissionAsset) &&
      isDecimal(r.realizedPnl) &&
      typeof r.maker === 'boolean' &&
      isInteger(r.time),
    'userTrades row',
  );
  return {
    id: r.id,
    orderId: r.orderId,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    qty: r.qty,
    commission: r.commission,
    commissionAsset: r.commissionAsset,
    realizedPnl: r.realizedPnl,
    maker: r.maker,
    time: r.time,
  };
}

function orderEvent(
  order: OrderRow,
  executionType: string,
  orderStatus: string,
  time: number,
  fill?: { trade: TradeRow; cumulative: string },
): OrderUpdateEvent {
  const trade = fill?.trade;
  const hasCommission = trade !== undefined && compareDecimals(trade.commission, '0') !== 0;
  return {
    type: 'orderUpdate',
    source: 'poll',
    eventTime: time,
    transactionTime: time,
    symbol: order.symbol,
    clientOrderId: order.clientOrderId,
    side: order.side,
    orderType: order.type,
    timeInForce: order.timeInForce,
    quantity: order.origQty,
    price: order.price,
    averagePrice: order.avgPrice,
    stopPrice: order.stopPrice,
    executionType,
    orderStatus,
    orderId: order.orderId,
    lastFilledQuantity: trade?.qty ?? '0',
    cumulativeFilledQuantity: fill?.cumulative ?? (executionType === 'NEW' ? '0' : order.executedQty),
    lastFilledPrice: trade?.price ?? '0',
    commissionAsset: hasCommission ? trade.commissionAsset : undefined,
    commission: hasCommission ? trade.commission : undefined,
    tradeTime: time,
    tradeId: trade?.id ?? 0,
    isMaker: trade?.maker ?? false,
    reduceOnly: order.reduceOnly,
    workingType: order.workingType,
    originalOrderType: order.origType,
    positionSide: order.positionSide,
    closePosition: order.closePosition,
    realizedProfit: trade?.realizedPnl ?? '0',
    isLiquidation: order.clientOrderId.startsWith('autoclose-'),
    isAutoDeleveraging: order.clientOrderId === 'adl_autoclose',
  };
}

function tradeLiteEvent(order: OrderRow, trade: TradeRow): TradeLiteEvent {
  return {
    type: 'tradeLite',
    source: 'poll',
    eventTime: trade.time,
    transactionTime: trade.time,
    symbol: order.symbol,
    originalQuantity: order.origQty,
    originalPrice: order.price,
    isMaker: trade.maker,
    clientOrderId: order.clientOrderId,
    side: order.side,
    lastFilledPrice: trade.price,
    lastFilledQuantity: trade.qty,
    tradeId: trade.id,
    orderId: order.orderId,
  };
}

function algoEvent(row: Payload, status: string, time: number): AlgoUpdateEvent {
  const r = row;
  shape(isInteger(r.algoId) && isText(r.symbol) && isSide(r.side) && isText(r.algoStatus), 'algo order row');
  const text = (value: unknown, fallback: string) => (isText(value) ? value : fallback);
  const decimal = (value: unknown) => (isDecimal(value) ? value : '0');
  const actual = r.actualOrderId;
  return {
    type: 'algoUpdate',
    source: 'poll',
    eventTime: time,
    transactionTime: time,
    clientAlgoId: text(r.clientAlgoId, ''),
    algoId: r.algoId,
    algoType: text(r.algoType, 'CONDITIONAL'),
    orderType: text(r.orderType, ''),
    symbol: r.symbol,
    side: r.side,
    positionSide: text(r.positionSide, 'BOTH'),
    timeInForce: text(r.timeInForce, 'GTC'),
    quantity: decimal(r.quantity),
    algoStatus: status,
    actualOrderId:
      actual === undefined || actual === '' || actual === 0 || actual === null ? undefined : String(actual),
    actualPrice: decimal(r.actualPrice),
    triggerPrice: decimal(r.triggerPrice),
    price: decimal(r.price),
    workingType: text(r.workingType, 'CONTRACT_PRICE'),
    closePosition: r.closePosition === true,
    priceProtect: r.priceProtect === true,
    reduceOnly: r.reduceOnly === true,
    triggerTime: isInteger(r.triggerTime) ? r.triggerTime : 0,
    rejectReason: '',
  };
}

const orderKey = (symbol: string, orderId: number) => `${symbol}|${orderId}`;

/**
 * Polls, per symbol, `userTrades` (5), `openOrders` (1) and `allAlgoOrders` (5), plus `v3/account` (5)
 * and `v2/positionRisk` (5) once, and `order` (1) for each order whose fills or end it must describe.
 * It reconstructs: ORDER_TRADE_UPDATE NEW / TRADE / CANCELED / EXPIRED and TRADE_LITE (from fills and
 * order state), ALGO_UPDATE (the current status of each algo order whose status changed, so
 * intermediate statuses such as TRIGGERING are skipped), and an ACCOUNT_UPDATE `SNAPSHOT` (the feed keeps
 * only entries that differ from what it delivered). Orders opened and cancelled entirely between two polls
 * leave no trace in REST and are not reported.
 */
export function createBinanceUserDataPoller(options: BinanceUserDataPollerOptions): UserDataPoller {
  const symbols = [...new Set(options.symbols.map((symbol) => symbol.toUpperCase()))];
  const maxOrderLookups = Math.max(1, options.maxOrderLookups ?? 50);
  const lastTradeIds = new Map<string, number>();
  let knownOpen = new Map<string, OrderRow>();
  const algoStatuses = new Map<number, string>();
  let baselined = false;

  const fetchTrades = async (session: PollSession, symbol: string, limit: number) => {
    const last = lastTradeIds.get(symbol);
    const params: Record<string, string | number> = { symbol, limit };
    if (last !== undefined && limit > 1) params.fromId = last + 1;
    const answer = await session.call(
      { method: 'GET', path: '/fapi/v1/userTrades', params, security: 'SIGNED' },
      5,
    );
    return rows(answer, 'userTrades').map(tradeRow);
  };
  const fetchOpenOrders = async (session: PollSession, symbol: string) => {
    const answer = await session.call(
      { method: 'GET', path: '/fapi/v1/openOrders', params: { symbol }, security: 'SIGNED' },
      1,
    );
    return rows(answer, 'openOrders').map(orderRow);
  };
  const fetchAlgos = async (session: PollSession, symbol: string) => {
    const answer = await session.call(
      { method: 'GET', path: '/fapi/v1/allAlgoOrders', params: { symbol }, security: 'SIGNED' },
      5,
    );
    return rows(answer, 'allAlgoOrders');
  };

  async function start(): Promise<void> {
    const session = new PollSession(options.request);
    const open = new Map<string, OrderRow>();
    await Promise.all(
      symbols.map(async (symbol) => {
        const [trades, orders, algos] = await Promise.all([
          fetchTrades(session, symbol, 1),
          fetchOpenOrders(session, symbol),
          fetchAlgos(session, symbol),
        ]);
        lastTradeIds.set(
          symbol,
          trades.reduce((max, trade) => Math.max(max, trade.id), 0),
        );
        for (const order of orders) open.set(orderKey(order.symbol, order.orderId), order);
        for (const algo of algos) {
          if (isInteger(algo.algoId) && isText(algo.algoStatus))
            algoStatuses.set(algo.algoId, algo.algoStatus);
        }
      }),
    );
    knownOpen = open;
    baselined = true;
  }

  async function poll(): Promise<PollResult<UserDataEvent>> {
    if (!baselined) {
      await start();
      return { events: [], weight: symbols.length * 11 };
    }
    const session = new PollSession(options.request);
    const events: UserDataEvent[] = [];
    const perSymbol = await Promise.all(
      symbols.map(async (symbol) => ({
        symbol,
        trades: await session.part(() => fetchTrades(session, symbol, 1000)),
        open: await session.part(() => fetchOpenOrders(session, symbol)),
        algos: await session.part(() => fetchAlgos(session, symbol)),
      })),
    );
    const [account, positionRows] = await Promise.all([
      session.part(async () => {
        const answer = await session.call({ method: 'GET', path: '/fapi/v3/account', security: 'SIGNED' }, 5);
        shape(isObject(answer), 'account is not an object');
        return answer;
      }),
      session.part(async () =>
        rows(
          await session.call({ method: 'GET', path: '/fapi/v2/positionRisk', security: 'SIGNED' }, 5),
          'positionRisk',
        ),
      ),
    ]);

    // Order details: open orders come with them; orders with new fills or that left the book are looked up.
    const details = new Map<string, OrderRow>();
    const nowOpen = new Map<string, OrderRow>();
    for (const { open } of perSymbol) {
      for (const order of open ?? []) {
        const key = orderKey(order.symbol, order.orderId);
        nowOpen.set(key, order);
        details.set(key, order);
      }
    }
    const lookups: { symbol: string; orderId: number }[] = [];
    const wantLookup = (symbol: string, orderId: number) => {
      const key = orderKey(symbol, orderId);
      if (details.has(key) || lookups.some((entry) => orderKey(entry.symbol, entry.orderId) === key)) return;
      lookups.push({ symbol, orderId });
    };
    const newTrades = new Map<string, TradeRow[]>();
    for (const { symbol, trades } of perSymbol) {
      if (!trades) continue;
      const last = lastTradeIds.get(symbol) ?? 0;
      const fresh = trades.filter((trade) => trade.id > last).sort((left, right) => left.id - right.id);
      newTrades.set(symbol, fresh);
      for (const trade of fresh) wantLookup(symbol, trade.orderId);
    }
    const polledSymbols = new Set(
      perSymbol.filter((entry) => entry.open !== undefined).map((entry) => entry.symbol),
    );
    const departed = [...knownOpen.values()].filter(
      (order) => polledSymbols.has(order.symbol) && !nowOpen.has(orderKey(order.symbol, order.orderId)),
    );
    for (const order of departed) wantLookup(order.symbol, order.orderId);
    await Promise.all(
      lookups.slice(0, maxOrderLookups).map(({ symbol, orderId }) =>
        session.part(async () => {
          const answer = await session.call(
            { method: 'GET', path: '/fapi/v1/order', params: { symbol, orderId }, security: 'SIGNED' },
            1,
          );
          shape(isObject(answer), 'order is not an object');
          details.set(orderKey(symbol, orderId), orderRow(answer));
        }),
      ),
    );

    // NEW for orders not seen before (the feed drops those the stream already delivered).
    const announced = new Set<string>();
    const announce = (order: OrderRow) => {
      const key = orderKey(order.symbol, order.orderId);
      if (announced.has(key) || knownOpen.has(key)) return;
      announced.add(key);
      events.push(orderEvent(order, 'NEW', 'NEW', order.time));
    };
    for (const order of nowOpen.values()) announce(order);

    // Fills, in trade-id order; stop at the first fill whose order could not be looked up.
    for (const [symbol, trades] of newTrades) {
      const remaining = new Map<number, string>();
      for (const trade of trades) {
        remaining.set(trade.orderId, addDecimals(remaining.get(trade.orderId) ?? '0', trade.qty));
      }
      let cursor = lastTradeIds.get(symbol) ?? 0;
      for (const trade of trades) {
        const order = details.get(orderKey(symbol, trade.orderId));
        if (!order) break;
        announce(order);
        // Cumulative after this fill = executed now − what later fills of this poll add.
        const later = subtractDecimals(remaining.get(trade.orderId) ?? '0', trade.qty);
        remaining.set(trade.orderId, later);
        const cumulative = subtractDecimals(order.executedQty, later);
        const status = compareDecimals(cumulative, order.origQty) >= 0 ? 'FILLED' : 'PARTIALLY_FILLED';
        events.push(orderEvent(order, 'TRADE', status, trade.time, { trade, cumulative }));
        events.push(tradeLiteEvent(order, trade));
        cursor = trade.id;
      }
      lastTradeIds.set(symbol, cursor);
    }

    // Orders that left the book: cancelled or expired (filled ones are told by their fills).
    const stillKnown = new Map(nowOpen);
    for (const order of departed) {
      const key = orderKey(order.symbol, order.orderId);
      const detail = details.get(key);
      if (!detail) {
        stillKnown.set(key, order);
        continue;
      }
      if (detail.status === 'CANCELED')
        events.push(orderEvent(detail, 'CANCELED', 'CANCELED', detail.updateTime));
      else if (detail.status === 'EXPIRED' || detail.status === 'EXPIRED_IN_MATCH')
        events.push(orderEvent(detail, 'EXPIRED', detail.status, detail.updateTime));
    }
    for (const { symbol } of perSymbol) {
      if (!polledSymbols.has(symbol)) {
        for (const [key, order] of knownOpen) if (order.symbol === symbol) stillKnown.set(key, order);
      }
    }
    knownOpen = stillKnown;

    // Algo orders whose status changed (NEW first for ones never seen).
    for (const { algos } of perSymbol) {
      for (const algo of algos ?? []) {
        const built = await session.part(async () => {
          const probe = algoEvent(algo, String(algo.algoStatus), 0);
          const known = algoStatuses.get(probe.algoId);
          const created = isInteger(algo.createTime) ? algo.createTime : 0;
          const updated = isInteger(algo.updateTime) ? algo.updateTime : created;
          const list: AlgoUpdateEvent[] = [];
          if (known === undefined) list.push(algoEvent(algo, 'NEW', created));
          if (known !== probe.algoStatus && probe.algoStatus !== 'NEW')
            list.push(algoEvent(algo, probe.algoStatus, updated));
          algoStatuses.set(probe.algoId, probe.algoStatus);
          return list;
        });
        if (built) events.push(...built);
      }
    }

    if (account && positionRows) {
      // After everything else of this poll: a snapshot describes the state they led to.
      const latest = events.reduce((max, event) => Math.max(max, event.eventTime), 0);
      events.push(accountSnapshot(account, positionRows, symbols, latest));
    }
    if (lookups.length > maxOrderLookups)
      session.errors.push(
        new WsError(
          'POLL_FAILED',
          `${lookups.length - maxOrderLookups} order look-ups deferred to the next poll`,
        ),
      );
    // Stable sort by event time keeps NEW before TRADE before TRADE_LITE for equal times.
    const ordered = events
      .map((event, index) => ({ event, index }))
      .sort((left, right) => left.event.eventTime - right.event.eventTime || left.index - right.index)
      .map(({ event }) => event);
    return { events: ordered, weight: session.weight, errors: session.errors };
  }

  return { start, poll };
}

function accountSnapshot(
  account: Payload,
  positionRows: Payload[],
  symbols: readonly string[],
  notBefore: number,
): AccountUpdateEvent {
  const assets = rows(account.assets ?? [], 'account assets');
  const balances: BalanceChange[] = [];
  let time = notBefore;
  for (const asset of assets) {
    if (!isText(asset.asset) || !isDecimal(asset.walletBalance)) continue;
    balances.push({
      asset: asset.asset,
      walletBalance: asset.walletBalance,
      crossWalletBalance: isDecimal(asset.crossWalletBalance)
        ? asset.crossWalletBalance
        : asset.walletBalance,
      balanceChange: '0',
    });
    if (isInteger(asset.updateTime)) time = Math.max(time, asset.updateTime);
  }
  const wanted = new Set(symbols);
  const positions: PositionChange[] = [];
  for (const row of positionRows) {
    if (!isText(row.symbol) || !isDecimal(row.positionAmt) || !isDecimal(row.entryPrice)) continue;
    if (!wanted.has(row.symbol) && compareDecimals(row.positionAmt, '0') === 0) continue;
    positions.push({
      symbol: row.symbol,
      positionAmount: row.positionAmt,
      entryPrice: row.entryPrice,
      breakEvenPrice: isDecimal(row.breakEvenPrice) ? row.breakEvenPrice : row.entryPrice,
      accumulatedRealized: '0',
      unrealizedProfit: isDecimal(row.unRealizedProfit) ? row.unRealizedProfit : '0',
      marginType: row.marginType === 'isolated' ? 'isolated' : 'cross',
      isolatedWallet: isDecimal(row.isolatedWallet) ? row.isolatedWallet : '0',
      positionSide: isText(row.positionSide) ? row.positionSide : 'BOTH',
    });
    if (isInteger(row.updateTime)) time = Math.max(time, row.updateTime);
  }
  return {
    type: 'accountUpdate',
    source: 'poll',
    eventTime: time,
    transactionTime: time,
    reason: 'SNAPSHOT',
    balances,
    positions,
  };
}
