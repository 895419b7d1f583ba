import { describe, expect, it } from 'vitest';
import { WsError, isListenKeyMissingError, isWsError } from './errors';

describe('errors', () => {
  it('recognises WsError across copies by name and code', () => {
    expect(isWsError(new WsError('POLL_FAILED', 'x'))).toBe(true);
    expect(isWsError({ name: 'WsError', code: 'FEED_CLOSED', message: 'x' })).toBe(true);
    expect(isWsError(new Error('x'))).toBe(false);
    expect(new WsError('FEED_CLOSED', 'closed').toJSON()).toEqual({
      name: 'WsError',
      code: 'FEED_CLOSED',
      message: 'closed',
    });
  });

  it('recognises -1125 by code, by message (ccxt) or in the cause', () => {
    expect(isListenKeyMissingError(Object.assign(new Error('bad'), { code: -1125 }))).toBe(true);
    expect(
      isListenKeyMissingError(new Error('binanceusdm {"code":-1125,"msg":"This listenKey does not exist."}')),
    ).toBe(true);
    expect(isListenKeyMissingError(new Error('outer', { cause: { code: '-1125' } }))).toBe(true);
    expect(isListenKeyMissingError(new Error('-11250'))).toBe(false);
    expect(isListenKeyMissingError(Object.assign(new Error('timeout'), { code: -1001 }))).toBe(false);
  });
});
