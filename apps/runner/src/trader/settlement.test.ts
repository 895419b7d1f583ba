import type { Fill } from '@bot/exchange';
import { describe, expect, it } from 'vitest';
import type { UserDataEvent } from '@bot/ws';
import type { OpenTrade } from '../bot-state';
import { emptyAccountState, reduceAccount } from './account-state';
import type { AccountState } from './account-state';
import type { TraderContext } from './context';
import { netPnl, ownFills, streamedClose } from './settlement';

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

/**
 * `streamedClose` decides whether the user-data stream told a whole close (then nothing is read over REST):
 * account states built by the real reducer from events shaped as the stream delivers them.
 */
describe('streamedClose', () => {
  const trade: OpenTrade = {
    intentId: 'SOLUSDC-1',
    symbol: 'SOL/USDC:USDC',
    side: 'long',
    quantity: '2',
    stopLossPrice: '140',
    takeProfitPrice: '170',
    stopLossId: '11',
    takeProfitId: '12',
    openedAt: 1_000,
  };
  let tradeId = 100;
  const traded = (side: 'BUY' | 'SELL', quantity: string, time: number, realized = '0'): UserDataEvent => {
    tradeId += 1;
    return {
      type: 'orderUpdate',
      source: 'stream',
      eventTime: time,
      transactionTime: time,
      symbol: 'SOLUSDC',
      clientOrderId: `c${tradeId}`,
      side,
      orderType: 'MARKET',
      timeInForce: 'GTC',
      quantity,
      price: '0',
      averagePrice: '150',
      stopPrice: '0',
      executionType: 'TRADE',
      orderStatus: 'FILLED',
      orderId: tradeId,
      lastFilledQuantity: quantity,
      cumulativeFilledQuantity: quantity,
      lastFilledPrice: '150',
      commissionAsset: 'USDC',
      commission: '0.15',
      tradeTime: time,
      tradeId,
      isMaker: false,
      reduceOnly: side === 'SELL',
      workingType: 'CONTRACT_PRICE',
      originalOrderType: 'MARKET',
      positionSide: 'BOTH',
      closePosition: false,
      realizedProfit: realized,
      isLiquidation: false,
      isAutoDeleveraging: false,
    };
  };
  const algo = (algoId: number, status: string, time: number): UserDataEvent => ({
    type: 'algoUpdate',
    source: 'stream',
    eventTime: time,
    transactionTime: time,
    clientAlgoId: `a${algoId}`,
    algoId,
    algoType: 'CONDITIONAL',
    orderType: algoId === 12 ? 'TAKE_PROFIT_MARKET' : 'STOP_MARKET',
    symbol: 'SOLUSDC',
    side: 'SELL',
    positionSide: 'BOTH',
    timeInForce: 'GTC',
    quantity: '0',
    algoStatus: status,
    actualOrderId: undefined,
    actualPrice: '0',
    triggerPrice: algoId === 12 ? '170' : '140',
    price: '0',
    workingType: 'MARK_PRICE',
    closePosition: true,
    priceProtect: false,
    reduceOnly: true,
    triggerTime: 0,
    rejectReason: '',
  });
  const held = (amount: string, time: number): UserDataEvent => ({
    type: 'accountUpdate',
    source: 'stream',
    eventTime: time,
    transactionTime: time,
    reason: 'ORDER',
    balances: [],
    positions: [
      {
        symbol: 'SOLUSDC',
        positionAmount: amount,
        entryPrice: amount === '0' ? '0' : '150',
        breakEvenPrice: '0',
        accumulatedRealized: '0',
        unrealizedProfit: '0',
        marginType: 'isolated',
        isolatedWallet: '0',
        positionSide: 'BOTH',
      },
    ],
  });
  const contextOf = (events: readonly UserDataEvent[], health = 'live') =>
    ({
      account: events.reduce<AccountState>(reduceAccount, emptyAccountState),
      userData: { health },
      outOfSync: undefined,
    }) as unknown as TraderContext;
  const entry = () => [
    traded('BUY', '2', 1_000),
    held('2', 1_000),
    algo(11, 'NEW', 1_001),
    algo(12, 'NEW', 1_001),
  ];

  it('takes the close from the stream: the trade’s fills, its live exits to cancel, the reason from the stop', () => {
    const closed = contextOf([
      ...entry(),
      algo(11, 'TRIGGERED', 5_000),
      traded('SELL', '2', 5_000, '-20'),
      held('0', 5_000),
      algo(11, 'FINISHED', 5_000),
    ]);
    const told = streamedClose(closed, trade);
    expect(told?.fills.map((fill) => fill.side)).toEqual(['buy', 'sell']);
    expect(told?.exits).toEqual(['12']);
    expect(told?.reason).toBe('stop_loss');
    expect(netPnl(told?.fills ?? [])).toBeCloseTo(-20.3);
  });

  it('a close by hand: both exits still live are canceled, the reason left to the caller', () => {
    const told = streamedClose(
      contextOf([...entry(), traded('SELL', '2', 5_000, '4'), held('0', 5_000)]),
      trade,
    );
    expect([...(told?.exits ?? [])].sort()).toEqual(['11', '12']);
    expect(told?.reason).toBeUndefined();
  });

  it('leaves it to REST when the stream did not tell all of it', () => {
    const close = [traded('SELL', '2', 5_000, '4'), held('0', 5_000)];
    // a fill the stream missed: the close's (the position flat, but the fills do not get there)
    expect(streamedClose(contextOf([...entry(), held('0', 5_000)]), trade)).toBeUndefined();
    // the entry's (a process started after it)
    expect(streamedClose(contextOf([held('2', 1_000), ...close]), trade)).toBeUndefined();
    // the stream not trusted
    expect(streamedClose(contextOf([...entry(), ...close], 'degraded'), trade)).toBeUndefined();
    // the position still held
    expect(streamedClose(contextOf([...entry(), traded('SELL', '1', 5_000, '2')]), trade)).toBeUndefined();
    // another exit order live on the symbol (not the trade's)
    expect(streamedClose(contextOf([...entry(), algo(99, 'NEW', 2_000), ...close]), trade)).toBeUndefined();
  });
});

// Chaos seed 1: the user opened a short between the bot's decision and its entry's fill; the entry bought
// through it. The trade is the long the entry opened past flat, not the user's short.
describe('ownFills when someone opens the other side between the decision and the entry', () => {
  it('counts the entry whole (its order realized what it closed and paid all of its fee) and the close', () => {
    const userShort = fill('sell', '9.05', 2_000);
    const entry = fill('buy', '66.64', 2_100, '1.5', '6.664');
    const close = fill('sell', '57.59', 9_000, '-60', '5.759');
    const own = ownFills([close, entry, userShort], { side: 'long', openedAt: 1_000 });
    expect(own).toMatchObject({ flat: true, fills: [entry, close] });
    expect(netPnl(own.fills)).toBeCloseTo(1.5 - 6.664 - 60 - 5.759, 6);
  });
});
