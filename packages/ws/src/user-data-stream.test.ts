import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { VirtualClock, until } from '../test/virtual-clock';
import type { PollResult, UserDataPoller } from './pollers';
import type { AccountUpdateEvent, UserDataEvent } from './user-data-events';
import { UserDataStream, deduplicationKey } from './user-data-stream';

const orderUpdate = (executionType: string, tradeId: number, orderId = 7) =>
  JSON.stringify({
    e: 'ORDER_TRADE_UPDATE',
    E: 5 + tradeId,
    T: 5 + tradeId,
    o: {
      s: 'BTCUSDC',
      c: 'c',
      S: 'BUY',
      o: 'MARKET',
      q: '1',
      p: '0',
      x: executionType,
      X: 'FILLED',
      i: orderId,
      l: '1',
      z: '1',
      L: '9',
      T: 5,
      t: tradeId,
    },
  });

const listenKeys = { create: async () => 'key', keepAlive: async () => undefined };

describe('UserDataStream de-duplication', () => {
  it('keys fills by order and trade id, and other order updates by execution type', () => {
    const stream = new UserDataStream({ listenKeys });
    const events: UserDataEvent[] = [];
    stream.on('orderUpdate', (event) => events.push(event));
    for (const frame of [
      orderUpdate('NEW', 0),
      orderUpdate('TRADE', 1),
      orderUpdate('TRADE', 1),
      orderUpdate('TRADE', 2),
      orderUpdate('NEW', 0),
      orderUpdate('NEW', 0, 8),
    ])
      stream.ingest(frame);
    expect(events.map((event) => deduplicationKey(event))).toEqual([
      'o|BTCUSDC|7|NEW',
      't|BTCUSDC|7|1',
      't|BTCUSDC|7|2',
      'o|BTCUSDC|8|NEW',
    ]);
    expect(stream.stats()).toMatchObject({ dispatched: 4, duplicates: 2 });
  });

  it('passes on only the entries of a REST snapshot that differ from what was delivered', async () => {
    const snapshot = (usdc: string, amount: string): AccountUpdateEvent => ({
      type: 'accountUpdate',
      source: 'poll',
      eventTime: 50,
      transactionTime: 50,
      reason: 'SNAPSHOT',
      balances: [
        { asset: 'USDC', walletBalance: usdc, crossWalletBalance: usdc, balanceChange: '0' },
        { asset: 'USDT', walletBalance: '50', crossWalletBalance: '50', balanceChange: '0' },
      ],
      positions: [
        {
          symbol: 'BTCUSDC',
          positionAmount: amount,
          entryPrice: '60000.0',
          breakEvenPrice: '60000',
          accumulatedRealized: '0',
          unrealizedProfit: '3',
          marginType: 'cross',
          isolatedWallet: '0',
          positionSide: 'BOTH',
        },
        {
          symbol: 'ETHUSDC',
          positionAmount: '0',
          entryPrice: '0',
          breakEvenPrice: '0',
          accumulatedRealized: '0',
          unrealizedProfit: '0',
          marginType: 'cross',
          isolatedWallet: '0',
          positionSide: 'BOTH',
        },
      ],
    });
    const answers: PollResult<UserDataEvent>[] = [
      { events: [snapshot('100.00', '0.010')], weight: 10 },
      { events: [snapshot('100.00', '0.010')], weight: 10 },
      { events: [snapshot('90', '0')], weight: 10 },
    ];
    const poller: UserDataPoller = { poll: async () => answers.shift() ?? { events: [], weight: 10 } };
    const clock = new VirtualClock();
    // Every connection attempt is refused: the feed degrades and lives on its poller.
    const stream = new UserDataStream({
      listenKeys,
      poller,
      clock,
      random: () => 0,
      createWebSocket: (_url, options) => new WebSocket('ws://127.0.0.1:1/private/ws', options),
    });
    const updates: AccountUpdateEvent[] = [];
    stream.on('accountUpdate', (event) => updates.push(event));
    stream.ingest(
      JSON.stringify({
        e: 'ACCOUNT_UPDATE',
        E: 1,
        T: 1,
        a: {
          m: 'ORDER',
          B: [{ a: 'USDC', wb: '100', cw: '100' }],
          P: [{ s: 'BTCUSDC', pa: '0.01', ep: '60000', up: '0', mt: 'cross', iw: '0', ps: 'BOTH' }],
        },
      }),
    );
    try {
      stream.start();
      await until(() => answers.length === 0, { clock, stepMs: 500, what: 'three polls' });
      await until(() => updates.length === 3, { clock, stepMs: 500, what: 'snapshots' });
      expect(stream.health).toBe('degraded');
      const [, first, third] = updates;
      expect(first?.balances.map((balance) => balance.asset)).toEqual(['USDT']);
      expect(first?.positions).toEqual([]);
      expect(third?.balances.map((balance) => `${balance.asset}=${balance.walletBalance}`)).toEqual([
        'USDC=90',
      ]);
      expect(third?.positions.map((position) => `${position.symbol}=${position.positionAmount}`)).toEqual([
        'BTCUSDC=0',
      ]);
      expect(stream.stats().duplicates).toBe(1);
    } finally {
      await stream.close();
    }
  });

  it('requires the listenKey functions and a keepalive well inside the hour', () => {
    expect(() => new UserDataStream({} as never)).toThrow(/listenKeys/);
    expect(() => new UserDataStream({ listenKeys, keepAliveIntervalMs: 60 * 60_000 })).toThrow(/well under/);
  });
});
