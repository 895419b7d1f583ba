/**
 * openProtectedPosition against orders it did not place itself this time, on the emulator over real sockets
 * with the unmodified ccxt client: protective orders already live under the intent's client ids (an earlier
 * run, another program, a hand) that differ from what it would place, a take-profit that fires between being
 * placed and being read back, and a limit entry whose stop-loss is refused while the rest of it is still open.
 */
import { describe, expect, it } from 'vitest';
import { clientOrderIdsFor } from '../src/client-order-ids';
import {
  BTC,
  failing,
  intentFactory,
  LIMIT_ENTRY,
  paperExchange,
  pollingExchange,
  positionAmount,
  simState,
  usePaperEmulator,
} from './support';

describe('openProtectedPosition: orders found under its ids, and the rest of an entry, against the emulator', () => {
  const { sim } = usePaperEmulator();
  const intent = intentFactory('found');

  /**
   * A paper exchange on virtual time: `onPoll[n]` runs before the n-th wait, `onRequest[operation]` once after
   * the first successful request of that operation.
   */
  function exchangeWith(onPoll: Record<number, () => void> = {}, onRequest: Record<string, () => void> = {}) {
    const done = new Set<string>();
    return pollingExchange(sim(), onPoll, (entry) => {
      const operation = String(entry.operation);
      if (entry.event === 'exchange-request' && onRequest[operation] && !done.has(operation)) {
        done.add(operation);
        onRequest[operation]();
      }
    });
  }

  /**
   * Places a conditional order straight on the emulator's core, as another program would, after setting the
   * symbol up as the intent asks (the margin type cannot change while orders are open).
   */
  async function placeConditional(order: {
    type: 'STOP_MARKET' | 'TAKE_PROFIT';
    clientAlgoId: string;
    triggerPrice: string;
    quantity?: string;
    reduceOnly?: boolean;
    closePosition?: boolean;
  }): Promise<string> {
    const { exchange } = await paperExchange(sim());
    await exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    const placed = sim().core.placeAlgoOrder(
      sim().accounts[0]!.accountId,
      {
        symbol: 'BTCUSDC',
        side: 'SELL',
        ...(order.type === 'TAKE_PROFIT' ? { price: order.triggerPrice, timeInForce: 'GTC' as const } : {}),
        workingType: 'MARK_PRICE',
        ...order,
      },
      sim().marketTime(),
    );
    sim().core.drainEvents();
    return String(placed.algoId);
  }

  const incidents = (result: { incidents: readonly { code: string; severity: string; message: string }[] }) =>
    result.incidents.map(({ code, severity, message }) => ({ code, severity, message }));

  /** An intent opened over the conditional order `found(ids)` left live under its client ids: protected. */
  async function openOver(
    found: (ids: ReturnType<typeof clientOrderIdsFor>) => Parameters<typeof placeConditional>[0],
  ) {
    const same = intent();
    const ids = clientOrderIdsFor(same.id);
    const id = await placeConditional(found(ids));
    const result = await (await exchangeWith()).exchange.openProtectedPosition(same);
    expect(result.status).toBe('protected');
    return { ids, found: id, result };
  }

  const mismatch = (message: string) => [{ code: 'PROTECTION_MISMATCH', severity: 'warning', message }];

  describe('a protective order found live under its client id', () => {
    it('a stop-loss that is not reduce-only is kept but raises PROTECTION_MISMATCH', async () => {
      const { found, result } = await openOver((ids) => ({
        type: 'STOP_MARKET',
        clientAlgoId: ids.stopLoss(1),
        triggerPrice: '58800',
        quantity: '0.020',
        reduceOnly: false,
      }));
      expect(result.stopLoss).toMatchObject({ id: found, reduceOnly: false, quantity: '0.020' });
      expect(incidents(result)).toEqual(mismatch(`stop-loss ${found} read back differs: not reduce-only`));
    });

    it('a smaller stop order under the take-profit’s id raises PROTECTION_MISMATCH naming both differences', async () => {
      const { ids, found, result } = await openOver((ids) => ({
        type: 'STOP_MARKET',
        clientAlgoId: ids.takeProfit(1),
        triggerPrice: '58000',
        quantity: '0.001',
        reduceOnly: true,
      }));
      expect(result.stopLoss).toMatchObject({ quantity: '0.020', clientOrderId: ids.stopLoss(1) });
      expect(result.takeProfit).toMatchObject({ id: found, purpose: 'stop-loss', quantity: '0.001' });
      expect(incidents(result)).toEqual(
        mismatch(
          `take-profit ${found} read back differs: quantity 0.001 < 0.020, type ${result.takeProfit?.type}`,
        ),
      );
    });

    it('a take-profit of the right kind that covers less than the fill raises PROTECTION_MISMATCH (quantity)', async () => {
      const { found, result } = await openOver((ids) => ({
        type: 'TAKE_PROFIT',
        clientAlgoId: ids.takeProfit(1),
        triggerPrice: '62400',
        quantity: '0.005',
        reduceOnly: true,
      }));
      expect(result.takeProfit).toMatchObject({ id: found, purpose: 'take-profit', quantity: '0.005' });
      expect(incidents(result)).toEqual(
        mismatch(`take-profit ${found} read back differs: quantity 0.005 < 0.020`),
      );
    });

    it('a close-position stop-loss covers any fill: kept as the stop-loss, no mismatch, no second stop', async () => {
      const { found, result } = await openOver((ids) => ({
        type: 'STOP_MARKET',
        clientAlgoId: ids.stopLoss(1),
        triggerPrice: '58800',
        closePosition: true,
      }));
      expect(result.incidents).toEqual([]);
      expect(result.stopLoss).toMatchObject({ id: found, closePosition: true, quantity: undefined });
      const stops = simState(sim()).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
      expect(stops.map((order) => String(order['algoId']))).toEqual([found]);
    });
  });

  it('a take-profit that fires before it is read back is reported as read back (finished), not as placed', async () => {
    const armed = await exchangeWith(
      {},
      { createTakeProfitOrder: () => sim().setMarketPrice('BTCUSDC', '62500.0') },
    );
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.takeProfit?.status).toBe('finished');
    expect(positionAmount(sim())).toBe(0);
  });

  describe('a limit entry whose stop-loss is refused after a partial fill', () => {
    const limitIntent = () => intent(LIMIT_ENTRY);
    const rejectStop = () =>
      sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });

    it('cancels the unfilled rest before closing what filled, so nothing more can fill unprotected', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await exchangeWith({
        1: () => {
          rejectStop();
          sim().setMarketPrice('BTCUSDC', '59500.0');
        },
      });
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      expect(result.status).toBe('emergency-closed');
      expect(result.filledQuantity).toBe('0.010');
      expect(result.entry?.status).toBe('canceled');
      expect(result.incidents.map((incident) => incident.code)).toEqual(['STOP_LOSS_FAILED']);
      const cancels = armed.logs.filter(
        (entry) => entry.event === 'exchange-request' && entry.operation === 'cancelOrder',
      );
      expect(cancels.map((entry) => entry.rationale)).toEqual(['stop-loss failed']);
      expect(simState(sim()).openOrders).toEqual([]);
      expect(positionAmount(sim())).toBe(0);
      // The price that would have filled the rest finds nothing left to fill.
      sim().setMarketPrice('BTCUSDC', '59400.0');
      expect(positionAmount(sim())).toBe(0);
    });

    it('a rest that cannot be canceled is ENTRY_NOT_CANCELED (critical), and what filled is still closed', async () => {
      sim().injectFaults({ partialFillRatio: 0.5 });
      const armed = await exchangeWith({
        1: () => {
          rejectStop();
          sim().injectFaults({ httpErrors: failing('/fapi/v1/order', 'DELETE') });
          sim().setMarketPrice('BTCUSDC', '59500.0');
        },
      });
      const result = await armed.exchange.openProtectedPosition(limitIntent());
      sim().clearFaults();
      expect(result.status).toBe('emergency-closed');
      expect(incidents(result)[0]).toEqual({
        code: 'ENTRY_NOT_CANCELED',
        severity: 'critical',
        message: `the unfilled rest of entry ${result.entry?.id} could not be canceled; it may fill unprotected`,
      });
      expect(result.incidents.map((incident) => incident.code)).toEqual([
        'ENTRY_NOT_CANCELED',
        'STOP_LOSS_FAILED',
      ]);
      expect(result.entry?.status).toBe('partially-filled');
      expect(simState(sim()).openOrders).toHaveLength(1);
      expect(positionAmount(sim())).toBe(0);
    });
  });
});
