import type Decimal from 'decimal.js';

import type { AccountState, AssetState, PositionState } from './core-state';
import { markPriceOf } from './core-state';
import { CoreDecimal, zero } from './decimal-format';

/** Exact margin figures of one margin asset of an account (single-asset mode, as Binance). */
export interface AssetFigures {
  readonly crossWallet: Decimal;
  readonly isolatedWallets: Decimal;
  readonly unrealizedProfit: Decimal;
  readonly crossUnrealizedProfit: Decimal;
  readonly positionInitialMargin: Decimal;
  readonly crossPositionInitialMargin: Decimal;
  readonly openOrderInitialMargin: Decimal;
  readonly maintenanceMargin: Decimal;
  readonly crossMaintenanceMargin: Decimal;
  /** crossWallet + cross uPnL − cross position margin − open-order margin. */
  readonly available: Decimal;
}

export function unrealizedProfitOf(position: PositionState): Decimal {
  if (position.amount.isZero()) return zero;
  return position.amount.times(markPriceOf(position.instrument).minus(position.entryPrice));
}

export function notionalOf(position: PositionState): Decimal {
  return position.amount.times(markPriceOf(position.instrument));
}

export function positionInitialMarginOf(position: PositionState): Decimal {
  if (position.amount.isZero()) return zero;
  return notionalOf(position).abs().div(position.leverage);
}

export function maintenanceMarginOf(position: PositionState): Decimal {
  if (position.amount.isZero()) return zero;
  return notionalOf(position).abs().times(position.instrument.maintenanceRate);
}

/**
 * Initial margin of the resting, non-reduce-only orders of one symbol, given the position and the
 * aggregates (remaining quantity and notional per side). The side that reduces the position is
 * relieved of the position's size first: its notional counts in proportion to the quantity beyond
 * it. Both sides add up (conservative; Binance's exact netting is not documented).
 */
export function openOrderMarginOf(
  amount: Decimal,
  leverage: number,
  buyQuantity: Decimal,
  buyNotional: Decimal,
  sellQuantity: Decimal,
  sellNotional: Decimal,
): Decimal {
  let buyEffective = buyNotional;
  if (amount.lt(0) && buyQuantity.gt(0)) {
    const beyond = buyQuantity.plus(amount);
    buyEffective = beyond.lte(0) ? zero : buyNotional.times(beyond).div(buyQuantity);
  }
  let sellEffective = sellNotional;
  if (amount.gt(0) && sellQuantity.gt(0)) {
    const beyond = sellQuantity.minus(amount);
    sellEffective = beyond.lte(0) ? zero : sellNotional.times(beyond).div(sellQuantity);
  }
  return buyEffective.plus(sellEffective).div(leverage);
}

export function hasOpenOrderMargin(position: PositionState): boolean {
  return !position.buyQuantity.isZero() || !position.sellQuantity.isZero();
}

export function positionOpenOrderMargin(position: PositionState): Decimal {
  if (!hasOpenOrderMargin(position)) return zero;
  return openOrderMarginOf(
    position.amount,
    position.leverage,
    position.buyQuantity,
    position.buyNotional,
    position.sellQuantity,
    position.sellNotional,
  );
}

export function computeAssetFigures(account: AccountState, asset: AssetState): AssetFigures {
  let isolatedWallets = zero;
  let unrealizedProfit = zero;
  let crossUnrealizedProfit = zero;
  let positionInitialMargin = zero;
  let crossPositionInitialMargin = zero;
  let openOrderInitialMargin = zero;
  let maintenanceMargin = zero;
  let crossMaintenanceMargin = zero;
  for (const position of account.positions) {
    if (position.asset !== asset) continue;
    if (hasOpenOrderMargin(position)) {
      openOrderInitialMargin = openOrderInitialMargin.plus(positionOpenOrderMargin(position));
    }
    const cross = position.marginType === 'CROSSED';
    if (!cross) isolatedWallets = isolatedWallets.plus(position.isolatedWallet);
    if (position.amount.isZero()) continue;
    const profit = unrealizedProfitOf(position);
    const initial = positionInitialMarginOf(position);
    const maintenance = maintenanceMarginOf(position);
    unrealizedProfit = unrealizedProfit.plus(profit);
    positionInitialMargin = positionInitialMargin.plus(initial);
    maintenanceMargin = maintenanceMargin.plus(maintenance);
    if (cross) {
      crossUnrealizedProfit = crossUnrealizedProfit.plus(profit);
      crossPositionInitialMargin = crossPositionInitialMargin.plus(initial);
      crossMaintenanceMargin = crossMaintenanceMargin.plus(maintenance);
    }
  }
  const available = asset.crossWallet
    .plus(crossUnrealizedProfit)
    .minus(crossPositionInitialMargin)
    .minus(openOrderInitialMargin);
  return {
    crossWallet: asset.crossWallet,
    isolatedWallets,
    unrealizedProfit,
    crossUnrealizedProfit,
    positionInitialMargin,
    crossPositionInitialMargin,
    openOrderInitialMargin,
    maintenanceMargin,
    crossMaintenanceMargin,
    available,
  };
}

/**
 * Binance's one-way liquidation price without the bracket's cumulative amount:
 * LP = (WB − amt × EP) / (|amt| × MMR − amt), WB the cross wallet (cross) or the isolated wallet.
 * Zero when flat or when the formula gives a non-positive price.
 */
export function liquidationPriceOf(position: PositionState): Decimal {
  const amount = position.amount;
  if (amount.isZero()) return zero;
  const wallet = position.marginType === 'CROSSED' ? position.asset.crossWallet : position.isolatedWallet;
  const denominator = amount.abs().times(position.instrument.maintenanceRate).minus(amount);
  if (denominator.isZero()) return zero;
  const price = wallet.minus(amount.times(position.entryPrice)).div(denominator);
  return price.lte(0) ? zero : price;
}

export function breakEvenPriceOf(position: PositionState): Decimal {
  const amount = position.amount;
  if (amount.isZero()) return zero;
  // Long: entry + fees / qty; short: entry − fees / qty (the fees make a short break even lower).
  return position.entryPrice.plus(position.openFees.div(amount));
}

export function sumDecimals(values: readonly Decimal[]): Decimal {
  let total = new CoreDecimal(0);
  for (const value of values) total = total.plus(value);
  return total;
}
