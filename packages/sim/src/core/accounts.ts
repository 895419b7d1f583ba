/** Accounts: opening one, transfers in and out of its cross wallet, and its totals across assets. */
import type Decimal from 'decimal.js';
import { computeAssetFigures, fineOfMoney } from './account-figures';
import type { AssetState, PositionState } from './core-state';
import {
  finePlaces,
  formatMoney,
  formatMoneyUnits,
  moneyDecimals,
  roundMoney,
  unitsOf,
  zero,
} from './decimal-format';
import { BoundedHistory } from './bounded-history';
import { FillHistory } from './fill-history';
import type { AccountTotalsView, AssetView } from './types';
import { assetView } from './views';
import type { CoreContext } from './core-context';
import { accountOf, creditCross, parseMoney, recordLedger } from './core-context';

export function addAccount(
  ctx: CoreContext,
  accountId: string,
  balances: Record<string, string>,
  now: number,
): void {
  if (ctx.accounts.has(accountId)) throw new Error(`Account ${accountId} already exists.`);
  const assets = new Map<string, AssetState>();
  const addAsset = (asset: string, amount: Decimal): void => {
    assets.set(asset, {
      asset,
      crossWalletUnits: unitsOf(amount, moneyDecimals),
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
  for (const instrument of ctx.instrumentList) {
    if (!assets.has(instrument.marginAsset)) addAsset(instrument.marginAsset, zero);
  }
  const positions = ctx.instrumentList.map((instrument): PositionState => {
    const asset = assets.get(instrument.marginAsset);
    if (asset === undefined) throw new Error(`No asset state for ${instrument.marginAsset}.`);
    return {
      instrument,
      asset,
      leverage: Math.min(ctx.defaultLeverage, instrument.spec.maxLeverage),
      marginType: 'CROSSED',
      amountUnits: 0n,
      costBasis: 0n,
      basisQuantity: 0n,
      openFeeUnits: 0n,
      isolatedWalletUnits: 0n,
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
  ctx.accounts.set(accountId, {
    id: accountId,
    assets,
    positions,
    openPositions: [],
    openOrders: new Map(),
    closedOrders: new BoundedHistory(ctx.historyLimit),
    clientOrderIndex: new Map(),
    openAlgos: new Map(),
    closedAlgos: new BoundedHistory(ctx.historyLimit),
    clientAlgoIndex: new Map(),
    fills: new FillHistory(ctx.historyLimit),
    ledger: [],
  });
}

export function deposit(
  ctx: CoreContext,
  accountId: string,
  asset: string,
  amount: string,
  now: number,
): AssetView {
  const account = accountOf(ctx, accountId);
  const value = parseMoney(amount, 'deposit amount');
  if (!value.gt(0)) throw new Error('A deposit must be positive.');
  let state = account.assets.get(asset);
  if (state === undefined) {
    state = { asset, crossWalletUnits: 0n, crossWalletFloat: 0, marginCalled: false, updateTime: now };
    account.assets.set(asset, state);
  }
  creditCross(state, unitsOf(value, moneyDecimals));
  state.updateTime = now;
  const view = assetView(account, state);
  recordLedger(ctx, account, {
    incomeType: 'TRANSFER',
    symbol: '',
    asset,
    income: formatMoney(roundMoney(value)),
    time: now,
  });
  ctx.events.push({
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

export function withdraw(
  ctx: CoreContext,
  accountId: string,
  asset: string,
  amount: string,
  now: number,
): AssetView {
  const account = accountOf(ctx, accountId);
  const value = roundMoney(parseMoney(amount, 'withdrawal amount'));
  if (!value.gt(0)) throw new Error('A withdrawal must be positive.');
  const state = account.assets.get(asset);
  if (state === undefined) throw new Error(`Account ${accountId} holds no ${asset}.`);
  const figures = computeAssetFigures(account, state);
  const withdrawable = figures.available < figures.crossWallet ? figures.available : figures.crossWallet;
  const units = unitsOf(value, moneyDecimals);
  if (fineOfMoney(units) > withdrawable)
    throw new Error(
      `Withdrawal of ${amount} ${asset} exceeds the withdrawable ${formatMoneyUnits(withdrawable > 0n ? withdrawable : 0n, finePlaces)}.`,
    );
  creditCross(state, -units);
  state.updateTime = now;
  const view = assetView(account, state);
  recordLedger(ctx, account, {
    incomeType: 'TRANSFER',
    symbol: '',
    asset,
    income: formatMoney(value.neg()),
    time: now,
  });
  ctx.events.push({
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

export function accountTotals(ctx: CoreContext, accountId: string): AccountTotalsView {
  const account = accountOf(ctx, accountId);
  let wallet = 0n;
  let unrealized = 0n;
  let maintenance = 0n;
  let positionInitial = 0n;
  let openOrderInitial = 0n;
  let crossWallet = 0n;
  let crossUnrealized = 0n;
  let available = 0n;
  let maxWithdraw = 0n;
  for (const asset of account.assets.values()) {
    const figures = computeAssetFigures(account, asset);
    wallet += figures.crossWallet + figures.isolatedWallets;
    unrealized += figures.unrealizedProfit;
    positionInitial += figures.positionInitialMargin;
    openOrderInitial += figures.openOrderInitialMargin;
    maintenance += figures.maintenanceMargin;
    crossWallet += figures.crossWallet;
    crossUnrealized += figures.crossUnrealizedProfit;
    available += figures.available;
    const withdrawable = figures.available < figures.crossWallet ? figures.available : figures.crossWallet;
    if (withdrawable > 0n) maxWithdraw += withdrawable;
  }
  const money = (units: bigint): string => formatMoneyUnits(units, finePlaces);
  return {
    totalWalletBalance: money(wallet),
    totalUnrealizedProfit: money(unrealized),
    totalMarginBalance: money(wallet + unrealized),
    totalInitialMargin: money(positionInitial + openOrderInitial),
    totalMaintMargin: money(maintenance),
    totalPositionInitialMargin: money(positionInitial),
    totalOpenOrderInitialMargin: money(openOrderInitial),
    totalCrossWalletBalance: money(crossWallet),
    totalCrossUnPnl: money(crossUnrealized),
    availableBalance: money(available),
    maxWithdrawAmount: money(maxWithdraw),
  };
}
