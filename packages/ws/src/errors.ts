/** The stable codes of {@link WsError}. */
export type WsErrorCode =
  /** Creating the listenKey (POST /fapi/v1/listenKey) failed; retried with backoff. */
  | 'LISTEN_KEY_FAILED'
  /** The listenKey keepalive (PUT) failed; retried, or the key is recreated on -1125. */
  | 'KEEPALIVE_FAILED'
  /** The server refused a SUBSCRIBE/UNSUBSCRIBE or did not answer in time. */
  | 'SUBSCRIBE_FAILED'
  /** A REST poll (degraded mode or gap fill) failed, wholly or in part. */
  | 'POLL_FAILED'
  /** A connection attempt failed (refused, handshake error, timeout). */
  | 'CONNECT_FAILED'
  /** An event listener threw; the error is caught so one listener cannot blind the others. */
  | 'LISTENER_FAILED'
  /** A stream name this package does not know how to route, parse or poll. */
  | 'INVALID_STREAM'
  /** An option is out of range. */
  | 'INVALID_OPTIONS'
  /** The feed was closed while the call was pending, or was called after close. */
  | 'FEED_CLOSED';

/**
 * Every error this package raises or reports. Runtime failures (a refused connection, a failed poll) are
 * not thrown: they arrive as `error` events on the feed, because the feed recovers from them by itself.
 * Only calls that cannot succeed (`subscribe` with an unknown stream, a closed feed, bad options) reject
 * or throw.
 */
export class WsError extends Error {
  override readonly name = 'WsError';
  readonly code: WsErrorCode;

  constructor(code: WsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  toJSON(): { name: string; code: WsErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Whether a value is a {@link WsError}, also across copies of this package (ESM and CJS side by side). */
export function isWsError(error: unknown): error is WsError {
  if (error instanceof WsError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown };
  return candidate.name === 'WsError' && typeof candidate.code === 'string';
}

/** A short text for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}

/**
 * Whether a REST error means "this listenKey does not exist" (Binance -1125): a numeric `code` of -1125 on
 * the error (or on its `cause`), or "-1125" in its message (ccxt puts Binance's JSON body there).
 */
export function isListenKeyMissingError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    if (typeof current !== 'object') return false;
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (candidate.code === -1125 || candidate.code === '-1125') return true;
    if (typeof candidate.message === 'string' && /-1125\b/.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}
