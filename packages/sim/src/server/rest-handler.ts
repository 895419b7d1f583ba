import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SimRejection } from '../core/types';
import type { FaultInjector } from './faults';
import { RequestParams, verifySignedRequest } from './request';
import { RequestWeightLimiter } from './request-weight-limiter';
import type { RouteContext } from './route-basics';
import { REST_ROUTES } from './rest-routes';

export interface ApiCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly accountId: string;
}

export interface RestHandlerOptions {
  readonly context: RouteContext;
  readonly faults: FaultInjector;
  readonly credentials: readonly ApiCredentials[];
  /** Largest accepted request body in bytes; Binance's own limit is not documented. */
  readonly maxBodyBytes?: number;
  /** Called for every request with its outcome, for tests that inspect the traffic. */
  readonly onRequest?: (record: RequestRecord) => void;
  /** Called when a request held back by `executeAfterMs` finally takes effect (or is refused then). */
  readonly onLateExecution?: (record: LateExecutionRecord) => void;
  /** Called after every request that reached a route, so user-data events it caused go out at once. */
  readonly afterRequest?: () => void;
  /** Called with errors the handler did not expect (a bug in the emulator); the request gets a 500. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  /** 0 when the connection was closed without an answer (`closeWithoutAnswer`). */
  readonly status: number;
  readonly code?: number;
  readonly time: number;
  /** The request weight it was charged (0 when it never reached a route, e.g. a 404 or a refused signature). */
  readonly weight: number;
}

/** A request that took effect late (the `executeAfterMs` fault), after its client got an error or nothing. */
export interface LateExecutionRecord {
  readonly method: string;
  readonly path: string;
  /** Wall-clock ms when the request arrived, and when it took effect. */
  readonly receivedAt: number;
  readonly executedAt: number;
  /** The order's client id (`newClientOrderId`, `clientAlgoId`) when the request placed one. */
  readonly clientOrderId?: string;
  /** 200 when it took effect; else the HTTP status and code it was refused with then (e.g. -4116). */
  readonly status: number;
  readonly code?: number;
}

/** A REST request as values: what the HTTP server read from its socket, or a caller in the same process. */
export interface RestInput {
  readonly method: string;
  /** Path and query, e.g. `/fapi/v1/order?symbol=BTCUSDC`. */
  readonly url: string;
  /** Header names in lower case, as Node's HTTP server gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body, or `too-large` when it passed `maxBodyBytes`. */
  readonly body: string | 'too-large';
  readonly remoteAddress?: string | undefined;
}

/** The answer to a `RestInput`, or `undefined` when the connection is closed without one (a fault). */
export interface RestAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The REST request handler, plus what the emulator needs to control it. */
export interface RestHandler {
  (request: IncomingMessage, response: ServerResponse): Promise<void>;
  /**
   * The same handling without HTTP: the request and its answer as values (`sim.fetch`, for a client in the
   * same process). Faults, weights, signatures and error shapes are those of the HTTP path.
   */
  answer(input: RestInput): Promise<RestAnswer | undefined>;
  /** Lifts any IP ban and forgets past offences (`clearFaults`). */
  forgiveRateLimits(): void;
  /** Drops late executions not yet done and releases held requests: the server is closing. */
  close(): void;
}

/** Binance's per-IP weight limit of the `/sapi` endpoints (12 000 per minute). */
const SAPI_IP_WEIGHT_PER_MINUTE = 12_000;

const JSON_HEADERS = { 'Content-Type': 'application/json;charset=UTF-8' };

/** Rolling counters of orders (per 10 s and per minute). */
class OrderCounters {
  #minute = -1;
  #tenSeconds = -1;
  perMinute = 0;
  perTenSeconds = 0;

  roll(now: number): void {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.perMinute = 0;
    }
    const tenSeconds = Math.floor(now / 10_000);
    if (tenSeconds !== this.#tenSeconds) {
      this.#tenSeconds = tenSeconds;
      this.perTenSeconds = 0;
    }
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const tooManyRequests = (ip: string, limit: number) =>
  `Too many requests; current limit of IP(${ip}) is ${limit} requests per minute. Please use the websocket for live updates to avoid being banned.`;
const bannedUntil = (ip: string, until: number) =>
  `Way too many requests; IP(${ip}) banned until ${until}. Please use the websocket for live updates to avoid bans.`;

/**
 * The REST half of the emulator: Binance's security checks, weights, faults and error shapes around
 * the route table. It never throws: every failure becomes Binance's `{code,msg}` body.
 */
export function createRestHandler(options: RestHandlerOptions): RestHandler {
  const orders = new OrderCounters();
  const weights = new RequestWeightLimiter();
  /** Binance weighs `/sapi` requests apart: their own per-IP limit and header. */
  const sapiWeights = new RequestWeightLimiter();
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const byKey = new Map(options.credentials.map((credentials) => [credentials.apiKey, credentials]));
  const lateExecutions = new Set<NodeJS.Timeout>();
  const heldRequests = new Set<() => void>();
  let closed = false;

  /** Waits `ms` of wall time, or less if the server closes meanwhile. */
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      const release = () => {
        clearTimeout(timer);
        heldRequests.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      heldRequests.add(release);
    });

  const executeLater = (
    afterMs: number,
    request: { method: string; path: string; receivedAt: number; clientOrderId: string | undefined },
    execute: () => unknown,
  ) => {
    if (closed) return;
    const { method, path, receivedAt, clientOrderId } = request;
    const timer = setTimeout(
      () => {
        lateExecutions.delete(timer);
        let status = 200;
        let code: number | undefined;
        try {
          execute();
        } catch (error) {
          // The client is long gone: a refusal now (a duplicate client id, no margin) is simply no order.
          if (error instanceof SimRejection) {
            status = error.httpStatus;
            code = error.code;
          } else {
            options.onInternalError?.(error);
            status = 500;
            code = -1000;
          }
        } finally {
          options.afterRequest?.();
          options.onLateExecution?.({
            method,
            path,
            receivedAt,
            executedAt: Date.now(),
            ...(clientOrderId !== undefined ? { clientOrderId } : {}),
            status,
            ...(code !== undefined ? { code } : {}),
          });
        }
      },
      Math.max(0, receivedAt + afterMs - Date.now()),
    );
    lateExecutions.add(timer);
  };

  const answer = async function answer(request: RestInput): Promise<RestAnswer | undefined> {
    const receivedAt = Date.now();
    const method = request.method;
    const rawUrl = request.url;
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);
    const ip = request.remoteAddress ?? '127.0.0.1';
    const headers: Record<string, string> = {};
    const sapi = path.startsWith('/sapi/');
    const limiter = sapi ? sapiWeights : weights;
    const weightHeader = sapi ? 'X-SAPI-USED-IP-WEIGHT-1M' : 'X-MBX-USED-WEIGHT-1M';
    let status = 200;
    let code: number | undefined;
    let charged = 0;
    let answered: RestAnswer | undefined;

    const send = (statusCode: number, body: unknown) => {
      status = statusCode;
      if (answered !== undefined) return;
      headers[weightHeader] ??= String(limiter.usedWeight(options.context.serverTime()));
      answered = { status: statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
    };
    const reject = (rejection: SimRejection) => {
      code = rejection.code;
      send(rejection.httpStatus, { code: rejection.code, msg: rejection.msg });
    };

    // A caller in this process hands the whole body; the HTTP path has cut it at the limit already.
    const body =
      request.body !== 'too-large' && request.body.length > maxBodyBytes ? 'too-large' : request.body;
    try {
      const latency = options.faults.settings.latencyMs ?? 0;
      if (latency > 0) await sleep(latency);

      if (body === 'too-large') {
        reject(new SimRejection(-1000, `Request body larger than ${maxBodyBytes} bytes.`, 413));
        return answered;
      }
      const route = REST_ROUTES[`${method} ${path}`];
      if (!route) {
        const known = Object.keys(REST_ROUTES).some((key) => key.endsWith(` ${path}`));
        reject(
          known
            ? new SimRejection(-1000, `Method ${method} is not allowed for ${path}.`, 405)
            : new SimRejection(
                -5000,
                `Path ${path} is not served by the emulator (only /fapi/v1|v2|v3 and /sapi/v1/account/apiRestrictions).`,
                404,
              ),
        );
        return answered;
      }
      if (options.faults.settings.maintenance) {
        reject(new SimRejection(-1001, 'Service Unavailable.', 503));
        return answered;
      }
      const injectedLimit = options.faults.takeRateLimit();
      if (injectedLimit) {
        headers['Retry-After'] = String(injectedLimit.retryAfterSeconds);
        const limit = options.context.weightLimitPerMinute();
        const until = options.context.serverTime() + injectedLimit.retryAfterSeconds * 1000;
        reject(
          new SimRejection(
            -1003,
            injectedLimit.status === 418 ? bannedUntil(ip, until) : tooManyRequests(ip, limit),
            injectedLimit.status,
          ),
        );
        return answered;
      }
      const contentType = String(request.headers['content-type'] ?? '');
      if (body !== '' && contentType.includes('application/json')) {
        reject(
          new SimRejection(
            -1102,
            'Request body must be application/x-www-form-urlencoded, as Binance expects.',
          ),
        );
        return answered;
      }

      const serverTime = options.context.serverTime();
      const params = new RequestParams(query, body);
      const limit = sapi ? SAPI_IP_WEIGHT_PER_MINUTE : options.context.weightLimitPerMinute();
      charged = route.weight(params);
      const verdict = limiter.admit(charged, limit, serverTime);
      headers[weightHeader] = String(verdict.usedWeight);
      if (verdict.outcome !== 'allowed') {
        headers['Retry-After'] = String(verdict.retryAfterSeconds);
        reject(
          verdict.outcome === 'banned'
            ? new SimRejection(-1003, bannedUntil(ip, verdict.bannedUntil), 418)
            : new SimRejection(-1003, tooManyRequests(ip, limit), 429),
        );
        return answered;
      }

      let accountId = '';
      if (route.security !== 'NONE') {
        const apiKey = request.headers['x-mbx-apikey'];
        if (typeof apiKey !== 'string' || apiKey === '') {
          reject(new SimRejection(-2014, 'API-key format invalid.', 401));
          return answered;
        }
        const credentials = byKey.get(apiKey);
        if (!credentials) {
          reject(new SimRejection(-2015, 'Invalid API-key, IP, or permissions for action.', 401));
          return answered;
        }
        accountId = credentials.accountId;
        if (route.security === 'SIGNED') {
          verifySignedRequest({ query, body, secret: credentials.apiSecret, params, serverTime });
        }
      }
      if (route.countsAsOrder) {
        const counts = route.countsAsOrder === true ? { tenSeconds: 1, minute: 1 } : route.countsAsOrder;
        orders.roll(serverTime);
        orders.perMinute += counts.minute;
        orders.perTenSeconds += counts.tenSeconds;
        headers['X-MBX-ORDER-COUNT-10S'] = String(orders.perTenSeconds);
        headers['X-MBX-ORDER-COUNT-1M'] = String(orders.perMinute);
      }

      const execute = () => route.handle({ params, accountId, context: options.context });
      const httpError = options.faults.takeHttpError(path, method);
      if (!httpError) {
        send(200, execute());
        return answered;
      }
      if (httpError.executeBeforeError) execute();
      else if (httpError.executeAfterMs !== undefined)
        executeLater(
          httpError.executeAfterMs,
          {
            method,
            path,
            receivedAt,
            clientOrderId: params.optional('newClientOrderId') ?? params.optional('clientAlgoId'),
          },
          execute,
        );
      if (httpError.holdMs !== undefined && httpError.holdMs > 0) await hold(httpError.holdMs);
      if (httpError.closeWithoutAnswer) {
        status = 0;
        return undefined;
      }
      sendHttpError(httpError);
    } catch (error) {
      if (error instanceof SimRejection) {
        reject(error);
      } else {
        options.onInternalError?.(error);
        reject(new SimRejection(-1000, 'An unknown error occurred while processing the request.', 500));
      }
    } finally {
      options.afterRequest?.();
      options.onRequest?.({
        method,
        path,
        status,
        ...(code !== undefined ? { code } : {}),
        time: Date.now(),
        weight: charged,
      });
    }
    return answered;

    function sendHttpError(fault: { status: number; code?: number; msg?: string }) {
      if (fault.code === undefined) {
        // What a proxy in front answers: no Binance body and no Binance headers.
        status = fault.status;
        answered ??= {
          status: fault.status,
          headers: { 'Content-Type': 'text/html' },
          body: `<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`,
        };
        return;
      }
      reject(
        new SimRejection(
          fault.code,
          fault.msg ?? 'Unknown error, please check your request or try again later.',
          fault.status,
        ),
      );
    }
  };

  const handle = async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: string | 'too-large';
    try {
      body = await readBody(request, maxBodyBytes);
    } catch {
      // The client went away before its body was complete (Node's "aborted"): there is nobody left to
      // answer, and it is no emulator bug, so it reaches neither onInternalError nor `requests`.
      return;
    }
    const answered = await answer({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      body,
      remoteAddress: request.socket.remoteAddress,
    });
    if (answered === undefined) {
      request.socket.destroy();
      return;
    }
    if (response.headersSent || response.destroyed) return;
    response.writeHead(answered.status, answered.headers);
    response.end(answered.body);
  };

  return Object.assign(handle, {
    answer,
    forgiveRateLimits: () => {
      weights.forgive();
      sapiWeights.forgive();
    },
    close() {
      closed = true;
      for (const timer of lateExecutions) clearTimeout(timer);
      lateExecutions.clear();
      for (const release of [...heldRequests]) release();
    },
  });
}

/**
 * Answers a request that Node's HTTP parser refused for its size (headers over Node's 16 KiB limit, e.g.
 * an overlong query string: 431) or its slowness (408) in Binance's shape, then closes the connection.
 * Destroying the socket without a word, as before, left a well-formed but long request with a bare reset,
 * which its client cannot tell from a request lost in flight. Bytes that are not HTTP at all are still
 * closed without an answer (the README's "or the socket is closed"). Like Node's own default handler, it
 * writes nothing when the peer is gone or a response on this socket has already started.
 */
export function answerClientError(
  error: Error & { code?: string; rawPacket?: Buffer },
  socket: Duplex,
): void {
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : undefined;
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (status !== undefined && socket.writable && inFlight?.headersSent !== true) {
    // A HEAD request (e.g. with an overlong URL) must get no body: its client would read one as garbage.
    const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    const body = head
      ? ''
      : JSON.stringify({ code: -1000, msg: `Request rejected: ${STATUS_CODES[status] ?? ''}.` });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        `Content-Type: ${JSON_HEADERS['Content-Type']}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
