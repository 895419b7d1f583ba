import type Decimal from 'decimal.js';
import { divideRounded, powerOfTen, rescaleUnits } from '@bot/symbols';

import type { AccountState, AssetState, InstrumentState, PositionState } from './core-state';
import { markUnitsOf } from './core-state';
import type { PositionMoment } from './views';
import { decimalOf, finePlaces, moneyDecimals, pricePlaces, unitsOf, zero } from './decimal-format';

/**
 * Exact margin figures of one margin asset of an account (single-asset mode, as Binance), as bigint units
 * of 10^-32 (`finePlaces`): sums of figures that come out of divisions, rounded only when printed.
 */
export interface AssetFigures {
  readonly crossWallet: bigint;
  readonly isolatedWallets: bigint;
  readonly unrealizedProfit: bigint;
  readonly crossUnrealizedProfit: bigint;
  readonly positionInitialMargin: bigint;
  readonly crossPositionInitialMargin: bigint;
  readonly openOrderInitialMargin: bigint;
  readonly maintenanceMargin: bigint;
  readonly crossMaintenanceMargin: bigint;
  /** crossWallet + cross uPnL − cross position margin − open-order margin. */
  readonly available: bigint;
}

/** Money units (10^-8) at the fine scale. */
export function fineOfMoney(units: bigint): bigint {
  return units * powerOfTen(finePlaces - moneyDecimals);
}

/** What a position's figures are computed from (its state, or a snapshot of it). */
export interface PositionBasis {
  readonly instrument: InstrumentState;
  /** Quantity units, signed. */
  readonly amountUnits: bigint;
  readonly costBasis: bigint;
  readonly basisQuantity: bigint;
  readonly leverage: number;
}

/** The position's signed notional at the mark, at price + quantity places (exact). */
export function notionalUnitsOf(position: PositionState): bigint {
  return position.amountUnits * markUnitsOf(position.instrument);
}

/** Signed amount × entry price at the fine scale: exact unless a partial close left the basis a ratio. */
export function costFineOf(position: PositionBasis): bigint {
  const amount = position.amountUnits;
  const shift = powerOfTen(finePlaces - pricePlaces - position.instrument.quantityPlaces);
  const basis = position.basisQuantity;
  if (basis === amount) return position.costBasis * shift;
  if (basis === -amount) return -position.costBasis * shift;
  return divideRounded(amount * position.costBasis * shift, basis);
}

export function unrealizedProfitOf(position: PositionState): bigint {
  if (position.amountUnits === 0n) return 0n;
  return notionalFineOf(position) - costFineOf(position);
}

export function notionalFineOf(position: PositionState): bigint {
  return rescaleUnits(
    notionalUnitsOf(position),
    pricePlaces + position.instrument.quantityPlaces,
    finePlaces,
  );
}

export function maintenanceMarginOf(position: PositionState): bigint {
  if (position.amountUnits === 0n) return 0n;
  return maintenanceOfNotional(position.instrument, notionalUnitsOf(position));
}

function maintenanceOfNotional(instrument: InstrumentState, notional: bigint): bigint {
  return rescaleUnits(
    (notional < 0n ? -notional : notional) * instrument.maintenanceRateUnits,
    pricePlaces + instrument.quantityPlaces + instrument.maintenanceRatePlaces,
    finePlaces,
  );
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

/** The position's signed amount as a Decimal (for the order-entry and risk paths that compute in Decimal). */
export function amountOf(position: PositionState): Decimal {
  return decimalOf(position.amountUnits, position.instrument.quantityPlaces);
}

export function positionOpenOrderMargin(position: PositionState): Decimal {
  if (!hasOpenOrderMargin(position)) return zero;
  return openOrderMarginOf(
    amountOf(position),
    position.leverage,
    position.buyQuantity,
    position.buyNotional,
    position.sellQuantity,
    position.sellNotional,
  );
}

/** An open position's figures at the fine scale: computed once per fill for its row and its balance. */
export interface PositionFigures {
  readonly profit: bigint;
  readonly initial: bigint;
  readonly maintenance: bigint;
}

export function positionFiguresOf(position: PositionState): PositionFigures {
  return positionFiguresAt(position, markUnitsOf(position.instrument));
}

/** The figures of an open position at the mark `mark` (price units), from one notional. */
export function positionFiguresAt(position: PositionBasis, mark: bigint): PositionFigures {
  const instrument = position.instrument;
  const notional = position.amountUnits * mark;
  const notionalFine = rescaleUnits(notional, pricePlaces + instrument.quantityPlaces, finePlaces);
  return {
    profit: notionalFine - costFineOf(position),
    initial: divideRounded(notionalFine < 0n ? -notionalFine : notionalFine, BigInt(position.leverage)),
    maintenance: maintenanceOfNotional(instrument, notional),
  };
}

/**
 * The sums of the margin figures of an asset's positions (fine units): what `computeAssetFigures` adds up,
 * and what a fill's balance row keeps of the positions other than the filled one (events.ts).
 */
export class AssetTotals {
  isolatedWallets = 0n;
  unrealizedProfit = 0n;
  crossUnrealizedProfit = 0n;
  positionInitialMargin = 0n;
  crossPositionInitialMargin = 0n;
  openOrderInitialMargin = 0n;
  maintenanceMargin = 0n;
  crossMaintenanceMargin = 0n;

  addFigures(figures: PositionFigures, cross: boolean): void {
    this.unrealizedProfit += figures.profit;
    this.positionInitialMargin += figures.initial;
    this.maintenanceMargin += figures.maintenance;
    if (cross) {
      this.crossUnrealizedProfit += figures.profit;
      this.crossPositionInitialMargin += figures.initial;
      this.crossMaintenanceMargin += figures.maintenance;
    }
  }
}

/**
 * The totals of the asset's positions, leaving out the mark-dependent figures (not the open-order margin
 * or isolated wallet) of `except`; null when nothing adds up to anything (the common single-position case).
 */
export function assetTotalsOf(
  account: AccountState,
  asset: AssetState,
  except: PositionState | null,
): AssetTotals | null {
  let totals: AssetTotals | null = null;
  for (const position of account.positions) {
    if (position.asset !== asset) continue;
    if (hasOpenOrderMargin(position)) {
      totals ??= new AssetTotals();
      totals.openOrderInitialMargin += unitsOf(positionOpenOrderMargin(position), finePlaces);
    }
    const cross = position.marginType === 'CROSSED';
    if (!cross && position.isolatedWalletUnits !== 0n) {
      totals ??= new AssetTotals();
      totals.isolatedWallets += fineOfMoney(position.isolatedWalletUnits);
    }
    if (position.amountUnits === 0n || position === except) continue;
    totals ??= new AssetTotals();
    totals.addFigures(positionFiguresOf(position), cross);
  }
  return totals;
}

export function computeAssetFigures(account: AccountState, asset: AssetState): AssetFigures {
  return assetFiguresOf(asset.crossWalletUnits, assetTotalsOf(account, asset, null));
}

/**
 * The asset's figures from its cross wallet (money units) and the totals of its positions; `left`: the
 * position `totals` left out, whose figures are added (computed now, from its moment's mark, when open).
 */
export function assetFiguresOf(
  crossWalletUnits: bigint,
  totals: AssetTotals | null,
  left?: PositionMoment,
): AssetFigures {
  let sums = totals;
  if (left !== undefined && left.amountUnits !== 0n) {
    const all = new AssetTotals();
    if (totals !== null) Object.assign(all, totals);
    all.addFigures(left.figures(), left.marginType === 'CROSSED');
    sums = all;
  }
  const crossWallet = fineOfMoney(crossWalletUnits);
  if (sums === null) {
    return {
      crossWallet,
      isolatedWallets: 0n,
      unrealizedProfit: 0n,
      crossUnrealizedProfit: 0n,
      positionInitialMargin: 0n,
      crossPositionInitialMargin: 0n,
      openOrderInitialMargin: 0n,
      maintenanceMargin: 0n,
      crossMaintenanceMargin: 0n,
      available: crossWallet,
    };
  }
  return {
    crossWallet,
    isolatedWallets: sums.isolatedWallets,
    unrealizedProfit: sums.unrealizedProfit,
    crossUnrealizedProfit: sums.crossUnrealizedProfit,
    positionInitialMargin: sums.positionInitialMargin,
    crossPositionInitialMargin: sums.crossPositionInitialMargin,
    openOrderInitialMargin: sums.openOrderInitialMargin,
    maintenanceMargin: sums.maintenanceMargin,
    crossMaintenanceMargin: sums.crossMaintenanceMargin,
    available:
      crossWallet +
      sums.crossUnrealizedProfit -
      sums.crossPositionInitialMargin -
      sums.openOrderInitialMargin,
  };
}

/**
 * Binance's one-way liquidation price without the bracket's cumulative amount:
 * LP = (WB − amt × EP) / (|amt| × MMR − amt), WB the cross wallet (cross) or the isolated wallet.
 * Returned as the exact ratio `[numerator, denominator]` of price units (denominator > 0); null when flat,
 * when the denominator is zero or when the formula gives a non-positive price.
 */
export function liquidationPriceOf(position: PositionMoment): [bigint, bigint] | null {
  const amount = position.amountUnits;
  if (amount === 0n) return null;
  const instrument = position.instrument;
  const wallet = position.walletUnits;
  const rate = instrument.maintenanceRateUnits;
  const ratePower = powerOfTen(instrument.maintenanceRatePlaces);
  const basis = position.basisQuantity;
  // In price units: (W·B·10^q − amt·C) · 10^r / (B · (|amt|·mmr − amt·10^r)), all integers.
  const numerator =
    (wallet * basis * powerOfTen(instrument.quantityPlaces) - amount * position.costBasis) * ratePower;
  let denominator = basis * ((amount < 0n ? -amount : amount) * rate - amount * ratePower);
  if (denominator === 0n) return null;
  let top = numerator;
  if (denominator < 0n) {
    top = -top;
    denominator = -denominator;
  }
  return top <= 0n ? null : [top, denominator];
}

/** Long: entry + fees / qty; short: entry − fees / qty (the fees make a short break even lower). As a ratio of price units. */
export function breakEvenPriceOf(position: PositionMoment): [bigint, bigint] {
  const amount = position.amountUnits;
  const basis = position.basisQuantity;
  // C/B + F·10^q/amt (F money units, 8 places like prices) = (C·amt + F·10^q·B) / (B·amt)
  const numerator =
    position.costBasis * amount +
    position.openFeeUnits * powerOfTen(position.instrument.quantityPlaces) * basis;
  const denominator = basis * amount;
  return denominator < 0n ? [-numerator, -denominator] : [numerator, denominator];
}
