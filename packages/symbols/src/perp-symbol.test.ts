import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  defaultBases,
  defaultSymbols,
  fromExchangeId,
  isPerpSymbol,
  parsePerpSymbol,
  perpSymbol,
  quoteAssets,
  toExchangeId,
  toQuoteAsset,
} from './perp-symbol';
import { SymbolError } from './symbol-error';
import type { SymbolErrorCode } from './symbol-error';

function thrown(action: () => unknown): SymbolError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SymbolError);
    return error as SymbolError;
  }
  throw new Error('expected a SymbolError, but nothing was thrown');
}

function expectSymbolError(action: () => unknown, code: SymbolErrorCode, ...messageParts: string[]): void {
  const error = thrown(action);
  expect(error.code).toBe(code);
  expect(error.name).toBe('SymbolError');
  for (const part of messageParts) expect(error.message).toContain(part);
}

const baseArbitrary = fc
  .stringMatching(/^[A-Z0-9]{1,12}$/)
  .filter((base) => !(quoteAssets as readonly string[]).includes(base));
const quoteArbitrary = fc.constantFrom(...quoteAssets);

describe('perpSymbol', () => {
  it('builds the ccxt unified symbol of a linear perpetual', () => {
    expect(perpSymbol('btc', 'usdc')).toBe('BTC/USDC:USDC');
    expect(perpSymbol('BTC', 'USDC')).toBe('BTC/USDC:USDC');
    expect(perpSymbol('Eth', 'usdt')).toBe('ETH/USDT:USDT');
    expect(perpSymbol('1000pepe', 'USDC')).toBe('1000PEPE/USDC:USDC');
    expect(perpSymbol('USDC', 'USDT')).toBe('USDC/USDT:USDT');
  });

  it('rejects bad assets, naming the value and what was expected', () => {
    expectSymbolError(() => perpSymbol('', 'USDC'), 'INVALID_SYMBOL', 'base asset ""', 'letters and digits');
    expectSymbolError(() => perpSymbol('BTC-X', 'USDC'), 'INVALID_SYMBOL', '"BTC-X"');
    expectSymbolError(() => perpSymbol(' BTC', 'USDC'), 'INVALID_SYMBOL', '" BTC"');
    expectSymbolError(() => perpSymbol('ß', 'USDC'), 'INVALID_SYMBOL', '"ß"');
    expectSymbolError(() => perpSymbol('币安人生', 'USDT'), 'INVALID_SYMBOL');
    expectSymbolError(() => perpSymbol('BTC', ''), 'INVALID_SYMBOL', 'quote asset ""');
    expectSymbolError(() => perpSymbol('BTC', 'BUSD'), 'UNSUPPORTED_QUOTE', '"BUSD"', 'USDC or USDT');
    expectSymbolError(() => perpSymbol('BTC', 'USD'), 'UNSUPPORTED_QUOTE', '"USD"');
    expectSymbolError(() => perpSymbol('usdc', 'USDC'), 'INVALID_SYMBOL', 'must differ');
    expectSymbolError(
      () => perpSymbol(undefined as unknown as string, 'USDC'),
      'INVALID_SYMBOL',
      'undefined',
    );
    expectSymbolError(() => perpSymbol(42 as unknown as string, 'USDC'), 'INVALID_SYMBOL', '42');
  });
});

describe('parsePerpSymbol', () => {
  it('splits a perpetual symbol into base, quote and settle', () => {
    expect(parsePerpSymbol('BTC/USDC:USDC')).toEqual({ base: 'BTC', quote: 'USDC', settle: 'USDC' });
    expect(parsePerpSymbol('1000SHIB/USDT:USDT')).toEqual({
      base: '1000SHIB',
      quote: 'USDT',
      settle: 'USDT',
    });
  });

  it.each([
    ['', 'INVALID_SYMBOL', 'expected'],
    ['btc/usdc:usdc', 'INVALID_SYMBOL', 'upper case'],
    ['Btc/USDC:USDC', 'INVALID_SYMBOL', 'upper case'],
    ['BTC/USDC', 'INVALID_SYMBOL', 'spot symbol'],
    ['BTCUSDC', 'INVALID_SYMBOL', "'BASE/QUOTE:SETTLE'"],
    ['BTC/USDT:USDC', 'UNSUPPORTED_QUOTE', 'settle asset USDC must equal quote asset USDT'],
    ['BTC/USD:BTC', 'UNSUPPORTED_QUOTE', 'settle asset BTC must equal quote asset USD'],
    ['BTC/BUSD:BUSD', 'UNSUPPORTED_QUOTE', 'BUSD is not supported'],
    ['BTC/USDT:USDT-250328', 'INVALID_SYMBOL', 'dated futures'],
    ['BTC/USDT:USDT-250328-60000-C', 'INVALID_SYMBOL', 'dated futures'],
    ['BTC-1/USDC:USDC', 'INVALID_SYMBOL', 'letters and digits'],
    [' BTC/USDC:USDC', 'INVALID_SYMBOL', 'letters and digits'],
    ['BTC/USDC:USDC ', 'INVALID_SYMBOL', 'letters and digits'],
    ['/USDC:USDC', 'INVALID_SYMBOL', 'letters and digits'],
    ['USDC/USDC:USDC', 'INVALID_SYMBOL', 'must differ'],
    ['币安人生/USDT:USDT', 'INVALID_SYMBOL', 'letters and digits'],
  ] as const)('rejects %j with %s', (symbol, code, messagePart) => {
    expectSymbolError(() => parsePerpSymbol(symbol), code, JSON.stringify(symbol), messagePart);
  });

  it('rejects non-strings', () => {
    expectSymbolError(() => parsePerpSymbol(undefined as unknown as string), 'INVALID_SYMBOL', 'undefined');
    expectSymbolError(() => parsePerpSymbol(null as unknown as string), 'INVALID_SYMBOL', 'null');
  });

  it('inverts perpSymbol (property)', () => {
    fc.assert(
      fc.property(baseArbitrary, quoteArbitrary, (base, quote) => {
        expect(parsePerpSymbol(perpSymbol(base, quote))).toEqual({ base, quote, settle: quote });
        expect(perpSymbol(base.toLowerCase(), quote.toLowerCase())).toBe(perpSymbol(base, quote));
      }),
    );
  });
});

describe('isPerpSymbol', () => {
  it('tells canonical perpetual symbols from anything else', () => {
    expect(isPerpSymbol('BTC/USDC:USDC')).toBe(true);
    expect(isPerpSymbol('BTC/USDC')).toBe(false);
    expect(isPerpSymbol('btc/usdc:usdc')).toBe(false);
    expect(isPerpSymbol(42)).toBe(false);
  });
});

describe('toExchangeId and fromExchangeId', () => {
  it('convert between unified symbols and Binance ids', () => {
    expect(toExchangeId('BTC/USDC:USDC')).toBe('BTCUSDC');
    expect(toExchangeId('1000PEPE/USDT:USDT')).toBe('1000PEPEUSDT');
    expect(fromExchangeId('BTCUSDC')).toBe('BTC/USDC:USDC');
    expect(fromExchangeId('ETHUSDT')).toBe('ETH/USDT:USDT');
    expect(fromExchangeId('USDCUSDT')).toBe('USDC/USDT:USDT');
    expect(fromExchangeId('USDTUSDC')).toBe('USDT/USDC:USDC');
  });

  it('toExchangeId rejects what parsePerpSymbol rejects', () => {
    expectSymbolError(() => toExchangeId('BTC/USDC'), 'INVALID_SYMBOL', 'spot symbol');
    expectSymbolError(() => toExchangeId('btc/usdc:usdc'), 'INVALID_SYMBOL', 'upper case');
    expectSymbolError(() => toExchangeId('BTC/USDT:USDC'), 'UNSUPPORTED_QUOTE');
  });

  it.each([
    ['', 'INVALID_SYMBOL', 'upper-case letters and digits'],
    ['btcusdc', 'INVALID_SYMBOL', 'exchange ids are upper case'],
    ['BTC/USDC', 'INVALID_SYMBOL', 'upper-case letters and digits'],
    ['BTCUSDT_250328', 'INVALID_SYMBOL', 'upper-case letters and digits'],
    ['BTCBUSD', 'UNSUPPORTED_QUOTE', 'USDC or USDT'],
    ['BTCUSD', 'UNSUPPORTED_QUOTE', 'USDC or USDT'],
    ['USDC', 'INVALID_SYMBOL', 'expected a base asset'],
    ['USDT', 'INVALID_SYMBOL', 'expected a base asset'],
    ['USDCUSDC', 'INVALID_SYMBOL', 'expected a base asset'],
  ] as const)('fromExchangeId rejects %j with %s', (exchangeId, code, messagePart) => {
    expectSymbolError(() => fromExchangeId(exchangeId), code, JSON.stringify(exchangeId), messagePart);
  });

  it('round-trip (property)', () => {
    fc.assert(
      fc.property(baseArbitrary, quoteArbitrary, (base, quote) => {
        const symbol = perpSymbol(base, quote);
        expect(toExchangeId(symbol)).toBe(`${base}${quote}`);
        expect(fromExchangeId(toExchangeId(symbol))).toBe(symbol);
      }),
    );
  });

  it('fromExchangeId either returns a symbol that maps back to the id or throws a SymbolError (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Z0-9_]{0,14}(USDC|USDT)?$/)), (exchangeId) => {
        let symbol: string;
        try {
          symbol = fromExchangeId(exchangeId);
        } catch (error) {
          expect(error).toBeInstanceOf(SymbolError);
          return;
        }
        expect(toExchangeId(symbol)).toBe(exchangeId);
      }),
    );
  });
});

describe('toQuoteAsset', () => {
  it('normalises and validates a quote asset', () => {
    expect(toQuoteAsset('usdc')).toBe('USDC');
    expect(toQuoteAsset('USDT')).toBe('USDT');
    expectSymbolError(() => toQuoteAsset('BUSD'), 'UNSUPPORTED_QUOTE', '"BUSD"');
    expectSymbolError(() => toQuoteAsset(''), 'INVALID_SYMBOL');
  });
});

describe('defaultSymbols', () => {
  it('lists the BTC, ETH, BNB, SOL and ADA perpetuals in the coin, in that order', () => {
    expect(defaultSymbols('USDC')[0]).toBe('BTC/USDC:USDC');
    expect(defaultSymbols('USDC')).toEqual([
      'BTC/USDC:USDC',
      'ETH/USDC:USDC',
      'BNB/USDC:USDC',
      'SOL/USDC:USDC',
      'ADA/USDC:USDC',
    ]);
    expect(defaultSymbols('usdt')).toEqual(defaultBases.map((base) => `${base}/USDT:USDT`));
  });

  it('returns a fresh array each time', () => {
    const first = defaultSymbols('USDC');
    first.pop();
    expect(defaultSymbols('USDC')).toHaveLength(5);
  });

  it('rejects other coins', () => {
    expectSymbolError(() => defaultSymbols('BUSD'), 'UNSUPPORTED_QUOTE', '"BUSD"', 'USDC or USDT');
    expectSymbolError(() => defaultSymbols(''), 'INVALID_SYMBOL');
  });
});
