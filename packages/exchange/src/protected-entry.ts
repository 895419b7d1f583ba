/**
 * `openProtectedPosition`: an entry that never leaves a position without a stop-loss on the exchange.
 *
 *  1. Check the intent; look for an entry already placed under the intent's deterministic client id (a
 *     retried or restarted call finds it instead of opening twice) while the caller's `ready` settles;
 *     skipped when the caller knows the intent is new (`mayExist: false`).
 *  2. Set leverage and margin mode (once per symbol); place the entry only if there is none.
 *  3. For whatever has filled: place the stop-loss (reduce-only, opposite side, config workingType), read it
 *     back, then the take-profit, read it back. Partial fills are protected as they come; each new
 *     protection is placed before the one it replaces is canceled.
 *  4. If the stop-loss cannot be placed (rejected, retries exhausted, unknown outcome) or is not live when
 *     read back: cancel the rest of the entry and close what filled at market, reduce-only, and report an
 *     incident. If even that fails, the result says `unprotected`, with a critical incident.
 *
 * It resolves with a result whose `status` says what happened; it does not throw exchange errors.
 */
import { toDecimal } from '@bot/symbols';
import type { ClientOrderIds } from './client-order-ids';
import { clientOrderIdsFor, defaultClientIdPrefix } from './client-order-ids';
import type { ConditionalOrder, DecimalText, MarginMode, Order, PositionSide, TimeInForce } from './domain';
import { isLiveConditionalOrder, isLiveOrder, openingSide } from './domain';
import type { ExchangeAdapterError } from './errors';
import {
  InvalidRequestError,
  UnexpectedResponseError,
  UnknownOutcomeError,
  isExchangeAdapterError,
} from './errors';
import type { ExchangePort, OrderResult } from './exchange-port';
import type { Incident, IncidentCode, IncidentSeverity } from './incidents';
import { describeError } from './incidents';
import type { Runtime, RuntimeOptions } from './runtime';
import { resolveRuntime } from './runtime';

export interface MarketEntry {
  readonly type: 'market';
}

export interface LimitEntry {
  readonly type: 'limit';
  readonly price: DecimalText;
  /** GTC (default) or GTX (post-only). */
  readonly timeInForce?: Extract<TimeInForce, 'GTC' | 'GTX'> | undefined;
  /** How long to wait for fills before canceling the rest (default 60 000 ms). */
  readonly fillTimeoutMs?: number | undefined;
  /** How often the order is read while waiting (default 1 000 ms). */
  readonly pollIntervalMs?: number | undefined;
}

/** What the bot wants: a position with its stop-loss and (optionally) take-profit. */
export interface PositionIntent {
  /** Stable id of this decision (e.g. symbol + signal candle time); the same id never opens twice. */
  readonly id: string;
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: DecimalText;
  readonly entry: MarketEntry | LimitEntry;
  /** Stop-loss trigger price (below the entry for a long, above for a short). */
  readonly stopLossPrice: DecimalText;
  readonly takeProfitPrice?: DecimalText | undefined;
  /** Limit price of a `limit`-style take-profit (default: the trigger price). */
  readonly takeProfitLimitPrice?: DecimalText | undefined;
  readonly leverage?: number | undefined;
  readonly marginMode?: MarginMode | undefined;
  readonly rationale?: string | undefined;
}

export interface ProtectedEntryOptions extends RuntimeOptions {
  /** Client id prefix (default `bot`); must match the adapter's for reconcile to recognise the orders. */
  readonly clientIdPrefix?: string | undefined;
  /** Leverage when the intent names none (config `risk.leverageDefault`). */
  readonly leverage?: number | undefined;
  /** Margin mode when the intent names none (default isolated). */
  readonly marginMode?: MarginMode | undefined;
  /** Market entries: how long to wait for a market order the exchange reports still open (default 5 000). */
  readonly marketFillTimeoutMs?: number | undefined;
  /**
   * Settles when the entry may leave (the caller's write-ahead record durable, its own checks done). The
   * look-up of an entry already placed under the intent's id sends nothing and runs meanwhile; the symbol
   * settings and the entry wait for it. A rejection sends nothing: status `rejected`, with its reason.
   */
  readonly ready?: Promise<unknown> | undefined;
  /**
   * Whether an entry under the intent's client ids may already be on the exchange (default true): the call
   * is a retry, or an earlier process may have sent it before it died. Then the entry is looked up first and
   * resumed, never placed twice (Binance refuses a duplicate client id only while that order is open). A
   * caller that knows the intent is new passes false and saves the look-up's round trip: the runner does for
   * a signal whose candle closed after it started (every earlier process had ended by then; the trail's lock
   * allows one at a time) that it has not sent before.
   */
  readonly mayExist?: boolean | undefined;
  /**
   * Called once when the entry's outcome is unknown (a 503 -1000, a timeout) and its look-up by client id
   * over the executor's `unknownOutcomeWindowMs` begins: from then on the call may take that long. The
   * runner stops holding its queue for it.
   */
  readonly onOutcomeUnknown?: (() => void) | undefined;
}

/**
 * - `protected`: something filled and a live stop-loss covers all of it (and a take-profit, if asked for and
 *   placeable; otherwise a `TAKE_PROFIT_FAILED` warning);
 * - `not-filled`: nothing filled (limit timed out, market order expired); nothing is open;
 * - `rejected`: the entry was refused or the intent is invalid (`error` says why); nothing was opened;
 * - `stopped-out`: the stop fired while protection was being set up; the filled quantity is closed;
 * - `emergency-closed`: the stop-loss could not be placed; what filled was closed at market;
 * - `unprotected`: the stop-loss could not be placed and the close failed: a critical incident;
 * - `unknown`: the entry's outcome could not be established: a critical incident; reconcile now;
 * - `already-closed`: a call for an intent whose entry filled earlier and whose position is gone since
 *   (stopped out, taken profit): nothing is placed.
 */
export type ProtectedEntryStatus =
  | 'protected'
  | 'not-filled'
  | 'rejected'
  | 'stopped-out'
  | 'emergency-closed'
  | 'unprotected'
  | 'unknown'
  | 'already-closed';

export interface ProtectedEntryResult {
  readonly status: ProtectedEntryStatus;
  readonly intentId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  readonly entry: Order | undefined;
  /** Filled quantity of the entry. */
  readonly filledQuantity: string;
  readonly averagePrice: string | undefined;
  readonly stopLoss: ConditionalOrder | undefined;
  readonly takeProfit: ConditionalOrder | undefined;
  /** Orders of an emergency close, if there was one. */
  readonly closeOrders: readonly Order[];
  readonly incidents: readonly Incident[];
  /** Why the entry was rejected, or what made protection fail. */
  readonly error: ExchangeAdapterError | undefined;
  readonly rationale: string | undefined;
  /** The client ids this intent's orders use (for audit and reconcile). */
  readonly clientOrderIds: { readonly entry: string; readonly base: string };
}

const maximumGenerations = 20;

class ProtectedEntry {
  readonly incidents: Incident[] = [];
  entry: Order | undefined;
  stopLoss: ConditionalOrder | undefined;
  takeProfit: ConditionalOrder | undefined;
  protectedQuantity = '0';
  generation = 0;
  closeOrders: Order[] = [];
  /**
   * On a resumed entry: how much of its fill had been closed by then (the fill less the open position).
   * That much is never protected again; fills after the resume are protected on top of the rest.
   */
  closedSince: string | undefined;
  /** Live protective orders found under this intent's ids that cover less than the fill; canceled once replaced. */
  readonly stale: ConditionalOrder[] = [];
  error: ExchangeAdapterError | undefined;

  constructor(
    readonly exchange: ExchangePort,
    readonly intent: PositionIntent,
    readonly ids: ClientOrderIds,
    readonly runtime: Runtime,
  ) {}

  get symbol(): string {
    return this.intent.symbol;
  }

  incident(code: IncidentCode, severity: IncidentSeverity, message: string, error?: unknown): void {
    const incident: Incident = {
      code,
      severity,
      symbol: this.symbol,
      intentId: this.intent.id,
      message,
      time: this.runtime.now(),
      error: error === undefined ? undefined : describeError(error),
    };
    this.incidents.push(incident);
    this.runtime.log({
      level: severity === 'critical' ? 'error' : 'warn',
      event: 'incident',
      message: `${code}: ${message}`,
      incident,
      rationale: this.intent.rationale,
    });
  }

  result(status: ProtectedEntryStatus): ProtectedEntryResult {
    const result: ProtectedEntryResult = {
      status,
      intentId: this.intent.id,
      symbol: this.symbol,
      side: this.intent.side,
      entry: this.entry,
      filledQuantity: this.entry?.filledQuantity ?? '0',
      averagePrice: this.entry?.averagePrice,
      stopLoss: this.stopLoss,
      takeProfit: this.takeProfit,
      closeOrders: this.closeOrders,
      incidents: this.incidents,
      error: this.error,
      rationale: this.intent.rationale,
      clientOrderIds: { entry: this.ids.entry, base: this.ids.base },
    };
    this.runtime.log({
      level: status === 'protected' || status === 'not-filled' ? 'info' : 'warn',
      event: 'protected-entry',
      message: `${this.symbol} ${this.intent.side} ${this.intent.id}: ${status}`,
      status,
      symbol: this.symbol,
      intentId: this.intent.id,
      filledQuantity: result.filledQuantity,
      stopLoss: this.stopLoss?.id,
      takeProfit: this.takeProfit?.id,
      incidents: this.incidents.map((incident) => incident.code),
      rationale: this.intent.rationale,
    });
    return result;
  }
}

function greater(left: string, right: string): boolean {
  return toDecimal(left).gt(toDecimal(right));
}

function validateIntent(intent: PositionIntent): void {
  const fail = (message: string) =>
    new InvalidRequestError(`openProtectedPosition: ${message}`, {
      operation: 'openProtectedPosition',
      symbol: intent.symbol,
      rationale: intent.rationale,
    });
  if (intent.side !== 'long' && intent.side !== 'short') throw fail('side must be long or short');
  const number = (value: DecimalText | undefined, name: string) => {
    try {
      const decimal = toDecimal(value as DecimalText, name);
      if (decimal.lte(0)) throw new Error('not positive');
      return decimal;
    } catch {
      throw fail(`${name} must be a positive decimal, got ${JSON.stringify(value)}`);
    }
  };
  number(intent.quantity, 'quantity');
  const stop = number(intent.stopLossPrice, 'stopLossPrice');
  const long = intent.side === 'long';
  if (intent.takeProfitPrice !== undefined) {
    const target = number(intent.takeProfitPrice, 'takeProfitPrice');
    if (long ? !target.gt(stop) : !target.lt(stop)) {
      throw fail(`a ${intent.side}'s take-profit must be ${long ? 'above' : 'below'} its stop-loss`);
    }
  }
  if (intent.takeProfitLimitPrice !== undefined) number(intent.takeProfitLimitPrice, 'takeProfitLimitPrice');
  if (intent.entry?.type === 'limit') {
    const price = number(intent.entry.price, 'entry price');
    if (long ? !stop.lt(price) : !stop.gt(price)) {
      throw fail(`a ${intent.side}'s stop-loss must be ${long ? 'below' : 'above'} its entry price`);
    }
    if (intent.takeProfitPrice !== undefined) {
      const target = toDecimal(intent.takeProfitPrice);
      if (long ? !target.gt(price) : !target.lt(price)) {
        throw fail(`a ${intent.side}'s take-profit must be ${long ? 'above' : 'below'} its entry price`);
      }
    }
  } else if (intent.entry?.type !== 'market') {
    throw fail('entry.type must be market or limit');
  }
}

/** Keeps the typed error; wraps anything else (a bug) so that protection logic still runs its course. */
function asAdapterError(error: unknown): ExchangeAdapterError {
  if (isExchangeAdapterError(error)) return error;
  return new UnexpectedResponseError(
    `openProtectedPosition: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    { operation: 'openProtectedPosition', cause: error },
  );
}

/** The caller's `ready` rejected: nothing was sent, and the result says why in the caller's words. */
function notSent(intent: PositionIntent, reason: unknown): ExchangeAdapterError {
  if (isExchangeAdapterError(reason)) return reason;
  return new InvalidRequestError(`not sent: ${reason instanceof Error ? reason.message : String(reason)}`, {
    operation: 'openProtectedPosition',
    symbol: intent.symbol,
    rationale: intent.rationale,
    cause: reason,
  });
}

/** Opens a position with its protection; see the module comment. Never throws exchange errors. */
export async function openProtectedPosition(
  exchange: ExchangePort,
  intent: PositionIntent,
  options: ProtectedEntryOptions = {},
): Promise<ProtectedEntryResult> {
  const runtime = resolveRuntime(options);
  let ids: ClientOrderIds;
  try {
    ids = clientOrderIdsFor(intent.id, options.clientIdPrefix ?? defaultClientIdPrefix);
  } catch (error) {
    const state = new ProtectedEntry(exchange, intent, { base: '', entry: '' } as ClientOrderIds, runtime);
    state.error = asAdapterError(error);
    return state.result('rejected');
  }
  const state = new ProtectedEntry(exchange, intent, ids, runtime);
  const { symbol, rationale } = intent;
  try {
    validateIntent(intent);
  } catch (error) {
    state.error = asAdapterError(error);
    return state.result('rejected');
  }
  // A retried or restarted call finds its own entry instead of placing a second one. The look-up is a
  // read: it overlaps the caller's `ready` (its write-ahead flush), so it costs the entry no round trip.
  // Then the symbol's settings, once per symbol. `prepared` is the entry found, or undefined.
  const prepared = (async () => {
    const [found, waited] = await Promise.allSettled([
      options.mayExist === false ? undefined : exchange.fetchOrder({ symbol, clientOrderId: ids.entry }),
      options.ready,
    ]);
    if (waited.status === 'rejected') throw notSent(intent, waited.reason);
    if (found.status === 'rejected') throw found.reason;
    await exchange.configureSymbol({
      symbol,
      leverage: intent.leverage ?? options.leverage,
      marginMode: intent.marginMode ?? options.marginMode ?? 'isolated',
      rationale,
    });
    return found.value;
  })();
  const placeEntry = (sendAfter?: Promise<unknown>) => {
    const entry = intent.entry;
    return exchange.createOrder({
      symbol,
      side: openingSide(intent.side),
      type: entry.type,
      quantity: intent.quantity,
      ...(entry.type === 'limit' ? { price: entry.price, timeInForce: entry.timeInForce ?? 'GTC' } : {}),
      clientOrderId: ids.entry,
      rationale,
      sendAfter,
      onOutcomeUnknown: options.onOutcomeUnknown,
    });
  };
  // With a `ready` to wait for, the entry is built and signed meanwhile and leaves once everything above is
  // done and found no entry under its id (nothing is sent otherwise).
  let early: Promise<OrderResult> | undefined;
  if (options.ready !== undefined) {
    const mayLeave = prepared.then((found) => {
      if (found !== undefined) throw new Error('an entry under its client id exists');
    });
    mayLeave.catch(() => undefined); // the order's checks may refuse it before it waits for this
    early = placeEntry(mayLeave);
    early.catch(() => undefined); // its outcome is read below, or it was never sent
  }
  try {
    state.entry = await prepared;
  } catch (error) {
    state.error = asAdapterError(error);
    return state.result('rejected');
  }

  if (state.entry === undefined) {
    try {
      ({ order: state.entry } = await (early ?? placeEntry()));
    } catch (error) {
      state.error = asAdapterError(error);
      if (error instanceof UnknownOutcomeError) {
        state.incident(
          'ENTRY_OUTCOME_UNKNOWN',
          'critical',
          `the entry ${ids.entry} may or may not exist; reconcile ${symbol} now`,
          error,
        );
        return state.result('unknown');
      }
      return state.result('rejected');
    }
  } else {
    runtime.log({
      level: 'warn',
      event: 'protected-entry-resumed',
      message: `${symbol}: entry ${ids.entry} already exists (${state.entry.status}); not placing it again`,
      symbol,
      intentId: intent.id,
      rationale,
    });
    // An entry from an earlier call may belong to a trade that is already over: protect only what is open.
    if (greater(state.entry.filledQuantity, '0')) {
      let held: string | undefined;
      try {
        const position = (await exchange.fetchPositions([symbol])).find(
          (candidate) => candidate.side === intent.side,
        );
        held = position?.quantity ?? '0';
      } catch (error) {
        runtime.log({
          level: 'warn',
          event: 'protected-entry-position-unread',
          message: `${symbol}: reading the position failed (${describeError(error).message}); protecting the whole fill`,
        });
      }
      if (held !== undefined && !greater(held, '0') && !isLiveOrder(state.entry)) {
        return state.result('already-closed');
      }
      if (held !== undefined && greater(state.entry.filledQuantity, held)) {
        state.closedSince = toDecimal(state.entry.filledQuantity).minus(toDecimal(held)).toFixed();
      }
    }
  }

  const limit = intent.entry.type === 'limit' ? intent.entry : undefined;
  const fillTimeoutMs = limit ? (limit.fillTimeoutMs ?? 60_000) : (options.marketFillTimeoutMs ?? 5_000);
  const pollIntervalMs = limit ? (limit.pollIntervalMs ?? 1_000) : 200;
  const started = runtime.now();
  let cancelAttempted = false;

  for (;;) {
    const entry = state.entry as Order;
    // Protect what is open of the fill: all of it, less what was closed before a resume (not what filled
    // after it: a cap at the position held then would leave later fills of a resumed entry unprotected).
    const target =
      state.closedSince === undefined
        ? entry.filledQuantity
        : toDecimal(entry.filledQuantity).minus(toDecimal(state.closedSince)).toFixed();
    if (greater(target, state.protectedQuantity)) {
      const outcome = await protect(state, target);
      if (outcome === 'failed') return emergencyClose(state);
      if (outcome === 'stopped-out') return stoppedOut(state);
    }
    if (!isLiveOrder(entry)) break;
    if (runtime.now() - started >= fillTimeoutMs) {
      if (cancelAttempted) {
        state.incident(
          'ENTRY_NOT_CANCELED',
          'critical',
          `the unfilled rest of entry ${entry.id} is still open after the fill timeout; it may fill unprotected`,
        );
        break;
      }
      cancelAttempted = true;
      try {
        await exchange.cancelOrder({ symbol, id: entry.id, rationale: 'entry fill timeout' });
      } catch (error) {
        runtime.log({
          level: 'warn',
          event: 'protected-entry-cancel-failed',
          message: `${symbol}: canceling the rest of entry ${entry.id} failed: ${describeError(error).message}`,
        });
      }
    } else {
      await runtime.sleep(pollIntervalMs);
    }
    try {
      state.entry = (await exchange.fetchOrder({ symbol, id: entry.id })) ?? entry;
    } catch (error) {
      runtime.log({
        level: 'warn',
        event: 'protected-entry-poll-failed',
        message: `${symbol}: reading entry ${entry.id} failed: ${describeError(error).message}`,
      });
    }
  }
  return state.result(greater(state.protectedQuantity, '0') ? 'protected' : 'not-filled');
}

type ProtectOutcome = 'ok' | 'failed' | 'stopped-out';

/** Places a stop-loss (then a take-profit) covering `filled`, replacing the current ones. */
async function protect(state: ProtectedEntry, filled: string): Promise<ProtectOutcome> {
  const { exchange, intent, ids, symbol } = state;
  const rationale = intent.rationale;
  const previousStop = state.stopLoss;
  const previousTarget = state.takeProfit;

  let stop: ConditionalOrder | undefined;
  for (;;) {
    state.generation += 1;
    if (state.generation > maximumGenerations) {
      state.error = new InvalidRequestError('too many protection replacements for one intent', {
        operation: 'openProtectedPosition',
        symbol,
      });
      return 'failed';
    }
    try {
      ({ order: stop } = await exchange.createStopLossOrder({
        symbol,
        positionSide: intent.side,
        quantity: filled,
        triggerPrice: intent.stopLossPrice,
        clientOrderId: ids.stopLoss(state.generation),
        rationale,
      }));
    } catch (error) {
      state.error = asAdapterError(error);
      return 'failed';
    }
    // The stop covers what filled: its quantity is the fill rounded up to the stop's own (market) grid,
    // reduce-only. A live order found under this client id from an earlier run may be for a smaller fill:
    // keep it until its replacement is confirmed, and try the next id.
    if (stop.quantity !== undefined && toDecimal(stop.quantity).gte(toDecimal(filled))) break;
    if (stop.closePosition) break;
    state.stale.push(stop);
  }

  let readBack: ConditionalOrder | undefined;
  try {
    readBack = await exchange.fetchConditionalOrder({ symbol, id: stop.id });
  } catch (error) {
    state.incident(
      'PROTECTION_UNVERIFIED',
      'warning',
      `stop-loss ${stop.id} was confirmed when placed but could not be read back`,
      error,
    );
    readBack = stop;
  }
  if (readBack === undefined || !isLiveConditionalOrder(readBack)) {
    if (readBack?.status === 'triggered' || readBack?.status === 'finished') {
      state.stopLoss = readBack;
      return 'stopped-out';
    }
    state.error = new InvalidRequestError(
      `stop-loss ${stop.id} is ${readBack === undefined ? 'not found' : readBack.status} right after placing it`,
      { operation: 'openProtectedPosition', symbol, clientOrderId: stop.clientOrderId, rationale },
    );
    state.stopLoss = readBack;
    return 'failed';
  }
  checkMatches(state, readBack, filled, 'stop-loss');
  state.stopLoss = readBack;
  state.protectedQuantity = filled;
  if (previousStop && previousStop.id !== readBack.id) await cancelStale(state, previousStop, 'conditional');
  for (const order of state.stale.splice(0).filter((candidate) => candidate.purpose === 'stop-loss')) {
    await cancelStale(state, order, 'conditional');
  }

  if (intent.takeProfitPrice !== undefined) {
    try {
      const { order } = await exchange.createTakeProfitOrder({
        symbol,
        positionSide: intent.side,
        quantity: filled,
        triggerPrice: intent.takeProfitPrice,
        limitPrice: intent.takeProfitLimitPrice,
        clientOrderId: ids.takeProfit(state.generation),
        rationale,
      });
      let target: ConditionalOrder = order;
      try {
        target = (await exchange.fetchConditionalOrder({ symbol, id: order.id })) ?? order;
      } catch (error) {
        state.incident(
          'PROTECTION_UNVERIFIED',
          'warning',
          `take-profit ${order.id} could not be read back`,
          error,
        );
      }
      checkMatches(state, target, filled, 'take-profit');
      state.takeProfit = target;
    } catch (error) {
      state.incident(
        'TAKE_PROFIT_FAILED',
        'warning',
        `take-profit for ${filled} could not be placed; the stop-loss protects the position`,
        error,
      );
    }
    if (previousTarget && previousTarget.id !== state.takeProfit?.id) {
      await cancelStale(state, previousTarget, 'conditional');
    }
  }
  return 'ok';
}

function checkMatches(
  state: ProtectedEntry,
  order: ConditionalOrder,
  quantity: string,
  what: 'stop-loss' | 'take-profit',
): void {
  const problems: string[] = [];
  // It must cover the quantity; more is the grid's rounding up, cut to the position by reduce-only.
  if (!order.closePosition && (order.quantity === undefined || toDecimal(order.quantity).lt(quantity))) {
    problems.push(`quantity ${order.quantity ?? 'none'} < ${quantity}`);
  }
  if (!order.reduceOnly && !order.closePosition) problems.push('not reduce-only');
  if (order.purpose !== what) problems.push(`type ${order.type}`);
  if (problems.length > 0) {
    state.incident(
      'PROTECTION_MISMATCH',
      'warning',
      `${what} ${order.id} read back differs: ${problems.join(', ')}`,
    );
  }
}

async function cancelStale(
  state: ProtectedEntry,
  order: ConditionalOrder,
  book: 'conditional',
): Promise<void> {
  try {
    await state.exchange.cancelConditionalOrder({
      symbol: state.symbol,
      id: order.id,
      rationale: `replaced ${book} protection`,
    });
  } catch (error) {
    state.incident(
      'STALE_PROTECTION_NOT_CANCELED',
      'warning',
      `replaced ${order.purpose} ${order.id} could not be canceled (it is reduce-only)`,
      error,
    );
  }
}

/** The stop fired while protection was set up: clean up the rest. */
async function stoppedOut(state: ProtectedEntry): Promise<ProtectedEntryResult> {
  await cancelEntryRest(state);
  if (state.takeProfit) await cancelStale(state, state.takeProfit, 'conditional');
  return state.result('stopped-out');
}

async function cancelEntryRest(state: ProtectedEntry): Promise<void> {
  const entry = state.entry;
  if (!entry || !isLiveOrder(entry)) return;
  try {
    await state.exchange.cancelOrder({ symbol: state.symbol, id: entry.id, rationale: 'stop-loss failed' });
    state.entry = (await state.exchange.fetchOrder({ symbol: state.symbol, id: entry.id })) ?? entry;
  } catch (error) {
    state.incident(
      'ENTRY_NOT_CANCELED',
      'critical',
      `the unfilled rest of entry ${entry.id} could not be canceled; it may fill unprotected`,
      error,
    );
  }
}

/**
 * The stop-loss could not be placed: close what filled at market, reduce-only. The verdict is the position
 * the exchange holds afterwards: a reduce-only close stops at the position, so one cut short by a position
 * already smaller (closed in part by hand, by its take-profit) or one that failed on a position already
 * flat leaves nothing unprotected. Only a position still open after the close, or one that cannot be read,
 * is `unprotected`.
 */
async function emergencyClose(state: ProtectedEntry): Promise<ProtectedEntryResult> {
  const { exchange, intent, ids, symbol } = state;
  await cancelEntryRest(state);
  const filled = state.entry?.filledQuantity ?? '0';
  const cause = state.error;
  let closeFailure: unknown;
  try {
    const closed = await exchange.closePosition({
      symbol,
      positionSide: intent.side,
      quantity: filled,
      clientOrderId: ids.close(state.generation),
      rationale: `emergency close: no stop-loss could be placed (${cause?.message ?? 'unknown'})`,
    });
    state.closeOrders = [...closed.orders];
    if (!closed.alreadyFlat && !toDecimal(closed.closedQuantity).gte(toDecimal(filled))) {
      closeFailure = new InvalidRequestError(`closed only ${closed.closedQuantity} of ${filled}`, {
        operation: 'closePosition',
        symbol,
      });
    }
  } catch (error) {
    closeFailure = error;
  }
  if (closeFailure !== undefined) {
    const left = await openQuantity(state);
    if (left === undefined || greater(left, '0')) {
      state.incident(
        'POSITION_UNPROTECTED',
        'critical',
        `no stop-loss for ${left ?? 'an unknown quantity of'} ${symbol} (filled ${filled}) and the emergency close failed; reconcile now`,
        closeFailure,
      );
      return state.result('unprotected');
    }
    state.runtime.log({
      level: 'warn',
      event: 'emergency-close-flat',
      message: `${symbol}: the emergency close did not close all of ${filled} (${describeError(closeFailure).message}), but the position is flat`,
      symbol,
      intentId: intent.id,
      rationale: intent.rationale,
    });
  }
  state.incident(
    'STOP_LOSS_FAILED',
    'critical',
    `the stop-loss for ${filled} ${symbol} could not be placed; ${closeFailure === undefined ? 'the position was closed at market' : 'the position is flat (the close was cut short or failed, but nothing is left open)'}`,
    cause,
  );
  const leftovers = [state.stopLoss, state.takeProfit, ...state.stale].filter(
    (order): order is ConditionalOrder => order !== undefined && isLiveConditionalOrder(order),
  );
  for (const order of leftovers) await cancelStale(state, order, 'conditional');
  return state.result('emergency-closed');
}

/** The quantity still open on the intent's side, `'0'` when flat, `undefined` when it cannot be read. */
async function openQuantity(state: ProtectedEntry): Promise<string | undefined> {
  try {
    const positions = await state.exchange.fetchPositions([state.symbol]);
    return positions.find((position) => position.side === state.intent.side)?.quantity ?? '0';
  } catch (error) {
    state.runtime.log({
      level: 'warn',
      event: 'emergency-close-position-unread',
      message: `${state.symbol}: reading the position after the emergency close failed: ${describeError(error).message}`,
    });
    return undefined;
  }
}
