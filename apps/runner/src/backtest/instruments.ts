/**
 * Instrument rules of Binance USDⓈ-M perpetuals for backtests of any listed symbol: price tick, quantity
 * step, minimum notional and maximum leverage (first bracket's maintenance margin rate).
 *
 * Where it comes from: compiled by hand from Binance's public `GET /fapi/v1/exchangeInfo` filters
 * (PRICE_FILTER.tickSize, LOT_SIZE.stepSize/minQty, MIN_NOTIONAL.notional) and the leverage brackets as
 * Binance publishes them for the main contracts; this machine has no network to Binance, so it was not
 * re-fetched here. Rules change (Binance re-ticks contracts): refresh by replacing the rows with a fresh
 * exchangeInfo (see apps/runner/README.md, "Instrument rules"). A backtest refuses a symbol not listed here.
 */
import { defaultContracts } from '@bot/sim';
import type { ListedContract } from '@bot/sim';

interface Row {
  readonly base: string;
  readonly tick: string;
  readonly step: string;
  readonly minNotional: string;
  readonly maxLeverage: number;
  readonly mmr: number;
  /** USDT only, USDC only, or both. */
  readonly quotes?: readonly ('USDT' | 'USDC')[];
}

const ROWS: readonly Row[] = [
  { base: 'BTC', tick: '0.1', step: '0.001', minNotional: '100', maxLeverage: 125, mmr: 0.004 },
  { base: 'ETH', tick: '0.01', step: '0.001', minNotional: '20', maxLeverage: 100, mmr: 0.004 },
  { base: 'BNB', tick: '0.01', step: '0.01', minNotional: '5', maxLeverage: 75, mmr: 0.005 },
  { base: 'SOL', tick: '0.01', step: '0.01', minNotional: '5', maxLeverage: 75, mmr: 0.005 },
  { base: 'XRP', tick: '0.0001', step: '0.1', minNotional: '5', maxLeverage: 75, mmr: 0.005 },
  { base: 'DOGE', tick: '0.00001', step: '1', minNotional: '5', maxLeverage: 75, mmr: 0.005 },
  { base: 'ADA', tick: '0.0001', step: '1', minNotional: '5', maxLeverage: 75, mmr: 0.01 },
  { base: 'AVAX', tick: '0.001', step: '1', minNotional: '5', maxLeverage: 50, mmr: 0.01 },
  { base: 'LINK', tick: '0.001', step: '0.01', minNotional: '20', maxLeverage: 75, mmr: 0.01 },
  { base: 'LTC', tick: '0.01', step: '0.001', minNotional: '20', maxLeverage: 75, mmr: 0.01 },
  { base: 'DOT', tick: '0.001', step: '0.1', minNotional: '5', maxLeverage: 50, mmr: 0.01 },
  { base: 'BCH', tick: '0.01', step: '0.001', minNotional: '20', maxLeverage: 75, mmr: 0.01 },
  { base: 'TRX', tick: '0.00001', step: '1', minNotional: '5', maxLeverage: 75, mmr: 0.01, quotes: ['USDT'] },
  { base: 'SUI', tick: '0.0001', step: '0.1', minNotional: '5', maxLeverage: 50, mmr: 0.01 },
];

/** Every contract of the snapshot, USDT and USDC margined. */
export function snapshotContracts(): ListedContract[] {
  return ROWS.flatMap((row) =>
    (row.quotes ?? ['USDT', 'USDC']).map((quote) => ({
      startPrice: '1',
      instrument: {
        symbol: `${row.base}${quote}`,
        baseAsset: row.base,
        quoteAsset: quote,
        marginAsset: quote,
        tickSize: row.tick,
        minPrice: row.tick,
        maxPrice: '10000000',
        stepSize: row.step,
        minQty: row.step,
        maxQty: '100000000',
        marketMaxQty: '10000000',
        minNotional: row.minNotional,
        maxLeverage: row.maxLeverage,
        maintenanceMarginRate: row.mmr,
        percentPriceUp: '1.0500',
        percentPriceDown: '0.9500',
      },
    })),
  );
}

export class UnknownInstrumentError extends Error {
  override readonly name = 'UnknownInstrumentError';
}

/** The contract of an exchange id (`BTCUSDC`), or an error naming the symbols the snapshot knows. */
export function contractFor(symbol: string, contracts = snapshotContracts()): ListedContract {
  const found = contracts.find((contract) => contract.instrument.symbol === symbol);
  if (found) return found;
  const known = contracts.map((contract) => contract.instrument.symbol).join(', ');
  throw new UnknownInstrumentError(
    `${symbol}: no instrument rules for this symbol (tick, step, min notional) in the bundled exchangeInfo snapshot; known: ${known}`,
  );
}

/** A book's level of about this much notional, as the emulator's own contracts have (see @bot/sim). */
const LEVEL_NOTIONAL = 30_000;

/**
 * The snapshot's contracts with an order book, so a backtest's orders walk a book as on the emulator's own
 * contracts (`bot run --replay`): the emulator's default book for a symbol it lists, otherwise a two-tick
 * spread with levels of about 30 000 in notional at the symbol's first price.
 */
export function contractsWithBooks(firstPrices: ReadonlyMap<string, number>): ListedContract[] {
  const listed = new Map(defaultContracts().map((contract) => [contract.instrument.symbol, contract]));
  return snapshotContracts().map((contract) => {
    const { symbol, stepSize } = contract.instrument;
    const own = listed.get(symbol)?.instrument.book;
    const price = firstPrices.get(symbol);
    if (own) return { ...contract, instrument: { ...contract.instrument, book: own } };
    if (price === undefined || !(price > 0)) return contract;
    const step = Number(stepSize);
    const decimals = (stepSize.split('.')[1] ?? '').length;
    const levelQty = Math.max(step, Math.floor(LEVEL_NOTIONAL / price / step) * step).toFixed(decimals);
    return { ...contract, instrument: { ...contract.instrument, book: { spreadTicks: 2, levelQty } } };
  });
}
