/**
 * Runs every exchange request of the adapter under one policy, decided by `classifyExchangeFailure`:
 *
 * - rejected → `RequestRejectedError` at once; authentication → `AuthenticationFailedError` at once;
 * - retryable → bounded exponential backoff with jitter, at most `maxRetries` retries;
 * - rate-limited (429/418/-1003/-1015) → every request of this client waits until Retry-After has passed
 *   (never less than the backoff), so a storm does not turn into a ban; a wait longer than
 *   `maxRetryAfterMs` is not waited in-call but thrown as `RateLimitedError`. An order that opens a position
 *   (`opensPosition`) never waits a pause out: refused with 429/418 or met at a pause, it is not sent and
 *   `RateLimitedError` is thrown, because the caller's checks (leverage, the signal's age, the mark) were
 *   made before the pause and a user may have changed the account meanwhile;
 * - clock-skew (-1021) → re-sync the time difference with the server, then retry;
 * - unknown outcome of an order request → look the order up by its client id: found → that is the answer;
 *   the look-ups themselves failing → `UnknownOutcomeError`. When it is absent:
 *   - an order that opens or adds to a position (`opensPosition`) is never sent again: it is looked up over
 *     `unknownOutcomeWindowMs` (recvWindow plus a margin), every `unknownOutcomeCheckIntervalMs`, and if it
 *     never appears the call fails with `UnknownOutcomeError`. Binance refuses a repeated client id only while
 *     the first order is open, so a re-sent entry whose first copy executed late would fill twice. The
 *     request's `onOutcomeUnknown` is called as that look-up begins (the caller need not hold other work);
 *   - a reduce-only or protective order is looked up `unknownOutcomeChecks` times, then sent again with the
 *     same client id (counts as a retry): a second copy of it cannot open exposure.
 *   An order request is never re-sent without that look-up.
 */
import { backoffDelay } from '@bot/symbols';

import type { ClassifiedFailure, FailedResponse, RequestKind } from './error-classification';
import { classifyExchangeFailure } from './error-classification';
import {
  AuthenticationFailedError,
  OrderNotFoundError,
  RateLimitedError,
  RequestRejectedError,
  RetriesExhaustedError,
  UnexpectedResponseError,
  UnknownOutcomeError,
  isExchangeAdapterError,
} from './errors';
import type { ExchangeErrorDetails } from './errors';
import type { WireExchange } from './request-trace';
import { traceCall } from './request-trace';
import type { Runtime } from './runtime';

export interface ExecutionSettings {
  /** Retries after the first attempt (config `execution.maxRetries`, default 3). */
  readonly maxRetries: number;
  /** First backoff delay (config `execution.backoffBaseMs`, default 500). */
  readonly backoffBaseMs: number;
  /** Longest backoff delay (config `execution.backoffMaxMs`, default 10 000). */
  readonly backoffMaxMs: number;
  /** Longest Retry-After waited inside a call; longer ones throw `RateLimitedError` (default 60 000). */
  readonly maxRetryAfterMs: number;
  /** Look-ups by client id after an unknown outcome before a reduce-only order counts as absent (default 2). */
  readonly unknownOutcomeChecks: number;
  /**
   * How long an order that opens a position is looked up after an unknown outcome before the call gives up
   * (default recvWindow 5 000 + 5 000 margin: a request older than recvWindow is no longer accepted).
   */
  readonly unknownOutcomeWindowMs: number;
  /** Time between those look-ups (default 2 000). */
  readonly unknownOutcomeCheckIntervalMs: number;
}

/** Why an order that opens a position is not sent once a rate-limit pause has passed, and what happens next. */
function openingNotSent(operation: string, waitMs: number): string {
  return `${operation}: not sent: requests are paused for ${waitMs} ms after a rate limit, and an order that opens a position is not sent on checks made before the pause (decide it again after it)`;
}

/** A prepared request held longer than this is signed again before it leaves (recvWindow is 5 s by default). */
const RESIGN_AFTER_MS = 1_000;

/** Thrown by a prepared request's hold: nothing was sent; the call fails with `reason`, or is signed again. */
class Withheld extends Error {
  constructor(
    readonly reason: unknown,
    readonly resign = false,
  ) {
    super('withheld before it was sent');
  }
}

/** Added to recvWindow for the default `unknownOutcomeWindowMs`: time for a late request to reach the engine. */
export const unknownOutcomeMarginMs = 5_000;

export const defaultExecutionSettings: ExecutionSettings = {
  maxRetries: 3,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  maxRetryAfterMs: 60_000,
  unknownOutcomeChecks: 2,
  unknownOutcomeWindowMs: 5_000 + unknownOutcomeMarginMs,
  unknownOutcomeCheckIntervalMs: 2_000,
};

export interface ExchangeRequest<T> {
  /** e.g. `createStopLossOrder`; names the request in logs and errors. */
  readonly operation: string;
  readonly kind: RequestKind;
  readonly symbol?: string | undefined;
  readonly clientOrderId?: string | undefined;
  /**
   * An order that may open or add to a position (not reduce-only, not closePosition): after an unknown
   * outcome it is only looked up, never sent again.
   */
  readonly opensPosition?: boolean | undefined;
  /**
   * Called once when such an order's outcome is unknown and the look-up over `unknownOutcomeWindowMs`
   * begins: the caller may stop holding other work for it (the runner's queue does).
   */
  readonly onOutcomeUnknown?: (() => void) | undefined;
  readonly rationale?: string | undefined;
  /** What the adapter asked for, logged with the request (never secrets). */
  readonly params?: Readonly<Record<string, unknown>> | undefined;
  readonly send: () => Promise<T>;
  /**
   * The request is built and signed at once but sent only once this settles: resolved, it leaves (unless a
   * rate-limit pause became known meanwhile and the order opens a position); rejected, nothing is sent and
   * the call fails with its reason. An entry's order is prepared while its write-ahead record is fsynced.
   */
  readonly sendAfter?: Promise<unknown> | undefined;
  /**
   * For order requests: finds the order the request would have created (or the state it would have
   * reached), by client id; `undefined` when it is not there. Without it, a transient failure of an
   * order request is an `UnknownOutcomeError` straight away.
   */
  readonly lookup?: (() => Promise<T | undefined>) | undefined;
}

export interface Executed<T> {
  readonly value: T;
  /** Requests sent, look-ups not counted. */
  readonly attempts: number;
  /** `lookup` when the answer came from looking the order up after an unknown outcome or a duplicate id. */
  readonly confirmedBy: 'response' | 'lookup';
}

export interface ExecutorHooks {
  /** Re-reads the server time and updates the client's time difference (ccxt `loadTimeDifference`). */
  readonly resyncClock: () => Promise<void>;
}

/** A request retry's delay: `@bot/symbols`' one backoff, at the execution settings' base and cap. */
export function requestBackoffDelay(
  retry: number,
  settings: ExecutionSettings,
  random: () => number,
): number {
  return backoffDelay(
    retry,
    { initialDelayMs: settings.backoffBaseMs, maxDelayMs: settings.backoffMaxMs },
    random,
  );
}

/**
 * @deprecated Renamed `requestBackoffDelay` (the formula is `@bot/symbols`' `backoffDelay`); exported from
 * the package as `backoffDelay` so existing imports keep working.
 */
export const deprecatedBackoffDelay = requestBackoffDelay;

export class RequestExecutor {
  #pausedUntil = 0;
  #pauseBanned = false;
  #resync: Promise<void> | undefined;

  constructor(
    readonly settings: ExecutionSettings,
    private readonly runtime: Runtime,
    private readonly hooks: ExecutorHooks,
  ) {}

  /** Epoch ms until which every request waits (after a 429/418), or 0. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  async execute<T>(request: ExchangeRequest<T>): Promise<Executed<T>> {
    const maxAttempts = this.settings.maxRetries + 1;
    let attempts = 0;
    let last: ClassifiedFailure | undefined;
    let sendAfter = request.sendAfter;
    while (attempts < maxAttempts) {
      if (this.#pausedUntil > 0) await this.#waitForGate(request);
      attempts += 1;
      const records: WireExchange[] = [];
      let value: T;
      try {
        const hold = sendAfter && this.#hold(request, sendAfter);
        sendAfter = undefined;
        value = await traceCall(records, request.send, hold);
      } catch (error) {
        if (error instanceof Withheld) {
          if (!error.resign) throw error.reason;
          attempts -= 1; // signed too long ago: built and signed again, sent at once
          continue;
        }
        const response = lastResponse(records);
        const failure = classifyExchangeFailure(error, request.kind, response, this.runtime.now());
        last = failure;
        // The pause is in force before anyone (a logger, a concurrent caller) hears of the refusal.
        if (failure.kind === 'rate-limited') {
          const backoff = requestBackoffDelay(attempts - 1, this.settings, this.runtime.random);
          this.#pause(Math.max(failure.retryAfterMs ?? 0, backoff), failure.banned === true);
        }
        this.#logFailure(request, failure, attempts, records);
        switch (failure.kind) {
          case 'rejected':
            throw new RequestRejectedError(
              `${request.operation} rejected: ${failure.message}`,
              failure.reason ?? 'OTHER',
              this.#details(request, failure, error),
            );
          case 'authentication':
            throw new AuthenticationFailedError(
              `${request.operation}: authentication failed: ${failure.message}`,
              this.#details(request, failure, error),
            );
          case 'not-found':
            throw new OrderNotFoundError(
              `${request.operation}: order not found: ${failure.message}`,
              this.#details(request, failure, error),
            );
          case 'unexpected':
            if (isExchangeAdapterError(error)) throw error;
            throw new UnexpectedResponseError(
              `${request.operation}: unexpected failure: ${failure.message}`,
              this.#details(request, failure, error),
            );
          case 'clock-skew':
            await this.#resyncClock(request);
            continue;
          case 'rate-limited': {
            const retryAfter = failure.retryAfterMs ?? 0;
            if (retryAfter > this.settings.maxRetryAfterMs) {
              throw new RateLimitedError(
                `${request.operation}: ${failure.banned ? 'IP banned' : 'rate limited'} for ${retryAfter} ms`,
                retryAfter,
                failure.banned === true,
                this.#details(request, failure, error),
              );
            }
            // An order that opens a position meets the pause at the gate and is refused there.
            continue;
          }
          case 'retryable':
            if (attempts < maxAttempts) await this.#backoff(request, attempts);
            continue;
          case 'unknown-outcome':
          case 'duplicate': {
            if (!request.lookup) {
              throw new UnknownOutcomeError(
                `${request.operation}: outcome unknown (${failure.message}) and no way to look it up`,
                this.#details(request, failure, error),
              );
            }
            const awaitLateExecution = failure.kind === 'unknown-outcome' && request.opensPosition === true;
            if (awaitLateExecution) request.onOutcomeUnknown?.();
            const found = awaitLateExecution
              ? await this.#lookUpOverWindow(request, failure, error)
              : await this.#lookUp(request, failure, error);
            if (found !== undefined) return { value: found, attempts, confirmedBy: 'lookup' };
            if (failure.kind === 'duplicate') {
              throw new UnknownOutcomeError(
                `${request.operation}: the exchange reports client id ${request.clientOrderId ?? ''} in use, but it cannot be found`,
                this.#details(request, failure, error),
              );
            }
            if (awaitLateExecution) {
              throw new UnknownOutcomeError(
                `${request.operation}: outcome unknown (${failure.message}); client id ${request.clientOrderId ?? ''} not found within ${this.settings.unknownOutcomeWindowMs} ms, and an order that opens a position is never sent twice`,
                this.#details(request, failure, error),
              );
            }
            // Confirmed absent: the request did not take effect; sending it again (same client id) is safe.
            continue;
          }
        }
      }
      this.#logSuccess(request, attempts, records);
      return { value, attempts, confirmedBy: 'response' };
    }
    throw new RetriesExhaustedError(
      `${request.operation} failed after ${attempts} attempts: ${last?.message ?? 'unknown failure'}`,
      attempts,
      this.#details(request, last, undefined),
    );
  }

  /** The look-up after an unknown outcome: a few reads, each with its own retries, a pause before each. */
  async #lookUp<T>(
    request: ExchangeRequest<T>,
    failure: ClassifiedFailure,
    error: unknown,
  ): Promise<T | undefined> {
    for (let check = 0; check < Math.max(1, this.settings.unknownOutcomeChecks); check += 1) {
      await this.#backoff(request, check + 1, 'unknown-outcome');
      const found = await this.#checkOnce(request, failure, error, check + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * For an order that opens a position: looks it up until `unknownOutcomeWindowMs` has passed since the
   * failure (the first check after the usual short pause, the last one at the end of the window), because it
   * may still execute after the error.
   */
  async #lookUpOverWindow<T>(
    request: ExchangeRequest<T>,
    failure: ClassifiedFailure,
    error: unknown,
  ): Promise<T | undefined> {
    const deadline = this.runtime.now() + this.settings.unknownOutcomeWindowMs;
    const interval = Math.max(1, this.settings.unknownOutcomeCheckIntervalMs);
    await this.#backoff(request, 1, 'unknown-outcome');
    for (let check = 1; ; check += 1) {
      const found = await this.#checkOnce(request, failure, error, check);
      if (found !== undefined) return found;
      const left = deadline - this.runtime.now();
      if (left <= 0) return undefined;
      await this.runtime.sleep(Math.min(interval, left));
    }
  }

  /** One look-up by client id (a read, with its own retries); `undefined` when the order is absent. */
  async #checkOnce<T>(
    request: ExchangeRequest<T>,
    failure: ClassifiedFailure,
    error: unknown,
    check: number,
  ): Promise<T | undefined> {
    const lookup = request.lookup;
    if (!lookup) return undefined;
    let found: T | undefined;
    try {
      ({ value: found } = await this.execute({
        operation: `${request.operation}:lookup`,
        kind: 'read',
        symbol: request.symbol,
        clientOrderId: request.clientOrderId,
        rationale: request.rationale,
        send: lookup,
      }));
    } catch (lookupError) {
      if (lookupError instanceof OrderNotFoundError) {
        found = undefined;
      } else {
        throw new UnknownOutcomeError(
          `${request.operation}: outcome unknown (${failure.message}) and the look-up by client id failed: ${
            lookupError instanceof Error ? lookupError.message : String(lookupError)
          }`,
          this.#details(request, failure, lookupError ?? error),
        );
      }
    }
    this.runtime.log({
      level: 'warn',
      event: 'exchange-lookup',
      message: `${request.operation}: looked up ${request.clientOrderId ?? ''} after ${failure.kind}: ${
        found === undefined ? 'absent' : 'found'
      }`,
      operation: request.operation,
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
      found: found !== undefined,
      check,
    });
    return found;
  }

  #pause(delayMs: number, banned: boolean): void {
    const until = this.runtime.now() + delayMs;
    if (until > this.#pausedUntil) {
      this.#pausedUntil = until;
      this.#pauseBanned = banned;
    }
  }

  /**
   * What a prepared request waits for once signed: `sendAfter`, then the rate-limit gate again (a pause
   * that became known meanwhile). A request that waited longer than `RESIGN_AFTER_MS` is signed again, so
   * its timestamp stays well inside `recvWindow`.
   */
  #hold(request: ExchangeRequest<unknown>, sendAfter: Promise<unknown>): () => Promise<void> {
    return async () => {
      const signedAt = this.runtime.now();
      try {
        await sendAfter;
        if (this.#pausedUntil > 0) await this.#waitForGate(request);
      } catch (reason) {
        throw new Withheld(reason);
      }
      if (this.runtime.now() - signedAt > RESIGN_AFTER_MS) throw new Withheld(undefined, true);
    };
  }

  async #waitForGate(request: ExchangeRequest<unknown>): Promise<void> {
    const wait = this.#pausedUntil - this.runtime.now();
    if (wait <= 0) return;
    if (request.opensPosition === true) {
      throw new RateLimitedError(
        openingNotSent(request.operation, wait),
        wait,
        this.#pauseBanned,
        this.#details(request, undefined, undefined),
      );
    }
    if (wait > Math.max(this.settings.maxRetryAfterMs, this.settings.backoffMaxMs)) {
      throw new RateLimitedError(
        `${request.operation}: not sent, requests are paused for ${wait} ms after a rate limit`,
        wait,
        this.#pauseBanned,
        { operation: request.operation, rationale: request.rationale, symbol: request.symbol },
      );
    }
    this.runtime.log({
      level: 'warn',
      event: 'exchange-rate-limit-wait',
      message: `${request.operation}: waiting ${wait} ms (rate limit pause)`,
      operation: request.operation,
      delayMs: wait,
    });
    await this.runtime.sleep(wait);
  }

  async #backoff(request: ExchangeRequest<unknown>, retry: number, reason = 'retry'): Promise<void> {
    const delay = requestBackoffDelay(retry - 1, this.settings, this.runtime.random);
    this.runtime.log({
      level: 'debug',
      event: 'exchange-backoff',
      message: `${request.operation}: backing off ${delay} ms (${reason})`,
      operation: request.operation,
      delayMs: delay,
    });
    await this.runtime.sleep(delay);
  }

  async #resyncClock(request: ExchangeRequest<unknown>): Promise<void> {
    this.#resync ??= this.hooks.resyncClock().finally(() => {
      this.#resync = undefined;
    });
    try {
      await this.#resync;
      this.runtime.log({
        level: 'warn',
        event: 'exchange-clock-resync',
        message: `${request.operation}: clock re-synced with the exchange after -1021`,
        operation: request.operation,
      });
    } catch (error) {
      this.runtime.log({
        level: 'warn',
        event: 'exchange-clock-resync-failed',
        message: `${request.operation}: clock re-sync failed: ${error instanceof Error ? error.message : String(error)}`,
        operation: request.operation,
      });
      await this.#backoff(request, 1, 'clock re-sync failed');
    }
  }

  #details(
    request: ExchangeRequest<unknown>,
    failure: ClassifiedFailure | undefined,
    cause: unknown,
  ): ExchangeErrorDetails {
    return {
      operation: request.operation,
      rationale: request.rationale,
      exchangeCode: failure?.exchangeCode,
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
      cause,
    };
  }

  #logFailure(
    request: ExchangeRequest<unknown>,
    failure: ClassifiedFailure,
    attempt: number,
    records: readonly WireExchange[],
  ): void {
    this.runtime.log({
      level: failure.kind === 'rejected' || failure.kind === 'not-found' ? 'info' : 'warn',
      event: 'exchange-failure',
      message: `${request.operation} attempt ${attempt}: ${failure.kind}${
        failure.exchangeCode !== undefined ? ` (${failure.exchangeCode})` : ''
      }: ${failure.message}`,
      operation: request.operation,
      kind: failure.kind,
      attempt,
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
      exchangeCode: failure.exchangeCode,
      httpStatus: failure.httpStatus,
      retryAfterMs: failure.retryAfterMs,
      params: request.params,
      wire: records.map(describeWire),
      rationale: request.rationale,
    });
  }

  #logSuccess(request: ExchangeRequest<unknown>, attempts: number, records: readonly WireExchange[]): void {
    this.runtime.log({
      level: request.kind === 'read' ? 'debug' : 'info',
      event: 'exchange-request',
      message:
        attempts > 1 ? `${request.operation} ok after ${attempts} attempts` : `${request.operation} ok`,
      operation: request.operation,
      attempts,
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
      params: request.params,
      // Formatted only when a logger reads it (serialising or spreading the entry does).
      get wire() {
        return records.map(describeWire);
      },
      rationale: request.rationale,
    });
  }
}

function lastResponse(records: readonly WireExchange[]): FailedResponse | undefined {
  const record = records[records.length - 1];
  if (record === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(record.headers)) {
    if (typeof value === 'string') headers[key] = value;
  }
  return { status: record.status, headers };
}

function describeWire(record: WireExchange): string {
  return `${record.method} ${record.url}${record.body !== undefined ? ` ${record.body}` : ''} → ${record.status}`;
}
