import { ConfigError, loadConfig } from '@bot/config';
import { EXIT_BAD_INPUT } from '../run-command';
import { readTrades, TradesError } from './trades';
import type { TradeFilter, TradeRow } from './trades';

export interface TradesCommandOptions {
  readonly from?: string;
  readonly to?: string;
  readonly symbol?: string;
  readonly json?: boolean;
  /** The trail to read; default the configuration's `compliance.auditPath` (BOT_AUDIT_PATH). */
  readonly audit?: string;
  readonly config?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly print?: (line: string) => void;
  readonly printError?: (line: string) => void;
}

/**
 * A date for `--from`/`--to`: ISO 8601, a date alone being midnight UTC. `--to` with a date alone means the
 * end of that day, so `--from 2026-01-01 --to 2026-01-31` is the whole of January.
 */
export function parseBound(text: string, flag: '--from' | '--to'): number {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const time = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) {
    throw new TradesError(
      `${flag} must be an ISO date or time such as 2026-01-31 or 2026-01-31T12:00Z, got ${text}`,
    );
  }
  return dateOnly && flag === '--to' ? time + 86_400_000 : time;
}

/** `bot trades`: the trade history from the audit trail, as a table or JSON. 0, or 2 for bad input. */
export async function tradesCommand(options: TradesCommandOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  try {
    const filter: TradeFilter = {
      ...(options.from === undefined ? {} : { from: parseBound(options.from, '--from') }),
      ...(options.to === undefined ? {} : { to: parseBound(options.to, '--to') }),
      ...(options.symbol === undefined ? {} : { symbol: options.symbol }),
    };
    const auditPath =
      options.audit ??
      loadConfig({ env: options.env ?? process.env, configFile: options.config }).compliance.auditPath;
    const trades = await readTrades(auditPath, filter);
    if (options.json) print(JSON.stringify({ trades, totals: totals(trades) }, null, 2));
    else for (const line of formatTrades(trades)) print(line);
    return 0;
  } catch (error) {
    if (error instanceof TradesError || error instanceof ConfigError) {
      printError(`bot trades: ${error.message}`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

export function totals(trades: readonly TradeRow[]): Record<string, number> {
  const closed = trades.filter((trade) => trade.exit !== null);
  const pnl = closed.reduce((sum, trade) => sum + (trade.pnl ?? 0), 0);
  return {
    closed: closed.length,
    open: trades.length - closed.length,
    wins: closed.filter((trade) => (trade.pnl ?? 0) > 0).length,
    pnl: Math.round(pnl * 1e4) / 1e4,
    fees: Math.round(closed.reduce((sum, trade) => sum + (trade.fees ?? 0), 0) * 1e4) / 1e4,
  };
}

const COLUMNS: readonly [string, (trade: TradeRow) => string][] = [
  ['opened (UTC)', (trade) => new Date(trade.openedAt).toISOString().slice(0, 16).replace('T', ' ')],
  ['symbol', (trade) => trade.symbol.replace(/:.*$/, '')],
  ['side', (trade) => trade.side],
  ['qty', (trade) => figure(trade.quantity)],
  ['entry', (trade) => figure(trade.entryPrice)],
  ['exit', (trade) => figure(trade.exitPrice)],
  ['reason', (trade) => trade.exit ?? 'open'],
  ['fees', (trade) => figure(trade.fees, 4)],
  ['funding', (trade) => figure(trade.funding, 4)],
  ['pnl', (trade) => figure(trade.pnl, 2)],
  ['R', (trade) => figure(trade.rMultiple, 2)],
  ['why', (trade) => (trade.why.length > 60 ? `${trade.why.slice(0, 59)}…` : trade.why)],
];

function figure(value: number | null, digits?: number): string {
  if (value === null) return '—';
  return digits === undefined ? String(Number(value.toPrecision(10))) : value.toFixed(digits);
}

/** The table `bot trades` prints, with a totals line. */
export function formatTrades(trades: readonly TradeRow[]): string[] {
  if (trades.length === 0) return ['no trades in the audit trail for this selection'];
  const cells = trades.map((trade) => COLUMNS.map(([, cell]) => cell(trade)));
  const widths = COLUMNS.map(([title], index) =>
    Math.max(title.length, ...cells.map((row) => row[index]!.length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  const sum = totals(trades);
  return [
    line(COLUMNS.map(([title]) => title)),
    ...cells.map(line),
    `${sum['closed']} closed (${sum['wins']} won), ${sum['open']} open; pnl ${sum['pnl']!.toFixed(2)} after ${sum['fees']!.toFixed(2)} fees; funding not recorded`,
  ];
}
