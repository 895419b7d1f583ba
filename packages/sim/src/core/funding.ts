/** Funding: the symbol's boundaries every `fundingInterval`, and the payments settled at each one. */
import type { InstrumentState } from './core-state';
import { markPriceOf } from './core-state';
import { amountOf } from './account-figures';
import { formatMoneyUnits, moneyDecimals, moneyFloat, unitsOf } from './decimal-format';
import { assetView, positionView } from './views';
import type { CoreContext } from './core-context';
import { creditCross, positionOf, recordLedger } from './core-context';

export function nextFundingBoundary(ctx: CoreContext, time: number): number {
  return Math.floor(time / ctx.fundingInterval) * ctx.fundingInterval + ctx.fundingInterval;
}

/** Funding at a boundary: payment = −positionAmt × mark × rate into the wallet holding the position. */
export function settleFunding(ctx: CoreContext, instrument: InstrumentState, time: number): void {
  instrument.nextFundingTime = nextFundingBoundary(ctx, time);
  const rate = instrument.fundingRate;
  if (rate.isZero() || instrument.holders.length === 0) return;
  const mark = markPriceOf(instrument);
  for (const account of [...instrument.holders]) {
    const position = positionOf(account, instrument);
    const payment = unitsOf(amountOf(position).times(mark).times(rate).neg(), moneyDecimals);
    if (payment === 0n) continue;
    const asset = position.asset;
    const isolated = position.marginType === 'ISOLATED';
    if (isolated) {
      let wallet = position.isolatedWalletUnits + payment;
      if (wallet < 0n) wallet = 0n;
      position.isolatedWalletUnits = wallet;
      position.isolatedWalletFloat = moneyFloat(wallet);
      position.updateTime = time;
    } else {
      creditCross(asset, payment);
    }
    asset.updateTime = time;
    recordLedger(ctx, account, {
      incomeType: 'FUNDING_FEE',
      symbol: instrument.symbol,
      asset: asset.asset,
      income: formatMoneyUnits(payment),
      time,
    });
    ctx.events.push({
      kind: 'account',
      accountId: account.id,
      time,
      reason: 'FUNDING_FEE',
      balances: [assetView(account, asset)],
      positions: isolated ? [positionView(position)] : [],
    });
  }
}
