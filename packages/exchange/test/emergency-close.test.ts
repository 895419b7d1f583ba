/**
 * The emergency close after a failed stop-loss, against the emulator: its verdict is the position the
 * exchange holds afterwards, not how much the close order itself filled.
 */
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeLogEntry } from '../src/runtime';
import type { PositionIntent } from '../src/protected-entry';
import { BTC, paperExchange, positionAmount, resetAccount, simState, startPaper } from './support';

describe('emergency close against the emulator', () => {
  let sim: Sim;
  let counter = 0;

  beforeAll(async () => {
    sim = await startPaper();
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    resetAccount(sim);
  });

  function intent(): PositionIntent {
    counter += 1;
    return {
      id: `emergency-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.020',
      entry: { type: 'market' },
      stopLossPrice: '58800',
      takeProfitPrice: '62400',
      rationale: 'emergency close scenario',
    };
  }

  /** An exchange on which `meanwhile` runs once the stop-loss has been refused, before the emergency close. */
  function afterStopRefused(meanwhile: () => void) {
    let done = false;
    return paperExchange(sim, {
      log: (entry: ExchangeLogEntry) => {
        if (!done && entry.event === 'exchange-failure' && entry.operation === 'createStopLossOrder') {
          done = true;
          meanwhile();
        }
      },
    });
  }

  it('a close cut short because the position is already smaller is no critical incident: the position is flat', async () => {
    sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    // The user closes a quarter of it by hand between the refused stop and the emergency close.
    const { exchange } = await afterStopRefused(() => {
      sim.actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' });
    });
    const result = await exchange.openProtectedPosition(intent());
    expect(positionAmount(sim)).toBe(0);
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents.map((incident) => incident.code)).toEqual(['STOP_LOSS_FAILED']);
    expect(result.closeOrders[0]).toMatchObject({ reduceOnly: true, filledQuantity: '0.015' });
    expect(simState(sim).openAlgoOrders).toEqual([]);
  });

  it('a flat position is not `unprotected`, even when the close order itself failed', async () => {
    sim.injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    // The user closes all of it, and the order endpoint fails for the emergency close.
    const { exchange } = await afterStopRefused(() => {
      sim.actAsUser({ action: 'closePosition', symbol: 'BTCUSDC' });
      sim.injectFaults({
        httpErrors: Array.from({ length: 40 }, () => ({ status: 502, pathContains: '/fapi/v1/order' })),
      });
    });
    const result = await exchange.openProtectedPosition(intent());
    sim.clearFaults();
    expect(positionAmount(sim)).toBe(0);
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents.map((incident) => [incident.code, incident.severity])).toEqual([
      ['STOP_LOSS_FAILED', 'critical'],
    ]);
  });
});
