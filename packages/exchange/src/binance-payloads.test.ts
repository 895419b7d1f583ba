import { describe, expect, it } from 'vitest';
import {
  parseBalances,
  parseConditionalOrder,
  parseFill,
  parseOrder,
  parsePosition,
  parseSymbolConfig,
} from './binance-payloads';
import { UnexpectedResponseError } from './errors';

const order = {
  orderId: 5001,
  symbol: 'BTCUSDC',
  status: 'FILLED',
  clientOrderId: 'bot-x',
  price: '0',
  avgPrice: '61000.0',
  origQty: '0.010',
  executedQty: '0.010',
  cumQuote: '610.0',
  timeInForce: 'GTC',
  type: 'MARKET',
  reduceOnly: false,
  closePosition: false,
  side: 'BUY',
  positionSide: 'BOTH',
  updateTime: 1750000000000,
};

const algo = {
  algoId: 1001,
  clientAlgoId: 'bot-s1',
  algoType: 'CONDITIONAL',
  orderType: 'STOP_MARKET',
  symbol: 'BTCUSDC',
  side: 'SELL',
  positionSide: 'BOTH',
  quantity: '0.010',
  algoStatus: 'NEW',
  triggerPrice: '55000.0',
  price: '0',
  workingType: 'MARK_PRICE',
  closePosition: false,
  reduceOnly: true,
  actualOrderId: '',
  createTime: 1750485492076,
  updateTime: 1750485492076,
};

describe('Binance payloads → domain types', () => {
  it('reads an order with exact decimal strings', () => {
    expect(parseOrder(order, 'test')).toEqual({
      id: '5001',
      clientOrderId: 'bot-x',
      symbol: 'BTC/USDC:USDC',
      side: 'buy',
      type: 'market',
      status: 'filled',
      quantity: '0.010',
      filledQuantity: '0.010',
      price: undefined,
      averagePrice: '61000.0',
      reduceOnly: false,
      closePosition: false,
      timeInForce: 'GTC',
      updatedAt: 1750000000000,
    });
    expect(
      parseOrder(
        { ...order, status: 'NEW', type: 'LIMIT', price: '60000.0', executedQty: '0', avgPrice: '0.0' },
        'test',
      ),
    ).toMatchObject({ status: 'open', type: 'limit', price: '60000.0', averagePrice: undefined });
  });

  it("recognises the exchange's liquidation and ADL orders (GET /fapi/v1/forceOrders examples)", () => {
    const liquidation = {
      ...order,
      clientOrderId: 'autoclose-1596107620040000020',
      type: 'LIMIT',
      origType: 'LIMIT',
      timeInForce: 'IOC',
      side: 'SELL',
      price: '10871.09',
    };
    const adl = { ...liquidation, clientOrderId: 'adl_autoclose', timeInForce: 'GTC', side: 'BUY' };
    expect(parseOrder(liquidation, 'test').closedBy).toBe('liquidation');
    expect(parseOrder(adl, 'test').closedBy).toBe('adl');
    expect(parseOrder({ ...order, type: 'LIQUIDATION', origType: 'LIQUIDATION' }, 'test').closedBy).toBe(
      'liquidation',
    );
    expect(parseOrder(order, 'test')).not.toHaveProperty('closedBy');
  });

  it('reads conditional orders of every type', () => {
    expect(parseConditionalOrder(algo, 'test')).toMatchObject({
      id: '1001',
      clientOrderId: 'bot-s1',
      type: 'stop-market',
      purpose: 'stop-loss',
      status: 'open',
      quantity: '0.010',
      price: undefined,
      triggeredOrderId: undefined,
      workingType: 'MARK_PRICE',
    });
    expect(
      parseConditionalOrder(
        { ...algo, orderType: 'TAKE_PROFIT', price: '63000.0', algoStatus: 'FINISHED', actualOrderId: 77 },
        'test',
      ),
    ).toMatchObject({
      type: 'take-profit-limit',
      purpose: 'take-profit',
      price: '63000.0',
      status: 'finished',
      triggeredOrderId: '77',
    });
    expect(
      parseConditionalOrder({ ...algo, closePosition: true, quantity: '0', reduceOnly: false }, 'test'),
    ).toMatchObject({
      closePosition: true,
      quantity: undefined,
    });
  });

  it('reads positions with the side from the sign, and skips flat rows', () => {
    const row = {
      symbol: 'ETHUSDT',
      positionAmt: '-0.500',
      entryPrice: '3000.0',
      markPrice: '3010.0',
      unRealizedProfit: '-5',
      liquidationPrice: '0',
      isolatedMargin: '300',
      updateTime: 1,
    };
    expect(parsePosition(row, 'test')).toMatchObject({
      symbol: 'ETH/USDT:USDT',
      side: 'short',
      quantity: '0.500',
      liquidationPrice: undefined,
      marginMode: 'isolated',
      unrealizedPnl: '-5',
    });
    expect(parsePosition({ ...row, positionAmt: '0.000' }, 'test')).toBeUndefined();
  });

  it('reads balances, fills and symbol settings', () => {
    expect(
      parseBalances(
        { assets: [{ asset: 'USDC', walletBalance: '1000', availableBalance: '900', initialMargin: '100' }] },
        'test',
      ),
    ).toEqual([
      expect.objectContaining({
        asset: 'USDC',
        walletBalance: '1000',
        availableBalance: '900',
        marginBalance: '1000',
      }),
    ]);
    expect(
      parseFill(
        {
          id: 1,
          orderId: 2,
          symbol: 'BTCUSDC',
          side: 'SELL',
          price: '1',
          qty: '2',
          realizedPnl: '-0.5',
          maker: true,
          time: 3,
        },
        'test',
      ),
    ).toMatchObject({ id: '1', orderId: '2', side: 'sell', realizedPnl: '-0.5', maker: true });
    expect(parseSymbolConfig({ symbol: 'BTCUSDC', marginType: 'CROSSED', leverage: 20 }, 'test')).toEqual({
      symbol: 'BTC/USDC:USDC',
      marginMode: 'cross',
      leverage: 20,
    });
  });

  it('refuses payloads that do not fit, naming the field', () => {
    expect(() => parseOrder({ ...order, origQty: 'lots' }, 'createOrder')).toThrow(UnexpectedResponseError);
    expect(() => parseOrder({ ...order, status: 'WEIRD' }, 'createOrder')).toThrow(/status/);
    expect(() => parseConditionalOrder({ ...algo, orderType: 'TRAILING_STOP_MARKET' }, 'x')).toThrow(
      UnexpectedResponseError,
    );
    expect(() => parseOrder({ ...order, symbol: 'BTCEUR' }, 'x')).toThrow(/unknown symbol/);
    expect(() => parseOrder(undefined, 'x')).toThrow(UnexpectedResponseError);
  });
});
