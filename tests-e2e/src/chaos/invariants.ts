/**
 * The chaos run's invariants: their catalogue (`INVARIANTS`), the types every check shares, and the checks of
 * the exchange's own records: protection (1), what an entry found (2, 10, 11), duplicate entries (3).
 * The audit and guard checks (5–8) are in audit-and-guard-invariants.ts, the money checks (4, 9) in
 * loss-and-risk-invariants.ts.
 */
import type { AlgoOrderView, FillView, OrderView } from '@bot/sim';
import type { AuditFacts } from './audit-facts';
import type { Episode, ExchangeRecord } from './exchange-record';
import { ENTRY_ID, fromUnits, isForcedCloseId, isUserId, positionsBefore, units } from './exchange-record';

export const INVARIANTS = {
  1: 'position without a covering stop-loss beyond the bound (market time)',
  2: 'bot entry filled while the account held maxConcurrentPositions or more',
  3: 'more than one filled entry for one signal',
  4: "day's loss past the limit by more than one trade's risk",
  5: 'acknowledged order not announced in the audit trail before the exchange received it',
  6: 'audit trail does not verify',
  7: "after a restart: the guard is not the one rebuilt from the exchange's fills",
  8: "the guard's realized PnL differs from the exchange's for the bot's trades",
  9: 'realized risk of a trade above 1.25 × its planned risk',
  10: 'entry while the exchange held a position on the symbol the bot did not own',
  11: "entry above the tier's leverage cap",
} as const;

export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  readonly seed: number;
  readonly invariant: InvariantId;
  readonly detail: string;
}

/** A stretch of wall time during which no bot was up (killed or crashed → the next one trading). */
export interface DownWindow {
  readonly start: number;
  end: number;
}

export interface RiskLimits {
  readonly riskPerTradePct: number;
  readonly dailyDrawdownPct: number;
  readonly maxConcurrentPositions: number;
}

/** What happened that the invariants leave out by rule, named in the report (not violations). */
export interface Exemption {
  readonly invariant: InvariantId;
  readonly detail: string;
}

export const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export const money = (value: number) => value.toFixed(2);

export function isExchangeOrder(order: { clientOrderId: string }): boolean {
  return isForcedCloseId(order.clientOrderId); // liquidations and ADL: the exchange's own orders
}

/** An order that opens exposure on the bot's behalf: neither reduce-only, the exchange's, nor the user's. */
export function isEntry(order: OrderView): boolean {
  return (
    !order.reduceOnly && !order.closePosition && !isExchangeOrder(order) && !isUserId(order.clientOrderId)
  );
}

// --- windows ---------------------------------------------------------------------------------------

/** Merged, sorted [start, end] intervals. */
export function mergeWindows(windows: readonly { start: number; end: number }[]): [number, number][] {
  const sorted = windows
    .filter((window) => window.end > window.start)
    .map((window) => [window.start, window.end] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

export function overlap(start: number, end: number, merged: readonly [number, number][]): number {
  let sum = 0;
  for (const [from, to] of merged) sum += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return sum;
}

// --- 1: protection, in market time, from the emulator's records -------------------------------------

export interface BareSpan {
  readonly symbol: string;
  /** Market ms. */
  readonly start: number;
  readonly end: number;
  readonly openAtEnd: boolean;
}

export const isStop = (algo: AlgoOrderView) => algo.orderType === 'STOP_MARKET' || algo.orderType === 'STOP';

/** When an algo order stopped being live (market ms); undefined while it still is. */
function algoEnd(algo: AlgoOrderView): number | undefined {
  if (algo.algoStatus === 'NEW') return undefined;
  if (algo.algoStatus === 'REJECTED') return algo.createTime;
  return algo.triggerTime > 0 ? algo.triggerTime : algo.updateTime;
}

/**
 * Every stretch in which a symbol had a position and no covering stop, from the fills (positions) and the
 * algo book (stops: live from `createTime` until triggered, canceled or expired), both in market time. A
 * covering stop: STOP_MARKET or STOP, reduce-only or closePosition, on the closing side, for at least the
 * position's size.
 */
export function bareSpans(
  fills: readonly FillView[],
  algos: readonly AlgoOrderView[],
  endMarket: number,
): BareSpan[] {
  const spans: BareSpan[] = [];
  const symbols = new Set([...fills.map((fill) => fill.symbol)]);
  for (const symbol of symbols) {
    // In the order they happened, each at the latest time seen so far (see ExchangeRecord.fills).
    let latest = Number.NEGATIVE_INFINITY;
    const symbolFills = fills
      .filter((fill) => fill.symbol === symbol)
      .map((fill) => ({ ...fill, time: (latest = Math.max(latest, fill.time)) }));
    const stops = algos.filter((algo) => algo.symbol === symbol && isStop(algo));
    const times = new Set<number>([...symbolFills.map((fill) => fill.time)]);
    for (const stop of stops) {
      times.add(stop.createTime);
      const end = algoEnd(stop);
      if (end !== undefined) times.add(end);
    }
    let amount = 0n;
    let index = 0;
    let bareSince: number | undefined;
    for (const at of [...times].sort((a, b) => a - b)) {
      if (at > endMarket) break;
      while (index < symbolFills.length && (symbolFills[index] as FillView).time <= at) {
        const fill = symbolFills[index] as FillView;
        amount += (fill.side === 'BUY' ? 1n : -1n) * units(fill.qty);
        index += 1;
      }
      const size = amount < 0n ? -amount : amount;
      const closing = amount > 0n ? 'SELL' : 'BUY';
      const covered =
        amount === 0n ||
        stops.some((stop) => {
          const end = algoEnd(stop);
          return (
            stop.createTime <= at &&
            (end === undefined || end > at) &&
            stop.side === closing &&
            (stop.reduceOnly || stop.closePosition) &&
            (stop.closePosition || units(stop.quantity) >= size)
          );
        });
      if (!covered && bareSince === undefined) bareSince = at;
      else if (covered && bareSince !== undefined) {
        spans.push({ symbol, start: bareSince, end: at, openAtEnd: false });
        bareSince = undefined;
      }
    }
    if (bareSince !== undefined) spans.push({ symbol, start: bareSince, end: endMarket, openAtEnd: true });
  }
  return spans;
}

export interface ProtectionFigures {
  /** Longest stretch a position had no covering stop, market ms. */
  readonly maxUnprotectedMs: number;
  /** Longest such stretch minus the time no bot was up or the exchange kept it from acting, market ms. */
  readonly maxBeyondMs: number;
}

/**
 * Invariant 1. Each bare stretch, in market time, minus the part of it in which no bot was up (kill →
 * restart → trading) or the exchange kept the bot from acting (`excused`, market time: injected latency,
 * maintenance, errors and their retries, late executions, bans), must not exceed `boundMs` of market time.
 * A position still bare when the last bot has stopped is a violation whatever its length.
 */
export function checkProtection(
  seed: number,
  spans: readonly BareSpan[],
  excused: readonly [number, number][],
  boundMs: number,
  record: ExchangeRecord,
): { figures: ProtectionFigures; violations: Violation[]; spans: readonly BareSpan[] } {
  const violations: Violation[] = [];
  let maxUnprotectedMs = 0;
  let maxBeyondMs = 0;
  for (const span of spans) {
    const duration = span.end - span.start;
    const beyond = duration - overlap(span.start, span.end, excused);
    maxUnprotectedMs = Math.max(maxUnprotectedMs, duration);
    maxBeyondMs = Math.max(maxBeyondMs, beyond);
    if (beyond > boundMs) {
      violations.push({
        seed,
        invariant: 1,
        detail: `${span.symbol} had no covering stop for ${(duration / 1000).toFixed(1)} s of market time (wall ${time(record.wallOf(span.start))}–${time(record.wallOf(span.end))}), ${(beyond / 1000).toFixed(1)} s of it while a bot was up and the exchange answered (bound ${boundMs / 1000} s)`,
      });
    }
    if (span.openAtEnd) {
      violations.push({
        seed,
        invariant: 1,
        detail: `${span.symbol} was still without a covering stop when the last bot had stopped`,
      });
    }
  }
  return { figures: { maxUnprotectedMs, maxBeyondMs }, violations, spans };
}

// --- 2, 10, 11: what the exchange held when a bot entry filled -------------------------------------

export interface EntryFigures {
  /** The most positions the account held when a bot entry filled (before it). */
  readonly maxHeldAtEntry: number;
  /** The highest leverage a bot entry filled at. */
  readonly maxEntryLeverage: number;
  readonly entriesChecked: number;
}

/**
 * Invariants 2, 10 and 11, for every bot entry (`bot…-e…`) at its first fill, from the emulator's fills
 * and settings events:
 *
 * 2. the account's open positions just before it (every symbol, whoever opened them) were fewer than
 *    `maxConcurrentPositions`; the user's own openings are no violation, only a bot entry on top of them;
 * 10. the symbol was flat just before it (a position there is the user's, or the bot's own: either way the
 *    bot must not add to it);
 * 11. the symbol's leverage on the exchange at the fill was at most the tier's cap.
 *
 * A position or leverage change the bot could not yet know of when it wrote its decision (`order.place`,
 * less `raceMs` for the user-data event to arrive) is a race, named in the report, not a violation.
 */
export function checkEntries(
  seed: number,
  record: ExchangeRecord,
  fills: readonly FillView[],
  orders: readonly OrderView[],
  episodes: readonly Episode[],
  facts: AuditFacts,
  limits: RiskLimits,
  leverageCap: number,
  raceMs: number,
): { figures: EntryFigures; violations: Violation[]; exemptions: Exemption[] } {
  const violations: Violation[] = [];
  const exemptions: Exemption[] = [];
  let maxHeldAtEntry = 0;
  let maxEntryLeverage = 0;
  let entriesChecked = 0;
  for (const order of orders) {
    const match = ENTRY_ID.exec(order.clientOrderId);
    if (!match?.[1] || order.reduceOnly || order.closePosition) continue;
    const first = fills.find((fill) => fill.orderId === order.orderId);
    if (!first) continue;
    entriesChecked += 1;
    const decided = facts.bases.get(match[1]);
    // What the bot could know when it decided: changes at least raceMs older than its decision record.
    const knowable = record.marketOf((decided ?? record.wallOf(first.time)) - raceMs);
    const held = positionsBefore(fills, first.tradeId);
    const openedAt = (symbol: string) =>
      episodes.find(
        (episode) =>
          episode.symbol === symbol &&
          episode.start <= first.time &&
          (episode.end ?? Infinity) >= first.time &&
          episode.fills[0]?.tradeId !== first.tradeId,
      )?.start ?? first.time;
    maxHeldAtEntry = Math.max(maxHeldAtEntry, held.size);
    const what = `entry ${order.orderId} ${order.clientOrderId} ${order.side} ${order.executedQty} ${order.symbol} at ${time(record.wallOf(first.time))}`;
    if (held.size >= limits.maxConcurrentPositions) {
      const known = [...held.keys()].filter((symbol) => openedAt(symbol) <= knowable);
      const text = `${what}: the account held ${held.size} position(s) (${[...held.keys()].join(', ')}), limit ${limits.maxConcurrentPositions}`;
      if (known.length >= limits.maxConcurrentPositions)
        violations.push({ seed, invariant: 2, detail: text });
      else
        exemptions.push({
          invariant: 2,
          detail: `${text}; ${held.size - known.length} opened after the decision (a race)`,
        });
    }
    if (held.has(order.symbol)) {
      const text = `${what}: the exchange held ${fromUnits(held.get(order.symbol) ?? 0n)} ${order.symbol} already`;
      if (openedAt(order.symbol) <= knowable) violations.push({ seed, invariant: 10, detail: text });
      else exemptions.push({ invariant: 10, detail: `${text}, opened after the decision (a race)` });
    }
    const leverage = record.leverageAt(order.symbol, first.tradeId);
    if (leverage !== undefined) {
      maxEntryLeverage = Math.max(maxEntryLeverage, leverage);
      if (leverage > leverageCap) {
        const changed = [...record.leverageChanges]
          .reverse()
          .find(
            (change) =>
              change.symbol === order.symbol && change.seq < (record.fillSeq.get(first.tradeId) ?? Infinity),
          );
        const text = `${what} at ${leverage}× (tier cap ${leverageCap}×)`;
        if (changed && changed.time > knowable)
          exemptions.push({ invariant: 11, detail: `${text}; set after the decision (a race)` });
        else violations.push({ seed, invariant: 11, detail: text });
      }
    }
  }
  return { figures: { maxHeldAtEntry, maxEntryLeverage, entriesChecked }, violations, exemptions };
}

// --- 3: duplicate entries ------------------------------------------------------------------------

export function checkDuplicateEntries(seed: number, orders: readonly OrderView[]): Violation[] {
  const violations: Violation[] = [];
  const filledByBase = new Map<string, OrderView[]>();
  for (const order of orders.filter(isEntry)) {
    const match = ENTRY_ID.exec(order.clientOrderId);
    if (!match?.[1]) {
      violations.push({
        seed,
        invariant: 3,
        detail: `order ${order.orderId} ${order.clientOrderId} opens exposure but is no entry of an intent`,
      });
      continue;
    }
    if (Number(order.executedQty) <= 0) continue;
    const group = filledByBase.get(match[1]) ?? [];
    group.push(order);
    filledByBase.set(match[1], group);
  }
  for (const [base, group] of filledByBase) {
    if (group.length > 1) {
      violations.push({
        seed,
        invariant: 3,
        detail: `${group.length} filled entries for intent ${base}: ${group.map((order) => `${order.orderId} ${order.clientOrderId} ${order.side} ${order.executedQty} ${order.symbol}`).join('; ')}`,
      });
    }
  }
  return violations;
}

// --- the bot's trades ------------------------------------------------------------------------------

/**
 * The bot's trades, from the exchange's records: every position episode (flat → flat on one symbol) that
 * a bot entry (`bot…-e…`) opened (also through a position the user opened after the bot decided: see
 * `episodesOf`) or added to (a user's position opened on that side after the bot decided: the runner's trade
 * is then the whole position, which its stop covers and its guard books — seed 1 of a session-6 run), and
 * every episode the bot took over (the runner's `reconcile.adopt`
 * record, `playbook: foreign-position`, for the symbol while it was open, or an `adopted` trade in a state
 * file the suite read; the reconciler's bare `POSITION_ADOPTED` flag only protects a position, it does not
 * make it a trade). A trade's PnL is every fill of its episode, whoever placed it (the bot's exits, the
 * user's close, a liquidation or ADL): realized PnL minus the USDC commission, exactly.
 */
export function botTrades(
  episodes: readonly Episode[],
  facts: AuditFacts,
  adoptedInState: readonly { symbol: string; openedAt: number }[],
  record: ExchangeRecord,
): Episode[] {
  return episodes.filter(ownedByBot(facts, adoptedInState, record));
}

/** Whether an episode is the bot's: its own entry, or a position it adopted (see `botTrades`). */
export function ownedByBot(
  facts: AuditFacts,
  adoptedInState: readonly { symbol: string; openedAt: number }[],
  record: ExchangeRecord,
): (episode: Episode) => boolean {
  const entryOrders = new Set(
    record
      .orders()
      .filter((order) => ENTRY_ID.test(order.clientOrderId))
      .map((order) => order.orderId),
  );
  return (episode) => {
    if (episode.openedBy === 'entry') return true;
    if (episode.fills.some((fill) => entryOrders.has(fill.orderId))) return true;
    const end = episode.end ?? Number.POSITIVE_INFINITY;
    // The adopt record follows the adoption by a moment; it may come after a quick close.
    const adoptedByTrail = facts.adoptions.some((adoption) => {
      // The record names the position's opening fill: that episode, and no other (seed 26 of a session-6
      // run: a user's position closed and another opened in the moments before the record).
      if (adoption.openedAt !== undefined)
        return adoption.symbol === episode.symbol && adoption.openedAt === episode.start;
      const at = record.marketOf(adoption.at);
      return adoption.symbol === episode.symbol && at >= episode.start && at <= end + 5000 * record.speed;
    });
    const adoptedByState = adoptedInState.some(
      (trade) => trade.symbol === episode.symbol && trade.openedAt >= episode.start && trade.openedAt <= end,
    );
    return adoptedByTrail || adoptedByState;
  };
}
