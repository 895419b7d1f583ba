/**
 * The backtest's report: the figures a freqtrade user expects, computed from the trades (closed-trade
 * equity), as a terminal table and as JSON.
 */
import type { BacktestResult, BacktestTrade } from './backtest';

export interface Breakdown {
  readonly key: string;
  readonly trades: number;
  readonly wins: number;
  readonly profit: number;
}

export interface BacktestStats {
  readonly symbol: string;
  readonly timeframe: string;
  readonly from: string;
  readonly to: string;
  readonly reached: string;
  readonly interrupted: boolean;
  readonly candles: number;
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  readonly winRate: number;
  readonly totalProfit: number;
  readonly totalProfitPct: number;
  readonly averageProfit: number;
  readonly profitFactor: number | null;
  readonly expectancy: number;
  readonly fees: number;
  readonly maxDrawdown: number;
  readonly maxDrawdownPct: number;
  readonly drawdownFrom: string | null;
  readonly drawdownTo: string | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly exposure: number;
  readonly longestWinStreak: number;
  readonly longestLossStreak: number;
  readonly denials: Readonly<Record<string, number>>;
  readonly exits: Readonly<Record<string, number>>;
  readonly perSymbol: readonly Breakdown[];
  readonly perMonth: readonly Breakdown[];
  /** The Trader's own summary: its realized PnL equals the trades' total to the cent. */
  readonly traderSummary: BacktestResult['summary'];
  readonly elapsedSeconds: number;
  readonly candlesPerSecond: number;
}

const DAY = 86_400_000;
const iso = (time: number) => new Date(time).toISOString().slice(0, 16).replace('T', ' ');
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function breakdown(trades: readonly BacktestTrade[], keyOf: (trade: BacktestTrade) => string): Breakdown[] {
  const rows = new Map<string, { trades: number; wins: number; profit: number }>();
  for (const trade of trades) {
    const key = keyOf(trade);
    const row = rows.get(key) ?? { trades: 0, wins: 0, profit: 0 };
    row.trades += 1;
    if (trade.pnl > 0) row.wins += 1;
    row.profit += trade.pnl;
    rows.set(key, row);
  }
  return [...rows].map(([key, row]) => ({ key, ...row, profit: round(row.profit) }));
}

/** Daily returns of the closed-trade equity, for Sharpe and Sortino (annualised over 365 days). */
function dailyReturns(result: BacktestResult): number[] {
  const days = Math.max(1, Math.ceil((result.reached - result.from) / DAY));
  const pnlByDay = new Array<number>(days).fill(0);
  for (const trade of result.trades) {
    const day = Math.min(days - 1, Math.max(0, Math.floor((trade.exitTime - result.from) / DAY)));
    pnlByDay[day] = (pnlByDay[day] ?? 0) + trade.pnl;
  }
  let equity = result.startBalance;
  return pnlByDay.map((pnl) => {
    const value = pnl / equity;
    equity += pnl;
    return value;
  });
}

export function computeStats(result: BacktestResult): BacktestStats {
  const { trades } = result;
  const wins = trades.filter((trade) => trade.pnl > 0);
  const losses = trades.filter((trade) => trade.pnl <= 0);
  const grossWin = wins.reduce((sum, trade) => sum + trade.pnl, 0);
  const grossLoss = -losses.reduce((sum, trade) => sum + trade.pnl, 0);
  const total = grossWin - grossLoss;
  let equity = result.startBalance;
  let peak = equity;
  let peakTime = result.from;
  let maxDrawdown = 0;
  let maxDrawdownPct = 0;
  let drawdownFrom: number | undefined;
  let drawdownTo: number | undefined;
  let streak = 0;
  let longestWin = 0;
  let longestLoss = 0;
  let exposed = 0;
  for (const trade of trades) {
    equity += trade.pnl;
    exposed += trade.exitTime - trade.entryTime;
    if (equity > peak) {
      peak = equity;
      peakTime = trade.exitTime;
    }
    if (peak - equity > maxDrawdown) {
      maxDrawdown = peak - equity;
      maxDrawdownPct = (peak - equity) / peak;
      drawdownFrom = peakTime;
      drawdownTo = trade.exitTime;
    }
    streak = trade.pnl > 0 ? Math.max(1, streak + 1) : Math.min(-1, streak - 1);
    longestWin = Math.max(longestWin, streak);
    longestLoss = Math.max(longestLoss, -streak);
  }
  const returns = dailyReturns(result);
  const mean = returns.reduce((sum, value) => sum + value, 0) / returns.length;
  const sd = Math.sqrt(returns.reduce((sum, value) => sum + (value - mean) ** 2, 0) / returns.length);
  const downside = Math.sqrt(
    returns.reduce((sum, value) => sum + Math.min(0, value) ** 2, 0) / returns.length,
  );
  const years = Math.max(1 / 365, (result.reached - result.from) / (365 * DAY));
  const annualReturn = (1 + total / result.startBalance) ** (1 / years) - 1;
  const span = Math.max(1, result.reached - result.from);
  const elapsedSeconds = result.elapsedMs / 1000;
  const exits: Record<string, number> = {};
  for (const trade of trades) exits[trade.exit] = (exits[trade.exit] ?? 0) + 1;
  return {
    symbol: result.symbol,
    timeframe: result.timeframe,
    from: iso(result.from),
    to: iso(result.to),
    reached: iso(result.reached),
    interrupted: result.interrupted,
    candles: result.candles,
    trades: trades.length,
    wins: wins.length,
    losses: losses.length,
    winRate: trades.length ? round(wins.length / trades.length, 4) : 0,
    totalProfit: round(total),
    totalProfitPct: round((100 * total) / result.startBalance),
    averageProfit: trades.length ? round(total / trades.length) : 0,
    profitFactor: grossLoss > 0 ? round(grossWin / grossLoss) : null,
    expectancy: trades.length
      ? round(
          (wins.length / trades.length) * (wins.length ? grossWin / wins.length : 0) -
            (losses.length / trades.length) * (losses.length ? grossLoss / losses.length : 0),
        )
      : 0,
    fees: round(trades.reduce((sum, trade) => sum + trade.fees, 0)),
    maxDrawdown: round(maxDrawdown),
    maxDrawdownPct: round(100 * maxDrawdownPct),
    drawdownFrom: drawdownFrom === undefined ? null : iso(drawdownFrom),
    drawdownTo: drawdownTo === undefined ? null : iso(drawdownTo),
    sharpe: sd > 0 ? round((mean / sd) * Math.sqrt(365)) : null,
    sortino: downside > 0 ? round((mean / downside) * Math.sqrt(365)) : null,
    // Annualised over less than a month, a return says little: no Calmar then.
    calmar: maxDrawdownPct > 0 && years >= 30 / 365 ? round(annualReturn / maxDrawdownPct) : null,
    exposure: round(exposed / span, 4),
    longestWinStreak: longestWin,
    longestLossStreak: longestLoss,
    denials: result.summary.denials,
    exits,
    perSymbol: breakdown(trades, (trade) => trade.symbol),
    perMonth: breakdown(trades, (trade) => new Date(trade.exitTime).toISOString().slice(0, 7)),
    traderSummary: result.summary,
    elapsedSeconds: round(elapsedSeconds, 1),
    candlesPerSecond: Math.round(result.candles / Math.max(elapsedSeconds, 1e-3)),
  };
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  '),
  );
}

const num = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));

/** The report as lines for the terminal. */
export function formatStats(stats: BacktestStats, quote: string): string[] {
  const lines = [
    `BACKTEST ${stats.symbol} ${stats.timeframe}  ${stats.from} → ${stats.interrupted ? `${stats.reached} (interrupted; partial report)` : stats.to}  ${stats.candles} 1m candles in ${stats.elapsedSeconds} s (${stats.candlesPerSecond}/s)`,
    '',
    ...table([
      ['metric', 'value'],
      ['trades', String(stats.trades)],
      ['wins / losses', `${stats.wins} / ${stats.losses}`],
      ['win rate', `${(100 * stats.winRate).toFixed(1)} %`],
      ['total profit', `${num(stats.totalProfit)} ${quote} (${num(stats.totalProfitPct)} %)`],
      ['average profit', `${num(stats.averageProfit)} ${quote}`],
      ['profit factor', num(stats.profitFactor)],
      ['expectancy', `${num(stats.expectancy)} ${quote}`],
      ['fees paid', `${num(stats.fees)} ${quote}`],
      [
        'max drawdown',
        `${num(stats.maxDrawdown)} ${quote} (${num(stats.maxDrawdownPct)} %) ${stats.drawdownFrom ?? ''} → ${stats.drawdownTo ?? ''}`,
      ],
      ['Sharpe / Sortino / Calmar', `${num(stats.sharpe)} / ${num(stats.sortino)} / ${num(stats.calmar)}`],
      ['exposure', `${(100 * stats.exposure).toFixed(1)} %`],
      ['longest win / loss streak', `${stats.longestWinStreak} / ${stats.longestLossStreak}`],
      [
        'exits',
        Object.entries(stats.exits)
          .map(([key, count]) => `${key} ${count}`)
          .join(', ') || '—',
      ],
      [
        'denials',
        Object.entries(stats.denials)
          .map(([key, count]) => `${key} ${count}`)
          .join(', ') || '—',
      ],
    ]),
    '',
    ...table([
      ['per symbol', 'trades', 'win %', 'profit'],
      ...stats.perSymbol.map((row) => [
        row.key,
        String(row.trades),
        ((100 * row.wins) / row.trades).toFixed(1),
        row.profit.toFixed(2),
      ]),
    ]),
    '',
    ...table([
      ['per month', 'trades', 'win %', 'profit'],
      ...stats.perMonth.map((row) => [
        row.key,
        String(row.trades),
        ((100 * row.wins) / row.trades).toFixed(1),
        row.profit.toFixed(2),
      ]),
    ]),
  ];
  return lines;
}

/** The JSON report: the figures and every trade. */
export function reportJson(result: BacktestResult, stats: BacktestStats): string {
  return `${JSON.stringify({ stats, trades: result.trades }, null, 2)}\n`;
}
