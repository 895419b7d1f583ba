/**
 * openProtectedPosition's less travelled paths, against the emulator over real sockets with the unmodified
 * ccxt client: an invalid intent refused before any request, the defaults an intent leaves out, a resumed
 * intent, a limit entry whose cancel or poll fails, a stop that cannot be read back or is gone when read,
 * a take-profit that cannot be read back, and the emergency close when the close itself fails.
 */
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PositionIntent, ProtectedEntryOptions } from '../src/protected-entry';
import { openProtectedPosition } from '../src/protected-entry';
import { clientOrderIdsFor } from '../src/client-order-ids';
import type { ExchangeLogEntry } from '../src/runtime';
import type { PaperSetup } from './support';
import {
  BTC,
  paperExchange,
  positionAmount,
  resetAccount,
  simState,
  startPaper,
  virtualTime,
} from './support';

describe('openProtectedPosition: the less travelled paths, against the emulator', () => {
  let sim: Sim;
  let setup: PaperSetup;
  let counter = 0;

  beforeAll(async () => {
    sim = await startPaper();
    setup = await paperExchange(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    resetAccount(sim);
    setup.logs.length = 0;
  });

  function intent(overrides: Partial<PositionIntent> = {}): PositionIntent {
    counter += 1;
    return {
      id: `paths-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.020',
      entry: { type: 'market' },
      stopLossPrice: '58800',
      takeProfitPrice: '62400',
      rationale: 'paths',
      ...overrides,
    };
  }

  const accountId = () => sim.accounts[0]!.accountId;

  /** A paper exchange whose log runs `effect` on the `nth` (default first) entry matching `event` and `operation`. */
  async function hooked(
    hooks: { event: string; operation: string; nth?: number; effect: () => void }[],
    options: Parameters<typeof paperExchange>[1] = {},
  ) {
    const logs: ExchangeLogEntry[] = [];
    const seen = hooks.map(() => 0);
    const armed = await paperExchange(sim, {
      ...options,
      log: (entry) => {
        logs.push(entry);
        hooks.forEach((hook, index) => {
          if (entry.event === hook.event && entry.operation === hook.operation) {
            seen[index] = (seen[index] ?? 0) + 1;
            if (seen[index] === (hook.nth ?? 1)) hook.effect();
          }
        });
      },
    });
    return { ...armed, logs };
  }

  const failing = (pathContains: string, method?: 'GET' | 'POST' | 'DELETE') =>
    Array.from({ length: 40 }, () => ({ status: 502, pathContains, ...(method ? { method } : {}) }));

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
      const before = sim.requests.length;
      const bad = intent(change as Partial<PositionIntent>);
      const result = await setup.exchange.openProtectedPosition(bad);
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
      expect(sim.requests.length).toBe(before);
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
        const result = await setup.exchange.openProtectedPosition(valid);
        expect(result.status).toBe('not-filled');
        expect(result.error).toBeUndefined();
      }
    });

    it('an intent id that makes no client id is rejected before any request', async () => {
      const before = sim.requests.length;
      const result = await setup.exchange.openProtectedPosition(intent({ id: '' }));
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
      expect(sim.requests.length).toBe(before);
    });
  });

  describe('the defaults an intent leaves out', () => {
    it('client ids start with `bot` without a prefix, or with the given one', async () => {
      const plain = await openProtectedPosition(setup.exchange, intent());
      expect(plain.status).toBe('protected');
      expect(plain.clientOrderIds.base).toMatch(/^bot[0-9a-f]{18}$/);
      expect(plain.clientOrderIds.entry).toBe(`${plain.clientOrderIds.base}-e1`);
      expect(plain.closeOrders).toEqual([]);
      resetAccount(sim);
      const custom = await openProtectedPosition(setup.exchange, intent(), { clientIdPrefix: 'zz9' });
      expect(custom.clientOrderIds.base).toMatch(/^zz9[0-9a-f]{18}$/);
      expect(custom.stopLoss?.clientOrderId).toBe(`${custom.clientOrderIds.base}-s1`);
    });

    it('the margin mode is the intent’s, else the options’, else isolated', async () => {
      const marginOf = () => sim.core.symbolConfig(accountId(), 'BTCUSDC')[0]?.marginType;
      const cases: [Partial<PositionIntent>, ProtectedEntryOptions, string][] = [
        [{ marginMode: 'cross' }, {}, 'CROSSED'],
        [{}, {}, 'ISOLATED'],
        [{}, { marginMode: 'cross' }, 'CROSSED'],
        [{ marginMode: 'isolated' }, { marginMode: 'cross' }, 'ISOLATED'],
      ];
      for (const [change, options, expected] of cases) {
        resetAccount(sim);
        const result = await openProtectedPosition(setup.exchange, intent(change), options);
        expect(result.status).toBe('protected');
        expect(marginOf()).toBe(expected);
      }
    });

    it('a limit entry is sent GTC unless it asks for GTX', async () => {
      const tifOf = (clientOrderId: string) =>
        sim.core.allOrders(accountId(), 'BTCUSDC').find((order) => order.clientOrderId === clientOrderId)
          ?.timeInForce;
      const entry = { type: 'limit' as const, price: '59000', fillTimeoutMs: 0 };
      const gtc = await setup.exchange.openProtectedPosition(intent({ entry, stopLossPrice: '58000' }));
      expect(tifOf(gtc.clientOrderIds.entry)).toBe('GTC');
      const gtx = await setup.exchange.openProtectedPosition(
        intent({ entry: { ...entry, timeInForce: 'GTX' }, stopLossPrice: '58000' }),
      );
      expect(tifOf(gtx.clientOrderIds.entry)).toBe('GTX');
    });
  });

  describe('a stop-loss or take-profit that cannot be read back, or is gone when read', () => {
    it('a stop-loss confirmed but unreadable is kept, with a PROTECTION_UNVERIFIED warning', async () => {
      const armed = await hooked([
        {
          event: 'exchange-request',
          operation: 'createStopLossOrder',
          effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/algoOrder', 'GET').slice(0, 4) }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('protected');
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'PROTECTION_UNVERIFIED',
          severity: 'warning',
          message: `stop-loss ${result.stopLoss?.id} was confirmed when placed but could not be read back`,
        },
      ]);
      expect(result.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      expect(result.takeProfit).toMatchObject({ quantity: '0.020' });
      expect(simState(sim).openAlgoOrders).toHaveLength(2);
    });

    it('a take-profit placed but unreadable is kept, with a PROTECTION_UNVERIFIED warning', async () => {
      const armed = await hooked([
        {
          event: 'exchange-request',
          operation: 'createTakeProfitOrder',
          effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/algoOrder', 'GET').slice(0, 4) }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('protected');
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'PROTECTION_UNVERIFIED',
          severity: 'warning',
          message: `take-profit ${result.takeProfit?.id} could not be read back`,
        },
      ]);
      expect(result.takeProfit).toMatchObject({ quantity: '0.020', purpose: 'take-profit' });
    });

    it('a stop-loss canceled before it is read back is no protection: the position is closed at market', async () => {
      const armed = await hooked([
        {
          event: 'exchange-request',
          operation: 'createStopLossOrder',
          effect: () => sim.actAsUser({ action: 'cancelProtection', symbol: 'BTCUSDC', kind: 'stopLoss' }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('emergency-closed');
      expect(result.stopLoss?.status).toBe('canceled');
      expect(result.error?.message).toBe(
        `stop-loss ${result.stopLoss?.id} is canceled right after placing it`,
      );
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'STOP_LOSS_FAILED',
          severity: 'critical',
          message: `the stop-loss for 0.020 ${BTC} could not be placed; the position was closed at market`,
        },
      ]);
      expect(result.closeOrders).toEqual([
        expect.objectContaining({ side: 'sell', reduceOnly: true, filledQuantity: '0.020' }),
      ]);
      expect(result.closeOrders[0]?.clientOrderId).toBe(`${result.clientOrderIds.base}-x1`);
      expect(positionAmount(sim)).toBe(0);
      expect(simState(sim).openAlgoOrders).toEqual([]);
    });
  });

  describe('the emergency close', () => {
    it('a close cut short by a smaller position ends flat: logged, and the incident says nothing is left open', async () => {
      sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hooked([
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () => sim.actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('emergency-closed');
      expect(result.incidents.map(({ code, message }) => ({ code, message }))).toEqual([
        {
          code: 'STOP_LOSS_FAILED',
          message: `the stop-loss for 0.020 ${BTC} could not be placed; the position is flat (the close was cut short or failed, but nothing is left open)`,
        },
      ]);
      const flat = armed.logs.find((entry) => entry.event === 'emergency-close-flat');
      expect(flat).toMatchObject({ level: 'warn', symbol: BTC, intentId: result.intentId });
      expect(flat?.message).toContain('closed only 0.015 of 0.020');
      expect(positionAmount(sim)).toBe(0);
    });

    it('a failed close with a position that cannot be read is unprotected, of an unknown quantity', async () => {
      sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hooked([
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () =>
            sim.injectFaults({
              httpErrors: [...failing('/fapi/v1/order', 'POST'), ...failing('positionRisk')],
            }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      sim.clearFaults();
      expect(result.status).toBe('unprotected');
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'POSITION_UNPROTECTED',
          severity: 'critical',
          message: `no stop-loss for an unknown quantity of ${BTC} (filled 0.020) and the emergency close failed; reconcile now`,
        },
      ]);
      expect(armed.logs.some((entry) => entry.event === 'emergency-close-position-unread')).toBe(true);
      expect(positionAmount(sim)).toBeCloseTo(0.02);
    });

    it('a failed close with the position still open says how much is unprotected', async () => {
      sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hooked([
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'POST') }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      sim.clearFaults();
      expect(result.status).toBe('unprotected');
      expect(result.incidents.map(({ code, message }) => ({ code, message }))).toEqual([
        {
          code: 'POSITION_UNPROTECTED',
          message: `no stop-loss for 0.020 ${BTC} (filled 0.020) and the emergency close failed; reconcile now`,
        },
      ]);
    });
  });

  describe('a limit entry that fills in parts', () => {
    const limitIntent = () =>
      intent({
        entry: { type: 'limit', price: '59500', fillTimeoutMs: 5_000, pollIntervalMs: 1_000 },
        stopLossPrice: '58500',
        takeProfitPrice: '61500',
      });

    /** A paper exchange whose virtual sleeps run `onPoll[n]` before the n-th poll's wait (1-based). */
    async function polling(onPoll: Record<number, () => void>, hooks: Parameters<typeof hooked>[0] = []) {
      let polls = 0;
      const time = virtualTime();
      return hooked(hooks, {
        now: time.now,
        sleep: async (ms) => {
          polls += 1;
          onPoll[polls]?.();
          await time.sleep(ms);
        },
      });
    }

    it('protects each fill: a second fill replaces the stop-loss and take-profit, and cancels the earlier ones', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({
        1: () => sim.setMarketPrice('BTCUSDC', '59500.0'),
        3: () => sim.setMarketPrice('BTCUSDC', '59400.0'),
      });
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      expect(result.status).toBe('protected');
      expect(result.incidents).toEqual([]);
      expect(result.filledQuantity).toBe('0.020');
      expect(result.stopLoss).toMatchObject({
        quantity: '0.020',
        status: 'open',
        clientOrderId: `${result.clientOrderIds.base}-s2`,
      });
      expect(result.takeProfit).toMatchObject({
        quantity: '0.020',
        clientOrderId: `${result.clientOrderIds.base}-t2`,
      });
      const algo = simState(sim).openAlgoOrders;
      expect(algo).toHaveLength(2);
      expect(algo.map((order) => order['clientAlgoId']).sort()).toEqual([
        `${result.clientOrderIds.base}-s2`,
        `${result.clientOrderIds.base}-t2`,
      ]);
      expect(positionAmount(sim)).toBeCloseTo(0.02);
    });

    it('a replaced stop-loss that cannot be canceled raises STALE_PROTECTION_NOT_CANCELED, and the new one protects', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling(
        {
          1: () => sim.setMarketPrice('BTCUSDC', '59500.0'),
          3: () => sim.setMarketPrice('BTCUSDC', '59400.0'),
        },
        [
          {
            event: 'exchange-request',
            operation: 'createStopLossOrder',
            nth: 2,
            effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/algoOrder', 'DELETE') }),
          },
        ],
      );
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      sim.clearFaults();
      expect(result.status).toBe('protected');
      expect(result.stopLoss).toMatchObject({
        quantity: '0.020',
        clientOrderId: `${result.clientOrderIds.base}-s2`,
      });
      const stale = result.incidents.filter((incident) => incident.code === 'STALE_PROTECTION_NOT_CANCELED');
      expect(stale[0]).toMatchObject({ severity: 'warning' });
      expect(stale[0]?.message).toMatch(
        /^replaced stop-loss \S+ could not be canceled \(it is reduce-only\)$/,
      );
    });

    it('a cancel of the rest that fails is tried once, then ENTRY_NOT_CANCELED; what filled stays protected', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({ 1: () => sim.setMarketPrice('BTCUSDC', '59500.0') }, [
        {
          event: 'exchange-request',
          operation: 'createTakeProfitOrder',
          effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      sim.clearFaults();
      expect(result.status).toBe('protected');
      expect(result.filledQuantity).toBe('0.010');
      expect(result.entry?.status).toBe('partially-filled');
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'ENTRY_NOT_CANCELED',
          severity: 'critical',
          message: `the unfilled rest of entry ${result.entry?.id} is still open after the fill timeout; it may fill unprotected`,
        },
      ]);
      const cancels = armed.logs.filter((entry) => entry.event === 'protected-entry-cancel-failed');
      expect(cancels).toHaveLength(1);
      expect(cancels[0]).toMatchObject({ level: 'warn' });
      expect(cancels[0]?.message).toContain(`canceling the rest of entry ${result.entry?.id} failed`);
      expect(simState(sim).openOrders).toHaveLength(1);
    });

    it('a poll that fails is logged and the next one goes on', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({
        1: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'GET').slice(0, 4) }),
        2: () => sim.setMarketPrice('BTCUSDC', '59500.0'),
      });
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      expect(result.status).toBe('protected');
      expect(result.filledQuantity).toBe('0.010');
      expect(result.entry?.status).toBe('canceled');
      const failed = armed.logs.filter((entry) => entry.event === 'protected-entry-poll-failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]?.message).toContain(`reading entry ${result.entry?.id} failed`);
    });
  });

  describe('an intent called again (a retry or a restart)', () => {
    it('protects only the position still held when part of the fill was closed since', async () => {
      const same = intent();
      const first = await setup.exchange.openProtectedPosition(same);
      expect(first.status).toBe('protected');
      // A quarter closed by hand, and the protection gone (canceled on the website).
      sim.actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' });
      sim.core.cancelAllAlgoOrders(accountId(), 'BTCUSDC', sim.marketTime());
      const again = await openProtectedPosition(setup.exchange, same);
      expect(again.status).toBe('protected');
      expect(again.filledQuantity).toBe('0.020');
      expect(again.stopLoss).toMatchObject({ quantity: '0.015', status: 'open' });
      expect(positionAmount(sim)).toBeCloseTo(0.015);
    });

    it('protects the whole fill when the position cannot be read', async () => {
      const same = intent();
      await setup.exchange.openProtectedPosition(same);
      sim.core.cancelAllAlgoOrders(accountId(), 'BTCUSDC', sim.marketTime());
      const armed = await hooked([]);
      sim.injectFaults({ httpErrors: failing('positionRisk') });
      const again = await armed.exchange.openProtectedPosition(same);
      sim.clearFaults();
      expect(again.status).toBe('protected');
      expect(again.stopLoss).toMatchObject({ quantity: '0.020' });
      const unread = armed.logs.find((entry) => entry.event === 'protected-entry-position-unread');
      expect(unread).toMatchObject({ level: 'warn' });
      expect(unread?.message).toContain('protecting the whole fill');
      expect(armed.logs.find((entry) => entry.event === 'protected-entry-resumed')).toMatchObject({
        level: 'warn',
        intentId: same.id,
      });
    });
  });

  describe('a limit entry resumed while its rest is still open', () => {
    /** A first call that fills `ratio` of a limit entry and cannot cancel the rest: it stays open. */
    async function leftOpen(same: PositionIntent, ratio: number) {
      if (ratio > 0) sim.injectFaults({ partialFillRatio: ratio });
      let polls = 0;
      const time = virtualTime();
      const first = await hooked(
        [
          {
            event: 'exchange-request',
            operation: 'createOrder',
            effect: () => sim.injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') }),
          },
        ],
        {
          now: time.now,
          sleep: async (ms) => {
            polls += 1;
            if (polls === 1 && ratio > 0) sim.setMarketPrice('BTCUSDC', '59500.0');
            await time.sleep(ms);
          },
        },
      );
      const result = await first.exchange.openProtectedPosition(same);
      sim.clearFaults();
      expect(result.incidents.map((incident) => incident.code)).toEqual(['ENTRY_NOT_CANCELED']);
      expect(simState(sim).openOrders).toHaveLength(1);
      return result;
    }

    /** The same intent again, on an exchange whose n-th poll runs `onPoll[n]`. */
    async function resume(same: PositionIntent, onPoll: Record<number, () => void>) {
      let polls = 0;
      const time = virtualTime();
      const again = await hooked([], {
        now: time.now,
        sleep: async (ms) => {
          polls += 1;
          onPoll[polls]?.();
          await time.sleep(ms);
        },
      });
      return again.exchange.openProtectedPosition(same);
    }

    const limitIntent = () =>
      intent({
        entry: { type: 'limit', price: '59500', fillTimeoutMs: 3_000, pollIntervalMs: 1_000 },
        stopLossPrice: '58500',
        takeProfitPrice: '61500',
      });

    it('protects a fill that comes after the resume, when nothing had filled before', async () => {
      const same = limitIntent();
      const first = await leftOpen(same, 0);
      expect(first.status).toBe('not-filled');
      const again = await resume(same, { 1: () => sim.setMarketPrice('BTCUSDC', '59500.0') });
      expect(again.status).toBe('protected');
      expect(again.filledQuantity).toBe('0.020');
      expect(again.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      expect(positionAmount(sim)).toBeCloseTo(0.02);
    });

    it('protects the rest when it fills after the resume, not only what had filled before', async () => {
      const same = limitIntent();
      const first = await leftOpen(same, 0.5);
      expect(first).toMatchObject({ status: 'protected', filledQuantity: '0.010' });
      const again = await resume(same, { 1: () => sim.setMarketPrice('BTCUSDC', '59400.0') });
      expect(again.filledQuantity).toBe('0.020');
      expect(positionAmount(sim)).toBeCloseTo(0.02);
      expect(again.status).toBe('protected');
      // The whole position is covered by the stop-loss, and the smaller one from the first call is gone.
      expect(again.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      const stops = simState(sim).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
      expect(stops).toEqual([expect.objectContaining({ quantity: '0.020' })]);
    });

    it('replaces a smaller stop-loss found under its own client id when the rest filled before the resume', async () => {
      const same = limitIntent();
      const first = await leftOpen(same, 0.5);
      expect(first.stopLoss).toMatchObject({
        quantity: '0.010',
        clientOrderId: `${first.clientOrderIds.base}-s1`,
      });
      sim.setMarketPrice('BTCUSDC', '59400.0'); // the rest fills between the two calls
      expect(positionAmount(sim)).toBeCloseTo(0.02);
      const again = await resume(same, {});
      expect(again.status).toBe('protected');
      expect(again.stopLoss).toMatchObject({
        quantity: '0.020',
        clientOrderId: `${first.clientOrderIds.base}-s2`,
      });
      const stops = simState(sim).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
      expect(stops).toEqual([expect.objectContaining({ clientAlgoId: `${first.clientOrderIds.base}-s2` })]);
    });
  });

  describe('what the caller and the log see', () => {
    const requests = (logs: ExchangeLogEntry[], operation: string) =>
      logs.filter((entry) => entry.event === 'exchange-request' && entry.operation === operation);

    it('an intent without a take-profit places none', async () => {
      const armed = await hooked([]);
      const result = await armed.exchange.openProtectedPosition(intent({ takeProfitPrice: undefined }));
      expect(result.status).toBe('protected');
      expect(result.takeProfit).toBeUndefined();
      expect(result.incidents).toEqual([]);
      expect(requests(armed.logs, 'createTakeProfitOrder')).toEqual([]);
      expect(simState(sim).openAlgoOrders).toEqual([expect.objectContaining({ orderType: 'STOP_MARKET' })]);
    });

    it('a refused take-profit is a warning that says the stop-loss protects the position', async () => {
      const armed = await hooked([
        {
          event: 'exchange-request',
          operation: 'createStopLossOrder',
          effect: () =>
            sim.injectFaults({ rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' } }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('protected');
      expect(result.incidents).toEqual([
        expect.objectContaining({
          code: 'TAKE_PROFIT_FAILED',
          severity: 'warning',
          symbol: BTC,
          intentId: result.intentId,
          message: 'take-profit for 0.020 could not be placed; the stop-loss protects the position',
          error: expect.objectContaining({ message: expect.stringContaining('PERCENT_PRICE') }),
        }),
      ]);
      // The incident is logged as a warning.
      expect(armed.logs.find((entry) => entry.event === 'incident')).toMatchObject({
        level: 'warn',
        message:
          'TAKE_PROFIT_FAILED: take-profit for 0.020 could not be placed; the stop-loss protects the position',
        rationale: 'paths',
        incident: result.incidents[0],
      });
      // A protected outcome is logged at info, with its incidents.
      expect(armed.logs.find((entry) => entry.event === 'protected-entry')).toMatchObject({
        level: 'info',
        message: `${BTC} long ${result.intentId}: protected`,
        status: 'protected',
        symbol: BTC,
        intentId: result.intentId,
        filledQuantity: '0.020',
        stopLoss: result.stopLoss?.id,
        takeProfit: undefined,
        incidents: ['TAKE_PROFIT_FAILED'],
        rationale: 'paths',
      });
    });

    it('a clean outcome is logged at info, a critical incident at error, with the emergency close’s rationale', async () => {
      const clean = await hooked([]);
      const ok = await clean.exchange.openProtectedPosition(intent());
      expect(clean.logs.find((entry) => entry.event === 'protected-entry')).toMatchObject({
        level: 'info',
        message: `${BTC} long ${ok.intentId}: protected`,
        takeProfit: ok.takeProfit?.id,
        incidents: [],
      });
      expect(clean.logs.some((entry) => entry.event === 'incident')).toBe(false);

      resetAccount(sim);
      sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const failed = await hooked([]);
      const result = await failed.exchange.openProtectedPosition(intent());
      expect(result.status).toBe('emergency-closed');
      expect(failed.logs.find((entry) => entry.event === 'incident')).toMatchObject({
        level: 'error',
        message: `STOP_LOSS_FAILED: the stop-loss for 0.020 ${BTC} could not be placed; the position was closed at market`,
      });
      expect(result.incidents[0]?.error).toMatchObject({
        message: expect.stringContaining('immediately trigger'),
      });
      const close = requests(failed.logs, 'createOrder').find(
        (entry) => entry.clientOrderId === `${result.clientOrderIds.base}-x1`,
      );
      expect(close?.rationale).toBe(
        `emergency close: no stop-loss could be placed (${result.error?.message})`,
      );
      expect(result.error?.message).toContain('immediately trigger');
      expect(failed.logs.some((entry) => entry.event === 'emergency-close-flat')).toBe(false);
      expect(failed.logs.find((entry) => entry.event === 'protected-entry')).toMatchObject({
        level: 'warn',
        status: 'emergency-closed',
      });
    });

    it('a limit entry waits fillTimeoutMs in steps of pollIntervalMs, then cancels with its reason', async () => {
      const time = virtualTime();
      const armed = await hooked([], { now: time.now, sleep: time.sleep });
      const result = await armed.exchange.openProtectedPosition(
        intent({
          entry: { type: 'limit', price: '59000', fillTimeoutMs: 3_000, pollIntervalMs: 1_000 },
          stopLossPrice: '58000',
        }),
      );
      expect(result.status).toBe('not-filled');
      expect(armed.logs.find((entry) => entry.event === 'protected-entry')).toMatchObject({ level: 'info' });
      expect(time.sleeps).toEqual([1_000, 1_000, 1_000]);
      expect(requests(armed.logs, 'cancelOrder').map((entry) => entry.rationale)).toEqual([
        'entry fill timeout',
      ]);
    });

    it('a limit entry waits 60 s in steps of 1 s by default', async () => {
      const time = virtualTime();
      const armed = await hooked([], { now: time.now, sleep: time.sleep });
      const result = await armed.exchange.openProtectedPosition(
        intent({ entry: { type: 'limit', price: '59000' }, stopLossPrice: '58000' }),
      );
      expect(result.status).toBe('not-filled');
      expect(time.sleeps).toEqual(Array.from({ length: 60 }, () => 1_000));
    });

    it('cancels replaced protection with its reason, and after an emergency close the protection left over', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      let polls = 0;
      const time = virtualTime();
      const armed = await hooked([], {
        now: time.now,
        sleep: async (ms) => {
          polls += 1;
          if (polls === 1) sim.setMarketPrice('BTCUSDC', '59500.0');
          if (polls === 3) {
            // The rest fills, and the stop-loss for the whole is refused.
            sim.injectFaults({
              rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' },
            });
            sim.setMarketPrice('BTCUSDC', '59400.0');
          }
          await time.sleep(ms);
        },
      });
      const result = await armed.exchange.openProtectedPosition(
        intent({
          entry: { type: 'limit', price: '59500', fillTimeoutMs: 5_000, pollIntervalMs: 1_000 },
          stopLossPrice: '58500',
          takeProfitPrice: '61500',
        }),
      );
      expect(result.status).toBe('emergency-closed');
      expect(positionAmount(sim)).toBe(0);
      // The first fill's stop-loss and take-profit are canceled after the close.
      const canceled = requests(armed.logs, 'cancelConditionalOrder');
      expect(canceled).toHaveLength(2);
      expect(canceled.map((entry) => entry.rationale)).toEqual([
        'replaced conditional protection',
        'replaced conditional protection',
      ]);
      expect(simState(sim).openAlgoOrders).toEqual([]);
    });

    it('a stop-loss that fires while a later fill is protected ends stopped-out and cancels the take-profit', async () => {
      sim.injectFaults({ partialFillRatio: 0.5 });
      let polls = 0;
      const time = virtualTime();
      const armed = await hooked(
        [
          {
            event: 'exchange-request',
            operation: 'createStopLossOrder',
            nth: 2,
            effect: () => sim.setMarketPrice('BTCUSDC', '58400.0'),
          },
        ],
        {
          now: time.now,
          sleep: async (ms) => {
            polls += 1;
            if (polls === 1) sim.setMarketPrice('BTCUSDC', '59500.0');
            if (polls === 3) sim.setMarketPrice('BTCUSDC', '59400.0');
            await time.sleep(ms);
          },
        },
      );
      const result = await armed.exchange.openProtectedPosition(
        intent({
          entry: { type: 'limit', price: '59500', fillTimeoutMs: 5_000, pollIntervalMs: 1_000 },
          stopLossPrice: '58500',
          takeProfitPrice: '61500',
        }),
      );
      expect(result.status).toBe('stopped-out');
      expect(positionAmount(sim)).toBe(0);
      const canceledTargets = requests(armed.logs, 'cancelConditionalOrder');
      expect(canceledTargets.length).toBeGreaterThanOrEqual(1);
      expect(simState(sim).openAlgoOrders).toEqual([]);
    });
  });

  describe('a bound on replacements', () => {
    it('gives up after 20 stop-losses for one intent, closes at market and cancels every one left', async () => {
      const same = intent();
      const ids = clientOrderIdsFor(same.id);
      // Smaller stop-losses already live under the intent's first 20 stop ids (a run that went wrong).
      await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
      for (let generation = 1; generation <= 20; generation += 1) {
        await setup.exchange.createStopLossOrder({
          symbol: BTC,
          positionSide: 'long',
          quantity: '0.001',
          triggerPrice: '58800',
          clientOrderId: ids.stopLoss(generation),
        });
      }
      expect(simState(sim).openAlgoOrders).toHaveLength(20);
      const result = await setup.exchange.openProtectedPosition(same);
      expect(result.status).toBe('emergency-closed');
      expect(result.error).toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'too many protection replacements for one intent',
        operation: 'openProtectedPosition',
        symbol: BTC,
      });
      expect(result.incidents.map((incident) => incident.code)).toEqual(['STOP_LOSS_FAILED']);
      expect(positionAmount(sim)).toBe(0);
      expect(simState(sim).openAlgoOrders).toEqual([]);
    });
  });
});
