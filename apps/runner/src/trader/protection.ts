import { applyReconcileActions, reconcile } from '@bot/exchange';
import type { ReconcileAction } from '@bot/exchange';
import type { TraderContext } from './context';

/** An adopted position without a stop of its own: the stop distance when no risk-sized one is known. */
export function adoptedStopFraction(context: TraderContext): number {
  const { risk } = context.config;
  return Math.min(0.5, risk.riskPerTradePct * Math.max(1, risk.leverageDefault));
}

/**
 * Reconciles `symbols` with the exchange against the open trades: a position without a covering stop gets
 * one (or is closed if it cannot); returns the actions, all audited (the plan before, outcomes after).
 */
export async function reconcileSymbols(
  context: TraderContext,
  symbols: readonly string[],
  rationale: string,
): Promise<readonly ReconcileAction[]> {
  const exchangeState = await context.exchange.fetchExchangeState(symbols);
  const intents = [...context.trades.values()]
    .filter((trade) => symbols.includes(trade.symbol) && trade.closing === undefined)
    .map((trade) => ({
      intentId: trade.intentId,
      symbol: trade.symbol,
      side: trade.side,
      quantity: trade.quantity,
      stopLossPrice: trade.stopLossPrice,
      takeProfitPrice: trade.takeProfitPrice,
    }));
  const actions = reconcile(exchangeState, intents, {
    adoptedStopLossFraction: String(adoptedStopFraction(context)),
    now: Date.now(),
    clientIdPrefix: context.exchange.clientIdPrefix,
  });
  const orders = actions.filter((action) => action.type !== 'flag');
  if (orders.length > 0) {
    // Every order reconcile sends is in the trail before it leaves.
    await context.options.audit.append('reconcile.plan', {
      rationale,
      actions: orders.map((action) => ({
        type: action.type,
        symbol: action.symbol,
        clientOrderId: action.clientOrderId,
        reason: action.reason,
      })),
    });
    await context.options.audit.flush();
  }
  const result = await applyReconcileActions(context.exchange, actions, { rationale });
  for (const outcome of result.outcomes) await auditReconcile(context, outcome.action, outcome.status);
  for (const incident of result.incidents) context.incident(incident);
  return actions;
}

async function auditReconcile(
  context: TraderContext,
  action: ReconcileAction,
  status: string,
): Promise<void> {
  if (action.type === 'flag') {
    await context.rationale({
      action: action.code === 'POSITION_ADOPTED' ? 'reconcile.adopt' : 'reconcile.mismatch',
      lens: 'Reconciler',
      symbol: action.symbol,
      why: `${action.code}: ${action.detail}`,
    });
    return;
  }
  await context.rationale({
    action: action.type === 'place-stop-loss' ? 'protection.place' : 'reconcile.mismatch',
    lens: 'Reconciler',
    symbol: action.symbol,
    why: `${action.type} ${status}: ${action.reason}`,
    risk: {
      status,
      clientOrderId: action.clientOrderId,
      playbook: action.type === 'place-stop-loss' ? 'position-unprotected' : null,
    },
  });
  if (action.type === 'place-stop-loss') {
    context.log.warn(
      { playbook: 'position-unprotected', symbol: action.symbol, status },
      `playbook position-unprotected: ${action.symbol} had no covering stop-loss; placing one at ${action.triggerPrice} (${status})`,
    );
  }
}
