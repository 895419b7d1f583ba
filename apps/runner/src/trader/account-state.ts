import type {
  Balance,
  ConditionalOrder,
  Fill,
  MarginMode,
  Order,
  Position,
  PositionSide,
} from '@bot/exchange';
import { fromExchangeId } from '@bot/symbols';
import type { UserDataEvent } from '@bot/ws';
import { SharedMap } from './shared-map';

/**
 * The account as the exchange holds it — every symbol, not only the traded ones — built by one pure
 * reducer from the user-data stream's events and from REST sweeps (a sweep is one more event, `snapshot`).
 * Decisions read it instead of asking REST; see docs/ARCHITECTURE.md "The account state".
 */
export interface AccountState {
  /** Open positions by unified symbol (`BTC/USDC:USDC`); a flat symbol has no entry. */
  readonly positions: ReadonlyMap<string, PositionEntry>;
  /** Regular orders by client id, live and recently ended (see `isLiveOrderEntry`). */
  readonly orders: ReadonlyMap<string, OrderEntry>;
  /** Conditional (algo) orders by client algo id, live and recently ended. */
  readonly algoOrders: ReadonlyMap<string, AlgoOrderEntry>;
  readonly balances: ReadonlyMap<string, BalanceEntry>;
  /** Leverage and margin mode per symbol, as far as the exchange has told them. */
  readonly settings: ReadonlyMap<string, SymbolSettingsEntry>;
  /**
   * The fills the user-data events reported, per unified symbol, oldest first (the last `FILLS_KEPT`): a
   * close's PnL is read from them instead of REST when they take the trade from its entry back to flat
   * (`settlement.ts`, `streamedClose`).
   */
  readonly fills: ReadonlyMap<string, readonly Fill[]>;
  /** Fills of liquidation and auto-deleveraging orders, oldest first: the exchange closed a position. */
  readonly forcedCloses: readonly ForcedClose[];
  /** Event time of the last user-data event (stream or poll), 0 before the first. */
  readonly lastEventAt: number;
  /** Time of the last REST snapshot, 0 before the first. */
  readonly lastSnapshotAt: number;
  /** How many user-data events were applied: a snapshot applies only where none came after its request. */
  readonly eventSeq: number;
  /** When each symbol's position last changed (also for flat symbols): exchange time, and `eventSeq`. */
  readonly positionTimes: ReadonlyMap<string, Stamp>;
}

/** When an entry was last set: the exchange's time, and the number of events applied by then. */
export interface Stamp {
  readonly updatedAt: number;
  readonly seq: number;
}

export interface PositionEntry {
  readonly symbol: string;
  readonly side: PositionSide;
  /** Positive decimal string. */
  readonly quantity: string;
  readonly entryPrice: string;
  readonly marginMode: MarginMode | undefined;
  /**
   * The exchange's liquidation price as the last sweep read it (the stream does not send it): kept while the
   * position's size and entry stay the same, dropped when they change until the next sweep.
   */
  readonly liquidationPrice?: string;
  readonly updatedAt: number;
}

export interface OrderEntry {
  readonly clientOrderId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly status: 'open' | 'partially-filled' | 'filled' | 'canceled' | 'expired' | 'rejected';
  readonly reduceOnly: boolean;
  /** Cumulative filled quantity (`z` of the ORDER_TRADE_UPDATE, `executedQty` over REST). */
  readonly filled: string;
  readonly updatedAt: number;
  readonly seq: number;
}

export interface AlgoOrderEntry {
  readonly clientAlgoId: string;
  readonly algoId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly purpose: 'stop-loss' | 'take-profit';
  readonly status: ConditionalOrder['status'];
  readonly triggerPrice: string;
  /** Undefined for `closePosition` orders (they close whatever is open). */
  readonly quantity: string | undefined;
  readonly closePosition: boolean;
  readonly updatedAt: number;
  readonly seq: number;
}

export interface BalanceEntry {
  readonly asset: string;
  readonly walletBalance: string;
  /** Wallet plus unrealized PnL when a snapshot said so; the wallet alone from stream events. */
  readonly marginBalance: string | undefined;
  readonly availableBalance: string | undefined;
  readonly updatedAt: number;
  readonly seq: number;
}

export interface SymbolSettingsEntry {
  readonly leverage: number | undefined;
  readonly marginMode: MarginMode | undefined;
  readonly updatedAt: number;
  readonly seq: number;
}

export interface ForcedClose {
  readonly kind: 'liquidation' | 'adl';
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly quantity: string;
  readonly price: string;
  readonly realizedPnl: string;
  readonly time: number;
}

/** A REST sweep: what the exchange holds for `symbols` (positions, both open-order books), and the balances. */
export interface AccountSnapshot {
  readonly type: 'snapshot';
  /** Local time of the sweep (for staleness reports). */
  readonly time: number;
  /** `state.eventSeq` when the sweep was requested: events applied after it are newer than the sweep. */
  readonly seq: number;
  /** The symbols the sweep read in full: a symbol listed here and absent from `positions` is flat. */
  readonly symbols: readonly string[];
  readonly positions: readonly Position[];
  readonly orders: readonly Order[];
  readonly conditionalOrders: readonly ConditionalOrder[];
  readonly balances?: readonly Balance[];
  readonly settings?: readonly {
    readonly symbol: string;
    readonly leverage: number | undefined;
    readonly marginMode: MarginMode | undefined;
  }[];
  /** Liquidation and ADL fills that REST showed (the stream may have missed them). */
  readonly forcedCloses?: readonly ForcedClose[];
}

/** The one vocabulary: user-data events (stream or REST poll) and REST snapshots. */
export type AccountEvent = UserDataEvent | AccountSnapshot;

export const emptyAccountState: AccountState = {
  positions: new Map(),
  orders: new Map(),
  algoOrders: new Map(),
  balances: new Map(),
  settings: new Map(),
  fills: new Map(),
  forcedCloses: [],
  lastEventAt: 0,
  lastSnapshotAt: 0,
  eventSeq: 0,
  positionTimes: new Map(),
};

/** Ended orders kept so a late NEW for them cannot bring them back; older ones are dropped. */
const ENDED_ORDERS_KEPT = 500;
const FORCED_CLOSES_KEPT = 200;
/** Per symbol: enough for a trade's entry, its reductions and its close, many times over. */
const FILLS_KEPT = 200;

/**
 * The reducer: total (every event gives a state; kinds it does not use leave it as it was) and
 * order-tolerant. Between user-data events the exchange's time decides (an ACCOUNT_UPDATE older than the
 * last one for that symbol changes nothing); a REST snapshot changes only what no event touched after the
 * sweep was requested (`seq`), so a sweep answered late never rolls back what the stream said since.
 */
export function reduceAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'snapshot') return applySnapshot(state, event);
  const seq = state.eventSeq + 1;
  const next: AccountState = {
    ...state,
    eventSeq: seq,
    lastEventAt: Math.max(state.lastEventAt, event.eventTime),
  };
  switch (event.type) {
    case 'accountUpdate': {
      const time = event.transactionTime || event.eventTime;
      const positions = new Map(state.positions);
      const positionTimes = new Map(state.positionTimes);
      const settings = new Map(state.settings);
      for (const change of event.positions) {
        if (change.positionSide !== 'BOTH') continue; // one-way mode only
        const symbol = unified(change.symbol);
        if (!symbol || (positionTimes.get(symbol)?.updatedAt ?? 0) > time) continue;
        positionTimes.set(symbol, { updatedAt: time, seq });
        setPosition(positions, symbol, change.positionAmount, change.entryPrice, change.marginType, time);
        const known = settings.get(symbol);
        if (known?.marginMode !== change.marginType && (known?.updatedAt ?? 0) <= time)
          settings.set(symbol, {
            leverage: known?.leverage,
            marginMode: change.marginType,
            updatedAt: time,
            seq,
          });
      }
      const balances = new Map(state.balances);
      for (const change of event.balances) {
        if ((balances.get(change.asset)?.updatedAt ?? 0) > time) continue;
        balances.set(change.asset, {
          asset: change.asset,
          walletBalance: change.walletBalance,
          marginBalance: undefined,
          availableBalance: undefined,
          updatedAt: time,
          seq,
        });
      }
      return { ...next, positions, positionTimes, balances, settings };
    }
    case 'orderUpdate': {
      const symbol = unified(event.symbol);
      if (!symbol) return next;
      const time = event.transactionTime || event.eventTime;
      const orders = SharedMap.copyOf(state.orders, isLiveOrderEntry);
      if ((orders.get(event.clientOrderId)?.updatedAt ?? 0) <= time) {
        orders.set(event.clientOrderId, {
          clientOrderId: event.clientOrderId,
          orderId: String(event.orderId),
          symbol,
          side: event.side === 'BUY' ? 'buy' : 'sell',
          status: orderStatus(event.orderStatus),
          reduceOnly: event.reduceOnly,
          filled: event.cumulativeFilledQuantity,
          updatedAt: time,
          seq,
        });
        pruneEnded(orders, isLiveOrderEntry);
      }
      const forced =
        (event.isLiquidation || event.isAutoDeleveraging) &&
        // Binance reports forced fills as CALCULATED ("liquidation execution"); TRADE is accepted too.
        (event.executionType === 'CALCULATED' || event.executionType === 'TRADE') &&
        /[1-9]/.test(event.lastFilledQuantity)
          ? addForcedClose(state.forcedCloses, {
              kind: event.isLiquidation ? 'liquidation' : 'adl',
              symbol,
              clientOrderId: event.clientOrderId,
              quantity: event.lastFilledQuantity,
              price: event.lastFilledPrice,
              realizedPnl: event.realizedProfit,
              time: event.tradeTime || time,
            })
          : state.forcedCloses;
      return { ...next, orders, forcedCloses: forced, fills: addFill(state.fills, symbol, event) };
    }
    case 'algoUpdate': {
      const symbol = unified(event.symbol);
      if (!symbol) return next;
      const time = event.transactionTime || event.eventTime;
      const algoOrders = SharedMap.copyOf(state.algoOrders, isLiveAlgoEntry);
      const known = algoOrders.get(event.clientAlgoId);
      // For one time, an ended status wins over a live one (FINISHED and NEW can share a millisecond).
      if (!known || known.updatedAt < time || (known.updatedAt === time && isLiveAlgoEntry(known))) {
        algoOrders.set(event.clientAlgoId, {
          clientAlgoId: event.clientAlgoId,
          algoId: String(event.algoId),
          symbol,
          side: event.side === 'BUY' ? 'buy' : 'sell',
          purpose: event.orderType.startsWith('TAKE_PROFIT') ? 'take-profit' : 'stop-loss',
          status: algoStatus(event.algoStatus),
          triggerPrice: event.triggerPrice,
          quantity: event.closePosition ? undefined : event.quantity,
          closePosition: event.closePosition,
          updatedAt: time,
          seq,
        });
        pruneEnded(algoOrders, isLiveAlgoEntry);
      }
      return { ...next, algoOrders };
    }
    case 'accountConfigUpdate': {
      const symbol = event.leverage ? unified(event.leverage.symbol) : undefined;
      if (!event.leverage || !symbol) return next;
      const time = event.transactionTime || event.eventTime;
      const settings = new Map(state.settings);
      const known = settings.get(symbol);
      if ((known?.updatedAt ?? 0) <= time)
        settings.set(symbol, {
          leverage: event.leverage.leverage,
          marginMode: known?.marginMode,
          updatedAt: time,
          seq,
        });
      return { ...next, settings };
    }
    default:
      return next;
  }
}

function applySnapshot(state: AccountState, snapshot: AccountSnapshot): AccountState {
  const seq = snapshot.seq;
  const untouched = (stamp: Stamp | undefined) => stamp === undefined || stamp.seq <= seq;
  const positions = new Map(state.positions);
  const positionTimes = new Map(state.positionTimes);
  const covered = new Set(snapshot.symbols);
  for (const position of snapshot.positions) covered.add(position.symbol);
  const bySymbol = new Map(snapshot.positions.map((position) => [position.symbol, position]));
  for (const symbol of covered) {
    const stamp = positionTimes.get(symbol);
    if (!untouched(stamp)) continue;
    const position = bySymbol.get(symbol);
    const time = Math.max(stamp?.updatedAt ?? 0, position?.updatedAt ?? 0);
    positionTimes.set(symbol, { updatedAt: time, seq });
    const amount = !position ? '0' : position.side === 'long' ? position.quantity : `-${position.quantity}`;
    setPosition(positions, symbol, amount, position?.entryPrice ?? '0', position?.marginMode, time, {
      liquidationPrice: position?.liquidationPrice,
    });
  }

  const orders = SharedMap.copyOf(state.orders, isLiveOrderEntry);
  const listedOrders = new Set(snapshot.orders.map((order) => order.clientOrderId));
  for (const order of snapshot.orders) {
    const known = orders.get(order.clientOrderId);
    if (!untouched(known)) continue;
    orders.set(order.clientOrderId, {
      clientOrderId: order.clientOrderId,
      orderId: order.id,
      symbol: order.symbol,
      side: order.side,
      status: order.status,
      reduceOnly: order.reduceOnly,
      filled: order.filledQuantity,
      updatedAt: Math.max(known?.updatedAt ?? 0, order.updatedAt),
      seq,
    });
  }
  // A live order of a swept symbol that the sweep no longer lists has ended (the fills tell how).
  for (const [id, order] of orders) {
    if (covered.has(order.symbol) && isLiveOrderEntry(order) && !listedOrders.has(id) && untouched(order))
      orders.set(id, { ...order, status: 'canceled', seq });
  }
  const algoOrders = SharedMap.copyOf(state.algoOrders, isLiveAlgoEntry);
  const listedAlgos = new Set(snapshot.conditionalOrders.map((order) => order.clientOrderId));
  for (const order of snapshot.conditionalOrders) {
    const known = algoOrders.get(order.clientOrderId);
    if (!untouched(known)) continue;
    algoOrders.set(order.clientOrderId, {
      clientAlgoId: order.clientOrderId,
      algoId: order.id,
      symbol: order.symbol,
      side: order.side,
      purpose: order.purpose,
      status: order.status,
      triggerPrice: order.triggerPrice,
      quantity: order.quantity,
      closePosition: order.closePosition,
      updatedAt: Math.max(known?.updatedAt ?? 0, order.updatedAt),
      seq,
    });
  }
  for (const [id, order] of algoOrders) {
    if (covered.has(order.symbol) && isLiveAlgoEntry(order) && !listedAlgos.has(id) && untouched(order))
      algoOrders.set(id, { ...order, status: 'finished', seq });
  }
  pruneEnded(orders, isLiveOrderEntry);
  pruneEnded(algoOrders, isLiveAlgoEntry);

  const balances = new Map(state.balances);
  for (const balance of snapshot.balances ?? []) {
    const known = balances.get(balance.asset);
    if (!untouched(known)) continue;
    balances.set(balance.asset, {
      asset: balance.asset,
      walletBalance: balance.walletBalance,
      marginBalance: balance.marginBalance,
      availableBalance: balance.availableBalance,
      updatedAt: Math.max(known?.updatedAt ?? 0, balance.updatedAt),
      seq,
    });
  }
  const settings = new Map(state.settings);
  for (const entry of snapshot.settings ?? []) {
    const known = settings.get(entry.symbol);
    if (!untouched(known)) continue;
    settings.set(entry.symbol, {
      leverage: entry.leverage ?? known?.leverage,
      marginMode: entry.marginMode ?? known?.marginMode,
      updatedAt: known?.updatedAt ?? 0,
      seq,
    });
  }
  let forcedCloses = state.forcedCloses;
  for (const close of snapshot.forcedCloses ?? []) forcedCloses = addForcedClose(forcedCloses, close);
  return {
    ...state,
    positions,
    positionTimes,
    orders,
    algoOrders,
    balances,
    settings,
    forcedCloses,
    lastSnapshotAt: Math.max(state.lastSnapshotAt, snapshot.time),
  };
}

/** The same fill may come from the stream and from REST: one entry per symbol, time and quantity. */
function addForcedClose(known: readonly ForcedClose[], close: ForcedClose): readonly ForcedClose[] {
  const seen = known.some(
    (entry) =>
      entry.symbol === close.symbol && entry.time === close.time && entry.quantity === close.quantity,
  );
  return seen ? known : [...known, close].slice(-FORCED_CLOSES_KEPT);
}

function setPosition(
  positions: Map<string, PositionEntry>,
  symbol: string,
  amount: string,
  entryPrice: string,
  marginMode: MarginMode | undefined,
  time: number,
  swept?: { readonly liquidationPrice: string | undefined },
): void {
  const negative = amount.startsWith('-');
  const quantity = negative ? amount.slice(1) : amount;
  if (!/[1-9]/.test(quantity)) {
    positions.delete(symbol);
    return;
  }
  const known = positions.get(symbol);
  const side = negative ? 'short' : 'long';
  const unchanged = known?.side === side && known.quantity === quantity && known.entryPrice === entryPrice;
  const liquidationPrice = swept ? swept.liquidationPrice : unchanged ? known.liquidationPrice : undefined;
  positions.set(symbol, {
    symbol,
    side,
    quantity,
    entryPrice,
    marginMode: marginMode ?? known?.marginMode,
    ...(liquidationPrice === undefined ? {} : { liquidationPrice }),
    updatedAt: time,
  });
}

function unified(exchangeId: string): string | undefined {
  try {
    return fromExchangeId(exchangeId);
  } catch {
    return undefined; // a symbol this bot cannot name (another quote asset): not its business
  }
}

function orderStatus(status: string): OrderEntry['status'] {
  switch (status) {
    case 'NEW':
      return 'open';
    case 'PARTIALLY_FILLED':
      return 'partially-filled';
    case 'FILLED':
      return 'filled';
    case 'CANCELED':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    default:
      return 'expired';
  }
}

function algoStatus(status: string): ConditionalOrder['status'] {
  switch (status) {
    case 'NEW':
      return 'open';
    case 'TRIGGERING':
      return 'triggering';
    case 'TRIGGERED':
      return 'triggered';
    case 'FINISHED':
      return 'finished';
    case 'CANCELED':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    default:
      return 'expired';
  }
}

function isEnded(status: ConditionalOrder['status']): boolean {
  return status !== 'open' && status !== 'triggering';
}

export function isLiveOrderEntry(order: OrderEntry): boolean {
  return order.status === 'open' || order.status === 'partially-filled';
}

export function isLiveAlgoEntry(order: AlgoOrderEntry): boolean {
  return !isEnded(order.status);
}

/** Keeps every live entry and the most recent ended ones (a map iterates in insertion order). */
function pruneEnded<T>(entries: SharedMap<T>, isLive: (entry: T) => boolean): void {
  let ended = entries.ended;
  if (ended <= ENDED_ORDERS_KEPT) return;
  for (const [id, entry] of entries) {
    if (ended <= ENDED_ORDERS_KEPT) break;
    if (!isLive(entry)) {
      entries.delete(id);
      ended -= 1;
    }
  }
}

// --- reads the decisions use ---

/** The live regular orders, in the state's order. */
export function liveOrders(state: AccountState): readonly OrderEntry[] {
  return liveOf(state.orders, isLiveOrderEntry);
}

/** The live conditional orders, in the state's order. */
export function liveAlgoOrders(state: AccountState): readonly AlgoOrderEntry[] {
  return liveOf(state.algoOrders, isLiveAlgoEntry);
}

function liveOf<V>(entries: ReadonlyMap<string, V>, isLive: (entry: V) => boolean): readonly V[] {
  return (
    (entries instanceof SharedMap ? (entries as SharedMap<V>).liveValues(isLive) : undefined) ??
    [...entries.values()].filter(isLive)
  );
}

/** Live stop-loss orders on `symbol`. */
export function liveStops(state: AccountState, symbol: string): AlgoOrderEntry[] {
  return liveAlgoOrders(state).filter((order) => order.symbol === symbol && order.purpose === 'stop-loss');
}

/** The account's margin balance in `asset` (wallet when no snapshot said more), or undefined. */
export function equityOf(state: AccountState, asset: string): number | undefined {
  const balance = state.balances.get(asset);
  if (!balance) return undefined;
  return Number(balance.marginBalance ?? balance.walletBalance);
}

/** The event's fill (a trade with a quantity) added to its symbol's log, once per trade id. */
function addFill(
  fills: ReadonlyMap<string, readonly Fill[]>,
  symbol: string,
  event: Extract<AccountEvent, { type: 'orderUpdate' }>,
): ReadonlyMap<string, readonly Fill[]> {
  if (event.tradeId <= 0 || !/[1-9]/.test(event.lastFilledQuantity)) return fills;
  const id = String(event.tradeId);
  const known = fills.get(symbol) ?? [];
  if (known.some((fill) => fill.id === id)) return fills;
  const fill: Fill = {
    id,
    orderId: String(event.orderId),
    symbol,
    side: event.side === 'BUY' ? 'buy' : 'sell',
    price: event.lastFilledPrice,
    quantity: event.lastFilledQuantity,
    quoteQuantity: '0', // not in the event; nothing counts it
    fee: event.commission ?? '0',
    feeAsset: event.commissionAsset ?? '',
    realizedPnl: event.realizedProfit,
    maker: event.isMaker,
    time: event.tradeTime || event.transactionTime || event.eventTime,
  };
  const next = new Map(fills);
  next.set(symbol, [...known.slice(-(FILLS_KEPT - 1)), fill]);
  return next;
}
