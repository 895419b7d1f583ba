/**
 * openProtectedPosition when its protection cannot be verified, against the emulator over real sockets with
 * the unmodified ccxt client: a stop-loss or take-profit that cannot be read back or is gone when read, and
 * the emergency close when the close itself fails.
 */
import { describe, expect, it } from 'vitest';
import {
  BTC,
  failing,
  hookedExchange,
  intentFactory,
  positionAmount,
  simState,
  usePaperEmulator,
} from './support';

describe('openProtectedPosition when its protection cannot be verified, against the emulator', () => {
  const { sim } = usePaperEmulator();
  const intent = intentFactory('paths');

  /** An entry whose protective order, once `operation` has placed it, cannot be read back (4 GETs fail). */
  async function unreadableAfter(operation: string) {
    const armed = await hookedExchange(sim(), [
      {
        event: 'exchange-request',
        operation,
        effect: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/algoOrder', 'GET').slice(0, 4) }),
      },
    ]);
    return armed.exchange.openProtectedPosition(intent());
  }

  const incidentsOf = (result: {
    incidents: readonly { code: string; severity: string; message: string }[];
  }) => result.incidents.map(({ code, severity, message }) => ({ code, severity, message }));

  describe('a stop-loss or take-profit that cannot be read back, or is gone when read', () => {
    it('a stop-loss confirmed but unreadable is kept, with a PROTECTION_UNVERIFIED warning', async () => {
      const result = await unreadableAfter('createStopLossOrder');
      expect(result.status).toBe('protected');
      expect(incidentsOf(result)).toEqual([
        {
          code: 'PROTECTION_UNVERIFIED',
          severity: 'warning',
          message: `stop-loss ${result.stopLoss?.id} was confirmed when placed but could not be read back`,
        },
      ]);
      expect(result.stopLoss).toMatchObject({ quantity: '0.020', status: 'open' });
      expect(result.takeProfit).toMatchObject({ quantity: '0.020' });
      expect(simState(sim()).openAlgoOrders).toHaveLength(2);
    });

    it('a take-profit placed but unreadable is kept, with a PROTECTION_UNVERIFIED warning', async () => {
      const result = await unreadableAfter('createTakeProfitOrder');
      expect(result.status).toBe('protected');
      expect(incidentsOf(result)).toEqual([
        {
          code: 'PROTECTION_UNVERIFIED',
          severity: 'warning',
          message: `take-profit ${result.takeProfit?.id} could not be read back`,
        },
      ]);
      expect(result.takeProfit).toMatchObject({ quantity: '0.020', purpose: 'take-profit' });
    });

    it('a stop-loss canceled before it is read back is no protection: the position is closed at market', async () => {
      const armed = await hookedExchange(sim(), [
        {
          event: 'exchange-request',
          operation: 'createStopLossOrder',
          effect: () => sim().actAsUser({ action: 'cancelProtection', symbol: 'BTCUSDC', kind: 'stopLoss' }),
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
      expect(positionAmount(sim())).toBe(0);
      expect(simState(sim()).openAlgoOrders).toEqual([]);
    });
  });

  describe('the emergency close', () => {
    it('a close cut short by a smaller position ends flat: logged, and the incident says nothing is left open', async () => {
      sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hookedExchange(sim(), [
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () => sim().actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' }),
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
      expect(positionAmount(sim())).toBe(0);
    });

    it('a failed close with a position that cannot be read is unprotected, of an unknown quantity', async () => {
      sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hookedExchange(sim(), [
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () =>
            sim().injectFaults({
              httpErrors: [...failing('/fapi/v1/order', 'POST'), ...failing('positionRisk')],
            }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      sim().clearFaults();
      expect(result.status).toBe('unprotected');
      expect(result.incidents.map(({ code, severity, message }) => ({ code, severity, message }))).toEqual([
        {
          code: 'POSITION_UNPROTECTED',
          severity: 'critical',
          message: `no stop-loss for an unknown quantity of ${BTC} (filled 0.020) and the emergency close failed; reconcile now`,
        },
      ]);
      expect(armed.logs.some((entry) => entry.event === 'emergency-close-position-unread')).toBe(true);
      expect(positionAmount(sim())).toBeCloseTo(0.02);
    });

    it('a failed close with the position still open says how much is unprotected', async () => {
      sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const armed = await hookedExchange(sim(), [
        {
          event: 'exchange-failure',
          operation: 'createStopLossOrder',
          effect: () => sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'POST') }),
        },
      ]);
      const result = await armed.exchange.openProtectedPosition(intent());
      sim().clearFaults();
      expect(result.status).toBe('unprotected');
      expect(result.incidents.map(({ code, message }) => ({ code, message }))).toEqual([
        {
          code: 'POSITION_UNPROTECTED',
          message: `no stop-loss for 0.020 ${BTC} (filled 0.020) and the emergency close failed; reconcile now`,
        },
      ]);
    });
  });
});
