import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaperSetup } from './support';
import { BTC, paperExchange, positionAmount, resetAccount, startPaper } from './support';

/** A position closed by the exchange (liquidation, ADL) is recognisable from REST alone. */
describe('forced closes against the emulator', () => {
  let sim: Sim;
  let setup: PaperSetup;

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

  it('a liquidated position → its closing fill says closedBy liquidation; the entry fill says nothing', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 20, marginMode: 'isolated' });
    const since = sim.marketTime();
    const { order: entry } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.020',
    });
    const [position] = await setup.exchange.fetchPositions([BTC]);
    expect(position?.liquidationPrice).toBeDefined();
    // The mark moves past the liquidation price of the 20× isolated long.
    const below = (Number(position?.liquidationPrice) * 0.99).toFixed(1);
    sim.setMarketPrice('BTCUSDC', below, below);
    expect(positionAmount(sim)).toBe(0);

    const fills = await setup.exchange.fetchFills(BTC, { since, includeClosedBy: true });
    // The emulator's market clock stands still (manual speed): tell this test's fills by their order ids.
    const entryFills = fills.filter((fill) => fill.orderId === entry.id);
    const closingFills = fills.filter((fill) => Number(fill.orderId) > Number(entry.id));
    expect(entryFills.length).toBeGreaterThan(0);
    expect(entryFills.every((fill) => fill.closedBy === undefined)).toBe(true);
    expect(closingFills.length).toBeGreaterThan(0);
    expect(closingFills.every((fill) => fill.side === 'sell' && fill.closedBy === 'liquidation')).toBe(true);
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5 });
  });

  it('an auto-deleveraged position → its closing fill says closedBy adl', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    const { order: entry } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.010',
    });
    // ADL closes profitable positions, at the mark price.
    sim.setMarketPrice('BTCUSDC', '61000.0', '61000.0');
    const adl = sim.autoDeleverage({ symbol: 'BTCUSDC' });
    expect(positionAmount(sim)).toBe(0);
    const fills = await setup.exchange.fetchFills(BTC, { includeClosedBy: true });
    const closing = fills.filter((fill) => fill.orderId === String(adl.orderId));
    expect(closing.length).toBeGreaterThan(0);
    expect(closing.every((fill) => fill.closedBy === 'adl')).toBe(true);
    expect(fills.filter((fill) => fill.orderId === entry.id).every((fill) => !fill.closedBy)).toBe(true);
  });

  it('a stop-loss close is not a forced close', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    const since = sim.marketTime();
    const { order: entry } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'market',
      quantity: '0.010',
    });
    await setup.exchange.closePosition({ symbol: BTC });
    const fills = (await setup.exchange.fetchFills(BTC, { since, includeClosedBy: true })).filter(
      (fill) => Number(fill.orderId) >= Number(entry.id),
    );
    expect(fills.length).toBeGreaterThanOrEqual(2);
    expect(fills.every((fill) => fill.closedBy === undefined)).toBe(true);
  });
});
