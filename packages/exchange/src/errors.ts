/**
 * The typed errors every `ExchangePort` method may throw. Match on `error.code` (stable across versions),
 * never on the message. Each carries the operation, the caller's `rationale` (so a failed action can be
 * audited like a successful one) and, when the exchange answered, Binance's numeric error code.
 */

export const exchangeErrorCodes = [
  'REJECTED',
  'RETRIES_EXHAUSTED',
  'UNKNOWN_OUTCOME',
  'RATE_LIMITED',
  'AUTHENTICATION_FAILED',
  'ORDER_NOT_FOUND',
  'INVALID_REQUEST',
  'UNEXPECTED_RESPONSE',
  'CONFIGURATION',
] as const;

export type ExchangeErrorCode = (typeof exchangeErrorCodes)[number];

/** Why the exchange refused a request; `OTHER` for a refusal without a more specific reason. */
export type RejectionReason =
  | 'INSUFFICIENT_MARGIN'
  | 'MIN_NOTIONAL'
  | 'WOULD_TRIGGER_IMMEDIATELY'
  | 'REDUCE_ONLY_REJECTED'
  | 'PRICE_FILTER'
  | 'QUANTITY_FILTER'
  | 'POST_ONLY_WOULD_TAKE'
  | 'PERCENT_PRICE'
  | 'ORDER_TYPE_NOT_ALLOWED'
  | 'INVALID_PARAMETER'
  | 'UNKNOWN_SYMBOL'
  | 'MARGIN_MODE_LOCKED'
  | 'POSITION_MODE'
  | 'LIMIT_REACHED'
  | 'PERMISSION_DENIED'
  | 'NO_CHANGE'
  | 'OTHER';

export interface ExchangeErrorDetails {
  readonly operation: string;
  readonly rationale?: string | undefined;
  /** Binance's error code (e.g. -2019) when the exchange answered with one. */
  readonly exchangeCode?: number | undefined;
  readonly symbol?: string | undefined;
  readonly clientOrderId?: string | undefined;
  readonly cause?: unknown;
}

/** Base class of every error this package throws on purpose. */
export abstract class ExchangeAdapterError extends Error {
  abstract readonly code: ExchangeErrorCode;
  readonly operation: string;
  readonly rationale: string | undefined;
  readonly exchangeCode: number | undefined;
  readonly symbol: string | undefined;
  readonly clientOrderId: string | undefined;

  constructor(message: string, details: ExchangeErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.operation = details.operation;
    this.rationale = details.rationale;
    this.exchangeCode = details.exchangeCode;
    this.symbol = details.symbol;
    this.clientOrderId = details.clientOrderId;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      operation: this.operation,
      ...(this.exchangeCode !== undefined ? { exchangeCode: this.exchangeCode } : {}),
      ...(this.symbol !== undefined ? { symbol: this.symbol } : {}),
      ...(this.clientOrderId !== undefined ? { clientOrderId: this.clientOrderId } : {}),
      ...(this.rationale !== undefined ? { rationale: this.rationale } : {}),
    };
  }
}

/** The exchange refused the request (margin, filters, would trigger immediately, ...). Never retried. */
export class RequestRejectedError extends ExchangeAdapterError {
  readonly code = 'REJECTED' as const;
  override readonly name = 'RequestRejectedError';
  constructor(
    message: string,
    readonly reason: RejectionReason,
    details: ExchangeErrorDetails,
  ) {
    super(message, details);
  }
}

/** A retryable failure (5xx, throttling, clock skew) persisted through every allowed retry. */
export class RetriesExhaustedError extends ExchangeAdapterError {
  readonly code = 'RETRIES_EXHAUSTED' as const;
  override readonly name = 'RetriesExhaustedError';
  constructor(
    message: string,
    readonly attempts: number,
    details: ExchangeErrorDetails,
  ) {
    super(message, details);
  }
}

/**
 * An order request may or may not have taken effect, and looking it up by its client id did not settle it
 * (the look-ups failed too). The caller must reconcile before acting on that order again.
 */
export class UnknownOutcomeError extends ExchangeAdapterError {
  readonly code = 'UNKNOWN_OUTCOME' as const;
  override readonly name = 'UnknownOutcomeError';
}

/** 429/418: the exchange asked us to wait longer than this adapter waits in-call (`retryAfterMs`). */
export class RateLimitedError extends ExchangeAdapterError {
  readonly code = 'RATE_LIMITED' as const;
  override readonly name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** True for HTTP 418: the IP is banned, not merely throttled. */
    readonly banned: boolean,
    details: ExchangeErrorDetails,
  ) {
    super(message, details);
  }
}

/** Bad, unknown or under-privileged API key, or a bad signature. Never retried. */
export class AuthenticationFailedError extends ExchangeAdapterError {
  readonly code = 'AUTHENTICATION_FAILED' as const;
  override readonly name = 'AuthenticationFailedError';
}

/** The order does not exist on the exchange (-2011, -2013). */
export class OrderNotFoundError extends ExchangeAdapterError {
  readonly code = 'ORDER_NOT_FOUND' as const;
  override readonly name = 'OrderNotFoundError';
}

/** The request was refused before it was sent: a bad quantity, price, symbol or combination of options. */
export class InvalidRequestError extends ExchangeAdapterError {
  readonly code = 'INVALID_REQUEST' as const;
  override readonly name = 'InvalidRequestError';
}

/** The exchange answered something this package cannot read (a payload that fails its schema). */
export class UnexpectedResponseError extends ExchangeAdapterError {
  readonly code = 'UNEXPECTED_RESPONSE' as const;
  override readonly name = 'UnexpectedResponseError';
}

/** The client or account is set up in a way this package cannot trade with (missing keys, hedge mode, ...). */
export class ExchangeConfigurationError extends ExchangeAdapterError {
  readonly code = 'CONFIGURATION' as const;
  override readonly name = 'ExchangeConfigurationError';
}

/** True for any error of this package, also one thrown by another copy of it (ESM and CJS side by side). */
export function isExchangeAdapterError(error: unknown): error is ExchangeAdapterError {
  if (error instanceof ExchangeAdapterError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof Error &&
    typeof code === 'string' &&
    (exchangeErrorCodes as readonly string[]).includes(code) &&
    typeof (error as { operation?: unknown }).operation === 'string'
  );
}
