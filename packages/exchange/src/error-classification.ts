/**
 * The one place where exchange failures are classified. Everything the executor decides (retry, back off,
 * re-sync the clock, look an order up, give up) follows from `classifyExchangeFailure`'s answer.
 *
 * Binance's numeric code wins when there is one: it is stable, documented, and independent of the base URL
 * (ccxt maps fewer codes to specific classes against non-Binance hosts, see docs/BINANCE.md §0.3). ccxt's
 * error class is the fallback, then the HTTP status.
 */
import ccxt from 'ccxt';
import { isExchangeAdapterError } from './errors';
import type { RejectionReason } from './errors';

/**
 * - `rejected`: the exchange refused; retrying cannot help.
 * - `retryable`: transient and known not to have taken effect (or harmless to repeat): back off and retry.
 * - `unknown-outcome`: an order request may or may not have taken effect: look it up by client id first.
 * - `clock-skew`: -1021: re-sync the time difference, then retry.
 * - `rate-limited`: 429/418/-1003/-1015: wait at least Retry-After, and make every other request wait too.
 * - `not-found`: the order does not exist.
 * - `duplicate`: an open order already carries this client id: look it up, it is ours.
 * - `authentication`: key, permission or signature problem: never retried.
 * - `unexpected`: not an exchange error (a bug, or a payload we cannot read) on a read: not retried.
 */
export type FailureKind =
  | 'rejected'
  | 'retryable'
  | 'unknown-outcome'
  | 'clock-skew'
  | 'rate-limited'
  | 'not-found'
  | 'duplicate'
  | 'authentication'
  | 'unexpected';

/**
 * What a request does, which decides how a transient failure is read: a failed read or idempotent write is
 * simply retried; a failed order placement or cancellation has an unknown outcome.
 */
export type RequestKind = 'read' | 'idempotent-write' | 'order-write';

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  /** For `rejected`. */
  readonly reason?: RejectionReason;
  readonly exchangeCode?: number;
  readonly httpStatus?: number;
  /** For `rate-limited`, from the Retry-After header, when the exchange sent one. */
  readonly retryAfterMs?: number;
  /** HTTP 418: the IP is banned. */
  readonly banned?: boolean;
  /** A short description for logs and error messages. */
  readonly message: string;
}

/** What the transport saw of the failed response, when a response arrived at all. */
export interface FailedResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

const rejectionReasons: ReadonlyMap<number, RejectionReason> = new Map<number, RejectionReason>([
  [-2019, 'INSUFFICIENT_MARGIN'],
  [-2018, 'INSUFFICIENT_MARGIN'],
  [-4164, 'MIN_NOTIONAL'],
  [-2021, 'WOULD_TRIGGER_IMMEDIATELY'],
  [-4142, 'WOULD_TRIGGER_IMMEDIATELY'],
  [-2022, 'REDUCE_ONLY_REJECTED'],
  [-4118, 'REDUCE_ONLY_REJECTED'],
  [-4013, 'PRICE_FILTER'],
  [-4014, 'PRICE_FILTER'],
  [-4016, 'PRICE_FILTER'],
  [-4024, 'PRICE_FILTER'],
  [-1111, 'PRICE_FILTER'],
  [-4003, 'QUANTITY_FILTER'],
  [-4004, 'QUANTITY_FILTER'],
  [-4005, 'QUANTITY_FILTER'],
  [-4023, 'QUANTITY_FILTER'],
  [-5022, 'POST_ONLY_WOULD_TAKE'],
  [-4131, 'PERCENT_PRICE'],
  [-4120, 'ORDER_TYPE_NOT_ALLOWED'],
  [-1116, 'ORDER_TYPE_NOT_ALLOWED'],
  [-4136, 'ORDER_TYPE_NOT_ALLOWED'],
  [-1121, 'UNKNOWN_SYMBOL'],
  [-4047, 'MARGIN_MODE_LOCKED'],
  [-4048, 'MARGIN_MODE_LOCKED'],
  [-4059, 'POSITION_MODE'],
  [-4061, 'POSITION_MODE'],
  [-2025, 'LIMIT_REACHED'],
  [-2027, 'LIMIT_REACHED'],
  [-2028, 'LIMIT_REACHED'],
]);

/** Codes that mean "the request was refused for now, nothing happened": safe to retry for any request. */
const refusedForNow = new Set([-1008, -1001, -1004]);
/** Codes Binance documents as "execution status unknown". */
const executionUnknown = new Set([-1000, -1006, -1007]);
const rateLimitCodes = new Set([-1003, -1015]);
const notFoundCodes = new Set([-2011, -2013]);
const duplicateCodes = new Set([-4116, -20132]);
const authenticationCodes = new Set([-1002, -1022, -2014, -2015, -2017]);

/** Binance's `{"code":-2019,"msg":"..."}` as ccxt puts it into error messages. */
export function parseExchangeCode(message: string): { code?: number; msg?: string } {
  const code = /"code"\s*:\s*"?(-?\d+)"?/.exec(message)?.[1];
  const msg = /"msg"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  return {
    ...(code !== undefined ? { code: Number(code) } : {}),
    ...(msg !== undefined ? { msg } : {}),
  };
}

function httpStatusOf(message: string, response: FailedResponse | undefined): number | undefined {
  if (response?.status !== undefined && response.status >= 400) return response.status;
  // ccxt's two shapes: "<id> 429 Too Many Requests <body>" and "<id> <METHOD> <url> 503 <reason> <body>".
  const match =
    /^\S+ ([45]\d\d) /.exec(message) ?? /^\S+ (?:GET|POST|PUT|DELETE) \S+ ([45]\d\d) /.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Retry-After in ms: seconds (Binance's form) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  headers: Readonly<Record<string, string>> | undefined,
  now: number,
): number | undefined {
  if (!headers) return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === 'retry-after');
  const value = entry?.[1]?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function transient(request: RequestKind): FailureKind {
  return request === 'order-write' ? 'unknown-outcome' : 'retryable';
}

/**
 * Classifies a failure of one exchange request.
 *
 * @param error what the ccxt call (or the parsing after it) threw
 * @param request what the request does: a transient failure of an `order-write` has an unknown outcome
 * @param response the failed response's status and headers, when one arrived
 * @param now epoch ms, to read a Retry-After given as an HTTP date
 */
export function classifyExchangeFailure(
  error: unknown,
  request: RequestKind,
  response?: FailedResponse,
  now = 0,
): ClassifiedFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (isExchangeAdapterError(error)) {
    // Thrown by this package while reading a response (a payload that fails its schema): after an order
    // request that means it may well have been executed.
    return { kind: request === 'order-write' ? 'unknown-outcome' : 'unexpected', message };
  }
  if (!(error instanceof ccxt.BaseError)) {
    return { kind: request === 'order-write' ? 'unknown-outcome' : 'unexpected', message };
  }
  const { code, msg } = parseExchangeCode(message);
  const httpStatus = httpStatusOf(message, response);
  const described = msg ?? message;
  const base = {
    ...(code !== undefined ? { exchangeCode: code } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    message: described,
  };

  if (httpStatus === 418 || httpStatus === 429 || error instanceof ccxt.DDoSProtection) {
    const retryAfterMs = parseRetryAfter(response?.headers, now);
    return {
      ...base,
      kind: 'rate-limited',
      banned: httpStatus === 418,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (code !== undefined) {
    if (code === -1021) return { ...base, kind: 'clock-skew' };
    if (rateLimitCodes.has(code)) {
      const retryAfterMs = parseRetryAfter(response?.headers, now);
      return { ...base, kind: 'rate-limited', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (refusedForNow.has(code)) {
      // -1001 also answers a 503 "Service Unavailable" (the request failed); after an order request we still
      // look the order up before repeating it: cheap, and never wrong.
      return { ...base, kind: code === -1008 ? 'retryable' : transient(request) };
    }
    if (executionUnknown.has(code)) return { ...base, kind: transient(request) };
    if (notFoundCodes.has(code)) return { ...base, kind: 'not-found' };
    if (duplicateCodes.has(code)) return { ...base, kind: 'duplicate' };
    if (authenticationCodes.has(code)) return { ...base, kind: 'authentication' };
    if (code === -4046) return { ...base, kind: 'rejected', reason: 'NO_CHANGE' };
    const reason = rejectionReasons.get(code);
    if (reason !== undefined) return { ...base, kind: 'rejected', reason };
    if (code <= -1100 && code >= -1199) return { ...base, kind: 'rejected', reason: 'INVALID_PARAMETER' };
    if (code <= -4000 && code >= -4999) return { ...base, kind: 'rejected', reason: 'INVALID_PARAMETER' };
    if (httpStatus !== undefined && httpStatus >= 500) return { ...base, kind: transient(request) };
    return { ...base, kind: 'rejected', reason: reasonFromClass(error) };
  }
  if (error instanceof ccxt.InvalidNonce) return { ...base, kind: 'clock-skew' };
  if (error instanceof ccxt.AuthenticationError) return { ...base, kind: 'authentication' };
  if (error instanceof ccxt.OrderNotFound) return { ...base, kind: 'not-found' };
  if (error instanceof ccxt.DuplicateOrderId) return { ...base, kind: 'duplicate' };
  if (error instanceof ccxt.OperationFailed) return { ...base, kind: transient(request) };
  if (httpStatus !== undefined && httpStatus >= 500) return { ...base, kind: transient(request) };
  return { ...base, kind: 'rejected', reason: reasonFromClass(error) };
}

function reasonFromClass(error: Error): RejectionReason {
  if (error instanceof ccxt.InsufficientFunds) return 'INSUFFICIENT_MARGIN';
  if (error instanceof ccxt.OrderImmediatelyFillable) return 'WOULD_TRIGGER_IMMEDIATELY';
  if (error instanceof ccxt.OrderNotFillable) return 'POST_ONLY_WOULD_TAKE';
  if (error instanceof ccxt.BadSymbol) return 'UNKNOWN_SYMBOL';
  if (error instanceof ccxt.PermissionDenied) return 'PERMISSION_DENIED';
  if (error instanceof ccxt.BadRequest || error instanceof ccxt.ArgumentsRequired) return 'INVALID_PARAMETER';
  return 'OTHER';
}
