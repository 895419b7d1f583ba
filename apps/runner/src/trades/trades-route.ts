import { parseBound, totals } from './trades-command';
import { readTrades, TradesError } from './trades';
import type { TradeFilter } from './trades';

/**
 * `GET /trades?from=&to=&symbol=` of the operator API: the same history as `bot trades --json`. A bad bound
 * is the caller's error (400); a trail that cannot be read, the bot's (500).
 */
export async function tradesForConsole(
  auditPath: string,
  query: URLSearchParams,
): Promise<{ status: number; body: unknown }> {
  const from = query.get('from');
  const to = query.get('to');
  const symbol = query.get('symbol');
  let filter: TradeFilter;
  try {
    filter = {
      ...(from ? { from: parseBound(from, '--from') } : {}),
      ...(to ? { to: parseBound(to, '--to') } : {}),
      ...(symbol ? { symbol } : {}),
    };
  } catch (error) {
    return { status: 400, body: { error: (error as Error).message } };
  }
  try {
    const trades = await readTrades(auditPath, filter);
    return { status: 200, body: { trades, totals: totals(trades) } };
  } catch (error) {
    if (error instanceof TradesError) return { status: 500, body: { error: error.message } };
    throw error;
  }
}
