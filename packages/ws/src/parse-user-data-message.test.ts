import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUserDataMessage } from './parse-user-data-message';

const order = {
  e: 'ORDER_TRADE_UPDATE',
  E: 1_568_879_465_651,
  T: 1_568_879_465_650,
  o: {
    s: 'BTCUSDC',
    c: 'TEST',
    S: 'SELL',
    o: 'TRAILING_STOP_MARKET',
    f: 'GTC',
    q: '0.001',
    p: '0',
    ap: '0',
    sp: '7103.04',
    x: 'NEW',
    X: 'NEW',
    i: 8_886_774,
    l: '0',
    z: '0',
    L: '0',
    N: 'USDC',
    n: '0',
    T: 1_568_879_465_650,
    t: 0,
    b: '0',
    a: '9.91',
    m: false,
    R: false,
    wt: 'CONTRACT_PRICE',
    ot: 'TRAILING_STOP_MARKET',
    ps: 'LONG',
    cp: false,
    AP: '7476.89',
    cr: '5.0',
    pP: false,
    si: 0,
    ss: 0,
    rp: '0',
    V: 'EXPIRE_TAKER',
    pm: 'OPPONENT',
    gtd: 0,
  },
};
const account = {
  e: 'ACCOUNT_UPDATE',
  E: 1_564_745_798_939,
  T: 1_564_745_798_938,
  a: {
    m: 'ORDER',
    B: [{ a: 'USDC', wb: '122624.12345678', cw: '100.12345678', bc: '50.12345678' }],
    P: [
      {
        s: 'BTCUSDC',
        pa: '0',
        ep: '0.00000',
        bep: '0',
        cr: '200',
        up: '0',
        mt: 'isolated',
        iw: '0.00000000',
        ps: 'BOTH',
      },
    ],
  },
};
const algo = {
  e: 'ALGO_UPDATE',
  T: 1_750_515_742_297,
  E: 1_750_515_742_303,
  o: {
    caid: 'Q5xaq5EGKgXXa0fD7fs0Ip',
    aid: 2148719,
    at: 'CONDITIONAL',
    o: 'TAKE_PROFIT',
    s: 'BNBUSDC',
    S: 'SELL',
    ps: 'BOTH',
    f: 'GTC',
    q: '0.01',
    X: 'CANCELED',
    ai: '',
    ap: '0.00000',
    aq: '0.00000',
    act: '0',
    tp: '750',
    p: '750',
    V: 'EXPIRE_MAKER',
    wt: 'CONTRACT_PRICE',
    pm: 'NONE',
    cp: false,
    pP: false,
    R: false,
    tt: 0,
    gtd: 0,
    rm: 'Reduce Only reject',
  },
};
const tradeLite = {
  e: 'TRADE_LITE',
  E: 1_721_895_408_092,
  T: 1_721_895_408_214,
  s: 'BTCUSDC',
  q: '0.001',
  p: '0',
  m: false,
  c: 'z8hcUoOsqEdKMeKPSABslD',
  S: 'BUY',
  L: '64089.20',
  l: '0.040',
  t: 109_100_866,
  i: 8_886_774,
};
const marginCall = {
  e: 'MARGIN_CALL',
  E: 1_587_727_187_525,
  cw: '3.16812045',
  p: [
    {
      s: 'ETHUSDC',
      ps: 'LONG',
      pa: '1.327',
      mt: 'CROSSED',
      iw: '0',
      mp: '187.17127',
      up: '-1.166074',
      mm: '1.614445',
    },
  ],
};
const config = {
  e: 'ACCOUNT_CONFIG_UPDATE',
  E: 1_611_646_737_479,
  T: 1_611_646_737_476,
  ac: { s: 'BTCUSDC', l: 25 },
};
const expired = {
  e: 'listenKeyExpired',
  E: '1736996475556',
  listenKey: 'WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv',
};
const valid = [order, account, algo, tradeLite, marginCall, config, expired];

describe('parseUserDataMessage', () => {
  it('parses Binance documentation payloads into typed events', () => {
    expect(parseUserDataMessage(JSON.stringify(order))).toMatchObject({
      type: 'orderUpdate',
      eventTime: order.E,
      transactionTime: order.T,
      symbol: 'BTCUSDC',
      side: 'SELL',
      executionType: 'NEW',
      orderStatus: 'NEW',
      orderId: 8_886_774,
      commissionAsset: 'USDC',
      commission: '0',
      positionSide: 'LONG',
      isLiquidation: false,
    });
    expect(parseUserDataMessage(JSON.stringify(account))).toMatchObject({
      type: 'accountUpdate',
      reason: 'ORDER',
      balances: [
        {
          asset: 'USDC',
          walletBalance: '122624.12345678',
          crossWalletBalance: '100.12345678',
          balanceChange: '50.12345678',
        },
      ],
      positions: [
        { symbol: 'BTCUSDC', positionAmount: '0', marginType: 'isolated', accumulatedRealized: '200' },
      ],
    });
    expect(parseUserDataMessage(JSON.stringify(algo))).toMatchObject({
      type: 'algoUpdate',
      algoId: 2148719,
      algoStatus: 'CANCELED',
      actualOrderId: undefined,
      triggerPrice: '750',
      rejectReason: 'Reduce Only reject',
    });
    expect(parseUserDataMessage(JSON.stringify(tradeLite))).toMatchObject({
      type: 'tradeLite',
      tradeId: 109_100_866,
      lastFilledPrice: '64089.20',
      lastFilledQuantity: '0.040',
    });
    expect(parseUserDataMessage(JSON.stringify(marginCall))).toMatchObject({
      type: 'marginCall',
      crossWalletBalance: '3.16812045',
      positions: [{ symbol: 'ETHUSDC', maintenanceMargin: '1.614445' }],
    });
    expect(parseUserDataMessage(JSON.stringify(config))).toMatchObject({
      type: 'accountConfigUpdate',
      leverage: { symbol: 'BTCUSDC', leverage: 25 },
      multiAssetsMode: undefined,
    });
    expect(
      parseUserDataMessage(JSON.stringify({ e: 'ACCOUNT_CONFIG_UPDATE', E: 1, T: 1, ai: { j: true } })),
    ).toMatchObject({
      leverage: undefined,
      multiAssetsMode: true,
    });
    // `E` is a string in Binance's listenKeyExpired.
    expect(parseUserDataMessage(JSON.stringify(expired))).toEqual({
      type: 'listenKeyExpired',
      source: 'stream',
      eventTime: 1_736_996_475_556,
      listenKey: expired.listenKey,
    });
  });

  it('flags liquidations and auto-deleveraging by client id, and accepts an omitted commission', () => {
    const { N: _asset, n: _amount, ...withoutCommission } = order.o;
    const liquidation = { ...order, o: { ...withoutCommission, c: 'autoclose-1610000000', x: 'CALCULATED' } };
    expect(parseUserDataMessage(JSON.stringify(liquidation))).toMatchObject({
      isLiquidation: true,
      commission: undefined,
      commissionAsset: undefined,
    });
    const adl = { ...order, o: { ...order.o, c: 'adl_autoclose' } };
    expect(parseUserDataMessage(JSON.stringify(adl))).toMatchObject({ isAutoDeleveraging: true });
  });

  it('counts unknown events apart from malformed ones', () => {
    expect(parseUserDataMessage('{"e":"GRID_UPDATE","E":1}')).toEqual({
      type: 'unknown',
      eventType: 'GRID_UPDATE',
    });
    expect(parseUserDataMessage(JSON.stringify({ ...order, o: { ...order.o, i: '8886774' } })).type).toBe(
      'malformed',
    );
    expect(
      parseUserDataMessage(JSON.stringify({ ...account, a: { ...account.a, P: [{ s: 'X' }] } })).type,
    ).toBe('malformed');
  });

  it('never throws and never accepts a truncated frame (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(() => parseUserDataMessage(text)).not.toThrow();
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), (payload, cut) => {
        const text = JSON.stringify(payload);
        expect(parseUserDataMessage(text.slice(0, cut % text.length)).type).toBe('malformed');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.jsonValue(), (payload, noise) => {
        // Arbitrary JSON where the payload's main object or list goes.
        const key = Object.keys(payload).find((name) => ['o', 'a', 'p', 'ac'].includes(name));
        fc.pre(key !== undefined);
        expect(() =>
          parseUserDataMessage(JSON.stringify({ ...payload, [key as string]: noise })),
        ).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
