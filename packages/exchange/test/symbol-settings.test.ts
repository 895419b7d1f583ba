import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RequestRejectedError } from '../src/errors';
import { createExchangeClient } from '../src/exchange-client';
import type { ExchangeClient } from '../src/exchange-client';
import type { PaperSetup } from './support';
import { BTC, ETH, paperExchange, resetAccount, startPaper } from './support';

/** Leverage and margin mode: what the adapter remembers, what the exchange holds, and who changed it. */
describe('symbol settings against the emulator', () => {
  let sim: Sim;
  let setup: PaperSetup;
  /** A second client on the same account: the user changing settings on the website while the bot runs. */
  let website: ExchangeClient;

  beforeAll(async () => {
    sim = await startPaper();
    setup = await paperExchange(sim);
    website = await createExchangeClient({
      mode: 'paper',
      simUrl: sim.url,
      apiKey: sim.accounts[0]!.apiKey,
      apiSecret: sim.accounts[0]!.apiSecret,
      enableRateLimit: false,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    resetAccount(sim);
    setup.logs.length = 0;
  });

  function leverageOnExchange(symbol = 'BTCUSDC'): number {
    return Number(sim.core.symbolConfig(sim.accounts[0]!.accountId, symbol)[0]?.leverage);
  }

  function requestsTo(path: string, from: number): number[] {
    return sim.requests
      .slice(from)
      .filter((request) => request.method === 'POST' && request.path === path)
      .map((request) => request.status);
  }

  it('leverage changed on the website, then told to the adapter (`current`) → configureSymbol sets it back', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    expect(leverageOnExchange()).toBe(5);
    await website.setLeverage(20, BTC);
    expect(leverageOnExchange()).toBe(20);

    const settings = await setup.exchange.configureSymbol({
      symbol: BTC,
      leverage: 5,
      current: { leverage: 20 },
      rationale: 'ACCOUNT_CONFIG_UPDATE said 20',
    });
    expect(settings).toMatchObject({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    expect(leverageOnExchange()).toBe(5);
  });

  it('forgetSymbolSettings → the next configureSymbol reads the exchange again', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    await website.setLeverage(20, BTC);
    setup.exchange.forgetSymbolSettings(BTC);
    const before = sim.requests.length;
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5 });
    expect(leverageOnExchange()).toBe(5);
    expect(requestsTo('/fapi/v1/leverage', before)).toEqual([200]);
  });

  it('fetchSymbolSettings reads leverage and margin mode of several symbols in one request', async () => {
    await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
    await website.setLeverage(20, BTC);
    await website.setLeverage(7, ETH);
    const before = sim.requests.length;
    const settings = await setup.exchange.fetchSymbolSettings([BTC, ETH]);
    expect(settings).toEqual([
      { symbol: BTC, leverage: 20, marginMode: 'isolated' },
      { symbol: ETH, leverage: 7, marginMode: expect.stringMatching(/^(isolated|cross)$/) },
    ]);
    const reads = sim.requests.slice(before).filter((request) => request.path === '/fapi/v1/symbolConfig');
    expect(reads).toHaveLength(1);
  });

  it('fetchSymbolSettings of one symbol asks for that symbol alone (Binance otherwise answers every symbol)', async () => {
    await website.setLeverage(9, ETH);
    const settings = await setup.exchange.fetchSymbolSettings([ETH]);
    expect(settings).toEqual([{ symbol: ETH, leverage: 9, marginMode: expect.any(String) }]);
    const read = setup.logs.find((entry) => entry.operation === 'fetchSymbolSettings');
    expect(JSON.stringify(read?.['wire'])).toMatch(/symbolConfig\?[^"]*symbol=ETHUSDC/);
  });

  it.each([
    ['an open order', -4047],
    ['a position', -4048],
  ] as const)(
    'margin mode locked by %s (%i) → a rejection with a stable reason, sent once, never retried',
    async (what, code) => {
      await setup.exchange.configureSymbol({ symbol: BTC, leverage: 5, marginMode: 'isolated' });
      if (code === -4047) {
        await setup.exchange.createOrder({
          symbol: BTC,
          side: 'buy',
          type: 'limit',
          price: '50000',
          quantity: '0.010',
        });
      } else {
        await setup.exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '0.010' });
      }
      const before = sim.requests.length;
      const error = await setup.exchange
        .configureSymbol({ symbol: BTC, marginMode: 'cross', rationale: `locked by ${what}` })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RequestRejectedError);
      expect(error).toMatchObject({
        code: 'REJECTED',
        reason: 'MARGIN_MODE_LOCKED',
        exchangeCode: code,
        rationale: `locked by ${what}`,
      });
      expect(requestsTo('/fapi/v1/marginType', before)).toEqual([400]);
    },
  );
});
