import type { RiskGuardSnapshot } from '@bot/risk';
import type { FillView, OrderView } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { checkGuard } from './audit-and-guard-invariants';
import type { GuardCheck, StateFile } from './audit-and-guard-invariants';
import type { PlaceRecord } from './audit-facts';
import { episodesOf } from './exchange-record';
import type { ExchangeRecord } from './exchange-record';
import { dayOf } from './loss-and-risk-invariants';

/**
 * Invariant 8 at a kill: a trade decided after the state file's `trailSeq` and closed before the kill is in
 * the trail alone (the bot does not save the state between an entry's record and its send), so the kill's
 * reading leaves it to the restart instead of taking "not listed" for "retired and uncounted" (chaos seed
 * 10). Only the trail's own later decisions get that allowance.
 */
const BASE = 'bot0123456789abcdef01';
const fill = (tradeId: number, orderId: number, side: 'BUY' | 'SELL', pnl: string): FillView => ({
  tradeId,
  orderId,
  symbol: 'BTCUSDC',
  side,
  price: '100000',
  qty: '0.01',
  quoteQty: '1000',
  commission: '0.5',
  commissionAsset: 'USDC',
  realizedPnl: pnl,
  maker: false,
  time: tradeId * 1000,
});
const orders = [
  { orderId: 1, clientOrderId: `${BASE}-e1` },
  { orderId: 2, clientOrderId: `${BASE}-sl1` },
] as OrderView[];
// The bot's entry and its stop: -4 of price, 0.5 of fee each.
const trades = episodesOf([fill(1, 1, 'BUY', '0'), fill(2, 2, 'SELL', '-4')], orders);
const record = { marketOf: (wall: number) => wall } as unknown as ExchangeRecord;
const place = (seq: number, clientIdBase = BASE) => ({ seq, clientIdBase }) as PlaceRecord;
// Read after the close; the guard has not counted it, and the file does not list the trade.
const state: StateFile = {
  guard: { day: dayOf(2000), realizedPnl: 0 } as RiskGuardSnapshot,
  trailSeq: 5,
  trades: [],
};
const kill = (trailHolds: boolean): GuardCheck => ({
  label: 'kill 1',
  invariant: 8,
  at: 10_000,
  state,
  trailHolds,
});

describe('checkGuard: a kill reading and the trail', () => {
  it('leaves a trade the trail decided after the state file to the restart', () => {
    expect(trades.map((trade) => trade.end)).toEqual([2000]);
    expect(checkGuard(10, kill(true), trades, record, [place(7)])).toEqual([]);
  });

  it('counts the same trade as retired when the reading is not a kill', () => {
    const [violation] = checkGuard(10, kill(false), trades, record, [place(7)]);
    expect(violation?.detail).toMatch(/realized PnL .* is 0, the exchange's .* is -5/);
  });

  it('counts it as retired when its decision is older than the state file, or not the trade’s', () => {
    expect(checkGuard(10, kill(true), trades, record, [place(5)])).toHaveLength(1);
    expect(checkGuard(10, kill(true), trades, record, [place(7, 'bot9999999999abcdef99')])).toHaveLength(1);
  });
});
