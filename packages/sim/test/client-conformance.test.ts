import { describe, expect, it } from 'vitest';
import { renewExpiredListenKey, runBinancePackage } from './conformance/binance-package';
import { runCcxt } from './conformance/ccxt';
import { runConnector } from './conformance/connector';
import { QUANTITY } from './conformance/scenario';
import type { ScenarioOutcome } from './conformance/scenario';
import { useManualWorld } from './manual-world';
import type { ManualWorldOptions } from './manual-world';

/** Each client run brings its own connections: the world makes no ccxt client. */
const seeded: ManualWorldOptions = { sim: { seed: 9 }, clients: [], prices: { BTCUSDC: '60000.0' } };

/**
 * One scenario — exchange info, book, klines, balance, account, leverage, margin type, a market order
 * walking the book, a resting limit order and its cancel, an algo stop and its cancel, the user-data
 * events of all that, closing the position, the listenKey's life — driven through three unmodified
 * clients nobody here wrote (issue #17): ccxt (REST and pro streams), Binance's own connector
 * `@binance/derivatives-trading-usds-futures`, and the `binance` package (`USDMClient`, `WebsocketClient`).
 * Each run (one module per client under `conformance/`) checks what its client parses; all runs must see
 * the same exchange.
 */

describe('one scenario through ccxt, Binance’s own connector and the `binance` package', () => {
  const outcomes: Partial<Record<'ccxt' | 'connector' | 'binance', ScenarioOutcome>> = {};
  for (const [name, run] of [
    ['ccxt', runCcxt],
    ['connector', runConnector],
    ['binance', runBinancePackage],
  ] as const) {
    describe(name, () => {
      const world = useManualWorld(seeded);
      it('runs the scenario and parses every answer', async () => {
        const outcome = await run(world.sim);
        outcomes[name] = outcome;
        expect(outcome).toMatchObject({
          tickSize: 0.1,
          stepSize: 0.001,
          bestBid: 59999.9,
          bestAsk: 60000.1,
          klines: 5,
          usdcBalance: 10000,
          leverage: 10,
          marketFilled: QUANTITY,
          restingStatus: 'open',
          canceledStatus: 'canceled',
          algoOpen: 1,
          algoCanceled: true,
          closedPositions: 0,
        });
        expect(outcome.marketTradePrices.length).toBeGreaterThan(1);
        expect(outcome.marketTradePrices[0]).toBe(60000.1);
        expect(outcome.userEvents).toEqual(expect.arrayContaining(['market:closed', 'limit:canceled']));
      });
    });
  }
  it('every client saw the same exchange', () => {
    const { ccxt, ...others } = outcomes;
    if (ccxt === undefined) return; // a run failed: reported above
    const { userEvents: ccxtEvents, ...ccxtRest } = ccxt;
    // ccxt pro also turns ALGO_UPDATE into orders (the stop: `market:canceled`); the connector and the
    // `binance` package hand ALGO_UPDATE over as its own event. The regular orders' lives are the same.
    const regular = (events: string[]) => events.filter((event) => event !== 'market:canceled');
    for (const outcome of Object.values(others)) {
      const { userEvents, ...rest } = outcome;
      expect(rest).toEqual(ccxtRest);
      expect(regular(userEvents)).toEqual(regular(ccxtEvents));
    }
  });
});

describe('the `binance` package and an expired listenKey', () => {
  const world = useManualWorld(seeded);
  it('gets a new key on listenKeyExpired, reconnects with it and hears the next order', async () => {
    expect(await renewExpiredListenKey(world.sim)).toEqual(['NEW', 'FILLED']);
  });
});
