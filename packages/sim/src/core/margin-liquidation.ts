/**
 * Margin calls, liquidation and auto-deleveraging. A float pre-check runs on every price update and only a
 * position near a risk line pays for the exact (scaled-integer) check; forced closes are the exchange's own orders.
 */
import type Decimal from 'decimal.js';
import {
  amountOf,
  computeAssetFigures,
  fineOfMoney,
  maintenanceMarginOf,
  unrealizedProfitOf,
} from './account-figures';
import type { AccountState, AssetState, InstrumentState, OrderState, PositionState } from './core-state';
import { markPriceOf } from './core-state';
import { floorToIncrement, formatMoneyUnits, formatQuantity, pricePlaces, unitsOf } from './decimal-format';
import type { ForcedClose, OrderView } from './types';
import { orderView, positionView } from './views';
import type { CoreContext, OrderIntent } from './core-context';
import { accountOf, instrumentOf, parseMoney, positionOf } from './core-context';
import { closeOrder, emitOrder } from './order-lifecycle';
import { applyFill } from './order-fills';
import { createOrder } from './order-entry';

const marginCallRatio = 0.8;
/** Relative tolerance of the float risk pre-check: inside it, the exact check decides. */
const floatTolerance = 1e-9;

export function checkRisk(ctx: CoreContext, instrument: InstrumentState, time: number): void {
  const holders = instrument.holders;
  let crossChecks: AccountState[] | undefined;
  let isolatedChecks: AccountState[] | undefined;
  for (let index = 0; index < holders.length; index += 1) {
    const account = holders[index] as AccountState;
    const position = account.positions[instrument.index] as PositionState;
    if (position.marginType === 'CROSSED') {
      if (crossNeedsExactCheck(account, position.asset)) (crossChecks ??= []).push(account);
    } else if (isolatedNeedsExactCheck(position)) {
      (isolatedChecks ??= []).push(account);
    }
  }
  if (crossChecks !== undefined) {
    for (const account of crossChecks) {
      checkCrossExactly(ctx, account, positionOf(account, instrument).asset, time);
    }
  }
  if (isolatedChecks !== undefined) {
    for (const account of isolatedChecks) {
      checkIsolatedExactly(ctx, account, positionOf(account, instrument), time);
    }
  }
}

/** Float pre-check: could the cross margin balance be at or below the maintenance margin, or cross the 80 % line? */
export function crossNeedsExactCheck(account: AccountState, asset: AssetState): boolean {
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
  return nearRiskLine(balance, maintenance, scale, asset.marginCalled);
}

export function isolatedNeedsExactCheck(position: PositionState): boolean {
  const notional = position.amountFloat * position.instrument.markFloat;
  const cost = position.amountFloat * position.entryFloat;
  const balance = position.isolatedWalletFloat + notional - cost;
  const size = Math.abs(notional);
  const maintenance = size * position.instrument.maintenanceRateFloat;
  const scale = Math.abs(position.isolatedWalletFloat) + size + Math.abs(cost);
  return nearRiskLine(balance, maintenance, scale, position.marginCalled);
}

export function nearRiskLine(
  balance: number,
  maintenance: number,
  scale: number,
  marginCalled: boolean,
): boolean {
  const tolerance = scale * floatTolerance + floatTolerance;
  if (balance - maintenance <= tolerance) return true; // liquidation is possible
  const callLine = marginCallRatio * balance;
  return marginCalled ? maintenance <= callLine + tolerance : maintenance >= callLine - tolerance;
}

/** Whether the maintenance margin is at or above 80 % of the margin balance (the margin-call line). */
function reachesCallLine(maintenance: bigint, balance: bigint): boolean {
  return maintenance * 10n >= balance * 8n;
}

export function checkCrossExactly(
  ctx: CoreContext,
  account: AccountState,
  asset: AssetState,
  time: number,
): void {
  const figures = computeAssetFigures(account, asset);
  const balance = figures.crossWallet + figures.crossUnrealizedProfit;
  const maintenance = figures.crossMaintenanceMargin;
  if (maintenance === 0n) return;
  if (balance <= maintenance) {
    liquidateCross(ctx, account, asset, time);
    asset.marginCalled = false;
    return;
  }
  if (reachesCallLine(maintenance, balance)) {
    if (!asset.marginCalled) {
      asset.marginCalled = true;
      const positions = account.openPositions
        .filter((position) => position.asset === asset && position.marginType === 'CROSSED')
        .map(positionView);
      ctx.events.push({
        kind: 'marginCall',
        accountId: account.id,
        time,
        crossWalletBalance: formatMoneyUnits(asset.crossWalletUnits),
        positions,
      });
    }
  } else {
    asset.marginCalled = false;
  }
}

export function checkIsolatedExactly(
  ctx: CoreContext,
  account: AccountState,
  position: PositionState,
  time: number,
): void {
  if (position.amountUnits === 0n || position.marginType !== 'ISOLATED') return;
  const balance = fineOfMoney(position.isolatedWalletUnits) + unrealizedProfitOf(position);
  const maintenance = maintenanceMarginOf(position);
  if (balance <= maintenance) {
    for (const order of [...account.openOrders.values()]) {
      if (order.position === position) closeOrder(ctx, order, 'CANCELED', time);
    }
    liquidatePosition(ctx, account, position, time);
    return;
  }
  if (reachesCallLine(maintenance, balance)) {
    if (!position.marginCalled) {
      position.marginCalled = true;
      ctx.events.push({
        kind: 'marginCall',
        accountId: account.id,
        time,
        crossWalletBalance: formatMoneyUnits(position.asset.crossWalletUnits),
        positions: [positionView(position)],
      });
    }
  } else {
    position.marginCalled = false;
  }
}

/** Cancels the open orders of the cross symbols of this asset, then closes every cross position at mark. */
export function liquidateCross(
  ctx: CoreContext,
  account: AccountState,
  asset: AssetState,
  time: number,
): void {
  for (const order of [...account.openOrders.values()]) {
    if (order.position.asset === asset && order.position.marginType === 'CROSSED') {
      closeOrder(ctx, order, 'CANCELED', time);
    }
  }
  const positions = account.openPositions.filter(
    (position) => position.asset === asset && position.marginType === 'CROSSED',
  );
  for (const position of positions) liquidatePosition(ctx, account, position, time);
}

export function liquidatePosition(
  ctx: CoreContext,
  account: AccountState,
  position: PositionState,
  time: number,
): void {
  if (position.amountUnits !== 0n)
    forceClose(ctx, account, position, amountOf(position).abs(), 'LIQUIDATION', time);
}

/**
 * The exchange's own closing order, `autoclose-<time>` or `adl_autoclose`: LIMIT IOC at the mark price,
 * filled at once as taker. Binance's own order records show these with reduceOnly false.
 */
export function forceClose(
  ctx: CoreContext,
  account: AccountState,
  position: PositionState,
  quantity: Decimal,
  kind: ForcedClose,
  time: number,
): OrderState {
  const instrument = position.instrument;
  const mark = markPriceOf(instrument);
  const isBuy = position.amountUnits < 0n;
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
  const order = createOrder(ctx, account, intent, quantity, time, false);
  emitOrder(ctx, order, 'NEW', time);
  applyFill(
    ctx,
    order,
    unitsOf(mark, pricePlaces),
    unitsOf(quantity, instrument.quantityPlaces),
    false,
    time,
  );
  return order;
}

export function autoDeleverage(
  ctx: CoreContext,
  accountId: string,
  symbol: string,
  now: number,
  quantity?: string,
): OrderView {
  const account = accountOf(ctx, accountId);
  const instrument = instrumentOf(ctx, symbol);
  const position = positionOf(account, instrument);
  const size = amountOf(position).abs();
  if (size.isZero()) throw new Error(`Account ${accountId} holds no ${symbol} position to deleverage.`);
  let closing = size;
  if (quantity !== undefined) {
    closing = parseMoney(quantity, 'ADL quantity');
    const sizeText = formatQuantity(size, instrument.stepDecimals);
    if (!closing.gt(0) || closing.gt(size))
      throw new Error(`ADL quantity ${quantity} must be above 0 and at most the position size ${sizeText}.`);
    if (!floorToIncrement(closing, instrument.stepSize).eq(closing))
      throw new Error(
        `ADL quantity ${quantity} is not a multiple of the step size ${instrument.spec.stepSize}.`,
      );
  }
  for (const order of [...account.openOrders.values()]) {
    if (order.instrument === instrument) closeOrder(ctx, order, 'CANCELED', now);
  }
  return orderView(forceClose(ctx, account, position, closing, 'ADL', now));
}
