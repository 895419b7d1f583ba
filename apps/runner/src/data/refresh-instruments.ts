/**
 * `bot data instruments`: refreshes the instrument snapshot backtests use (src/backtest/instruments.ts) from
 * Binance's `GET /fapi/v1/exchangeInfo` (each PERPETUAL symbol's PRICE_FILTER.tickSize, LOT_SIZE.stepSize,
 * MIN_NOTIONAL.notional) and `GET /fapi/v1/leverageBracket` (the highest leverage, the first bracket's
 * maintenance margin rate). The bracket endpoint is SIGNED on Binance: with keys it is fetched, without them
 * each symbol keeps the brackets of the snapshot it replaces and a symbol new to it is left out (named).
 * The new snapshot is checked whole, then written whole (temporary file renamed): any failure leaves the old
 * one as it was.
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '@bot/config';
import {
  BUNDLED_SNAPSHOT,
  InstrumentSnapshotError,
  bundledSnapshot,
  readSnapshot,
  rowProblems,
} from '../backtest/instruments';
import type { InstrumentRow, InstrumentSnapshot } from '../backtest/instruments';
import { EXIT_BAD_INPUT } from '../run-command';
import { writeWhole } from '../write-whole';

export const BINANCE_FAPI_URL = 'https://fapi.binance.com';

/** The exchange's answers cannot make a snapshot (unreachable, not JSON, a filter missing): exit 2. */
export class InstrumentsRefreshError extends Error {
  override readonly name = 'InstrumentsRefreshError';
  readonly code = 'INSTRUMENTS_REFRESH_FAILED';
}

export interface RefreshOptions {
  /** Binance's USDⓈ-M REST base, e.g. `https://fapi.binance.com` (or a mirror, or a test server). */
  readonly baseUrl: string;
  /** Keys for the signed `leverageBracket`; without them the previous snapshot's brackets are kept. */
  readonly apiKey?: string | undefined;
  readonly apiSecret?: string | undefined;
  /** The snapshot being replaced: brackets without keys, and rows of symbols exchangeInfo no longer lists. */
  readonly previous: InstrumentSnapshot;
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

export interface RefreshResult {
  readonly snapshot: InstrumentSnapshot;
  /** Perpetuals with no brackets to take (no keys, and not in the previous snapshot): not written. */
  readonly leftOut: readonly string[];
  /** Rows of the previous snapshot that exchangeInfo does not list (delisted): kept, for backtests of their history. */
  readonly kept: readonly string[];
  readonly bracketsFetched: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** GET `url` as JSON; every way it can fail is an InstrumentsRefreshError naming the endpoint. */
async function getJson(url: URL, timeoutMs: number, headers: Record<string, string> = {}): Promise<unknown> {
  // The query (timestamp, signature) stays out of messages.
  const shown = `GET ${url.origin}${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new InstrumentsRefreshError(
      `${shown}: cannot reach it (${cause?.code ?? cause?.message ?? (error as Error).message}); check --base-url and the network`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new InstrumentsRefreshError(`${shown}: HTTP ${response.status} ${text.slice(0, 200)}`.trimEnd());
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InstrumentsRefreshError(
      `${shown}: the answer is not JSON (it starts ${JSON.stringify(text.slice(0, 60))}); is --base-url Binance's USDⓈ-M API?`,
    );
  }
}

type FilterRules = Pick<
  InstrumentRow,
  'symbol' | 'baseAsset' | 'quoteAsset' | 'marginAsset' | 'tickSize' | 'stepSize' | 'minNotional'
>;

/** Each PERPETUAL symbol's filters; a perpetual without one of them fails the whole refresh. */
export function filtersFromExchangeInfo(info: unknown): FilterRules[] {
  if (!isObject(info) || !Array.isArray(info['symbols'])) {
    throw new InstrumentsRefreshError(
      'exchangeInfo: the answer has no "symbols" list; is --base-url Binance\'s USDⓈ-M API?',
    );
  }
  const rules: FilterRules[] = [];
  for (const entry of info['symbols'] as unknown[]) {
    if (!isObject(entry) || entry['contractType'] !== 'PERPETUAL') continue;
    const symbol = String(entry['symbol']);
    const filters = Array.isArray(entry['filters']) ? (entry['filters'] as unknown[]).filter(isObject) : [];
    const value = (type: string, field: string): string => {
      const found = filters.find((filter) => filter['filterType'] === type)?.[field];
      if (typeof found !== 'string') {
        throw new InstrumentsRefreshError(
          `exchangeInfo: ${symbol} has no ${type}.${field} filter; nothing written`,
        );
      }
      return found;
    };
    rules.push({
      symbol,
      baseAsset: String(entry['baseAsset']),
      quoteAsset: String(entry['quoteAsset']),
      marginAsset: String(entry['marginAsset']),
      tickSize: value('PRICE_FILTER', 'tickSize'),
      stepSize: value('LOT_SIZE', 'stepSize'),
      minNotional: value('MIN_NOTIONAL', 'notional'),
    });
  }
  if (rules.length === 0) {
    throw new InstrumentsRefreshError('exchangeInfo: no PERPETUAL symbol in the answer; nothing written');
  }
  return rules;
}

type Brackets = Pick<InstrumentRow, 'maxLeverage' | 'maintMarginRatio'>;

/** `leverageBracket`'s rows: the highest `initialLeverage`, and the smallest notional's `maintMarginRatio`. */
export function bracketsFromAnswer(answer: unknown): Map<string, Brackets> {
  if (!Array.isArray(answer)) {
    throw new InstrumentsRefreshError('leverageBracket: the answer is not a list of symbols');
  }
  const brackets = new Map<string, Brackets>();
  for (const row of answer as unknown[]) {
    const list = isObject(row) && Array.isArray(row['brackets']) ? (row['brackets'] as unknown[]) : [];
    const levels = list
      .filter(isObject)
      .sort((a, b) => Number(a['notionalFloor']) - Number(b['notionalFloor']));
    const first = levels[0];
    if (!isObject(row) || !first) {
      throw new InstrumentsRefreshError(
        `leverageBracket: ${JSON.stringify(isObject(row) ? row['symbol'] : row)} has no brackets`,
      );
    }
    brackets.set(String(row['symbol']), {
      maxLeverage: Math.max(...levels.map((level) => Number(level['initialLeverage']))),
      maintMarginRatio: Number(first['maintMarginRatio']),
    });
  }
  return brackets;
}

/** Fetches the rules and builds the new snapshot (nothing is written here). */
export async function refreshInstruments(options: RefreshOptions): Promise<RefreshResult> {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new InstrumentsRefreshError(`--base-url ${options.baseUrl}: not a URL, e.g. ${BINANCE_FAPI_URL}`);
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const endpoint = (path: string) => new URL(path, base);
  const asked = Date.now();
  const info = await getJson(endpoint('/fapi/v1/exchangeInfo'), timeoutMs);
  const filters = filtersFromExchangeInfo(info);
  const bracketsFetched = Boolean(options.apiKey && options.apiSecret);
  let fetched: Map<string, Brackets> | undefined;
  if (options.apiKey && options.apiSecret) {
    // Signed as Binance documents it (HMAC-SHA256 of the query), stamped with the server's clock from
    // exchangeInfo so a skewed local clock is not refused (-1021).
    const serverTime = isObject(info) && typeof info['serverTime'] === 'number' ? info['serverTime'] : asked;
    const query = `timestamp=${serverTime + (Date.now() - asked)}&recvWindow=10000`;
    const signature = createHmac('sha256', options.apiSecret).update(query).digest('hex');
    const url = endpoint(`/fapi/v1/leverageBracket?${query}&signature=${signature}`);
    fetched = bracketsFromAnswer(await getJson(url, timeoutMs, { 'X-MBX-APIKEY': options.apiKey }));
  }
  const previous = new Map(options.previous.contracts.map((row) => [row.symbol, row]));
  const contracts: InstrumentRow[] = [];
  const leftOut: string[] = [];
  for (const rules of filters) {
    const brackets = fetched ? fetched.get(rules.symbol) : previous.get(rules.symbol);
    if (!brackets) {
      leftOut.push(rules.symbol);
      continue;
    }
    const row: InstrumentRow = {
      ...rules,
      maxLeverage: brackets.maxLeverage,
      maintMarginRatio: brackets.maintMarginRatio,
    };
    const problems = rowProblems(row);
    if (problems.length > 0) {
      throw new InstrumentsRefreshError(`${row.symbol}: ${problems.join('; ')}; nothing written`);
    }
    contracts.push(row);
  }
  const listed = new Set(filters.map((rules) => rules.symbol));
  const kept = options.previous.contracts.filter((row) => !listed.has(row.symbol));
  contracts.push(...kept);
  contracts.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return {
    snapshot: {
      source: `${base.origin}/fapi/v1/exchangeInfo`,
      fetchedAt: (options.now?.() ?? new Date()).toISOString(),
      brackets: bracketsFetched
        ? `${base.origin}/fapi/v1/leverageBracket`
        : 'kept from the snapshot before (no BOT_API_KEY/BOT_API_SECRET: /fapi/v1/leverageBracket is signed)',
      contracts,
    },
    leftOut,
    kept: kept.map((row) => row.symbol),
    bracketsFetched,
  };
}

/** The snapshot as written: one JSON document, two-space indented (Prettier's own layout), a final newline. */
export function snapshotText(snapshot: InstrumentSnapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

export interface InstrumentsCommandOptions {
  readonly out?: string;
  readonly baseUrl?: string;
}

/** `bot data instruments`: 0 written, 2 bad input (unreachable, not JSON, a filter missing, bad keys or file). */
export async function instrumentsCommand(
  options: InstrumentsCommandOptions,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const fail = (message: string) => {
    console.error(`bot data instruments: ${message}`);
    return EXIT_BAD_INPUT;
  };
  const out = options.out ?? BUNDLED_SNAPSHOT;
  try {
    // The keys as `bot run` reads them (BOT_API_KEY or BOT_API_KEY_FILE…), checked the same way.
    const { credentials } = loadConfig({ env, overrides: { mode: 'paper' } });
    const previous = existsSync(out) ? readSnapshot(out) : bundledSnapshot();
    const result = await refreshInstruments({
      baseUrl: options.baseUrl ?? BINANCE_FAPI_URL,
      apiKey: credentials.apiKey?.reveal(),
      apiSecret: credentials.apiSecret?.reveal(),
      previous,
    });
    try {
      writeWhole(out, snapshotText(result.snapshot));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      return fail(`${out}: cannot write the snapshot (${code}); the old one, if any, is unchanged`);
    }
    if (!result.bracketsFetched) {
      console.error(
        'bot data instruments: no BOT_API_KEY/BOT_API_SECRET: leverage brackets kept from the snapshot before (/fapi/v1/leverageBracket is signed)',
      );
    }
    if (result.leftOut.length > 0) {
      console.error(
        `bot data instruments: left out, no leverage brackets ${result.bracketsFetched ? 'in the leverageBracket answer' : 'to keep without keys'}: ${result.leftOut.join(', ')}`,
      );
    }
    if (result.kept.length > 0) {
      console.error(
        `bot data instruments: kept from the snapshot before, not in exchangeInfo: ${result.kept.join(', ')}`,
      );
    }
    console.log(`${out}: ${result.snapshot.contracts.length} contracts`);
    return 0;
  } catch (error) {
    if (
      error instanceof InstrumentsRefreshError ||
      error instanceof InstrumentSnapshotError ||
      error instanceof ConfigError
    ) {
      return fail(error.message);
    }
    throw error;
  }
}
