/**
 * The public face of the matching core: validates the caller's ids, then delegates to the module that
 * owns each concern. State lives in one `CoreContext` (see core-context.ts).
 */
import { formatScaled } from '@bot/symbols';

import { computeAssetFigures } from './account-figures';
import { lastPriceOf, markPriceOf, recomputeThresholds } from './core-state';
import { CoreDecimal, formatPrice } from './decimal-format';
import type { BookChanges, PrintedLevel } from './order-book';
import { rejections } from './rejections';
import type {
  AccountTotalsView,
  AlgoOrderReference,
  AlgoOrderView,
  AssetView,
  CoreEvent,
  CoreFaults,
  FillView,
  InstrumentSpec,
  LedgerEntryView,
  LeverageView,
  MarginType,
  MarketUpdate,
  MarketView,
  ModifyOrderRequest,
  NewAlgoOrderRequest,
  NewOrderRequest,
  OrderReference,
  OrderView,
  PositionView,
  SymbolConfigView,
} from './types';
import { algoView, assetView, orderView, positionView } from './views';
import type { CoreContext, MatchingCoreOptions } from './core-context';
import {
  accountOf,
  createCoreContext,
  findAlgo,
  findOrder,
  instrumentOf,
  isOpenStatus,
  parseMoney,
  positionOf,
} from './core-context';
import { closeOrder } from './order-lifecycle';
import { fillResting } from './order-fills';
import { admit, createOrder, modifyOrder, runOrder, validateOrderRequest } from './order-entry';
import { endAlgo, placeAlgoOrder, runTriggers } from './algo-triggers';
import { autoDeleverage, checkRisk } from './margin-liquidation';
import { nextFundingBoundary, settleFunding } from './funding';
import { accountTotals, addAccount, deposit, withdraw } from './accounts';

export type { MatchingCoreOptions } from './core-context';

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

/**
 * A pure, deterministic Binance USDⓈ-M (one-way mode) matching core: accounts, regular and algo orders,
 * positions, cross and isolated margin, liquidation and funding. No clock and no I/O: every command
 * carries `now`, and everything that happens is queued as a `CoreEvent` for `drainEvents()`.
 */
export class MatchingCore {
  private readonly ctx: CoreContext;

  constructor(options: MatchingCoreOptions) {
    this.ctx = createCoreContext(options);
  }

  /** One-shot faults; set them between calls (each is consumed by the order it affects). */
  get faults(): CoreFaults {
    return this.ctx.faults;
  }

  set faults(faults: CoreFaults) {
    this.ctx.faults = faults;
  }

  addAccount(accountId: string, balances: Record<string, string>, now: number): void {
    addAccount(this.ctx, accountId, balances, now);
  }

  hasAccount(accountId: string): boolean {
    return this.ctx.accounts.has(accountId);
  }

  /** Credits the cross wallet; emits an account event with reason DEPOSIT. */
  deposit(accountId: string, asset: string, amount: string, now: number): AssetView {
    return deposit(this.ctx, accountId, asset, amount, now);
  }

  /**
   * Debits the cross wallet (a transfer out of the futures account), at most what Binance would let go
   * (`maxWithdrawAmount`: the available balance, never more than the cross wallet); emits an account event
   * with reason WITHDRAW. Throws a plain Error for an amount that is not positive or too large.
   */
  withdraw(accountId: string, asset: string, amount: string, now: number): AssetView {
    return withdraw(this.ctx, accountId, asset, amount, now);
  }

  /**
   * Applies a market data point, then in order: triggers algo orders, fills the resting LIMIT orders
   * the last price reached, checks liquidations and margin calls, and settles funding when `time`
   * reaches the symbol's next funding boundary. Without anything to do it touches no Decimal.
   */
  updateMarket(update: MarketUpdate): void {
    const instrument = this.ctx.instrumentsBySymbol.get(update.symbol);
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
    instrument.markUnitsCache = null;
    instrument.markPrintCache = null;
    instrument.time = time;
    if (!instrument.hasPrice) {
      instrument.hasPrice = true;
      instrument.nextFundingTime = nextFundingBoundary(this.ctx, time);
    }
    if (instrument.book !== null) instrument.book.setLast(instrument.book.ticksOf(last), time);
    if (instrument.thresholdsDirty) recomputeThresholds(instrument);
    if (
      last >= instrument.lastRiseTrigger ||
      last <= instrument.lastFallTrigger ||
      mark >= instrument.markRiseTrigger ||
      mark <= instrument.markFallTrigger
    ) {
      runTriggers(this.ctx, instrument, time);
      if (instrument.thresholdsDirty) recomputeThresholds(instrument);
    }
    if (last <= instrument.highestBuy || last >= instrument.lowestSell)
      fillResting(this.ctx, instrument, time);
    if (instrument.holders.length > 0) checkRisk(this.ctx, instrument, time);
    if (time >= instrument.nextFundingTime) settleFunding(this.ctx, instrument, time);
  }

  /** Sets the funding rate applied at the symbol's next boundaries (a decimal string, may be negative). */
  setFundingRate(symbol: string, rate: string): void {
    const instrument = instrumentOf(this.ctx, symbol);
    // A market source repeats the rate on every tick: only a changed text is parsed.
    if (rate === instrument.fundingRateText) return;
    instrument.fundingRate = parseMoney(rate, 'funding rate');
    instrument.fundingRateText = rate;
  }

  /** The symbol's next funding boundary (`market(symbol).nextFundingTime`, without formatting its prices). */
  /**
   * Whether a market move of the symbol can change nothing but its prices: no resting or algo order and no
   * position on any account (nothing to fill, trigger, liquidate or fund).
   */
  isIdle(symbol: string): boolean {
    const instrument = instrumentOf(this.ctx, symbol);
    return (
      instrument.resting.length === 0 && instrument.algos.length === 0 && instrument.holders.length === 0
    );
  }

  /**
   * An idle symbol's moment that nobody sees (`coalesceTicks`): only its book follows the last price, so
   * its levels, replenishment and update ids stay those of a tick-by-tick run.
   */
  moveBook(symbol: string, lastPrice: string, time: number): void {
    const book = instrumentOf(this.ctx, symbol).book;
    if (book !== null) book.setLast(book.ticksOf(Number(lastPrice)), time);
  }

  nextFundingTime(symbol: string): number {
    return instrumentOf(this.ctx, symbol).nextFundingTime;
  }

  market(symbol: string): MarketView {
    const instrument = instrumentOf(this.ctx, symbol);
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
    const book = instrumentOf(this.ctx, symbol).book;
    if (book === null) return { lastUpdateId: 0, bids: [], asks: [] };
    return { lastUpdateId: book.updateId, bids: book.side(0, limit), asks: book.side(1, limit) };
  }

  /** The best bid and ask; without a book both are the last price with quantity '0'. */
  bookTop(symbol: string): BookTopView {
    const instrument = instrumentOf(this.ctx, symbol);
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
    return instrumentOf(this.ctx, symbol).book?.updateId ?? 0;
  }

  /** The levels that changed after update `since` (diff-depth streams); undefined without a book. */
  bookChanges(symbol: string, since: number): BookChanges | undefined {
    return instrumentOf(this.ctx, symbol).book?.changesSince(since);
  }

  instruments(): InstrumentSpec[] {
    return this.ctx.instrumentList.map((instrument) => instrument.spec);
  }

  placeOrder(accountId: string, request: NewOrderRequest, now: number): OrderView {
    const account = accountOf(this.ctx, accountId);
    const intent = validateOrderRequest(this.ctx, request);
    const admission = admit(account, intent, true);
    const order = createOrder(this.ctx, account, intent, admission.quantity, now, true);
    runOrder(this.ctx, order, admission.crosses, now);
    return orderView(order);
  }

  cancelOrder(accountId: string, symbol: string, reference: OrderReference, now: number): OrderView {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    const order = findOrder(account, instrument, reference);
    if (order === undefined || !isOpenStatus(order.status)) throw rejections.unknownOrderSent();
    closeOrder(this.ctx, order, 'CANCELED', now);
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
    return modifyOrder(this.ctx, accountId, symbol, reference, change, now);
  }

  /** Cancels every open regular order of the symbol (not the algo orders); returns them canceled. */
  cancelAllOrders(accountId: string, symbol: string, now: number): OrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    const canceled: OrderView[] = [];
    for (const order of [...account.openOrders.values()]) {
      if (order.instrument !== instrument) continue;
      closeOrder(this.ctx, order, 'CANCELED', now);
      canceled.push(orderView(order));
    }
    return canceled;
  }

  getOrder(accountId: string, symbol: string, reference: OrderReference): OrderView {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    const order = findOrder(account, instrument, reference);
    if (order === undefined) throw rejections.orderDoesNotExist();
    return orderView(order);
  }

  openOrders(accountId: string, symbol?: string): OrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = symbol === undefined ? undefined : instrumentOf(this.ctx, symbol);
    const views: OrderView[] = [];
    for (const order of account.openOrders.values()) {
      if (instrument === undefined || order.instrument === instrument) views.push(orderView(order));
    }
    return views;
  }

  /** Open and finished regular orders still in the history (see `historyLimit`), in orderId order. */
  allOrders(accountId: string, symbol?: string): OrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = symbol === undefined ? undefined : instrumentOf(this.ctx, symbol);
    const orders = [...account.closedOrders.values(), ...account.openOrders.values()].filter(
      (order) => instrument === undefined || order.instrument === instrument,
    );
    return orders.sort((left, right) => left.orderId - right.orderId).map(orderView);
  }

  placeAlgoOrder(accountId: string, request: NewAlgoOrderRequest, now: number): AlgoOrderView {
    return placeAlgoOrder(this.ctx, accountId, request, now);
  }

  cancelAlgoOrder(accountId: string, reference: AlgoOrderReference, now: number): AlgoOrderView {
    const account = accountOf(this.ctx, accountId);
    const algo = findAlgo(account, reference);
    if (algo === undefined || algo.status !== 'NEW') throw rejections.unknownOrderSent();
    endAlgo(this.ctx, algo, 'CANCELED', now);
    return algoView(algo);
  }

  cancelAllAlgoOrders(accountId: string, symbol: string, now: number): AlgoOrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    const canceled: AlgoOrderView[] = [];
    for (const algo of [...account.openAlgos.values()]) {
      if (algo.instrument !== instrument) continue;
      endAlgo(this.ctx, algo, 'CANCELED', now);
      canceled.push(algoView(algo));
    }
    return canceled;
  }

  getAlgoOrder(accountId: string, reference: AlgoOrderReference): AlgoOrderView {
    const account = accountOf(this.ctx, accountId);
    const algo = findAlgo(account, reference);
    if (algo === undefined) throw rejections.orderDoesNotExist();
    return algoView(algo);
  }

  openAlgoOrders(accountId: string, symbol?: string): AlgoOrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = symbol === undefined ? undefined : instrumentOf(this.ctx, symbol);
    const views: AlgoOrderView[] = [];
    for (const algo of account.openAlgos.values()) {
      if (instrument === undefined || algo.instrument === instrument) views.push(algoView(algo));
    }
    return views;
  }

  /** Open and finished algo orders still in the history (see `historyLimit`), in algoId order. */
  allAlgoOrders(accountId: string, symbol?: string): AlgoOrderView[] {
    const account = accountOf(this.ctx, accountId);
    const instrument = symbol === undefined ? undefined : instrumentOf(this.ctx, symbol);
    const algos = [...account.closedAlgos.values(), ...account.openAlgos.values()].filter(
      (algo) => instrument === undefined || algo.instrument === instrument,
    );
    return algos.sort((left, right) => left.algoId - right.algoId).map(algoView);
  }

  setLeverage(accountId: string, symbol: string, leverage: number, now: number): LeverageView {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > instrument.spec.maxLeverage) {
      throw rejections.invalidLeverage(leverage);
    }
    const position = positionOf(account, instrument);
    const previous = position.leverage;
    if (leverage < previous) {
      if (position.marginType === 'ISOLATED' && position.amountUnits !== 0n) {
        throw rejections.isolatedLeverageReduction();
      }
      position.leverage = leverage;
      if (computeAssetFigures(account, position.asset).available < 0n) {
        position.leverage = previous;
        throw rejections.marginInsufficient();
      }
    }
    position.leverage = leverage;
    this.ctx.events.push({ kind: 'leverage', accountId, time: now, symbol, leverage });
    return { leverage, maxNotionalValue: this.ctx.maxNotionalValue, symbol };
  }

  setMarginType(accountId: string, symbol: string, marginType: MarginType, now: number): void {
    const account = accountOf(this.ctx, accountId);
    const instrument = instrumentOf(this.ctx, symbol);
    if (marginType !== 'CROSSED' && marginType !== 'ISOLATED')
      throw rejections.mandatoryParameter('marginType');
    const position = positionOf(account, instrument);
    if (position.marginType === marginType) throw rejections.marginTypeUnchanged();
    if (position.amountUnits !== 0n) throw rejections.marginTypeWithPosition();
    for (const order of account.openOrders.values()) {
      if (order.instrument === instrument) throw rejections.marginTypeWithOpenOrders();
    }
    for (const algo of account.openAlgos.values()) {
      if (algo.instrument === instrument) throw rejections.marginTypeWithOpenOrders();
    }
    position.marginType = marginType;
    position.updateTime = now;
    // Nothing moves, yet Binance pushes an ACCOUNT_UPDATE for it with the symbol's flat row (see the README).
    this.ctx.events.push({
      kind: 'account',
      accountId,
      time: now,
      reason: 'MARGIN_TYPE_CHANGE',
      balances: [assetView(account, position.asset)],
      positions: [positionView(position)],
    });
  }

  symbolConfig(accountId: string, symbol?: string): SymbolConfigView[] {
    const account = accountOf(this.ctx, accountId);
    const instruments = symbol === undefined ? this.ctx.instrumentList : [instrumentOf(this.ctx, symbol)];
    return instruments.map((instrument) => {
      const position = positionOf(account, instrument);
      return {
        symbol: instrument.symbol,
        marginType: position.marginType,
        isAutoAddMargin: false,
        leverage: position.leverage,
        maxNotionalValue: this.ctx.maxNotionalValue,
      };
    });
  }

  /**
   * Auto-deleveraging as Binance reports it: cancels the account's open orders on the symbol, then closes
   * `quantity` (default the whole position) at the mark price with an `adl_autoclose` order, without a fee.
   * Throws a plain Error when there is nothing to deleverage or the quantity does not fit the position.
   */
  autoDeleverage(accountId: string, symbol: string, now: number, quantity?: string): OrderView {
    return autoDeleverage(this.ctx, accountId, symbol, now, quantity);
  }

  assets(accountId: string): AssetView[] {
    const account = accountOf(this.ctx, accountId);
    return [...account.assets.values()].map((asset) => assetView(account, asset));
  }

  /** One row per instrument, zeros when flat (ccxt filters them out). */
  positions(accountId: string): PositionView[] {
    const account = accountOf(this.ctx, accountId);
    return account.positions.map(positionView);
  }

  /** The maker and taker fee rates every account pays (`/fapi/v1/commissionRate`). */
  feeRates(): { maker: string; taker: string } {
    return { maker: formatScaled(this.ctx.makerRate), taker: formatScaled(this.ctx.takerRate) };
  }

  /** Funding payments and transfers of the account, oldest first. */
  ledger(accountId: string): LedgerEntryView[] {
    return [...accountOf(this.ctx, accountId).ledger];
  }

  /** The account's fills (of `symbol`; at or after `since`, market time), oldest first. */
  fills(accountId: string, symbol?: string, since?: number): FillView[] {
    const account = accountOf(this.ctx, accountId);
    const instruments = this.ctx.instrumentList;
    return account.fills.views(
      instruments,
      symbol === undefined ? undefined : instrumentOf(this.ctx, symbol),
      since,
    );
  }

  accountTotals(accountId: string): AccountTotalsView {
    return accountTotals(this.ctx, accountId);
  }

  /** Returns and forgets everything emitted since the last call, in emission order. */
  drainEvents(): CoreEvent[] {
    const drained = this.ctx.events;
    this.ctx.events = [];
    return drained;
  }
}
