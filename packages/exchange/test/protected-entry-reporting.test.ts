/**
 * openProtectedPosition's outcome as the caller and the log see it, against the emulator over real sockets
 * with the unmodified ccxt client, and the bound on replacements.
 */
import { describe, expect, it } from 'vitest';
import { clientOrderIdsFor } from '../src/client-order-ids';
import type { ExchangeLogEntry } from '../src/runtime';
import {
  BTC,
  hookedExchange,
  intentFactory,
  LIMIT_ENTRY,
  positionAmount,
  resetAccount,
  simState,
  usePaperEmulator,
  virtualTime,
} from './support';

describe('openProtectedPosition as the caller and the log see it, against the emulator', () => {
  const { sim, setup } = usePaperEmulator({ exchange: true });
  const intent = intentFactory('paths');

  describe('what the caller and the log see', () => {
    const requests = (logs: ExchangeLogEntry[], operation: string) =>
      logs.filter((entry) => entry.event === 'exchange-request' && entry.operation === operation);

    it('an intent without a take-profit places none', async () => {
      const armed = await hookedExchange(sim(), []);
      const result = await armed.exchange.openProtectedPosition(intent({ takeProfitPrice: undefined }));
      expect(result.status).toBe('protected');
      expect(result.takeProfit).toBeUndefined();
      expect(result.incidents).toEqual([]);
      expect(requests(armed.logs, 'createTakeProfitOrder')).toEqual([]);
      expect(simState(sim()).openAlgoOrders).toEqual([expect.objectContaining({ orderType: 'STOP_MARKET' })]);
    });

    it('a refused take-profit is a warning that says the stop-loss protects the position', async () => {
      const armed = await hookedExchange(sim(), [
        {
          event: 'exchange-request',
          operation: 'createStopLossOrder',
          effect: () =>
            sim().injectFaults({
              rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' },
            }),
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
      const clean = await hookedExchange(sim(), []);
      const ok = await clean.exchange.openProtectedPosition(intent());
      expect(clean.logs.find((entry) => entry.event === 'protected-entry')).toMatchObject({
        level: 'info',
        message: `${BTC} long ${ok.intentId}: protected`,
        takeProfit: ok.takeProfit?.id,
        incidents: [],
      });
      expect(clean.logs.some((entry) => entry.event === 'incident')).toBe(false);

      resetAccount(sim());
      sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
      const failed = await hookedExchange(sim(), []);
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
      const armed = await hookedExchange(sim(), [], { now: time.now, sleep: time.sleep });
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
      const armed = await hookedExchange(sim(), [], { now: time.now, sleep: time.sleep });
      const result = await armed.exchange.openProtectedPosition(
        intent({ entry: { type: 'limit', price: '59000' }, stopLossPrice: '58000' }),
      );
      expect(result.status).toBe('not-filled');
      expect(time.sleeps).toEqual(Array.from({ length: 60 }, () => 1_000));
    });

    it('cancels replaced protection with its reason, and after an emergency close the protection left over', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      let polls = 0;
      const time = virtualTime();
      const armed = await hookedExchange(sim(), [], {
        now: time.now,
        sleep: async (ms) => {
          polls += 1;
          if (polls === 1) sim().setMarketPrice('BTCUSDC', '59500.0');
          if (polls === 3) {
            // The rest fills, and the stop-loss for the whole is refused.
            sim().injectFaults({
              rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' },
            });
            sim().setMarketPrice('BTCUSDC', '59400.0');
          }
          await time.sleep(ms);
        },
      });
      const result = await armed.exchange.openProtectedPosition(intent(LIMIT_ENTRY));
      expect(result.status).toBe('emergency-closed');
      expect(positionAmount(sim())).toBe(0);
      // The first fill's stop-loss and take-profit are canceled after the close.
      const canceled = requests(armed.logs, 'cancelConditionalOrder');
      expect(canceled).toHaveLength(2);
      expect(canceled.map((entry) => entry.rationale)).toEqual([
        'replaced conditional protection',
        'replaced conditional protection',
      ]);
      expect(simState(sim()).openAlgoOrders).toEqual([]);
    });

    it('a stop-loss that fires while a later fill is protected ends stopped-out and cancels the take-profit', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      let polls = 0;
      const time = virtualTime();
      const armed = await hookedExchange(
        sim(),
        [
          {
            event: 'exchange-request',
            operation: 'createStopLossOrder',
            nth: 2,
            effect: () => sim().setMarketPrice('BTCUSDC', '58400.0'),
          },
        ],
        {
          now: time.now,
          sleep: async (ms) => {
            polls += 1;
            if (polls === 1) sim().setMarketPrice('BTCUSDC', '59500.0');
            if (polls === 3) sim().setMarketPrice('BTCUSDC', '59400.0');
            await time.sleep(ms);
          },
        },
      );
      const result = await armed.exchange.openProtectedPosition(intent(LIMIT_ENTRY));
      expect(result.status).toBe('stopped-out');
      expect(positionAmount(sim())).toBe(0);
      const canceledTargets = requests(armed.logs, 'cancelConditionalOrder');
      expect(canceledTargets.length).toBeGreaterThanOrEqual(1);
      expect(simState(sim()).openAlgoOrders).toEqual([]);
    });
  });

  describe('a bound on replacements', () => {
    it('gives up after 20 stop-losses for one intent, closes at market and cancels every one left', async () => {
      const same = intent();
      const ids = clientOrderIdsFor(same.id);
      // Smaller stop-losses already live under the intent's first 20 stop ids (a run that went wrong).
      await setup().exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
      for (let generation = 1; generation <= 20; generation += 1) {
        await setup().exchange.createStopLossOrder({
          symbol: BTC,
          positionSide: 'long',
          quantity: '0.001',
          triggerPrice: '58800',
          clientOrderId: ids.stopLoss(generation),
        });
      }
      expect(simState(sim()).openAlgoOrders).toHaveLength(20);
      const result = await setup().exchange.openProtectedPosition(same);
      expect(result.status).toBe('emergency-closed');
      expect(result.error).toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'too many protection replacements for one intent',
        operation: 'openProtectedPosition',
        symbol: BTC,
      });
      expect(result.incidents.map((incident) => incident.code)).toEqual(['STOP_LOSS_FAILED']);
      expect(positionAmount(sim())).toBe(0);
      expect(simState(sim()).openAlgoOrders).toEqual([]);
    });
  });
});
