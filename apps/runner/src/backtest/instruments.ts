/**
 * Instrument rules of Binance USDⓈ-M perpetuals for backtests of any listed symbol: price tick, quantity
 * step, minimum notional, maximum leverage and the first bracket's maintenance margin rate.
 *
 * Where they come from: a JSON snapshot shipped beside this file (`instruments.json`), written by
 * `bot data instruments` from Binance's `GET /fapi/v1/exchangeInfo` and `GET /fapi/v1/leverageBracket`
 * (src/data/refresh-instruments.ts); `bot backtest --instruments <file>` reads another one. Data, not code, so
 * a refresh is a command and a reviewable diff, not an edit of this module. A backtest refuses a symbol the
 * snapshot does not list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultContracts } from '@bot/sim';
import type { ListedContract } from '@bot/sim';

/** One contract's rules, as the snapshot file holds them (decimals as Binance writes them, strings). */
export interface InstrumentRow {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  /** PRICE_FILTER.tickSize */
  readonly tickSize: string;
  /** LOT_SIZE.stepSize */
  readonly stepSize: string;
  /** MIN_NOTIONAL.notional */
  readonly minNotional: string;
  /** The highest `initialLeverage` of the symbol's brackets. */
  readonly maxLeverage: number;
  /** `maintMarginRatio` of the first bracket (the smallest notional). */
  readonly maintMarginRatio: number;
}

export interface InstrumentSnapshot {
  /** Where the rules came from: the REST base they were fetched from, or how they were compiled. */
  readonly source: string;
  /** ISO time of the fetch; null for the hand-compiled snapshot. */
  readonly fetchedAt: string | null;
  /** Where the leverage brackets came from (fetched, or kept from the snapshot before: the endpoint is signed). */
  readonly brackets: string;
  readonly contracts: readonly InstrumentRow[];
}

/** The snapshot shipped with the runner, and the default `bot data instruments --out`. */
export const BUNDLED_SNAPSHOT = join(import.meta.dirname, 'instruments.json');

/** A snapshot file that cannot be used (missing, not JSON, a row without its rules): bad input, exit 2. */
export class InstrumentSnapshotError extends Error {
  override readonly name = 'InstrumentSnapshotError';
  readonly code = 'INSTRUMENT_SNAPSHOT_REFUSED';
}

const DECIMAL = /^\d+(\.\d+)?$/;

/** What keeps `value` from being an InstrumentRow, in the file's own field names; empty when it is one. */
export function rowProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const row = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['symbol', 'baseAsset', 'quoteAsset', 'marginAsset']) {
    const name = row[field];
    if (typeof name !== 'string' || !/^\S+$/u.test(name)) {
      problems.push(`${field} must be a name without spaces, got ${JSON.stringify(name)}`);
    }
  }
  for (const field of ['tickSize', 'stepSize', 'minNotional']) {
    const text = row[field];
    if (typeof text !== 'string' || !DECIMAL.test(text) || !(Number(text) > 0)) {
      problems.push(`${field} must be a decimal string > 0, got ${JSON.stringify(text)}`);
    }
  }
  const leverage = row['maxLeverage'];
  if (!(typeof leverage === 'number' && Number.isInteger(leverage) && leverage >= 1)) {
    problems.push(`maxLeverage must be a whole number ≥ 1, got ${JSON.stringify(leverage)}`);
  }
  const rate = row['maintMarginRatio'];
  if (!(typeof rate === 'number' && rate > 0 && rate < 1)) {
    problems.push(`maintMarginRatio must be a number in (0, 1), got ${JSON.stringify(rate)}`);
  }
  return problems;
}

/** Reads and checks a snapshot file; throws InstrumentSnapshotError naming the file and the row. */
export function readSnapshot(file: string): InstrumentSnapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InstrumentSnapshotError(
      `${file}: cannot read the instrument snapshot (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InstrumentSnapshotError(`${file}: not JSON (${(error as Error).message})`);
  }
  const snapshot = parsed as Partial<Record<keyof InstrumentSnapshot, unknown>> | null;
  if (typeof snapshot !== 'object' || snapshot === null || !Array.isArray(snapshot.contracts)) {
    throw new InstrumentSnapshotError(
      `${file}: not an instrument snapshot (no "contracts" list; bot data instruments --out ${file} writes one)`,
    );
  }
  snapshot.contracts.forEach((row: unknown, index) => {
    const problems = rowProblems(row);
    if (problems.length > 0) {
      const symbol = (row as { symbol?: unknown } | null)?.symbol;
      throw new InstrumentSnapshotError(
        `${file}: contracts[${index}]${typeof symbol === 'string' ? ` (${symbol})` : ''}: ${problems.join('; ')}`,
      );
    }
  });
  return {
    source: typeof snapshot.source === 'string' ? snapshot.source : '',
    fetchedAt: typeof snapshot.fetchedAt === 'string' ? snapshot.fetchedAt : null,
    brackets: typeof snapshot.brackets === 'string' ? snapshot.brackets : '',
    contracts: snapshot.contracts as InstrumentRow[],
  };
}

let bundled: InstrumentSnapshot | undefined;

/** The snapshot shipped with the runner, read once. */
export function bundledSnapshot(): InstrumentSnapshot {
  bundled ??= readSnapshot(BUNDLED_SNAPSHOT);
  return bundled;
}

/** Every contract of the snapshot (default the bundled one) as the emulator lists it. */
export function snapshotContracts(snapshot: InstrumentSnapshot = bundledSnapshot()): ListedContract[] {
  return snapshot.contracts.map((row) => ({
    startPrice: '1',
    instrument: {
      symbol: row.symbol,
      baseAsset: row.baseAsset,
      quoteAsset: row.quoteAsset,
      marginAsset: row.marginAsset,
      tickSize: row.tickSize,
      minPrice: row.tickSize,
      maxPrice: '10000000',
      stepSize: row.stepSize,
      minQty: row.stepSize,
      maxQty: '100000000',
      marketMaxQty: '10000000',
      minNotional: row.minNotional,
      maxLeverage: row.maxLeverage,
      maintenanceMarginRate: row.maintMarginRatio,
      percentPriceUp: '1.0500',
      percentPriceDown: '0.9500',
    },
  }));
}

export class UnknownInstrumentError extends Error {
  override readonly name = 'UnknownInstrumentError';
}

/** The contract of an exchange id (`BTCUSDC`), or an error naming the symbols the snapshot knows. */
export function contractFor(
  symbol: string,
  contracts: readonly ListedContract[] = snapshotContracts(),
): ListedContract {
  const found = contracts.find((contract) => contract.instrument.symbol === symbol);
  if (found) return found;
  const known = contracts.map((contract) => contract.instrument.symbol).join(', ');
  throw new UnknownInstrumentError(
    `${symbol}: no instrument rules for this symbol (tick, step, min notional) in the instrument snapshot (bot data instruments refreshes it); known: ${known}`,
  );
}

/** A book's level of about this much notional, as the emulator's own contracts have (see @bot/sim). */
const LEVEL_NOTIONAL = 30_000;

/**
 * The snapshot's contracts with an order book, so a backtest's orders walk a book as on the emulator's own
 * contracts (`bot run --replay`): the emulator's default book for a symbol it lists, otherwise a two-tick
 * spread with levels of about 30 000 in notional at the symbol's first price.
 */
export function contractsWithBooks(
  firstPrices: ReadonlyMap<string, number>,
  contracts: readonly ListedContract[] = snapshotContracts(),
): ListedContract[] {
  const listed = new Map(defaultContracts().map((contract) => [contract.instrument.symbol, contract]));
  return contracts.map((contract) => {
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
