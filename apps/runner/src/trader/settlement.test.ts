import type { Fill } from '@bot/exchange';
import { describe, expect, it } from 'vitest';
import { netPnl, ownFills } from './settlement';

let id = 0;
function fill(side: 'buy' | 'sell', quantity: string, time: number, realizedPnl = '0', fee = '0.1'): Fill {
  id += 1;
  return {
    id: String(id),
    orderId: String(id),
    symbol: 'SOL/USDC:USDC',
    side,
    price: '150',
    quantity,
    quoteQuantity: '0',
    fee,
    feeAsset: 'USDC',
    realizedPnl,
    maker: false,
    time,
  };
}

describe('ownFills', () => {
  it('counts a trade from its entry to the fill that makes it flat', () => {
    const fills = [fill('buy', '2', 1_000), fill('sell', '2', 2_000, '3'), fill('buy', '1', 3_000)];
    const own = ownFills(fills, { side: 'long', openedAt: 1_000 });
    expect(own).toMatchObject({ flat: true, fills: fills.slice(0, 2) });
    expect(netPnl(own.fills)).toBeCloseTo(2.8);
  });

  // Chaos seed 5: the user closed an adopted long and opened another in the same millisecond; the second,
  // adopted from that millisecond on, was settled with the first one's closing fill.
  it('leaves out the close of the position before it in the millisecond the trade opened', () => {
    const closeBefore = fill('sell', '15.85', 5_000, '4.755');
    const opening = fill('buy', '17.30', 5_000);
    const closing = fill('sell', '17.30', 9_000, '7.4');
    const own = ownFills([closing, opening, closeBefore], { side: 'long', openedAt: 5_000 });
    expect(own).toMatchObject({ flat: true, fills: [opening, closing] });
    expect(netPnl(own.fills)).toBeCloseTo(7.2);
  });

  // Chaos seed 26 (second run): the user closed an adopted long with a sell and opened a short with another
  // sell in the same millisecond; the first sell is on the short's side too, but it realized the long's PnL.
  it('leaves out a fill of the same side that closed the position before it, in the millisecond the trade opened', () => {
    const closeBefore = fill('sell', '29.96', 5_000, '8.988');
    const opening = fill('sell', '27.12', 5_000);
    const liquidated = fill('buy', '27.12', 9_000, '-9916.6992');
    const own = ownFills([liquidated, closeBefore, opening], { side: 'short', openedAt: 5_000 });
    expect(own).toMatchObject({ flat: true, fills: [opening, liquidated] });
  });

  it('keeps a closing fill after the opening one in the same millisecond (a stop hit at once)', () => {
    const opening = fill('sell', '1', 5_000);
    const stopped = fill('buy', '1', 5_000, '-2');
    expect(ownFills([stopped, opening], { side: 'short', openedAt: 5_000 })).toMatchObject({
      flat: true,
      fills: [opening, stopped],
    });
  });

  it('counts a reversing fill that opened the trade for its opening part only', () => {
    const reversal = fill('buy', '3', 5_000, '1.5', '0.3');
    const closing = fill('sell', '2', 6_000, '-1');
    const own = ownFills([reversal, closing], {
      side: 'long',
      openedAt: 5_000,
      openingPart: { fillId: reversal.id, quantity: '2' },
    });
    expect(own.flat).toBe(true);
    expect(own.fills[0]).toMatchObject({ quantity: '2', fee: '0.2', realizedPnl: '0' });
    expect(netPnl(own.fills)).toBeCloseTo(-1.3);
  });
});
