/**
 * openProtectedPosition's checks of an intent, against the emulator over real sockets with the unmodified
 * ccxt client: an invalid intent refused before any request, saying why, and the defaults an intent leaves out.
 */
import { describe, expect, it } from 'vitest';
import type { PositionIntent, ProtectedEntryOptions } from '../src/protected-entry';
import { openProtectedPosition } from '../src/protected-entry';
import { BTC, intentFactory, resetAccount, usePaperEmulator } from './support';

describe("openProtectedPosition's checks of an intent, against the emulator", () => {
  const { sim, setup } = usePaperEmulator({ exchange: true });
  const intent = intentFactory('paths');

  const accountId = () => sim().accounts[0]!.accountId;

  describe('an invalid intent is rejected before any request, saying why', () => {
    const limit = (price: string) => ({ type: 'limit' as const, price });
    it.each([
      ['a side that is neither', { side: 'up' as never }, 'side must be long or short'],
      ['a quantity of 0', { quantity: '0' }, 'quantity must be a positive decimal, got "0"'],
      ['a quantity that is no number', { quantity: 'abc' }, 'quantity must be a positive decimal, got "abc"'],
      ['a negative stop', { stopLossPrice: '-1' }, 'stopLossPrice must be a positive decimal, got "-1"'],
      [
        'a missing stop',
        { stopLossPrice: undefined as never },
        'stopLossPrice must be a positive decimal, got undefined',
      ],
      ['a take-profit of 0', { takeProfitPrice: '0' }, 'takeProfitPrice must be a positive decimal, got "0"'],
      [
        "a long's take-profit below its stop",
        { takeProfitPrice: '58000' },
        "a long's take-profit must be above its stop-loss",
      ],
      [
        "a long's take-profit at its stop",
        { takeProfitPrice: '58800' },
        "a long's take-profit must be above its stop-loss",
      ],
      [
        "a short's take-profit above its stop",
        { side: 'short', stopLossPrice: '61200', takeProfitPrice: '62000' },
        "a short's take-profit must be below its stop-loss",
      ],
      [
        'a take-profit limit price of 0',
        { takeProfitLimitPrice: '0' },
        'takeProfitLimitPrice must be a positive decimal, got "0"',
      ],
      [
        'a limit entry without a price',
        { entry: limit('') },
        'entry price must be a positive decimal, got ""',
      ],
      [
        'a long limit entry at or below its stop',
        { entry: limit('58800') },
        "a long's stop-loss must be below its entry price",
      ],
      [
        'a short limit entry at or above its stop',
        { side: 'short', stopLossPrice: '61200', takeProfitPrice: '57600', entry: limit('61200') },
        "a short's stop-loss must be above its entry price",
      ],
      [
        'a long limit entry at or above its take-profit',
        { entry: limit('62400') },
        "a long's take-profit must be above its entry price",
      ],
      [
        'a short limit entry at or below its take-profit',
        { side: 'short', stopLossPrice: '61200', takeProfitPrice: '57600', entry: limit('57600') },
        "a short's take-profit must be below its entry price",
      ],
      ['an unknown entry type', { entry: { type: 'stop' } as never }, 'entry.type must be market or limit'],
      ['no entry', { entry: undefined as never }, 'entry.type must be market or limit'],
    ] as const)('%s', async (_name, change, why) => {
      const before = sim().requests.length;
      const bad = intent(change as Partial<PositionIntent>);
      const result = await setup().exchange.openProtectedPosition(bad);
      expect(result).toMatchObject({
        status: 'rejected',
        filledQuantity: '0',
        closeOrders: [],
        incidents: [],
      });
      expect(result.error).toMatchObject({
        code: 'INVALID_REQUEST',
        message: `openProtectedPosition: ${why}`,
        operation: 'openProtectedPosition',
        symbol: BTC,
      });
      expect(sim().requests.length).toBe(before);
    });

    it('accepts a valid limit entry of either side (the checks are not one-sided)', async () => {
      for (const valid of [
        intent({
          entry: { type: 'limit', price: '59000', fillTimeoutMs: 0 },
          stopLossPrice: '58000',
          takeProfitPrice: '61000',
        }),
        intent({
          side: 'short',
          entry: { type: 'limit', price: '61000', fillTimeoutMs: 0 },
          stopLossPrice: '62000',
          takeProfitPrice: '59000',
        }),
        intent({
          entry: { type: 'limit', price: '59000', fillTimeoutMs: 0 },
          stopLossPrice: '58000',
          takeProfitPrice: undefined,
        }),
      ]) {
        const result = await setup().exchange.openProtectedPosition(valid);
        expect(result.status).toBe('not-filled');
        expect(result.error).toBeUndefined();
      }
    });

    it('an intent id that makes no client id is rejected before any request', async () => {
      const before = sim().requests.length;
      const result = await setup().exchange.openProtectedPosition(intent({ id: '' }));
      expect(result).toMatchObject({
        status: 'rejected',
        clientOrderIds: { base: '', entry: '' },
        filledQuantity: '0',
        closeOrders: [],
      });
      expect(result.error).toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'an intent needs a non-empty id',
      });
      expect(sim().requests.length).toBe(before);
    });
  });

  describe('the defaults an intent leaves out', () => {
    it('client ids start with `bot` without a prefix, or with the given one', async () => {
      const plain = await openProtectedPosition(setup().exchange, intent());
      expect(plain.status).toBe('protected');
      expect(plain.clientOrderIds.base).toMatch(/^bot[0-9a-f]{18}$/);
      expect(plain.clientOrderIds.entry).toBe(`${plain.clientOrderIds.base}-e1`);
      expect(plain.closeOrders).toEqual([]);
      resetAccount(sim());
      const custom = await openProtectedPosition(setup().exchange, intent(), { clientIdPrefix: 'zz9' });
      expect(custom.clientOrderIds.base).toMatch(/^zz9[0-9a-f]{18}$/);
      expect(custom.stopLoss?.clientOrderId).toBe(`${custom.clientOrderIds.base}-s1`);
    });

    it('the margin mode is the intent’s, else the options’, else isolated', async () => {
      const marginOf = () => sim().core.symbolConfig(accountId(), 'BTCUSDC')[0]?.marginType;
      const cases: [Partial<PositionIntent>, ProtectedEntryOptions, string][] = [
        [{ marginMode: 'cross' }, {}, 'CROSSED'],
        [{}, {}, 'ISOLATED'],
        [{}, { marginMode: 'cross' }, 'CROSSED'],
        [{ marginMode: 'isolated' }, { marginMode: 'cross' }, 'ISOLATED'],
      ];
      for (const [change, options, expected] of cases) {
        resetAccount(sim());
        const result = await openProtectedPosition(setup().exchange, intent(change), options);
        expect(result.status).toBe('protected');
        expect(marginOf()).toBe(expected);
      }
    });

    it('a limit entry is sent GTC unless it asks for GTX', async () => {
      const tifOf = (clientOrderId: string) =>
        sim()
          .core.allOrders(accountId(), 'BTCUSDC')
          .find((order) => order.clientOrderId === clientOrderId)?.timeInForce;
      const entry = { type: 'limit' as const, price: '59000', fillTimeoutMs: 0 };
      const gtc = await setup().exchange.openProtectedPosition(intent({ entry, stopLossPrice: '58000' }));
      expect(tifOf(gtc.clientOrderIds.entry)).toBe('GTC');
      const gtx = await setup().exchange.openProtectedPosition(
        intent({ entry: { ...entry, timeInForce: 'GTX' }, stopLossPrice: '58000' }),
      );
      expect(tifOf(gtx.clientOrderIds.entry)).toBe('GTX');
    });
  });
});
