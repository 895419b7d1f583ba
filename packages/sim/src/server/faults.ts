import type { CoreFaults } from '../core/types';

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
  /**
   * The request takes effect this many wall-clock ms after it arrived, exactly as if it had arrived then
   * (that moment's prices and duplicate-id check), while the client got this error or a timeout now.
   */
  readonly executeAfterMs?: number;
  /** Wall-clock ms the server holds the request before answering: past the client's timeout, it sees one. */
  readonly holdMs?: number;
  /** Closes the connection (after `holdMs`, if any) instead of answering; `status` is then never sent. */
  readonly closeWithoutAnswer?: boolean;
  /** Only requests whose path contains this text are hit (e.g. '/fapi/v1/order'); default every /fapi path. */
  readonly pathContains?: string;
  /** Only requests of this method are hit (e.g. 'POST': a placement, not its look-up); default any. */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
}

export interface FaultSettings {
  /** Added to every REST answer, in wall-clock ms. */
  latencyMs?: number;
  /** Answered, in order, to the next matching requests. */
  httpErrors?: HttpErrorFault[];
  /** The next `count` requests get 429 (or 418, an IP ban) with `Retry-After: retryAfterSeconds`. */
  rateLimit?: { status: 429 | 418; retryAfterSeconds: number; count: number };
  /**
   * Lowers (or raises) the REQUEST_WEIGHT limit per minute at run time; clearing the faults restores
   * `startSim({ weightLimitPerMinute })` (default 2400).
   */
  weightLimitPerMinute?: number;
  /** Shifts the server's clock (serverTime and the recvWindow check) by this many ms. */
  clockSkewMs?: number;
  /** While true every /fapi request answers 503 as during Binance's system maintenance. */
  maintenance?: boolean;
  /** While true market streams send nothing although their sockets stay open (a stale feed). */
  staleMarketStreams?: boolean;
  /**
   * While true user-data sockets stay open and answer pings but send no event; what happens meanwhile is
   * dropped, never re-sent (Binance does not replay: a client has to read REST).
   */
  staleUserDataStreams?: boolean;
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

  /** Takes the next HTTP error fault that matches `path` (and `method`), if any. */
  takeHttpError(path: string, method?: string): HttpErrorFault | undefined {
    const queue = this.settings.httpErrors;
    if (!queue || queue.length === 0) return undefined;
    const index = queue.findIndex(
      (fault) =>
        (fault.pathContains === undefined || path.includes(fault.pathContains)) &&
        (fault.method === undefined || fault.method === method),
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

type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
/** setTimeout's largest delay; anything longer fires at once (with a warning) instead of waiting. */
const MAX_TIMER_MS = 2_147_483_647;
const isTimerMs = (value: unknown): value is number =>
  isFiniteNumber(value) && value >= 0 && value <= MAX_TIMER_MS;

export function expectKeys(value: JsonObject, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0)
    throw new TypeError(`unknown key ${unknown.join(', ')} in ${where} (allowed: ${allowed.join(', ')})`);
}

function httpErrorFault(value: unknown, index: number): HttpErrorFault {
  const where = `httpErrors[${index}]`;
  if (!isObject(value)) throw new TypeError(`${where} must be an object`);
  expectKeys(
    value,
    [
      'status',
      'code',
      'msg',
      'executeBeforeError',
      'executeAfterMs',
      'holdMs',
      'closeWithoutAnswer',
      'pathContains',
      'method',
    ],
    where,
  );
  const { status, code, msg, executeBeforeError, executeAfterMs, holdMs, closeWithoutAnswer, pathContains } =
    value;
  if (value.method !== undefined && !['GET', 'POST', 'PUT', 'DELETE'].includes(value.method as string))
    throw new TypeError(`${where}.method must be GET, POST, PUT or DELETE`);
  if (!isInteger(status) || status < 100 || status > 599)
    throw new TypeError(`${where}.status must be an HTTP status (an integer from 100 to 599)`);
  if (code !== undefined && !isInteger(code)) throw new TypeError(`${where}.code must be an integer`);
  if (msg !== undefined && typeof msg !== 'string') throw new TypeError(`${where}.msg must be a string`);
  if (executeBeforeError !== undefined && typeof executeBeforeError !== 'boolean')
    throw new TypeError(`${where}.executeBeforeError must be a boolean`);
  for (const [key, ms] of [
    ['executeAfterMs', executeAfterMs],
    ['holdMs', holdMs],
  ] as const) {
    if (ms !== undefined && !isTimerMs(ms))
      throw new TypeError(`${where}.${key} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  }
  if (executeBeforeError === true && executeAfterMs !== undefined)
    throw new TypeError(`${where} cannot both executeBeforeError and executeAfterMs`);
  if (closeWithoutAnswer !== undefined && typeof closeWithoutAnswer !== 'boolean')
    throw new TypeError(`${where}.closeWithoutAnswer must be a boolean`);
  if (pathContains !== undefined && typeof pathContains !== 'string')
    throw new TypeError(`${where}.pathContains must be a string`);
  return value as unknown as HttpErrorFault;
}

/**
 * Checks the JSON body of `POST /_sim/faults` before it is stored. Unchecked, a fault of the wrong type
 * (`{"httpErrors": 5}`) was accepted with 200 and then broke every later request with a 500 (the
 * emulator's own TypeError), and a typo (`maintenence`) was silently ignored. Throws a TypeError that
 * names the offending key; the control endpoint answers it with 400.
 */
export function faultsFromJson(body: JsonObject): FaultSettings & CoreFaults {
  expectKeys(
    body,
    [
      'latencyMs',
      'httpErrors',
      'rateLimit',
      'weightLimitPerMinute',
      'clockSkewMs',
      'maintenance',
      'staleMarketStreams',
      'staleUserDataStreams',
      'ignorePings',
      'partialFillRatio',
      'rejectNextConditional',
    ],
    'the faults',
  );
  const {
    latencyMs,
    httpErrors,
    rateLimit,
    weightLimitPerMinute,
    clockSkewMs,
    partialFillRatio,
    rejectNextConditional,
  } = body;
  if (latencyMs !== undefined && !isTimerMs(latencyMs))
    throw new TypeError(`latencyMs must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  if (httpErrors !== undefined) {
    if (!Array.isArray(httpErrors)) throw new TypeError('httpErrors must be an array');
    httpErrors.forEach(httpErrorFault);
  }
  if (rateLimit !== undefined) {
    if (!isObject(rateLimit)) throw new TypeError('rateLimit must be an object');
    expectKeys(rateLimit, ['status', 'retryAfterSeconds', 'count'], 'rateLimit');
    if (rateLimit.status !== 429 && rateLimit.status !== 418)
      throw new TypeError('rateLimit.status must be 429 or 418');
    if (!isFiniteNumber(rateLimit.retryAfterSeconds) || rateLimit.retryAfterSeconds < 0)
      throw new TypeError('rateLimit.retryAfterSeconds must be a non-negative number');
    if (!isInteger(rateLimit.count) || rateLimit.count < 0)
      throw new TypeError('rateLimit.count must be a non-negative integer');
  }
  if (weightLimitPerMinute !== undefined && !(isInteger(weightLimitPerMinute) && weightLimitPerMinute >= 1))
    throw new TypeError('weightLimitPerMinute must be a positive integer');
  if (clockSkewMs !== undefined && !isFiniteNumber(clockSkewMs))
    throw new TypeError('clockSkewMs must be a finite number of milliseconds');
  for (const flag of ['maintenance', 'staleMarketStreams', 'staleUserDataStreams', 'ignorePings'] as const) {
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
      throw new TypeError(`${flag} must be a boolean`);
  }
  if (
    partialFillRatio !== undefined &&
    !(isFiniteNumber(partialFillRatio) && partialFillRatio >= 0 && partialFillRatio <= 1)
  )
    throw new TypeError('partialFillRatio must be a number from 0 to 1');
  if (rejectNextConditional !== undefined) {
    if (
      !isObject(rejectNextConditional) ||
      !isInteger(rejectNextConditional.code) ||
      typeof rejectNextConditional.msg !== 'string'
    )
      throw new TypeError('rejectNextConditional must be { code: integer, msg: string }');
    expectKeys(rejectNextConditional, ['code', 'msg'], 'rejectNextConditional');
  }
  return body as FaultSettings & CoreFaults;
}
