/**
 * Audit records of whole trades, written through the real audit trail in the shapes the trader writes them
 * (entries.ts, settlement.ts, account-watch.ts): for the trade-history tests and the benchmark.
 */
import type { AuditTrail } from '@bot/audit';

export interface SyntheticTrade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly openedAt: number;
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
  readonly quantity: number;
  readonly exitPrice?: number;
  readonly reason?: 'stop_loss' | 'take_profit' | 'liquidation' | 'adl' | 'manual';
  /** The operator flattened it (`POST /flatten`): an operator close record before the guard's. */
  readonly flatten?: boolean;
  readonly adopted?: boolean;
}

export const FEE_RATE = 0.0004;

/** The trade's records; without `exitPrice` it stays open. Returns the net PnL written (undefined if open). */
export async function writeTrade(audit: AuditTrail, trade: SyntheticTrade): Promise<number | undefined> {
  const { symbol, side, quantity } = trade;
  const intentId = `${symbol.replace(/\/.*$/, '')}USDC-${trade.openedAt}`;
  if (trade.adopted) {
    await audit.appendRationale({
      action: 'reconcile.adopt',
      lens: 'Reconciler',
      symbol,
      side,
      why: `foreign position ${symbol} ${side} ${quantity} adopted; stop ${trade.stop} (sized to the per-trade risk)`,
      risk: { playbook: 'foreign-position', quantity: String(quantity), stopLoss: String(trade.stop) },
    });
  } else {
    await audit.appendRationale({
      action: 'order.place',
      lens: 'Trader',
      symbol,
      side: side === 'long' ? 'buy' : 'sell',
      size: quantity,
      why: `breakout ${side} at ${trade.entry}; qty=${quantity} risks 0.50% of 10000.00`,
      config: { riskPerTradePct: 0.005, leverage: 3, tier: 'conservative' },
      risk: { intentId, stopLoss: trade.stop, takeProfit: trade.target, equity: 10_000 },
    });
    await audit.append('order.result', {
      intentId,
      symbol,
      status: 'protected',
      filledQuantity: String(quantity),
      averagePrice: String(trade.entry),
    });
  }
  if (trade.exitPrice === undefined) return undefined;
  if (trade.flatten) {
    await audit.appendRationale({
      action: 'position.close',
      lens: 'Operator',
      symbol,
      side,
      why: 'operator (token 0123abcd): POST /flatten',
      risk: { clientOrderId: `x-flat-${intentId}`, quantity: String(quantity) },
    });
  }
  const direction = side === 'long' ? 1 : -1;
  const gross = direction * (trade.exitPrice - trade.entry) * quantity;
  const fees = (trade.entry + trade.exitPrice) * quantity * FEE_RATE;
  const pnl = gross - fees;
  const reason = trade.reason ?? (trade.flatten ? 'manual' : pnl < 0 ? 'stop_loss' : 'take_profit');
  await audit.appendRationale({
    action: 'position.close',
    lens: 'Risk',
    symbol,
    side,
    why: `${reason}: pnl ${pnl.toFixed(4)} USDC`,
    risk: {
      pnl,
      reason,
      stopLossStreak: 0,
      realizedPnl: pnl,
      tradingState: 'active',
      tripped: null,
      fills: 2,
      ...(trade.adopted ? {} : { intentId }),
      openedAt: trade.openedAt,
      closedAt: trade.openedAt + 3_600_000,
      quantity,
      entryPrice: trade.entry,
      exitPrice: trade.exitPrice,
      fees,
      grossPnl: gross,
      stopLoss: String(trade.stop),
      takeProfit: String(trade.target),
      adopted: trade.adopted === true,
    },
  });
  return pnl;
}
