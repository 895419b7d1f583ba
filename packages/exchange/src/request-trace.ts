/**
 * What actually went over the wire for one exchange call, kept per call even when calls run concurrently:
 * the signed request (signature removed) and the response status and headers (for Retry-After). It uses
 * ccxt's own `onRestResponse` hook, which ccxt calls with both for every response, and an
 * AsyncLocalStorage, so concurrent calls never see each other's records.
 *
 * The same per-call store can hold a call's request at the last step: ccxt builds and signs it, and its
 * `fetch` waits for the call's `hold` before the bytes leave (`traceCall`'s third argument). An entry's
 * order is built while its write-ahead record is still being fsynced, instead of after.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface WireExchange {
  readonly method: string;
  /** The URL without the signature. */
  readonly url: string;
  /** The form body without the signature (POST/PUT); undefined for GET/DELETE. */
  readonly body: string | undefined;
  readonly status: number;
  /** Response headers as ccxt collected them (keys capitalised, e.g. `Retry-After`). */
  readonly headers: Readonly<Record<string, unknown>>;
}

/** The part of a ccxt client the tracer hooks into. */
export interface TraceableClient {
  fetch(url: string, method: string, headers: unknown, body: unknown): Promise<unknown>;
  onRestResponse(
    statusCode: number,
    statusText: string,
    url: string,
    method: string,
    responseHeaders: unknown,
    responseBody: string,
    requestHeaders: unknown,
    requestBody: unknown,
  ): string;
}

const installed = new WeakSet<object>();
interface CallStore {
  readonly records: WireExchange[];
  /** Awaited once, by the call's first request, after ccxt signed it and before it is sent. */
  hold: (() => Promise<void>) | undefined;
}

const storage = new AsyncLocalStorage<CallStore>();

/** ccxt appends the signature last; cutting it off is cheaper than a regular expression. */
function withoutSignature(text: string): string {
  const at = text.lastIndexOf('signature=');
  return at <= 0 ? text : text.slice(0, at - 1);
}

/** Installs the hook on a client (once per client). Calls outside `traceCall` are not recorded. */
export function installRequestTrace(client: TraceableClient): void {
  if (installed.has(client)) return;
  installed.add(client);
  const fetch = client.fetch.bind(client);
  client.fetch = async (url, method, headers, body) => {
    const call = storage.getStore();
    const hold = call?.hold;
    if (call && hold) {
      call.hold = undefined;
      await hold();
    }
    return fetch(url, method, headers, body);
  };
  const original = client.onRestResponse.bind(client);
  client.onRestResponse = (
    status,
    statusText,
    url,
    method,
    responseHeaders,
    body,
    requestHeaders,
    requestBody,
  ) => {
    const records = storage.getStore()?.records;
    if (records) {
      records.push({
        method,
        url: withoutSignature(url),
        body:
          typeof requestBody === 'string' && requestBody !== '' ? withoutSignature(requestBody) : undefined,
        status,
        headers: (typeof responseHeaders === 'object' && responseHeaders !== null
          ? responseHeaders
          : {}) as Record<string, unknown>,
      });
    }
    return original(status, statusText, url, method, responseHeaders, body, requestHeaders, requestBody);
  };
}

/**
 * Runs `call` and collects the wire exchanges it caused (in `records`, also when it throws). With `hold`,
 * the call's first request waits for it once signed; a `hold` that throws sends nothing and fails the call
 * with its error.
 */
export function traceCall<T>(
  records: WireExchange[],
  call: () => Promise<T>,
  hold?: () => Promise<void>,
): Promise<T> {
  return storage.run({ records, hold }, call);
}
