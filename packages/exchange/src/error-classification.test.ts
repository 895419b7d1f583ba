import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { classifyExchangeFailure, parseExchangeCode, parseRetryAfter } from './error-classification';
import { UnexpectedResponseError } from './errors';

const body = (code: number, msg: string) => `binanceusdm {"code":${code},"msg":"${msg}"}`;

describe('classifyExchangeFailure', () => {
  it.each([
    [new ccxt.InsufficientFunds(body(-2019, 'Margin is insufficient.')), 'rejected', 'INSUFFICIENT_MARGIN'],
    [new ccxt.ExchangeError(body(-2019, 'Margin is insufficient.')), 'rejected', 'INSUFFICIENT_MARGIN'],
    [
      new ccxt.ExchangeError(body(-4164, "Order's notional must be no smaller than 5")),
      'rejected',
      'MIN_NOTIONAL',
    ],
    [
      new ccxt.OrderImmediatelyFillable(body(-2021, 'Order would immediately trigger.')),
      'rejected',
      'WOULD_TRIGGER_IMMEDIATELY',
    ],
    [new ccxt.InvalidOrder(body(-2022, 'ReduceOnly Order is rejected.')), 'rejected', 'REDUCE_ONLY_REJECTED'],
    [
      new ccxt.ExchangeError(body(-4120, 'Order type not supported for this endpoint.')),
      'rejected',
      'ORDER_TYPE_NOT_ALLOWED',
    ],
    [new ccxt.BadRequest(body(-1102, 'Mandatory parameter was not sent')), 'rejected', 'INVALID_PARAMETER'],
    [
      new ccxt.OrderNotFillable(body(-5022, 'Post Only order will be rejected')),
      'rejected',
      'POST_ONLY_WOULD_TAKE',
    ],
    [new ccxt.MarginModeAlreadySet(body(-4046, 'No need to change margin type.')), 'rejected', 'NO_CHANGE'],
    [
      new ccxt.ExchangeError(body(-4047, 'Margin type cannot be changed if there exists open orders.')),
      'rejected',
      'MARGIN_MODE_LOCKED',
    ],
    [
      new ccxt.ExchangeError(body(-4048, 'Margin type cannot be changed if there exists position.')),
      'rejected',
      'MARGIN_MODE_LOCKED',
    ],
    [new ccxt.InvalidOrder('binanceusdm createOrder() requires a price argument'), 'rejected', 'OTHER'],
    [new ccxt.BadSymbol('binanceusdm does not have market symbol X'), 'rejected', 'UNKNOWN_SYMBOL'],
  ])('%s → %s (%s)', (error, kind, reason) => {
    expect(classifyExchangeFailure(error, 'order-write')).toMatchObject({ kind, reason });
  });

  it('reads -1021 as clock skew and auth codes as authentication', () => {
    expect(
      classifyExchangeFailure(new ccxt.InvalidNonce(body(-1021, 'Timestamp outside')), 'read').kind,
    ).toBe('clock-skew');
    expect(classifyExchangeFailure(new ccxt.AuthenticationError(body(-1022, 'Signature')), 'read').kind).toBe(
      'authentication',
    );
    expect(
      classifyExchangeFailure(new ccxt.AuthenticationError(body(-2015, 'Invalid API-key')), 'order-write')
        .kind,
    ).toBe('authentication');
  });

  it('reads -2011/-2013 as not found and -4116/-20132 as a duplicate client id', () => {
    expect(
      classifyExchangeFailure(new ccxt.OrderNotFound(body(-2013, 'Order does not exist.')), 'read').kind,
    ).toBe('not-found');
    expect(
      classifyExchangeFailure(new ccxt.ExchangeError(body(-2011, 'Unknown order sent.')), 'order-write').kind,
    ).toBe('not-found');
    expect(
      classifyExchangeFailure(
        new ccxt.InvalidOrder(body(-4116, 'ClientOrderId is duplicated.')),
        'order-write',
      ).kind,
    ).toBe('duplicate');
    expect(
      classifyExchangeFailure(
        new ccxt.ExchangeError(body(-20132, 'The client algo id is duplicated')),
        'order-write',
      ).kind,
    ).toBe('duplicate');
  });

  it('makes a transient failure an unknown outcome for order requests, a retry for the rest', () => {
    const transient = [
      new ccxt.RequestTimeout('binanceusdm POST https://x/fapi/v1/order request timed out (10000 ms)'),
      new ccxt.ExchangeNotAvailable('binanceusdm POST https://x/fapi/v1/order 502 Bad Gateway <html>'),
      new ccxt.OperationFailed(body(-1000, 'Unknown error, please check your request or try again later.')),
      new ccxt.BadResponse(body(-1007, 'Timeout waiting for response from backend server.')),
      new ccxt.NetworkError('binanceusdm fetch failed'),
    ];
    for (const error of transient) {
      expect(classifyExchangeFailure(error, 'order-write').kind).toBe('unknown-outcome');
      expect(classifyExchangeFailure(error, 'read').kind).toBe('retryable');
      expect(classifyExchangeFailure(error, 'idempotent-write').kind).toBe('retryable');
    }
    // -1008 (throttled by the server) means the request was refused: retried, never looked up.
    expect(
      classifyExchangeFailure(new ccxt.OperationFailed(body(-1008, 'Server busy')), 'order-write').kind,
    ).toBe('retryable');
  });

  it('reads 429/418 as rate limited with Retry-After from the response headers', () => {
    const error = new ccxt.DDoSProtection(
      `binanceusdm 429 Too Many Requests ${JSON.stringify({ code: -1003, msg: 'Too many requests' })}`,
    );
    expect(
      classifyExchangeFailure(error, 'read', { status: 429, headers: { 'Retry-After': '7' } }),
    ).toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 7_000,
      banned: false,
      httpStatus: 429,
    });
    const ban = new ccxt.DDoSProtection('binanceusdm 418 I\'m a teapot {"code":-1003,"msg":"banned"}');
    expect(
      classifyExchangeFailure(ban, 'order-write', { status: 418, headers: { 'retry-after': '120' } }),
    ).toMatchObject({
      kind: 'rate-limited',
      banned: true,
      retryAfterMs: 120_000,
    });
    // Without the headers, the status in ccxt's message still tells a ban from a throttle.
    expect(classifyExchangeFailure(ban, 'read')).toMatchObject({ kind: 'rate-limited', banned: true });
    expect(
      classifyExchangeFailure(new ccxt.RateLimitExceeded(body(-1015, 'Too many new orders')), 'order-write')
        .kind,
    ).toBe('rate-limited');
  });

  it('does not mistake a number in a message for an HTTP status', () => {
    const error = new ccxt.ExchangeError(body(-4024, 'Limit price can not be higher than 500'));
    const failure = classifyExchangeFailure(error, 'order-write');
    expect(failure).toMatchObject({ kind: 'rejected', reason: 'PRICE_FILTER' });
    expect(failure.httpStatus).toBeUndefined();
  });

  it('treats failures that are not exchange errors as unexpected (reads) or unknown outcome (order requests)', () => {
    expect(classifyExchangeFailure(new TypeError('x is undefined'), 'read').kind).toBe('unexpected');
    expect(classifyExchangeFailure(new TypeError('x is undefined'), 'order-write').kind).toBe(
      'unknown-outcome',
    );
    const unreadable = new UnexpectedResponseError('unreadable order', { operation: 'createOrder' });
    expect(classifyExchangeFailure(unreadable, 'order-write').kind).toBe('unknown-outcome');
  });
});

describe('parsing helpers', () => {
  it('parses Binance codes out of ccxt messages', () => {
    expect(parseExchangeCode(body(-2019, 'Margin is insufficient.'))).toEqual({
      code: -2019,
      msg: 'Margin is insufficient.',
    });
    expect(parseExchangeCode('binanceusdm {"code":"-1021","msg":"x"}')).toEqual({ code: -1021, msg: 'x' });
    expect(parseExchangeCode('no code here')).toEqual({});
  });

  it('parses Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter({ 'Retry-After': '3' }, 0)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': '0.5' }, 0)).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:10 GMT' }, now)).toBe(10_000);
    expect(parseRetryAfter({ 'Retry-After': 'soon' }, 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
