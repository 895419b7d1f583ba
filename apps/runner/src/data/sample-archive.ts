/**
 * Kline archives shaped exactly like Binance's (data.binance.vision, USDⓈ-M): `<SYMBOL>-1m-<YYYY-MM>.zip`
 * holding one CSV of the same name, 12 columns, with the header row (futures) or without (spot), times in
 * ms or µs. The candles are a seeded random walk on the symbol's tick grid: for tests and for a first
 * backtest that downloads nothing (`bot data sample`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export const KLINE_HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

export interface SampleOptions {
  readonly symbol: string;
  /** Epoch ms of the first candle (a minute boundary). */
  readonly start: number;
  readonly minutes: number;
  readonly startPrice: number;
  readonly tickSize: string;
  /** The contract's quantity step (default 0.001): volumes are sums of trades, so they sit on its grid. */
  readonly stepSize?: string;
  readonly seed?: number;
  /** Per-minute volatility (default 0.0015). */
  readonly volatility?: number;
  readonly header?: boolean;
  readonly microseconds?: boolean;
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** The CSV text of generated candles. */
export function sampleCsv(options: SampleOptions): string {
  const next = random(options.seed ?? 7);
  const tick = Number(options.tickSize);
  const decimalsOf = (step: string) => (step.includes('.') ? (step.split('.')[1] ?? '').length : 0);
  const decimals = decimalsOf(options.tickSize);
  const volumeDecimals = decimalsOf(options.stepSize ?? '0.001');
  const onGrid = (price: number) => (Math.max(1, Math.round(price / tick)) * tick).toFixed(decimals);
  const volatility = options.volatility ?? 0.0015;
  const scale = options.microseconds ? 1000 : 1;
  const lines = options.header === false ? [] : [KLINE_HEADER];
  let price = options.startPrice;
  let drift = 0;
  for (let minute = 0; minute < options.minutes; minute += 1) {
    const openTime = options.start + minute * 60_000;
    if (minute % 240 === 0) drift = (next() - 0.5) * volatility * 0.6;
    const open = price;
    const close = open * (1 + drift + (next() - 0.5) * 2 * volatility);
    const high = Math.max(open, close) * (1 + next() * volatility);
    const low = Math.min(open, close) * (1 - next() * volatility);
    price = close;
    const o = onGrid(open);
    const c = onGrid(close);
    const h = onGrid(Math.max(high, Number(o), Number(c)));
    const l = onGrid(Math.min(low, Number(o), Number(c)));
    const volume = (10 + next() * 100).toFixed(volumeDecimals);
    const quote = (Number(volume) * Number(c)).toFixed(5);
    const trades = 100 + Math.floor(next() * 900);
    const takerVolume = (Number(volume) / 2).toFixed(volumeDecimals);
    const takerQuote = (Number(takerVolume) * Number(c)).toFixed(5);
    lines.push(
      [
        openTime * scale,
        o,
        h,
        l,
        c,
        volume,
        (openTime + 59_999) * scale + (scale - 1),
        quote,
        trades,
        takerVolume,
        takerQuote,
        0,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A zip with one deflated entry, as Binance packs its archives. */
export function zipSingle(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content);
  const nameBytes = Buffer.from(name, 'utf8');
  const checksum = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 10);
  local.writeUInt32LE(checksum, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(checksum, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE(0, 42);
  const centralOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

/** Writes `<SYMBOL>-1m-<YYYY-MM>.zip` (or `.csv`) into `dir`; returns its path. */
export function writeSampleArchive(dir: string, options: SampleOptions & { readonly zip?: boolean }): string {
  mkdirSync(dir, { recursive: true });
  const month = new Date(options.start).toISOString().slice(0, 7);
  const csvName = `${options.symbol}-1m-${month}.csv`;
  const csv = Buffer.from(sampleCsv(options));
  const path = join(dir, options.zip === false ? csvName : csvName.replace(/\.csv$/, '.zip'));
  writeFileSync(path, options.zip === false ? csv : zipSingle(csvName, csv));
  return path;
}

/**
 * A long span of generated candles as Binance publishes it: one `<SYMBOL>-1m-<YYYY-MM>.zip` per calendar
 * month, one random walk across them (no price jump at a month's edge); returns the paths in time order.
 */
export function writeSampleMonths(dir: string, options: SampleOptions): string[] {
  mkdirSync(dir, { recursive: true });
  const rows = sampleCsv({ ...options, header: false })
    .trimEnd()
    .split('\n');
  const paths: string[] = [];
  let month = new Date(options.start);
  let from = 0;
  while (from < rows.length) {
    const next = Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1);
    const to = Math.min(rows.length, (next - options.start) / 60_000);
    const csvName = `${options.symbol}-1m-${month.toISOString().slice(0, 7)}.csv`;
    const body = `${rows.slice(from, to).join('\n')}\n`;
    const csv = Buffer.from(options.header === false ? body : `${KLINE_HEADER}\n${body}`);
    const path = join(dir, csvName.replace(/\.csv$/, '.zip'));
    writeFileSync(path, zipSingle(csvName, csv));
    paths.push(path);
    month = new Date(next);
    from = to;
  }
  return paths;
}
