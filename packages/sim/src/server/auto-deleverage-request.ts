import { expectKeys, isObject } from './faults';

/** What `sim.autoDeleverage()` and `POST /_sim/adl` take. */
export interface AutoDeleverageRequest {
  /** Exchange id, e.g. `BTCUSDC`. */
  readonly symbol: string;
  /** Default: the first account. */
  readonly accountId?: string;
  /** Decimal string, a multiple of the step size, at most the position size; default the whole position. */
  readonly quantity?: string;
}

/**
 * Checks the JSON body of `POST /_sim/adl` the way faultsFromJson checks faults: unknown keys and wrong
 * types are refused with a TypeError naming the key (the control endpoint answers it with 400). A quantity
 * may come as a JSON number or a decimal string; the core checks its value against the position.
 */
export function autoDeleverageRequestFromJson(body: Record<string, unknown>): AutoDeleverageRequest {
  if (!isObject(body)) throw new TypeError('the body must be an object');
  expectKeys(body, ['symbol', 'accountId', 'quantity'], 'the ADL request');
  const { symbol, accountId, quantity } = body;
  if (typeof symbol !== 'string' || symbol === '') throw new TypeError('symbol must be a non-empty string');
  if (accountId !== undefined && typeof accountId !== 'string')
    throw new TypeError('accountId must be a string');
  if (quantity !== undefined && typeof quantity !== 'string' && !Number.isFinite(quantity))
    throw new TypeError('quantity must be a decimal string or a finite number');
  return {
    symbol,
    ...(accountId === undefined ? {} : { accountId }),
    ...(quantity === undefined ? {} : { quantity: String(quantity) }),
  };
}
