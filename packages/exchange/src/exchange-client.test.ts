import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { ExchangeConfigurationError } from './errors';
import { buildExchangeClient, emulatorApiUrls } from './exchange-client';

const keys = { apiKey: 'k'.repeat(16), apiSecret: 's'.repeat(16) };

describe('buildExchangeClient', () => {
  it('paper: every URL replaced by the emulator, currencies not fetched, the linear error map merged', () => {
    const client = buildExchangeClient({
      mode: 'paper',
      simUrl: 'http://127.0.0.1:4000/',
      ...keys,
      recvWindowMs: 7000,
    });
    expect(client.urls.api).toEqual(emulatorApiUrls('http://127.0.0.1:4000'));
    expect((client.urls.api as Record<string, string>).fapiPrivate).toBe('http://127.0.0.1:4000/fapi/v1');
    expect(client.options.fetchCurrencies).toBe(false);
    expect(client.options.recvWindow).toBe(7000);
    const exact = client.exceptions.exact as Record<string, unknown>;
    expect(exact['-2019']).toBe(ccxt.InsufficientFunds);
    expect(exact['-2021']).toBe(ccxt.OrderImmediatelyFillable);
    expect(exact['-4164']).toBe(ccxt.InvalidOrder);
  });

  it('testnet: Binance demo trading', () => {
    const client = buildExchangeClient({ mode: 'testnet', ...keys });
    expect(client.options.enableDemoTrading).toBe(true);
    expect(JSON.stringify(client.urls.api)).toContain('demo-fapi.binance.com');
    expect((client.exceptions.exact as Record<string, unknown>)['-2019']).toBe(ccxt.InsufficientFunds);
  });

  it('live: ccxt defaults, with the timeout and throttle asked for', () => {
    const client = buildExchangeClient({ mode: 'live', ...keys, requestTimeoutMs: 4000 });
    expect(JSON.stringify(client.urls.api)).toContain('https://fapi.binance.com');
    expect(client.timeout).toBe(4000);
    expect(client.enableRateLimit).toBe(true);
  });

  it('refuses missing keys, a missing emulator URL and unknown modes', () => {
    expect(() => buildExchangeClient({ mode: 'live' })).toThrow(ExchangeConfigurationError);
    expect(() => buildExchangeClient({ mode: 'testnet', apiKey: 'x' })).toThrow(/API key and secret/);
    expect(() => buildExchangeClient({ mode: 'paper', ...keys })).toThrow(/simUrl/);
    expect(() => buildExchangeClient({ mode: 'demo' as never, ...keys })).toThrow(/unknown mode/);
  });
});
