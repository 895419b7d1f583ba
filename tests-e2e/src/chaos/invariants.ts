import { verifyAuditTrail } from '@bot/audit';
import type { RiskGuardSnapshot } from '@bot/risk';
import type { AlgoOrderView, FillView, LateExecutionRecord, OrderView } from '@bot/sim';
import type { AuditFacts } from './audit-facts';
import { announcedAt } from './audit-facts';
import type { Episode, ExchangeRecord } from './exchange-record';
import {
  ENTRY_ID,
  exchangeId,
  fromUnits,
  isForcedCloseId,
  isUserId,
  positionsBefore,
  units,
} from './exchange-record';
import type { GapRecord, UserActionRecord } from './fault-schedule';

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

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const money = (value: number) => value.toFixed(2);

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

function overlap(start: number, end: number, merged: readonly [number, number][]): number {
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

const isStop = (algo: AlgoOrderView) => algo.orderType === 'STOP_MARKET' || algo.orderType === 'STOP';

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
 * `episodesOf`), and every episode the bot took over (the runner's `reconcile.adopt`
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
  return episodes.filter((episode) => {
    if (episode.openedBy === 'entry') return true;
    const end = episode.end ?? Number.POSITIVE_INFINITY;
    // The adopt record follows the adoption by a moment; it may come after a quick close.
    const adoptedByTrail = facts.adoptions.some((adoption) => {
      const at = record.marketOf(adoption.at);
      return adoption.symbol === episode.symbol && at >= episode.start && at <= end + 5000 * record.speed;
    });
    const adoptedByState = adoptedInState.some(
      (trade) => trade.symbol === episode.symbol && trade.openedAt >= episode.start && trade.openedAt <= end,
    );
    return adoptedByTrail || adoptedByState;
  });
}

// --- 4: the day's loss ---------------------------------------------------------------------------

export interface DayLoss {
  readonly day: string;
  readonly startEquity: number;
  /** The day's worst running net PnL of the bot's own entries (realized − commission), jumps left out. */
  readonly worstNet: number;
  readonly allowedLoss: number;
  /** Market time the day's loss of the bot's trades first went past the daily limit. */
  readonly limitCrossedAt: number | undefined;
}

/** Tolerance on "past the daily limit" for 4b: the guard's day-start equity is the account's, ours the fills'. */
const LIMIT_SLACK = 1.05;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Invariant 4, per UTC day of market time:
 *
 * a. the worst point of the day's running net PnL (realized − commission) of the fills of the bot's own
 *    entries is not below −(dailyDrawdownPct + riskPerTradePct) × the day's start equity (10 000 USDC, then
 *    plus every earlier day's fills of the account, less its withdrawals). Fills of a price jump the suite
 *    made (`excluded`) do not count against the day (a gap through a stop loses more than planned).
 * b. once the day's loss of the bot's trades (entries and adopted positions, every close counted at its
 *    close, as the guard counts it: jumps and liquidations too) is past the daily limit, no entry fills that
 *    day (after `graceMs` of market time for a decision already under way).
 */
export function checkDailyLoss(
  seed: number,
  allFills: readonly FillView[],
  trades: readonly Episode[],
  entryOrderIds: ReadonlySet<number>,
  startEquity: number,
  withdrawals: readonly { time: number; amount: number }[],
  limits: RiskLimits,
  excluded: ReadonlySet<number>,
  graceMs: number,
): { days: DayLoss[]; violations: Violation[] } {
  const days: DayLoss[] = [];
  const violations: Violation[] = [];
  // The bot's entries' fills as their episodes hold them: a fill split at zero counts for its part.
  const ownFills = trades
    .filter((trade) => trade.openedBy === 'entry')
    .flatMap((trade) => trade.fills)
    .sort((a, b) => a.tradeId - b.tradeId);
  const dayList = [
    ...new Set([
      ...allFills.map((fill) => dayOf(fill.time)),
      ...trades.flatMap((trade) => (trade.end === undefined ? [] : [dayOf(trade.end)])),
    ]),
  ].sort();
  for (const day of dayList) {
    const net = (fill: FillView) =>
      Number(fill.realizedPnl) - (fill.commissionAsset === 'USDC' ? Number(fill.commission) : 0);
    const dayStart =
      startEquity +
      allFills.filter((fill) => dayOf(fill.time) < day).reduce((sum, fill) => sum + net(fill), 0) -
      withdrawals
        .filter((withdrawal) => dayOf(withdrawal.time) < day)
        .reduce((sum, withdrawal) => sum + withdrawal.amount, 0);
    const dailyLimit = limits.dailyDrawdownPct * dayStart;
    let running = 0;
    let worst = 0;
    for (const fill of ownFills) {
      if (dayOf(fill.time) !== day || excluded.has(fill.tradeId)) continue;
      running += net(fill);
      worst = Math.min(worst, running);
    }
    let closed = 0;
    let crossedAt: number | undefined;
    for (const trade of [...trades]
      .filter((trade) => trade.end !== undefined && dayOf(trade.end) === day)
      .sort((a, b) => (a.end ?? 0) - (b.end ?? 0))) {
      closed += fromUnits(trade.net);
      if (crossedAt === undefined && -closed > dailyLimit * LIMIT_SLACK) crossedAt = trade.end;
    }
    const lateEntries =
      crossedAt === undefined
        ? []
        : allFills.filter(
            (fill) =>
              dayOf(fill.time) === day &&
              entryOrderIds.has(fill.orderId) &&
              fill.time > (crossedAt as number) + graceMs,
          );
    const allowedLoss = (limits.dailyDrawdownPct + limits.riskPerTradePct) * dayStart;
    days.push({ day, startEquity: dayStart, worstNet: worst, allowedLoss, limitCrossedAt: crossedAt });
    if (-worst > allowedLoss) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the day's net PnL of the bot's entries reached ${worst.toFixed(2)} USDC, past −${allowedLoss.toFixed(2)} (daily limit ${limits.dailyDrawdownPct} + one trade's risk ${limits.riskPerTradePct} of ${dayStart.toFixed(2)})`,
      });
    }
    const lateOrders = [...new Set(lateEntries.map((fill) => fill.orderId))];
    if (lateOrders.length > 0 && crossedAt !== undefined) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the loss of the bot's trades passed the daily limit ${dailyLimit.toFixed(2)} USDC at ${new Date(crossedAt).toISOString()}, yet ${lateOrders.length} entr${lateOrders.length === 1 ? 'y' : 'ies'} filled later that day (orders ${lateOrders.join(', ')}, first at ${new Date(lateEntries[0]?.time ?? 0).toISOString()})`,
      });
    }
  }
  return { days, violations };
}

// --- 5 and 6: the audit trail --------------------------------------------------------------------

/** Latency in force over wall time, `[since, ms]`, oldest first. */
export type LatencyTimeline = readonly (readonly [number, number])[];

/**
 * When the emulator received a request that took effect at wall time `executed`: the late execution's
 * receive time if it was one, otherwise `executed` less the latency the server slept before executing it.
 */
function receivedAt(
  executed: number,
  path: string,
  late: readonly LateExecutionRecord[],
  latency: LatencyTimeline,
): { at: number; late: boolean } {
  const delayed = late.find(
    (entry) => entry.status === 200 && entry.path === path && Math.abs(entry.executedAt - executed) <= 3,
  );
  if (delayed) return { at: delayed.receivedAt, late: true };
  for (let index = latency.length - 1; index >= 0; index -= 1) {
    const [since, ms] = latency[index] as readonly [number, number];
    const until =
      (latency[index + 1] as readonly [number, number] | undefined)?.[0] ?? Number.POSITIVE_INFINITY;
    const arrived = executed - ms;
    if (arrived >= since && arrived < until) return { at: arrived, late: false };
  }
  return { at: executed, late: false };
}

export interface AuditFigures {
  readonly records: number;
  readonly recoveries: number;
  /** The smallest margin between an announcement and the exchange receiving the order, wall ms. */
  readonly minLeadMs: number | undefined;
}

/**
 * Invariants 5 and 6: the trail verifies, and every order and algo order the emulator acknowledged for
 * the bot (not the exchange's forced closes, not the user's) was announced in the trail — its client id
 * starts with the `clientIdBase` of an `order.place`, is in a `reconcile.plan`, or is the `clientOrderId` of
 * a decision — by a record written no later than the emulator received the order (the record's `ts`
 * against the receive time: the order's creation in the emulator's market clock, converted to wall time,
 * less the latency it slept; a late execution's own receive time).
 */
export async function checkAudit(
  seed: number,
  auditPath: string,
  facts: AuditFacts | undefined,
  record: ExchangeRecord,
  late: readonly LateExecutionRecord[],
  latency: LatencyTimeline,
): Promise<{ violations: Violation[]; figures: AuditFigures }> {
  const violations: Violation[] = [];
  const verification = await verifyAuditTrail(auditPath);
  if (!verification.ok || !facts) {
    violations.push({
      seed,
      invariant: 6,
      detail: verification.ok
        ? 'the trail verifies but could not be read'
        : `${verification.file} line ${verification.line}, seq ${verification.seq}: ${verification.reason}: ${verification.message}`,
    });
    return {
      violations,
      figures: { records: verification.ok ? 0 : verification.records, recoveries: 0, minLeadMs: undefined },
    };
  }
  // The child order a triggered algo order places is the exchange's own doing (its algo order is checked).
  const children = new Set(
    record
      .algoOrders()
      .map((algo) => algo.actualOrderId)
      .filter((id) => id > 0),
  );
  const acknowledged = [
    ...record
      .orders()
      .filter((order) => !children.has(order.orderId))
      .map((order) => ({
        what: `order ${order.orderId} ${order.type} ${order.side} ${order.symbol}`,
        clientOrderId: order.clientOrderId,
        executed: record.wallOf(order.time),
        path: '/fapi/v1/order',
      })),
    ...record.algoOrders().map((algo) => ({
      what: `algo order ${algo.algoId} ${algo.orderType} ${algo.side} ${algo.symbol}`,
      clientOrderId: algo.clientAlgoId,
      executed: record.wallOf(algo.createTime),
      path: '/fapi/v1/algoOrder',
    })),
  ];
  let minLeadMs: number | undefined;
  for (const order of acknowledged) {
    if (isExchangeOrder(order) || isUserId(order.clientOrderId)) continue;
    const announced = announcedAt(order.clientOrderId, facts);
    if (announced === undefined) {
      violations.push({
        seed,
        invariant: 5,
        detail: `${order.what} (${order.clientOrderId}) is in no order.place, reconcile.plan or decision record`,
      });
      continue;
    }
    const received = receivedAt(order.executed, order.path, late, latency);
    const lead = received.at - announced;
    minLeadMs = minLeadMs === undefined ? lead : Math.min(minLeadMs, lead);
    // Record times are whole ms and the clock conversion is good to well under 1 ms.
    if (lead < -1) {
      violations.push({
        seed,
        invariant: 5,
        detail: `${order.what} (${order.clientOrderId}) reached the exchange at ${time(received.at)}${received.late ? ' (executed late)' : ''}, ${-Math.round(lead)} ms before the trail announced it (${time(announced)})`,
      });
    }
  }
  return { violations, figures: { records: facts.records, recoveries: facts.recoveries, minLeadMs } };
}

// --- 7 and 8: the guard against the exchange ---------------------------------------------------------

/** The RiskGuard fields a restart must bring back exactly (`status()` and the snapshot share them). */
const GUARD_FIELDS = [
  'tradingState',
  'halt',
  'reducing',
  'stopLossStreak',
  'lastStopLossAt',
  'day',
  'dayStartEquity',
  'realizedPnl',
  'latestNow',
] as const;

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Invariant 7, first half: `saved` is the state file's guard at the kill (undefined: no state file yet),
 * `restored` what the next process logged (`null`: it said there was no saved state; undefined: it never
 * said). A restart must bring back exactly what was saved.
 */
export function compareRestore(
  seed: number,
  restart: number,
  saved: RiskGuardSnapshot | undefined,
  restored: Record<string, unknown> | null | undefined,
): Violation[] {
  if (restored === undefined) {
    return [
      { seed, invariant: 7, detail: `restart ${restart}: the bot never logged its restored risk state` },
    ];
  }
  if (saved === undefined) {
    return restored === null
      ? []
      : [
          {
            seed,
            invariant: 7,
            detail: `restart ${restart}: no state file, yet the bot restored ${stable(restored)}`,
          },
        ];
  }
  if (restored === null) {
    return [
      { seed, invariant: 7, detail: `restart ${restart}: a state file existed, yet the bot started fresh` },
    ];
  }
  const differences = GUARD_FIELDS.filter(
    (field) => stable((saved as unknown as Record<string, unknown>)[field]) !== stable(restored[field]),
  ).map(
    (field) =>
      `${field}: saved ${stable((saved as unknown as Record<string, unknown>)[field])}, restored ${stable(restored[field])}`,
  );
  return differences.length === 0
    ? []
    : [{ seed, invariant: 7, detail: `restart ${restart}: ${differences.join('; ')}` }];
}

/** The state file the bot writes beside its trail (`<audit>.state.json`). */
export interface StateFile {
  readonly guard?: RiskGuardSnapshot;
  readonly trades?: readonly {
    readonly symbol: string;
    readonly openedAt: number;
    readonly adopted?: boolean;
    readonly closing?: unknown;
    readonly intentId?: string;
  }[];
}

/** One reading of the state file the invariants compare with the exchange. */
export interface GuardCheck {
  /** `kill 2`, `restart 2`, `end`. */
  readonly label: string;
  readonly invariant: 7 | 8;
  /** Wall ms of the reading. */
  readonly at: number;
  readonly state: StateFile | undefined;
  /** Restarts: wall ms the new process was spawned (every close before it must be settled by then). */
  readonly spawnedAt?: number;
  /** Every close before `at` (wall ms) must be counted (or, if allowed, owed as `closing`). */
  readonly settledBefore?: { readonly at: number; readonly closingAllowed: boolean };
}

const CENT = 0.005 + 1e-6;

/**
 * Invariants 8 (and 7 at a restart): the guard's realized PnL equals the exchange's realized PnL minus
 * fees of the bot's trades that the bot has retired, to the cent.
 *
 * - Retired: a bot trade (see `botTrades`) whose episode ended before the reading and that the state file no
 *   longer lists (a listed trade, open or `closing`, is one whose close the bot has not yet counted: the
 *   file is written whole, trades and guard together, so this is exact, not a race).
 * - The guard's `realizedPnl` is the UTC day's (`day`, market time). A close counts on the day the guard's
 *   clock was on when it recorded it: never before the close's own day, so a trade closed on `day` counts
 *   exactly; one closed on an earlier day may have been recorded after the guard had moved on, so any of
 *   the earlier retired trades may be in it too (every subset is tried when there are at most 10, else
 *   suffixes by close time). A retired trade closed after `day` means the guard never counted it.
 * - At a restart (`spawnedAt`), also: every bot trade whose position was gone before the new process
 *   started must be settled by the time it trades (retired, or listed as `closing` when its fills could not
 *   be read): the start-up reconcile settles what closed while the bot was down.
 */
export function checkGuard(
  seed: number,
  check: GuardCheck,
  trades: readonly Episode[],
  record: ExchangeRecord,
): Violation[] {
  const violations: Violation[] = [];
  const { state, invariant, label } = check;
  const at = record.marketOf(check.at);
  const listed = state?.trades ?? [];
  // A listed trade is the episode that was open when it was opened, or one that began after it.
  const listedFor = (trade: Episode) =>
    listed.find(
      (entry) =>
        exchangeId(entry.symbol) === trade.symbol &&
        ((trade.end ?? Infinity) > entry.openedAt || trade.start >= entry.openedAt),
    );
  const ended = trades.filter((trade) => trade.end !== undefined && trade.end <= at);
  const retired = ended.filter((trade) => !listedFor(trade));
  const describe = (trade: Episode) =>
    `${trade.symbol} ${money(fromUnits(trade.net))} (closed ${new Date(trade.end ?? 0).toISOString()})`;

  const settled =
    check.spawnedAt !== undefined ? { at: check.spawnedAt, closingAllowed: true } : check.settledBefore;
  if (settled) {
    const by = record.marketOf(settled.at);
    for (const trade of ended) {
      const entry = listedFor(trade);
      if (entry && (entry.closing === undefined || !settled.closingAllowed) && (trade.end ?? Infinity) < by) {
        violations.push({
          seed,
          invariant,
          detail:
            check.spawnedAt !== undefined
              ? `${label}: ${describe(trade)} closed while the bot was down, yet the restarted bot trades with it still open and uncounted`
              : `${label}: ${describe(trade)} closed before the stop, yet the bot stopped without counting it`,
        });
      }
    }
  }

  const guard = state?.guard;
  if (!guard) {
    if (retired.length > 0)
      violations.push({
        seed,
        invariant,
        detail: `${label}: no saved guard, yet the bot retired ${retired.map(describe).join('; ')}`,
      });
    return violations;
  }
  const day = guard.day;
  const onDay = retired.filter((trade) => day !== null && dayOf(trade.end ?? 0) === day);
  const after = retired.filter((trade) => day === null || dayOf(trade.end ?? 0) > day);
  const before = retired
    .filter((trade) => day !== null && dayOf(trade.end ?? 0) < day)
    .sort((a, b) => (a.end ?? 0) - (b.end ?? 0));
  if (after.length > 0) {
    violations.push({
      seed,
      invariant,
      detail: `${label}: the guard is on day ${day ?? 'none'}, yet the bot retired later closes it never counted: ${after.map(describe).join('; ')}`,
    });
  }
  const certain = onDay.reduce((sum, trade) => sum + trade.net, 0n);
  // The earlier day's closes the guard may have counted on `day`: any of them when there are few (a close
  // owed across midnight may be recorded after later ones), else a suffix by close time.
  let candidates: bigint[] = [certain];
  if (before.length <= 10) {
    for (let mask = 1; mask < 1 << before.length; mask += 1) {
      let total = certain;
      for (let index = 0; index < before.length; index += 1)
        if (mask & (1 << index)) total += (before[index] as Episode).net;
      candidates.push(total);
    }
  } else {
    let suffix = 0n;
    for (let index = before.length - 1; index >= 0; index -= 1) {
      suffix += (before[index] as Episode).net;
      candidates.push(certain + suffix);
    }
  }
  // A fill the emulator stamped before the fill that opened its trade is invisible to a read by time from
  // the opening on (an emulator defect, named in the report): the guard may lack it.
  for (const trade of [...onDay, ...before]) {
    const unseen = trade.stampedBeforeStart.reduce(
      (sum, fill) =>
        sum + units(fill.realizedPnl) - (fill.commissionAsset === 'USDC' ? units(fill.commission) : 0n),
      0n,
    );
    if (unseen !== 0n) candidates = [...candidates, ...candidates.map((candidate) => candidate - unseen)];
  }
  const ok = candidates.some((candidate) => Math.abs(guard.realizedPnl - fromUnits(candidate)) <= CENT);
  if (!ok) {
    violations.push({
      seed,
      invariant,
      detail: `${label}: the guard's realized PnL for ${day ?? 'no day'} is ${guard.realizedPnl}, the exchange's for the bot's retired trades that day is ${fromUnits(certain)}${before.length > 0 ? ` (${candidates.length - 1} other sums with earlier days' closes considered)` : ''}: ${onDay.map(describe).join('; ') || 'no trade'}${listed.length > 0 ? `; not yet counted: ${listed.map((entry) => `${exchangeId(entry.symbol)}${entry.closing ? ' (closing)' : ''}`).join(', ')}` : ''}`,
    });
  }
  return violations;
}

// --- 9: realized risk per trade ------------------------------------------------------------------

export interface RiskFigures {
  readonly tradesChecked: number;
  /** The largest realized ÷ planned risk of a trade that was not excused. */
  readonly maxRatio: number;
}

const RISK_TOLERANCE = 1.25;

/**
 * Invariant 9: each trade the bot entered loses at most 1.25 × its planned risk. Planned: the `order.place`
 * record's size × |entry − stopLoss|, the entry being the signal's (the record's stop and take-profit are
 * `rr` stop distances apart: entry = (takeProfit + rr × stopLoss) / (1 + rr)). Realized: −Σ realized PnL of
 * the trade's fills (price PnL; fees are the sizer's separate allowance). Excused, and named:
 *
 * - the stop gapped: a fill of the trade came from a jump the suite made; or its stop (a market order once
 *   triggered) filled past the trigger and without that slippage the trade is within 1.25 ×;
 * - it was without a stop while the exchange kept the bot from placing one (an erred or refused stop, then
 *   an emergency close after the price had passed the stop) or no bot was up (a kill between the entry and
 *   its stop): invariant 1's excused time;
 * - its entry overran the plan and the bot reduced it at market (`bot-rr-…`), and without what that
 *   reduction itself lost the trade stays within 1.25 × (the reaction is ms of wall time, seconds of market);
 * - the user removed its stop (a `user-cancel-stop` on the symbol while the trade was open).
 */
export function checkRealizedRisk(
  seed: number,
  trades: readonly Episode[],
  facts: AuditFacts,
  algos: readonly AlgoOrderView[],
  shockFillIds: ReadonlySet<number>,
  gaps: readonly GapRecord[],
  userActions: readonly UserActionRecord[],
  spans: readonly BareSpan[],
  excused: readonly [number, number][],
  orders: readonly OrderView[],
  record: ExchangeRecord,
): { figures: RiskFigures; violations: Violation[]; exemptions: Exemption[] } {
  const orderIds = new Map(orders.map((order) => [order.orderId, order.clientOrderId]));
  const violations: Violation[] = [];
  const exemptions: Exemption[] = [];
  let tradesChecked = 0;
  let maxRatio = 0;
  for (const trade of trades) {
    if (trade.openedBy !== 'entry' || trade.end === undefined || !trade.opener) continue;
    const base = ENTRY_ID.exec(trade.opener.clientOrderId)?.[1];
    const place = [...facts.places].reverse().find((entry) => entry.clientIdBase === base);
    if (!place || !(place.size > 0)) continue;
    tradesChecked += 1;
    const entry = (place.takeProfit + place.rewardRisk * place.stopLoss) / (1 + place.rewardRisk);
    const distance = Math.abs(entry - place.stopLoss);
    const planned = place.size * distance;
    const realized = -fromUnits(trade.pricePnl);
    if (!(realized > 0) || !(planned > 0)) continue;
    const ratio = realized / planned;
    const what = `${trade.symbol} ${place.intentId} (${trade.opener.side} ${place.size}, entry ${entry.toFixed(2)}, stop ${place.stopLoss.toFixed(2)}): lost ${money(realized)} USDC, ${ratio.toFixed(2)} × the planned ${money(planned)}`;
    const shocked = trade.fills.find((fill) => shockFillIds.has(fill.tradeId));
    if (shocked) {
      const gap = gaps.find(
        (entry) =>
          entry.symbol === trade.symbol &&
          Math.abs(record.marketOf(entry.at) - shocked.time) <= 2 * record.speed,
      );
      if (ratio > RISK_TOLERANCE)
        exemptions.push({
          invariant: 9,
          detail: `${what}; the stop gapped: ${gap ? `${gap.kind} ${gap.from} → ${gap.to}${gap.through ? ` through the stop at ${gap.through}` : ''}` : 'a jump the suite made'}, filled at ${shocked.price}`,
        });
      continue;
    }
    // A stop is a market order once triggered: what it filled past its trigger is the market's slippage
    // (a gap when it is large), not risk the bot left standing.
    const long = trade.opener.side === 'BUY';
    const slippage = trade.fills.reduce((sum, fill) => {
      const stop = algos.find(
        (algo) => isStop(algo) && algo.actualOrderId === fill.orderId && algo.symbol === trade.symbol,
      );
      if (!stop) return sum;
      const past = long
        ? Number(stop.triggerPrice) - Number(fill.price)
        : Number(fill.price) - Number(stop.triggerPrice);
      return sum + Math.max(0, past) * Number(fill.qty);
    }, 0);
    if (ratio > RISK_TOLERANCE && slippage > 0 && (realized - slippage) / planned <= RISK_TOLERANCE) {
      exemptions.push({
        invariant: 9,
        detail: `${what}; its stop filled past the trigger (the market's slippage ${money(slippage)} USDC; without it ${((realized - slippage) / planned).toFixed(2)} ×)`,
      });
      continue;
    }
    const bareWhileExcused = spans.find(
      (span) =>
        span.symbol === trade.symbol &&
        span.end > trade.start &&
        span.start < (trade.end ?? Infinity) &&
        overlap(span.start, span.end, excused) > 0,
    );
    if (bareWhileExcused && ratio > RISK_TOLERANCE) {
      exemptions.push({
        invariant: 9,
        detail: `${what}; it had no stop for ${((bareWhileExcused.end - bareWhileExcused.start) / 1000).toFixed(1)} s of market time while the exchange kept the bot from placing one or no bot was up`,
      });
      continue;
    }
    // The bot reduced an overrun fill at market (`-rr-`): what that reduction lost on top is its execution
    // cost (at speed 600 a reaction of a few ms is seconds of market time), not risk left standing.
    const reduction = trade.fills
      .filter((fill) => /^bot-rr-/.test(orderIds.get(fill.orderId) ?? ''))
      .reduce((sum, fill) => sum - Number(fill.realizedPnl), 0);
    if (reduction > 0 && ratio > RISK_TOLERANCE && (realized - reduction) / planned <= RISK_TOLERANCE) {
      exemptions.push({
        invariant: 9,
        detail: `${what}; the entry overran its plan and was reduced at market, which lost ${money(reduction)} USDC itself (without it ${((realized - reduction) / planned).toFixed(2)} ×)`,
      });
      continue;
    }
    const cancelled = userActions.find(
      (action) =>
        action.kind === 'user-cancel-stop' &&
        action.symbol === trade.symbol &&
        record.marketOf(action.at) >= trade.start &&
        record.marketOf(action.at) <= (trade.end ?? Infinity),
    );
    if (cancelled && ratio > RISK_TOLERANCE) {
      exemptions.push({ invariant: 9, detail: `${what}; the user cancelled its stop (${cancelled.detail})` });
      continue;
    }
    maxRatio = Math.max(maxRatio, ratio);
    if (ratio > RISK_TOLERANCE) {
      violations.push({
        seed,
        invariant: 9,
        detail: `${what} (closed ${new Date(trade.end).toISOString()}, fills ${trade.fills.map((fill) => `${fill.side} ${fill.qty}@${fill.price} order ${fill.orderId}`).join(', ')})`,
      });
    }
  }
  return { figures: { tradesChecked, maxRatio }, violations, exemptions };
}
