import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { proClient } from './ccxt-client';
import { postControl, privateSocket, useManualWorld } from './manual-world';
import type { RestClient } from './manual-world';
import { connect, payloadOf, pingPong, until } from './socket-client';

/**
 * What a bot's user-data socket sees when the exchange acts on its own (ADL, liquidation), when the stream
 * goes silent, and when someone else changes the account's settings; each checked against REST.
 */

const SYMBOL = 'BTC/USDC:USDC';

type RawClient = {
  fapiPrivateGetOrder(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  fapiPrivateGetUserTrades(params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  fapiPrivateGetSymbolConfig(params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  fapiPrivateV2GetPositionRisk(params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
};
const raw = (exchange: RestClient) => exchange as unknown as RawClient;

const kinds = (messages: readonly Record<string, unknown>[]) =>
  messages.map((message) => {
    const payload = payloadOf(message);
    return payload.e === 'ORDER_TRADE_UPDATE' ? `ORDER:${(payload.o as { x: string }).x}` : String(payload.e);
  });

describe('auto-deleveraging and liquidation as Binance reports them', () => {
  const world = useManualWorld({ sim: { accounts: [{}, { balances: { USDC: '100' } }] }, clients: [0, 1] });
  const sockets: WebSocket[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.terminate();
  });

  it('ADL: adl_autoclose NEW, its CALCULATED fill without fee, ACCOUNT_UPDATE ORDER; REST shows both', async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    sockets.push(socket);
    sim.setMarketPrice('BTCUSDC', '60000.0');
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.03);
    await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
    messages.length = 0;

    sim.setMarketPrice('BTCUSDC', '61000.0', '61200.0');
    const answer = await postControl(sim, '/_sim/adl', '{"symbol":"BTCUSDC","quantity":"0.010"}');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      clientOrderId: 'adl_autoclose',
      type: 'LIMIT',
      timeInForce: 'IOC',
      status: 'FILLED',
      side: 'SELL',
      executedQty: '0.010',
      avgPrice: '61200.0',
    });
    await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
    // No TRADE_LITE: Binance sends it for TRADE executions only.
    expect(kinds(messages)).toEqual(['ORDER:NEW', 'ORDER:CALCULATED', 'ACCOUNT_UPDATE']);
    const [created, filled, account] = messages;
    expect(created?.o).toMatchObject({
      c: 'adl_autoclose',
      o: 'LIQUIDATION',
      ot: 'LIQUIDATION',
      f: 'IOC',
      S: 'SELL',
      q: '0.010',
      X: 'NEW',
      i: answer.body.orderId,
    });
    // Realized at the mark: (61200 − 60000.1, the best ask it was bought at) × 0.01; no commission, so no
    // N/n (Binance omits them at 0).
    expect(filled?.o).toMatchObject({
      c: 'adl_autoclose',
      X: 'FILLED',
      l: '0.010',
      L: '61200.0',
      rp: '11.999',
    });
    expect(filled?.o).not.toHaveProperty('n');
    expect(account?.a).toMatchObject({ m: 'ORDER', P: [{ s: 'BTCUSDC', pa: '0.020', mt: 'cross' }] });

    const order = await raw(exchange).fapiPrivateGetOrder({
      symbol: 'BTCUSDC',
      orderId: answer.body.orderId,
    });
    expect(order).toMatchObject({ clientOrderId: 'adl_autoclose', type: 'LIMIT', status: 'FILLED' });
    const byClientId = await raw(exchange).fapiPrivateGetOrder({
      symbol: 'BTCUSDC',
      origClientOrderId: 'adl_autoclose',
    });
    expect(byClientId.orderId).toBe(answer.body.orderId);
    const trades = await raw(exchange).fapiPrivateGetUserTrades({ symbol: 'BTCUSDC' });
    expect(trades.at(-1)).toMatchObject({
      orderId: answer.body.orderId,
      side: 'SELL',
      qty: '0.010',
      price: '61200.0',
      commission: '0',
      realizedPnl: '11.999',
    });

    // Programmatically, without a quantity: the rest of the position.
    const rest = sim.autoDeleverage({ symbol: 'BTCUSDC' });
    expect(rest).toMatchObject({ clientOrderId: 'adl_autoclose', executedQty: '0.020', forcedClose: 'ADL' });
    expect(await exchange.fetchPositions([SYMBOL])).toEqual([]);
  });

  it('refuses a malformed or impossible ADL request with 400 and changes nothing', async () => {
    const { sim, exchange } = world;
    sim.setMarketPrice('BTCUSDC', '60000.0');
    expect((await postControl(sim, '/_sim/adl', '{"symbol":"BTCUSDC"}')).status).toBe(400); // flat
    await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
    const before = { state: sim.state(), sent: sim.streams.sentUserEvents.length };
    for (const body of [
      '{}',
      '{"symbol":"BTCUSDC","qty":"0.005"}',
      '{"symbol":"BTCUSDC","quantity":true}',
      '{"symbol":"BTCUSDC","quantity":"0.0105"}',
      '{"symbol":"BTCUSDC","quantity":"0.011"}',
      '{"symbol":"BTCUSDC","quantity":0}',
      '{"symbol":"NOPEUSDC"}',
      '{"symbol":"BTCUSDC","accountId":"account-9"}',
      '{"symbol":"BTCUSDC","accountId":7}',
      '[]',
    ]) {
      const answer = await postControl(sim, '/_sim/adl', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body, body).toEqual({ error: expect.any(String) });
    }
    expect(sim.state()).toEqual(before.state);
    expect(sim.streams.sentUserEvents.length).toBe(before.sent);
    // A number is accepted where a decimal string is.
    expect((await postControl(sim, '/_sim/adl', '{"symbol":"BTCUSDC","quantity":0.01}')).status).toBe(200);
  });

  it('liquidation: autoclose- NEW and its CALCULATED fill typed LIQUIDATION, which ccxt pro sees as one', async () => {
    const { sim } = world;
    const small = world.client(1);
    const { socket, messages } = await privateSocket(sim, small);
    sockets.push(socket);
    const pro = await proClient(sim, sim.accounts[1]);
    try {
      await pro.loadMarkets();
      sim.setMarketPrice('BTCUSDC', '60000.0');
      await small.setLeverage(20, SYMBOL);
      await small.createOrder(SYMBOL, 'market', 'buy', 0.03); // margin 90 of 100: liquidated near 56924
      await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
      const connectedBefore = sim.streams.connectionCount('private');
      const liquidations = pro.watchMyLiquidations(SYMBOL);
      await until(() => sim.streams.connectionCount('private') > connectedBefore);
      await pingPong(socket);
      messages.length = 0;

      sim.setMarketPrice('BTCUSDC', '56000.0');
      await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
      expect(kinds(messages)).toEqual(['ORDER:NEW', 'ORDER:CALCULATED', 'ACCOUNT_UPDATE']);
      const [created, filled, account] = messages;
      const clientOrderId = (created?.o as { c: string }).c;
      expect(clientOrderId).toMatch(/^autoclose-\d+$/);
      expect(created?.o).toMatchObject({
        o: 'LIQUIDATION',
        ot: 'LIQUIDATION',
        f: 'IOC',
        X: 'NEW',
        S: 'SELL',
      });
      expect(filled?.o).toMatchObject({ c: clientOrderId, X: 'FILLED', l: '0.030', L: '56000.0', N: 'USDC' });
      expect(account?.a).toMatchObject({ m: 'ORDER', P: [{ s: 'BTCUSDC', pa: '0.000' }] });
      const [liquidation] = await liquidations;
      expect(liquidation).toMatchObject({ symbol: SYMBOL, side: 'sell' });

      // Binance's REST records of a liquidation order say LIMIT IOC (ccxt's fetchMyLiquidations sample).
      const orderId = (created?.o as { i: number }).i;
      const order = await raw(small).fapiPrivateGetOrder({ symbol: 'BTCUSDC', orderId });
      expect(order).toMatchObject({
        clientOrderId,
        type: 'LIMIT',
        origType: 'LIMIT',
        timeInForce: 'IOC',
        reduceOnly: false,
        status: 'FILLED',
      });
    } finally {
      await pro.close();
    }
  });
});

describe('user-data silence fault', () => {
  const world = useManualWorld({ prices: { BTCUSDC: '60000.0' } });
  afterEach(() => {
    world.sim.clearFaults();
  });

  it('keeps the socket open and answering pings but sends nothing; REST still shows the fill', async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    const market = await connect(`${sim.wsUrl}/market/ws/btcusdc@markPrice@1s`);
    try {
      const refused = await postControl(sim, '/_sim/faults', '{"staleUserDataStreams":"yes"}');
      expect(refused.status).toBe(400);
      expect((await postControl(sim, '/_sim/faults', '{"staleUserDataStreams":true}')).status).toBe(200);
      const sentBefore = sim.streams.sentUserEvents.length;

      const order = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
      expect(order.status).toBe('closed');
      expect(await pingPong(socket)).toBe(true);
      expect(messages).toEqual([]);
      expect(socket.readyState).toBe(WebSocket.OPEN);
      expect(sim.streams.sentUserEvents.length).toBe(sentBefore);
      // The truth is on REST.
      const trades = await raw(exchange).fapiPrivateGetUserTrades({ symbol: 'BTCUSDC' });
      expect(trades.at(-1)).toMatchObject({ orderId: Number(order.id), qty: '0.010' });
      expect(await exchange.fetchPositions([SYMBOL])).toMatchObject([{ side: 'long', contracts: 0.01 }]);
      // Market streams are not part of this fault.
      sim.advance(2000);
      await until(() => market.messages.length > 0);

      // Once cleared, new events flow again; what happened meanwhile is not replayed.
      const cleared = await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
      expect(cleared.status).toBe(200);
      await exchange.setLeverage(8, SYMBOL);
      await until(() => messages.length > 0);
      expect(await pingPong(socket)).toBe(true);
      expect(messages).toEqual([
        expect.objectContaining({ e: 'ACCOUNT_CONFIG_UPDATE', ac: { s: 'BTCUSDC', l: 8 } }),
      ]);
    } finally {
      socket.terminate();
      market.socket.terminate();
    }
  });

  it('does not announce a listenKey expiry either while silent', async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    try {
      sim.injectFaults({ staleUserDataStreams: true });
      sim.expireListenKeys();
      expect(await pingPong(socket)).toBe(true);
      expect(messages).toEqual([]);
      sim.clearFaults();
      await exchange.createOrder(SYMBOL, 'market', 'sell', 0.01);
      expect(await pingPong(socket)).toBe(true);
      expect(messages).toEqual([]); // the key is gone: nothing reaches this socket any more
      await expect(
        (exchange as unknown as { fapiPrivatePutListenKey(): Promise<unknown> }).fapiPrivatePutListenKey(),
      ).rejects.toThrow(/-1125/);
    } finally {
      socket.terminate();
    }
  });
});

describe('settings changed by a second client with the same API key', () => {
  const world = useManualWorld({
    sim: { accounts: [{}, {}] },
    clients: [0, 0, 1],
    prices: { BTCUSDC: '60000.0' },
  });

  it('leverage: ACCOUNT_CONFIG_UPDATE on every socket of the account; margin type: ACCOUNT_UPDATE and REST', async () => {
    const { sim } = world;
    const [bot, user, otherAccount] = [world.client(0), world.client(1), world.client(2)];
    const raw1 = await privateSocket(sim, bot);
    const combined = await privateSocket(sim, user, true);
    const other = await privateSocket(sim, otherAccount);
    const sockets = [raw1.socket, combined.socket, other.socket];
    try {
      expect(combined.listenKey).toBe(raw1.listenKey); // POST returns the account's active key

      await user.setLeverage(9, SYMBOL);
      for (const { messages } of [raw1, combined]) {
        await until(() => messages.length > 0);
        expect(messages.map(payloadOf)).toEqual([
          expect.objectContaining({ e: 'ACCOUNT_CONFIG_UPDATE', ac: { s: 'BTCUSDC', l: 9 } }),
        ]);
      }
      expect((await bot.fetchLeverages([SYMBOL]))[SYMBOL]).toMatchObject({ longLeverage: 9 });

      await user.setMarginMode('isolated', SYMBOL);
      for (const { messages } of [raw1, combined]) {
        await until(() => messages.length > 1);
        expect(payloadOf(messages[1]!)).toMatchObject({
          e: 'ACCOUNT_UPDATE',
          a: {
            m: 'MARGIN_TYPE_CHANGE',
            B: [{ a: 'USDC' }],
            P: [{ s: 'BTCUSDC', pa: '0.000', mt: 'isolated', iw: '0' }],
          },
        });
      }
      expect(await pingPong(other.socket)).toBe(true);
      expect(other.messages).toEqual([]); // another account hears nothing

      const [config] = await raw(bot).fapiPrivateGetSymbolConfig({ symbol: 'BTCUSDC' });
      expect(config).toMatchObject({ symbol: 'BTCUSDC', marginType: 'ISOLATED', leverage: 9 });
      const [v2Row] = await raw(bot).fapiPrivateV2GetPositionRisk({ symbol: 'BTCUSDC' });
      expect(v2Row).toMatchObject({ marginType: 'isolated', leverage: '9' });
      expect(await bot.fetchMarginMode(SYMBOL)).toMatchObject({ marginMode: 'isolated' });
      // A position opened afterwards is isolated in v3 positionRisk, which is what ccxt's fetchPositions reads.
      await bot.createOrder(SYMBOL, 'market', 'buy', 0.01);
      expect(await bot.fetchPositions([SYMBOL])).toMatchObject([{ marginMode: 'isolated', contracts: 0.01 }]);
    } finally {
      for (const socket of sockets) socket.terminate();
    }
  });
});

describe('the expiry reason of ORDER_TRADE_UPDATE', () => {
  const world = useManualWorld({ prices: { BTCUSDC: '60000.0' } });

  it('sends `er` on every update: "0", or why it expired: MARKET unfilled 9, IOC 2, reduce-only 4', async () => {
    const { sim, exchange } = world;
    const { socket, messages } = await privateSocket(sim, exchange);
    try {
      const filled = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.01);
      sim.injectFaults({ partialFillRatio: 0.5 });
      const halfFilled = await exchange.createOrder(SYMBOL, 'market', 'buy', 0.02);
      const bestBid = (await exchange.fetchOrderBook(SYMBOL, 5)).bids[0]![0]!;
      const unfilledIoc = await exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, bestBid, {
        timeInForce: 'IOC',
      });
      const resting = await exchange.createOrder(SYMBOL, 'limit', 'sell', 0.01, bestBid + 500, {
        reduceOnly: true,
      });
      await exchange.createOrder(SYMBOL, 'market', 'sell', 0.02, undefined, { reduceOnly: true });
      await pingPong(socket);
      const reasons = (id: string | undefined) =>
        messages
          .map(payloadOf)
          .filter((payload) => payload.e === 'ORDER_TRADE_UPDATE')
          .map((payload) => payload.o as { i: number; x: string; er: string })
          .filter((update) => String(update.i) === id)
          .map((update) => `${update.x}:${update.er}`);
      expect(reasons(filled.id)).toEqual(['NEW:0', 'TRADE:0']);
      expect(reasons(halfFilled.id)).toEqual(['NEW:0', 'TRADE:0', 'EXPIRED:9']);
      expect(reasons(unfilledIoc.id)).toEqual(['NEW:0', 'EXPIRED:2']);
      // Nothing left to reduce once the position is closed.
      expect(reasons(resting.id)).toEqual(['NEW:0', 'EXPIRED:4']);
    } finally {
      socket.terminate();
    }
  });
});
