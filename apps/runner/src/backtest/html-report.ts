/**
 * `--report out.html`: one self-contained file (no CDN, no network): the figures, an equity curve, the
 * drawdown curve, and the price with every entry, stop, target and exit marked, drawn by TradingView's
 * lightweight-charts (Apache-2.0), whose standalone build is inlined into the file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BacktestResult } from './backtest';
import type { BacktestStats } from './report';

function chartLibrary(): string {
  // The package exports only its module builds; the standalone build (a global `LightweightCharts`) sits beside them.
  const entry = fileURLToPath(import.meta.resolve('lightweight-charts'));
  return readFileSync(join(dirname(entry), 'lightweight-charts.standalone.production.js'), 'utf8');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** JSON safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function htmlReport(result: BacktestResult, stats: BacktestStats): string {
  const seconds = (time: number) => Math.floor(time / 1000);
  let equity = result.startBalance;
  let peak = equity;
  const equityCurve = [{ time: seconds(result.from), value: equity }];
  const drawdownCurve = [{ time: seconds(result.from), value: 0 }];
  for (const trade of result.trades) {
    equity += trade.pnl;
    peak = Math.max(peak, equity);
    const time = Math.max(seconds(trade.exitTime), (equityCurve.at(-1)?.time ?? 0) + 1);
    equityCurve.push({ time, value: Math.round(equity * 100) / 100 });
    drawdownCurve.push({ time, value: Math.round((-100 * (peak - equity) * 100) / peak) / 100 });
  }
  const data = {
    prices: result.prices.map((point) => ({ time: seconds(point.time), value: point.close })),
    trades: result.trades.map((trade) => ({
      entryTime: seconds(trade.entryTime),
      exitTime: seconds(trade.exitTime),
      side: trade.side,
      entryPrice: trade.entryPrice,
      exitPrice: trade.exitPrice,
      stop: trade.stop ?? null,
      target: trade.target ?? null,
      exit: trade.exit,
    })),
    equity: equityCurve,
    drawdown: drawdownCurve,
  };
  const figures: [string, string][] = [
    ['trades', String(stats.trades)],
    ['win rate', `${(100 * stats.winRate).toFixed(1)} %`],
    ['total profit', `${stats.totalProfit.toFixed(2)} (${stats.totalProfitPct.toFixed(2)} %)`],
    ['profit factor', stats.profitFactor?.toFixed(2) ?? '—'],
    ['expectancy', stats.expectancy.toFixed(2)],
    [
      'max drawdown',
      `${stats.maxDrawdown.toFixed(2)} (${stats.maxDrawdownPct.toFixed(2)} %) ${stats.drawdownFrom ?? ''} → ${stats.drawdownTo ?? ''}`,
    ],
    [
      'Sharpe / Sortino / Calmar',
      [stats.sharpe, stats.sortino, stats.calmar].map((value) => value?.toFixed(2) ?? '—').join(' / '),
    ],
    ['exposure', `${(100 * stats.exposure).toFixed(1)} %`],
    ['longest win / loss streak', `${stats.longestWinStreak} / ${stats.longestLossStreak}`],
    [
      'denials',
      Object.entries(stats.denials)
        .map(([code, count]) => `${code} ${count}`)
        .join(', ') || '—',
    ],
  ];
  const rows = result.trades
    .map(
      (trade) =>
        `<tr class="trade"><td>${new Date(trade.entryTime).toISOString().slice(0, 16)}</td><td>${trade.side}</td><td>${trade.entryPrice.toFixed(4)}</td><td>${trade.stop ?? '—'}</td><td>${trade.target ?? '—'}</td><td>${new Date(trade.exitTime).toISOString().slice(0, 16)}</td><td>${trade.exitPrice.toFixed(4)}</td><td>${escapeHtml(trade.exit)}</td><td class="${trade.pnl > 0 ? 'win' : 'loss'}">${trade.pnl.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backtest ${escapeHtml(stats.symbol)} ${escapeHtml(stats.timeframe)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#667}.figures{display:grid;grid-template-columns:repeat(5,1fr);gap:8px;margin:16px 0}
.figure{border:1px solid #dde;border-radius:6px;padding:8px}.figure b{display:block;font-size:12px;color:#667;font-weight:normal}
.chart{height:320px;border:1px solid #dde;border-radius:6px}.small{height:200px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eef;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.win{color:#1a7f37}.loss{color:#c62828}
</style></head><body>
<h1>Backtest ${escapeHtml(stats.symbol)} · ${escapeHtml(stats.timeframe)}</h1>
<div class="meta">${escapeHtml(stats.from)} → ${escapeHtml(stats.interrupted ? `${stats.reached} (interrupted: partial report)` : stats.to)} UTC · ${stats.candles} 1m candles · the bot's Trader, RiskGuard and protected entries on the emulator's matching core</div>
<div class="figures">${figures.map(([name, value]) => `<div class="figure"><b>${escapeHtml(name)}</b>${escapeHtml(value)}</div>`).join('')}</div>
<h2>Price, entries (▲▼), stops (SL), targets (TP) and exits (●)</h2><div id="price" class="chart"></div>
<h2>Equity</h2><div id="equity" class="chart small"></div>
<h2>Drawdown (%)</h2><div id="drawdown" class="chart small"></div>
<h2>Trades</h2>
<table><thead><tr><th>entry (UTC)</th><th>side</th><th>entry</th><th>stop</th><th>target</th><th>exit (UTC)</th><th>exit</th><th>reason</th><th>PnL</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>${chartLibrary()}</script>
<script>
const data = ${scriptJson(data)};
const LC = LightweightCharts;
const options = { autoSize: true, layout: { attributionLogo: false }, timeScale: { timeVisible: true } };
const priceChart = LC.createChart(document.getElementById('price'), options);
const price = priceChart.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 1 });
price.setData(data.prices);
const markers = [];
for (const trade of data.trades) {
  const long = trade.side === 'long';
  markers.push({ time: trade.entryTime, position: long ? 'belowBar' : 'aboveBar', color: long ? '#1a7f37' : '#c62828', shape: long ? 'arrowUp' : 'arrowDown', text: long ? 'L' : 'S' });
  if (trade.stop !== null) markers.push({ time: trade.entryTime, position: 'atPriceMiddle', price: trade.stop, color: '#c62828', shape: 'square', text: 'SL' });
  if (trade.target !== null) markers.push({ time: trade.entryTime, position: 'atPriceMiddle', price: trade.target, color: '#1a7f37', shape: 'square', text: 'TP' });
  markers.push({ time: trade.exitTime, position: 'atPriceMiddle', price: trade.exitPrice, color: '#444', shape: 'circle', text: '' });
}
// Markers must be in time order, and on the series' own times: each goes to the candle it falls in.
const times = data.prices.map((point) => point.time);
const snap = (time) => { let lo = 0, hi = times.length - 1; while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (times[mid] <= time) lo = mid; else hi = mid - 1; } return times[lo] ?? time; };
const placed = markers.map((marker) => ({ ...marker, time: snap(marker.time) })).sort((a, b) => a.time - b.time);
LC.createSeriesMarkers(price, placed);
priceChart.timeScale().fitContent();
const equityChart = LC.createChart(document.getElementById('equity'), options);
equityChart.addSeries(LC.AreaSeries, { lineColor: '#1a7f37', topColor: 'rgba(26,127,55,0.3)', bottomColor: 'rgba(26,127,55,0.02)' }).setData(data.equity);
equityChart.timeScale().fitContent();
const drawdownChart = LC.createChart(document.getElementById('drawdown'), options);
drawdownChart.addSeries(LC.AreaSeries, { lineColor: '#c62828', topColor: 'rgba(198,40,40,0.02)', bottomColor: 'rgba(198,40,40,0.3)', invertFilledArea: true }).setData(data.drawdown);
drawdownChart.timeScale().fitContent();
window.backtestReport = { trades: data.trades.length, markers: placed.length, charts: 3 };
document.body.dataset.rendered = 'true';
</script>
</body></html>
`;
}
