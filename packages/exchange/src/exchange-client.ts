/**
 * The ccxt `binanceusdm` client for each mode, set up the same way everywhere (docs/BINANCE.md §1):
 *
 * - `paper`: every REST URL replaced by the emulator's (`simUrl`), so a stray spot/margin call fails fast;
 *   `fetchCurrencies: false` (it would call /sapi, which the emulator does not serve);
 * - `testnet`: Binance demo trading (`enableDemoTrading(true)`), the supported futures test environment;
 * - `live`: ccxt's defaults.
 *
 * In every mode the linear error map is merged into the exact map (against a non-Binance host ccxt would map
 * -2019, -2021, -4164… to plain ExchangeError), and the clock difference with the server is loaded at start.
 */
import ccxt from 'ccxt';
import { ExchangeConfigurationError } from './errors';
import type { ExecutionSettings } from './request-executor';
import { RequestExecutor, defaultExecutionSettings } from './request-executor';
import { installRequestTrace } from './request-trace';
import type { TraceableClient } from './request-trace';
import type { RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

export type ExchangeMode = 'paper' | 'testnet' | 'live';

/** The configured ccxt client. It stays inside this package's adapter; callers hand it to `CcxtExchange`. */
export type ExchangeClient = InstanceType<typeof ccxt.binanceusdm>;

export interface ExchangeClientOptions {
  readonly mode: ExchangeMode;
  readonly apiKey?: string | undefined;
  readonly apiSecret?: string | undefined;
  /** `paper` only: the emulator's REST base, e.g. `http://127.0.0.1:40123` (`sim.url`). */
  readonly simUrl?: string | undefined;
  /** REST timeout (config `execution.requestTimeoutMs`; default 10 000). */
  readonly requestTimeoutMs?: number | undefined;
  /** Binance `recvWindow` (config `execution.recvWindowMs`; default 5 000). */
  readonly recvWindowMs?: number | undefined;
  /** ccxt's own request throttle (default true). */
  readonly enableRateLimit?: boolean | undefined;
  /** Load the server/client time difference at start (default true). */
  readonly syncClock?: boolean | undefined;
  /** Load markets at start (default true). */
  readonly loadMarkets?: boolean | undefined;
  /**
   * `paper` only: ccxt's fetch (its `fetchImplementation`) instead of HTTP, e.g. the emulator's `sim.fetch`
   * answering in the same process (`bot backtest`): every request still goes through ccxt and this adapter.
   */
  readonly fetch?:
    | ((
        url: string,
        init: { readonly method?: string; readonly headers?: unknown; readonly body?: unknown },
      ) => Promise<FetchedResponse>)
    | undefined;
}

/** What ccxt reads of an answer from the `fetch` option: a WHATWG `Response`, or `sim.fetch`'s lighter one. */
export interface FetchedResponse {
  readonly status: number;
  readonly statusText: string;
  /** A WHATWG `Headers`, or anything ccxt can read as one (it calls `forEach`). */
  readonly headers: { forEach(callback: (value: string, name: string) => void): void };
  text(): Promise<string>;
}

export interface ExchangeClientStartOptions extends RuntimeOptions {
  /** Retries of the start-up requests (time, markets); see `ExecutionSettings`. */
  readonly execution?: Partial<ExecutionSettings> | undefined;
}

/** ccxt's `urls.api` map pointing `binanceusdm` at an emulator; it replaces the whole map. */
export function emulatorApiUrls(restUrl: string): Record<string, string> {
  const base = restUrl.replace(/\/+$/, '');
  return {
    fapiPublic: `${base}/fapi/v1`,
    fapiPublicV2: `${base}/fapi/v2`,
    fapiPublicV3: `${base}/fapi/v3`,
    fapiPrivate: `${base}/fapi/v1`,
    fapiPrivateV2: `${base}/fapi/v2`,
    fapiPrivateV3: `${base}/fapi/v3`,
    fapiData: `${base}/futures/data`,
    sapi: `${base}/sapi/v1`,
  };
}

function configurationError(message: string): ExchangeConfigurationError {
  return new ExchangeConfigurationError(message, { operation: 'createExchangeClient' });
}

/** Builds the client for `options.mode` (not yet connected); see `createExchangeClient`. */
export function buildExchangeClient(options: ExchangeClientOptions): ExchangeClient {
  const { mode } = options;
  if (mode !== 'paper' && mode !== 'testnet' && mode !== 'live') {
    throw configurationError(`unknown mode ${JSON.stringify(mode)}; expected paper, testnet or live`);
  }
  if (mode !== 'paper' && (!options.apiKey || !options.apiSecret)) {
    throw configurationError(`mode ${mode} needs an API key and secret`);
  }
  if (mode === 'paper' && !options.simUrl) {
    throw configurationError('mode paper needs simUrl, the emulator REST base');
  }
  const client = new ccxt.binanceusdm({
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.apiSecret ? { secret: options.apiSecret } : {}),
    enableRateLimit: options.enableRateLimit ?? true,
    timeout: options.requestTimeoutMs ?? 10_000,
    options: {
      fetchCurrencies: false,
      recvWindow: options.recvWindowMs ?? 5_000,
      defaultType: 'swap',
    },
  });
  if (mode === 'paper') {
    (client.urls as { api: unknown }).api = emulatorApiUrls(options.simUrl as string);
    if (options.fetch) (client as { fetchImplementation?: unknown }).fetchImplementation = options.fetch;
  } else if (mode === 'testnet') {
    client.enableDemoTrading(true);
  }
  const exceptions = client.exceptions as {
    exact: Record<string, unknown>;
    linear?: { exact?: Record<string, unknown> };
  };
  exceptions.exact = { ...exceptions.exact, ...(exceptions.linear?.exact ?? {}) };
  return client;
}

/**
 * The client for `options.mode`, with the clock difference and the markets loaded (each with the usual
 * retries). Throws `ExchangeConfigurationError` for a missing key, secret or emulator URL, and this package's
 * typed errors when the exchange cannot be reached.
 */
export async function createExchangeClient(
  options: ExchangeClientOptions,
  start: ExchangeClientStartOptions = {},
): Promise<ExchangeClient> {
  const client = buildExchangeClient(options);
  // Before the first request: the executor reads Retry-After from the traced response (a 429 or 418 at start-up
  // was otherwise retried after the short backoff, into a ban, and start-up gave up).
  installRequestTrace(client as unknown as TraceableClient);
  const executor = new RequestExecutor(
    { ...defaultExecutionSettings, ...start.execution },
    resolveRuntime(start),
    { resyncClock: async () => void (await client.loadTimeDifference()) },
  );
  if (options.syncClock ?? true) {
    await executor.execute({
      operation: 'loadTimeDifference',
      kind: 'read',
      send: () => client.loadTimeDifference(),
    });
  }
  if (options.loadMarkets ?? true) {
    await executor.execute({ operation: 'loadMarkets', kind: 'read', send: () => client.loadMarkets() });
  }
  return client;
}
