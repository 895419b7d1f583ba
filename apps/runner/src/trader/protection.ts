import { applyReconcileActions, reconcile } from '@bot/exchange';
import type { PositionSide, ReconcileAction } from '@bot/exchange';
import { formatScaled, parseScaledDecimal, subtractScaled, toExchangeId } from '@bot/symbols';
import type { TraderContext } from './context';

export interface MarketClose {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: string;
  /** Names the client id (`<prefix>-<tag>-<symbol>-<time>`): `flat`, `fx` (foreign), `rr` (risk). */
  readonly tag: string;
  readonly action: 'position.close' | 'position.reduce';
  readonly lens: string;
  readonly why: string;
  readonly risk?: Record<string, number | string | boolean | null>;
}

/** Closes (part of) a position at market, reduce-only, once its decision record is durable. */
export async function closeAtMarket(context: TraderContext, close: MarketClose): Promise<void> {
  const { symbol, side, quantity, why } = close;
  const clientOrderId = `${context.exchange.clientIdPrefix}-${close.tag}-${toExchangeId(symbol)}-${Date.now().toString(36)}`;
  await context.recordDurably({
    action: close.action,
    lens: close.lens,
    symbol,
    side,
    why,
    risk: { clientOrderId, quantity, ...close.risk },
  });
  await context.exchange.closePosition({
    symbol,
    positionSide: side,
    quantity,
    clientOrderId,
    rationale: why,
  });
}

/**
 * Sends a reduction the trade owes (`reduceTo`, saved before): what `held` (the position's quantity as last
 * known) has above the target, reduce-only at market, then forgets it. The decision's figures go in its
 * record. Runs right after the decision, and at every account review while it is still owed.
 */
export async function reduceOwed(
  context: TraderContext,
  symbol: string,
  held: string,
  figures: Record<string, number | string | boolean | null> = {},
): Promise<void> {
  const trade = context.trades.get(symbol);
  const owed = trade?.reduceTo;
  if (!trade || !owed) return;
  // Exact decimals: in floats, 8234.2 − 5648.8 is 2585.400000000001, which the adapter ceils to the next
  // step (2585.5) and so reduces one step too many.
  const target = parseScaledDecimal(owed.quantity, `${symbol} owed reduceTo quantity`);
  const difference = subtractScaled(parseScaledDecimal(held, `${symbol} held quantity`), target);
  const keeps = target.units > 0n;
  const reduceBy = formatScaled(difference, true);
  if (difference.units > 0n) {
    await closeAtMarket(context, {
      symbol,
      side: trade.side,
      quantity: reduceBy,
      tag: 'rr',
      action: keeps ? 'position.reduce' : 'position.close',
      lens: 'Risk',
      why: owed.why,
      risk: { ...figures, reduceBy, reduceTo: owed.quantity },
    });
  }
  const { reduceTo: _done, ...rest } = trade;
  // A full close leaves the quantity to the settlement, which reads the fills once the position is gone.
  context.trades.set(symbol, keeps ? { ...rest, quantity: owed.quantity } : rest);
  await context.saveState();
}

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
    await Promise.all([
      context.options.audit.append('reconcile.plan', {
        rationale,
        actions: orders.map((action) => ({
          type: action.type,
          symbol: action.symbol,
          clientOrderId: action.clientOrderId,
          reason: action.reason,
        })),
      }),
      context.options.audit.flush(),
    ]);
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
