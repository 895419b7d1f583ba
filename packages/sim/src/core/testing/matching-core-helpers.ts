import type { MatchingCore } from '../matching-core';
import type { NewOrderRequest, SimRejection } from '../types';
import { startTime } from './core-fixtures';

/** What the matching-core-*.test.ts files share: an order of alice's, a price move, her USDC and BTC rows. */

export function rejectionOf(action: () => unknown): { code: number; msg: string } {
  try {
    action();
  } catch (error) {
    const rejection = error as SimRejection;
    return { code: rejection.code, msg: rejection.msg };
  }
  throw new Error('expected a rejection');
}

export function btc(partial: Partial<NewOrderRequest>): NewOrderRequest {
  return { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010', ...partial };
}

export function move(core: MatchingCore, symbol: string, last: string, mark = last, time = startTime + 1) {
  core.updateMarket({ symbol, lastPrice: last, markPrice: mark, time });
}

export function usdc(core: MatchingCore) {
  const asset = core.assets('alice').find((view) => view.asset === 'USDC');
  if (asset === undefined) throw new Error('no USDC');
  return asset;
}

export function btcPosition(core: MatchingCore) {
  const position = core.positions('alice').find((view) => view.symbol === 'BTCUSDC');
  if (position === undefined) throw new Error('no BTC row');
  return position;
}
