/**
 * fetchFundingPayments against the emulator with the unmodified ccxt client: the funding a position paid or
 * received at the funding marks, as Binance's income history lists it (what a trade's history shows).
 */
import { describe, expect, it } from 'vitest';
import { BTC, usePaperEmulator } from './support';

describe('fetchFundingPayments against the emulator', () => {
  const paper = usePaperEmulator({ exchange: true });

  function crossFundingMark(): number {
    const market = paper.sim().core.market('BTCUSDC');
    paper.sim().core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: market.lastPrice,
      markPrice: market.markPrice,
      time: market.nextFundingTime,
    });
    return market.nextFundingTime;
  }

  it('lists what a long paid at the funding mark, signed, in the quote asset; nothing for a symbol without a position', async () => {
    const { exchange } = paper.setup();
    const before = await exchange.fetchFundingPayments(BTC);
    await exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.010',
      rationale: 'funding test',
    });
    const mark = crossFundingMark();
    const payments = (await exchange.fetchFundingPayments(BTC)).filter(
      (payment) => !before.some((old) => old.id === payment.id),
    );
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ symbol: BTC, asset: 'USDC', time: mark });
    expect(Number(payments[0]?.amount)).toBeLessThan(0); // a long pays a positive rate
    expect(await exchange.fetchFundingPayments('ETH/USDC:USDC')).toEqual([]);
  });

  it('keeps to the window asked for', async () => {
    const { exchange } = paper.setup();
    await exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.010',
      rationale: 'funding test',
    });
    const mark = crossFundingMark();
    expect(await exchange.fetchFundingPayments(BTC, { since: mark + 1 })).toEqual([]);
    expect(await exchange.fetchFundingPayments(BTC, { since: mark - 1, until: mark - 1 })).toEqual([]);
    const inside = await exchange.fetchFundingPayments(BTC, { since: mark, until: mark });
    expect(inside.map((payment) => payment.time)).toEqual([mark]);
  });
});
