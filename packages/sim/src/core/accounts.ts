/** Accounts: opening one, transfers in and out of its cross wallet, and its totals across assets. */
import type Decimal from 'decimal.js';
import { computeAssetFigures } from './account-figures';
import type { AssetState, PositionState } from './core-state';
import { formatMoney, roundMoney, zero } from './decimal-format';
import { BoundedHistory } from './bounded-history';
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
    fills: [],
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
    state = { asset, crossWallet: zero, crossWalletFloat: 0, marginCalled: false, updateTime: now };
    account.assets.set(asset, state);
  }
  state.crossWallet = state.crossWallet.plus(roundMoney(value));
  state.crossWalletFloat = state.crossWallet.toNumber();
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
  const withdrawable = figures.available.lt(figures.crossWallet) ? figures.available : figures.crossWallet;
  if (value.gt(withdrawable))
    throw new Error(
      `Withdrawal of ${amount} ${asset} exceeds the withdrawable ${formatMoney(withdrawable.gt(0) ? withdrawable : zero)}.`,
    );
  creditCross(state, value.neg());
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
    const withdrawable = figures.available.lt(figures.crossWallet) ? figures.available : figures.crossWallet;
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
