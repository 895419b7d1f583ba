import type Decimal from 'decimal.js';

import {
  computeAssetFigures,
  maintenanceMarginOf,
  openOrderMarginOf,
  positionOpenOrderMargin,
  unrealizedProfitOf,
} from './account-figures';
import type {
  AccountState,
  AlgoState,
  AssetState,
  InstrumentState,
  OrderState,
  PositionState,
} from './core-state';
import { createInstrumentState, lastPriceOf, markPriceOf, reaches, recomputeThresholds } from './core-state';
import {
  CoreDecimal,
  floorToIncrement,
  formatMoney,
  formatPrice,
  formatQuantity,
  roundMoney,
  zero,
} from './decimal-format';
import {
  checkClientId,
  checkConditionalType,
  checkPercentPrice,
  checkPrice,
  checkQuantity,
  checkRegularType,
  checkSide,
  checkTimeInForce,
  checkTriggerPrice,
  checkWorkingType,
  parseDecimalParameter,
} from './order-validation';
import { BoundedHistory } from './bounded-history';
import { SyntheticBook } from './order-book';
import type { BookChanges, PrintedLevel } from './order-book';
import { rejections } from './rejections';
import { SimRejection } from './types';
import type {
  AccountTotalsView,
  AlgoOrderReference,
  AlgoOrderView,
  AlgoStatus,
  AssetView,
  ConditionalOrderType,
  CoreEvent,
  CoreFaults,
  ExecutionType,
  FillView,
  LedgerEntryView,
  ModifyOrderRequest,
  ForcedClose,
  InstrumentSpec,
  LeverageView,
  MarginType,
  MarketUpdate,
  MarketView,
  NewAlgoOrderRequest,
  NewOrderRequest,
  OrderReference,
  OrderStatus,
  OrderView,
  PositionView,
  RegularOrderType,
  Side,
  SymbolConfigView,
  TimeInForce,
  WorkingType,
} from './types';
import { algoView, assetView, orderView, positionView } from './views';

export interface MatchingCoreOptions {
  readonly instruments: readonly InstrumentSpec[];
  /** Maker fee rate, default '0.0002'. */
  readonly makerFeeRate?: string;
  /** Taker fee rate, default '0.0005'. */
  readonly takerFeeRate?: string;
  /** Leverage of every symbol of a new account (capped at the symbol's maximum), default 20. */
  readonly defaultLeverage?: number;
  /** Funding interval, default 8 h: boundaries at multiples of it since the epoch (00:00/08:00/16:00 UTC). */
  readonly fundingIntervalMs?: number;
  /** Funding rate of every symbol until `setFundingRate`, default '0.0001'. */
  readonly defaultFundingRate?: string;
  /** `maxNotionalValue` answered by leverage and symbolConfig, default '1000000'. */
  readonly maxNotionalValue?: string;
  /** Finished orders, finished algo orders and fills kept per account for queries, default 20 000 each. */
  readonly historyLimit?: number;
  /** Seeds the order books of the instruments that have a `book` spec (default 42). */
  readonly bookSeed?: number;
}

/** A depth snapshot as `GET /fapi/v1/depth` answers it. */
export interface DepthView {
  readonly lastUpdateId: number;
  readonly bids: PrintedLevel[];
  readonly asks: PrintedLevel[];
}

/** The best bid and ask (`bookTicker`); quantities '0' and prices the last price without a book. */
export interface BookTopView {
  readonly updateId: number;
  readonly bidPrice: string;
  readonly bidQty: string;
  readonly askPrice: string;
  readonly askQty: string;
}

/** A regular order about to be admitted: validated request fields, or an algo child, or a liquidation. */
interface OrderIntent {
  readonly instrument: InstrumentState;
  readonly side: Side;
  readonly isBuy: boolean;
  readonly type: RegularOrderType;
  readonly origType: RegularOrderType | ConditionalOrderType;
  readonly quantity: Decimal;
  /** Zero for MARKET. */
  readonly price: Decimal;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  /** Empty: generate one. */
  readonly clientOrderId: string;
  readonly stopPrice: string;
  readonly workingType: WorkingType;
  readonly forcedClose?: ForcedClose;
}

interface Admission {
  /** The quantity after a reduce-only cut. */
  readonly quantity: Decimal;
  /** Whether the order takes liquidity at once (MARKET, or a LIMIT through the last price). */
  readonly crosses: boolean;
}

const defaultHistoryLimit = 20_000;
const marginCallRatio = 0.8;
const marginCallRatioExact = new CoreDecimal('0.8');
/** Relative tolerance of the float risk pre-check: inside it, the exact Decimal check decides. */
const floatTolerance = 1e-9;

function isOpenStatus(status: OrderStatus): boolean {
  return status === 'NEW' || status === 'PARTIALLY_FILLED';
}

function removeFromArray<T>(array: T[], item: T): void {
  const index = array.indexOf(item);
  if (index >= 0) array.splice(index, 1);
}

/** The finer of two step sizes (the book counts quantities in it). */
function finerStep(left: string, right: string): string {
  return Number(left) <= Number(right) ? left : right;
}

function clientKey(symbol: string, clientOrderId: string): string {
  return `${symbol}\u0000${clientOrderId}`;
}

function parseMoney(text: string, what: string): Decimal {
  let value: Decimal;
  try {
    value = new CoreDecimal(text);
  } catch {
    throw new Error(`Invalid ${what} ${JSON.stringify(text)}: expected a decimal string.`);
  }
  if (!value.isFinite())
    throw new Error(`Invalid ${what} ${JSON.stringify(text)}: expected a finite number.`);
  return value;
}

/**
 * A pure, deterministic Binance USDⓈ-M (one-way mode) matching core: accounts, regular and algo orders,
 * positions, cross and isolated margin, liquidation and funding. No clock and no I/O: every command
 * carries `now`, and everything that happens is queued as a `CoreEvent` for `drainEvents()`.
 */
export class MatchingCore {
  /** One-shot faults; set them between calls (each is consumed by the order it affects). */
  faults: CoreFaults = {};

  private readonly instrumentList: InstrumentState[];
  private readonly instrumentsBySymbol = new Map<string, InstrumentState>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly makerRate: Decimal;
  private readonly takerRate: Decimal;
  private readonly defaultLeverage: number;
  private readonly fundingInterval: number;
  private readonly maxNotionalValue: string;
  private readonly historyLimit: number;
  private events: CoreEvent[] = [];
  private nextOrderId = 1_000_001;
  private nextAlgoId = 2_000_001;
  private nextTradeId = 1;
  private nextTransactionId = 9_000_000_001;

  constructor(options: MatchingCoreOptions) {
    this.makerRate = parseMoney(options.makerFeeRate ?? '0.0002', 'makerFeeRate');
    this.takerRate = parseMoney(options.takerFeeRate ?? '0.0005', 'takerFeeRate');
    this.defaultLeverage = options.defaultLeverage ?? 20;
    this.fundingInterval = options.fundingIntervalMs ?? 8 * 60 * 60 * 1000;
    this.maxNotionalValue = options.maxNotionalValue ?? '1000000';
    this.historyLimit = options.historyLimit ?? defaultHistoryLimit;
    if (!(this.fundingInterval > 0)) throw new Error('fundingIntervalMs must be positive.');
    if (!Number.isInteger(this.defaultLeverage) || this.defaultLeverage < 1) {
      throw new Error('defaultLeverage must be a positive integer.');
    }
    const fundingRate = parseMoney(options.defaultFundingRate ?? '0.0001', 'defaultFundingRate');
    this.instrumentList = options.instruments.map((spec, index) => {
      if (this.instrumentsBySymbol.has(spec.symbol)) throw new Error(`Duplicate instrument ${spec.symbol}.`);
      const book =
        spec.book === undefined
          ? null
          : new SyntheticBook(
              spec.book,
              spec.tickSize,
              finerStep(spec.stepSize, spec.marketStepSize ?? spec.stepSize),
              options.bookSeed ?? 42,
              spec.symbol,
            );
      const instrument = createInstrumentState(spec, index, fundingRate, book);
      this.instrumentsBySymbol.set(spec.symbol, instrument);
      return instrument;
    });
  }

  // ---------------------------------------------------------------- accounts

  addAccount(accountId: string, balances: Record<string, string>, now: number): void {
    if (this.accounts.has(accountId)) throw new Error(`Account ${accountId} already exists.`);
    const assets = new Map<string, AssetState>();
    const addAsset = (asset: string, amount: Decimal): void => {
      assets.set(asset, {
        asset,
        crossWallet: amount,
        crossWalletFloat: amount.toNumber(),
        marginCalled: false,
        updateTime: now,
      });
    };
    for (const [asset, text] of Object.entries(balances)) {
      const amount = parseMoney(text, `balance of ${asset}`);
      if (amount.lt(0)) throw new Error(`Invalid balance of ${asset}: must not be negative.`);
      addAsset(asset, roundMoney(amount));
    }
    for (const instrument of this.instrumentList) {
      if (!assets.has(instrument.marginAsset)) addAsset(instrument.marginAsset, zero);
    }
    const positions = this.instrumentList.map((instrument): PositionState => {
      const asset = assets.get(instrument.marginAsset);
      if (asset === undefined) throw new Error(`No asset state for ${instrument.marginAsset}.`);
      return {
        instrument,
        asset,
        leverage: Math.min(this.defaultLeverage, instrument.spec.maxLeverage),
        marginType: 'CROSSED',
        amount: zero,
        entryPrice: zero,
        openFees: zero,
        isolatedWallet: zero,
        amountFloat: 0,
        entryFloat: 0,
        isolatedWalletFloat: 0,
        marginCalled: false,
        updateTime: now,
        buyQuantity: zero,
        buyNotional: zero,
        sellQuantity: zero,
        sellNotional: zero,
      };
    });
    this.accounts.set(accountId, {
      id: accountId,
      assets,
      positions,
      openPositions: [],
      openOrders: new Map(),
      closedOrders: new BoundedHistory(this.historyLimit),
      clientOrderIndex: new Map(),
      openAlgos: new Map(),
      closedAlgos: new BoundedHistory(this.historyLimit),
      clientAlgoIndex: new Map(),
      fills: [],
      ledger: [],
    });
  }

  hasAccount(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Credits the cross wallet; emits an account event with reason DEPOSIT. */
  deposit(accountId: string, asset: string, amount: string, now: number): AssetView {
    const account = this.accountOf(accountId);
    const value = parseMoney(amount, 'deposit amount');
    if (!value.gt(0)) throw new Error('A deposit must be positive.');
    let state = account.assets.get(asset);
    if (state === undefined) {
      state = { asset, crossWallet: zero, crossWalletFloat: 0, marginCalled: false, updateTime: now };
      account.assets.set(asset, state);
    }
    state.crossWallet = state.crossWallet.plus(roundMoney(value));
    state.crossWalletFloat = state.crossWallet.toNumber();
    state.updateTime = now;
    const view = assetView(account, state);
    this.record(account, {
      incomeType: 'TRANSFER',
      symbol: '',
      asset,
      income: formatMoney(roundMoney(value)),
      time: now,
    });
    this.events.push({
      kind: 'account',
      accountId,
      time: now,
      reason: 'DEPOSIT',
      balances: [view],
      positions: [],
      balanceChange: formatMoney(roundMoney(value)),
    });
    return view;
  }

  /**
   * Debits the cross wallet (a transfer out of the futures account), at most what Binance would let go
   * (`maxWithdrawAmount`: the available balance, never more than the cross wallet); emits an account event
   * with reason WITHDRAW. Throws a plain Error for an amount that is not positive or too large.
   */
  withdraw(accountId: string, asset: string, amount: string, now: number): AssetView {
    const account = this.accountOf(accountId);
    const value = roundMoney(parseMoney(amount, 'withdrawal amount'));
    if (!value.gt(0)) throw new Error('A withdrawal must be positive.');
    const state = account.assets.get(asset);
    if (state === undefined) throw new Error(`Account ${accountId} holds no ${asset}.`);
    const figures = computeAssetFigures(account, state);
    const withdrawable = figures.available.lt(figures.crossWallet) ? figures.available : figures.crossWallet;
    if (value.gt(withdrawable))
      throw new Error(
        `Withdrawal of ${amount} ${asset} exceeds the withdrawable ${formatMoney(withdrawable.gt(0) ? withdrawable : zero)}.`,
      );
    this.creditCross(state, value.neg());
    state.updateTime = now;
    const view = assetView(account, state);
    this.record(account, {
      incomeType: 'TRANSFER',
      symbol: '',
      asset,
      income: formatMoney(value.neg()),
      time: now,
    });
    this.events.push({
      kind: 'account',
      accountId,
      time: now,
      reason: 'WITHDRAW',
      balances: [view],
      positions: [],
      balanceChange: formatMoney(value.neg()),
    });
    return view;
  }

  // ---------------------------------------------------------------- market

  /**
   * Applies a market data point, then in order: triggers algo orders, fills the resting LIMIT orders
   * the last price reached, checks liquidations and margin calls, and settles funding when `time`
   * reaches the symbol's next funding boundary. Without anything to do it touches no Decimal.
   */
  updateMarket(update: MarketUpdate): void {
    const instrument = this.instrumentsBySymbol.get(update.symbol);
    if (instrument === undefined) throw rejections.invalidSymbol();
    const last = Number(update.lastPrice);
    const mark = Number(update.markPrice);
    if (!(last > 0 && mark > 0 && last < Infinity && mark < Infinity)) {
      throw new Error(`Invalid market update for ${update.symbol}: prices must be positive decimal strings.`);
    }
    const time = update.time;
    instrument.lastText = update.lastPrice;
    instrument.markText = update.markPrice;
    instrument.indexText = update.indexPrice ?? update.markPrice;
    instrument.lastFloat = last;
    instrument.markFloat = mark;
    instrument.lastCache = null;
    instrument.markCache = null;
    instrument.time = time;
    if (!instrument.hasPrice) {
      instrument.hasPrice = true;
      instrument.nextFundingTime = this.nextFundingBoundary(time);
    }
    if (instrument.book !== null) instrument.book.setLast(instrument.book.ticksOf(last), time);
    if (instrument.thresholdsDirty) recomputeThresholds(instrument);
    if (
      last >= instrument.lastRiseTrigger ||
      last <= instrument.lastFallTrigger ||
      mark >= instrument.markRiseTrigger ||
      mark <= instrument.markFallTrigger
    ) {
      this.runTriggers(instrument, time);
      if (instrument.thresholdsDirty) recomputeThresholds(instrument);
    }
    if (last <= instrument.highestBuy || last >= instrument.lowestSell) this.fillResting(instrument, time);
    if (instrument.holders.length > 0) this.checkRisk(instrument, time);
    if (time >= instrument.nextFundingTime) this.settleFunding(instrument, time);
  }

  /** Sets the funding rate applied at the symbol's next boundaries (a decimal string, may be negative). */
  setFundingRate(symbol: string, rate: string): void {
    const instrument = this.instrumentOf(symbol);
    instrument.fundingRate = parseMoney(rate, 'funding rate');
  }

  market(symbol: string): MarketView {
    const instrument = this.instrumentOf(symbol);
    const tick = instrument.tickDecimals;
    return {
      symbol,
      lastPrice: instrument.hasPrice ? formatPrice(lastPriceOf(instrument), tick) : '0',
      markPrice: instrument.hasPrice ? formatPrice(markPriceOf(instrument), tick) : '0',
      indexPrice: instrument.hasPrice ? formatPrice(new CoreDecimal(instrument.indexText), tick) : '0',
      fundingRate: instrument.fundingRate.toFixed(),
      nextFundingTime: instrument.nextFundingTime,
      time: instrument.time,
    };
  }

  /** The book's best `limit` levels a side (`GET /fapi/v1/depth`); empty sides without a book. */
  depth(symbol: string, limit: number): DepthView {
    const book = this.instrumentOf(symbol).book;
    if (book === null) return { lastUpdateId: 0, bids: [], asks: [] };
    return { lastUpdateId: book.updateId, bids: book.side(0, limit), asks: book.side(1, limit) };
  }

  /** The best bid and ask; without a book both are the last price with quantity '0'. */
  bookTop(symbol: string): BookTopView {
    const instrument = this.instrumentOf(symbol);
    const book = instrument.book;
    const zeroQty = instrument.zeroQuantityText;
    if (book === null || !instrument.hasPrice) {
      const last = instrument.hasPrice ? formatPrice(lastPriceOf(instrument), instrument.tickDecimals) : '0';
      return { updateId: 0, bidPrice: last, bidQty: zeroQty, askPrice: last, askQty: zeroQty };
    }
    const bid = book.best(0);
    const ask = book.best(1);
    return {
      updateId: book.updateId,
      bidPrice: bid?.[0] ?? '0',
      bidQty: bid?.[1] ?? zeroQty,
      askPrice: ask?.[0] ?? '0',
      askQty: ask?.[1] ?? zeroQty,
    };
  }

  /** The book's update id now (0 without a book). */
  bookUpdateId(symbol: string): number {
    return this.instrumentOf(symbol).book?.updateId ?? 0;
  }

  /** The levels that changed after update `since` (diff-depth streams); undefined without a book. */
  bookChanges(symbol: string, since: number): BookChanges | undefined {
    return this.instrumentOf(symbol).book?.changesSince(since);
  }

  instruments(): InstrumentSpec[] {
    return this.instrumentList.map((instrument) => instrument.spec);
  }

  // ---------------------------------------------------------------- regular orders

  placeOrder(accountId: string, request: NewOrderRequest, now: number): OrderView {
    const account = this.accountOf(accountId);
    const intent = this.validateOrderRequest(request);
    const admission = this.admit(account, intent, true);
    const order = this.createOrder(account, intent, admission.quantity, now, true);
    this.runOrder(order, admission.crosses, now);
    return orderView(order);
  }

  cancelOrder(accountId: string, symbol: string, reference: OrderReference, now: number): OrderView {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const order = this.findOrder(account, instrument, reference);
    if (order === undefined || !isOpenStatus(order.status)) throw rejections.unknownOrderSent();
    this.closeOrder(order, 'CANCELED', now);
    return orderView(order);
  }

  /**
   * PUT /fapi/v1/order: a resting LIMIT order gets a new quantity and price and goes to the back of the
   * queue, under the same orderId (ORDER_TRADE_UPDATE `x: AMENDMENT`). A new price or quantity that breaks
   * a filter is refused and the order stays as it was; like Binance, the order is canceled instead when
   * the new quantity is not above what has already filled, or when a GTX order would take liquidity. A
   * new price through the market fills at once, as a taker.
   */
  modifyOrder(
    accountId: string,
    symbol: string,
    reference: OrderReference,
    change: ModifyOrderRequest,
    now: number,
  ): OrderView {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const order = this.findOrder(account, instrument, reference);
    if (order === undefined || !isOpenStatus(order.status)) throw rejections.orderDoesNotExist();
    checkSide(change.side);
    if (order.type !== 'LIMIT') throw rejections.invalidOrderType();
    if (change.side !== order.side) {
      throw new SimRejection(-1130, "Data sent for parameter 'side' is not valid.");
    }
    const quantity = parseDecimalParameter(change.quantity, 'quantity');
    const price = parseDecimalParameter(change.price, 'price');
    checkQuantity(instrument, quantity, false);
    checkPrice(instrument, price);
    checkPercentPrice(instrument, order.isBuy, price, markPriceOf(instrument));
    const last = lastPriceOf(instrument);
    const crosses = this.limitCrosses(instrument, order.isBuy, price, last);
    if (quantity.lte(order.executedQuantity) || (crosses && order.timeInForce === 'GTX')) {
      this.closeOrder(order, 'CANCELED', now);
      return orderView(order);
    }
    const mutable = order as { -readonly [K in keyof OrderState]: OrderState[K] };
    const previous = { price: order.price, quantity: order.origQuantity };
    const remaining = quantity.minus(order.executedQuantity);
    if (order.resting && !order.reduceOnly) {
      this.adjustOrderAggregates(order, order.origQuantity.minus(order.executedQuantity), -1);
    }
    if (!order.reduceOnly) {
      try {
        this.checkMargin(
          account,
          order.position,
          { ...this.intentOf(order), price, quantity: remaining },
          remaining,
          crosses,
          last,
        );
      } catch (error) {
        if (order.resting)
          this.adjustOrderAggregates(order, previous.quantity.minus(order.executedQuantity), 1);
        throw error;
      }
    }
    if (order.resting) {
      order.resting = false;
      removeFromArray(instrument.resting, order);
      instrument.thresholdsDirty = true;
    }
    mutable.price = price;
    mutable.priceFloat = price.toNumber();
    mutable.priceText = formatPrice(price, instrument.tickDecimals);
    mutable.origQuantity = quantity;
    mutable.origQuantityText = formatQuantity(quantity, instrument.stepDecimals);
    order.updateTime = now;
    this.emitOrder(order, 'AMENDMENT', now);
    if (crosses) {
      this.takeLiquidity(order, remaining, now);
      if (isOpenStatus(order.status)) this.rest(order);
    } else {
      this.rest(order);
    }
    return orderView(order);
  }

  /** The order's request as an intent, for re-checking its margin. */
  private intentOf(order: OrderState): OrderIntent {
    return {
      instrument: order.instrument,
      side: order.side,
      isBuy: order.isBuy,
      type: order.type,
      origType: order.origType,
      quantity: order.origQuantity,
      price: order.price,
      timeInForce: order.timeInForce,
      reduceOnly: order.reduceOnly,
      closePosition: order.closePosition,
      clientOrderId: order.clientOrderId,
      stopPrice: order.stopPrice,
      workingType: order.workingType,
    };
  }

  /** Cancels every open regular order of the symbol (not the algo orders); returns them canceled. */
  cancelAllOrders(accountId: string, symbol: string, now: number): OrderView[] {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const canceled: OrderView[] = [];
    for (const order of [...account.openOrders.values()]) {
      if (order.instrument !== instrument) continue;
      this.closeOrder(order, 'CANCELED', now);
      canceled.push(orderView(order));
    }
    return canceled;
  }

  getOrder(accountId: string, symbol: string, reference: OrderReference): OrderView {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const order = this.findOrder(account, instrument, reference);
    if (order === undefined) throw rejections.orderDoesNotExist();
    return orderView(order);
  }

  openOrders(accountId: string, symbol?: string): OrderView[] {
    const account = this.accountOf(accountId);
    const instrument = symbol === undefined ? undefined : this.instrumentOf(symbol);
    const views: OrderView[] = [];
    for (const order of account.openOrders.values()) {
      if (instrument === undefined || order.instrument === instrument) views.push(orderView(order));
    }
    return views;
  }

  /** Open and finished regular orders still in the history (see `historyLimit`), in orderId order. */
  allOrders(accountId: string, symbol?: string): OrderView[] {
    const account = this.accountOf(accountId);
    const instrument = symbol === undefined ? undefined : this.instrumentOf(symbol);
    const orders = [...account.closedOrders.values(), ...account.openOrders.values()].filter(
      (order) => instrument === undefined || order.instrument === instrument,
    );
    return orders.sort((left, right) => left.orderId - right.orderId).map(orderView);
  }

  // ---------------------------------------------------------------- algo orders

  placeAlgoOrder(accountId: string, request: NewAlgoOrderRequest, now: number): AlgoOrderView {
    const account = this.accountOf(accountId);
    const injected = this.faults.rejectNextConditional;
    if (injected !== undefined) {
      delete this.faults.rejectNextConditional;
      throw new SimRejection(injected.code, injected.msg);
    }
    const instrument = this.instrumentOf(request.symbol);
    checkSide(request.side);
    checkConditionalType(request.type);
    this.requireMarket(instrument);
    const type = request.type;
    const isBuy = request.side === 'BUY';
    const isMarketType = type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';
    const isStopType = type === 'STOP_MARKET' || type === 'STOP';
    const workingType = request.workingType ?? 'CONTRACT_PRICE';
    checkWorkingType(workingType);
    const timeInForce = request.timeInForce ?? 'GTC';
    checkTimeInForce(timeInForce);
    const triggerPrice = parseDecimalParameter(request.triggerPrice, 'triggerPrice');
    checkTriggerPrice(instrument, triggerPrice);
    const closePosition = request.closePosition === true;
    const reduceOnly = request.reduceOnly === true;
    let quantity: Decimal | null = null;
    if (closePosition) {
      if (!isMarketType) throw rejections.parameterNotRequired('closePosition');
      if (request.quantity !== undefined && request.quantity !== '')
        throw rejections.quantityWithClosePosition();
      if (reduceOnly) throw rejections.parameterNotRequired('reduceonly');
    } else {
      quantity = parseDecimalParameter(request.quantity, 'quantity');
      checkQuantity(instrument, quantity, isMarketType);
    }
    let price: Decimal | null = null;
    if (isMarketType) {
      if (request.price !== undefined && request.price !== '') throw rejections.parameterNotRequired('price');
    } else {
      price = parseDecimalParameter(request.price, 'price');
      checkPrice(instrument, price);
    }
    const clientAlgoId = request.clientAlgoId ?? '';
    if (clientAlgoId !== '') {
      checkClientId(clientAlgoId);
      const existing = account.clientAlgoIndex.get(clientAlgoId);
      if (existing !== undefined && existing.status === 'NEW') throw rejections.clientOrderIdDuplicated();
    }
    if (
      quantity !== null &&
      !reduceOnly &&
      quantity.times(price ?? triggerPrice).lt(instrument.minNotional)
    ) {
      throw rejections.notionalTooSmall(instrument.minNotionalText);
    }
    const watchesMark = workingType === 'MARK_PRICE';
    const firesOnRise = isBuy === isStopType;
    const watched = watchesMark ? markPriceOf(instrument) : lastPriceOf(instrument);
    const comparison = watched.comparedTo(triggerPrice);
    if (firesOnRise ? comparison >= 0 : comparison <= 0) throw rejections.wouldImmediatelyTrigger();

    const algoId = this.nextAlgoId++;
    const algo: AlgoState = {
      algoId,
      clientAlgoId: clientAlgoId === '' ? `sim-algo-${algoId}` : clientAlgoId,
      account,
      instrument,
      side: request.side,
      isBuy,
      orderType: type,
      status: 'NEW',
      quantity,
      price,
      triggerPrice,
      triggerFloat: triggerPrice.toNumber(),
      firesOnRise,
      watchesMark,
      workingType,
      timeInForce,
      reduceOnly,
      closePosition,
      priceProtect: request.priceProtect === true,
      createTime: now,
      updateTime: now,
      triggerTime: 0,
      actualOrderId: 0,
      actualPrice: '0',
      actualQuantity: '0',
      rejectReason: '',
    };
    instrument.algos.push(algo);
    instrument.thresholdsDirty = true;
    account.openAlgos.set(algoId, algo);
    account.clientAlgoIndex.set(algo.clientAlgoId, algo);
    const view = algoView(algo);
    this.events.push({ kind: 'algo', accountId: account.id, time: now, algo: view });
    return view;
  }

  cancelAlgoOrder(accountId: string, reference: AlgoOrderReference, now: number): AlgoOrderView {
    const account = this.accountOf(accountId);
    const algo = this.findAlgo(account, reference);
    if (algo === undefined || algo.status !== 'NEW') throw rejections.unknownOrderSent();
    this.endAlgo(algo, 'CANCELED', now);
    return algoView(algo);
  }

  cancelAllAlgoOrders(accountId: string, symbol: string, now: number): AlgoOrderView[] {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const canceled: AlgoOrderView[] = [];
    for (const algo of [...account.openAlgos.values()]) {
      if (algo.instrument !== instrument) continue;
      this.endAlgo(algo, 'CANCELED', now);
      canceled.push(algoView(algo));
    }
    return canceled;
  }

  getAlgoOrder(accountId: string, reference: AlgoOrderReference): AlgoOrderView {
    const account = this.accountOf(accountId);
    const algo = this.findAlgo(account, reference);
    if (algo === undefined) throw rejections.orderDoesNotExist();
    return algoView(algo);
  }

  openAlgoOrders(accountId: string, symbol?: string): AlgoOrderView[] {
    const account = this.accountOf(accountId);
    const instrument = symbol === undefined ? undefined : this.instrumentOf(symbol);
    const views: AlgoOrderView[] = [];
    for (const algo of account.openAlgos.values()) {
      if (instrument === undefined || algo.instrument === instrument) views.push(algoView(algo));
    }
    return views;
  }

  /** Open and finished algo orders still in the history (see `historyLimit`), in algoId order. */
  allAlgoOrders(accountId: string, symbol?: string): AlgoOrderView[] {
    const account = this.accountOf(accountId);
    const instrument = symbol === undefined ? undefined : this.instrumentOf(symbol);
    const algos = [...account.closedAlgos.values(), ...account.openAlgos.values()].filter(
      (algo) => instrument === undefined || algo.instrument === instrument,
    );
    return algos.sort((left, right) => left.algoId - right.algoId).map(algoView);
  }

  // ---------------------------------------------------------------- configuration

  setLeverage(accountId: string, symbol: string, leverage: number, now: number): LeverageView {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > instrument.spec.maxLeverage) {
      throw rejections.invalidLeverage(leverage);
    }
    const position = this.positionOf(account, instrument);
    const previous = position.leverage;
    if (leverage < previous) {
      if (position.marginType === 'ISOLATED' && !position.amount.isZero()) {
        throw rejections.isolatedLeverageReduction();
      }
      position.leverage = leverage;
      if (computeAssetFigures(account, position.asset).available.lt(0)) {
        position.leverage = previous;
        throw rejections.marginInsufficient();
      }
    }
    position.leverage = leverage;
    this.events.push({ kind: 'leverage', accountId, time: now, symbol, leverage });
    return { leverage, maxNotionalValue: this.maxNotionalValue, symbol };
  }

  setMarginType(accountId: string, symbol: string, marginType: MarginType, now: number): void {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    if (marginType !== 'CROSSED' && marginType !== 'ISOLATED')
      throw rejections.mandatoryParameter('marginType');
    const position = this.positionOf(account, instrument);
    if (position.marginType === marginType) throw rejections.marginTypeUnchanged();
    if (!position.amount.isZero()) throw rejections.marginTypeWithPosition();
    for (const order of account.openOrders.values()) {
      if (order.instrument === instrument) throw rejections.marginTypeWithOpenOrders();
    }
    for (const algo of account.openAlgos.values()) {
      if (algo.instrument === instrument) throw rejections.marginTypeWithOpenOrders();
    }
    position.marginType = marginType;
    position.updateTime = now;
    // Nothing moves, yet Binance pushes an ACCOUNT_UPDATE for it with the symbol's flat row (see the README).
    this.events.push({
      kind: 'account',
      accountId,
      time: now,
      reason: 'MARGIN_TYPE_CHANGE',
      balances: [assetView(account, position.asset)],
      positions: [positionView(position)],
    });
  }

  symbolConfig(accountId: string, symbol?: string): SymbolConfigView[] {
    const account = this.accountOf(accountId);
    const instruments = symbol === undefined ? this.instrumentList : [this.instrumentOf(symbol)];
    return instruments.map((instrument) => {
      const position = this.positionOf(account, instrument);
      return {
        symbol: instrument.symbol,
        marginType: position.marginType,
        isAutoAddMargin: false,
        leverage: position.leverage,
        maxNotionalValue: this.maxNotionalValue,
      };
    });
  }

  /**
   * Auto-deleveraging as Binance reports it: cancels the account's open orders on the symbol, then closes
   * `quantity` (default the whole position) at the mark price with an `adl_autoclose` order, without a fee.
   * Throws a plain Error when there is nothing to deleverage or the quantity does not fit the position.
   */
  autoDeleverage(accountId: string, symbol: string, now: number, quantity?: string): OrderView {
    const account = this.accountOf(accountId);
    const instrument = this.instrumentOf(symbol);
    const position = this.positionOf(account, instrument);
    const size = position.amount.abs();
    if (size.isZero()) throw new Error(`Account ${accountId} holds no ${symbol} position to deleverage.`);
    let closing = size;
    if (quantity !== undefined) {
      closing = parseMoney(quantity, 'ADL quantity');
      const sizeText = formatQuantity(size, instrument.stepDecimals);
      if (!closing.gt(0) || closing.gt(size))
        throw new Error(
          `ADL quantity ${quantity} must be above 0 and at most the position size ${sizeText}.`,
        );
      if (!floorToIncrement(closing, instrument.stepSize).eq(closing))
        throw new Error(
          `ADL quantity ${quantity} is not a multiple of the step size ${instrument.spec.stepSize}.`,
        );
    }
    for (const order of [...account.openOrders.values()]) {
      if (order.instrument === instrument) this.closeOrder(order, 'CANCELED', now);
    }
    return orderView(this.forceClose(account, position, closing, 'ADL', now));
  }

  // ---------------------------------------------------------------- queries

  assets(accountId: string): AssetView[] {
    const account = this.accountOf(accountId);
    return [...account.assets.values()].map((asset) => assetView(account, asset));
  }

  /** One row per instrument, zeros when flat (ccxt filters them out). */
  positions(accountId: string): PositionView[] {
    const account = this.accountOf(accountId);
    return account.positions.map(positionView);
  }

  /** The maker and taker fee rates every account pays (`/fapi/v1/commissionRate`). */
  feeRates(): { maker: string; taker: string } {
    return { maker: this.makerRate.toFixed(), taker: this.takerRate.toFixed() };
  }

  /** Funding payments and transfers of the account, oldest first. */
  ledger(accountId: string): LedgerEntryView[] {
    return [...this.accountOf(accountId).ledger];
  }

  fills(accountId: string, symbol?: string): FillView[] {
    const account = this.accountOf(accountId);
    if (symbol === undefined) return [...account.fills];
    this.instrumentOf(symbol);
    return account.fills.filter((fill) => fill.symbol === symbol);
  }

  accountTotals(accountId: string): AccountTotalsView {
    const account = this.accountOf(accountId);
    let wallet = zero;
    let unrealized = zero;
    let initial = zero;
    let maintenance = zero;
    let positionInitial = zero;
    let openOrderInitial = zero;
    let crossWallet = zero;
    let crossUnrealized = zero;
    let available = zero;
    let maxWithdraw = zero;
    for (const asset of account.assets.values()) {
      const figures = computeAssetFigures(account, asset);
      wallet = wallet.plus(figures.crossWallet).plus(figures.isolatedWallets);
      unrealized = unrealized.plus(figures.unrealizedProfit);
      positionInitial = positionInitial.plus(figures.positionInitialMargin);
      openOrderInitial = openOrderInitial.plus(figures.openOrderInitialMargin);
      initial = initial.plus(figures.positionInitialMargin).plus(figures.openOrderInitialMargin);
      maintenance = maintenance.plus(figures.maintenanceMargin);
      crossWallet = crossWallet.plus(figures.crossWallet);
      crossUnrealized = crossUnrealized.plus(figures.crossUnrealizedProfit);
      available = available.plus(figures.available);
      const withdrawable = figures.available.lt(figures.crossWallet)
        ? figures.available
        : figures.crossWallet;
      if (withdrawable.gt(0)) maxWithdraw = maxWithdraw.plus(withdrawable);
    }
    return {
      totalWalletBalance: formatMoney(wallet),
      totalUnrealizedProfit: formatMoney(unrealized),
      totalMarginBalance: formatMoney(wallet.plus(unrealized)),
      totalInitialMargin: formatMoney(initial),
      totalMaintMargin: formatMoney(maintenance),
      totalPositionInitialMargin: formatMoney(positionInitial),
      totalOpenOrderInitialMargin: formatMoney(openOrderInitial),
      totalCrossWalletBalance: formatMoney(crossWallet),
      totalCrossUnPnl: formatMoney(crossUnrealized),
      availableBalance: formatMoney(available),
      maxWithdrawAmount: formatMoney(maxWithdraw),
    };
  }

  /** Returns and forgets everything emitted since the last call, in emission order. */
  drainEvents(): CoreEvent[] {
    const drained = this.events;
    this.events = [];
    return drained;
  }

  // ================================================================ internals: lookups

  private accountOf(accountId: string): AccountState {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw rejections.unknownAccount();
    return account;
  }

  private instrumentOf(symbol: string): InstrumentState {
    const instrument = this.instrumentsBySymbol.get(symbol);
    if (instrument === undefined) throw rejections.invalidSymbol();
    return instrument;
  }

  private positionOf(account: AccountState, instrument: InstrumentState): PositionState {
    const position = account.positions[instrument.index];
    if (position === undefined) throw new Error(`No position state for ${instrument.symbol}.`);
    return position;
  }

  private requireMarket(instrument: InstrumentState): void {
    if (!instrument.hasPrice) throw rejections.unknownError(`No market price for ${instrument.symbol} yet.`);
  }

  private findOrder(
    account: AccountState,
    instrument: InstrumentState,
    reference: OrderReference,
  ): OrderState | undefined {
    let order: OrderState | undefined;
    if (reference.orderId !== undefined) {
      order = account.openOrders.get(reference.orderId) ?? account.closedOrders.get(reference.orderId);
    } else if (reference.origClientOrderId !== undefined && reference.origClientOrderId !== '') {
      order = account.clientOrderIndex.get(clientKey(instrument.symbol, reference.origClientOrderId));
    } else {
      throw rejections.eitherOrderReference('origClientOrderId', 'orderId');
    }
    return order !== undefined && order.instrument === instrument ? order : undefined;
  }

  private findAlgo(account: AccountState, reference: AlgoOrderReference): AlgoState | undefined {
    if (reference.algoId !== undefined) {
      return account.openAlgos.get(reference.algoId) ?? account.closedAlgos.get(reference.algoId);
    }
    if (reference.clientAlgoId !== undefined && reference.clientAlgoId !== '') {
      return account.clientAlgoIndex.get(reference.clientAlgoId);
    }
    throw rejections.eitherOrderReference('clientAlgoId', 'algoId');
  }

  private nextFundingBoundary(time: number): number {
    return Math.floor(time / this.fundingInterval) * this.fundingInterval + this.fundingInterval;
  }

  // ================================================================ internals: order admission

  private validateOrderRequest(request: NewOrderRequest): OrderIntent {
    const instrument = this.instrumentOf(request.symbol);
    checkSide(request.side);
    checkRegularType(request.type);
    this.requireMarket(instrument);
    const isMarket = request.type === 'MARKET';
    const isBuy = request.side === 'BUY';
    let timeInForce: TimeInForce = 'GTC';
    if (!isMarket && request.timeInForce !== undefined) {
      checkTimeInForce(request.timeInForce);
      timeInForce = request.timeInForce;
    }
    const quantity = parseDecimalParameter(request.quantity, 'quantity');
    let price = zero;
    if (isMarket) {
      if (request.price !== undefined && request.price !== '') throw rejections.parameterNotRequired('price');
    } else {
      price = parseDecimalParameter(request.price, 'price');
    }
    checkQuantity(instrument, quantity, isMarket);
    if (!isMarket) {
      checkPrice(instrument, price);
      checkPercentPrice(instrument, isBuy, price, markPriceOf(instrument));
    }
    const clientOrderId = request.newClientOrderId ?? '';
    if (clientOrderId !== '') checkClientId(clientOrderId);
    return {
      instrument,
      side: request.side,
      isBuy,
      type: request.type,
      origType: request.type,
      quantity,
      price,
      timeInForce,
      reduceOnly: request.reduceOnly === true,
      closePosition: false,
      clientOrderId,
      stopPrice: '0',
      workingType: 'CONTRACT_PRICE',
    };
  }

  /**
   * The state-dependent checks, in Binance's order: duplicate client id (-4116), reduce-only (-2022,
   * and the cut to the position size), min notional (-4164), post-only (-5022), margin (-2019).
   */
  private admit(account: AccountState, intent: OrderIntent, checkDuplicate: boolean): Admission {
    const instrument = intent.instrument;
    if (checkDuplicate && intent.clientOrderId !== '') {
      const existing = account.clientOrderIndex.get(clientKey(instrument.symbol, intent.clientOrderId));
      if (existing !== undefined && isOpenStatus(existing.status)) throw rejections.clientOrderIdDuplicated();
    }
    const position = this.positionOf(account, instrument);
    const amount = position.amount;
    let quantity = intent.quantity;
    if (intent.reduceOnly) {
      if (amount.isZero() || amount.gt(0) === intent.isBuy) throw rejections.reduceOnlyRejected();
      const size = amount.abs();
      if (quantity.gt(size)) quantity = size;
    }
    const last = lastPriceOf(instrument);
    const isMarket = intent.type === 'MARKET';
    const crosses = isMarket || this.limitCrosses(instrument, intent.isBuy, intent.price, last);
    if (!intent.reduceOnly && quantity.times(isMarket ? last : intent.price).lt(instrument.minNotional)) {
      throw rejections.notionalTooSmall(instrument.minNotionalText);
    }
    if (crosses && intent.timeInForce === 'GTX') throw rejections.postOnlyWouldTake();
    if (!intent.reduceOnly) this.checkMargin(account, position, intent, quantity, crosses, last);
    return { quantity, crosses };
  }

  private checkMargin(
    account: AccountState,
    position: PositionState,
    intent: OrderIntent,
    quantity: Decimal,
    crosses: boolean,
    last: Decimal,
  ): void {
    let required: Decimal;
    if (crosses) {
      const amount = position.amount;
      const reducible = !amount.isZero() && amount.gt(0) !== intent.isBuy ? amount.abs() : zero;
      const opening = quantity.minus(reducible);
      if (opening.lte(0)) return;
      required = opening.times(last).div(position.leverage);
    } else {
      if (intent.timeInForce === 'IOC' || intent.timeInForce === 'FOK') return; // expires at once
      const notional = quantity.times(intent.price);
      const after = openOrderMarginOf(
        position.amount,
        position.leverage,
        intent.isBuy ? position.buyQuantity.plus(quantity) : position.buyQuantity,
        intent.isBuy ? position.buyNotional.plus(notional) : position.buyNotional,
        intent.isBuy ? position.sellQuantity : position.sellQuantity.plus(quantity),
        intent.isBuy ? position.sellNotional : position.sellNotional.plus(notional),
      );
      required = after.minus(positionOpenOrderMargin(position));
      if (required.lte(0)) return;
    }
    if (computeAssetFigures(account, position.asset).available.lt(required))
      throw rejections.marginInsufficient();
  }

  private createOrder(
    account: AccountState,
    intent: OrderIntent,
    quantity: Decimal,
    now: number,
    takesFault: boolean,
  ): OrderState {
    const orderId = this.nextOrderId++;
    const instrument = intent.instrument;
    let partialFillRatio: number | undefined;
    if (takesFault) {
      const ratio = this.faults.partialFillRatio;
      if (ratio !== undefined) {
        delete this.faults.partialFillRatio;
        if (Number.isFinite(ratio)) partialFillRatio = Math.min(1, Math.max(0, ratio));
      }
    }
    const order: OrderState = {
      orderId,
      clientOrderId: intent.clientOrderId === '' ? `sim-${orderId}` : intent.clientOrderId,
      account,
      position: this.positionOf(account, instrument),
      instrument,
      side: intent.side,
      isBuy: intent.isBuy,
      type: intent.type,
      origType: intent.origType,
      timeInForce: intent.timeInForce,
      price: intent.price,
      priceFloat: intent.price.toNumber(),
      priceText: intent.type === 'MARKET' ? '0' : formatPrice(intent.price, instrument.tickDecimals),
      origQuantity: quantity,
      origQuantityText: formatQuantity(quantity, instrument.stepDecimals),
      executedQuantity: zero,
      cumulativeQuote: zero,
      reduceOnly: intent.reduceOnly,
      closePosition: intent.closePosition,
      stopPrice: intent.stopPrice,
      workingType: intent.workingType,
      status: 'NEW',
      time: now,
      updateTime: now,
      partialFillRatio,
      resting: false,
      forcedClose: intent.forcedClose,
    };
    account.openOrders.set(orderId, order);
    account.clientOrderIndex.set(clientKey(instrument.symbol, order.clientOrderId), order);
    return order;
  }

  /** Emits NEW, then takes liquidity, rests, or expires according to the type and time in force. */
  private runOrder(order: OrderState, crosses: boolean, now: number): void {
    this.emitOrder(order, 'NEW', now);
    const instrument = order.instrument;
    const immediate = order.type === 'MARKET' || order.timeInForce === 'IOC' || order.timeInForce === 'FOK';
    if (crosses) {
      let quantity = order.origQuantity;
      const ratio = order.partialFillRatio;
      if (ratio !== undefined) {
        order.partialFillRatio = undefined;
        quantity = floorToIncrement(quantity.times(ratio), instrument.stepSize);
        if (quantity.gt(order.origQuantity)) quantity = order.origQuantity;
      }
      if (
        order.timeInForce === 'FOK' &&
        (quantity.lt(order.origQuantity) || !this.bookHolds(order, quantity))
      ) {
        this.closeOrder(order, 'EXPIRED', now); // fill-or-kill: all or nothing
        return;
      }
      if (quantity.gt(0)) this.takeLiquidity(order, quantity, now);
      if (!isOpenStatus(order.status)) return;
      if (immediate) this.closeOrder(order, 'EXPIRED', now);
      else this.rest(order);
    } else if (immediate) {
      this.closeOrder(order, 'EXPIRED', now);
    } else {
      this.rest(order);
    }
  }

  /** Whether a LIMIT price takes liquidity: through the best opposite level, or the last price without a book. */
  private limitCrosses(instrument: InstrumentState, isBuy: boolean, price: Decimal, last: Decimal): boolean {
    const book = instrument.book;
    if (book === null) return isBuy ? price.gte(last) : price.lte(last);
    const ticks = book.ticksOf(price.toNumber());
    return isBuy ? ticks >= book.bestAsk : ticks <= book.bestBid;
  }

  /** The levels a taker order walks for `quantity` (within its LIMIT price), as `[ticks, steps]`. */
  private walkOf(order: OrderState, book: SyntheticBook, quantity: Decimal): [number, number][] {
    const steps = book.stepsOf(quantity.toNumber());
    const limit = order.type === 'LIMIT' ? book.ticksOf(order.priceFloat) : undefined;
    return book.walk(order.isBuy, steps, limit);
  }

  /** Whether the book can fill all of `quantity` within the order's price (FOK). */
  private bookHolds(order: OrderState, quantity: Decimal): boolean {
    const book = order.instrument.book;
    if (book === null) return true;
    const steps = book.stepsOf(quantity.toNumber());
    let total = 0;
    for (const [, taken] of this.walkOf(order, book, quantity)) total += taken;
    return total >= steps;
  }

  /**
   * Fills up to `quantity` of a taker order: one fill per price level it walks in the book, best first
   * (or one fill at the last price without a book). What the book cannot give stays unfilled.
   */
  private takeLiquidity(order: OrderState, quantity: Decimal, now: number): void {
    const book = order.instrument.book;
    if (book === null) {
      this.applyFill(order, lastPriceOf(order.instrument), quantity, false, now);
      return;
    }
    const side = order.isBuy ? 1 : 0;
    for (const [ticks, steps] of this.walkOf(order, book, quantity)) {
      book.take(side, ticks, steps, now);
      this.applyFill(
        order,
        new CoreDecimal(book.priceText(ticks)),
        new CoreDecimal(book.quantityText(steps)),
        false,
        now,
      );
      if (!isOpenStatus(order.status)) break;
    }
  }

  private rest(order: OrderState): void {
    order.resting = true;
    order.instrument.resting.push(order);
    order.instrument.thresholdsDirty = true;
    if (!order.reduceOnly) {
      const remaining = order.origQuantity.minus(order.executedQuantity);
      this.adjustOrderAggregates(order, remaining, 1);
    }
  }

  private adjustOrderAggregates(order: OrderState, quantity: Decimal, sign: 1 | -1): void {
    const position = order.position;
    const signedQuantity = sign === 1 ? quantity : quantity.neg();
    const signedNotional = signedQuantity.times(order.price);
    if (order.isBuy) {
      position.buyQuantity = position.buyQuantity.plus(signedQuantity);
      position.buyNotional = position.buyNotional.plus(signedNotional);
    } else {
      position.sellQuantity = position.sellQuantity.plus(signedQuantity);
      position.sellNotional = position.sellNotional.plus(signedNotional);
    }
  }

  /** Takes the order out of the book and the open set, into the history. */
  private retireOrder(order: OrderState): void {
    if (order.resting) {
      order.resting = false;
      removeFromArray(order.instrument.resting, order);
      order.instrument.thresholdsDirty = true;
      if (!order.reduceOnly) {
        this.adjustOrderAggregates(order, order.origQuantity.minus(order.executedQuantity), -1);
      }
    }
    const account = order.account;
    account.openOrders.delete(order.orderId);
    const evicted = account.closedOrders.add(order.orderId, order);
    if (evicted !== undefined) {
      const key = clientKey(evicted.instrument.symbol, evicted.clientOrderId);
      if (account.clientOrderIndex.get(key) === evicted) account.clientOrderIndex.delete(key);
    }
  }

  private closeOrder(order: OrderState, status: 'CANCELED' | 'EXPIRED', now: number): void {
    this.retireOrder(order);
    order.status = status;
    order.updateTime = now;
    this.emitOrder(order, status, now);
  }

  private emitOrder(order: OrderState, execution: ExecutionType, now: number, fill?: FillView): void {
    const view = orderView(order);
    if (fill === undefined) {
      this.events.push({ kind: 'order', accountId: order.account.id, time: now, execution, order: view });
    } else {
      this.events.push({
        kind: 'order',
        accountId: order.account.id,
        time: now,
        execution,
        order: view,
        fill,
      });
    }
  }

  // ================================================================ internals: fills

  /**
   * Executes `quantity` of `order` at `price`: position, entry, realized PnL, fee, margin movements,
   * then the order TRADE event, the public trade print and the ORDER account event.
   */
  private applyFill(order: OrderState, price: Decimal, quantity: Decimal, maker: boolean, now: number): void {
    const account = order.account;
    const position = order.position;
    const instrument = order.instrument;
    const asset = position.asset;
    const isolated = position.marginType === 'ISOLATED';
    const notional = price.times(quantity);
    // Binance charges no trading fee on an ADL close (its ADL FAQ).
    const commission =
      order.forcedClose === 'ADL'
        ? zero
        : roundMoney(notional.times(maker ? this.makerRate : this.takerRate));
    const amount = position.amount;
    const signedQuantity = order.isBuy ? quantity : quantity.neg();
    const newAmount = amount.plus(signedQuantity);
    let realized = zero;

    if (amount.isZero() || amount.gt(0) === order.isBuy) {
      // Opening or increasing: quantity-weighted entry price.
      position.entryPrice = amount.isZero()
        ? price
        : amount.abs().times(position.entryPrice).plus(notional).div(newAmount.abs());
      position.openFees = position.openFees.plus(commission);
      if (isolated) this.fundIsolated(position, notional, commission);
      else this.creditCross(asset, commission.neg());
    } else {
      // Reducing, closing or flipping.
      const size = amount.abs();
      const closeQuantity = quantity.lt(size) ? quantity : size;
      const openQuantity = quantity.minus(closeQuantity);
      const direction = amount.gt(0) ? 1 : -1;
      realized = roundMoney(price.minus(position.entryPrice).times(closeQuantity).times(direction));
      const closeFee = openQuantity.isZero()
        ? commission
        : roundMoney(commission.times(closeQuantity).div(quantity));
      const openFee = commission.minus(closeFee);
      const remaining = size.minus(closeQuantity);
      if (isolated) {
        let wallet = position.isolatedWallet.plus(realized).minus(closeFee);
        if (wallet.lt(0)) wallet = zero; // the shortfall is absorbed (insurance fund)
        const kept = remaining.isZero() ? zero : roundMoney(wallet.times(remaining).div(size));
        this.creditCross(asset, wallet.minus(kept));
        position.isolatedWallet = kept;
      } else {
        this.creditCross(asset, realized.minus(closeFee));
      }
      if (remaining.isZero()) {
        position.entryPrice = zero;
        position.openFees = zero;
      } else {
        position.openFees = roundMoney(position.openFees.times(remaining).div(size));
      }
      if (!openQuantity.isZero()) {
        position.entryPrice = price;
        position.openFees = openFee;
        if (isolated) this.fundIsolated(position, price.times(openQuantity), openFee);
        else this.creditCross(asset, openFee.neg());
      }
    }
    position.amount = newAmount;
    position.updateTime = now;
    asset.updateTime = now;
    this.refreshPositionFloats(position);
    const wasOpen = !amount.isZero();
    const isOpen = !newAmount.isZero();
    if (!wasOpen && isOpen) {
      instrument.holders.push(account);
      account.openPositions.push(position);
    } else if (wasOpen && !isOpen) {
      removeFromArray(instrument.holders, account);
      removeFromArray(account.openPositions, position);
      position.marginCalled = false;
    }

    if (order.resting && !order.reduceOnly) this.adjustOrderAggregates(order, quantity, -1);
    order.executedQuantity = order.executedQuantity.plus(quantity);
    order.cumulativeQuote = order.cumulativeQuote.plus(notional);
    order.updateTime = now;
    if (order.executedQuantity.gte(order.origQuantity)) {
      this.retireOrder(order);
      order.status = 'FILLED';
    } else {
      order.status = 'PARTIALLY_FILLED';
    }

    const fill: FillView = {
      tradeId: this.nextTradeId++,
      orderId: order.orderId,
      symbol: instrument.symbol,
      side: order.side,
      price: formatPrice(price, instrument.tickDecimals),
      qty: formatQuantity(quantity, instrument.stepDecimals),
      quoteQty: formatMoney(notional),
      commission: formatMoney(commission),
      commissionAsset: instrument.marginAsset,
      realizedPnl: formatMoney(realized),
      maker,
      time: now,
    };
    account.fills.push(fill);
    if (account.fills.length > this.historyLimit + 1024)
      account.fills = account.fills.slice(-this.historyLimit);
    this.emitOrder(order, order.forcedClose === undefined ? 'TRADE' : 'CALCULATED', now, fill);
    this.events.push({
      kind: 'trade',
      symbol: instrument.symbol,
      time: now,
      price: fill.price,
      qty: fill.qty,
      buyerIsMaker: maker === order.isBuy,
    });
    this.events.push({
      kind: 'account',
      accountId: account.id,
      time: now,
      reason: 'ORDER',
      balances: [assetView(account, asset)],
      positions: [positionView(position)],
    });
    if (wasOpen && (!isOpen || newAmount.gt(0) !== amount.gt(0))) this.expireStaleReduceOnly(position, now);
  }

  /** Moves the initial margin of an opening fill from the cross wallet into the isolated wallet, then takes the fee from it. */
  private fundIsolated(position: PositionState, notional: Decimal, fee: Decimal): void {
    const asset = position.asset;
    let margin = roundMoney(notional.div(position.leverage));
    if (margin.gt(asset.crossWallet)) margin = asset.crossWallet;
    this.creditCross(asset, margin.neg());
    let wallet = position.isolatedWallet.plus(margin).minus(fee);
    if (wallet.lt(0)) wallet = zero;
    position.isolatedWallet = wallet;
    position.isolatedWalletFloat = wallet.toNumber();
  }

  /** Adds `delta` to the cross wallet; it never goes below zero (the shortfall is absorbed). */
  private creditCross(asset: AssetState, delta: Decimal): void {
    let wallet = asset.crossWallet.plus(delta);
    if (wallet.lt(0)) wallet = zero;
    asset.crossWallet = wallet;
    asset.crossWalletFloat = wallet.toNumber();
  }

  private refreshPositionFloats(position: PositionState): void {
    position.amountFloat = position.amount.toNumber();
    position.entryFloat = position.entryPrice.toNumber();
    position.isolatedWalletFloat = position.isolatedWallet.toNumber();
  }

  /** Binance expires resting reduce-only orders once the position they reduce is closed or flipped. */
  private expireStaleReduceOnly(position: PositionState, now: number): void {
    const instrument = position.instrument;
    let stale: OrderState[] | undefined;
    for (const order of instrument.resting) {
      if (order.position !== position || !order.reduceOnly) continue;
      if (position.amount.isZero() || position.amount.gt(0) === order.isBuy) (stale ??= []).push(order);
    }
    if (stale !== undefined) for (const order of stale) this.closeOrder(order, 'EXPIRED', now);
  }

  // ================================================================ internals: market reactions

  private runTriggers(instrument: InstrumentState, time: number): void {
    let firing: AlgoState[] | undefined;
    const lastExact = (): Decimal => lastPriceOf(instrument);
    const markExact = (): Decimal => markPriceOf(instrument);
    for (const algo of instrument.algos) {
      const fires = algo.watchesMark
        ? reaches(instrument.markFloat, markExact, algo.triggerFloat, algo.triggerPrice, algo.firesOnRise)
        : reaches(instrument.lastFloat, lastExact, algo.triggerFloat, algo.triggerPrice, algo.firesOnRise);
      if (fires) (firing ??= []).push(algo);
    }
    if (firing === undefined) return;
    for (const algo of firing) if (algo.status === 'NEW') this.triggerAlgo(algo, time);
  }

  /**
   * TRIGGERING → TRIGGERED (actualOrderId = child) → child order events → FINISHED; or TRIGGERING →
   * EXPIRED (nothing to reduce or close) / REJECTED (any other rejection of the child), with `rejectReason`.
   */
  private triggerAlgo(algo: AlgoState, time: number): void {
    const account = algo.account;
    const instrument = algo.instrument;
    removeFromArray(instrument.algos, algo);
    instrument.thresholdsDirty = true;
    algo.status = 'TRIGGERING';
    algo.triggerTime = time;
    algo.updateTime = time;
    this.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });

    let intent: OrderIntent;
    let admission: Admission;
    try {
      intent = this.childIntent(algo);
      if (intent.type === 'LIMIT')
        checkPercentPrice(instrument, intent.isBuy, intent.price, markPriceOf(instrument));
      admission = this.admit(account, intent, false);
    } catch (error) {
      if (!(error instanceof SimRejection)) throw error;
      algo.rejectReason = error.msg;
      this.endAlgo(algo, error.code === -2022 ? 'EXPIRED' : 'REJECTED', time);
      return;
    }
    const order = this.createOrder(account, intent, admission.quantity, time, true);
    algo.status = 'TRIGGERED';
    algo.actualOrderId = order.orderId;
    this.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });
    this.runOrder(order, admission.crosses, time);
    const executed = order.executedQuantity;
    algo.actualQuantity = formatQuantity(executed, instrument.stepDecimals);
    algo.actualPrice = executed.isZero()
      ? '0'
      : formatPrice(order.cumulativeQuote.div(executed), instrument.tickDecimals);
    this.endAlgo(algo, 'FINISHED', time);
  }

  private childIntent(algo: AlgoState): OrderIntent {
    const instrument = algo.instrument;
    let quantity = algo.quantity;
    if (algo.closePosition) {
      const amount = this.positionOf(algo.account, instrument).amount;
      if (amount.isZero() || amount.gt(0) === algo.isBuy) throw rejections.reduceOnlyRejected();
      quantity = amount.abs();
    }
    if (quantity === null) throw new Error('An algo order without quantity must close the position.');
    const isMarket = algo.price === null;
    return {
      instrument,
      side: algo.side,
      isBuy: algo.isBuy,
      type: isMarket ? 'MARKET' : 'LIMIT',
      origType: algo.orderType,
      quantity,
      price: algo.price ?? zero,
      timeInForce: isMarket ? 'GTC' : algo.timeInForce,
      reduceOnly: algo.reduceOnly || algo.closePosition,
      closePosition: algo.closePosition,
      clientOrderId: algo.clientAlgoId,
      stopPrice: formatPrice(algo.triggerPrice, instrument.tickDecimals),
      workingType: algo.workingType,
    };
  }

  /** Final algo status: out of the book (if still there) and the open set, into the history; emits it. */
  private endAlgo(algo: AlgoState, status: AlgoStatus, time: number): void {
    if (algo.status === 'NEW') {
      removeFromArray(algo.instrument.algos, algo);
      algo.instrument.thresholdsDirty = true;
    }
    algo.status = status;
    algo.updateTime = time;
    const account = algo.account;
    account.openAlgos.delete(algo.algoId);
    const evicted = account.closedAlgos.add(algo.algoId, algo);
    if (evicted !== undefined && account.clientAlgoIndex.get(evicted.clientAlgoId) === evicted) {
      account.clientAlgoIndex.delete(evicted.clientAlgoId);
    }
    this.events.push({ kind: 'algo', accountId: account.id, time, algo: algoView(algo) });
  }

  /** Fills the resting orders the last price reached, at their limit price, as maker (best price first). */
  private fillResting(instrument: InstrumentState, time: number): void {
    let buys: OrderState[] | undefined;
    let sells: OrderState[] | undefined;
    const lastFloat = instrument.lastFloat;
    const lastExact = (): Decimal => lastPriceOf(instrument);
    for (const order of instrument.resting) {
      // A buy fills when last ≤ price, i.e. when the price "rises" to the last price.
      if (order.isBuy) {
        if (reaches(order.priceFloat, () => order.price, lastFloat, lastExact(), true))
          (buys ??= []).push(order);
      } else if (reaches(order.priceFloat, () => order.price, lastFloat, lastExact(), false)) {
        (sells ??= []).push(order);
      }
    }
    if (buys !== undefined) {
      buys.sort((left, right) => right.price.comparedTo(left.price) || left.orderId - right.orderId);
      for (const order of buys) this.fillRestingOrder(order, time);
    }
    if (sells !== undefined) {
      sells.sort((left, right) => left.price.comparedTo(right.price) || left.orderId - right.orderId);
      for (const order of sells) this.fillRestingOrder(order, time);
    }
  }

  private fillRestingOrder(order: OrderState, time: number): void {
    if (!order.resting) return; // expired meanwhile (a reduce-only order whose position closed)
    let quantity = order.origQuantity.minus(order.executedQuantity);
    const ratio = order.partialFillRatio;
    if (ratio !== undefined) {
      order.partialFillRatio = undefined;
      const part = floorToIncrement(quantity.times(ratio), order.instrument.stepSize);
      if (part.lt(quantity)) quantity = part;
    }
    if (order.reduceOnly) {
      const amount = order.position.amount;
      if (amount.isZero() || amount.gt(0) === order.isBuy) {
        this.closeOrder(order, 'EXPIRED', time);
        return;
      }
      if (quantity.gt(amount.abs())) quantity = amount.abs();
    }
    if (quantity.isZero()) return;
    this.applyFill(order, order.price, quantity, true, time);
  }

  private checkRisk(instrument: InstrumentState, time: number): void {
    const holders = instrument.holders;
    let crossChecks: AccountState[] | undefined;
    let isolatedChecks: AccountState[] | undefined;
    for (let index = 0; index < holders.length; index += 1) {
      const account = holders[index] as AccountState;
      const position = account.positions[instrument.index] as PositionState;
      if (position.marginType === 'CROSSED') {
        if (this.crossNeedsExactCheck(account, position.asset)) (crossChecks ??= []).push(account);
      } else if (this.isolatedNeedsExactCheck(position)) {
        (isolatedChecks ??= []).push(account);
      }
    }
    if (crossChecks !== undefined) {
      for (const account of crossChecks) {
        this.checkCrossExactly(account, this.positionOf(account, instrument).asset, time);
      }
    }
    if (isolatedChecks !== undefined) {
      for (const account of isolatedChecks) {
        this.checkIsolatedExactly(account, this.positionOf(account, instrument), time);
      }
    }
  }

  /** Float pre-check: could the cross margin balance be at or below the maintenance margin, or cross the 80 % line? */
  private crossNeedsExactCheck(account: AccountState, asset: AssetState): boolean {
    let balance = asset.crossWalletFloat;
    let maintenance = 0;
    let scale = Math.abs(balance);
    const positions = account.openPositions;
    for (let index = 0; index < positions.length; index += 1) {
      const position = positions[index] as PositionState;
      if (position.asset !== asset || position.marginType !== 'CROSSED') continue;
      const notional = position.amountFloat * position.instrument.markFloat;
      const cost = position.amountFloat * position.entryFloat;
      balance += notional - cost;
      const size = Math.abs(notional);
      maintenance += size * position.instrument.maintenanceRateFloat;
      scale += size + Math.abs(cost);
    }
    return this.nearRiskLine(balance, maintenance, scale, asset.marginCalled);
  }

  private isolatedNeedsExactCheck(position: PositionState): boolean {
    const notional = position.amountFloat * position.instrument.markFloat;
    const cost = position.amountFloat * position.entryFloat;
    const balance = position.isolatedWalletFloat + notional - cost;
    const size = Math.abs(notional);
    const maintenance = size * position.instrument.maintenanceRateFloat;
    const scale = Math.abs(position.isolatedWalletFloat) + size + Math.abs(cost);
    return this.nearRiskLine(balance, maintenance, scale, position.marginCalled);
  }

  private nearRiskLine(balance: number, maintenance: number, scale: number, marginCalled: boolean): boolean {
    const tolerance = scale * floatTolerance + floatTolerance;
    if (balance - maintenance <= tolerance) return true; // liquidation is possible
    const callLine = marginCallRatio * balance;
    return marginCalled ? maintenance <= callLine + tolerance : maintenance >= callLine - tolerance;
  }

  private checkCrossExactly(account: AccountState, asset: AssetState, time: number): void {
    const figures = computeAssetFigures(account, asset);
    const balance = figures.crossWallet.plus(figures.crossUnrealizedProfit);
    const maintenance = figures.crossMaintenanceMargin;
    if (maintenance.isZero()) return;
    if (balance.lte(maintenance)) {
      this.liquidateCross(account, asset, time);
      asset.marginCalled = false;
      return;
    }
    if (maintenance.gte(balance.times(marginCallRatioExact))) {
      if (!asset.marginCalled) {
        asset.marginCalled = true;
        const positions = account.openPositions
          .filter((position) => position.asset === asset && position.marginType === 'CROSSED')
          .map(positionView);
        this.events.push({
          kind: 'marginCall',
          accountId: account.id,
          time,
          crossWalletBalance: formatMoney(asset.crossWallet),
          positions,
        });
      }
    } else {
      asset.marginCalled = false;
    }
  }

  private checkIsolatedExactly(account: AccountState, position: PositionState, time: number): void {
    if (position.amount.isZero() || position.marginType !== 'ISOLATED') return;
    const balance = position.isolatedWallet.plus(unrealizedProfitOf(position));
    const maintenance = maintenanceMarginOf(position);
    if (balance.lte(maintenance)) {
      for (const order of [...account.openOrders.values()]) {
        if (order.position === position) this.closeOrder(order, 'CANCELED', time);
      }
      this.liquidatePosition(account, position, time);
      return;
    }
    if (maintenance.gte(balance.times(marginCallRatioExact))) {
      if (!position.marginCalled) {
        position.marginCalled = true;
        this.events.push({
          kind: 'marginCall',
          accountId: account.id,
          time,
          crossWalletBalance: formatMoney(position.asset.crossWallet),
          positions: [positionView(position)],
        });
      }
    } else {
      position.marginCalled = false;
    }
  }

  /** Cancels the open orders of the cross symbols of this asset, then closes every cross position at mark. */
  private liquidateCross(account: AccountState, asset: AssetState, time: number): void {
    for (const order of [...account.openOrders.values()]) {
      if (order.position.asset === asset && order.position.marginType === 'CROSSED') {
        this.closeOrder(order, 'CANCELED', time);
      }
    }
    const positions = account.openPositions.filter(
      (position) => position.asset === asset && position.marginType === 'CROSSED',
    );
    for (const position of positions) this.liquidatePosition(account, position, time);
  }

  private liquidatePosition(account: AccountState, position: PositionState, time: number): void {
    if (!position.amount.isZero())
      this.forceClose(account, position, position.amount.abs(), 'LIQUIDATION', time);
  }

  /**
   * The exchange's own closing order, `autoclose-<time>` or `adl_autoclose`: LIMIT IOC at the mark price,
   * filled at once as taker. Binance's own order records show these with reduceOnly false.
   */
  private forceClose(
    account: AccountState,
    position: PositionState,
    quantity: Decimal,
    kind: ForcedClose,
    time: number,
  ): OrderState {
    const instrument = position.instrument;
    const mark = markPriceOf(instrument);
    const isBuy = position.amount.lt(0);
    const intent: OrderIntent = {
      instrument,
      side: isBuy ? 'BUY' : 'SELL',
      isBuy,
      type: 'LIMIT',
      origType: 'LIMIT',
      quantity,
      price: mark,
      timeInForce: 'IOC',
      reduceOnly: false,
      closePosition: false,
      clientOrderId: kind === 'ADL' ? 'adl_autoclose' : `autoclose-${time}`,
      stopPrice: '0',
      workingType: 'CONTRACT_PRICE',
      forcedClose: kind,
    };
    const order = this.createOrder(account, intent, quantity, time, false);
    this.emitOrder(order, 'NEW', time);
    this.applyFill(order, mark, quantity, false, time);
    return order;
  }

  /** Adds a ledger entry under the next transaction id, keeping the ledger bounded. */
  private record(account: AccountState, entry: Omit<LedgerEntryView, 'tranId'>): void {
    account.ledger.push({ tranId: this.nextTransactionId++, ...entry });
    if (account.ledger.length > this.historyLimit + 1024)
      account.ledger = account.ledger.slice(-this.historyLimit);
  }

  /** Funding at a boundary: payment = −positionAmt × mark × rate into the wallet holding the position. */
  private settleFunding(instrument: InstrumentState, time: number): void {
    instrument.nextFundingTime = this.nextFundingBoundary(time);
    const rate = instrument.fundingRate;
    if (rate.isZero() || instrument.holders.length === 0) return;
    const mark = markPriceOf(instrument);
    for (const account of [...instrument.holders]) {
      const position = this.positionOf(account, instrument);
      const payment = roundMoney(position.amount.times(mark).times(rate).neg());
      if (payment.isZero()) continue;
      const asset = position.asset;
      const isolated = position.marginType === 'ISOLATED';
      if (isolated) {
        let wallet = position.isolatedWallet.plus(payment);
        if (wallet.lt(0)) wallet = zero;
        position.isolatedWallet = wallet;
        position.isolatedWalletFloat = wallet.toNumber();
        position.updateTime = time;
      } else {
        this.creditCross(asset, payment);
      }
      asset.updateTime = time;
      this.record(account, {
        incomeType: 'FUNDING_FEE',
        symbol: instrument.symbol,
        asset: asset.asset,
        income: formatMoney(payment),
        time,
      });
      this.events.push({
        kind: 'account',
        accountId: account.id,
        time,
        reason: 'FUNDING_FEE',
        balances: [assetView(account, asset)],
        positions: isolated ? [positionView(position)] : [],
      });
    }
  }
}
