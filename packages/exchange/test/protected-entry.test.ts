import { describe, expect, it, vi } from 'vitest';
import { applyReconcileActions } from '../src/apply-reconcile-actions';
import { reconcile } from '../src/reconcile';
import { settleExits } from '../src/settle-exits';
import {
  BTC,
  intentFactory,
  paperExchange,
  positionAmount,
  simState,
  usePaperEmulator,
  virtualTime,
} from './support';

/** A `ready` the test opens by hand: the prepared order waits for it. */
function gate(): { ready: Promise<void>; release: () => void } {
  let release!: () => void;
  const ready = new Promise<void>((resolve) => (release = resolve));
  return { ready, release };
}

describe('openProtectedPosition against the emulator', () => {
  const { sim, setup } = usePaperEmulator({ exchange: true });
  const intent = intentFactory('entry', { rationale: 'breakout>ATR; trend=up; rr=2.0' });

  it('opens a long with its stop-loss and take-profit, read back, rationale returned', async () => {
    const result = await setup().exchange.openProtectedPosition(intent());
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
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    expect(simState(sim()).openAlgoOrders).toHaveLength(2);
    const config = sim().core.symbolConfig(sim().accounts[0]!.accountId, 'BTCUSDC');
    expect(config[0]).toMatchObject({ leverage: 5, marginType: 'ISOLATED' });
    // The stop-loss was placed before the take-profit, and both were read back.
    const operations = setup()
      .logs.filter((entry) => entry.event === 'exchange-request')
      .map((entry) => entry.operation);
    const stopAt = operations.indexOf('createStopLossOrder');
    expect(stopAt).toBeGreaterThan(operations.indexOf('createOrder'));
    expect(operations.indexOf('createTakeProfitOrder')).toBeGreaterThan(stopAt);
    expect(operations.filter((operation) => operation === 'fetchConditionalOrder')).toHaveLength(2);
  });

  it('opens a short with its protection on the buy side', async () => {
    const result = await setup().exchange.openProtectedPosition(
      intent({ side: 'short', stopLossPrice: '61200', takeProfitPrice: '57600' }),
    );
    expect(result.status).toBe('protected');
    expect(result.stopLoss).toMatchObject({ side: 'buy', purpose: 'stop-loss' });
    expect(result.takeProfit).toMatchObject({ side: 'buy', purpose: 'take-profit' });
    expect(positionAmount(sim())).toBeCloseTo(-0.02);
  });

  it('never opens twice for the same intent, even when called again', async () => {
    const same = intent();
    const first = await setup().exchange.openProtectedPosition(same);
    const second = await setup().exchange.openProtectedPosition(same);
    expect(first.status).toBe('protected');
    expect(second.status).toBe('protected');
    expect(second.entry?.id).toBe(first.entry?.id);
    expect(second.stopLoss?.id).toBe(first.stopLoss?.id);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    expect(simState(sim()).openAlgoOrders).toHaveLength(2);
  });

  it('looks for an entry already placed while `ready` is pending, and sends the entry only once it settles', async () => {
    const { ready, release } = gate();
    const before = sim().requests.length;
    const paths = () =>
      sim()
        .requests.slice(before)
        .map((request) => `${request.method} ${request.path}`);
    const opening = setup().exchange.openProtectedPosition(intent(), { ready });
    await vi.waitFor(() => expect(paths()).toContain('GET /fapi/v1/order'));
    // Time enough for an entry that did not wait to reach the emulator (a wait, never a timing assertion).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(paths()).not.toContain('POST /fapi/v1/order');
    release();
    expect((await opening).status).toBe('protected');
    expect(paths()).toContain('POST /fapi/v1/order');
  });

  it('sends nothing when `ready` rejects: rejected, with the caller’s reason', async () => {
    const before = sim().requests.length;
    const ready = Promise.reject(new Error('leverage could not be set back'));
    const result = await setup().exchange.openProtectedPosition(intent(), { ready });
    expect(result.status).toBe('rejected');
    expect(result.error?.message).toBe('not sent: leverage could not be set back');
    // Time for an entry that was built while `ready` was pending, and sent anyway, to arrive (a wait only).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      sim()
        .requests.slice(before)
        .some((request) => request.method === 'POST'),
    ).toBe(false);
    expect(positionAmount(sim())).toBe(0);
  });

  /** How often ccxt signed `POST order` (an entry's request) on `client`. */
  function countSignedEntries(client: { sign: (...args: never[]) => unknown }) {
    const sign = vi.spyOn(client, 'sign');
    return () =>
      sign.mock.calls.filter(
        (call) => (call as unknown[])[0] === 'order' && (call as unknown[])[2] === 'POST',
      ).length;
  }

  it('builds and signs the entry while `ready` is pending, and writes it only once `ready` settles', async () => {
    const paper = await paperExchange(sim());
    const signed = countSignedEntries(paper.client);
    const { ready, release } = gate();
    const before = sim().requests.length;
    const posted = () =>
      sim()
        .requests.slice(before)
        .some((request) => request.method === 'POST' && request.path === '/fapi/v1/order');
    const opening = paper.exchange.openProtectedPosition(intent(), { ready, mayExist: false });
    await vi.waitFor(() => expect(signed()).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for bytes that did not wait to arrive
    expect(posted()).toBe(false);
    release();
    expect((await opening).status).toBe('protected');
    expect(posted()).toBe(true);
    expect(signed()).toBe(1);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
  });

  it('signs a prepared entry again when `ready` took long, so its timestamp stays inside recvWindow', async () => {
    const paper = await paperExchange(sim());
    const signed = countSignedEntries(paper.client);
    const { ready, release } = gate();
    const opening = paper.exchange.openProtectedPosition(intent(), { ready, mayExist: false });
    await vi.waitFor(() => expect(signed()).toBe(1));
    await paper.time.sleep(2_000); // the adapter's clock: two seconds pass while the caller's checks run
    release();
    expect((await opening).status).toBe('protected');
    expect(signed()).toBe(2);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
  });

  it('sends a prepared entry nowhere when a rate-limit pause became known while it waited', async () => {
    const paper = await paperExchange(sim());
    // The symbol's settings already set: nothing but the entry itself is left to send after `ready`.
    const entry = intent();
    await paper.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    const { ready, release } = gate();
    const before = sim().requests.length;
    const signed = countSignedEntries(paper.client);
    const opening = paper.exchange.openProtectedPosition(entry, { ready, mayExist: false });
    await vi.waitFor(() => expect(signed()).toBe(1));
    // Another request of the same client meets a 429 longer than the client waits out: the pause is known.
    sim().injectFaults({ rateLimit: { status: 429, retryAfterSeconds: 600, count: 1 } });
    await expect(paper.exchange.fetchPositions([BTC])).rejects.toThrow(/rate limited/);
    release();
    const result = await opening;
    expect(result.status).toBe('rejected');
    expect(result.error?.name).toBe('RateLimitedError');
    expect(
      sim()
        .requests.slice(before)
        .some((request) => request.method === 'POST' && request.path === '/fapi/v1/order'),
    ).toBe(false);
    expect(positionAmount(sim())).toBe(0);
  });

  it('sends nothing twice when a prepared entry finds its own already placed', async () => {
    const same = intent();
    const first = await setup().exchange.openProtectedPosition(same, { ready: Promise.resolve() });
    const second = await setup().exchange.openProtectedPosition(same, { ready: Promise.resolve() });
    expect(second.status).toBe('protected');
    expect(second.entry?.id).toBe(first.entry?.id);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
  });

  /** An exchange that runs `effect` once, right after `operation` first succeeds. */
  async function after(operation: string, effect: () => void) {
    let done = false;
    return paperExchange(sim(), {
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
      sim().injectFaults({ rejectNextConditional: { code: -4131, msg: 'PERCENT_PRICE filter limit.' } }),
    );
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('protected');
    expect(result.takeProfit).toBeUndefined();
    expect(result.incidents.map((incident) => [incident.code, incident.severity])).toEqual([
      ['TAKE_PROFIT_FAILED', 'warning'],
    ]);
    expect(simState(sim()).openAlgoOrders).toEqual([expect.objectContaining({ orderType: 'STOP_MARKET' })]);
  });

  it('reports stopped-out when the stop fires while protection is being set up', async () => {
    const armed = await after('createStopLossOrder', () => sim().setMarketPrice('BTCUSDC', '58700.0'));
    const result = await armed.exchange.openProtectedPosition(intent());
    expect(result.status).toBe('stopped-out');
    expect(result.stopLoss?.status).toBe('finished');
    expect(positionAmount(sim())).toBe(0);
    expect(simState(sim()).openAlgoOrders).toEqual([]);
  });

  it('does not re-protect an intent whose trade is already over', async () => {
    const same = intent();
    const first = await setup().exchange.openProtectedPosition(same);
    expect(first.status).toBe('protected');
    sim().setMarketPrice('BTCUSDC', '58700.0'); // the stop fires
    await setup().exchange.cancelAllOrders({ symbol: BTC });
    expect(positionAmount(sim())).toBe(0);
    const again = await setup().exchange.openProtectedPosition(same);
    expect(again.status).toBe('already-closed');
    expect(simState(sim()).openAlgoOrders).toEqual([]);
    expect(positionAmount(sim())).toBe(0);
  });

  it('rejects an invalid intent without sending anything', async () => {
    const before = sim().requests.length;
    const result = await setup().exchange.openProtectedPosition(intent({ stopLossPrice: '63000' }));
    expect(result.status).toBe('rejected');
    expect(result.error?.code).toBe('INVALID_REQUEST');
    expect(result.rationale).toBe('breakout>ATR; trend=up; rr=2.0');
    expect(sim().requests.length).toBe(before);
  });

  it('reports a refused entry as rejected, with the reason', async () => {
    const result = await setup().exchange.openProtectedPosition(intent({ quantity: '50' }));
    expect(result.status).toBe('rejected');
    expect(result.error).toMatchObject({ code: 'REJECTED', reason: 'INSUFFICIENT_MARGIN' });
    expect(positionAmount(sim())).toBe(0);
  });

  it('protects a limit entry as it fills, and cancels the rest at the timeout', async () => {
    const limitIntent = intent({
      entry: { type: 'limit', price: '59500', fillTimeoutMs: 3_000, pollIntervalMs: 1_000 },
      stopLossPrice: '58500',
      takeProfitPrice: '61500',
    });
    // The entry will fill only half; the market reaches its price once the poll has started.
    sim().injectFaults({ partialFillRatio: 0.5 });
    let polls = 0;
    const time = virtualTime();
    const exchange = await paperExchange(sim(), {
      now: time.now,
      sleep: async (ms) => {
        polls += 1;
        if (polls === 1) sim().setMarketPrice('BTCUSDC', '59500.0');
        await time.sleep(ms);
      },
    });
    const result = await exchange.exchange.openProtectedPosition(limitIntent);
    expect(result.status).toBe('protected');
    expect(result.filledQuantity).toBe('0.010');
    expect(result.entry?.status).toBe('canceled');
    expect(result.stopLoss).toMatchObject({ quantity: '0.010', status: 'open' });
    expect(result.takeProfit).toMatchObject({ quantity: '0.010' });
    expect(positionAmount(sim())).toBeCloseTo(0.01);
    expect(simState(sim()).openOrders).toEqual([]);
    expect(simState(sim()).openAlgoOrders).toHaveLength(2);
  });

  it('reports a limit entry that never fills as not-filled, with nothing left open', async () => {
    const result = await setup().exchange.openProtectedPosition(
      intent({
        entry: { type: 'limit', price: '59000', fillTimeoutMs: 2_000, pollIntervalMs: 1_000 },
        stopLossPrice: '58000',
        takeProfitPrice: '61000',
      }),
    );
    expect(result.status).toBe('not-filled');
    expect(simState(sim()).openOrders).toEqual([]);
    expect(simState(sim()).openAlgoOrders).toEqual([]);
    expect(positionAmount(sim())).toBe(0);
  });

  it('cancels the stop-loss once the take-profit has filled, and leaves a protected position alone', async () => {
    const result = await setup().exchange.openProtectedPosition(intent({ takeProfitPrice: '61000' }));
    expect(result.status).toBe('protected');
    // While the position is open and covered, settling changes nothing.
    expect(await settleExits(setup().exchange, BTC)).toEqual({
      symbol: BTC,
      flat: false,
      side: 'long',
      canceled: [],
      needsReconcile: false,
    });
    expect(simState(sim()).openAlgoOrders).toHaveLength(2);

    sim().setMarketPrice('BTCUSDC', '61100.0');
    expect(positionAmount(sim())).toBe(0);
    // Binance has no OCO: the stop-loss outlives the take-profit until the exits are settled.
    expect(simState(sim()).openAlgoOrders).toEqual([expect.objectContaining({ orderType: 'STOP_MARKET' })]);
    const settled = await settleExits(setup().exchange, BTC);
    expect(settled).toMatchObject({ symbol: BTC, flat: true, needsReconcile: false });
    expect(settled.canceled.map((entry) => [entry.id, entry.status])).toEqual([
      [result.stopLoss!.id, 'canceled'],
    ]);
    expect(simState(sim()).openAlgoOrders).toEqual([]);
    const stop = await setup().exchange.fetchConditionalOrder({ symbol: BTC, id: result.stopLoss!.id });
    expect(stop?.status).toBe('canceled');
    // Settling again finds nothing left to cancel.
    expect(await settleExits(setup().exchange, BTC)).toMatchObject({ flat: true, canceled: [] });
  });

  it('cancels the take-profit when the stop-loss fires', async () => {
    const result = await setup().exchange.openProtectedPosition(
      intent({ side: 'short', stopLossPrice: '60500', takeProfitPrice: '58000' }),
    );
    sim().setMarketPrice('BTCUSDC', '60600.0');
    const stop = await setup().exchange.fetchConditionalOrder({ symbol: BTC, id: result.stopLoss!.id });
    expect(stop?.status).toBe('finished');
    const settled = await settleExits(setup().exchange, BTC, 'stop-loss fired');
    expect(settled).toMatchObject({ flat: true, needsReconcile: false });
    expect(settled.canceled.map((entry) => entry.id)).toEqual([result.takeProfit!.id]);
    expect(settled.canceled[0]?.rationale).toBe('stop-loss fired');
    expect(simState(sim()).openAlgoOrders).toEqual([]);
  });

  it('keeps the stop-loss while a limit take-profit has not filled, or filled only part of the position', async () => {
    const result = await setup().exchange.openProtectedPosition(
      intent({ takeProfitPrice: '61000', takeProfitLimitPrice: '61150' }),
    );
    expect(result.status).toBe('protected');
    const stopStatus = async () =>
      (await setup().exchange.fetchConditionalOrder({ symbol: BTC, id: result.stopLoss!.id }))?.status;
    sim().injectFaults({ partialFillRatio: 0.5 }); // the take-profit's child order will fill half at first
    sim().setMarketPrice('BTCUSDC', '61100.0'); // triggered: its limit order at 61150 rests
    expect(simState(sim()).openOrders).toEqual([
      expect.objectContaining({ side: 'SELL', price: '61150.0', reduceOnly: true }),
    ]);
    expect(positionAmount(sim())).toBeCloseTo(0.02);
    const open = { symbol: BTC, flat: false, side: 'long', canceled: [], needsReconcile: false };
    expect(await settleExits(setup().exchange, BTC)).toEqual(open);
    expect(await stopStatus()).toBe('open');

    sim().setMarketPrice('BTCUSDC', '61150.0'); // half of it fills
    expect(positionAmount(sim())).toBeCloseTo(0.01);
    expect(await settleExits(setup().exchange, BTC)).toEqual(open);
    expect(await stopStatus()).toBe('open');

    sim().setMarketPrice('BTCUSDC', '61200.0'); // the rest fills
    expect(positionAmount(sim())).toBe(0);
    const closed = await settleExits(setup().exchange, BTC);
    expect(closed).toMatchObject({ flat: true, needsReconcile: false });
    expect(closed.canceled.map((entry) => entry.id)).toEqual([result.stopLoss!.id]);
    expect(await stopStatus()).toBe('canceled');
    expect(simState(sim()).openAlgoOrders).toEqual([]);
  });

  it('asks for reconcile when an open position is not fully covered by a stop-loss, canceling nothing', async () => {
    const result = await setup().exchange.openProtectedPosition(intent());
    await setup().exchange.cancelConditionalOrder({ symbol: BTC, id: result.stopLoss!.id });
    expect(await settleExits(setup().exchange, BTC)).toEqual({
      symbol: BTC,
      flat: false,
      side: 'long',
      canceled: [],
      needsReconcile: true,
    });
    // A stop-loss for half of the position does not cover it either; one for all of it does.
    await setup().exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '58800',
    });
    expect(await settleExits(setup().exchange, BTC)).toMatchObject({ flat: false, needsReconcile: true });
    await setup().exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      closePosition: true,
      triggerPrice: '58800',
    });
    expect(await settleExits(setup().exchange, BTC)).toMatchObject({ flat: false, needsReconcile: false });
    expect(simState(sim()).openAlgoOrders).toHaveLength(3); // the take-profit and both stops
  });

  it('reconciles after a restart: missing stop re-placed, stale orders canceled, unknown position adopted', async () => {
    const kept = await setup().exchange.openProtectedPosition(intent());
    // Someone cancels the stop-loss by hand; an ETH position appears that the bot knows nothing about.
    await setup().exchange.cancelConditionalOrder({ symbol: BTC, id: kept.stopLoss!.id });
    await setup().exchange.createOrder({
      symbol: 'ETH/USDC:USDC',
      side: 'sell',
      type: 'market',
      quantity: '0.5',
    });
    const state = await setup().exchange.fetchExchangeState([BTC, 'ETH/USDC:USDC']);
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
      { adoptedStopLossFraction: '0.02', now: setup().time.now() },
    );
    expect(actions.map((action) => action.type)).toEqual(['place-stop-loss', 'flag', 'place-stop-loss']);
    const applied = await applyReconcileActions(setup().exchange, actions, {
      rationale: 'reconcile at start',
    });
    expect(applied.incidents).toEqual([]);
    expect(applied.outcomes.map((outcome) => outcome.status)).toEqual(['done', 'noted', 'done']);
    expect(applied.outcomes[0]?.rationale).toBe('reconcile at start: the position has no stop-loss');
    const algo = simState(sim()).openAlgoOrders as Array<{
      symbol: string;
      side: string;
      triggerPrice: string;
    }>;
    expect(algo.find((order) => order.symbol === 'ETHUSDC')).toMatchObject({
      side: 'BUY',
      // 2 % above the short's entry, the best bid it sold at (2999.99); rounded toward the entry.
      triggerPrice: '3059.98',
    });
    expect(algo.filter((order) => order.symbol === 'BTCUSDC')).toHaveLength(2);
    // A second pass finds nothing left to do but the flag.
    const again = reconcile(
      await setup().exchange.fetchExchangeState([BTC, 'ETH/USDC:USDC']),
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
      { adoptedStopLossFraction: '0.02', now: setup().time.now() },
    );
    expect(again.map((action) => action.type)).toEqual(['flag']);
  });
});
