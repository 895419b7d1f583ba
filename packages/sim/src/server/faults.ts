/**
 * Faults the server injects, set programmatically (`sim.faults.set(...)`) or over the control endpoint
 * (`POST /_sim/faults` with the same JSON). One-shot faults are consumed by the requests they hit.
 */
export interface HttpErrorFault {
  /** 500, 502, 503 or 504. */
  readonly status: number;
  /** Binance's body code; omitted means an HTML-ish body without a code, as a proxy in front would send. */
  readonly code?: number;
  readonly msg?: string;
  /**
   * For `503 Unknown error`: the request is executed (the order placed) before the error is answered, so
   * the client cannot know whether it took effect. Default false: the request fails without effect.
   */
  readonly executeBeforeError?: boolean;
  /** Only requests whose path contains this text are hit (e.g. '/fapi/v1/order'); default every /fapi path. */
  readonly pathContains?: string;
}

export interface FaultSettings {
  /** Added to every REST answer, in wall-clock ms. */
  latencyMs?: number;
  /** Answered, in order, to the next matching requests. */
  httpErrors?: HttpErrorFault[];
  /** The next `count` requests get 429 (or 418, an IP ban) with `Retry-After: retryAfterSeconds`. */
  rateLimit?: { status: 429 | 418; retryAfterSeconds: number; count: number };
  /** Shifts the server's clock (serverTime and the recvWindow check) by this many ms. */
  clockSkewMs?: number;
  /** While true every /fapi request answers 503 as during Binance's system maintenance. */
  maintenance?: boolean;
  /** While true market streams send nothing although their sockets stay open (a stale feed). */
  staleMarketStreams?: boolean;
  /** While true the server answers no pings: clients see missed pongs. */
  ignorePings?: boolean;
}

export class FaultInjector {
  settings: FaultSettings = {};

  set(settings: FaultSettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  clear(): void {
    this.settings = {};
  }

  /** Takes the next HTTP error fault that matches `path`, if any. */
  takeHttpError(path: string): HttpErrorFault | undefined {
    const queue = this.settings.httpErrors;
    if (!queue || queue.length === 0) return undefined;
    const index = queue.findIndex(
      (fault) => fault.pathContains === undefined || path.includes(fault.pathContains),
    );
    if (index === -1) return undefined;
    const [fault] = queue.splice(index, 1);
    return fault;
  }

  takeRateLimit(): { status: 429 | 418; retryAfterSeconds: number } | undefined {
    const limit = this.settings.rateLimit;
    if (!limit || limit.count <= 0) return undefined;
    limit.count -= 1;
    return { status: limit.status, retryAfterSeconds: limit.retryAfterSeconds };
  }
}
