/**
 * The ccxt adapter: `ExchangePort` on Binance USDⓈ-M through ccxt 4.5.84's unified API. Stop and take-profit
 * orders go to the Algo Order API (ccxt routes every order carrying a `stopPrice`/`triggerPrice` there);
 * fetching and cancelling them passes `{ trigger: true }`. Every request runs through the `RequestExecutor`
 * (retries, rate-limit pauses, clock re-sync, look-ups after unknown outcomes), and every answer is read by
 * `binance-payloads.ts` into domain types: nothing ccxt-shaped leaves this class.
 */
import type { Instrument } from '@bot/symbols';
import { filterUsdmContracts, instrumentFromMarket } from '@bot/symbols';
import type { AdapterContext } from './ccxt-adapter-context';
import { cancelAllOrders, cancelConditionalOrder, cancelOrder } from './ccxt-cancelling';
import { closePosition, createOrder, createProtectiveOrder } from './ccxt-placing';
import {
  fetchBalances,
  fetchByReference,
  fetchConditionalOrderRaw,
  fetchExchangeState,
  fetchFills,
  fetchFundingPayments,
  fetchMarkPrice,
  fetchOpenOrders,
  fetchOrderRaw,
  fetchPositions,
} from './ccxt-reading';
import { configureSymbol, fetchSymbolSettings, forgetSymbolSettings } from './ccxt-symbol-settings';
import { defaultClientIdPrefix, randomClientOrderId } from './client-order-ids';
import type {
  Balance,
  ConditionalOrder,
  ExchangeState,
  Fill,
  FundingPayment,
  KeyPermissions,
  MarginMode,
  OpenOrders,
  Order,
  Position,
  TakeProfitStyle,
  WorkingType,
} from './domain';
import { ExchangeConfigurationError, InvalidRequestError } from './errors';
import type { ExchangeClient, ExchangeClientOptions } from './exchange-client';
import { createExchangeClient } from './exchange-client';
import type {
  CancelRequest,
  CancelResult,
  ClosePositionRequest,
  ClosePositionResult,
  ConditionalOrderResult,
  CreateOrderRequest,
  ExchangePort,
  FetchFillsOptions,
  OrderReference,
  OrderResult,
  ProtectiveOrderRequest,
  SymbolConfiguration,
  SymbolSettings,
  SymbolSettingsRequest,
  TakeProfitOrderRequest,
} from './exchange-port';
import type { PositionIntent, ProtectedEntryOptions, ProtectedEntryResult } from './protected-entry';
import { openProtectedPosition } from './protected-entry';
import type { ExecutionSettings } from './request-executor';
import { RequestExecutor, defaultExecutionSettings, unknownOutcomeMarginMs } from './request-executor';
import type { TraceableClient } from './request-trace';
import { installRequestTrace } from './request-trace';
import type { Runtime, RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

/** The config's `orders` section, as the runner hands it over. */
export interface OrderSettings {
  /** Which price triggers stop and take-profit orders (default MARK_PRICE). */
  readonly workingType?: WorkingType | undefined;
  /** `limit` → TAKE_PROFIT with a limit price, `market` → TAKE_PROFIT_MARKET (default limit). */
  readonly tpOrderStyle?: TakeProfitStyle | undefined;
}

export interface CcxtExchangeOptions extends RuntimeOptions {
  readonly client: ExchangeClient;
  readonly orders?: OrderSettings | undefined;
  /**
   * The config's `execution` section: retries and backoff (see `ExecutionSettings`); `requestTimeoutMs` and
   * `recvWindowMs` are the client's and are read by `createExchange`.
   */
  readonly execution?: ExecutionOptions | undefined;
  /** Margin mode `openProtectedPosition` sets on a symbol unless the intent names one (default isolated). */
  readonly marginMode?: MarginMode | undefined;
  /** Leverage `openProtectedPosition` sets on a symbol unless the intent names one (config `risk.leverageDefault`). */
  readonly leverage?: number | undefined;
  /** Prefix of generated client order ids (1–6 letters or digits, default `bot`). */
  readonly clientIdPrefix?: string | undefined;
}

/** A raw Binance USDⓈ-M REST call, the shape @bot/ws's pollers and listenKey helper make. */
export interface BinanceRestCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** E.g. `/fapi/v2/positionRisk`; only `/fapi/v1|v2|v3/…`. */
  readonly path: string;
  readonly params?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** `NONE` (public), `USER_STREAM` (API key header only) or `SIGNED` (HMAC and timestamp). */
  readonly security: 'NONE' | 'USER_STREAM' | 'SIGNED';
}

/** `ExecutionSettings` as the config's `execution` section gives them, plus the client's two settings. */
export type ExecutionOptions = Partial<ExecutionSettings> & {
  readonly requestTimeoutMs?: number | undefined;
  readonly recvWindowMs?: number | undefined;
};

/** `recvWindowMs` falls back to the client's, for the default unknown-outcome window. */
function executionSettings(
  options: ExecutionOptions | undefined,
  clientRecvWindowMs?: number,
): ExecutionSettings {
  const settings = { ...defaultExecutionSettings };
  const recvWindowMs = options?.recvWindowMs ?? clientRecvWindowMs;
  if (recvWindowMs !== undefined) settings.unknownOutcomeWindowMs = recvWindowMs + unknownOutcomeMarginMs;
  for (const key of Object.keys(defaultExecutionSettings) as (keyof ExecutionSettings)[]) {
    const value = options?.[key];
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

function recvWindowOf(client: ExchangeClient): number | undefined {
  const value = (client.options as { recvWindow?: unknown } | undefined)?.recvWindow;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export class CcxtExchange implements ExchangePort {
  readonly client: ExchangeClient;
  readonly workingType: WorkingType;
  readonly takeProfitStyle: TakeProfitStyle;
  readonly marginMode: MarginMode;
  readonly leverage: number | undefined;
  readonly clientIdPrefix: string;
  readonly executor: RequestExecutor;
  readonly #runtime: Runtime;
  #instruments: { markets: unknown; bySymbol: Map<string, Instrument> } | undefined;
  /** What the placing, cancelling, reading and symbol-settings modules share. */
  readonly #ctx: AdapterContext;

  constructor(options: CcxtExchangeOptions) {
    this.client = options.client;
    this.workingType = options.orders?.workingType ?? 'MARK_PRICE';
    this.takeProfitStyle = options.orders?.tpOrderStyle ?? 'limit';
    this.marginMode = options.marginMode ?? 'isolated';
    this.leverage = options.leverage;
    this.clientIdPrefix = options.clientIdPrefix ?? defaultClientIdPrefix;
    this.#runtime = resolveRuntime(options);
    randomClientOrderId(() => 0, this.clientIdPrefix); // validates the prefix
    installRequestTrace(this.client as unknown as TraceableClient);
    this.executor = new RequestExecutor(
      executionSettings(options.execution, recvWindowOf(this.client)),
      this.#runtime,
      {
        resyncClock: () => this.resyncClock(),
      },
    );
    this.#ctx = {
      exchange: this,
      client: this.client,
      runtime: this.#runtime,
      run: (request) => this.executor.execute(request),
      loadedInstrument: (symbol) => this.#loadedInstrument(symbol),
      forcedCloses: new Map(),
      symbolSettings: new Map(),
    };
  }

  /** Re-reads the server time and updates the signature timestamps' offset. */
  async resyncClock(): Promise<void> {
    await this.client.loadTimeDifference();
  }

  /**
   * A REST call this adapter does not model, sent through the same executor as every order: it waits out a
   * 429/418 pause and honours Retry-After, and is classified and retried the same way, so the whole process
   * keeps one weight budget. GETs are reads, the listenKey calls idempotent writes; any other write is never
   * repeated after a failure whose outcome is unknown. Resolves to the parsed JSON body.
   */
  async restRequest(call: BinanceRestCall): Promise<unknown> {
    const operation = `${call.method} ${call.path}`;
    const match = /^\/fapi\/v([123])\/(.+)$/.exec(call.path);
    if (!match) {
      throw new InvalidRequestError(`restRequest: unsupported path ${call.path} (only /fapi/v1|v2|v3)`, {
        operation,
      });
    }
    const [, version, path] = match as unknown as [string, string, string];
    // `/fapi/v2/positionRisk` is ccxt's `fapiPrivateV2` API with path `positionRisk`; ccxt signs SIGNED calls
    // and sends only the key header for the listenKey ones.
    const api = `fapi${call.security === 'NONE' ? 'Public' : 'Private'}${version === '1' ? '' : `V${version}`}`;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.params ?? {})) params[name] = String(value);
    const { value } = await this.executor.execute({
      operation,
      kind:
        call.method === 'GET'
          ? 'read'
          : call.path === '/fapi/v1/listenKey'
            ? 'idempotent-write'
            : 'order-write',
      params,
      send: async () => (await this.client.request(path, api, call.method, params)) as unknown,
    });
    return value;
  }

  /**
   * What the API key may do (`GET /sapi/v1/account/apiRestrictions`): withdraw, trade futures, and whether
   * it is bound to an IP list. Binance answers it on the spot API's host (`sapi`), not the futures one.
   */
  async fetchKeyPermissions(): Promise<KeyPermissions> {
    const { value } = await this.executor.execute({
      operation: 'fetchKeyPermissions',
      kind: 'read',
      send: () => this.client.sapiGetAccountApiRestrictions() as Promise<unknown>,
    });
    const answer = (value ?? {}) as Record<string, unknown>;
    return {
      ipRestricted: answer['ipRestrict'] === true,
      withdrawals: answer['enableWithdrawals'] === true,
      futures: answer['enableFutures'] === true,
      reading: answer['enableReading'] === true,
    };
  }

  /** Refuses accounts in hedge (dual-side) position mode: reduce-only protection assumes one-way mode. */
  async verifyAccount(): Promise<void> {
    const { value } = await this.executor.execute({
      operation: 'fetchPositionMode',
      kind: 'read',
      send: () => this.client.fetchPositionMode(),
    });
    if ((value as { hedged?: unknown }).hedged === true) {
      throw new ExchangeConfigurationError(
        'the account is in hedge (dual-side) position mode; this bot trades one-way mode only',
        { operation: 'verifyAccount' },
      );
    }
  }

  /**
   * `openProtectedPosition` on this exchange, with its leverage, margin mode, client id prefix, clock and
   * logger as defaults.
   */
  openProtectedPosition(
    intent: PositionIntent,
    options: Pick<ProtectedEntryOptions, 'ready' | 'mayExist' | 'onOutcomeUnknown'> = {},
  ): Promise<ProtectedEntryResult> {
    return openProtectedPosition(this, intent, {
      ...this.#runtime,
      clientIdPrefix: this.clientIdPrefix,
      leverage: this.leverage,
      marginMode: this.marginMode,
      ready: options.ready,
      mayExist: options.mayExist,
      onOutcomeUnknown: options.onOutcomeUnknown,
    });
  }

  async instruments(): Promise<readonly Instrument[]> {
    return [...(await this.#instrumentMap()).values()];
  }

  async instrument(symbol: string): Promise<Instrument> {
    const instrument = this.#loadedInstrument(symbol) ?? (await this.#instrumentMap()).get(symbol);
    if (!instrument) {
      throw new InvalidRequestError(`unknown or untradable symbol ${JSON.stringify(symbol)}`, {
        operation: 'instrument',
        symbol,
      });
    }
    return instrument;
  }

  /** The instrument from the map built for the client's current markets, without awaiting anything. */
  #loadedInstrument(symbol: string): Instrument | undefined {
    const cached = this.#instruments;
    if (cached === undefined || cached.markets !== (this.client as { markets?: unknown }).markets)
      return undefined;
    return cached.bySymbol.get(symbol);
  }

  async #instrumentMap(): Promise<Map<string, Instrument>> {
    // Markets load once per client (ccxt caches them); only a reload (new markets object) rebuilds the map.
    const loaded = (this.client as { markets?: unknown }).markets;
    if (this.#instruments !== undefined && this.#instruments.markets === loaded)
      return this.#instruments.bySymbol;
    const { value: markets } = await this.executor.execute({
      operation: 'loadMarkets',
      kind: 'read',
      send: () => this.client.loadMarkets(),
    });
    if (this.#instruments?.markets === markets) return this.#instruments.bySymbol;
    const bySymbol = new Map<string, Instrument>();
    for (const settle of ['USDC', 'USDT'] as const) {
      for (const market of filterUsdmContracts(markets as never, settle)) {
        try {
          const instrument = instrumentFromMarket(market);
          bySymbol.set(instrument.symbol, instrument);
        } catch (error) {
          // A market whose rules cannot be read is not tradable here; the others still are.
          this.#runtime.log({
            level: 'warn',
            event: 'instrument-skipped',
            message: `${String((market as { symbol?: unknown }).symbol)}: unreadable market rules: ${
              error instanceof Error ? error.message : String(error)
            }`,
          });
        }
      }
    }
    this.#instruments = { markets, bySymbol };
    return bySymbol;
  }

  /**
   * Sets leverage and margin mode where they differ from the symbol's. The symbol's settings are read from
   * the exchange once, then tracked here (`request.current`, `forgetSymbolSettings` and
   * `fetchSymbolSettings` correct what is tracked); calls for one symbol run one after another.
   */
  configureSymbol(request: SymbolSettingsRequest): Promise<SymbolSettings> {
    return configureSymbol(this.#ctx, request);
  }

  /**
   * Forgets what `configureSymbol` remembers of a symbol (after the settings were changed elsewhere, e.g. an
   * ACCOUNT_CONFIG_UPDATE), so its next call reads them from the exchange again.
   */
  forgetSymbolSettings(symbol: string): void {
    return forgetSymbolSettings(this.#ctx, symbol);
  }

  /**
   * Leverage and margin mode of each symbol as the exchange holds them, in one request (`/fapi/v1/symbolConfig`,
   * weight 5), in the order asked. Also what `configureSymbol` remembers from then on.
   */
  fetchSymbolSettings(symbols: readonly string[]): Promise<readonly SymbolConfiguration[]> {
    return fetchSymbolSettings(this.#ctx, symbols);
  }

  createOrder(request: CreateOrderRequest): Promise<OrderResult> {
    return createOrder(this.#ctx, request);
  }

  createStopLossOrder(request: ProtectiveOrderRequest): Promise<ConditionalOrderResult> {
    return createProtectiveOrder(this.#ctx, 'createStopLossOrder', request, 'stop-loss', 'market');
  }

  createTakeProfitOrder(request: TakeProfitOrderRequest): Promise<ConditionalOrderResult> {
    return createProtectiveOrder(
      this.#ctx,
      'createTakeProfitOrder',
      request,
      'take-profit',
      request.style ?? this.takeProfitStyle,
      request.limitPrice,
    );
  }

  closePosition(request: ClosePositionRequest): Promise<ClosePositionResult> {
    return closePosition(this.#ctx, request);
  }

  cancelOrder(request: CancelRequest): Promise<CancelResult> {
    return cancelOrder(this.#ctx, request);
  }

  cancelConditionalOrder(request: CancelRequest): Promise<CancelResult> {
    return cancelConditionalOrder(this.#ctx, request);
  }

  cancelAllOrders(request: { readonly symbol: string; readonly rationale?: string | undefined }) {
    return cancelAllOrders(this.#ctx, request);
  }

  fetchOrder(reference: OrderReference): Promise<Order | undefined> {
    return fetchByReference(this.#ctx, 'fetchOrder', reference, (operation) =>
      fetchOrderRaw(this.#ctx, reference, operation),
    );
  }

  fetchConditionalOrder(reference: OrderReference): Promise<ConditionalOrder | undefined> {
    return fetchByReference(this.#ctx, 'fetchConditionalOrder', reference, (operation) =>
      fetchConditionalOrderRaw(this.#ctx, reference, operation),
    );
  }

  fetchOpenOrders(symbol: string): Promise<OpenOrders> {
    return fetchOpenOrders(this.#ctx, symbol);
  }

  fetchPositions(symbols?: readonly string[]): Promise<readonly Position[]> {
    return fetchPositions(this.#ctx, symbols);
  }

  fetchBalances(): Promise<readonly Balance[]> {
    return fetchBalances(this.#ctx);
  }

  fetchFills(symbol: string, options: FetchFillsOptions = {}): Promise<readonly Fill[]> {
    return fetchFills(this.#ctx, symbol, options);
  }

  fetchFundingPayments(
    symbol: string,
    options: { readonly since?: number | undefined; readonly until?: number | undefined } = {},
  ): Promise<readonly FundingPayment[]> {
    return fetchFundingPayments(this.#ctx, symbol, options);
  }

  fetchMarkPrice(symbol: string): Promise<string> {
    return fetchMarkPrice(this.#ctx, symbol);
  }

  fetchExchangeState(symbols: readonly string[]): Promise<ExchangeState> {
    return fetchExchangeState(this.#ctx, symbols);
  }
}

/**
 * `createExchangeClient` + `CcxtExchange` + the account check (one-way position mode), in one call. The
 * client's timeout and recvWindow come from the options or, failing that, from `execution`.
 */
export async function createExchange(
  options: ExchangeClientOptions &
    Omit<CcxtExchangeOptions, 'client'> & { readonly verifyAccount?: boolean | undefined },
): Promise<CcxtExchange> {
  const client = await createExchangeClient(
    {
      ...options,
      requestTimeoutMs: options.requestTimeoutMs ?? options.execution?.requestTimeoutMs,
      recvWindowMs: options.recvWindowMs ?? options.execution?.recvWindowMs,
    },
    { ...options, execution: executionSettings(options.execution) },
  );
  const exchange = new CcxtExchange({ ...options, client });
  if (options.verifyAccount ?? true) await exchange.verifyAccount();
  return exchange;
}
