import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';
import { restClient } from './ccxt-client';
import { connect, payloadOf, pingPong, until } from './socket-client';

/**
 * Somebody acting on the account on Binance's website while the bot runs (`POST /_sim/user`,
 * `sim.actAsUser`): each action must reach the user-data socket as exactly the events Binance sends for
 * it, and show on REST.
 */

const SYMBOL = 'BTC/USDC:USDC';
type RestClient = ReturnType<typeof restClient>;

async function act(sim: Sim, body: unknown) {
  const answer = await fetch(`${sim.url}/_sim/user`, { method: 'POST', body: JSON.stringify(body) });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

const kinds = (messages: readonly Record<string, unknown>[]) =>
  messages.map((message) => {
    const payload = payloadOf(message);
    return payload.e === 'ORDER_TRADE_UPDATE' ? `ORDER:${(payload.o as { x: string }).x}` : String(payload.e);
  });

describe('the user acts on the exchange', () => {
  let sim: Sim;
  let exchange: RestClient;
  let socket: WebSocket;
  let messages: Record<string, unknown>[];

  /** Waits until the socket has everything sent so far, then returns it and starts afresh. */
  async function received(): Promise<Record<string, unknown>[]> {
    await pingPong(socket);
    const payloads = messages.map(payloadOf);
    messages.length = 0;
    return payloads;
  }

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 5, seed: 11 });
    exchange = restClient(sim);
    await exchange.loadMarkets();
    sim.setMarketPrice('BTCUSDC', '60000.0');
    const { listenKey } = await (
      exchange as unknown as { fapiPrivatePostListenKey(): Promise<{ listenKey: string }> }
    ).fapiPrivatePostListenKey();
    ({ socket, messages } = await connect(`${sim.wsUrl}/private/ws?listenKey=${listenKey}`));
  });
  afterAll(async () => {
    socket.terminate();
    await sim.close();
  });

  it('opens a position at market with a web_ client id: NEW, TRADE, TRADE_LITE, ACCOUNT_UPDATE', async () => {
    const answer = await act(sim, {
      action: 'openPosition',
      symbol: 'BTCUSDC',
      side: 'BUY',
      quantity: '0.02',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      action: 'openPosition',
      order: { status: 'FILLED', executedQty: '0.020' },
    });
    const clientOrderId = (answer.body.order as { clientOrderId: string }).clientOrderId;
    expect(clientOrderId).toMatch(/^web_[A-Za-z0-9]{20}$/);
    await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
    const payloads = await received();
    expect(kinds(payloads)).toEqual(['ORDER:NEW', 'ORDER:TRADE', 'TRADE_LITE', 'ACCOUNT_UPDATE']);
    expect(payloads[1]?.o).toMatchObject({ c: clientOrderId, o: 'MARKET', S: 'BUY', R: false });
    expect(payloads[3]?.a).toMatchObject({ m: 'ORDER', P: [{ s: 'BTCUSDC', pa: '0.020' }] });
    expect(await exchange.fetchPositions([SYMBOL])).toMatchObject([{ side: 'long', contracts: 0.02 }]);
  });

  it('cancels a given, or a random, stop-loss or take-profit: ALGO_UPDATE CANCELED and nothing else', async () => {
    const stop = await exchange.createOrder(SYMBOL, 'STOP_MARKET', 'sell', 0.02, undefined, {
      stopPrice: 58000,
      reduceOnly: true,
    });
    const takeProfit = await exchange.createOrder(SYMBOL, 'TAKE_PROFIT_MARKET', 'sell', 0.02, undefined, {
      stopPrice: 62000,
      reduceOnly: true,
    });
    await received();

    const byKind = await act(sim, { action: 'cancelProtection', kind: 'takeProfit' });
    expect(byKind.body).toMatchObject({
      algoOrder: { algoId: Number(takeProfit.id), orderType: 'TAKE_PROFIT_MARKET', algoStatus: 'CANCELED' },
    });
    const cancelEvents = await received();
    expect(kinds(cancelEvents)).toEqual(['ALGO_UPDATE']);
    expect(cancelEvents[0]?.o).toMatchObject({ aid: Number(takeProfit.id), X: 'CANCELED' });

    const given = await act(sim, { action: 'cancelProtection', algoId: Number(takeProfit.id) });
    expect(given.status).toBe(400); // no longer open
    const random = await act(sim, { action: 'cancelProtection', symbol: 'BTCUSDC' });
    expect(random.body).toMatchObject({ algoOrder: { algoId: Number(stop.id), algoStatus: 'CANCELED' } });
    expect(kinds(await received())).toEqual(['ALGO_UPDATE']);
    expect(await exchange.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toEqual([]);
    expect((await act(sim, { action: 'cancelProtection' })).status).toBe(400); // none left
  });

  it('changes leverage: ACCOUNT_CONFIG_UPDATE only', async () => {
    const answer = await act(sim, { action: 'setLeverage', symbol: 'BTCUSDC', leverage: 7 });
    expect(answer.body).toMatchObject({ leverage: { symbol: 'BTCUSDC', leverage: 7 } });
    expect(await received()).toEqual([
      expect.objectContaining({ e: 'ACCOUNT_CONFIG_UPDATE', ac: { s: 'BTCUSDC', l: 7 } }),
    ]);
    expect((await exchange.fetchLeverages([SYMBOL]))[SYMBOL]).toMatchObject({ longLeverage: 7 });
  });

  it('moves margin out: ACCOUNT_UPDATE WITHDRAW with the change in bc; more than is free is refused', async () => {
    const walletBefore = Number(
      (sim.state().assets as { asset: string; walletBalance: string }[]).find((row) => row.asset === 'USDC')
        ?.walletBalance,
    );
    const answer = await act(sim, { action: 'withdraw', asset: 'USDC', amount: '100' });
    expect(answer.status).toBe(200);
    const [update] = await received();
    expect(update).toMatchObject({
      e: 'ACCOUNT_UPDATE',
      a: { m: 'WITHDRAW', B: [{ a: 'USDC', bc: '-100' }], P: [] },
    });
    const [row] = (update?.a as { B: { wb: string; cw: string }[] }).B;
    expect(Number(row?.wb)).toBeCloseTo(walletBefore - 100, 8);
    expect(row?.cw).toBe(row?.wb);
    // ccxt's total is the margin balance: the wallet plus the unrealized PnL (bought at the best ask).
    const unrealized = Number(
      (sim.state().assets as { asset: string; unrealizedProfit: string }[]).find(
        (row) => row.asset === 'USDC',
      )?.unrealizedProfit,
    );
    const balance = await exchange.fetchBalance();
    expect(balance.USDC?.total).toBeCloseTo(walletBefore - 100 + unrealized, 6);

    const tooMuch = await act(sim, { action: 'withdraw', asset: 'USDC', amount: String(walletBefore) });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatch(/exceeds the withdrawable/);
    expect(await received()).toEqual([]);
  });

  it('refuses a margin type change while a position is open (-4048), then closes the position at market', async () => {
    const refused = await act(sim, { action: 'setMarginType', symbol: 'BTCUSDC', marginType: 'ISOLATED' });
    expect(refused).toMatchObject({ status: 400, body: { error: expect.stringMatching(/-4048/) } });
    expect(await received()).toEqual([]);

    const closed = await act(sim, { action: 'closePosition', symbol: 'BTCUSDC' });
    expect(closed.body).toMatchObject({
      order: { side: 'SELL', reduceOnly: true, executedQty: '0.020', status: 'FILLED' },
    });
    await until(() => kinds(messages).includes('ACCOUNT_UPDATE'));
    const payloads = await received();
    expect(kinds(payloads)).toEqual(['ORDER:NEW', 'ORDER:TRADE', 'TRADE_LITE', 'ACCOUNT_UPDATE']);
    expect(payloads[1]?.o).toMatchObject({ c: expect.stringMatching(/^web_/), R: true });
    expect(payloads[3]?.a).toMatchObject({ m: 'ORDER', P: [{ s: 'BTCUSDC', pa: '0.000' }] });
    expect(await exchange.fetchPositions([SYMBOL])).toEqual([]);
    expect((await act(sim, { action: 'closePosition', symbol: 'BTCUSDC' })).status).toBe(400); // flat
  });

  it('changes the margin type when flat: ACCOUNT_UPDATE MARGIN_TYPE_CHANGE', async () => {
    const answer = await act(sim, { action: 'setMarginType', symbol: 'BTCUSDC', marginType: 'ISOLATED' });
    expect(answer.body).toMatchObject({ symbolConfig: { symbol: 'BTCUSDC', marginType: 'ISOLATED' } });
    const [update] = await received();
    expect(update).toMatchObject({
      e: 'ACCOUNT_UPDATE',
      a: { m: 'MARGIN_TYPE_CHANGE', P: [{ s: 'BTCUSDC', pa: '0.000', mt: 'isolated' }] },
    });
    expect(await exchange.fetchMarginMode(SYMBOL)).toMatchObject({ marginMode: 'isolated' });
  });

  it('refuses malformed requests with 400 and changes nothing', async () => {
    const before = { state: sim.state(), sent: sim.streams.sentUserEvents.length };
    for (const body of [
      {},
      [],
      { action: 'deposit', asset: 'USDC', amount: '1' },
      { action: 'openPosition', symbol: 'BTCUSDC', side: 'buy', quantity: '0.01' },
      { action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY' },
      { action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '0.01', price: '1' },
      { action: 'openPosition', symbol: 'NOPEUSDC', side: 'BUY', quantity: '0.01' },
      { action: 'openPosition', symbol: 'BTCUSDC', side: 'BUY', quantity: '1000' }, // -2019 margin
      { action: 'closePosition', symbol: 'BTCUSDC', quantity: true },
      { action: 'cancelProtection', kind: 'stop' },
      { action: 'cancelProtection', algoId: '1' },
      { action: 'setLeverage', symbol: 'BTCUSDC', leverage: 2.5 },
      { action: 'setLeverage', symbol: 'BTCUSDC', leverage: 500 },
      { action: 'setMarginType', symbol: 'BTCUSDC', marginType: 'cross' },
      { action: 'withdraw', asset: 'USDC', amount: '-5' },
      { action: 'withdraw', asset: 'DOGE', amount: '5' },
      { action: 'withdraw', asset: 'USDC', amount: '5', accountId: 'account-9' },
    ]) {
      const answer = await act(sim, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body, JSON.stringify(body)).toEqual({ error: expect.any(String) });
    }
    expect(sim.state()).toEqual(before.state);
    expect(sim.streams.sentUserEvents.length).toBe(before.sent);
  });
});

describe('user actions are seeded', () => {
  it('picks the same random stop and the same web_ client id for the same seed', async () => {
    const picks: unknown[] = [];
    for (let run = 0; run < 2; run += 1) {
      const sim = await startSim({ speed: 'manual', historyMinutes: 5, seed: 3 });
      try {
        sim.setMarketPrice('BTCUSDC', '60000.0');
        const { order } = sim.actAsUser({
          action: 'openPosition',
          symbol: 'BTCUSDC',
          side: 'SELL',
          quantity: '0.01',
        }) as { order: { clientOrderId: string } };
        const accountId = sim.accounts[0]!.accountId;
        for (const triggerPrice of ['61000.0', '62000.0', '63000.0', '64000.0']) {
          sim.core.placeAlgoOrder(
            accountId,
            {
              symbol: 'BTCUSDC',
              side: 'BUY',
              type: 'STOP_MARKET',
              triggerPrice,
              quantity: '0.01',
              reduceOnly: true,
            },
            sim.marketTime(),
          );
        }
        const canceled = sim.actAsUser({ action: 'cancelProtection', kind: 'stopLoss' });
        picks.push([order.clientOrderId, canceled]);
      } finally {
        await sim.close();
      }
    }
    expect(picks[1]).toEqual(picks[0]);
  });
});
