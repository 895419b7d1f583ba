import { settleExits } from '@bot/exchange';
import type { Fill } from '@bot/exchange';
import type { CloseReason } from '@bot/risk';
import { withCountedSpan } from '../bot-state';
import type { OpenTrade } from '../bot-state';
import { haltPlaybookIds } from '../playbooks';
import type { AlgoOrderEntry, ForcedClose } from './account-state';
import { liveAlgoOrders, liveOrders } from './account-state';
import { streamTrusted } from './account-watch';
import type { TraderContext } from './context';
import { dropNeverFilled, entryFilled } from './late-entries';
import { reconcileSymbols } from './protection';

/**
 * Settles one symbol: when its position is gone, cancels the leftover exits and records the close; when it
 * is open but no stop-loss covers it, reconciles it at once. When the user-data stream told the whole close
 * (`streamedClose`), its fills are the close's and nothing is read. Otherwise over REST: the close is made
 * durable first (the trade is marked `closing` and saved), then its fills are read; a failed read leaves it
 * owed and the next settle tries again, so no loss escapes the guard. Either way the PnL is the exchange's:
 * realized PnL minus fees, exactly. A symbol whose entry is in flight (`entriesInFlight`) is left alone.
 */
export async function settle(
  context: TraderContext,
  symbol: string,
  knownReason?: CloseReason,
): Promise<void> {
  let trade = context.trades.get(symbol);
  // An entry still waiting out its unknown outcome: its position may be flat only until the order executes,
  // so dropping the trade as never filled now would lose it (chaos seed 28). Its result task settles it.
  if (!trade || context.entriesInFlight.has(symbol)) return;
  const streamed = streamedClose(context, trade);
  if (streamed) {
    // The stream told all of it: the trade's own exits still live are canceled (in parallel), and the close
    // is recorded from the streamed fills; no read of positions, orders or fills.
    await Promise.all(
      streamed.exits.map((id) =>
        context.exchange.cancelConditionalOrder({
          symbol,
          id,
          rationale: 'position closed: canceling its remaining exit orders',
        }),
      ),
    );
    await recordClose(context, trade, streamed.fills, knownReason ?? streamed.reason);
    return;
  }
  if (trade.closing === undefined) {
    // A position on the other side means the trade's went through flat (the user opened the new one):
    // it is closed, though the symbol is not flat; its fills say so (see `ownFills`).
    const held = context.account.positions.get(symbol);
    const result = held && held.side !== trade.side ? undefined : await settleExits(context.exchange, symbol);
    if (result === undefined || (result.side !== undefined && result.side !== trade.side)) {
      // The other side is held (the account state may not have heard of it yet: chaos seed 28): the trade's
      // own fills say whether it went through flat; the new position is not its to protect. A trade whose
      // entry was never confirmed (an unknown outcome) has no fills to say so: the user's position would pass
      // for them. Its client id is looked up first, as at start-up (chaos seeds 35, 55): no fill, and it is
      // dropped and watched, the position left to the foreign-position policy.
      if (trade.stopLossId === undefined && !trade.adopted && (await entryFilled(context, trade)) === false) {
        await dropNeverFilled(context, trade);
        return;
      }
      const fetched = await context.exchange.fetchFills(symbol, { since: trade.openedAt });
      if (!ownFills(fetched, trade).flat) return;
    } else {
      if (result.needsReconcile) {
        await reconcileSymbols(context, [symbol], 'stop-loss missing');
        return;
      }
      if (!result.flat) return;
    }
    trade = { ...trade, closing: { since: context.now(), reason: knownReason } };
    context.trades.set(symbol, trade);
    await context.saveState();
  }
  const fetched = await context.exchange.fetchFills(symbol, { since: trade.openedAt, includeClosedBy: true });
  // A trade ends where its position is first flat again: fills after that belong to the next position on
  // the symbol (one the user opened meanwhile), not to this trade.
  const { fills } = ownFills(fetched, trade);
  if (fills.length === 0) {
    // A trade saved before its entry was sent, and the entry never filled: nothing to count. Its order may
    // still execute late (an unknown outcome): it is watched, so that position is taken as this trade.
    await dropNeverFilled(context, trade);
    return;
  }
  await recordClose(context, trade, fills);
}

/**
 * The close as the user-data stream told it, when it told all of it: the stream trusted (live, the account
 * in sync), the symbol flat in the account state, the streamed fills taking the trade from its entry back
 * to flat (a fill the stream missed leaves the sum short of flat), and every exit order still live on the
 * symbol one of the trade's own (`exits`: their ids, to cancel). Undefined otherwise: REST settles it, as
 * it does every close of a trade opened before this process's stream started.
 */
export function streamedClose(
  context: TraderContext,
  trade: OpenTrade,
): { fills: readonly Fill[]; exits: readonly string[]; reason: CloseReason | undefined } | undefined {
  const { account } = context;
  if (!streamTrusted(context) || account.positions.has(trade.symbol)) return undefined;
  const logged = (account.fills.get(trade.symbol) ?? []).filter((fill) => fill.time >= trade.openedAt);
  const { fills, flat } = ownFills(logged, trade);
  if (!flat || fills.length === 0) return undefined;
  const own = new Set([trade.stopLossId, trade.takeProfitId].filter((id) => id !== undefined));
  const exits: string[] = [];
  for (const order of liveAlgoOrders(account)) {
    if (order.symbol !== trade.symbol) continue;
    if (!own.has(order.algoId) || order.status !== 'open') return undefined;
    exits.push(order.algoId);
  }
  for (const order of liveOrders(account)) {
    if (order.symbol === trade.symbol && order.reduceOnly) return undefined;
  }
  const ended = (id: string | undefined) => {
    if (id === undefined) return false;
    let order: AlgoOrderEntry | undefined;
    for (const entry of account.algoOrders.values()) {
      if (entry.algoId !== id) continue;
      order = entry;
      break;
    }
    return order?.status === 'triggered' || order?.status === 'finished';
  };
  const reason: CloseReason | undefined = ended(trade.stopLossId)
    ? 'stop_loss'
    : ended(trade.takeProfitId)
      ? 'take_profit'
      : undefined;
  return { fills, exits, reason };
}

/**
 * Counts a trade's close from its own fills (`ownFills`): the guard's `recordClose` with the exchange's
 * realized PnL minus fees, the durable `position.close` record, then the trade forgotten and the state saved.
 */
async function recordClose(
  context: TraderContext,
  trade: OpenTrade,
  fills: readonly Fill[],
  knownReason?: CloseReason,
): Promise<void> {
  const { symbol } = trade;
  const pnl = netPnl(fills);
  const closedAt = fills.reduce((latest, fill) => Math.max(latest, fill.time), trade.openedAt);
  const forced = forcedCloseOf(context, trade, fills, closedAt);
  const reason: CloseReason =
    forced?.kind ?? trade.closing?.reason ?? knownReason ?? (await closeReason(context, trade, pnl));
  if (forced) context.handledForcedCloses.add(forcedKey(forced));
  const recorded = context.guard.recordClose({ pnl, reason, now: closedAt, symbol });
  const { counters } = context;
  counters.closes += 1;
  if (pnl > 0) counters.wins += 1;
  counters.realizedPnl += pnl;
  counters.peakPnl = Math.max(counters.peakPnl, counters.realizedPnl);
  counters.maxDrawdown = Math.max(counters.maxDrawdown, counters.peakPnl - counters.realizedPnl);
  counters.longestStreak = Math.max(counters.longestStreak, recorded.stopLossStreak);
  context.log[forced ? 'error' : 'info'](
    { symbol, pnl, reason, streak: recorded.stopLossStreak, ...(forced ? { playbook: 'liquidation' } : {}) },
    `close ${symbol} ${trade.side}: pnl ${pnl.toFixed(2)} ${context.config.quoteCoin} (${reason}), streak ${recorded.stopLossStreak}`,
  );
  await context.recordDurably({
    action: 'position.close',
    lens: 'Risk',
    symbol,
    side: trade.side,
    why: `${reason}: pnl ${pnl.toFixed(4)} ${context.config.quoteCoin}`,
    risk: {
      pnl,
      reason,
      stopLossStreak: recorded.stopLossStreak,
      realizedPnl: recorded.realizedPnl,
      tradingState: recorded.tradingState,
      tripped: recorded.tripped?.code ?? null,
      fills: fills.length,
      ...tradeFigures(trade, fills, closedAt),
    },
  });
  // The close is in the trail before the trade is forgotten; the state file follows without being waited
  // for. A restart whose state file still holds the trade gives the close to the guard from this record and
  // drops the trade (`unsaved-entries.ts`): counted once, never not at all, and the next entry on the symbol
  // does not wait for the state file's two fsyncs.
  context.trades.delete(symbol);
  // An entry dropped on the symbol and watched may have executed late onto this trade's position: its fill is
  // among these, counted now; the span keeps a later claim from counting it again (chaos seed 25).
  const dropped = context.droppedEntries.get(symbol);
  if (dropped) context.droppedEntries.set(symbol, withCountedSpan(dropped, trade.openedAt, closedAt));
  void context.saveState();
  // History, not a decision: the read starts once the tasks queued now have run (this candle's entry, the
  // other symbols' candles of the same close), so its request is not built, signed and answered on the
  // main thread while an entry waits to leave. Starting it does not hold the queue.
  void context.enqueue(async () => void recordFunding(context, trade, closedAt));
  if (recorded.tripped) {
    const playbook = HALT_PLAYBOOKS[recorded.tripped.code] ?? 'position-unprotected';
    context.log.warn(
      { playbook, halt: recorded.tripped.code },
      `playbook ${playbook}: trading halted (${recorded.tripped.code}); no new entries until it clears`,
    );
    await context.rationale({
      action: 'trading.pause',
      lens: 'Risk',
      why: `${recorded.tripped.code}: halted by the guard`,
      risk: { halt: recorded.tripped.code, playbook },
    });
  }
}

/**
 * What `bot trades` reads from the close record (trades/trades.ts): the trade's id and times, its average entry and exit
 * from its own fills, the closed quantity, fees and the exchange's realized PnL before fees, its stop and
 * target as placed. Figures, not a copy of the fills: the trail stays small for a year of trades.
 */
export function tradeFigures(
  trade: OpenTrade,
  fills: readonly Fill[],
  closedAt: number,
): Record<string, string | number | boolean> {
  const opening = trade.side === 'long' ? 'buy' : 'sell';
  const average = (side: 'entry' | 'exit') => {
    let quantity = 0;
    let quote = 0;
    for (const fill of fills) {
      if ((fill.side === opening) !== (side === 'entry')) continue;
      quantity += Number(fill.quantity);
      quote += Number(fill.price) * Number(fill.quantity);
    }
    return { quantity, price: quantity > 0 ? quote / quantity : undefined };
  };
  const entry = average('entry');
  const exit = average('exit');
  let fees = 0n;
  let gross = 0n;
  for (const fill of fills) {
    fees += toUnits(fill.fee);
    gross += toUnits(fill.realizedPnl);
  }
  return {
    intentId: trade.intentId,
    openedAt: trade.openedAt,
    closedAt,
    quantity: exit.quantity > 0 ? exit.quantity : Number(trade.quantity),
    ...(entry.price === undefined ? {} : { entryPrice: entry.price }),
    ...(exit.price === undefined ? {} : { exitPrice: exit.price }),
    fees: Number(fees) / 1e8,
    grossPnl: Number(gross) / 1e8,
    stopLoss: trade.stopLossPrice,
    ...(trade.takeProfitPrice === undefined ? {} : { takeProfit: trade.takeProfitPrice }),
    adopted: trade.adopted === true,
  };
}

/**
 * The funding the position paid (negative) or received while the trade was open, for its history
 * (`position.funding`, after the close): not in the guard's PnL, which is the exchange's realized PnL minus
 * fees. Read after the close is recorded, once the tasks then queued have run, and never awaited by the
 * queue, so a slow or refused read (a ban's Retry-After) holds no decision up; when it fails there is no
 * record and the history shows the funding unknown.
 */
async function recordFunding(context: TraderContext, trade: OpenTrade, closedAt: number): Promise<void> {
  try {
    const payments = await context.exchange.fetchFundingPayments(trade.symbol, {
      since: trade.openedAt,
      until: closedAt,
    });
    const funding = Number(payments.reduce((sum, payment) => sum + toUnits(payment.amount), 0n)) / 1e8;
    context.recordLater({
      action: 'position.funding',
      lens: 'Risk',
      symbol: trade.symbol,
      side: trade.side,
      why: `funding while open: ${funding.toFixed(4)} ${context.config.quoteCoin}`,
      risk: { intentId: trade.intentId, funding, payments: payments.length },
    });
  } catch (error) {
    context.log.warn(
      { symbol: trade.symbol, error: (error as Error).message },
      `funding of ${trade.symbol} ${trade.intentId} not read; its history shows it unknown`,
    );
  }
}

/** RiskGuard halt code → playbook id, from the playbook table (`detectedBy.haltCodes`). */
const HALT_PLAYBOOKS: Readonly<Record<string, string>> = haltPlaybookIds();

/**
 * A trade's own fills: from its entry (the position flat before it) to the fill that makes the position
 * flat again, or takes it through flat to the other side (the user reversing it with one order: that fill
 * counts for its closing part only, its fee prorated); `flat` when that happened. A trade opened by such a
 * reversal (`openingPart`) counts its opening fill for the opening part only: its fee prorated, none of the
 * PnL it realized (that was the side before). Fills of the trade's opening millisecond before the first one
 * that opened something (on its side, realizing nothing) closed the position before it (the user closed it
 * and opened this one in the same millisecond, with two orders): not this trade's. Fills that take the
 * position to the other side before the trade's own (the user opened there between the bot's decision and
 * its entry's fill) are not this trade's either; the entry's fill then counts whole (its order's money). Without
 * a flat (fills missing, a position read mid-way): the trade's fills so far.
 */
export function ownFills(
  fills: readonly Fill[],
  trade: Pick<OpenTrade, 'side' | 'openedAt' | 'openingPart'>,
): { fills: readonly Fill[]; flat: boolean } {
  const { openingPart } = trade;
  const sorted = [...fills].sort((a, b) => a.time - b.time || compareIds(a.id, b.id));
  // Fills of the same millisecond before the opening one belong to the side before it.
  let start = sorted.findIndex((fill) => fill.id === openingPart?.fillId);
  if (start < 0) {
    // The first fill of the opening millisecond that opened something: on the trade's side, realizing nothing.
    const opening = trade.side === 'long' ? 'buy' : 'sell';
    const first = sorted.findIndex(
      (fill) => fill.time > trade.openedAt || (fill.side === opening && toUnits(fill.realizedPnl) === 0n),
    );
    start = first >= 0 && sorted[first]!.time <= trade.openedAt ? first : 0;
  }
  const ordered = sorted
    .slice(start)
    .map((fill) =>
      fill.id === openingPart?.fillId
        ? { ...part(fill, toUnits(openingPart.quantity)), realizedPnl: '0' }
        : fill,
    );
  // Fills that take the position to the other side first are not the trade's: someone opened a position
  // there between the bot's decision and its entry's fill (chaos seed 1). The fill that brings it to the
  // trade's side opens the trade, whole: the bot's order realized what it closed and paid all of its fee.
  const sign = trade.side === 'long' ? 1n : -1n;
  const own: Fill[] = [];
  let amount = 0n;
  for (const fill of ordered) {
    const after = amount + (fill.side === 'buy' ? 1n : -1n) * toUnits(fill.quantity);
    if (own.length === 0) {
      // Not on the trade's side yet: someone else's fill; on it: the trade's opening fill.
      if (after !== 0n && after > 0n === sign > 0n) own.push(fill);
      amount = after;
      continue;
    }
    if (after === 0n) return { fills: [...own, fill], flat: true };
    if (amount !== 0n && after > 0n !== amount > 0n) {
      return { fills: [...own, part(fill, amount < 0n ? -amount : amount)], flat: true };
    }
    own.push(fill);
    amount = after;
  }
  // Not flat: the trade's fills so far; none on its side at all: the fills do not tell, all of them.
  return { fills: own.length > 0 ? own : ordered, flat: false };
}

/** `quantity` (1e-8 units) of a fill, its fee prorated. */
function part(fill: Fill, quantity: bigint): Fill {
  const whole = toUnits(fill.quantity);
  return { ...fill, quantity: fromUnits(quantity), fee: fromUnits((toUnits(fill.fee) * quantity) / whole) };
}

function compareIds(left: string, right: string): number {
  const a = Number(left);
  const b = Number(right);
  return Number.isFinite(a) && Number.isFinite(b) ? a - b : left.localeCompare(right);
}

/** Realized PnL minus fees, summed exactly (Binance gives at most 8 decimals) and converted once at the end. */
export function netPnl(fills: readonly Fill[]): number {
  let units = 0n;
  for (const fill of fills) units += toUnits(fill.realizedPnl) - toUnits(fill.fee);
  return Number(units) / 1e8;
}

/** A decimal text in 1e-8 units, exactly (Binance gives at most 8 decimals). */
export function toUnits(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(whole || '0') * 100_000_000n + BigInt(`${fraction}00000000`.slice(0, 8));
  return negative ? -units : units;
}

/** 1e-8 units as a decimal text (the inverse of `toUnits`). */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(9, '0');
  const text = `${digits.slice(0, -8)}.${digits.slice(-8)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}

export function forcedKey(close: Pick<ForcedClose, 'symbol' | 'time'>): string {
  return `${close.symbol}@${close.time}`;
}

/** A liquidation or ADL among the trade's fills: from the user-data stream, or from REST's fill records. */
function forcedCloseOf(
  context: TraderContext,
  trade: OpenTrade,
  fills: readonly Fill[],
  closedAt: number,
): ForcedClose | undefined {
  const streamed = context.account.forcedCloses.find(
    (close) => close.symbol === trade.symbol && close.time >= trade.openedAt && close.time <= closedAt,
  );
  if (streamed) return streamed;
  const fill = fills.find((entry) => entry.closedBy !== undefined);
  if (!fill?.closedBy) return undefined;
  return {
    kind: fill.closedBy,
    symbol: trade.symbol,
    clientOrderId: '',
    quantity: fill.quantity,
    price: fill.price,
    realizedPnl: fill.realizedPnl,
    time: fill.time,
  };
}

async function closeReason(context: TraderContext, trade: OpenTrade, pnl: number): Promise<CloseReason> {
  const fired = async (id: string | undefined) => {
    if (!id) return false;
    const order = await context.exchange.fetchConditionalOrder({ symbol: trade.symbol, id });
    return order?.status === 'triggered' || order?.status === 'finished';
  };
  if (await fired(trade.stopLossId)) return 'stop_loss';
  if (await fired(trade.takeProfitId)) return 'take_profit';
  // Neither exit fired: closed by hand. A loss counts against the streak to stay safe.
  return pnl < 0 ? 'stop_loss' : 'manual';
}
