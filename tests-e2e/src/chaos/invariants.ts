import { readAuditTrail, verifyAuditTrail } from '@bot/audit';
import type { RiskGuardSnapshot } from '@bot/risk';
import type { FillView, OrderView, Sim } from '@bot/sim';
import type { UnprotectedSpan } from './exchange-monitor';

export const INVARIANTS = {
  1: 'position without a covering stop-loss beyond the bound',
  2: 'more open positions than maxConcurrentPositions',
  3: 'more than one filled entry for one signal',
  4: "day's loss past the limit by more than one trade's risk",
  5: 'acknowledged order missing from the audit trail',
  6: 'audit trail does not verify',
  7: 'restored RiskGuard differs from the state before the kill',
} as const;
export type InvariantId = keyof typeof INVARIANTS;

export interface Violation {
  readonly seed: number;
  readonly invariant: InvariantId;
  readonly detail: string;
}

/** A stretch of wall time during which no bot had finished its start-up reconcile (killed, restarting). */
export interface DownWindow {
  readonly start: number;
  end: number;
}

export interface RiskLimits {
  readonly riskPerTradePct: number;
  readonly dailyDrawdownPct: number;
  readonly maxConcurrentPositions: number;
}

// --- 1: protection -------------------------------------------------------------------------------

function overlap(span: { start: number; end: number }, windows: readonly DownWindow[]): number {
  return windows.reduce(
    (sum, window) => sum + Math.max(0, Math.min(span.end, window.end) - Math.max(span.start, window.start)),
    0,
  );
}

export interface ProtectionFigures {
  /** Longest stretch a position had no covering stop, wall ms. */
  readonly maxUnprotectedMs: number;
  /** Longest such stretch minus the time inside it when no reconciled bot ran. */
  readonly maxBeyondDowntimeMs: number;
}

/**
 * Invariant 1. A kill can leave a filled entry without its stop until the next process reconciles, so each
 * bare stretch may last as long as the bot was down (kill → restart → start-up reconcile done, measured per
 * restart) plus `liveBoundMs` for the bot's own work: entry → stop round trips under the injected latency,
 * 5xx retries with backoff, a 418 ban's Retry-After.
 */
export function checkProtection(
  seed: number,
  spans: readonly UnprotectedSpan[],
  downWindows: readonly DownWindow[],
  liveBoundMs: number,
): { figures: ProtectionFigures; violations: Violation[] } {
  const violations: Violation[] = [];
  let maxUnprotectedMs = 0;
  let maxBeyondDowntimeMs = 0;
  for (const span of spans) {
    const duration = span.end - span.start;
    const beyond = duration - overlap(span, downWindows);
    maxUnprotectedMs = Math.max(maxUnprotectedMs, duration);
    maxBeyondDowntimeMs = Math.max(maxBeyondDowntimeMs, beyond);
    if (beyond > liveBoundMs) {
      violations.push({
        seed,
        invariant: 1,
        detail: `${span.symbol} had no covering stop for ${duration} ms, ${beyond} ms of it while a reconciled bot ran (bound ${liveBoundMs} ms)`,
      });
    }
    if (span.openAtEnd) {
      violations.push({
        seed,
        invariant: 1,
        detail: `${span.symbol} was still without a covering stop when the bot had stopped`,
      });
    }
  }
  return { figures: { maxUnprotectedMs, maxBeyondDowntimeMs }, violations };
}

// --- 2: concurrency ------------------------------------------------------------------------------

export function checkMaxPositions(
  seed: number,
  maxOpen: number,
  symbols: readonly string[] | undefined,
  limits: RiskLimits,
): Violation[] {
  if (maxOpen <= limits.maxConcurrentPositions) return [];
  return [
    {
      seed,
      invariant: 2,
      detail: `${maxOpen} positions open at once (${(symbols ?? []).join(', ')}), limit ${limits.maxConcurrentPositions}`,
    },
  ];
}

// --- 3: duplicate entries ------------------------------------------------------------------------

/** `bot` + 18 hex of sha256(intent id), then `-e<generation>`: an entry's client order id. */
const ENTRY_ID = /^(bot[0-9a-f]{18})-e[A-Za-z0-9]+$/;

export function isExchangeOrder(order: { clientOrderId: string }): boolean {
  return order.clientOrderId.startsWith('autoclose-'); // liquidations: the exchange's own orders
}

export function isEntry(order: OrderView): boolean {
  return !order.reduceOnly && !order.closePosition && !isExchangeOrder(order);
}

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

// --- 4: the day's loss ---------------------------------------------------------------------------

export interface DayLoss {
  readonly day: string;
  readonly startEquity: number;
  /** The day's worst running net PnL (realized − commission), shock fills left out. */
  readonly worstNet: number;
  readonly allowedLoss: number;
  /** Market time the day's loss, every fill counted, first went past the daily limit. */
  readonly limitCrossedAt: number | undefined;
}

/** Tolerance on "past the daily limit" for 4b: the guard's day-start equity is the account's, ours the fills'. */
const LIMIT_SLACK = 1.05;

/**
 * Invariant 4, from the emulator's fills per UTC day of market time:
 *
 * a. the worst point of the day's net PnL (realizedPnl − commission, running sum) is not below
 *    −(dailyDrawdownPct + riskPerTradePct) × the day's start equity (10 000 USDC on the first day, then that
 *    plus every earlier day's fills). Fills from a price jump the suite made (`excluded`) count for the start
 *    equity but not against the day: a gap through a stop loses more than the planned risk, which no bot
 *    can prevent.
 * b. once the day's loss, every fill counted (jumps and liquidations too), is past the daily limit, no entry
 *    fills that day (after `graceMs` of market time for a decision already under way): the guard must see
 *    every loss of the account, also of a trade that closed while the bot was down.
 */
export function checkDailyLoss(
  seed: number,
  fills: readonly FillView[],
  entryOrderIds: ReadonlySet<number>,
  startEquity: number,
  limits: RiskLimits,
  excluded: ReadonlySet<number>,
  graceMs: number,
): { days: DayLoss[]; violations: Violation[] } {
  const days: DayLoss[] = [];
  const violations: Violation[] = [];
  let equity = startEquity;
  const byDay = new Map<string, FillView[]>();
  for (const fill of [...fills].sort((a, b) => a.time - b.time || a.tradeId - b.tradeId)) {
    const day = new Date(fill.time).toISOString().slice(0, 10);
    const group = byDay.get(day) ?? [];
    group.push(fill);
    byDay.set(day, group);
  }
  for (const [day, dayFills] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
    const dayStart = equity;
    const dailyLimit = limits.dailyDrawdownPct * dayStart;
    let running = 0;
    let runningAll = 0;
    let worst = 0;
    let crossedAt: number | undefined;
    const lateEntries: FillView[] = [];
    for (const fill of dayFills) {
      const net = Number(fill.realizedPnl) - (fill.commissionAsset === 'USDC' ? Number(fill.commission) : 0);
      equity += net;
      if (crossedAt !== undefined && entryOrderIds.has(fill.orderId) && fill.time > crossedAt + graceMs) {
        lateEntries.push(fill);
      }
      runningAll += net;
      if (crossedAt === undefined && -runningAll > dailyLimit * LIMIT_SLACK) crossedAt = fill.time;
      if (excluded.has(fill.tradeId)) continue;
      running += net;
      worst = Math.min(worst, running);
    }
    const allowedLoss = (limits.dailyDrawdownPct + limits.riskPerTradePct) * dayStart;
    days.push({ day, startEquity: dayStart, worstNet: worst, allowedLoss, limitCrossedAt: crossedAt });
    if (-worst > allowedLoss) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the day's net PnL reached ${worst.toFixed(2)} USDC, past −${allowedLoss.toFixed(2)} (daily limit ${limits.dailyDrawdownPct} + one trade's risk ${limits.riskPerTradePct} of ${dayStart.toFixed(2)})`,
      });
    }
    const orders = [...new Set(lateEntries.map((fill) => fill.orderId))];
    if (orders.length > 0 && crossedAt !== undefined) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the day's loss passed the daily limit ${dailyLimit.toFixed(2)} USDC at ${new Date(crossedAt).toISOString()}, yet ${orders.length} entr${orders.length === 1 ? 'y' : 'ies'} filled later that day (orders ${orders.join(', ')}, first at ${new Date(lateEntries[0]?.time ?? 0).toISOString()})`,
      });
    }
  }
  return { days, violations };
}

// --- 5 and 6: the audit trail --------------------------------------------------------------------

interface AuditCoverage {
  /** `clientIdBase` of every `order.place` decision: every order of that entry starts with it. */
  readonly bases: Set<string>;
  /**
   * Exact client ids announced before sending: reconcile plans (a planned stop-loss also announces its
   * emergency close, `-s<gen>` → `-x<gen>`), operator closes; a close split in chunks adds `-2`, `-3`.
   */
  readonly ids: Set<string>;
  readonly records: number;
  /** `audit.recovery` records: torn tails a SIGKILL left, cut and recorded at the next open. */
  readonly recoveries: number;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

async function readCoverage(auditPath: string): Promise<AuditCoverage> {
  const bases = new Set<string>();
  const ids = new Set<string>();
  let records = 0;
  let recoveries = 0;
  for await (const record of readAuditTrail(auditPath)) {
    records += 1;
    if (record.kind === 'audit.recovery') recoveries += 1;
    const payload = asRecord(record.payload);
    if (record.kind === 'rationale') {
      const risk = asRecord(payload['risk']);
      if (payload['action'] === 'order.place' && typeof risk['clientIdBase'] === 'string')
        bases.add(risk['clientIdBase']);
      if (typeof risk['clientOrderId'] === 'string') ids.add(risk['clientOrderId']);
    } else if (record.kind === 'reconcile.plan' && Array.isArray(payload['actions'])) {
      for (const action of payload['actions']) {
        const id = asRecord(action)['clientOrderId'];
        if (typeof id !== 'string') continue;
        ids.add(id);
        // A stop-loss that cannot be placed is replaced by an emergency close of the same generation.
        const stop = /^(.+)-s([^-]+)$/.exec(id);
        if (stop) ids.add(`${stop[1]}-x${stop[2]}`);
      }
    }
  }
  return { bases, ids, records, recoveries };
}

function covered(id: string, coverage: AuditCoverage): boolean {
  if (coverage.ids.has(id)) return true;
  for (const known of coverage.ids) if (id.startsWith(`${known}-`)) return true;
  for (const base of coverage.bases) if (id.startsWith(base)) return true;
  return false;
}

/** Invariants 5 and 6: the trail verifies, and every order the exchange acknowledged is in it. */
export async function checkAudit(
  seed: number,
  auditPath: string,
  sim: Sim,
  accountId: string,
): Promise<{ violations: Violation[]; records: number; recoveries: number }> {
  const violations: Violation[] = [];
  const verification = await verifyAuditTrail(auditPath);
  if (!verification.ok) {
    violations.push({
      seed,
      invariant: 6,
      detail: `${verification.file} line ${verification.line}, seq ${verification.seq}: ${verification.reason}: ${verification.message}`,
    });
    return { violations, records: verification.records, recoveries: 0 };
  }
  const coverage = await readCoverage(auditPath);
  const acknowledged = [
    ...sim.core.allOrders(accountId).map((order) => ({
      what: `order ${order.orderId} ${order.type} ${order.side} ${order.symbol}`,
      clientOrderId: order.clientOrderId,
    })),
    ...sim.core.allAlgoOrders(accountId).map((algo) => ({
      what: `algo order ${algo.algoId} ${algo.orderType} ${algo.side} ${algo.symbol}`,
      clientOrderId: algo.clientAlgoId,
    })),
  ];
  for (const order of acknowledged) {
    if (isExchangeOrder(order) || covered(order.clientOrderId, coverage)) continue;
    violations.push({
      seed,
      invariant: 5,
      detail: `${order.what} (${order.clientOrderId}) is in no order.place, reconcile.plan or position.close record`,
    });
  }
  return { violations, records: coverage.records, recoveries: coverage.recoveries };
}

// --- 7: restart restores the guard ---------------------------------------------------------------

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
 * Invariant 7: `saved` is the state file's guard at the kill (undefined: no state file yet), `restored` what
 * the next process logged (`null`: it said there was no saved state; undefined: it never said).
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
