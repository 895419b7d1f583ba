import { haltPlaybookIds } from '../playbooks';
import { freshMark } from './account-watch';
import type { TraderContext } from './context';

/**
 * What the operator console shows beyond the guard's status: every position on the exchange with its risk
 * figures, the feeds' last events, the equity curve and the latest decisions. Read from state the loop
 * already keeps (the account state, the streamed marks, the open trades); it asks the exchange nothing.
 */
export function consoleView(context: TraderContext): Record<string, unknown> {
  const now = context.now();
  const halt = context.guard.status().halt;
  const lastMark = Math.max(0, ...[...context.marks.values()].map((mark) => mark.time));
  const lastCandle = Math.max(0, ...context.lastCandle.values());
  // The curve ends at the equity now, so its last point and the figure above it agree.
  const equity = equityNow(context);
  return {
    marketTime: now,
    exchangePositions: exchangePositions(context, now),
    feedEvents: {
      market: Math.max(lastMark, lastCandle) || null,
      userData: context.account.lastEventAt || null,
    },
    haltPlaybook: halt ? (HALT_PLAYBOOKS[halt.code] ?? null) : null,
    equity: {
      now: equity ?? null,
      curve: equity === undefined ? context.equityCurve : [...context.equityCurve, [now, equity]],
    },
    decisions: [...context.recentDecisions].reverse(),
  };
}

const HALT_PLAYBOOKS: Readonly<Record<string, string>> = haltPlaybookIds();

/** Every position the account holds: the bot's own (`bot`), taken over (`adopted`), or left alone (`foreign`). */
function exchangePositions(context: TraderContext, now: number): Record<string, unknown>[] {
  return [...context.account.positions.values()].map((position) => {
    const trade = context.trades.get(position.symbol);
    const owner = !trade || trade.side !== position.side ? 'foreign' : trade.adopted ? 'adopted' : 'bot';
    const entry = Number(position.entryPrice);
    const quantity = Number(position.quantity);
    const direction = position.side === 'long' ? 1 : -1;
    // A mark older than the feed's freshness is still the best the console has: shown, not used to decide.
    const mark = freshMark(context, position.symbol, now) ?? markOf(context, position.symbol);
    const ours = owner === 'foreign' ? undefined : trade;
    const stop = ours ? Number(ours.stopLossPrice) : undefined;
    const target = ours?.takeProfitPrice === undefined ? undefined : Number(ours.takeProfitPrice);
    // 1R: the distance from the entry to the stop, the loss the trade was sized to risk.
    const riskPerUnit = stop === undefined ? 0 : Math.abs(entry - stop);
    const away = (level: number | undefined) => {
      if (level === undefined || mark === undefined || mark <= 0) return { pct: null, r: null };
      const gap = Math.abs(level - mark);
      return { pct: (gap / mark) * 100, r: riskPerUnit > 0 ? gap / riskPerUnit : null };
    };
    const toStop = away(stop);
    const toTarget = away(target);
    return {
      symbol: position.symbol,
      side: position.side,
      owner,
      quantity: position.quantity,
      entryPrice: position.entryPrice,
      markPrice: mark === undefined ? null : String(mark),
      unrealizedPnl: mark === undefined ? null : round(direction * quantity * (mark - entry), 4),
      stopLoss: ours?.stopLossPrice ?? null,
      takeProfit: ours?.takeProfitPrice ?? null,
      stopDistancePct: toStop.pct,
      stopDistanceR: toStop.r,
      targetDistancePct: toTarget.pct,
      targetDistanceR: toTarget.r,
      leverage: context.account.settings.get(position.symbol)?.leverage ?? null,
      liquidationPrice: position.liquidationPrice ?? null,
      marginMode: position.marginMode ?? null,
    };
  });
}

function markOf(context: TraderContext, symbol: string): number | undefined {
  const price = Number(context.marks.get(symbol)?.price);
  return price > 0 ? price : undefined;
}

/**
 * The account's equity from what the loop holds: the wallet as last reported plus each position's PnL at
 * its latest mark. Undefined before the first balance.
 */
export function equityNow(context: TraderContext): number | undefined {
  const balance = context.account.balances.get(context.config.quoteCoin);
  if (!balance) return undefined;
  let equity = Number(balance.walletBalance);
  for (const position of context.account.positions.values()) {
    const mark = markOf(context, position.symbol);
    if (mark === undefined) continue;
    const amount = Number(position.quantity) * (position.side === 'long' ? 1 : -1);
    equity += amount * (mark - Number(position.entryPrice));
  }
  return Number.isFinite(equity) ? round(equity, 4) : undefined;
}

const CURVE_POINTS = 1000;

/** Adds the equity at a handled candle to the run's curve; every other point is dropped when it is full. */
export function sampleEquity(context: TraderContext, at: number): void {
  const equity = equityNow(context);
  const curve = context.equityCurve;
  if (equity === undefined || (curve.at(-1)?.[0] ?? 0) >= at) return;
  curve.push([at, equity]);
  if (curve.length > CURVE_POINTS) {
    const kept = curve.filter((_, index) => index % 2 === 0 || index === curve.length - 1);
    curve.splice(0, curve.length, ...kept);
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
