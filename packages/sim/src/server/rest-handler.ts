import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SimRejection } from '../core/types';
import type { FaultInjector } from './faults';
import { RequestParams, verifySignedRequest } from './request';
import type { RouteContext } from './rest-routes';
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
  /** REQUEST_WEIGHT per minute before 429 (-1003); Binance's is 2400. */
  readonly weightLimitPerMinute?: number;
  /** Called for every request with its outcome, for tests that inspect the traffic. */
  readonly onRequest?: (record: RequestRecord) => void;
  /** Called after every request that reached a route, so user-data events it caused go out at once. */
  readonly afterRequest?: () => void;
  /** Called with errors the handler did not expect (a bug in the emulator); the request gets a 500. */
  readonly onInternalError?: (error: unknown) => void;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code?: number;
  readonly time: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json;charset=UTF-8' };

/** Rolling counters of request weight (per minute) and orders (per 10 s and per minute). */
class UsageCounters {
  #minute = -1;
  #tenSeconds = -1;
  weight = 0;
  ordersPerMinute = 0;
  ordersPerTenSeconds = 0;

  roll(now: number): void {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.weight = 0;
      this.ordersPerMinute = 0;
    }
    const tenSeconds = Math.floor(now / 10_000);
    if (tenSeconds !== this.#tenSeconds) {
      this.#tenSeconds = tenSeconds;
      this.ordersPerTenSeconds = 0;
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

/**
 * The REST half of the emulator: Binance's security checks, weights, faults and error shapes around
 * the route table. It never throws: every failure becomes Binance's `{code,msg}` body.
 */
export function createRestHandler(options: RestHandlerOptions) {
  const usage = new UsageCounters();
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const weightLimit = options.weightLimitPerMinute ?? 2400;
  const byKey = new Map(options.credentials.map((credentials) => [credentials.apiKey, credentials]));

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const rawUrl = request.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = queryStart === -1 ? '' : rawUrl.slice(queryStart + 1);
    const headers: Record<string, string> = {};
    let status = 200;
    let code: number | undefined;

    const send = (statusCode: number, body: unknown) => {
      status = statusCode;
      if (response.headersSent || response.destroyed) return;
      response.writeHead(statusCode, { ...JSON_HEADERS, ...headers });
      response.end(JSON.stringify(body));
    };
    const reject = (rejection: SimRejection) => {
      code = rejection.code;
      send(rejection.httpStatus, { code: rejection.code, msg: rejection.msg });
    };

    let body: string | 'too-large';
    try {
      body = await readBody(request, maxBodyBytes);
    } catch {
      // The client went away before its body was complete (Node's "aborted"): there is nobody left to
      // answer, and it is no emulator bug, so it reaches neither onInternalError nor `requests`.
      return;
    }
    try {
      const latency = options.faults.settings.latencyMs ?? 0;
      if (latency > 0) await sleep(latency);

      if (body === 'too-large') {
        reject(new SimRejection(-1000, `Request body larger than ${maxBodyBytes} bytes.`, 413));
        return;
      }
      const route = REST_ROUTES[`${method} ${path}`];
      if (!route) {
        const known = Object.keys(REST_ROUTES).some((key) => key.endsWith(` ${path}`));
        reject(
          known
            ? new SimRejection(-1000, `Method ${method} is not allowed for ${path}.`, 405)
            : new SimRejection(
                -5000,
                `Path ${path} is not served by the emulator (only /fapi/v1|v2|v3).`,
                404,
              ),
        );
        return;
      }
      if (options.faults.settings.maintenance) {
        reject(new SimRejection(-1001, 'Service Unavailable.', 503));
        return;
      }
      const banned = options.faults.takeRateLimit();
      if (banned) {
        headers['Retry-After'] = String(banned.retryAfterSeconds);
        reject(
          new SimRejection(
            -1003,
            banned.status === 418
              ? `Way too many requests; IP banned until ${options.context.serverTime() + banned.retryAfterSeconds * 1000}.`
              : 'Too many requests; current limit of IP is 2400 requests per minute.',
            banned.status,
          ),
        );
        return;
      }
      const contentType = request.headers['content-type'] ?? '';
      if (body !== '' && contentType.includes('application/json')) {
        reject(
          new SimRejection(
            -1102,
            'Request body must be application/x-www-form-urlencoded, as Binance expects.',
          ),
        );
        return;
      }

      const serverTime = options.context.serverTime();
      usage.roll(serverTime);
      const params = new RequestParams(query, body);
      usage.weight += route.weight(params);
      headers['X-MBX-USED-WEIGHT-1M'] = String(usage.weight);
      if (usage.weight > weightLimit) {
        headers['Retry-After'] = String(60 - Math.floor((serverTime % 60_000) / 1000));
        reject(
          new SimRejection(
            -1003,
            `Too many requests; current limit of IP is ${weightLimit} requests per minute.`,
            429,
          ),
        );
        return;
      }

      let accountId = '';
      if (route.security !== 'NONE') {
        const apiKey = request.headers['x-mbx-apikey'];
        if (typeof apiKey !== 'string' || apiKey === '') {
          reject(new SimRejection(-2014, 'API-key format invalid.', 401));
          return;
        }
        const credentials = byKey.get(apiKey);
        if (!credentials) {
          reject(new SimRejection(-2015, 'Invalid API-key, IP, or permissions for action.', 401));
          return;
        }
        accountId = credentials.accountId;
        if (route.security === 'SIGNED') {
          verifySignedRequest({ query, body, secret: credentials.apiSecret, params, serverTime });
        }
      }
      if (route.countsAsOrder) {
        usage.ordersPerMinute += 1;
        usage.ordersPerTenSeconds += 1;
        headers['X-MBX-ORDER-COUNT-10S'] = String(usage.ordersPerTenSeconds);
        headers['X-MBX-ORDER-COUNT-1M'] = String(usage.ordersPerMinute);
      }

      const httpError = options.faults.takeHttpError(path);
      if (httpError && !httpError.executeBeforeError) {
        sendHttpError(httpError);
        return;
      }
      const result = route.handle({ params, accountId, context: options.context });
      if (httpError) {
        sendHttpError(httpError);
        return;
      }
      send(200, result);
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
      });
    }

    function sendHttpError(fault: { status: number; code?: number; msg?: string }) {
      if (fault.code === undefined) {
        status = fault.status;
        if (!response.headersSent) {
          response.writeHead(fault.status, { 'Content-Type': 'text/html' });
          response.end(`<html><body><h1>${fault.status} Service Unavailable</h1></body></html>`);
        }
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
