/**
 * Carries out `reconcile`'s actions through an `ExchangePort`, in order, with the same promise as
 * `openProtectedPosition`: a stop-loss that cannot be placed means the position is closed at market,
 * reduce-only (and an incident); partial stop-losses of that symbol are then left alone.
 */
import type { ExchangeAdapterError } from './errors';
import { isExchangeAdapterError } from './errors';
import type { ExchangePort } from './exchange-port';
import type { Incident, IncidentCode, IncidentSeverity } from './incidents';
import { describeError } from './incidents';
import type { ReconcileAction } from './reconcile';
import type { RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

export interface ReconcileOutcome {
  readonly action: ReconcileAction;
  /** `noted` for flags; `skipped` for cancels of a symbol whose new stop-loss failed. */
  readonly status: 'done' | 'failed' | 'skipped' | 'noted';
  /** Why it failed. */
  readonly error: ExchangeAdapterError | Error | undefined;
  /** The rationale the action was sent with: the options' rationale and the action's reason. */
  readonly rationale: string | undefined;
}

export interface ApplyReconcileResult {
  readonly outcomes: readonly ReconcileOutcome[];
  readonly incidents: readonly Incident[];
}

export interface ApplyReconcileOptions extends RuntimeOptions {
  /** Returned with every action (e.g. `reconcile at start`). */
  readonly rationale?: string | undefined;
}

/**
 * The emergency close of a stop-loss that could not be placed: the stop's client id with the close role
 * (`<base>-s<generation>` → `<base>-x<generation>`), so the close belongs to the same intent and to the
 * plan a caller recorded before applying it (a random id would be an order no record announced).
 */
function emergencyCloseId(stopClientOrderId: string): string | undefined {
  const match = /^(.+)-s([^-]+)$/.exec(stopClientOrderId);
  return match ? `${match[1]}-x${match[2]}` : undefined;
}

export async function applyReconcileActions(
  exchange: ExchangePort,
  actions: readonly ReconcileAction[],
  options: ApplyReconcileOptions = {},
): Promise<ApplyReconcileResult> {
  const runtime = resolveRuntime(options);
  const outcomes: ReconcileOutcome[] = [];
  const incidents: Incident[] = [];
  const failedStops = new Set<string>();
  const incident = (
    code: IncidentCode,
    severity: IncidentSeverity,
    symbol: string,
    intentId: string | undefined,
    message: string,
    error?: unknown,
  ) => {
    const entry: Incident = {
      code,
      severity,
      symbol,
      intentId,
      message,
      time: runtime.now(),
      error: error === undefined ? undefined : describeError(error),
    };
    incidents.push(entry);
    runtime.log({
      level: severity === 'critical' ? 'error' : 'warn',
      event: 'incident',
      message: `${code}: ${message}`,
      incident: entry,
    });
  };
  const rationaleOf = (reason: string) => (options.rationale ? `${options.rationale}: ${reason}` : reason);

  for (const action of actions) {
    if (action.type === 'flag') {
      outcomes.push({ action, status: 'noted', error: undefined, rationale: rationaleOf(action.detail) });
      runtime.log({
        level: 'warn',
        event: 'reconcile-flag',
        message: `${action.code} ${action.symbol}: ${action.detail}`,
        action,
      });
      continue;
    }
    try {
      switch (action.type) {
        case 'place-stop-loss':
          try {
            await exchange.createStopLossOrder({
              symbol: action.symbol,
              positionSide: action.positionSide,
              quantity: action.quantity,
              triggerPrice: action.triggerPrice,
              clientOrderId: action.clientOrderId,
              rationale: rationaleOf(action.reason),
            });
          } catch (error) {
            failedStops.add(action.symbol);
            try {
              await exchange.closePosition({
                symbol: action.symbol,
                positionSide: action.positionSide,
                quantity: action.quantity,
                clientOrderId: emergencyCloseId(action.clientOrderId),
                rationale: rationaleOf('emergency close: the stop-loss could not be placed'),
              });
            } catch (closeError) {
              incident(
                'POSITION_UNPROTECTED',
                'critical',
                action.symbol,
                action.intentId,
                `no stop-loss for ${action.quantity} ${action.symbol} and the emergency close failed`,
                closeError,
              );
              throw error;
            }
            incident(
              'STOP_LOSS_FAILED',
              'critical',
              action.symbol,
              action.intentId,
              `the stop-loss for ${action.quantity} ${action.symbol} could not be placed; the position was closed at market`,
              error,
            );
            throw error;
          }
          break;
        case 'place-take-profit':
          try {
            await exchange.createTakeProfitOrder({
              symbol: action.symbol,
              positionSide: action.positionSide,
              quantity: action.quantity,
              triggerPrice: action.triggerPrice,
              limitPrice: action.limitPrice,
              clientOrderId: action.clientOrderId,
              rationale: rationaleOf(action.reason),
            });
          } catch (error) {
            incident(
              'TAKE_PROFIT_FAILED',
              'warning',
              action.symbol,
              action.intentId,
              `the take-profit for ${action.quantity} ${action.symbol} could not be placed`,
              error,
            );
            throw error;
          }
          break;
        case 'close-position':
          try {
            await exchange.closePosition({
              symbol: action.symbol,
              positionSide: action.positionSide,
              quantity: action.quantity,
              clientOrderId: action.clientOrderId,
              rationale: rationaleOf(action.reason),
            });
          } catch (error) {
            incident(
              'POSITION_UNPROTECTED',
              'critical',
              action.symbol,
              action.intentId,
              `closing ${action.quantity} ${action.symbol} (beyond its stop) failed`,
              error,
            );
            throw error;
          }
          break;
        case 'cancel-conditional-order':
          if (failedStops.has(action.symbol)) {
            outcomes.push({
              action,
              status: 'skipped',
              error: undefined,
              rationale: rationaleOf(action.reason),
            });
            continue;
          }
          await exchange.cancelConditionalOrder({
            symbol: action.symbol,
            id: action.orderId,
            rationale: rationaleOf(action.reason),
          });
          break;
        case 'cancel-order':
          await exchange.cancelOrder({
            symbol: action.symbol,
            id: action.orderId,
            rationale: rationaleOf(action.reason),
          });
          break;
      }
      outcomes.push({ action, status: 'done', error: undefined, rationale: rationaleOf(action.reason) });
    } catch (error) {
      outcomes.push({
        action,
        status: 'failed',
        error: isExchangeAdapterError(error) || error instanceof Error ? error : new Error(String(error)),
        rationale: rationaleOf(action.reason),
      });
    }
  }
  return { outcomes, incidents };
}
