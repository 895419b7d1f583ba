/**
 * Leverage and margin mode per symbol: read once from the exchange, then tracked, and set only where they
 * differ from what is asked; calls for one symbol run one after another.
 */
import { parseSymbolConfig } from './binance-payloads';
import type { AdapterContext } from './ccxt-adapter-context';
import { infoOf } from './ccxt-adapter-context';
import type { MarginMode } from './domain';
import { InvalidRequestError, RequestRejectedError, UnexpectedResponseError } from './errors';
import type { SymbolConfiguration, SymbolSettings, SymbolSettingsRequest } from './exchange-port';

export function configureSymbol(
  ctx: AdapterContext,
  request: SymbolSettingsRequest,
): Promise<SymbolSettings> {
  const next = afterSymbolSettings(ctx, request.symbol, (known) => applySymbolSettings(ctx, request, known));
  return next.then((settings) => ({ ...settings, rationale: request.rationale }));
}

export function forgetSymbolSettings(ctx: AdapterContext, symbol: string): void {
  void afterSymbolSettings(ctx, symbol, () => Promise.resolve(undefined));
}

export async function fetchSymbolSettings(
  ctx: AdapterContext,
  symbols: readonly string[],
): Promise<readonly SymbolConfiguration[]> {
  for (const symbol of symbols) await ctx.exchange.instrument(symbol);
  const { value } = await ctx.run({
    operation: 'fetchSymbolSettings',
    kind: 'read',
    send: () => readSymbolSettings(ctx, symbols, 'fetchSymbolSettings'),
  });
  for (const settings of value) {
    void afterSymbolSettings(ctx, settings.symbol, () =>
      Promise.resolve({ ...settings, rationale: undefined }),
    );
  }
  return value;
}

/** Chains `update` after the symbol's pending settings work; a failure forgets what is known. */
export function afterSymbolSettings<T extends SymbolSettings | undefined>(
  ctx: AdapterContext,
  symbol: string,
  update: (known: SymbolSettings | undefined) => Promise<T>,
): Promise<T> {
  const previous = ctx.symbolSettings.get(symbol) ?? Promise.resolve(undefined);
  const next = previous.catch(() => undefined).then(update);
  ctx.symbolSettings.set(symbol, next);
  next.catch(() => {
    if (ctx.symbolSettings.get(symbol) === next) ctx.symbolSettings.delete(symbol);
  });
  return next;
}

export async function readSymbolSettings(
  ctx: AdapterContext,
  symbols: readonly string[],
  operation: string,
): Promise<SymbolConfiguration[]> {
  // One symbol is asked by name (Binance's `symbol` parameter): without it symbolConfig answers every symbol
  // the account can trade (hundreds on Binance), each parsed by ccxt, for the one the entry waits on.
  const [only] = symbols;
  const params = symbols.length === 1 && only !== undefined ? { symbol: ctx.client.marketId(only) } : {};
  const leverages = (await ctx.client.fetchLeverages([...symbols], params)) as unknown as Record<
    string,
    unknown
  >;
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

export async function applySymbolSettings(
  ctx: AdapterContext,
  request: SymbolSettingsRequest,
  known: SymbolSettings | undefined,
): Promise<SymbolSettings> {
  const { symbol, leverage, marginMode, rationale } = request;
  await ctx.exchange.instrument(symbol);
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
    await ctx.run({
      operation: 'fetchSymbolConfig',
      kind: 'read',
      symbol,
      send: async () =>
        (await readSymbolSettings(ctx, [symbol], 'fetchSymbolConfig'))[0] as SymbolConfiguration,
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
      await ctx.run({
        operation: 'setMarginMode',
        kind: 'idempotent-write',
        symbol,
        rationale,
        params: { marginMode },
        send: () => ctx.client.setMarginMode(marginMode, symbol),
      });
    } catch (error) {
      if (!(error instanceof RequestRejectedError && error.reason === 'NO_CHANGE')) throw error;
    }
    settled = { ...settled, marginMode };
  }
  if (leverage !== undefined && leverage !== current.leverage) {
    await ctx.run({
      operation: 'setLeverage',
      kind: 'idempotent-write',
      symbol,
      rationale,
      params: { leverage },
      send: () => ctx.client.setLeverage(leverage, symbol),
    });
    settled = { ...settled, leverage };
  }
  return { symbol, ...settled, rationale: undefined };
}
