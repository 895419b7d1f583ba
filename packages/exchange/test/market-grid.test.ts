/**
 * One quantity grid rule, against an emulator whose BTC contract has a coarser MARKET_LOT_SIZE step (0.01)
 * than its LOT_SIZE step (0.001): a limit entry fills on the fine grid, and the stop-loss — a market order
 * when it fires — must still cover all of it.
 */
import { defaultContracts, startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyReconcileActions } from '../src/apply-reconcile-actions';
import { reconcile } from '../src/reconcile';
import type { PaperSetup } from './support';
import { BTC, paperExchange, positionAmount, resetAccount, simState } from './support';

describe('a contract whose market step differs from its limit step', () => {
  let sim: Sim;
  let setup: PaperSetup;
  let counter = 0;

  beforeAll(async () => {
    const contracts = defaultContracts().map((contract) =>
      contract.instrument.symbol === 'BTCUSDC'
        ? {
            ...contract,
            instrument: { ...contract.instrument, marketStepSize: '0.01', marketMinQty: '0.01' },
          }
        : contract,
    );
    sim = await startSim({ speed: 'manual', seed: 7, historyMinutes: 5, contracts });
    setup = await paperExchange(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    // A position off the market grid closes with a reduce-only market order rounded up to the grid.
    const accountId = sim.accounts[0]?.accountId ?? 'account-1';
    for (const position of sim.core.positions(accountId)) {
      const amount = Number(position.positionAmt);
      if (amount === 0) continue;
      sim.core.placeOrder(
        accountId,
        {
          symbol: position.symbol,
          side: amount > 0 ? 'SELL' : 'BUY',
          type: 'MARKET',
          quantity: (Math.ceil(Math.abs(amount) * 100) / 100).toFixed(3),
          reduceOnly: true,
        },
        sim.marketTime(),
      );
    }
    resetAccount(sim);
    setup.logs.length = 0;
  });

  it('the exchange says so: MARKET_LOT_SIZE has its own step and minimum', async () => {
    const instrument = await setup.exchange.instrument(BTC);
    expect(instrument).toMatchObject({ stepSize: '0.001', marketStepSize: '0.01', marketMinQty: '0.01' });
  });

  it('protects a limit fill off the market grid with a reduce-only stop rounded up to cover it, which closes exactly the position', async () => {
    counter += 1;
    // A marketable limit buy: it fills at once, 0.015 on the 0.001 grid, not a multiple of 0.01.
    const result = await setup.exchange.openProtectedPosition({
      id: `grid-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.015',
      entry: { type: 'limit', price: '60100.0', fillTimeoutMs: 5_000, pollIntervalMs: 100 },
      stopLossPrice: '58800',
      takeProfitPrice: '62400',
      rationale: 'grid scenario',
    });
    expect(result.status).toBe('protected');
    expect(result.filledQuantity).toBe('0.015');
    expect(result.incidents).toEqual([]);
    expect(result.stopLoss).toMatchObject({ quantity: '0.020', reduceOnly: true, status: 'open' });
    expect(result.stopLoss?.clientOrderId).toMatch(/-s1$/);
    expect(positionAmount(sim)).toBeCloseTo(0.015);
    const stops = simState(sim).openAlgoOrders.filter((order) => order['orderType'] === 'STOP_MARKET');
    expect(stops).toHaveLength(1);

    // When it fires it closes the position, and no more: reduce-only never opens the other side.
    sim.setMarketPrice('BTCUSDC', '58700.0');
    expect(positionAmount(sim)).toBe(0);
  });

  it('closes a position off the market grid whole when asked, and reconcile covers one with a single stop', async () => {
    await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.015',
      price: '60100.0',
    });
    expect(positionAmount(sim)).toBeCloseTo(0.015);
    const actions = reconcile(await setup.exchange.fetchExchangeState([BTC]), [], {
      adoptedStopLossFraction: '0.02',
      now: setup.time.now(),
    });
    const applied = await applyReconcileActions(setup.exchange, actions);
    expect(applied.incidents).toEqual([]);
    const again = reconcile(await setup.exchange.fetchExchangeState([BTC]), [], {
      adoptedStopLossFraction: '0.02',
      now: setup.time.now(),
    });
    expect(again.filter((action) => action.type === 'place-stop-loss')).toEqual([]);

    const closed = await setup.exchange.closePosition({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.015',
    });
    expect(closed.closedQuantity).toBe('0.015');
    expect(positionAmount(sim)).toBe(0);
  });
});
