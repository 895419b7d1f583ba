import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeEvent } from '../src/domain';
import { RestPoller } from '../src/rest-poller';
import type { PaperSetup } from './support';
import { BTC, paperExchange, resetAccount, startPaper } from './support';

describe('RestPoller against the emulator', () => {
  let sim: Sim;
  let setup: PaperSetup;

  beforeAll(async () => {
    sim = await startPaper();
    setup = await paperExchange(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => resetAccount(sim));

  it('emits order, conditional order, fill, position and balance events, each once', async () => {
    const events: ExchangeEvent[] = [];
    const poller = new RestPoller({
      exchange: setup.exchange,
      symbols: [BTC],
      onEvent: (event) => events.push(event),
    });
    await poller.poll();
    events.length = 0; // the first round is the snapshot

    const { order: limit } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.010',
      price: '59900',
    });
    await poller.poll();
    expect(events).toEqual([
      expect.objectContaining({
        type: 'order-updated',
        order: expect.objectContaining({ id: limit.id, status: 'open' }),
      }),
    ]);
    expect(await poller.poll()).toEqual([]); // nothing changed, nothing emitted

    events.length = 0;
    sim.setMarketPrice('BTCUSDC', '59900.0');
    await poller.poll();
    expect(events.map((event) => event.type)).toEqual([
      'order-updated',
      'fill',
      'position-updated',
      'balance-updated',
    ]);
    expect(events[0]).toMatchObject({ order: { id: limit.id, status: 'filled' }, source: 'rest' });
    expect(events[1]).toMatchObject({ fill: { orderId: limit.id, quantity: '0.010', price: '59900.0' } });
    expect(events[2]).toMatchObject({ symbol: BTC, position: { side: 'long', quantity: '0.010' } });

    events.length = 0;
    const { order: stop } = await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '59000',
    });
    await poller.poll();
    expect(events.map((event) => event.type)).toEqual(['conditional-order-updated']);

    events.length = 0;
    sim.setMarketPrice('BTCUSDC', '58900.0');
    await poller.poll();
    expect(events.map((event) => event.type)).toEqual([
      'conditional-order-updated',
      'fill',
      'position-updated',
      'balance-updated',
    ]);
    expect(events[0]).toMatchObject({ order: { id: stop.id, status: 'finished' } });
    expect(events[2]).toMatchObject({ symbol: BTC, position: undefined });
  });

  it('keeps polling on its interval until stopped, reporting failed rounds', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const poller = new RestPoller({
      exchange: setup.exchange,
      symbols: [BTC],
      onEvent: () => {},
      onError: (error) => errors.push(error),
      intervalMs: 1_000,
      sleep: async () => {
        rounds += 1;
        if (rounds === 2) sim.injectFaults({ maintenance: true });
        if (rounds === 3) sim.clearFaults();
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    poller.start();
    while (rounds < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await poller.stop();
    expect(poller.rounds).toBeGreaterThanOrEqual(3);
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });
});
