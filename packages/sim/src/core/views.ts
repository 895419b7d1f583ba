import {
  breakEvenPriceOf,
  computeAssetFigures,
  liquidationPriceOf,
  maintenanceMarginOf,
  notionalOf,
  positionInitialMarginOf,
  unrealizedProfitOf,
} from './account-figures';
import type { AccountState, AlgoState, AssetState, OrderState, PositionState } from './core-state';
import { markPriceOf } from './core-state';
import { formatMoney, formatPrice, formatQuantity, zero } from './decimal-format';
import type { AlgoOrderView, AssetView, OrderView, PositionView } from './types';

/** Snapshots of the state in Binance's shapes (strings formatted like Binance). */

export function orderView(order: OrderState): OrderView {
  const instrument = order.instrument;
  const executed = order.executedQuantity;
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
    avgPrice: executed.isZero()
      ? '0'
      : formatPrice(order.cumulativeQuote.div(executed), instrument.tickDecimals),
    origQty: order.origQuantityText,
    executedQty: executed.isZero()
      ? instrument.zeroQuantityText
      : formatQuantity(executed, instrument.stepDecimals),
    cumQuote: executed.isZero() ? '0' : formatMoney(order.cumulativeQuote),
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
  const instrument = position.instrument;
  const mark = formatPrice(markPriceOf(instrument), instrument.tickDecimals);
  const isolated = position.marginType === 'ISOLATED';
  if (position.amount.isZero()) {
    const isolatedWallet = isolated ? formatMoney(position.isolatedWallet) : '0';
    return {
      symbol: instrument.symbol,
      positionAmt: formatQuantity(zero, instrument.stepDecimals),
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
  const profit = unrealizedProfitOf(position);
  const liquidationPrice = liquidationPriceOf(position);
  return {
    symbol: instrument.symbol,
    positionAmt: formatQuantity(position.amount, instrument.stepDecimals),
    entryPrice: formatPrice(position.entryPrice, instrument.tickDecimals),
    breakEvenPrice: formatPrice(breakEvenPriceOf(position), instrument.tickDecimals),
    markPrice: mark,
    unrealizedProfit: formatMoney(profit),
    liquidationPrice: liquidationPrice.isZero()
      ? '0'
      : formatPrice(liquidationPrice, instrument.tickDecimals),
    leverage: position.leverage,
    marginType: position.marginType,
    isolatedMargin: isolated ? formatMoney(position.isolatedWallet.plus(profit)) : '0',
    isolatedWallet: isolated ? formatMoney(position.isolatedWallet) : '0',
    notional: formatMoney(notionalOf(position)),
    initialMargin: formatMoney(positionInitialMarginOf(position)),
    maintMargin: formatMoney(maintenanceMarginOf(position)),
    updateTime: position.updateTime,
  };
}

export function assetView(account: AccountState, asset: AssetState): AssetView {
  const figures = computeAssetFigures(account, asset);
  const wallet = figures.crossWallet.plus(figures.isolatedWallets);
  const available = figures.available;
  let maxWithdraw = available.lt(figures.crossWallet) ? available : figures.crossWallet;
  if (maxWithdraw.lt(0)) maxWithdraw = zero;
  return {
    asset: asset.asset,
    walletBalance: formatMoney(wallet),
    unrealizedProfit: formatMoney(figures.unrealizedProfit),
    marginBalance: formatMoney(wallet.plus(figures.unrealizedProfit)),
    maintMargin: formatMoney(figures.maintenanceMargin),
    initialMargin: formatMoney(figures.positionInitialMargin.plus(figures.openOrderInitialMargin)),
    positionInitialMargin: formatMoney(figures.positionInitialMargin),
    openOrderInitialMargin: formatMoney(figures.openOrderInitialMargin),
    crossWalletBalance: formatMoney(figures.crossWallet),
    crossUnPnl: formatMoney(figures.crossUnrealizedProfit),
    availableBalance: formatMoney(available),
    maxWithdrawAmount: formatMoney(maxWithdraw),
    updateTime: asset.updateTime,
  };
}
