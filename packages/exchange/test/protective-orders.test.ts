import type { Sim } from '@bot/sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PositionSide, TakeProfitStyle } from '../src/domain';
import { createExchange } from '../src/ccxt-exchange';
import { InvalidRequestError, RequestRejectedError } from '../src/errors';
import type { PaperSetup } from './support';
import { BTC, paperExchange, positionAmount, resetAccount, simState, startPaper } from './support';

/** Stage D acceptance: SL and TP in both styles, for long and short, through real ccxt against the emulator. */
describe('protective orders against the emulator', () => {
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

  async function open(side: PositionSide, quantity = '0.010') {
    const { order } = await setup.exchange.createOrder({
      symbol: BTC,
      side: side === 'long' ? 'buy' : 'sell',
      type: 'market',
      quantity,
    });
    expect(order).toMatchObject({ status: 'filled', filledQuantity: '0.010', reduceOnly: false });
  }

  const cases: Array<[PositionSide, TakeProfitStyle]> = [
    ['long', 'limit'],
    ['long', 'market'],
    ['short', 'limit'],
    ['short', 'market'],
  ];

  it.each(cases)(
    '%s position: stop-loss and %s-style take-profit, opposite side, reduce-only, workingType',
    async (side, style) => {
      await open(side);
      const long = side === 'long';
      const stop = await setup.exchange.createStopLossOrder({
        symbol: BTC,
        positionSide: side,
        quantity: '0.010',
        triggerPrice: long ? '58000' : '62000',
        rationale: 'acceptance stop',
      });
      expect(stop.rationale).toBe('acceptance stop');
      expect(stop.order).toMatchObject({
        symbol: BTC,
        side: long ? 'sell' : 'buy',
        type: 'stop-market',
        purpose: 'stop-loss',
        status: 'open',
        quantity: '0.010',
        reduceOnly: true,
        closePosition: false,
        workingType: 'MARK_PRICE',
      });
      expect(Number(stop.order.triggerPrice)).toBe(long ? 58000 : 62000);
      // The wire: what ccxt actually sent to the algo endpoint.
      expect(setup.client.last_request_url).toContain('/fapi/v1/algoOrder');
      expect(String(setup.client.last_request_body)).toMatch(/type=STOP_MARKET/);
      expect(String(setup.client.last_request_body)).toMatch(/reduceOnly=true/);
      expect(String(setup.client.last_request_body)).toMatch(/workingType=MARK_PRICE/);
      expect(String(setup.client.last_request_body)).toMatch(new RegExp(`side=${long ? 'SELL' : 'BUY'}`));

      const target = await setup.exchange.createTakeProfitOrder({
        symbol: BTC,
        positionSide: side,
        quantity: '0.010',
        triggerPrice: long ? '63000' : '57000',
        style,
      });
      expect(target.order).toMatchObject({
        side: long ? 'sell' : 'buy',
        type: style === 'limit' ? 'take-profit-limit' : 'take-profit-market',
        purpose: 'take-profit',
        status: 'open',
        reduceOnly: true,
        workingType: 'MARK_PRICE',
      });
      if (style === 'limit') expect(Number(target.order.price)).toBe(long ? 63000 : 57000);
      else expect(target.order.price).toBeUndefined();
      const body = String(setup.client.last_request_body);
      expect(body).toMatch(new RegExp(`type=${style === 'limit' ? 'TAKE_PROFIT&' : 'TAKE_PROFIT_MARKET'}`));
      expect(body).toMatch(/reduceOnly=true/);
      expect(body).toMatch(/workingType=MARK_PRICE/);
      if (style === 'market') expect(body).not.toMatch(/&price=/);

      // The emulator's book holds both, as sent.
      const algo = simState(sim).openAlgoOrders;
      expect(algo).toHaveLength(2);
      for (const order of algo) {
        expect(order).toMatchObject({
          reduceOnly: true,
          workingType: 'MARK_PRICE',
          side: long ? 'SELL' : 'BUY',
        });
      }
      // The bot's own log lines carry the same fields, and the wire request.
      const placed = setup.logs.filter(
        (entry) => entry.event === 'exchange-request' && String(entry.operation).startsWith('create'),
      );
      const protective = placed.filter((entry) => entry.operation !== 'createOrder');
      expect(protective).toHaveLength(2);
      for (const entry of protective) {
        expect(entry.params).toMatchObject({ reduceOnly: true, workingType: 'MARK_PRICE' });
        const wire = String((entry.wire as string[])[0]);
        expect(wire).toMatch(/^POST .*\/fapi\/v1\/algoOrder /);
        expect(wire).toMatch(/reduceOnly=true/);
        expect(wire).toMatch(/workingType=MARK_PRICE/);
        expect(String((entry.wire as string[])[0])).not.toMatch(/signature=/);
      }

      // Listing covers both books.
      const listed = await setup.exchange.fetchOpenOrders(BTC);
      expect(listed.orders).toEqual([]);
      expect(listed.conditionalOrders.map((order) => order.id).sort()).toEqual(
        [stop.order.id, target.order.id].sort(),
      );
    },
  );

  it('fires the stop on the mark price and closes the position', async () => {
    await open('long');
    const { order } = await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '59000',
    });
    sim.setMarketPrice('BTCUSDC', '58900.0', '59500.0'); // last crosses, mark does not
    expect((await setup.exchange.fetchConditionalOrder({ symbol: BTC, id: order.id }))?.status).toBe('open');
    sim.setMarketPrice('BTCUSDC', '58900.0', '58950.0');
    const fired = await setup.exchange.fetchConditionalOrder({ symbol: BTC, id: order.id });
    expect(fired?.status).toBe('finished');
    expect(fired?.triggeredOrderId).toBeDefined();
    expect(positionAmount(sim)).toBe(0);
  });

  it('places the closePosition variants without quantity or reduceOnly', async () => {
    await open('short');
    const stop = await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'short',
      closePosition: true,
      triggerPrice: '61500',
    });
    expect(stop.order).toMatchObject({ closePosition: true, quantity: undefined, side: 'buy' });
    const body = String(setup.client.last_request_body);
    expect(body).toMatch(/closePosition=true/);
    expect(body).not.toMatch(/quantity=|reduceOnly=/);
    const target = await setup.exchange.createTakeProfitOrder({
      symbol: BTC,
      positionSide: 'short',
      closePosition: true,
      triggerPrice: '58500',
      style: 'market',
    });
    expect(target.order).toMatchObject({ closePosition: true, type: 'take-profit-market' });
    await expect(
      setup.exchange.createTakeProfitOrder({
        symbol: BTC,
        positionSide: 'short',
        closePosition: true,
        triggerPrice: '58500',
        style: 'limit',
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('rounds trigger prices to the tick in the direction that acts sooner, and the quantity up', async () => {
    await open('long');
    const stop = await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.0109',
      triggerPrice: '58000.04',
    });
    expect(stop.order.triggerPrice).toBe('58000.1');
    // Its quantity rounds up: a reduce-only stop covers all it is asked to cover.
    expect(stop.order.quantity).toBe('0.011');
    const target = await setup.exchange.createTakeProfitOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: 0.01,
      triggerPrice: 63000.06,
    });
    expect(target.order.triggerPrice).toBe('63000.0');
  });

  it('rounds an off-grid entry in its favour and sends an on-grid one as given', async () => {
    const { order } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.0109',
      price: '59000.07',
    });
    expect(order).toMatchObject({ quantity: '0.010', price: '59000.0', status: 'open' });
    const { order: sell } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'sell',
      type: 'limit',
      quantity: 0.01,
      price: 61000.01,
    });
    expect(sell.price).toBe('61000.1');
    const { order: exact } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.012',
      price: '58000.5',
    });
    expect(exact).toMatchObject({ quantity: '0.012', price: '58000.5' });
    await expect(
      setup.exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '0.0004' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(
      setup.exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '-1' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('refuses a stop that would trigger immediately, with a clear reason and no retry', async () => {
    await open('long');
    const before = sim.requests.length;
    const error = await setup.exchange
      .createStopLossOrder({ symbol: BTC, positionSide: 'long', quantity: '0.010', triggerPrice: '61000' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({
      code: 'REJECTED',
      reason: 'WOULD_TRIGGER_IMMEDIATELY',
      exchangeCode: -2021,
    });
    expect(
      sim.requests.slice(before).filter((request) => request.path === '/fapi/v1/algoOrder'),
    ).toHaveLength(1);
  });

  it('refuses a margin-starved entry and a too-small one with their reasons', async () => {
    await expect(
      setup.exchange.createOrder({ symbol: BTC, side: 'buy', type: 'market', quantity: '100' }),
    ).rejects.toMatchObject({ code: 'REJECTED', reason: 'INSUFFICIENT_MARGIN', exchangeCode: -2019 });
    sim.setMarketPrice('ADAUSDC', '0.4500');
    await expect(
      setup.exchange.createOrder({ symbol: 'ADA/USDC:USDC', side: 'buy', type: 'market', quantity: '1' }),
    ).rejects.toMatchObject({ code: 'REJECTED', reason: 'MIN_NOTIONAL', exchangeCode: -4164 });
    // A limit order's notional is known before sending: refused locally, nothing sent.
    const before = sim.requests.length;
    await expect(
      setup.exchange.createOrder({
        symbol: 'ADA/USDC:USDC',
        side: 'buy',
        type: 'limit',
        quantity: '1',
        price: '0.44',
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sim.requests.length).toBe(before);
  });

  it('cancels both books and closes positions in pieces no larger than the market maximum', async () => {
    await open('long');
    await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '58000',
    });
    await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.010',
      price: '59000',
    });
    const canceled = await setup.exchange.cancelAllOrders({ symbol: BTC, rationale: 'flatten' });
    expect(canceled).toEqual({
      symbol: BTC,
      canceledOrders: 1,
      canceledConditionalOrders: 1,
      rationale: 'flatten',
    });
    expect(simState(sim).openOrders).toEqual([]);
    expect(simState(sim).openAlgoOrders).toEqual([]);
    const closed = await setup.exchange.closePosition({ symbol: BTC, rationale: 'flatten' });
    expect(closed).toMatchObject({ closedQuantity: '0.01', alreadyFlat: false, rationale: 'flatten' });
    expect(closed.orders[0]).toMatchObject({ reduceOnly: true, side: 'sell', status: 'filled' });
    expect(positionAmount(sim)).toBe(0);
    expect(await setup.exchange.closePosition({ symbol: BTC })).toMatchObject({ alreadyFlat: true });
  });

  it('cancels one order of each book, and reports an order that already fired', async () => {
    await open('long');
    const { order: stop } = await setup.exchange.createStopLossOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '59000',
      clientOrderId: 'protective-cancel-1',
    });
    const byClientId = await setup.exchange.cancelConditionalOrder({
      symbol: BTC,
      clientOrderId: 'protective-cancel-1',
    });
    expect(byClientId).toMatchObject({ id: stop.id, status: 'canceled' });
    const { order: target } = await setup.exchange.createTakeProfitOrder({
      symbol: BTC,
      positionSide: 'long',
      quantity: '0.010',
      triggerPrice: '60500',
      style: 'market',
    });
    sim.setMarketPrice('BTCUSDC', '60600.0');
    const late = await setup.exchange.cancelConditionalOrder({ symbol: BTC, id: target.id });
    expect(late.status).toBe('finished');
    const { order: limit } = await setup.exchange.createOrder({
      symbol: BTC,
      side: 'buy',
      type: 'limit',
      quantity: '0.010',
      price: '59000',
    });
    expect(await setup.exchange.cancelOrder({ symbol: BTC, id: limit.id })).toMatchObject({
      status: 'canceled',
    });
    expect(await setup.exchange.cancelOrder({ symbol: BTC, id: '999999' })).toMatchObject({
      status: 'not-found',
    });
  });

  it('reads positions, balances, fills, mark price and instruments as domain types', async () => {
    await open('short');
    const [position] = await setup.exchange.fetchPositions([BTC]);
    // Sold at market into the emulator's book: at its best bid, a tick under the last price.
    expect(position).toMatchObject({ symbol: BTC, side: 'short', quantity: '0.010', entryPrice: '59999.9' });
    const balances = await setup.exchange.fetchBalances();
    expect(balances.find((balance) => balance.asset === 'USDC')).toMatchObject({ asset: 'USDC' });
    const fills = await setup.exchange.fetchFills(BTC, { limit: 5 });
    expect(fills.at(-1)).toMatchObject({ symbol: BTC, side: 'sell', quantity: '0.010', price: '59999.9' });
    expect(await setup.exchange.fetchMarkPrice(BTC)).toBe('60000.0');
    const instrument = await setup.exchange.instrument(BTC);
    expect(instrument).toMatchObject({ id: 'BTCUSDC', tickSize: '0.1', stepSize: '0.001' });
    await expect(setup.exchange.instrument('NOPE/USDC:USDC')).rejects.toBeInstanceOf(InvalidRequestError);
    expect((await setup.exchange.instruments()).length).toBeGreaterThanOrEqual(10);
  });

  it('sets leverage and margin mode once, and only when they differ', async () => {
    const first = await setup.exchange.configureSymbol({
      symbol: 'ETH/USDC:USDC',
      leverage: 7,
      marginMode: 'isolated',
    });
    expect(first).toMatchObject({ leverage: 7, marginMode: 'isolated' });
    const before = sim.requests.length;
    await setup.exchange.configureSymbol({
      symbol: 'ETH/USDC:USDC',
      leverage: 7,
      marginMode: 'isolated',
      rationale: 'again',
    });
    expect(sim.requests.length).toBe(before);
    const config = () => sim.core.symbolConfig(sim.accounts[0]!.accountId, 'ETHUSDC')[0];
    expect(config()).toMatchObject({ leverage: 7, marginType: 'ISOLATED' });
    await setup.exchange.configureSymbol({ symbol: 'ETH/USDC:USDC', leverage: 9 });
    expect(config()).toMatchObject({ leverage: 9 });
    const back = await setup.exchange.configureSymbol({
      symbol: 'ETH/USDC:USDC',
      leverage: 7,
      marginMode: 'cross',
    });
    expect(back).toMatchObject({ leverage: 7, marginMode: 'cross' });
    expect(config()).toMatchObject({ leverage: 7, marginType: 'CROSSED' });
  });

  it('createExchange takes the config sections as they are and checks the position mode', async () => {
    const exchange = await createExchange({
      mode: 'paper',
      simUrl: sim.url,
      apiKey: sim.accounts[0]?.apiKey,
      apiSecret: sim.accounts[0]?.apiSecret,
      enableRateLimit: false,
      orders: { workingType: 'CONTRACT_PRICE', tpOrderStyle: 'market' },
      execution: {
        maxRetries: 2,
        backoffBaseMs: 100,
        backoffMaxMs: 1_000,
        requestTimeoutMs: 4_000,
        recvWindowMs: 6_000,
      },
    });
    expect(exchange.workingType).toBe('CONTRACT_PRICE');
    expect(exchange.takeProfitStyle).toBe('market');
    expect(exchange.executor.settings).toMatchObject({
      maxRetries: 2,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
    });
    expect(exchange.client.timeout).toBe(4_000);
    expect(exchange.client.options.recvWindow).toBe(6_000);
    expect(sim.requests.some((request) => request.path === '/fapi/v1/positionSide/dual')).toBe(true);
    expect(sim.requests.some((request) => request.path.startsWith('/sapi'))).toBe(false);
  });
});
