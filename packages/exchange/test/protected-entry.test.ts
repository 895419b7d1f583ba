import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyReconcileActions } from '../src/apply-reconcile-actions';
import { ProtectionSupervisor } from '../src/protection-supervisor';
import type { PositionIntent } from '../src/protected-entry';
import { reconcile } from '../src/reconcile';
import { RestPoller } from '../src/rest-poller';
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

describe('openProtectedPosition against the emulator', () => {
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
      id: `entry-test-${counter}-${Date.now()}`,
      symbol: BTC,
      side: 'long',
      quantity: '0.020',
      entry: { type: 'market' },
      stopLossPrice: '58800',
      takeProfitPrice: '62400',
      rationale: 'breakout>ATR; trend=up; rr=2.0',
      ...overrides,
    };
  }

  it('opens a long with its stop-loss and take-profit, read back, rationale returned', async () => {
    const result = await setup.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.rationale).toBe('breakout>ATR; trend=up; rr=2.0');
    expect(result.filledQuantity).toBe('0.020');
    expect(result.incidents).toEqual([]);
    expect(result.stopLoss).toMatchObject({
      side: 'sell',
      quantity: '0.020',
      status: 'open',
      reduceOnly: true,
    });
    expect(result.takeProfit).toMatchObject({ side: 'sell', quantity: '0.020', type: 'take-profit-limit' });
    expect(result.stopLoss?.clientOrderId).toMatch(new RegExp(`^${result.clientOrderIds.base}-s1$`));
    expect(positionAmount(sim)).toBeCloseTo(0.02);
    expect(simState(sim).openAlgoOrders).toHaveLength(2);
    const config = sim.core.symbolConfig(sim.accounts[0]!.accountId, 'BTCUSDC');
    expect(config[0]).toMatchObject({ leverage: 5, marginType: 'ISOLATED' });
    // The stop-loss was placed before the take-profit, and both were read back.
    const operations = setup.logs
      .filter((entry) => entry.event === 'exchange-request')
      .map((entry) => entry.operation);
    const stopAt = operations.indexOf('createStopLossOrder');
    expect(stopAt).toBeGreaterThan(operations.indexOf('createOrder'));
    expect(operations.indexOf('createTakeProfitOrder')).toBeGreaterThan(stopAt);
    expect(operations.filter((operation) => operation === 'fetchConditionalOrder')).toHaveLength(2);
  });

  it('opens a short with its protection on the buy side', async () => {
    const result = await setup.exchange.openProtectedPosition(
      intent({ side: 'short', stopLossPrice: '61200', takeProfitPrice: '57600' }),
    );
    expect(result.status).toBe('protected');
    expect(result.stopLoss).toMatchObject({ side: 'buy', purpose: 'stop-loss' });
    expect(result.takeProfit).toMatchObject({ side: 'buy', purpose: 'take-profit' });
    expect(positionAmount(sim)).toBeCloseTo(-0.02);
  });

  it('never opens twice for the same intent, even when called again', async () => {
    const same = intent();
    const first = await setup.exchange.openProtectedPosition(same);
    const second = await setup.exchange.openProtectedPosition(same);
    expect(first.status).toBe('protected');
    expect(second.status).toBe('protected');
    expect(second.entry?.id).toBe(first.entry?.id);
    expect(second.stopLoss?.id).toBe(first.stopLoss?.id);
    expect(positionAmount(sim)).toBeCloseTo(0.02);
    expect(simState(sim).openAlgoOrders).toHaveLength(2);
  });

  /** An exchange that runs `effect` once, right after `operation` first succeeds. */
  async function after(operation: string, effect: () => void) {
    let done = false;
    return paperExchange(sim, {
      log: (entry) => {
        if (!done && entry.event === 'exchange-request' && entry.operation === operation) {
          done = true;
          effect();
        }
      },
    });
  }

  it('keeps the position protected when only the take-profit fails, with a warning', async () => {
    const armed = await after('createStopLossOrder', () =>
      sim.injectFaults({ rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' } }),
    );
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.takeProfit).toBeUndefined();
    expect(result.incidents.map((incident) => [incident.code, incident.severity])).toEqual([
      ['TAKE_PROFIT_FAILED', 'warning'],
    ]);
    expect(simState(sim).openAlgoOrders).toEqual([expect.objectContaining({ orderType: 'STOP_MARKET' })]);
  });

  it('reports stopped-out when the stop fires while protection is being set up', async () => {
    const armed = await after('createStopLossOrder', () => sim.setMarketPrice('BTCUSDC', '58700.0'));
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('stopped-out');
    expect(result.stopLoss?.status).toBe('finished');
    expect(positionAmount(sim)).toBe(0);
    expect(simState(sim).openAlgoOrders).toEqual([]);
  });

  it('does not re-protect an intent whose trade is already over', async () => {
    const same = intent();
    const first = await setup.exchange.openProtectedPosition(same);
    expect(first.status).toBe('protected');
    sim.setMarketPrice('BTCUSDC', '58700.0'); // the stop fires
    await setup.exchange.cancelAllOrders({ symbol: BTC });
    expect(positionAmount(sim)).toBe(0);
    const again = await setup.exchange.openProtectedPosition(same);
    expect(again.status).toBe('already-closed');
    expect(simState(sim).openAlgoOrders).toEqual([]);
    expect(positionAmount(sim)).toBe(0);
  });

  it('rejects an invalid intent without sending anything', async () => {
    const before = sim.requests.length;
    const result = await setup.exchange.openProtectedPosition(intent({ stopLossPrice: '63000' }));
    expect(result.status).toBe('rejected');
    expect(result.error?.code).toBe('INVALID_REQUEST');
    expect(result.rationale).toBe('breakout>ATR; trend=up; rr=2.0');
    expect(sim.requests.length).toBe(before);
  });

  it('reports a refused entry as rejected, with the reason', async () => {
    const result = await setup.exchange.openProtectedPosition(intent({ quantity: '50' }));
    expect(result.status).toBe('rejected');
    expect(result.error).toMatchObject({ code: 'REJECTED', reason: 'INSUFFICIENT_MARGIN' });
    expect(positionAmount(sim)).toBe(0);
  });

  it('protects a limit entry as it fills, and cancels the rest at the timeout', async () => {
    const limitIntent = intent({
      entry: { type: 'limit', price: '59500', fillTimeoutMs: 3_000, pollIntervalMs: 1_000 },
      stopLossPrice: '58500',
      takeProfitPrice: '61500',
    });
    // The entry will fill only half; the market reaches its price once the poll has started.
    sim.injectFaults({ partialFillRatio: 0.5 });
    let polls = 0;
    const time = virtualTime();
    const exchange = await paperExchange(sim, {
      now: time.now,
      sleep: async (ms) => {
        polls += 1;
        if (polls === 1) sim.setMarketPrice('BTCUSDC', '59500.0');
        await time.sleep(ms);
      },
    });
    const result = await exchange.exchange.openProtectedPosition(limitIntent);
    expect(result.status).toBe('protected');
    expect(result.filledQuantity).toBe('0.010');
    expect(result.entry?.status).toBe('canceled');
    expect(result.stopLoss).toMatchObject({ quantity: '0.010', status: 'open' });
    expect(result.takeProfit).toMatchObject({ quantity: '0.010' });
    expect(positionAmount(sim)).toBeCloseTo(0.01);
    expect(simState(sim).openOrders).toEqual([]);
    expect(simState(sim).openAlgoOrders).toHaveLength(2);
  });

  it('reports a limit entry that never fills as not-filled, with nothing left open', async () => {
    const result = await setup.exchange.openProtectedPosition(
      intent({
        entry: { type: 'limit', price: '59000', fillTimeoutMs: 2_000, pollIntervalMs: 1_000 },
        stopLossPrice: '58000',
        takeProfitPrice: '61000',
      }),
    );
    expect(result.status).toBe('not-filled');
    expect(simState(sim).openOrders).toEqual([]);
    expect(simState(sim).openAlgoOrders).toEqual([]);
    expect(positionAmount(sim)).toBe(0);
  });

  it('cancels the stop-loss when the take-profit fills (supervisor on REST-polled events)', async () => {
    const result = await setup.exchange.openProtectedPosition(intent({ takeProfitPrice: '61000' }));
    expect(result.status).toBe('protected');
    const events: string[] = [];
    const supervisor = new ProtectionSupervisor(setup.exchange);
    const settled: unknown[] = [];
    const poller = new RestPoller({
      exchange: setup.exchange,
      symbols: [BTC],
      onEvent: (event) => {
        events.push(event.type);
        void supervisor.handleEvent(event).then((outcome) => outcome && settled.push(outcome));
      },
    });
    await poller.poll();
    sim.setMarketPrice('BTCUSDC', '61100.0');
    expect(positionAmount(sim)).toBe(0);
    await poller.poll();
    await supervisor.settle(BTC);
    expect(simState(sim).openAlgoOrders).toEqual([]);
    const stop = await setup.exchange.fetchConditionalOrder({ symbol: BTC, id: result.stopLoss!.id });
    expect(stop?.status).toBe('canceled');
    expect(events).toContain('fill');
    expect(events).toContain('position-updated');
    expect(settled).toContainEqual(expect.objectContaining({ flat: true }));
  });

  it('cancels the take-profit when the stop-loss fires', async () => {
    const result = await setup.exchange.openProtectedPosition(
      intent({ side: 'short', stopLossPrice: '60500', takeProfitPrice: '58000' }),
    );
    sim.setMarketPrice('BTCUSDC', '60600.0');
    const supervisor = new ProtectionSupervisor(setup.exchange);
    const stop = await setup.exchange.fetchConditionalOrder({ symbol: BTC, id: result.stopLoss!.id });
    expect(stop?.status).toBe('finished');
    const settled = await supervisor.handleEvent({
      type: 'conditional-order-updated',
      order: stop!,
      source: 'stream',
    });
    expect(settled).toMatchObject({ flat: true, needsReconcile: false });
    expect(settled?.canceled.map((entry) => entry.id)).toEqual([result.takeProfit!.id]);
    expect(simState(sim).openAlgoOrders).toEqual([]);
  });

  it('reconciles after a restart: missing stop re-placed, stale orders canceled, unknown position adopted', async () => {
    const kept = await setup.exchange.openProtectedPosition(intent());
    // Someone cancels the stop-loss by hand; an ETH position appears that the bot knows nothing about.
    await setup.exchange.cancelConditionalOrder({ symbol: BTC, id: kept.stopLoss!.id });
    await setup.exchange.createOrder({
      symbol: 'ETH/USDC:USDC',
      side: 'sell',
      type: 'market',
      quantity: '0.5',
    });
    const state = await setup.exchange.fetchExchangeState([BTC, 'ETH/USDC:USDC']);
    const actions = reconcile(
      state,
      [
        {
          intentId: kept.intentId,
          symbol: BTC,
          side: 'long',
          quantity: '0.020',
          stopLossPrice: '58800',
          takeProfitPrice: '62400',
        },
      ],
      { adoptedStopLossFraction: '0.02', now: setup.time.now() },
    );
    expect(actions.map((action) => action.type)).toEqual(['place-stop-loss', 'flag', 'place-stop-loss']);
    const applied = await applyReconcileActions(setup.exchange, actions, { rationale: 'reconcile at start' });
    expect(applied.incidents).toEqual([]);
    expect(applied.outcomes.map((outcome) => outcome.status)).toEqual(['done', 'noted', 'done']);
    expect(applied.outcomes[0]?.rationale).toBe('reconcile at start: the position has no stop-loss');
    const algo = simState(sim).openAlgoOrders as Array<{
      symbol: string;
      side: string;
      triggerPrice: string;
    }>;
    expect(algo.find((order) => order.symbol === 'ETHUSDC')).toMatchObject({
      side: 'BUY',
      triggerPrice: '3060.00',
    });
    expect(algo.filter((order) => order.symbol === 'BTCUSDC')).toHaveLength(2);
    // A second pass finds nothing left to do but the flag.
    const again = reconcile(
      await setup.exchange.fetchExchangeState([BTC, 'ETH/USDC:USDC']),
      [
        {
          intentId: kept.intentId,
          symbol: BTC,
          side: 'long',
          quantity: '0.020',
          stopLossPrice: '58800',
          takeProfitPrice: '62400',
        },
      ],
      { adoptedStopLossFraction: '0.02', now: setup.time.now() },
    );
    expect(again.map((action) => action.type)).toEqual(['flag']);
  });
});
