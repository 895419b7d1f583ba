/** Funding: the symbol's boundaries every `fundingInterval`, and the payments settled at each one. */
import type { InstrumentState } from './core-state';
import { markPriceOf } from './core-state';
import { formatMoney, roundMoney, zero } from './decimal-format';
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
    const payment = roundMoney(position.amount.times(mark).times(rate).neg());
    if (payment.isZero()) continue;
    const asset = position.asset;
    const isolated = position.marginType === 'ISOLATED';
    if (isolated) {
      let wallet = position.isolatedWallet.plus(payment);
      if (wallet.lt(0)) wallet = zero;
      position.isolatedWallet = wallet;
      position.isolatedWalletFloat = wallet.toNumber();
      position.updateTime = time;
    } else {
      creditCross(asset, payment);
    }
    asset.updateTime = time;
    recordLedger(ctx, account, {
      incomeType: 'FUNDING_FEE',
      symbol: instrument.symbol,
      asset: asset.asset,
      income: formatMoney(payment),
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
