/**
 * Incidents: things that went wrong in a way the operator must hear about, returned as values with the
 * action's result (never only logged). `critical` means a position may be at risk right now.
 */

export type IncidentCode =
  /** The stop-loss could not be placed (or vanished right after): the position was closed at market. */
  | 'STOP_LOSS_FAILED'
  /** A position is open without a stop-loss and closing it failed too: reconcile now, page someone. */
  | 'POSITION_UNPROTECTED'
  /** The entry's outcome could not be established: a position may exist unprotected; reconcile now. */
  | 'ENTRY_OUTCOME_UNKNOWN'
  /** The take-profit could not be placed; the stop-loss protects the position (reconcile re-places it). */
  | 'TAKE_PROFIT_FAILED'
  /** The stop-loss was placed but could not be read back; its creation was confirmed by the exchange. */
  | 'PROTECTION_UNVERIFIED'
  /** A protective order read back differs from what was asked (price, quantity, working type…). */
  | 'PROTECTION_MISMATCH'
  /** The unfilled rest of a limit entry could not be canceled: it may still fill (unprotected). */
  | 'ENTRY_NOT_CANCELED'
  /** A replaced or leftover protective order could not be canceled (harmless while reduce-only). */
  | 'STALE_PROTECTION_NOT_CANCELED';

export type IncidentSeverity = 'warning' | 'critical';

export interface Incident {
  readonly code: IncidentCode;
  readonly severity: IncidentSeverity;
  readonly symbol: string;
  readonly intentId: string | undefined;
  readonly message: string;
  /** Epoch ms. */
  readonly time: number;
  /** The failure behind it, as `{ code, message, exchangeCode? }`. */
  readonly error: IncidentError | undefined;
}

export interface IncidentError {
  readonly code: string;
  readonly message: string;
  readonly exchangeCode?: number | undefined;
}

export function describeError(error: unknown): IncidentError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const exchangeCode = (error as { exchangeCode?: unknown }).exchangeCode;
    return {
      code: typeof code === 'string' ? code : error.name,
      message: error.message,
      ...(typeof exchangeCode === 'number' ? { exchangeCode } : {}),
    };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
