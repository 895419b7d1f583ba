import { describe, expect, it } from 'vitest';

import { parseKlineCsv, parseOhlcvJson, ReplayFileError } from './replay-file';

const header =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const rowA =
  '1706745600000,33.1730,33.2780,33.1480,33.2640,31584,1706745659999,1048736.6860,2093,15886,527484.6350,0';
const rowB =
  '1706745660000,33.2640,33.2990,33.2180,33.2620,11925,1706745719999,396679.2890,1081,5496,182822.4450,0';

function errorOf(action: () => unknown): ReplayFileError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayFileError);
    return error as ReplayFileError;
  }
  throw new Error('expected a ReplayFileError');
}

describe('parseKlineCsv', () => {
  it("reads the futures archive's form with its header, keeping the file's decimal strings", () => {
    expect(parseKlineCsv(`${header}\n${rowA}\n${rowB}\n`)).toEqual([
      {
        openTime: 1706745600000,
        open: '33.1730',
        high: '33.2780',
        low: '33.1480',
        close: '33.2640',
        volume: '31584',
        quoteVolume: '1048736.6860',
        trades: 2093,
        takerBuyVolume: '15886',
        takerBuyQuoteVolume: '527484.6350',
      },
      {
        openTime: 1706745660000,
        open: '33.2640',
        high: '33.2990',
        low: '33.2180',
        close: '33.2620',
        volume: '11925',
        quoteVolume: '396679.2890',
        trades: 1081,
        takerBuyVolume: '5496',
        takerBuyQuoteVolume: '182822.4450',
      },
    ]);
  });

  it('reads the header-less spot form, CRLF line ends and blank lines', () => {
    const candles = parseKlineCsv(`${rowA}\r\n\r\n${rowB}\r\n`);
    expect(candles.map((candle) => candle.openTime)).toEqual([1706745600000, 1706745660000]);
  });

  it('reads a row with spaces around its cells (taken cell by cell) as the same candle as without', () => {
    const spaced = (row: string) => row.split(',').join(' , ');
    expect(parseKlineCsv(`${header}\n${spaced(rowA)}\n ${spaced(rowB)}\t`)).toEqual(
      parseKlineCsv(`${header}\n${rowA}\n${rowB}`),
    );
    expect(parseKlineCsv(`${rowA}\n${rowB.replace(/,0$/, ', anything here')}`)).toHaveLength(2);
  });

  it('converts the 16-digit microsecond times of spot archives since 2025 to milliseconds', () => {
    const text = [
      '1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,768978.77,1316,3.3,309178.2,0',
      '1735689660000000,93610.93,93652.00,93606.00,93651.99,6.56912,1735689719999999,615123.00,1010,4.6,431234.5,0',
    ].join('\n');
    expect(parseKlineCsv(text).map((candle) => candle.openTime)).toEqual([1735689600000, 1735689660000]);
  });

  it.each([
    [
      'a non-numeric price',
      `${header}\n${rowA}\n${rowB.replace('33.2990', 'abc')}`,
      3,
      /high "abc" is not a number/,
    ],
    [
      'a non-integer time',
      `${rowA}\n${rowB.replace('1706745660000', '17067456600.5')}`,
      2,
      /open_time .* not an integer/,
    ],
    ['a non-numeric count', `${rowA.replace(',2093,', ',many,')}`, 1, /count "many" is not an integer/],
    ['an empty volume', `${header}\n${rowA.replace(',31584,', ',,')}`, 2, /volume "" is not a number/],
    [
      'high below the close',
      `${rowA.replace('33.2780', '33.2000')}`,
      1,
      /high 33.2000 is below max\(open, close\) = 33.2640/,
    ],
    ['high below the open', `${rowA}\n${rowB.replace('33.2990', '33.2630')}`, 2, /high 33.2630 is below max/],
    [
      'low above the open',
      `${rowA.replace('33.1480', '33.1800')}`,
      1,
      /low 33.1800 is above min\(open, close\) = 33.1730/,
    ],
    ['a zero low', `${rowA.replace('33.1480', '0')}`, 1, /low 0 is not a positive price/],
    ['times going back', `${header}\n${rowB}\n${rowA}`, 3, /not after the previous candle's 1706745660000/],
    ['a repeated time', `${rowA}\n\n${rowA}`, 3, /times must increase/],
    ['too few columns', `${header}\n${rowA}\n33.1,2`, 3, /expected 12 columns, found 2/],
    ['too many columns', `${rowA},extra`, 1, /expected 12 columns, found 13/],
    [
      'a header with too few columns',
      'open_time,open,high\n',
      1,
      /expected 12 columns in the header, found 3/,
    ],
    ['an unknown first line', 'hello,world', 1, /open_time "hello" is not an integer/],
    [
      'close_time before open_time',
      rowA.replace('1706745659999', '1706745500000'),
      1,
      /close_time .* before open_time/,
    ],
    ['an empty file', '', 1, /empty file/],
    ['a blank file', '\n\n  \n', 1, /empty file/],
    ['a header only', `${header}\n`, 2, /no candles after the header/],
  ])('rejects %s with the line number', (_name, text, line, message) => {
    const error = errorOf(() => parseKlineCsv(text));
    expect(error.line).toBe(line);
    expect(error.index).toBeUndefined();
    expect(error.message).toMatch(new RegExp(`^line ${line}: `));
    expect(error.message).toMatch(message);
    expect(error.name).toBe('ReplayFileError');
  });
});

describe('parseOhlcvJson', () => {
  it("reads ccxt's [[t, o, h, l, c, v]] rows, numbers or numeric strings, as plain decimal strings", () => {
    const text = JSON.stringify([
      [1613692800000, 51552.61, 51600, 51500.5, 51590.01, 134.989218],
      [1613692860000, '51590.01', '51595.00', '51580.00', '51581.10', '0.00000012'],
      [1613692920000, 1e-7, 2e-7, 1e-7, 2e-7, 1e21],
    ]);
    expect(parseOhlcvJson(text)).toEqual([
      {
        openTime: 1613692800000,
        open: '51552.61',
        high: '51600',
        low: '51500.5',
        close: '51590.01',
        volume: '134.989218',
      },
      {
        openTime: 1613692860000,
        open: '51590.01',
        high: '51595.00',
        low: '51580.00',
        close: '51581.10',
        volume: '0.00000012',
      },
      {
        openTime: 1613692920000,
        open: '0.0000001',
        high: '0.0000002',
        low: '0.0000001',
        close: '0.0000002',
        volume: '1000000000000000000000',
      },
    ]);
  });

  it('converts microsecond timestamps', () => {
    expect(parseOhlcvJson('[[1735689600000000, 1, 1, 1, 1, 0]]')[0]?.openTime).toBe(1735689600000);
  });

  it.each([
    ['a non-numeric price', '[[1000, 1, "x", 1, 1, 1]]', 0, /high "x" is not a number/],
    ['a null volume', '[[1000, 1, 1, 1, 1, 1], [61000, 1, 1, 1, 1, null]]', 1, /volume null is not a number/],
    ['a negative price', '[[1000, -1, 1, 1, 1, 1]]', 0, /open -1 is not a number/],
    ['a fractional time', '[[1000.5, 1, 1, 1, 1, 1]]', 0, /time 1000.5 is not an integer timestamp/],
    [
      'high below max(open, close)',
      '[[1000, 1, 1.5, 1, 2, 1]]',
      0,
      /high 1.5 is below max\(open, close\) = 2/,
    ],
    ['low above min(open, close)', '[[1000, 1, 2, 1.5, 2, 1]]', 0, /low 1.5 is above min\(open, close\) = 1/],
    ['times not increasing', '[[2000, 1, 1, 1, 1, 1], [2000, 1, 1, 1, 1, 1]]', 1, /times must increase/],
    ['a row with 5 values', '[[1000, 1, 1, 1, 1, 1], [2000, 1, 1, 1, 1]]', 1, /expected 6 values, found 5/],
    ['a row that is no array', '[[1000, 1, 1, 1, 1, 1], {"t": 1}]', 1, /expected an array/],
    ['an empty array', '[]', 0, /empty array/],
  ])('rejects %s with the index', (_name, text, index, message) => {
    const error = errorOf(() => parseOhlcvJson(text));
    expect(error.index).toBe(index);
    expect(error.message).toMatch(new RegExp(`^index ${index}: `));
    expect(error.message).toMatch(message);
  });

  it('rejects an empty file, invalid JSON (with its line when known) and a non-array', () => {
    expect(errorOf(() => parseOhlcvJson('  ')).message).toBe('line 1: empty file: no candles');
    const syntax = errorOf(() => parseOhlcvJson('[\n[1000, 1, 1, 1, 1, 1],\n[2000, 1, 1 1]\n]'));
    expect(syntax.message).toMatch(/invalid JSON/);
    expect(syntax.line).toBe(3);
    expect(syntax.message).toMatch(/^line 3: invalid JSON/);
    expect(errorOf(() => parseOhlcvJson('{"a": 1}')).message).toMatch(/expected an array of \[time, open/);
  });
});
