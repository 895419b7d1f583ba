import type { AuditRecord } from '@bot/audit';
import { RiskGuard } from '@bot/risk';
import type { CloseReason, RiskGuardOptions } from '@bot/risk';
import { withCountedSpan } from './bot-state';
import type { BotState, BotStateStore, OpenTrade } from './bot-state';
import type { Logger } from './logger';

/**
 * An entry leaves once its `order.place` record is durable in the trail, without waiting for the state file
 * (two fsyncs, the longest wait before the send; issue #19). A process that dies in between leaves a state
 * file without the trade, while the exchange may hold its position. Start-up closes that gap from the trail:
 * before the checkpoint moves past the records of the last run, each entry decided after the state was
 * taken is rebuilt as the pending trade `entries.ts` tracked, and saved. The restart's reconcile then treats
 * it as it treats any trade saved before its entry was sent: protected when its position is there, dropped
 * when the entry never filled, settled and counted when it closed meanwhile.
 *
 * A close is the same: it is durable in the trail (`position.close`, with the PnL the guard counted) before
 * the trade is forgotten, and the next entry on the symbol does not wait for the state file either. A state
 * taken before such a close still holds the trade and a guard that never counted it: the close is given to
 * the guard again from its record and the trade dropped, before the entries are rebuilt (so a newer entry on
 * the symbol is the bot's own trade, not a position for the old one).
 */

/** Outcomes of `openProtectedPosition` after which entries.ts drops the trade: nothing opened. */
const NOTHING_OPENED = new Set(['rejected', 'not-filled', 'already-closed']);

interface Payload {
  readonly action?: unknown;
  readonly symbol?: unknown;
  readonly side?: unknown;
  readonly status?: unknown;
  readonly intentId?: unknown;
  readonly risk?: Record<string, unknown>;
}

function actionOf(record: AuditRecord): unknown {
  return record.kind === 'rationale' ? (record.payload as Payload).action : undefined;
}

/** The records start-up keeps for {@link unsavedEntries}: entry decisions, their results and settled closes. */
export function isEntryRecord(record: AuditRecord): boolean {
  const action = actionOf(record);
  return record.kind === 'order.result' || action === 'order.place' || action === 'position.close';
}

/** The pending trade an `order.place` record describes, or undefined for one without the fields (older runs). */
function pendingTrade(payload: Payload): OpenTrade | undefined {
  const risk = payload.risk ?? {};
  const { intentId, quantity, stopLoss, takeProfit, openedAt, plannedRisk } = risk;
  const side = payload.side === 'buy' ? 'long' : payload.side === 'sell' ? 'short' : undefined;
  const price = (value: unknown) =>
    typeof value === 'number' || typeof value === 'string' ? String(value) : undefined;
  const stopLossPrice = price(stopLoss);
  if (
    typeof payload.symbol !== 'string' ||
    side === undefined ||
    typeof intentId !== 'string' ||
    typeof quantity !== 'string' ||
    typeof openedAt !== 'number' ||
    stopLossPrice === undefined
  ) {
    return undefined;
  }
  return {
    intentId,
    symbol: payload.symbol,
    side,
    quantity,
    stopLossPrice,
    takeProfitPrice: price(takeProfit),
    stopLossId: undefined,
    takeProfitId: undefined,
    openedAt,
    ...(typeof plannedRisk === 'number' ? { riskToCheck: plannedRisk } : {}),
  };
}

/**
 * The trades the trail says were entered after `state` was taken and that `state` does not hold: per
 * symbol, the last `order.place` after `state.trailSeq`, unless a later record says nothing opened (its
 * `order.result`) or its close was settled (a `position.close` naming its intent), or the state holds a
 * trade on that symbol (one trade per symbol: a newer entry could not have been decided beside it). A state
 * without `trailSeq` was written before entries stopped waiting for it: nothing is rebuilt.
 */
export function unsavedEntries(state: BotState, records: readonly AuditRecord[]): OpenTrade[] {
  const after = state.trailSeq;
  if (after === undefined) return [];
  const last = new Map<string, OpenTrade>();
  for (const record of records) {
    if (record.seq <= after) continue;
    const payload = record.payload as Payload;
    if (typeof payload.symbol !== 'string') continue;
    const candidate = last.get(payload.symbol);
    const action = actionOf(record);
    if (action === 'order.place') {
      const trade = pendingTrade(payload);
      if (trade) last.set(payload.symbol, trade);
    } else if (record.kind === 'order.result') {
      if (candidate?.intentId === payload.intentId && NOTHING_OPENED.has(String(payload.status))) {
        last.delete(payload.symbol);
      }
    } else if (action === 'position.close' && candidate?.intentId === payload.risk?.['intentId']) {
      last.delete(payload.symbol);
    }
  }
  const held = new Set(state.trades.map((trade) => trade.symbol));
  return [...last.values()].filter((trade) => !held.has(trade.symbol));
}

/** A `position.close` record's figures: what the guard counted when the trade closed. */
interface RecordedClose {
  readonly intentId: string;
  readonly symbol: string;
  readonly pnl: number;
  readonly reason: CloseReason;
  readonly closedAt: number;
  /** When the closed trade opened (absent in a record written before the figures were kept). */
  readonly openedAt?: number;
}

const CLOSE_REASONS: ReadonlySet<string> = new Set([
  'stop_loss',
  'take_profit',
  'manual',
  'liquidation',
  'adl',
]);

function recordedClose(record: AuditRecord): RecordedClose | undefined {
  if (actionOf(record) !== 'position.close') return undefined;
  const payload = record.payload as Payload;
  const { intentId, pnl, reason, closedAt, openedAt } = payload.risk ?? {};
  if (
    typeof payload.symbol !== 'string' ||
    typeof intentId !== 'string' ||
    typeof pnl !== 'number' ||
    typeof reason !== 'string' ||
    !CLOSE_REASONS.has(reason) ||
    typeof closedAt !== 'number'
  ) {
    return undefined;
  }
  return {
    intentId,
    symbol: payload.symbol,
    pnl,
    reason: reason as CloseReason,
    closedAt,
    ...(typeof openedAt === 'number' ? { openedAt } : {}),
  };
}

/**
 * The closes the trail recorded after `state` was taken of trades `state` still holds (by intent id), in
 * the trail's order: each one the guard counted and the state file had not caught up with. A dropped entry
 * the state still watches counts as held: a late execution the process claimed and closed before its state
 * was saved again (chaos seed 28, kill after the claim's close).
 */
export function unsavedCloses(state: BotState, records: readonly AuditRecord[]): RecordedClose[] {
  const after = state.trailSeq;
  if (after === undefined) return [];
  const held = new Set([
    ...state.trades.map((trade) => trade.intentId),
    ...(state.droppedEntries ?? []).map((dropped) => dropped.trade.intentId),
  ]);
  const closes: RecordedClose[] = [];
  for (const record of records) {
    if (record.seq <= after) continue;
    const close = recordedClose(record);
    if (close === undefined || !held.has(close.intentId)) continue;
    held.delete(close.intentId);
    closes.push(close);
  }
  return closes;
}

/**
 * Brings the state file up to the trail before the checkpoint moves past the last run's records: the
 * {@link unsavedCloses} given to the guard and their trades dropped, then the {@link unsavedEntries} added;
 * saved synchronously. Returns the trades rebuilt.
 */
export function recoverUnsavedEntries(
  store: BotStateStore,
  records: readonly AuditRecord[],
  lastSeq: number | null,
  log: Logger,
  guardSettings: RiskGuardOptions,
): OpenTrade[] {
  const loaded = store.load();
  const closes = unsavedCloses(loaded, records);
  let state = loaded;
  if (closes.length > 0) {
    const guard = state.guard ? RiskGuard.restore(state.guard, guardSettings) : new RiskGuard(guardSettings);
    for (const close of closes) {
      guard.recordClose({ pnl: close.pnl, reason: close.reason, now: close.closedAt, symbol: close.symbol });
      log.warn(
        { close },
        `close of ${close.symbol} (${close.intentId}, pnl ${close.pnl}) was recorded before the state file held it: counted by the guard from its position.close record`,
      );
    }
    const closed = new Set(closes.map((close) => close.intentId));
    // A close replayed here counted any late fill of an entry still watched on its symbol, as `recordClose`
    // notes (chaos seed 25): the span goes with the entry.
    const watched = state.droppedEntries
      ?.filter((dropped) => !closed.has(dropped.trade.intentId))
      .map((dropped) =>
        closes.reduce(
          (entry, close) =>
            close.symbol === entry.trade.symbol && close.openedAt !== undefined
              ? withCountedSpan(entry, close.openedAt, close.closedAt)
              : entry,
          dropped,
        ),
      );
    state = {
      ...state,
      guard: guard.snapshot(),
      trades: state.trades.filter((trade) => !closed.has(trade.intentId)),
      ...(watched === undefined ? {} : { droppedEntries: watched }),
    };
  }
  const rebuilt = unsavedEntries(state, records);
  for (const trade of rebuilt) {
    log.warn(
      { trade },
      `entry ${trade.symbol} ${trade.side} ${trade.quantity} (${trade.intentId}) was decided and sent before the state file held it: rebuilt from its order.place record; the reconcile settles it`,
    );
  }
  if (closes.length === 0 && rebuilt.length === 0) return rebuilt;
  store.save({ ...state, trades: [...state.trades, ...rebuilt], trailSeq: lastSeq ?? -1 });
  return rebuilt;
}
