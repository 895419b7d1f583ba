import { clientOrderIdsFor } from '@bot/exchange';
import { compareDecimals } from '@bot/symbols';
import type { DroppedEntry, OpenTrade } from '../bot-state';
import type { PositionEntry } from './account-state';
import type { TraderContext } from './context';

/**
 * The bot's own entry, executed late (chaos seed 28). An entry answered by an unknown outcome (a 503 -1000, a
 * timeout) and not found by its client id is dropped as never filled once its position is seen flat; Binance
 * may still execute it afterwards. Such a dropped entry is kept, the newest per symbol, with its plan (saved
 * with the trades, so a restart keeps it too), and a position that then appears on its symbol with no trade
 * of the bot's is taken as that trade — with its stop, target and planned risk — when the exchange says the
 * entry's client id filled it: the ORDER_TRADE_UPDATE the stream kept (`account.orders`), or else one look-up
 * of that client id over REST (at start-up, a degraded stream, or a fill event not read yet). A position on
 * the other side, or bigger than the entry filled, is not that entry's alone: the foreign-position policy
 * applies. See docs/ARCHITECTURE.md "The bot's own late entry".
 */

/**
 * How long (wall clock, from the drop) a dropped entry is watched. Binance refuses an order past its
 * recvWindow (60 s at most), and an order that executes later than that still shows within a sweep
 * (`execution.accountSweepMs`, 60 s by default) of its fill; 10 minutes covers both with room. A restarted
 * bot looks at every entry it kept once, whatever its age (the late fill may have come while no bot ran),
 * then drops the expired ones.
 */
export const LATE_ENTRY_WATCH_MS = 10 * 60_000;

/**
 * Keeps a trade dropped as never filled, as its order may still execute late. Its first look-up on a flat
 * symbol counts as made: the drop itself followed a read that found no fill (its fills, or its client id at
 * start-up), so only the stream's event or the look-up as it expires can tell more in this process.
 */
export function watchDroppedEntry(context: TraderContext, trade: OpenTrade): void {
  const { closing: _closing, reduceTo: _reduceTo, ...pending } = trade;
  context.droppedEntries.set(trade.symbol, { trade: pending, droppedAt: Date.now() });
  lookedUpFlat(context).add(lookUpKey(trade.intentId, 'kept'));
  context.log.info(
    { symbol: trade.symbol, intentId: trade.intentId },
    `entry ${trade.symbol} ${trade.side} ${trade.quantity} (${trade.intentId}) never filled: dropped; watched for a late execution for ${LATE_ENTRY_WATCH_MS / 60_000} minutes`,
  );
}

/**
 * A trade whose entry never filled: forgotten (nothing to count), its entry watched for a late execution
 * (unless it was adopted: no entry of the bot's to watch), the state saved.
 */
export async function dropNeverFilled(context: TraderContext, trade: OpenTrade): Promise<void> {
  context.trades.delete(trade.symbol);
  if (!trade.adopted) watchDroppedEntry(context, trade);
  await context.saveState();
}

/**
 * A foreign position adopted or closed on the symbol holds whatever the dropped entry filled there until
 * then, and that trade's close counts it: the entry is no longer watched, so its fills are never counted
 * twice (chaos seed 28: adopted and counted by one process, claimed again by the next).
 */
export function forgetDroppedEntry(context: TraderContext, symbol: string): void {
  context.droppedEntries.delete(symbol);
}

/**
 * Takes every dropped entry's late fill as the bot's trade (a position on its symbol, or a fill whose
 * position has closed since: see `claim`), then forgets the expired entries. Returns the symbols whose entry could not be looked up (the review leaves those positions alone
 * until the next review, rather than treating the bot's own position as foreign on a failed read).
 */
export async function claimLateEntries(context: TraderContext): Promise<Set<string>> {
  const undecided = new Set<string>();
  const now = Date.now();
  for (const [symbol, dropped] of [...context.droppedEntries]) {
    if (context.trades.has(symbol) || context.ignoredSymbols.has(symbol)) continue;
    const position = context.account.positions.get(symbol);
    const claimed = await claim(
      context,
      dropped,
      position,
      position !== undefined || looksUp(context, dropped, now),
    );
    if (claimed === 'unread') undecided.add(symbol);
    if (claimed === 'counted') {
      context.droppedEntries.delete(symbol);
      void context.saveState();
    }
  }
  let expired = false;
  for (const [symbol, dropped] of [...context.droppedEntries]) {
    if (undecided.has(symbol) || now - dropped.droppedAt <= LATE_ENTRY_WATCH_MS) continue;
    context.droppedEntries.delete(symbol);
    expired = true;
  }
  if (expired) void context.saveState();
  return undecided;
}

/** The dropped entries whose flat symbol this process has looked up over REST (or need not), per trader. */
const lookedUpFlatBy = new WeakMap<TraderContext, Set<string>>();

function lookedUpFlat(context: TraderContext): Set<string> {
  let looked = lookedUpFlatBy.get(context);
  if (looked === undefined) lookedUpFlatBy.set(context, (looked = new Set()));
  return looked;
}

function lookUpKey(intentId: string, phase: 'kept' | 'expiring'): string {
  return `${intentId}@${phase}`;
}

/**
 * Whether a dropped entry on a flat symbol is looked up over REST now: once per process for each entry it
 * kept from the state file (the first review after a start, which may follow a late fill and its close while
 * no bot ran; one this process dropped needs none, see `watchDroppedEntry`), and once more as it expires (a
 * fill the stream did not tell). In between the stream's ORDER_TRADE_UPDATE answers, with no request.
 */
function looksUp(
  context: TraderContext,
  dropped: { trade: OpenTrade; droppedAt: number },
  now: number,
): boolean {
  const looked = lookedUpFlat(context);
  const key = lookUpKey(
    dropped.trade.intentId,
    now - dropped.droppedAt > LATE_ENTRY_WATCH_MS ? 'expiring' : 'kept',
  );
  if (looked.has(key)) return false;
  looked.add(key);
  return true;
}

/**
 * At start-up, before the reconcile protects anything: a trade whose entry the bot never saw confirmed (saved
 * before it was sent, or rebuilt from the trail's `order.place`: no stop id, not adopted) is the position on
 * its symbol, on either side, only when its client id filled something there. One whose look-up finds no fill is dropped and
 * watched (the order may still execute late), and the position is left to the foreign-position policy: a
 * trail record, or a state entry, never makes a position the bot's by naming its symbol alone. A look-up that
 * fails keeps the trade (the restart's rule before this one).
 */
export async function dropEntriesNeverFilled(context: TraderContext): Promise<void> {
  for (const trade of [...context.trades.values()]) {
    const held = context.account.positions.get(trade.symbol);
    if (trade.closing !== undefined || trade.adopted || trade.stopLossId !== undefined) continue;
    // Either side: a position on the other side is no more the entry's than one on its side (chaos seeds 35
    // and 55: kept, the trade took the user's position's close for its own and the guard counted it).
    if (!held) continue;
    const clientOrderId = entryClientId(context, trade);
    const fill =
      clientOrderId === undefined
        ? undefined
        : await entryFill(context, trade.symbol, trade, clientOrderId).catch(() => 'unread' as const);
    if (fill !== undefined) continue;
    context.log.warn(
      { symbol: trade.symbol, intentId: trade.intentId, clientOrderId },
      `${trade.symbol} ${held.side} ${held.quantity} is not the entry ${trade.intentId}: the exchange has no fill of ${clientOrderId ?? 'its client id (none derives from it)'}`,
    );
    await dropNeverFilled(context, trade);
  }
}

/**
 * Whether the exchange says the trade's entry (its client id) filled something on its symbol: true, false,
 * or undefined when that cannot be read now (or no client id derives from its intent).
 */
export async function entryFilled(context: TraderContext, trade: OpenTrade): Promise<boolean | undefined> {
  const clientOrderId = entryClientId(context, trade);
  if (clientOrderId === undefined) return undefined;
  try {
    return (await entryFill(context, trade.symbol, trade, clientOrderId)) !== undefined;
  } catch {
    return undefined;
  }
}

/** What the exchange says the entry's client id filled: the quantity (at most) and when. */
interface EntryFill {
  readonly filled: string;
  readonly at: number;
  readonly source: 'stream' | 'rest';
}

/**
 * Takes a dropped entry as the bot's trade when the exchange says its client id filled. With `position` (one
 * on its symbol with no trade of the bot's): only when it is on the entry's side and at most what the entry
 * filled; the trade is the position, protected at the planned stop. Without one (its symbol flat): the entry
 * may still have executed late and closed since, while the bot could not see it (no bot ran, or its queue
 * waited on another order), and that loss is the bot's; the trade is the fill, and the next settle finds it
 * gone and counts its fills from the fill's time back to flat (or protects it, if the position's event is
 * merely late). A flat symbol is asked over REST only when `lookUp`; otherwise only the stream's event tells.
 */
async function claim(
  context: TraderContext,
  dropped: DroppedEntry,
  position: PositionEntry | undefined,
  lookUp = true,
): Promise<'claimed' | 'counted' | 'not-own' | 'unread'> {
  const { trade: planned } = dropped;
  const { symbol } = planned;
  // Another side, or more than the entry asked for (the user added to it): not this entry's alone.
  if (position && (position.side !== planned.side || !atMost(position.quantity, planned.quantity)))
    return 'not-own';
  const clientOrderId = entryClientId(context, planned);
  if (clientOrderId === undefined) return 'not-own';
  if (!lookUp && streamedEntryFill(context, symbol, planned, clientOrderId) === undefined) return 'not-own';
  let fill: EntryFill | undefined;
  try {
    fill = await entryFill(context, symbol, planned, clientOrderId);
  } catch (error) {
    context.log.warn(
      { symbol, clientOrderId, err: error },
      `${symbol}: the look-up of the late entry ${clientOrderId} failed; looked at again at the next review`,
    );
    return 'unread';
  }
  if (!fill || (position && !atMost(position.quantity, fill.filled))) return 'not-own';
  // It filled while another trade of the bot's held the symbol: that trade's close counted it.
  if (dropped.counted?.some((span) => fill.at >= span.from && fill.at <= span.to)) {
    context.log.info(
      { symbol, intentId: planned.intentId, clientOrderId },
      `the bot's entry ${planned.intentId} (${clientOrderId}) on ${symbol} executed late onto another trade of the bot's, whose close counted it: no longer watched`,
    );
    return 'counted';
  }
  const quantity = position?.quantity ?? fill.filled;
  const trade: OpenTrade = {
    ...planned,
    quantity,
    stopLossId: undefined,
    takeProfitId: undefined,
    // The fill's time, not the decision's: the trade's fills are read from here, and between the decision
    // and a late fill the bot may have opened and closed another trade on the symbol (seed 28 did).
    openedAt: fill.at,
  };
  context.trades.set(symbol, trade);
  context.droppedEntries.delete(symbol);
  await context.saveState();
  const source = fill.source === 'stream' ? 'its fill on the user-data stream' : 'its look-up by client id';
  const why = position
    ? `${symbol} ${position.side} ${quantity} is the bot's entry ${planned.intentId} (${clientOrderId}), executed after it was dropped as never filled (${source}); protected at the planned stop ${planned.stopLossPrice}`
    : `the bot's entry ${planned.intentId} (${clientOrderId}) on ${symbol} executed after it was dropped as never filled (${source}) and its position is flat again: its close is counted from its fills`;
  context.log.warn({ symbol, intentId: planned.intentId, clientOrderId }, why);
  await context.rationale({
    action: 'reconcile.lateEntry',
    lens: 'Reconciler',
    symbol,
    side: planned.side,
    why,
    risk: {
      intentId: planned.intentId,
      clientOrderId,
      quantity,
      stopLoss: planned.stopLossPrice,
      takeProfit: planned.takeProfitPrice ?? null,
      openedAt: fill.at,
      evidence: fill.source,
      ...(position ? {} : { closed: true }),
    },
  });
  return 'claimed';
}

/**
 * The entry's fill as the exchange reported it: the stream's ORDER_TRADE_UPDATE when the account state holds
 * it (no request), else its look-up by client id on the position's symbol. Undefined: it filled nothing there.
 */
async function entryFill(
  context: TraderContext,
  symbol: string,
  planned: OpenTrade,
  clientOrderId: string,
): Promise<EntryFill | undefined> {
  const streamed = streamedEntryFill(context, symbol, planned, clientOrderId);
  if (streamed) return streamed;
  const opening = planned.side === 'long' ? 'buy' : 'sell';
  const order = await context.exchange.fetchOrder({ symbol, clientOrderId });
  if (
    !order ||
    order.symbol !== symbol ||
    order.side !== opening ||
    order.reduceOnly ||
    atMost(order.filledQuantity, '0')
  ) {
    return undefined;
  }
  return { filled: order.filledQuantity, at: order.updatedAt, source: 'rest' };
}

/** The entry's fill as the stream's ORDER_TRADE_UPDATE told it (kept in the account state), if it did. */
function streamedEntryFill(
  context: TraderContext,
  symbol: string,
  planned: OpenTrade,
  clientOrderId: string,
): EntryFill | undefined {
  const opening = planned.side === 'long' ? 'buy' : 'sell';
  const streamed = context.account.orders.get(clientOrderId);
  if (
    streamed?.symbol === symbol &&
    streamed.side === opening &&
    !streamed.reduceOnly &&
    (streamed.status === 'filled' || streamed.status === 'partially-filled')
  ) {
    return { filled: streamed.filled, at: streamed.updatedAt, source: 'stream' };
  }
  return undefined;
}

/** The client id the bot gave the trade's entry; undefined for an intent id none can derive from (a damaged file). */
function entryClientId(context: TraderContext, trade: OpenTrade): string | undefined {
  try {
    return clientOrderIdsFor(trade.intentId, context.exchange.clientIdPrefix).entry;
  } catch {
    return undefined;
  }
}

/** `left` ≤ `right` as exact decimals; false when either is not a decimal (a damaged state file never claims). */
function atMost(left: string, right: string): boolean {
  try {
    return compareDecimals(left, right) <= 0;
  } catch {
    return false;
  }
}
