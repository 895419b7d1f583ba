/**
 * The ccxt adapter: `ExchangePort` on Binance USDⓈ-M through ccxt 4.5.84's unified API. Stop and take-profit
 * orders go to the Algo Order API (ccxt routes every order carrying a `stopPrice`/`triggerPrice` there);
 * fetching and cancelling them passes `{ trigger: true }`. Every request runs through the `RequestExecutor`
 * (retries, rate-limit pauses, clock re-sync, look-ups after unknown outcomes), and every answer is read by
 * `binance-payloads.ts` into domain types: nothing ccxt-shaped leaves this class.
 */
import type { Instrument, OrderType, OrderViolation } from '@bot/symbols';
import ccxt from 'ccxt';
import {
  checkOrder,
  filterUsdmContracts,
  ceilQuantityToStep,
  floorQuantityToStep,
  instrumentFromMarket,
  roundPriceToTick,
  toDecimal,
} from '@bot/symbols';
import {
  parseBalances,
  parseConditionalCancel,
  parseConditionalOrder,
  parseFill,
  parseMarkPrice,
  parseOrder,
  parsePosition,
  parseSymbolConfig,
} from './binance-payloads';
import { defaultClientIdPrefix, isValidClientOrderId, randomClientOrderId } from './client-order-ids';
import type {
  Balance,
  ConditionalOrder,
  DecimalText,
  ExchangeState,
  Fill,
  ForcedClose,
  KeyPermissions,
  MarginMode,
  OpenOrders,
  Order,
  Position,
  TakeProfitStyle,
  WorkingType,
} from './domain';
import { closingSide, isLiveConditionalOrder, isLiveOrder } from './domain';
import {
  ExchangeConfigurationError,
  InvalidRequestError,
  OrderNotFoundError,
  RequestRejectedError,
  UnexpectedResponseError,
} from './errors';
import type { ExchangeClient, ExchangeClientOptions } from './exchange-client';
import { createExchangeClient } from './exchange-client';
import type {
  CancelAllResult,
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
import type { PositionIntent, ProtectedEntryResult } from './protected-entry';
import { openProtectedPosition } from './protected-entry';
import type { ExchangeRequest, ExecutionSettings } from './request-executor';
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

type RawRecord = Record<string, unknown>;

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

function infoOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { info?: unknown }).info : undefined;
}

/** Runs one of @bot/symbols' rounding functions, turning its `SymbolError` into an `InvalidRequestError`. */
function rounded(
  compute: () => string,
  what: string,
  value: unknown,
  operation: string,
  symbol: string,
): string {
  try {
    return compute();
  } catch (error) {
    throw new InvalidRequestError(`${operation}: ${what} ${JSON.stringify(value)} is not a valid decimal`, {
      operation,
      symbol,
      cause: error,
    });
  }
}

/** A canonical decimal string from @bot/symbols is positive when any digit is not zero. */
function isPositive(text: string): boolean {
  return !text.startsWith('-') && /[1-9]/.test(text);
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
  /** What is known of each symbol's leverage and margin mode on the exchange (`undefined`: read it). */
  readonly #symbolSettings = new Map<string, Promise<SymbolSettings | undefined>>();
  /** Per `symbol|orderId`: whether the order was a liquidation or ADL (`null`: neither); never changes. */
  readonly #forcedCloses = new Map<string, ForcedClose | null>();

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
    const { value } = await this.#run({
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
    const { value } = await this.#run({
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
    const { value } = await this.#run({
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
  openProtectedPosition(intent: PositionIntent): Promise<ProtectedEntryResult> {
    return openProtectedPosition(this, intent, {
      ...this.#runtime,
      clientIdPrefix: this.clientIdPrefix,
      leverage: this.leverage,
      marginMode: this.marginMode,
    });
  }

  // ------------------------------------------------------------------ instruments and settings

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
    const { value: markets } = await this.#run({
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
    const next = this.#afterSymbolSettings(request.symbol, (known) => this.#configureSymbol(request, known));
    return next.then((settings) => ({ ...settings, rationale: request.rationale }));
  }

  /**
   * Forgets what `configureSymbol` remembers of a symbol (after the settings were changed elsewhere, e.g. an
   * ACCOUNT_CONFIG_UPDATE), so its next call reads them from the exchange again.
   */
  forgetSymbolSettings(symbol: string): void {
    void this.#afterSymbolSettings(symbol, () => Promise.resolve(undefined));
  }

  /**
   * Leverage and margin mode of each symbol as the exchange holds them, in one request (`/fapi/v1/symbolConfig`,
   * weight 5), in the order asked. Also what `configureSymbol` remembers from then on.
   */
  async fetchSymbolSettings(symbols: readonly string[]): Promise<readonly SymbolConfiguration[]> {
    for (const symbol of symbols) await this.instrument(symbol);
    const { value } = await this.#run({
      operation: 'fetchSymbolSettings',
      kind: 'read',
      send: () => this.#readSymbolSettings(symbols, 'fetchSymbolSettings'),
    });
    for (const settings of value) {
      void this.#afterSymbolSettings(settings.symbol, () =>
        Promise.resolve({ ...settings, rationale: undefined }),
      );
    }
    return value;
  }

  /** Chains `update` after the symbol's pending settings work; a failure forgets what is known. */
  #afterSymbolSettings<T extends SymbolSettings | undefined>(
    symbol: string,
    update: (known: SymbolSettings | undefined) => Promise<T>,
  ): Promise<T> {
    const previous = this.#symbolSettings.get(symbol) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(update);
    this.#symbolSettings.set(symbol, next);
    next.catch(() => {
      if (this.#symbolSettings.get(symbol) === next) this.#symbolSettings.delete(symbol);
    });
    return next;
  }

  async #readSymbolSettings(symbols: readonly string[], operation: string): Promise<SymbolConfiguration[]> {
    const leverages = (await this.client.fetchLeverages([...symbols])) as unknown as Record<string, unknown>;
    return symbols.map((symbol) => {
      const entry = leverages[symbol];
      if (entry === undefined) {
        throw new UnexpectedResponseError(`${operation}: no leverage or margin mode for ${symbol}`, {
          operation,
          symbol,
        });
      }
      const { leverage, marginMode } = parseSymbolConfig(infoOf(entry), operation);
      return { symbol, leverage, marginMode };
    });
  }

  async #configureSymbol(
    request: SymbolSettingsRequest,
    known: SymbolSettings | undefined,
  ): Promise<SymbolSettings> {
    const { symbol, leverage, marginMode, rationale } = request;
    await this.instrument(symbol);
    if (leverage !== undefined && (!Number.isInteger(leverage) || leverage < 1 || leverage > 125)) {
      throw new InvalidRequestError(`leverage ${leverage} must be an integer from 1 to 125`, {
        operation: 'configureSymbol',
        symbol,
        rationale,
      });
    }
    const told = request.current;
    let base: { readonly leverage: number; readonly marginMode: MarginMode } | undefined = known;
    if (base === undefined && told?.leverage !== undefined && told.marginMode !== undefined) {
      base = { leverage: told.leverage, marginMode: told.marginMode };
    }
    base ??= (
      await this.#run({
        operation: 'fetchSymbolConfig',
        kind: 'read',
        symbol,
        send: async () =>
          (await this.#readSymbolSettings([symbol], 'fetchSymbolConfig'))[0] as SymbolConfiguration,
      })
    ).value;
    // What the caller was told wins over what this adapter remembers.
    const current = {
      leverage: told?.leverage ?? base.leverage,
      marginMode: told?.marginMode ?? base.marginMode,
    };
    let settled = { leverage: current.leverage, marginMode: current.marginMode };
    if (marginMode !== undefined && marginMode !== current.marginMode) {
      try {
        await this.#run({
          operation: 'setMarginMode',
          kind: 'idempotent-write',
          symbol,
          rationale,
          params: { marginMode },
          send: () => this.client.setMarginMode(marginMode, symbol),
        });
      } catch (error) {
        if (!(error instanceof RequestRejectedError && error.reason === 'NO_CHANGE')) throw error;
      }
      settled = { ...settled, marginMode };
    }
    if (leverage !== undefined && leverage !== current.leverage) {
      await this.#run({
        operation: 'setLeverage',
        kind: 'idempotent-write',
        symbol,
        rationale,
        params: { leverage },
        send: () => this.client.setLeverage(leverage, symbol),
      });
      settled = { ...settled, leverage };
    }
    return { symbol, ...settled, rationale: undefined };
  }

  // ------------------------------------------------------------------ placing orders

  async createOrder(request: CreateOrderRequest): Promise<OrderResult> {
    const operation = 'createOrder';
    const { symbol, side, type, rationale } = request;
    const instrument = this.#loadedInstrument(symbol) ?? (await this.instrument(symbol));
    if (type === 'limit' && request.price === undefined) {
      throw new InvalidRequestError(`${operation}: a limit order needs a price`, { operation, symbol });
    }
    if (type === 'market' && (request.price !== undefined || request.timeInForce !== undefined)) {
      throw new InvalidRequestError(`${operation}: a market order takes no price or timeInForce`, {
        operation,
        symbol,
      });
    }
    const reduceOnly = request.reduceOnly === true;
    // Values already on the instrument's grid go as given (checked once); others are rounded, then checked.
    let quantity = String(request.quantity);
    let price = type === 'limit' ? String(request.price) : undefined;
    let violations = this.#violations(instrument, { type, quantity, price, reduceOnly }, operation);
    if (violations.some((violation) => gridCodes.has(violation.code)) || !isPositive(quantity)) {
      quantity = this.#quantity(instrument, request.quantity, type, operation, symbol);
      if (price !== undefined) {
        const input = price;
        price = rounded(
          () => roundPriceToTick(input, instrument, side === 'buy' ? 'down' : 'up'),
          'price',
          input,
          operation,
          symbol,
        );
      }
      violations = this.#violations(instrument, { type, quantity, price, reduceOnly }, operation);
    }
    throwViolations(violations, operation, symbol);
    const clientOrderId = this.#clientOrderId(request.clientOrderId, operation);
    const params: RawRecord = {
      clientOrderId,
      ...(request.reduceOnly ? { reduceOnly: true } : {}),
      ...(type === 'limit' ? { timeInForce: request.timeInForce ?? 'GTC' } : {}),
    };
    const { value, confirmedBy } = await this.#run({
      operation,
      kind: 'order-write',
      symbol,
      clientOrderId,
      opensPosition: !reduceOnly,
      rationale,
      params: { type, side, quantity, price, ...params },
      send: async () =>
        parseOrder(
          infoOf(
            await this.client.createOrder(
              symbol,
              type,
              side,
              Number(quantity),
              price === undefined ? undefined : Number(price),
              params,
            ),
          ),
          operation,
        ),
      lookup: () => this.#fetchOrderRaw({ symbol, clientOrderId }, `${operation}:lookup`),
    });
    this.#rememberForcedClose(value);
    return { order: value, rationale, confirmedBy };
  }

  createStopLossOrder(request: ProtectiveOrderRequest): Promise<ConditionalOrderResult> {
    return this.#createProtectiveOrder('createStopLossOrder', request, 'stop-loss', 'market');
  }

  createTakeProfitOrder(request: TakeProfitOrderRequest): Promise<ConditionalOrderResult> {
    return this.#createProtectiveOrder(
      'createTakeProfitOrder',
      request,
      'take-profit',
      request.style ?? this.takeProfitStyle,
      request.limitPrice,
    );
  }

  async #createProtectiveOrder(
    operation: string,
    request: ProtectiveOrderRequest,
    purpose: 'stop-loss' | 'take-profit',
    style: TakeProfitStyle,
    limitPriceInput?: DecimalText,
  ): Promise<ConditionalOrderResult> {
    const { symbol, positionSide, rationale } = request;
    if (positionSide !== 'long' && positionSide !== 'short') {
      throw new InvalidRequestError(`${operation}: positionSide must be long or short`, {
        operation,
        symbol,
      });
    }
    const closePosition = request.closePosition === true;
    if (closePosition === (request.quantity !== undefined)) {
      throw new InvalidRequestError(`${operation}: give either a quantity or closePosition: true`, {
        operation,
        symbol,
        rationale,
      });
    }
    if (closePosition && style === 'limit') {
      throw new InvalidRequestError(
        `${operation}: closePosition works only with market-style orders (STOP_MARKET/TAKE_PROFIT_MARKET)`,
        { operation, symbol, rationale },
      );
    }
    const instrument = await this.instrument(symbol);
    const side = closingSide(positionSide);
    // Round so the order acts no later than asked: a long's stop rounds up, its take-profit down.
    const towardsMarket = (positionSide === 'long') === (purpose === 'stop-loss') ? 'up' : 'down';
    const triggerPrice = rounded(
      () => roundPriceToTick(request.triggerPrice, instrument, towardsMarket),
      'triggerPrice',
      request.triggerPrice,
      operation,
      symbol,
    );
    if (!isPositive(triggerPrice)) {
      throw new InvalidRequestError(`${operation}: trigger price must be above zero`, { operation, symbol });
    }
    const exchangeType =
      purpose === 'stop-loss' ? 'STOP_MARKET' : style === 'limit' ? 'TAKE_PROFIT' : 'TAKE_PROFIT_MARKET';
    const childType: OrderType = exchangeType === 'TAKE_PROFIT' ? 'limit' : 'market';
    const limitPrice =
      exchangeType === 'TAKE_PROFIT'
        ? rounded(
            () =>
              roundPriceToTick(limitPriceInput ?? triggerPrice, instrument, side === 'sell' ? 'down' : 'up'),
            'limitPrice',
            limitPriceInput,
            operation,
            symbol,
          )
        : undefined;
    let quantity: string | undefined;
    if (!closePosition) {
      // A protective order covers the position: rounded up to its own grid (reduce-only, it never closes more).
      quantity = this.#quantity(
        instrument,
        request.quantity as DecimalText,
        childType,
        operation,
        symbol,
        true,
      );
      this.#check(
        instrument,
        { type: childType, quantity, price: limitPrice ?? triggerPrice, reduceOnly: true },
        operation,
      );
    }
    const clientOrderId = this.#clientOrderId(request.clientOrderId, operation);
    const params: RawRecord = {
      stopPrice: Number(triggerPrice),
      workingType: this.workingType,
      clientOrderId,
      ...(closePosition ? { closePosition: true } : { reduceOnly: true }),
    };
    const { value, confirmedBy } = await this.#run({
      operation,
      kind: 'order-write',
      symbol,
      clientOrderId,
      rationale,
      params: {
        type: exchangeType,
        side,
        quantity,
        triggerPrice,
        price: limitPrice,
        workingType: this.workingType,
        ...(closePosition ? { closePosition: true } : { reduceOnly: true }),
      },
      send: async () =>
        parseConditionalOrder(
          infoOf(
            await this.client.createOrder(
              symbol,
              exchangeType,
              side,
              quantity === undefined ? (undefined as unknown as number) : Number(quantity),
              limitPrice === undefined ? undefined : Number(limitPrice),
              params,
            ),
          ),
          operation,
        ),
      lookup: () => this.#fetchConditionalOrderRaw({ symbol, clientOrderId }, `${operation}:lookup`),
    });
    return { order: value, rationale, confirmedBy };
  }

  async closePosition(request: ClosePositionRequest): Promise<ClosePositionResult> {
    const operation = 'closePosition';
    const { symbol, rationale } = request;
    const instrument = await this.instrument(symbol);
    let positionSide = request.positionSide;
    let quantity: string;
    if (request.quantity !== undefined) {
      if (positionSide === undefined) {
        throw new InvalidRequestError(`${operation}: a quantity needs the positionSide it closes`, {
          operation,
          symbol,
        });
      }
      // Up to the market grid: reduce-only, the exchange cuts it to the position, so it closes all it is asked to.
      quantity = this.#quantity(instrument, request.quantity, 'market', operation, symbol, true);
    } else {
      const position = (await this.fetchPositions([symbol])).find(
        (candidate) => positionSide === undefined || candidate.side === positionSide,
      );
      if (!position) return { orders: [], closedQuantity: '0', alreadyFlat: true, rationale };
      positionSide = position.side;
      quantity = this.#quantity(instrument, position.quantity, 'market', operation, symbol, true);
    }
    if (!isPositive(quantity)) return { orders: [], closedQuantity: '0', alreadyFlat: true, rationale };
    const chunks = splitQuantity(quantity, instrument.marketMaxQty, instrument.marketStepSize);
    const orders: Order[] = [];
    let closed = toDecimal(0);
    const baseId = request.clientOrderId ?? randomClientOrderId(this.#runtime.random, this.clientIdPrefix);
    for (const [index, chunk] of chunks.entries()) {
      try {
        const { order } = await this.createOrder({
          symbol,
          side: closingSide(positionSide),
          type: 'market',
          quantity: chunk,
          reduceOnly: true,
          clientOrderId: index === 0 ? baseId : `${baseId}-${index + 1}`,
          rationale,
        });
        orders.push(order);
        closed = closed.plus(order.filledQuantity);
      } catch (error) {
        // Reduce-only refused: nothing (more) to reduce on that side; the position is already closed.
        if (error instanceof RequestRejectedError && error.reason === 'REDUCE_ONLY_REJECTED') break;
        throw error;
      }
    }
    return {
      orders,
      closedQuantity: closed.toFixed(),
      alreadyFlat: orders.length === 0,
      rationale,
    };
  }

  // ------------------------------------------------------------------ cancelling

  async cancelOrder(request: CancelRequest): Promise<CancelResult> {
    const operation = 'cancelOrder';
    const { symbol, rationale } = request;
    this.#checkReference(request, operation);
    const params: RawRecord = request.clientOrderId ? { origClientOrderId: request.clientOrderId } : {};
    const toResult = (order: Order): CancelResult => ({
      symbol,
      id: order.id,
      clientOrderId: order.clientOrderId,
      status: order.status,
      rationale,
    });
    try {
      const { value } = await this.#run({
        operation,
        kind: 'order-write',
        symbol,
        clientOrderId: request.clientOrderId,
        rationale,
        params: { id: request.id, clientOrderId: request.clientOrderId },
        send: async () =>
          toResult(
            parseOrder(
              infoOf(await this.client.cancelOrder(request.id as string, symbol, params)),
              operation,
            ),
          ),
        lookup: async () => {
          const order = await this.#fetchOrderRaw(request, `${operation}:lookup`);
          return order === undefined || isLiveOrder(order) ? undefined : toResult(order);
        },
      });
      return value;
    } catch (error) {
      if (!(error instanceof OrderNotFoundError)) throw error;
      const order = await this.fetchOrder(request);
      return order
        ? toResult(order)
        : { symbol, id: request.id, clientOrderId: request.clientOrderId, status: 'not-found', rationale };
    }
  }

  async cancelConditionalOrder(request: CancelRequest): Promise<CancelResult> {
    const operation = 'cancelConditionalOrder';
    const { symbol, rationale } = request;
    this.#checkReference(request, operation);
    const params: RawRecord = {
      trigger: true,
      ...(request.clientOrderId ? { clientAlgoId: request.clientOrderId } : {}),
    };
    const toResult = (order: ConditionalOrder): CancelResult => ({
      symbol,
      id: order.id,
      clientOrderId: order.clientOrderId,
      status: order.status,
      rationale,
    });
    try {
      const { value } = await this.#run({
        operation,
        kind: 'order-write',
        symbol,
        clientOrderId: request.clientOrderId,
        rationale,
        params: { id: request.id, clientOrderId: request.clientOrderId, trigger: true },
        send: async (): Promise<CancelResult> => {
          const canceled = parseConditionalCancel(
            infoOf(await this.client.cancelOrder(request.id as string, symbol, params)),
            operation,
          );
          return { symbol, ...canceled, status: 'canceled', rationale };
        },
        lookup: async () => {
          const order = await this.#fetchConditionalOrderRaw(request, `${operation}:lookup`);
          return order === undefined || isLiveConditionalOrder(order) ? undefined : toResult(order);
        },
      });
      return value;
    } catch (error) {
      if (!(error instanceof OrderNotFoundError)) throw error;
      const order = await this.fetchConditionalOrder(request);
      return order
        ? toResult(order)
        : { symbol, id: request.id, clientOrderId: request.clientOrderId, status: 'not-found', rationale };
    }
  }

  async cancelAllOrders(request: { readonly symbol: string; readonly rationale?: string | undefined }) {
    const { symbol, rationale } = request;
    await this.instrument(symbol);
    // Counted first for the result; both cancel-alls are sent regardless, so an order placed meanwhile goes too.
    const open = await this.fetchOpenOrders(symbol);
    await this.#run({
      operation: 'cancelAllOrders',
      kind: 'idempotent-write',
      symbol,
      rationale,
      send: () => this.client.cancelAllOrders(symbol),
    });
    await this.#run({
      operation: 'cancelAllConditionalOrders',
      kind: 'idempotent-write',
      symbol,
      rationale,
      send: () => this.client.cancelAllOrders(symbol, { trigger: true }),
    });
    const result: CancelAllResult = {
      symbol,
      canceledOrders: open.orders.length,
      canceledConditionalOrders: open.conditionalOrders.length,
      rationale,
    };
    return result;
  }

  // ------------------------------------------------------------------ reading

  fetchOrder(reference: OrderReference): Promise<Order | undefined> {
    return this.#fetchByReference('fetchOrder', reference, (operation) =>
      this.#fetchOrderRaw(reference, operation),
    );
  }

  fetchConditionalOrder(reference: OrderReference): Promise<ConditionalOrder | undefined> {
    return this.#fetchByReference('fetchConditionalOrder', reference, (operation) =>
      this.#fetchConditionalOrderRaw(reference, operation),
    );
  }

  /** One order of either book by id or client id, through the executor (a read: retried). */
  async #fetchByReference<T>(
    operation: string,
    reference: OrderReference,
    fetchRaw: (operation: string) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    this.#checkReference(reference, operation);
    const { value } = await this.#run({
      operation,
      kind: 'read',
      symbol: reference.symbol,
      clientOrderId: reference.clientOrderId,
      send: () => fetchRaw(operation),
    });
    return value;
  }

  async fetchOpenOrders(symbol: string): Promise<OpenOrders> {
    await this.instrument(symbol);
    const [regular, conditional] = await Promise.all([
      this.#run({
        operation: 'fetchOpenOrders',
        kind: 'read',
        symbol,
        send: async () =>
          (await this.client.fetchOpenOrders(symbol)).map((order) =>
            parseOrder(infoOf(order), 'fetchOpenOrders'),
          ),
      }),
      this.#run({
        operation: 'fetchOpenConditionalOrders',
        kind: 'read',
        symbol,
        send: async () =>
          (await this.client.fetchOpenOrders(symbol, undefined, undefined, { trigger: true })).map((order) =>
            parseConditionalOrder(infoOf(order), 'fetchOpenConditionalOrders'),
          ),
      }),
    ]);
    return { orders: regular.value, conditionalOrders: conditional.value };
  }

  async fetchPositions(symbols?: readonly string[]): Promise<readonly Position[]> {
    const { value } = await this.#run({
      operation: 'fetchPositions',
      kind: 'read',
      send: async () => {
        const rows = await this.client.fetchPositions(symbols === undefined ? undefined : [...symbols]);
        return rows
          .map((row) => parsePosition(infoOf(row), 'fetchPositions'))
          .filter((position): position is Position => position !== undefined);
      },
    });
    return symbols === undefined ? value : value.filter((position) => symbols.includes(position.symbol));
  }

  async fetchBalances(): Promise<readonly Balance[]> {
    const { value } = await this.#run({
      operation: 'fetchBalances',
      kind: 'read',
      send: async () => parseBalances(infoOf(await this.client.fetchBalance()), 'fetchBalances'),
    });
    return value;
  }

  async fetchFills(symbol: string, options: FetchFillsOptions = {}): Promise<readonly Fill[]> {
    await this.instrument(symbol);
    const { since } = options;
    const { value } = await this.#run({
      operation: 'fetchFills',
      kind: 'read',
      symbol,
      send: async () =>
        (await this.client.fetchMyTrades(symbol, since, options.limit))
          .map((trade) => parseFill(infoOf(trade), 'fetchFills'))
          .filter((fill) => since === undefined || fill.time >= since),
    });
    return options.includeClosedBy === true ? this.#withClosedBy(symbol, value) : value;
  }

  /**
   * Marks fills of liquidation and ADL orders. Binance's trade rows carry no client id, so each order is
   * looked up once by its id; the orders this adapter placed are known already.
   */
  async #withClosedBy(symbol: string, fills: readonly Fill[]): Promise<readonly Fill[]> {
    const unknownOrders = new Set(
      fills.map((fill) => fill.orderId).filter((id) => !this.#forcedCloses.has(`${symbol}|${id}`)),
    );
    for (const id of unknownOrders) {
      const order = await this.fetchOrder({ symbol, id });
      if (order !== undefined) this.#rememberForcedClose(order);
    }
    return fills.map((fill) => {
      const closedBy = this.#forcedCloses.get(`${symbol}|${fill.orderId}`);
      return closedBy ? { ...fill, closedBy } : fill;
    });
  }

  #rememberForcedClose(order: Order): void {
    this.#forcedCloses.set(`${order.symbol}|${order.id}`, order.closedBy ?? null);
    if (this.#forcedCloses.size > forcedCloseMemory) {
      this.#forcedCloses.delete(this.#forcedCloses.keys().next().value as string);
    }
  }

  async fetchMarkPrice(symbol: string): Promise<string> {
    await this.instrument(symbol);
    const { value } = await this.#run({
      operation: 'fetchMarkPrice',
      kind: 'read',
      symbol,
      send: async () => parseMarkPrice(infoOf(await this.client.fetchMarkPrice(symbol)), 'fetchMarkPrice'),
    });
    return value;
  }

  async fetchExchangeState(symbols: readonly string[]): Promise<ExchangeState> {
    const positions = await this.fetchPositions();
    const all = [...new Set([...symbols, ...positions.map((position) => position.symbol)])];
    const open = await Promise.all(all.map((symbol) => this.fetchOpenOrders(symbol)));
    return {
      positions,
      orders: open.flatMap((entry) => entry.orders),
      conditionalOrders: open.flatMap((entry) => entry.conditionalOrders),
    };
  }

  // ------------------------------------------------------------------ helpers

  #run<T>(request: ExchangeRequest<T>) {
    return this.executor.execute(request);
  }

  /** A raw (not retried) fetch by id or client id; undefined when the exchange says it does not exist. */
  async #fetchOrderRaw(reference: OrderReference, operation: string): Promise<Order | undefined> {
    try {
      const params: RawRecord = reference.clientOrderId ? { origClientOrderId: reference.clientOrderId } : {};
      return parseOrder(
        infoOf(await this.client.fetchOrder(reference.id as string, reference.symbol, params)),
        operation,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #fetchConditionalOrderRaw(
    reference: OrderReference,
    operation: string,
  ): Promise<ConditionalOrder | undefined> {
    try {
      const params: RawRecord = {
        trigger: true,
        ...(reference.clientOrderId ? { clientAlgoId: reference.clientOrderId } : {}),
      };
      return parseConditionalOrder(
        infoOf(await this.client.fetchOrder(reference.id as string, reference.symbol, params)),
        operation,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  #checkReference(reference: OrderReference, operation: string): void {
    if (!reference.id && !reference.clientOrderId) {
      throw new InvalidRequestError(`${operation}: give the order's id or clientOrderId`, {
        operation,
        symbol: reference.symbol,
      });
    }
  }

  #clientOrderId(given: string | undefined, operation: string): string {
    if (given === undefined) return randomClientOrderId(this.#runtime.random, this.clientIdPrefix);
    if (!isValidClientOrderId(given)) {
      throw new InvalidRequestError(
        `${operation}: client order id ${JSON.stringify(given)} is not valid (1–36 of A–Z a–z 0–9 . : / _ -)`,
        { operation, clientOrderId: given },
      );
    }
    return given;
  }

  /**
   * The quantity on the order type's grid: rounded down for an entry (never more than asked), rounded up
   * (`covering`) for reduce-only orders that must cover a position (stop-loss, take-profit, close), which the
   * exchange cuts to the position when they execute — a position filled on the LOT_SIZE grid is then covered
   * whole even when MARKET_LOT_SIZE's step is coarser.
   */
  #quantity(
    instrument: Instrument,
    input: DecimalText,
    type: OrderType,
    operation: string,
    symbol: string,
    covering = false,
  ): string {
    const quantity = rounded(
      () => (covering ? ceilQuantityToStep : floorQuantityToStep)(input, instrument, type),
      'quantity',
      input,
      operation,
      symbol,
    );
    if (!isPositive(quantity)) {
      const why = covering ? 'is not above zero' : 'is below one step';
      throw new InvalidRequestError(`${operation}: quantity ${String(input)} ${why}`, { operation, symbol });
    }
    return quantity;
  }

  /** Every filter the order breaks (its notional only when its price is known). */
  #violations(
    instrument: Instrument,
    order: { type: OrderType; quantity: string; price: string | undefined; reduceOnly: boolean },
    operation: string,
  ): OrderViolation[] {
    let violations: OrderViolation[];
    try {
      violations = checkOrder(instrument, {
        type: order.type,
        quantity: order.quantity,
        // A market order's fill price is unknown here: its notional is left to the exchange (-4164).
        price: order.price ?? instrument.tickSize,
        reduceOnly: order.reduceOnly,
      });
    } catch (error) {
      throw new InvalidRequestError(
        `${operation}: quantity ${JSON.stringify(order.quantity)} or price ${JSON.stringify(order.price)} is not a valid decimal`,
        { operation, symbol: instrument.symbol, cause: error },
      );
    }
    return order.price !== undefined
      ? violations
      : violations.filter((violation) => violation.code !== 'MIN_NOTIONAL');
  }

  /** Throws `InvalidRequestError` listing every filter the order breaks. */
  #check(
    instrument: Instrument,
    order: { type: OrderType; quantity: string; price: string | undefined; reduceOnly: boolean },
    operation: string,
  ): void {
    throwViolations(this.#violations(instrument, order, operation), operation, instrument.symbol);
  }
}

/** Orders whose forced-close status is remembered, so each is looked up once. */
const forcedCloseMemory = 10_000;

/** Violations that rounding to the grid cures. */
const gridCodes: ReadonlySet<string> = new Set(['STEP', 'MARKET_STEP', 'TICK']);

function throwViolations(violations: readonly OrderViolation[], operation: string, symbol: string): void {
  if (violations.length > 0) {
    throw new InvalidRequestError(
      `${operation}: ${violations.map((violation) => violation.message).join('; ')}`,
      {
        operation,
        symbol,
      },
    );
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof OrderNotFoundError || error instanceof ccxt.OrderNotFound;
}

/** Splits `quantity` into on-step pieces of at most `maximum` (all of it when there is no maximum). */
export function splitQuantity(quantity: string, maximum: string | undefined, step: string): string[] {
  const total = toDecimal(quantity);
  if (maximum === undefined || toDecimal(maximum).lte(0) || total.lte(maximum)) return [quantity];
  const size = toDecimal(floorQuantityToStep(maximum, step));
  const pieces: string[] = [];
  let left = total;
  while (left.gt(0)) {
    const piece = left.gt(size) ? size : left;
    pieces.push(floorQuantityToStep(piece.toFixed(), step));
    left = left.minus(piece);
  }
  return pieces;
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
