/** Invariants 4 and 9: the day's loss within the limit, and the realized risk of each trade within its budget. */
import type { AlgoOrderView, FillView, OrderView } from '@bot/sim';
import type { AuditFacts } from './audit-facts';
import type { Episode, ExchangeRecord } from './exchange-record';
import { ENTRY_ID, fromUnits } from './exchange-record';
import type { GapRecord, UserActionRecord } from './fault-kinds';
import type { BareSpan, Exemption, RiskLimits, Violation } from './invariants';
import { isStop, money, overlap } from './invariants';

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

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Invariant 4, per UTC day of market time:
 *
 * a. the worst point of the day's running net PnL (realized − commission) of the fills of the bot's own
 *    entries is not below −(dailyDrawdownPct + riskPerTradePct) × the day's start equity (10 000 USDC, then
 *    plus every earlier day's fills of the account, less its withdrawals). Fills of a price jump the suite
 *    made (`excluded`) do not count against the day (a gap through a stop loses more than planned), and
 *    neither does what a trade lost past 1.25 × its plan when invariant 9 excused it (`excusedLoss`: no stop
 *    while the exchange refused one or no bot was up, the stop's slippage, an overrun's reduction, the user
 *    cancelling the stop). A day within the bound only thanks to those is named.
 * b. once the day's loss of the bot's trades (entries and adopted positions, every close counted at its
 *    close, as the guard counts it: jumps and liquidations too) is past the daily limit, no entry fills that
 *    day (after `graceMs` of market time for a decision already under way). An entry whose decision
 *    (`order.place`) was recorded before the crossing is named, not counted: the bot decided it before the
 *    loss, and the exchange executed it late (a late execution of a request a killed bot had sent).
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
  {
    decidedAt = () => undefined,
    excusedLoss = new Map(),
  }: {
    /** Market time of the `order.place` record of an entry order (undefined when the trail has none). */
    readonly decidedAt?: (orderId: number) => number | undefined;
    /** Invariant 9's excused losses, by the trade's last fill (`checkRealizedRisk`'s `excusedLoss`). */
    readonly excusedLoss?: ReadonlyMap<number, ExcusedLoss>;
  } = {},
): { days: DayLoss[]; violations: Violation[]; exemptions: Exemption[] } {
  const days: DayLoss[] = [];
  const violations: Violation[] = [];
  const exemptions: Exemption[] = [];
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
    let worstUnexcused = 0;
    const excusedToday: ExcusedLoss[] = [];
    for (const fill of ownFills) {
      if (dayOf(fill.time) !== day || excluded.has(fill.tradeId)) continue;
      const excused = excusedLoss.get(fill.tradeId);
      if (excused) excusedToday.push(excused);
      running += net(fill);
      worstUnexcused = Math.min(worstUnexcused, running);
      running += excused?.amount ?? 0;
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
    if (-worst <= allowedLoss && -worstUnexcused > allowedLoss) {
      exemptions.push({
        invariant: 4,
        detail: `${day}: the day's net PnL of the bot's entries reached ${worstUnexcused.toFixed(2)} USDC, past −${allowedLoss.toFixed(2)}, only through losses invariant 9 excused (${excusedToday.map((loss) => `${money(loss.amount)} USDC past the budget of ${loss.what}`).join('; ')})`,
      });
    }
    if (-worst > allowedLoss) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the day's net PnL of the bot's entries reached ${worst.toFixed(2)} USDC, past −${allowedLoss.toFixed(2)} (daily limit ${limits.dailyDrawdownPct} + one trade's risk ${limits.riskPerTradePct} of ${dayStart.toFixed(2)})`,
      });
    }
    const late = [...new Set(lateEntries.map((fill) => fill.orderId))];
    const decidedBefore = (orderId: number) => (decidedAt(orderId) ?? Infinity) <= (crossedAt as number);
    for (const orderId of late.filter(decidedBefore)) {
      exemptions.push({
        invariant: 4,
        detail: `${day}: entry ${orderId} filled after the day's loss passed the limit at ${new Date(crossedAt as number).toISOString()}, but was decided before it (at ${new Date(decidedAt(orderId) as number).toISOString()}) and executed late`,
      });
    }
    const lateOrders = late.filter((orderId) => !decidedBefore(orderId));
    if (lateOrders.length > 0 && crossedAt !== undefined) {
      violations.push({
        seed,
        invariant: 4,
        detail: `${day}: the loss of the bot's trades passed the daily limit ${dailyLimit.toFixed(2)} USDC at ${new Date(crossedAt).toISOString()}, yet ${lateOrders.length} entr${lateOrders.length === 1 ? 'y' : 'ies'} filled later that day (orders ${lateOrders.join(', ')}, first at ${new Date(lateEntries[0]?.time ?? 0).toISOString()})`,
      });
    }
  }
  return { days, violations, exemptions };
}

// --- 9: realized risk per trade ------------------------------------------------------------------

/** What a trade invariant 9 excused lost past 1.25 × its plan (invariant 4a leaves it out of the day). */
export interface ExcusedLoss {
  readonly amount: number;
  readonly what: string;
}

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
 * - no bot could weigh its fill: from the entry's fill to the close, all but `reactionMs` of market time lies
 *   in invariant 1's excused time (a kill right after the entry was sent; the stop closed the overrun before
 *   a restart could reduce it);
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
  /** Market ms a bot that is up and answered may take to weigh a fill (invariant 1's bound). */
  reactionMs: number,
): {
  figures: RiskFigures;
  violations: Violation[];
  exemptions: Exemption[];
  /** By the trade's last fill: what each excused trade (a gap aside: 4a drops those fills) lost past 1.25 ×. */
  excusedLoss: Map<number, ExcusedLoss>;
} {
  const orderIds = new Map(orders.map((order) => [order.orderId, order.clientOrderId]));
  const violations: Violation[] = [];
  const exemptions: Exemption[] = [];
  const excusedLoss = new Map<number, ExcusedLoss>();
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
    const excuse = (why: string) => {
      exemptions.push({ invariant: 9, detail: `${what}; ${why}` });
      const last = trade.fills.reduce((latest, fill) => (fill.tradeId > latest.tradeId ? fill : latest));
      excusedLoss.set(last.tradeId, {
        amount: realized - RISK_TOLERANCE * planned,
        what: `${trade.symbol} ${place.intentId}`,
      });
    };
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
      excuse(
        `its stop filled past the trigger (the market's slippage ${money(slippage)} USDC; without it ${((realized - slippage) / planned).toFixed(2)} ×)`,
      );
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
      excuse(
        `it had no stop for ${((bareWhileExcused.end - bareWhileExcused.start) / 1000).toFixed(1)} s of market time while the exchange kept the bot from placing one or no bot was up`,
      );
      continue;
    }
    // The overrun stood only while no bot could act on it: nothing the bot does decides this loss.
    const lifetime = trade.end - trade.start;
    const weighable = lifetime - overlap(trade.start, trade.end, excused);
    if (ratio > RISK_TOLERANCE && weighable <= reactionMs) {
      excuse(
        `no bot could weigh its fill: of the ${(lifetime / 1000).toFixed(1)} s of market time from its entry's fill to its close, a bot was up and the exchange answered for ${(weighable / 1000).toFixed(1)} s (a reaction may take ${reactionMs / 1000} s)`,
      );
      continue;
    }
    // The bot reduced an overrun fill at market (`-rr-`): what that reduction lost on top is its execution
    // cost (at speed 600 a reaction of a few ms is seconds of market time), not risk left standing.
    const reduction = trade.fills
      .filter((fill) => /^bot-rr-/.test(orderIds.get(fill.orderId) ?? ''))
      .reduce((sum, fill) => sum - Number(fill.realizedPnl), 0);
    if (reduction > 0 && ratio > RISK_TOLERANCE && (realized - reduction) / planned <= RISK_TOLERANCE) {
      excuse(
        `the entry overran its plan and was reduced at market, which lost ${money(reduction)} USDC itself (without it ${((realized - reduction) / planned).toFixed(2)} ×)`,
      );
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
      excuse(`the user cancelled its stop (${cancelled.detail})`);
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
  return { figures: { tradesChecked, maxRatio }, violations, exemptions, excusedLoss };
}
