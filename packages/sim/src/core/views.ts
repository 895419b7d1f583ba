import {
  breakEvenPriceOf,
  computeAssetFigures,
  fineOfMoney,
  liquidationPriceOf,
  notionalUnitsOf,
  positionFiguresOf,
} from './account-figures';
import type { PositionFigures } from './account-figures';
import type { AccountState, AlgoState, AssetState, OrderState, PositionState } from './core-state';
import { markTextOf } from './core-state';
import {
  finePlaces,
  formatMoneyUnits,
  formatPrice,
  formatPriceRatio,
  formatQuantity,
  formatQuantityUnits,
  pricePlaces,
} from './decimal-format';
import type { AlgoOrderView, AssetView, OrderView, PositionView } from './types';

/** Snapshots of the state in Binance's shapes (strings formatted like Binance). */

/** An order's average fill price as printed ('0' before its first fill). */
export function averagePriceText(order: OrderState): string {
  const executed = order.executedUnits;
  // cumulative quote (price + quantity places) / executed (quantity places) = price units
  return executed === 0n
    ? '0'
    : formatPriceRatio(order.cumulativeQuoteUnits, executed, order.instrument.tickDecimals);
}

export function orderView(order: OrderState): OrderView {
  const instrument = order.instrument;
  const executed = order.executedUnits;
  const zeroExecuted = executed === 0n;
  return {
    orderId: order.orderId,
    clientOrderId: order.clientOrderId,
    symbol: instrument.symbol,
    side: order.side,
    type: order.type,
    origType: order.origType,
    status: order.status,
    timeInForce: order.timeInForce,
    price: order.priceText,
    avgPrice: averagePriceText(order),
    origQty: order.origQuantityText,
    executedQty: zeroExecuted
      ? instrument.zeroQuantityText
      : formatQuantityUnits(executed, instrument.quantityPlaces, instrument.stepDecimals),
    cumQuote: zeroExecuted
      ? '0'
      : formatMoneyUnits(order.cumulativeQuoteUnits, pricePlaces + instrument.quantityPlaces),
    reduceOnly: order.reduceOnly,
    closePosition: order.closePosition,
    stopPrice: order.stopPrice,
    workingType: order.workingType,
    time: order.time,
    updateTime: order.updateTime,
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

export function positionView(position: PositionState): PositionView {
  return positionViewWith(position, position.amountUnits === 0n ? null : positionFiguresOf(position));
}

/** The position's row from its figures (null when flat), which the fill path also hands to `assetView`. */
export function positionViewWith(position: PositionState, figures: PositionFigures | null): PositionView {
  const instrument = position.instrument;
  const mark = markTextOf(instrument);
  const isolated = position.marginType === 'ISOLATED';
  if (figures === null) {
    const isolatedWallet = isolated ? formatMoneyUnits(position.isolatedWalletUnits) : '0';
    return {
      symbol: instrument.symbol,
      positionAmt: instrument.zeroQuantityText,
      entryPrice: '0',
      breakEvenPrice: '0',
      markPrice: mark,
      unrealizedProfit: '0',
      liquidationPrice: '0',
      leverage: position.leverage,
      marginType: position.marginType,
      isolatedMargin: isolatedWallet,
      isolatedWallet,
      notional: '0',
      initialMargin: '0',
      maintMargin: '0',
      updateTime: position.updateTime,
    };
  }
  const profit = figures.profit;
  const liquidation = liquidationPriceOf(position);
  const [breakEvenNumerator, breakEvenDenominator] = breakEvenPriceOf(position);
  const tick = instrument.tickDecimals;
  return {
    symbol: instrument.symbol,
    positionAmt: formatQuantityUnits(
      position.amountUnits,
      instrument.quantityPlaces,
      instrument.stepDecimals,
    ),
    entryPrice: formatPriceRatio(position.costBasis, position.basisQuantity, tick),
    breakEvenPrice: formatPriceRatio(breakEvenNumerator, breakEvenDenominator, tick),
    markPrice: mark,
    unrealizedProfit: formatMoneyUnits(profit, finePlaces),
    liquidationPrice: liquidation === null ? '0' : formatPriceRatio(liquidation[0], liquidation[1], tick),
    leverage: position.leverage,
    marginType: position.marginType,
    isolatedMargin: isolated
      ? formatMoneyUnits(fineOfMoney(position.isolatedWalletUnits) + profit, finePlaces)
      : '0',
    isolatedWallet: isolated ? formatMoneyUnits(position.isolatedWalletUnits) : '0',
    notional: formatMoneyUnits(notionalUnitsOf(position), pricePlaces + instrument.quantityPlaces),
    initialMargin: formatMoneyUnits(figures.initial, finePlaces),
    maintMargin: formatMoneyUnits(figures.maintenance, finePlaces),
    updateTime: position.updateTime,
  };
}

export function assetView(
  account: AccountState,
  asset: AssetState,
  known?: { readonly position: PositionState; readonly figures: PositionFigures },
): AssetView {
  const figures = computeAssetFigures(account, asset, known);
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
    asset: asset.asset,
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
    updateTime: asset.updateTime,
  };
}

/** A figure of `computeAssetFigures` (fine units) as Binance prints money. */
function money(units: bigint): string {
  return formatMoneyUnits(units, finePlaces);
}
