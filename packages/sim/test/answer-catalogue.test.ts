import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_CATALOGUE, ERROR_ANSWER, shapeDifferences } from '../src/server/answer-catalogue';
import { REST_ROUTES } from '../src/server/rest-routes';
import { startSim } from '../src/sim';
import type { Sim } from '../src/sim';

/**
 * Every REST route, driven over HTTP against an account with a position, a resting order, an algo order,
 * fills and a funding payment, answers exactly the keys and JSON kinds of Binance's answer (the catalogue
 * in src/server/answer-catalogue.ts). A new route without a catalogue entry fails here.
 */

type Params = Record<string, string | number | boolean>;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

let sim: Sim;

async function call(route: string, params: Params = {}): Promise<Answer> {
  const [method, path] = route.split(' ') as [string, string];
  const { apiKey, apiSecret } = sim.accounts[0]!;
  const security = REST_ROUTES[route]?.security ?? 'SIGNED';
  const query = new URLSearchParams(
    Object.entries(params).map(([name, value]): [string, string] => [name, String(value)]),
  );
  if (security === 'SIGNED') {
    query.set('timestamp', String(Date.now()));
    query.set('signature', createHmac('sha256', apiSecret).update(query.toString()).digest('hex'));
  }
  const response = await fetch(`${sim.url}${path}?${query.toString()}`, {
    method,
    headers: security === 'NONE' ? {} : { 'X-MBX-APIKEY': apiKey },
  });
  return { status: response.status, body: await response.json() };
}

async function ok(route: string, params: Params = {}): Promise<unknown> {
  const answer = await call(route, params);
  expect(answer.status, `${route} ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

describe('every route answers Binance’s keys and JSON kinds', () => {
  let limitId = 0;
  let algoId = 0;

  beforeAll(async () => {
    sim = await startSim({ speed: 'manual', historyMinutes: 30 });
    sim.advance(5 * 60_000);
    await ok('POST /fapi/v1/order', { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.010' });
    await ok('POST /fapi/v1/order', { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.004' });
    await ok('POST /fapi/v1/order', { symbol: 'ADAUSDT', side: 'BUY', type: 'MARKET', quantity: '100' });
    const mark = Number(sim.core.market('BTCUSDC').markPrice);
    const limit = (await ok('POST /fapi/v1/order', {
      symbol: 'BTCUSDC',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.002',
      price: (Math.floor(mark * 0.97 * 10) / 10).toFixed(1),
    })) as { orderId: number };
    limitId = limit.orderId;
    const algo = (await ok('POST /fapi/v1/algoOrder', {
      algoType: 'CONDITIONAL',
      symbol: 'BTCUSDC',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.002',
      triggerPrice: (Math.floor(mark * 0.9 * 10) / 10).toFixed(1),
      reduceOnly: true,
    })) as { algoId: number };
    algoId = algo.algoId;
    // A funding boundary with the position open: a FUNDING_FEE income row.
    const market = sim.core.market('BTCUSDC');
    sim.core.updateMarket({
      symbol: 'BTCUSDC',
      lastPrice: market.lastPrice,
      markPrice: market.markPrice,
      time: market.nextFundingTime,
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('matches the catalogue for each route, and every route has an entry', async () => {
    const mark = Number(sim.core.market('BTCUSDC').markPrice);
    const below = (factor: number) => (Math.floor(mark * factor * 10) / 10).toFixed(1);
    const requests: [string, Params][] = [
      ['GET /fapi/v1/ping', {}],
      ['GET /fapi/v1/time', {}],
      ['GET /fapi/v1/exchangeInfo', {}],
      ['GET /fapi/v1/premiumIndex', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/klines', { symbol: 'BTCUSDC', interval: '1m', limit: 5 }],
      ['GET /fapi/v1/ticker/24hr', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/ticker/price', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/ticker/bookTicker', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/depth', { symbol: 'BTCUSDC', limit: 5 }],
      ['GET /fapi/v1/aggTrades', { symbol: 'BTCUSDC', limit: 5 }],
      ['GET /fapi/v1/leverageBracket', {}],
      ['GET /fapi/v1/symbolConfig', {}],
      ['GET /fapi/v1/commissionRate', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/multiAssetsMargin', {}],
      ['GET /fapi/v3/account', {}],
      ['GET /fapi/v2/account', {}],
      ['GET /fapi/v3/balance', {}],
      ['GET /fapi/v2/balance', {}],
      ['GET /fapi/v3/positionRisk', {}],
      ['GET /fapi/v2/positionRisk', {}],
      ['GET /fapi/v1/positionSide/dual', {}],
      ['POST /fapi/v1/leverage', { symbol: 'ETHUSDC', leverage: 10 }],
      ['POST /fapi/v1/marginType', { symbol: 'ETHUSDC', marginType: 'ISOLATED' }],
      ['POST /fapi/v1/order', { symbol: 'BTCUSDC', side: 'BUY', type: 'MARKET', quantity: '0.001' }],
      ['GET /fapi/v1/order', { symbol: 'BTCUSDC', orderId: limitId }],
      ['GET /fapi/v1/openOrder', { symbol: 'BTCUSDC', orderId: limitId }],
      ['GET /fapi/v1/openOrders', { symbol: 'BTCUSDC' }],
      [
        'PUT /fapi/v1/order',
        { symbol: 'BTCUSDC', orderId: limitId, side: 'BUY', quantity: '0.003', price: below(0.96) },
      ],
      ['GET /fapi/v1/allOrders', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/userTrades', { symbol: 'BTCUSDC' }],
      ['GET /fapi/v1/income', {}],
      [
        'POST /fapi/v1/batchOrders',
        {
          batchOrders: JSON.stringify([
            {
              symbol: 'BTCUSDC',
              side: 'BUY',
              type: 'LIMIT',
              timeInForce: 'GTC',
              quantity: '0.002',
              price: below(0.95),
            },
          ]),
        },
      ],
      ['DELETE /fapi/v1/order', { symbol: 'BTCUSDC', orderId: limitId }],
      ['POST /fapi/v1/countdownCancelAll', { symbol: 'BTCUSDC', countdownTime: 0 }],
      ['GET /fapi/v1/algoOrder', { algoId }],
      ['GET /fapi/v1/openAlgoOrders', {}],
      ['GET /fapi/v1/allAlgoOrders', { symbol: 'BTCUSDC' }],
      [
        'POST /fapi/v1/algoOrder',
        {
          algoType: 'CONDITIONAL',
          symbol: 'BTCUSDC',
          side: 'SELL',
          type: 'STOP_MARKET',
          quantity: '0.002',
          triggerPrice: below(0.85),
          reduceOnly: true,
        },
      ],
      ['DELETE /fapi/v1/algoOrder', { algoId }],
      ['DELETE /fapi/v1/algoOpenOrders', { symbol: 'BTCUSDC' }],
      ['DELETE /fapi/v1/allOpenOrders', { symbol: 'BTCUSDC' }],
      ['POST /fapi/v1/listenKey', {}],
      ['PUT /fapi/v1/listenKey', {}],
      ['DELETE /fapi/v1/listenKey', {}],
      ['GET /sapi/v1/account/apiRestrictions', {}],
    ];
    const differences: string[] = [];
    for (const [route, params] of requests) {
      if (route === 'DELETE /fapi/v1/order') {
        // The batch's order rests too: cancel both, the second through DELETE batchOrders.
        const open = (await ok('GET /fapi/v1/openOrders', { symbol: 'BTCUSDC' })) as { orderId: number }[];
        const other = open.map((order) => order.orderId).filter((id) => id !== limitId);
        const batch = await ok('DELETE /fapi/v1/batchOrders', {
          symbol: 'BTCUSDC',
          orderIdList: JSON.stringify(other),
        });
        expect((batch as unknown[]).length).toBe(other.length);
        differences.push(
          ...shapeDifferences(
            batch,
            ANSWER_CATALOGUE['DELETE /fapi/v1/batchOrders']!,
            'DELETE /fapi/v1/batchOrders',
          ),
        );
      }
      const body = await ok(route, params);
      if (
        Array.isArray(body) &&
        route !== 'GET /fapi/v1/openAlgoOrders' &&
        route !== 'GET /fapi/v1/allAlgoOrders'
      ) {
        expect(body.length, `${route} answers rows`).toBeGreaterThan(0);
      }
      differences.push(...shapeDifferences(body, ANSWER_CATALOGUE[route]!, route));
    }
    expect(differences).toEqual([]);

    const covered = new Set([...requests.map(([route]) => route), 'DELETE /fapi/v1/batchOrders']);
    // POST positionSide/dual never succeeds (one-way mode only): its refusals are checked below.
    covered.add('POST /fapi/v1/positionSide/dual');
    expect([...covered].sort()).toEqual(Object.keys(REST_ROUTES).sort());
    expect(Object.keys(ANSWER_CATALOGUE).sort()).toEqual(Object.keys(REST_ROUTES).sort());
  });

  it('answers v2 shapes on v2 paths and each symbol its own margin asset', async () => {
    const v2 = (await ok('GET /fapi/v2/positionRisk', { symbol: 'BTCUSDC' })) as Record<string, unknown>[];
    expect(v2[0]).toMatchObject({ symbol: 'BTCUSDC', leverage: expect.any(String), marginType: 'cross' });
    expect(v2[0]).not.toHaveProperty('marginAsset');
    const v3 = (await ok('GET /fapi/v3/positionRisk', {})) as Record<string, unknown>[];
    expect(v3.find((row) => row.symbol === 'ADAUSDT')?.marginAsset).toBe('USDT');
    expect(v3.find((row) => row.symbol === 'BTCUSDC')?.marginAsset).toBe('USDC');
    const balances = (await ok('GET /fapi/v2/balance', {})) as Record<string, unknown>[];
    const account = (await ok('GET /fapi/v3/account', {})) as { assets: Record<string, unknown>[] };
    const usdc = account.assets.find((asset) => asset.asset === 'USDC')!;
    expect(balances.find((row) => row.asset === 'USDC')).toMatchObject({
      balance: usdc.walletBalance,
      crossWalletBalance: usdc.crossWalletBalance,
      availableBalance: usdc.availableBalance,
      maxWithdrawAmount: usdc.maxWithdrawAmount,
    });
    const v2Account = (await ok('GET /fapi/v2/account', {})) as { positions: Record<string, unknown>[] };
    expect(v2Account.positions.length).toBe(sim.core.instruments().length);
    expect(v2Account.positions.find((row) => row.symbol === 'BTCUSDC')).toMatchObject({
      isolated: false,
      positionAmt: expect.stringMatching(/^0\.0\d\d$/),
    });
  });

  it('refuses bad input in Binance’s error shape', async () => {
    const refusals: [string, Params, number][] = [
      ['POST /fapi/v1/positionSide/dual', { dualSidePosition: false }, -4059],
      ['POST /fapi/v1/positionSide/dual', { dualSidePosition: true }, -4068],
      ['GET /fapi/v1/income', { incomeType: 'NOPE' }, -1130],
      ['GET /fapi/v1/income', { limit: 1001 }, -1130],
      ['GET /fapi/v1/allOrders', {}, -1102],
      ['POST /fapi/v1/batchOrders', { batchOrders: 'not json' }, -1130],
      ['POST /fapi/v1/batchOrders', { batchOrders: JSON.stringify(new Array(6).fill({})) }, -1130],
      ['DELETE /fapi/v1/batchOrders', { symbol: 'BTCUSDC' }, -1102],
      [
        'PUT /fapi/v1/order',
        { symbol: 'BTCUSDC', orderId: 1, side: 'BUY', quantity: '0.001', price: '1' },
        -2013,
      ],
      ['PUT /fapi/v1/order', { symbol: 'BTCUSDC', orderId: 1, side: 'BUY', price: '1' }, -1102],
      ['POST /fapi/v1/countdownCancelAll', { symbol: 'BTCUSDC' }, -1102],
      ['POST /fapi/v1/countdownCancelAll', { symbol: 'BTCUSDC', countdownTime: 2 ** 31 }, -1130],
      ['GET /fapi/v1/commissionRate', { symbol: 'NOPE' }, -1121],
    ];
    for (const [route, params, code] of refusals) {
      const answer = await call(route, params);
      expect(answer.status, route).toBe(400);
      expect(shapeDifferences(answer.body, ERROR_ANSWER)).toEqual([]);
      expect((answer.body as { code: number }).code, `${route} ${JSON.stringify(params)}`).toBe(code);
    }
    // An item the batch refuses is answered in place, the others are placed.
    const mark = Number(sim.core.market('BTCUSDC').markPrice);
    const batch = (await ok('POST /fapi/v1/batchOrders', {
      batchOrders: JSON.stringify([
        { symbol: 'BTCUSDC', side: 'SELL', type: 'MARKET', quantity: '0.001', reduceOnly: 'true' },
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'LIMIT',
          timeInForce: 'GTC',
          quantity: '0.001',
          price: '100.0',
        },
        {
          symbol: 'BTCUSDC',
          side: 'BUY',
          type: 'LIMIT',
          timeInForce: 'GTX',
          quantity: '0.002',
          price: (mark * 2).toFixed(1),
        },
      ]),
    })) as Record<string, unknown>[];
    expect(batch[0]).toMatchObject({ status: 'FILLED', reduceOnly: true });
    expect(batch[1]).toMatchObject({ code: -4164 });
    expect(Object.keys(batch[1]!)).toEqual(['code', 'msg']);
    expect(batch[2]).toMatchObject({ code: expect.any(Number) });
  });
});
