/**
 * What the ccxt adapter's modules (placing, cancelling, reading, symbol settings) share: the ccxt client,
 * the request executor and the adapter itself, through which they call each other's public methods just as
 * the class's own methods do.
 */
import ccxt from 'ccxt';
import type { Instrument } from '@bot/symbols';
import type { CcxtExchange } from './ccxt-exchange';
import { isValidClientOrderId, randomClientOrderId } from './client-order-ids';
import type { ForcedClose } from './domain';
import { InvalidRequestError, OrderNotFoundError } from './errors';
import type { ExchangeClient } from './exchange-client';
import type { SymbolSettings } from './exchange-port';
import type { RequestExecutor } from './request-executor';
import type { Runtime } from './runtime';

export type RawRecord = Record<string, unknown>;

export interface AdapterContext {
  /** The adapter's public face (its instrument look-up, its orders, its settings). */
  readonly exchange: CcxtExchange;
  readonly client: ExchangeClient;
  readonly runtime: Runtime;
  /** Runs a request through the adapter's `RequestExecutor`. */
  readonly run: RequestExecutor['execute'];
  /** The instrument from the markets already loaded, without awaiting anything. */
  readonly loadedInstrument: (symbol: string) => Instrument | undefined;
  /** Per `symbol|orderId`: whether the order was a liquidation or ADL (`null`: neither); never changes. */
  readonly forcedCloses: Map<string, ForcedClose | null>;
  /** What is known of each symbol's leverage and margin mode on the exchange (`undefined`: read it). */
  readonly symbolSettings: Map<string, Promise<SymbolSettings | undefined>>;
}

/** ccxt's parsed answers carry Binance's raw payload in `info`; that is what `binance-payloads.ts` reads. */
export function infoOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { info?: unknown }).info : undefined;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof OrderNotFoundError || error instanceof ccxt.OrderNotFound;
}

export function clientOrderIdFor(ctx: AdapterContext, given: string | undefined, operation: string): string {
  if (given === undefined) return randomClientOrderId(ctx.runtime.random, ctx.exchange.clientIdPrefix);
  if (!isValidClientOrderId(given)) {
    throw new InvalidRequestError(
      `${operation}: client order id ${JSON.stringify(given)} is not valid (1–36 of A–Z a–z 0–9 . : / _ -)`,
      { operation, clientOrderId: given },
    );
  }
  return given;
}
