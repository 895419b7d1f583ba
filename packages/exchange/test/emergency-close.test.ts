/**
 * The emergency close after a failed stop-loss, against the emulator: its verdict is the position the
 * exchange holds afterwards, not how much the close order itself filled.
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeLogEntry } from '../src/runtime';
import { intentFactory, paperExchange, positionAmount, simState, usePaperEmulator } from './support';

describe('emergency close against the emulator', () => {
  const { sim } = usePaperEmulator();
  const intent = intentFactory('emergency', { rationale: 'emergency close scenario' });

  /** An exchange on which `meanwhile` runs once the stop-loss has been refused, before the emergency close. */
  function afterStopRefused(meanwhile: () => void) {
    let done = false;
    return paperExchange(sim(), {
      log: (entry: ExchangeLogEntry) => {
        if (!done && entry.event === 'exchange-failure' && entry.operation === 'createStopLossOrder') {
          done = true;
          meanwhile();
        }
      },
    });
  }

  it('a close cut short because the position is already smaller is no critical incident: the position is flat', async () => {
    sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    // The user closes a quarter of it by hand between the refused stop and the emergency close.
    const { exchange } = await afterStopRefused(() => {
      sim().actAsUser({ action: 'closePosition', symbol: 'BTCUSDC', quantity: '0.005' });
    });
    const result = await exchange.openProtectedPosition(intent());
    expect(positionAmount(sim())).toBe(0);
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents.map((incident) => incident.code)).toEqual(['STOP_LOSS_FAILED']);
    expect(result.closeOrders[0]).toMatchObject({ reduceOnly: true, filledQuantity: '0.015' });
    expect(simState(sim()).openAlgoOrders).toEqual([]);
  });

  it('a flat position is not `unprotected`, even when the close order itself failed', async () => {
    sim().injectFaults({ rejectNextConditional: { code: -2021, msg: 'Order would immediately trigger.' } });
    // The user closes all of it, and the order endpoint fails for the emergency close.
    const { exchange } = await afterStopRefused(() => {
      sim().actAsUser({ action: 'closePosition', symbol: 'BTCUSDC' });
      sim().injectFaults({
        httpErrors: Array.from({ length: 40 }, () => ({ status: 502, pathContains: '/fapi/v1/order' })),
      });
    });
    const result = await exchange.openProtectedPosition(intent());
    sim().clearFaults();
    expect(positionAmount(sim())).toBe(0);
    expect(result.status).toBe('emergency-closed');
    expect(result.incidents.map((incident) => [incident.code, incident.severity])).toEqual([
      ['STOP_LOSS_FAILED', 'critical'],
    ]);
  });
});
