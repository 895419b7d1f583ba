import {
  breakEvenPriceOf,
  computeAssetFigures,
  fineOfMoney,
  liquidationPriceOf,
  positionFiguresAt,
} from './account-figures';
import type { AssetFigures, PositionBasis, PositionFigures } from './account-figures';
import type {
  AccountState,
  AlgoState,
  AssetState,
  InstrumentState,
  OrderState,
  PositionState,
} from './core-state';
import { markTextOf, markUnitsOf } from './core-state';
import {
  finePlaces,
  formatMoneyUnits,
  formatPrice,
  formatPriceRatio,
  formatQuantity,
  formatQuantityUnits,
  pricePlaces,
} from './decimal-format';
import type { AlgoOrderView, AssetView, MarginType, OrderStatus, OrderView, PositionView } from './types';

/** Snapshots of the state in Binance's shapes (strings formatted like Binance). */

/** An order's average fill price as printed ('0' before its first fill). */
export function averagePriceText(order: OrderState): string {
  return averageText(order.instrument, order.cumulativeQuoteUnits, order.executedUnits);
}

function averageText(instrument: InstrumentState, cumulativeQuote: bigint, executed: bigint): string {
  // cumulative quote (price + quantity places) / executed (quantity places) = price units
  return executed === 0n ? '0' : formatPriceRatio(cumulativeQuote, executed, instrument.tickDecimals);
}

export function orderView(order: OrderState): OrderView {
  return orderViewAt(
    order,
    order.status,
    order.executedUnits,
    order.cumulativeQuoteUnits,
    order.updateTime,
    order.priceText,
    order.origQuantityText,
  );
}

/** The order's view with the fields a later fill or amendment changes as they were at some moment. */
export function orderViewAt(
  order: OrderState,
  status: OrderStatus,
  executed: bigint,
  cumulativeQuote: bigint,
  updateTime: number,
  priceText: string,
  origQuantityText: string,
): OrderView {
  const instrument = order.instrument;
  const zeroExecuted = executed === 0n;
  return {
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    symbol: instrument.symbol,
    side: order.side,
    type: order.type,
    origType: order.origType,
    status,
    timeInForce: order.timeInForce,
    price: priceText,
    avgPrice: averageText(instrument, cumulativeQuote, executed),
    origQty: origQuantityText,
    executedQty: zeroExecuted
      ? instrument.zeroQuantityText
      : formatQuantityUnits(executed, instrument.quantityPlaces, instrument.stepDecimals),
    cumQuote: zeroExecuted ? '0' : formatMoneyUnits(cumulativeQuote, pricePlaces + instrument.quantityPlaces),
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    stopPrice: order.stopPrice,
    workingType: order.workingType,
    time: order.time,
    updateTime,
    ...(order.forcedClose === undefined ? {} : { forcedClose: order.forcedClose }),
  };
}

export function algoView(algo: AlgoState): AlgoOrderView {
  const instrument = algo.instrument;
  return {
    algoId: algo.algoId,
    clientAlgoId: algo.clientAlgoId,
    symbol: instrument.symbol,
    side: algo.side,
    orderType: algo.orderType,
    algoStatus: algo.status,
    quantity: algo.quantity === null ? '0' : formatQuantity(algo.quantity, instrument.stepDecimals),
    price: algo.price === null ? '0' : formatPrice(algo.price, instrument.tickDecimals),
    triggerPrice: formatPrice(algo.triggerPrice, instrument.tickDecimals),
    workingType: algo.workingType,
    timeInForce: algo.timeInForce,
    reduceOnly: algo.reduceOnly,
    closePosition: algo.closePosition,
    priceProtect: algo.priceProtect,
    createTime: algo.createTime,
    updateTime: algo.updateTime,
    triggerTime: algo.triggerTime,
    actualOrderId: algo.actualOrderId,
    actualPrice: algo.actualPrice,
    actualQty: algo.actualQuantity,
    rejectReason: algo.rejectReason,
  };
}

/**
 * A position at one moment: the state its row prints, copied on the fill path; its figures (fine units) are
 * computed when first asked for, for the row or the balance (events.ts formats both when read).
 */
export class PositionMoment implements PositionBasis {
  readonly instrument: InstrumentState;
  readonly amountUnits: bigint;
  readonly costBasis: bigint;
  readonly basisQuantity: bigint;
  readonly openFeeUnits: bigint;
  readonly isolatedWalletUnits: bigint;
  /** The wallet the liquidation price is computed from: the cross wallet, or the isolated one. */
  readonly walletUnits: bigint;
  readonly leverage: number;
  readonly marginType: MarginType;
  readonly updateTime: number;
  /** The mark in price units (0n when flat: a flat row prints no figure of it). */
  readonly markUnits: bigint;
  readonly markText: string;
  #figures: PositionFigures | undefined = undefined;

  constructor(position: PositionState) {
    const instrument = position.instrument;
    const amount = position.amountUnits;
    this.instrument = instrument;
    this.amountUnits = amount;
    this.costBasis = position.costBasis;
    this.basisQuantity = position.basisQuantity;
    this.openFeeUnits = position.openFeeUnits;
    this.isolatedWalletUnits = position.isolatedWalletUnits;
    this.walletUnits =
      position.marginType === 'CROSSED' ? position.asset.crossWalletUnits : position.isolatedWalletUnits;
    this.leverage = position.leverage;
    this.marginType = position.marginType;
    this.updateTime = position.updateTime;
    this.markUnits = amount === 0n ? 0n : markUnitsOf(instrument);
    this.markText = markTextOf(instrument);
  }

  /** Unrealized PnL, initial and maintenance margin at this moment's mark (only asked of an open position). */
  figures(): PositionFigures {
    return (this.#figures ??= positionFiguresAt(this, this.markUnits));
  }
}

export function positionView(position: PositionState): PositionView {
  return positionRow(new PositionMoment(position));
}

/** The position's row as Binance prints it. */
export function positionRow(moment: PositionMoment): PositionView {
  const instrument = moment.instrument;
  const mark = moment.markText;
  const isolated = moment.marginType === 'ISOLATED';
  if (moment.amountUnits === 0n) {
    const isolatedWallet = isolated ? formatMoneyUnits(moment.isolatedWalletUnits) : '0';
    return {
      symbol: instrument.symbol,
      positionAmt: instrument.zeroQuantityText,
      entryPrice: '0',
      breakEvenPrice: '0',
      markPrice: mark,
      unrealizedProfit: '0',
      liquidationPrice: '0',
      leverage: moment.leverage,
      marginType: moment.marginType,
      isolatedMargin: isolatedWallet,
      isolatedWallet,
      notional: '0',
      initialMargin: '0',
      maintMargin: '0',
      updateTime: moment.updateTime,
    };
  }
  const figures = moment.figures();
  const profit = figures.profit;
  const liquidation = liquidationPriceOf(moment);
  const [breakEvenNumerator, breakEvenDenominator] = breakEvenPriceOf(moment);
  const tick = instrument.tickDecimals;
  return {
    symbol: instrument.symbol,
    positionAmt: formatQuantityUnits(moment.amountUnits, instrument.quantityPlaces, instrument.stepDecimals),
    entryPrice: formatPriceRatio(moment.costBasis, moment.basisQuantity, tick),
    breakEvenPrice: formatPriceRatio(breakEvenNumerator, breakEvenDenominator, tick),
    markPrice: mark,
    unrealizedProfit: formatMoneyUnits(profit, finePlaces),
    liquidationPrice: liquidation === null ? '0' : formatPriceRatio(liquidation[0], liquidation[1], tick),
    leverage: moment.leverage,
    marginType: moment.marginType,
    isolatedMargin: isolated
      ? formatMoneyUnits(fineOfMoney(moment.isolatedWalletUnits) + profit, finePlaces)
      : '0',
    isolatedWallet: isolated ? formatMoneyUnits(moment.isolatedWalletUnits) : '0',
    notional: formatMoneyUnits(
      moment.amountUnits * moment.markUnits,
      pricePlaces + instrument.quantityPlaces,
    ),
    initialMargin: formatMoneyUnits(figures.initial, finePlaces),
    maintMargin: formatMoneyUnits(figures.maintenance, finePlaces),
    updateTime: moment.updateTime,
  };
}

export function assetView(account: AccountState, asset: AssetState): AssetView {
  return assetRow(asset.asset, computeAssetFigures(account, asset), asset.updateTime);
}

/** A margin asset's row from its figures. */
export function assetRow(asset: string, figures: AssetFigures, updateTime: number): AssetView {
  const crossWallet = figures.crossWallet;
  const wallet = crossWallet + figures.isolatedWallets;
  const available = figures.available;
  let maxWithdraw = available < crossWallet ? available : crossWallet;
  if (maxWithdraw < 0n) maxWithdraw = 0n;
  const unrealized = figures.unrealizedProfit;
  const positionInitial = figures.positionInitialMargin;
  const openOrderInitial = figures.openOrderInitialMargin;
  // Several figures are often equal (one cross position, no open orders): each value is printed once.
  const walletText = money(wallet);
  const crossWalletText = crossWallet === wallet ? walletText : money(crossWallet);
  const unrealizedText = money(unrealized);
  const availableText = money(available);
  const positionInitialText = money(positionInitial);
  return {
    asset,
    walletBalance: walletText,
    unrealizedProfit: unrealizedText,
    marginBalance: unrealized === 0n ? walletText : money(wallet + unrealized),
    maintMargin: money(figures.maintenanceMargin),
    initialMargin: openOrderInitial === 0n ? positionInitialText : money(positionInitial + openOrderInitial),
    positionInitialMargin: positionInitialText,
    openOrderInitialMargin: openOrderInitial === 0n ? '0' : money(openOrderInitial),
    crossWalletBalance: crossWalletText,
    crossUnPnl:
      figures.crossUnrealizedProfit === unrealized ? unrealizedText : money(figures.crossUnrealizedProfit),
    availableBalance: availableText,
    maxWithdrawAmount:
      maxWithdraw === available
        ? availableText
        : maxWithdraw === crossWallet
          ? crossWalletText
          : money(maxWithdraw),
    updateTime,
  };
}

/** A figure of `computeAssetFigures` (fine units) as Binance prints money. */
function money(units: bigint): string {
  return formatMoneyUnits(units, finePlaces);
}
