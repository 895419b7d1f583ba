import type Decimal from 'decimal.js';

import type { PositionFields } from './account-figures';
import {
  assetFiguresOf,
  breakEvenPriceOf,
  hasOpenOrderMargin,
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

/**
 * The state in Binance's shapes (strings formatted like Binance), from snapshots: shallow copies of the
 * state plus the market figures of their moment. The state's Decimals are immutable and only ever
 * replaced, so a copy keeps its values while the state moves on; an event formats its views from them
 * when first read (events.ts).
 */

/** A position as it was: its fields, the mark price and the asset's cross wallet then. */
export interface PositionSnapshot extends PositionFields {
  readonly mark: Decimal;
  readonly crossWallet: Decimal;
}

/** A margin asset as it was: its cross wallet and the positions that count in its figures. */
export interface AssetSnapshot {
  readonly asset: AssetState;
  readonly crossWallet: Decimal;
  readonly updateTime: number;
  readonly positions: readonly PositionSnapshot[];
}

export function snapshotPosition(position: PositionState): PositionSnapshot {
  return { ...position, mark: markPriceOf(position.instrument), crossWallet: position.asset.crossWallet };
}

export function snapshotAsset(account: AccountState, asset: AssetState): AssetSnapshot {
  const positions: PositionSnapshot[] = [];
  for (const position of account.positions) {
    if (position.asset !== asset) continue;
    // A flat cross position without open orders adds nothing to the asset's figures.
    if (position.amount.isZero() && position.marginType === 'CROSSED' && !hasOpenOrderMargin(position))
      continue;
    positions.push(snapshotPosition(position));
  }
  return { asset, crossWallet: asset.crossWallet, updateTime: asset.updateTime, positions };
}

/** The asset's view now (answers; events keep a snapshot instead). */
export function currentAssetView(account: AccountState, asset: AssetState): AssetView {
  return assetView(snapshotAsset(account, asset));
}

/** The position's view now. */
export function currentPositionView(position: PositionState): PositionView {
  return positionView(snapshotPosition(position));
}

/** An order's view, from the order itself or a shallow copy of it (its mutable fields are plain values). */
export function orderView(order: Readonly<OrderState>): OrderView {
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

export function positionView(position: PositionSnapshot): PositionView {
  const instrument = position.instrument;
  const mark = formatPrice(position.mark, instrument.tickDecimals);
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
  const profit = unrealizedProfitOf(position, position.mark);
  const liquidationPrice = liquidationPriceOf(position, position.crossWallet);
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
    notional: formatMoney(notionalOf(position, position.mark)),
    initialMargin: formatMoney(positionInitialMarginOf(position, position.mark)),
    maintMargin: formatMoney(maintenanceMarginOf(position, position.mark)),
    updateTime: position.updateTime,
  };
}

function markThen(position: PositionSnapshot): Decimal {
  return position.mark;
}

export function assetView(snapshot: AssetSnapshot): AssetView {
  const figures = assetFiguresOf(snapshot.crossWallet, snapshot.asset, snapshot.positions, markThen);
  const wallet = figures.crossWallet.plus(figures.isolatedWallets);
  const available = figures.available;
  let maxWithdraw = available.lt(figures.crossWallet) ? available : figures.crossWallet;
  if (maxWithdraw.lt(0)) maxWithdraw = zero;
  return {
    asset: snapshot.asset.asset,
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
    updateTime: snapshot.updateTime,
  };
}
