/**
 * openProtectedPosition with a limit entry that fills in parts, against the emulator over real sockets with
 * the unmodified ccxt client: each fill protected, a cancel or poll that fails, an intent called again (a
 * retry or a restart), and a resumed intent whose rest is still open.
 */
import { describe, expect, it } from 'vitest';
import type { PositionIntent } from '../src/protected-entry';
import { openProtectedPosition } from '../src/protected-entry';
import {
  failing,
  hookedExchange,
  intentFactory,
  LIMIT_ENTRY,
  positionAmount,
  simState,
  usePaperEmulator,
  virtualTime,
} from './support';

describe('openProtectedPosition with a limit entry that fills in parts, against the emulator', () => {
  const { sim, setup } = usePaperEmulator({ exchange: true });
  const intent = intentFactory('paths');

  const accountId = () => sim().accounts[0]!.accountId;

  describe('a limit entry that fills in parts', () => {
    const limitIntent = () => intent(LIMIT_ENTRY);

    /** A paper exchange whose virtual sleeps run `onPoll[n]` before the n-th poll's wait (1-based). */
    async function polling(
      onPoll: Record<number, () => void>,
      hooks: Parameters<typeof hookedExchange>[1] = [],
    ) {
      let polls = 0;
      const time = virtualTime();
      return hookedExchange(sim(), hooks, {
        now: time.now,
        sleep: async (ms) => {
          polls += 1;
          onPoll[polls]?.();
          await time.sleep(ms);
        },
      });
    }

    it('protects each fill: a second fill replaces the stop-loss and take-profit, and cancels the earlier ones', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({
        1: () => sim().setMarketPrice('BTCUSDC', '59500.0'),
        3: () => sim().setMarketPrice('BTCUSDC', '59400.0'),
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
      const algo = simState(sim()).openAlgoOrders;
      expect(algo).toHaveLength(2);
      expect(algo.map((order) => order['clientAlgoId']).sort()).toEqual([
        `${result.clientOrderIds.base}-s2`,
        `${result.clientOrderIds.base}-t2`,
      ]);
      expect(positionAmount(sim())).toBeCloseTo(0.02);
    });

    it('a replaced stop-loss that cannot be canceled raises STALE_PROTECTION_NOT_CANCELED, and the new one protects', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling(
        {
          1: () => sim().setMarketPrice('BTCUSDC', '59500.0'),
          3: () => sim().setMarketPrice('BTCUSDC', '59400.0'),
        },
        [
          {
            event: 'exchange-request',
            operation: 'createStopLossOrder',
            nth: 2,
            effect: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/algoOrder', 'DELETE') }),
          },
        ],
      );
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      sim().clearFaults();
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
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({ 1: () => sim().setMarketPrice('BTCUSDC', '59500.0') }, [
        {
          event: 'exchange-request',
          operation: 'createTakeProfitOrder',
          effect: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      sim().clearFaults();
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
      expect(simState(sim()).openOrders).toHaveLength(1);
    });

    it('a poll that fails is logged and the next one goes on', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await polling({
        1: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'GET').slice(0, 4) }),
        2: () => sim().setMarketPrice('BTCUSDC', '59500.0'),
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
      const first = await setup().exchange.openProtectedPosition(same);
      expect(first.status).toBe('protected');
      // A quarter closed by hand, and the protection gone (canceled on the website).
      sim().actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' });
      sim().core.cancelAllAlgoOrders(accountId(), 'BTCUSDC', sim().marketTime());
      const again = await openProtectedPosition(setup().exchange, same);
      expect(again.status).toBe('protected');
      expect(again.filledQuantity).toBe('0.020');
      expect(again.stopLoss).toMatchObject({ quantity: '0.015', status: 'open' });
      expect(positionAmount(sim())).toBeCloseTo(0.015);
    });

    it('protects the whole fill when the position cannot be read', async () => {
      const same = intent();
      await setup().exchange.openProtectedPosition(same);
      sim().core.cancelAllAlgoOrders(accountId(), 'BTCUSDC', sim().marketTime());
      const armed = await hookedExchange(sim(), []);
      sim().injectFaults({ httpErrors: failing('positionRisk') });
      const again = await armed.exchange.openProtectedPosition(same);
      sim().clearFaults();
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
      if (ratio > 0) sim().injectFaults({ partialFillRatio: ratio });
      let polls = 0;
      const time = virtualTime();
      const first = await hookedExchange(
        sim(),
        [
          {
            event: 'exchange-request',
            operation: 'createOrder',
            effect: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') }),
          },
        ],
        {
          now: time.now,
          sleep: async (ms) => {
            polls += 1;
            if (polls === 1 && ratio > 0) sim().setMarketPrice('BTCUSDC', '59500.0');
            await time.sleep(ms);
          },
        },
      );
      const result = await first.exchange.openProtectedPosition(same);
      sim().clearFaults();
      expect(result.incidents.map((incident) => incident.code)).toEqual(['ENTRY_NOT_CANCELED']);
      expect(simState(sim()).openOrders).toHaveLength(1);
      return result;
    }

    /** The same intent again, on an exchange whose n-th poll runs `onPoll[n]`. */
    async function resume(same: PositionIntent, onPoll: Record<number, () => void>) {
      let polls = 0;
      const time = virtualTime();
      const again = await hookedExchange(sim(), [], {
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
      const again = await resume(same, { 1: () => sim().setMarketPrice('BTCUSDC', '59500.0') });
      expect(again.status).toBe('protected');
      expect(again.filledQuantity).toBe('0.020');
      expect(again.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      expect(positionAmount(sim())).toBeCloseTo(0.02);
    });

    it('protects the rest when it fills after the resume, not only what had filled before', async () => {
      const same = limitIntent();
      const first = await leftOpen(same, 0.5);
      expect(first).toMatchObject({ status: 'protected', filledQuantity: '0.010' });
      const again = await resume(same, { 1: () => sim().setMarketPrice('BTCUSDC', '59400.0') });
      expect(again.filledQuantity).toBe('0.020');
      expect(positionAmount(sim())).toBeCloseTo(0.02);
      expect(again.status).toBe('protected');
      // The whole position is covered by the stop-loss, and the smaller one from the first call is gone.
      expect(again.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      const stops = simState(sim()).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
      expect(stops).toEqual([expect.objectContaining({ quantity: '0.020' })]);
    });

    it('replaces a smaller stop-loss found under its own client id when the rest filled before the resume', async () => {
      const same = limitIntent();
      const first = await leftOpen(same, 0.5);
      expect(first.stopLoss).toMatchObject({
        quantity: '0.010',
        clientOrderId: `${first.clientOrderIds.base}-s1`,
      });
      sim().setMarketPrice('BTCUSDC', '59400.0'); // the rest fills between the two calls
      expect(positionAmount(sim())).toBeCloseTo(0.02);
      const again = await resume(same, {});
      expect(again.status).toBe('protected');
      expect(again.stopLoss).toMatchObject({
        quantity: '0.020',
        clientOrderId: `${first.clientOrderIds.base}-s2`,
      });
      const stops = simState(sim()).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
      expect(stops).toEqual([expect.objectContaining({ clientAlgoId: `${first.clientOrderIds.base}-s2` })]);
    });
  });
});
