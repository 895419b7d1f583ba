import { closingSide } from '@bot/exchange';
import type { PositionSide } from '@bot/exchange';
import { compareDecimals, floorQuantityToStep, roundPriceToTick, toExchangeId } from '@bot/symbols';
import type { OpenTrade } from '../bot-state';
import { equityOf, liveAlgoOrders, reduceAccount } from './account-state';
import type { AccountEvent, AccountSnapshot, PositionEntry } from './account-state';
import type { TraderContext } from './context';
import { claimLateEntries, forgetDroppedEntry } from './late-entries';
import { closeAtMarket, reconcileSymbols, reduceOwed } from './protection';
import { forcedKey, fromUnits, settle, toUnits } from './settlement';

/**
 * The account watch: every user-data event and every REST sweep goes through `reduceAccount`, then one
 * review brings the bot in line with what the exchange holds — positions it did not open get the
 * configured policy, trades whose position went away are settled, liquidations and ADL halt trading.
 */
export function applyAccountEvent(context: TraderContext, event: AccountEvent): void {
  context.account = reduceAccount(context.account, event);
  if (event.type !== 'snapshot') context.marketClock = Math.max(context.marketClock, event.eventTime);
  scheduleReview(context);
}

/** One review queued at a time: a burst of events is looked at once, after the last of them. */
export function scheduleReview(context: TraderContext): void {
  if (context.reviewQueued) return;
  context.reviewQueued = true;
  void context.enqueue(async () => {
    context.reviewQueued = false;
    await reviewAccount(context);
  });
}

/**
 * Reads the whole account over REST (positions of every symbol, both order books of every symbol that
 * matters, balances, leverage) as one snapshot. A position the stream never told of means it missed
 * something: entries stop (`ACCOUNT_OUT_OF_SYNC`) until a later sweep agrees.
 */
export async function sweepAccount(context: TraderContext, reason: string): Promise<void> {
  const seq = context.account.eventSeq;
  const first = context.account.lastSnapshotAt === 0;
  const positions = await context.exchange.fetchPositions();
  const symbols = [
    ...new Set([...context.config.symbols, ...context.trades.keys(), ...positions.map((p) => p.symbol)]),
  ];
  // Both order books per symbol (weight 1 each; without a symbol Binance charges 40, so per symbol is the
  // cheaper form below 40 symbols), the balances and the settings, all at once: the sweep holds the queue
  // for about one round trip, not one per request.
  const [open, balances, settings] = await Promise.all([
    Promise.all(symbols.map((symbol) => context.exchange.fetchOpenOrders(symbol))),
    context.exchange.fetchBalances(),
    context.exchange.fetchSymbolSettings(symbols),
  ]);
  const orders = open.flatMap((entry) => entry.orders);
  const conditionalOrders = open.flatMap((entry) => entry.conditionalOrders);
  const snapshot: AccountSnapshot = {
    type: 'snapshot',
    time: context.now(),
    seq,
    symbols,
    positions,
    orders,
    conditionalOrders,
    balances,
    settings,
  };
  const before = context.account;
  context.account = reduceAccount(before, snapshot);
  recordEquity(context);
  const missed = first ? [] : differences(before.positions, context.account.positions, before, seq);
  if (missed.length > 0) {
    context.outOfSync = `${reason}: the exchange shows ${missed.join('; ')}, which the user-data stream did not report`;
    context.log.warn(
      { playbook: 'ws-degraded', missed },
      `playbook ws-degraded: account out of sync — ${context.outOfSync}; no new entries until a sweep agrees`,
    );
    await context.rationale({
      action: 'feed.degraded',
      lens: 'Reconciler',
      why: context.outOfSync,
      risk: { playbook: 'ws-degraded', missed: missed.join('; ') },
    });
  } else if (context.outOfSync !== undefined && !first) {
    context.log.info(`account back in sync after ${reason}: entries allowed again`);
    await context.rationale({
      action: 'feed.restored',
      lens: 'Reconciler',
      why: `account in sync again (${reason}); it was: ${context.outOfSync}`,
    });
    context.outOfSync = undefined;
  }
}

/** Before the first candle or event the bot has no market time to date a reading with. */
const EARLIEST_READING = Date.UTC(2000, 0, 1);

/**
 * The account's equity (wallet + unrealized PnL) from a sweep, for the guard: the last reading before
 * 00:00 UTC is the next day's starting equity (`RiskGuard.recordEquity`). A sweep every
 * `execution.accountSweepMs` puts the reading within that much of midnight.
 */
function recordEquity(context: TraderContext): void {
  const equity = equityOf(context.account, context.config.quoteCoin);
  const now = context.now();
  if (equity === undefined || !(equity > 0) || now < EARLIEST_READING) return;
  context.guard.recordEquity({ equity, now });
  void context.saveState();
}

/** Positions the sweep changed that no event touched since the sweep's request. */
function differences(
  before: ReadonlyMap<string, PositionEntry>,
  after: ReadonlyMap<string, PositionEntry>,
  state: { readonly positionTimes: ReadonlyMap<string, { readonly seq: number }> },
  seq: number,
): string[] {
  const found: string[] = [];
  for (const symbol of new Set([...before.keys(), ...after.keys()])) {
    if ((state.positionTimes.get(symbol)?.seq ?? 0) > seq) continue;
    const was = before.get(symbol);
    const is = after.get(symbol);
    const describe = (entry: PositionEntry | undefined) =>
      entry ? `${entry.side} ${entry.quantity}` : 'flat';
    if (describe(was) !== describe(is))
      found.push(`${symbol} ${describe(is)} (stream said ${describe(was)})`);
  }
  return found;
}

/** Brings the bot in line with the account state; runs on the queue. */
export async function reviewAccount(context: TraderContext): Promise<void> {
  await actOnForcedCloses(context);
  // A position that is the bot's own entry, executed after it was dropped as never filled, is its trade
  // (protected and weighed below like any); one whose entry could not be looked up waits for the next review.
  const undecided = await claimLateEntries(context);
  // An entry whose fill was never weighed against its plan (killed before its own check): weighed now, from
  // the position the exchange holds; an overrun is owed as a reduction, sent just below.
  for (const trade of [...context.trades.values()]) {
    const position = context.account.positions.get(trade.symbol);
    if (trade.riskToCheck === undefined || trade.closing !== undefined || trade.reduceTo) continue;
    // An entry in flight is weighed by its own result (`checkRealizedRisk`), on the queue after this.
    if (context.entriesInFlight.has(trade.symbol)) continue;
    if (!position || position.side !== trade.side) continue;
    await weighUncheckedFill(context, trade, trade.riskToCheck, position);
  }
  // A reduction decided before a crash or refused by the exchange is still owed: sent for what is held now.
  for (const trade of [...context.trades.values()]) {
    const position = context.account.positions.get(trade.symbol);
    if (!trade.reduceTo || trade.closing !== undefined) continue;
    await reduceOwed(context, trade.symbol, position?.side === trade.side ? position.quantity : '0').catch(
      (error: unknown) =>
        context.log.error(
          { symbol: trade.symbol, err: error },
          `${trade.symbol}: the owed reduction failed; tried again at the next review`,
        ),
    );
  }
  for (const trade of [...context.trades.values()]) {
    if (settleDue(context, trade)) {
      await settle(context, trade.symbol).catch((error: unknown) =>
        context.settleFailed(trade.symbol, error),
      );
    }
  }
  for (const symbol of [...context.ignoredSymbols]) {
    if (!context.account.positions.has(symbol)) {
      context.ignoredSymbols.delete(symbol);
      context.log.info({ symbol }, `${symbol}: the position the bot left alone is closed; trading it again`);
    }
  }
  for (const position of [...context.account.positions.values()]) {
    if (context.trades.has(position.symbol) || context.ignoredSymbols.has(position.symbol)) continue;
    if (undecided.has(position.symbol)) continue;
    await onForeignPosition(context, position);
  }
}

/**
 * Whether the account state says a trade needs REST: its close is owed, its position is gone or on the
 * other side, or no live stop covers it (settling also re-protects it).
 */
export function settleDue(context: TraderContext, trade: OpenTrade): boolean {
  const position = context.account.positions.get(trade.symbol);
  if (trade.closing !== undefined || !position || position.side !== trade.side) return true;
  return !coveredByStop(context, position);
}

/**
 * The account state can be trusted to say what the exchange holds: the user-data stream is live and no
 * sweep found what it did not report. Otherwise REST answers (per candle, per entry).
 */
export function streamTrusted(context: TraderContext): boolean {
  return context.userData?.health === 'live' && context.outOfSync === undefined;
}

/** How old a streamed mark price may be (market time, before the candle it is checked for) and still be used. */
export const MARK_FRESH_MS = 3_000;

/**
 * The mark price from the `@markPrice@1s` stream when the market feed is live and the mark is at most
 * `MARK_FRESH_MS` older than `at`; undefined otherwise (the caller asks REST).
 */
export function freshMark(context: TraderContext, symbol: string, at: number): number | undefined {
  if (context.market?.health !== 'live') return undefined;
  const mark = context.marks.get(symbol);
  if (!mark || mark.time < at - MARK_FRESH_MS) return undefined;
  const price = Number(mark.price);
  return price > 0 ? price : undefined;
}

/** The mark price: streamed when fresh (`freshMark`), over REST otherwise. */
export async function markPrice(context: TraderContext, symbol: string, at: number): Promise<number> {
  return freshMark(context, symbol, at) ?? Number(await context.exchange.fetchMarkPrice(symbol));
}

function coveredByStop(context: TraderContext, position: PositionEntry): boolean {
  const exitSide = closingSide(position.side);
  return liveAlgoOrders(context.account).some(
    (order) =>
      order.symbol === position.symbol &&
      order.purpose === 'stop-loss' &&
      order.side === exitSide &&
      (order.closePosition ||
        (order.quantity !== undefined && Number(order.quantity) >= Number(position.quantity))),
  );
}

/**
 * A liquidation or ADL the exchange reported: the bot's own trade is settled with that reason (the guard
 * halts with LIQUIDATION / ADL and keeps the halt across restarts); one of a position the bot did not own
 * halts trading too, since the account's margin is shared.
 */
async function actOnForcedCloses(context: TraderContext): Promise<void> {
  for (const close of context.account.forcedCloses) {
    const key = forcedKey(close);
    if (context.handledForcedCloses.has(key)) continue;
    const trade = context.trades.get(close.symbol);
    if (trade && close.time >= trade.openedAt) {
      const position = context.account.positions.get(close.symbol);
      if (!position) await settle(context, close.symbol, close.kind);
      // A partial ADL leaves a smaller position: the guard still hears of it, once.
      if (context.handledForcedCloses.has(key)) continue;
    }
    context.handledForcedCloses.add(key);
    const code = close.kind === 'adl' ? 'ADL' : 'LIQUIDATION';
    const reason = `${code} on ${close.symbol} (${close.quantity} at ${close.price}, realized ${close.realizedPnl})${trade ? '' : ' — a position the bot did not open'}`;
    context.guard.halt(reason, context.now());
    await context.saveState();
    context.log.error(
      { playbook: 'liquidation', symbol: close.symbol },
      `playbook liquidation: ${reason}; trading halted`,
    );
    await context.rationale({
      action: 'trading.pause',
      lens: 'Risk',
      symbol: close.symbol,
      why: reason,
      risk: { halt: code, playbook: 'liquidation', quantity: close.quantity, price: close.price },
    });
  }
}

/** A position on the exchange that is not the bot's: the configured policy (`positions.foreignPolicy`). */
async function onForeignPosition(context: TraderContext, position: PositionEntry): Promise<void> {
  const policy = context.config.positions.foreignPolicy;
  const what = `${position.symbol} ${position.side} ${position.quantity}`;
  if (policy === 'ignore-symbol') {
    context.ignoredSymbols.add(position.symbol);
    context.log.warn(
      { symbol: position.symbol, playbook: 'foreign-position' },
      `playbook foreign-position: ${what} is not the bot's; counted against the limits, ${position.symbol} not traded while it is open`,
    );
    await context.rationale({
      action: 'reconcile.ignore',
      lens: 'Reconciler',
      symbol: position.symbol,
      why: `foreign position ${what}: policy ignore-symbol`,
      risk: { playbook: 'foreign-position', quantity: position.quantity },
    });
    return;
  }
  if (policy === 'flatten') {
    await flattenForeign(context, position, 'policy flatten');
    return;
  }
  await adopt(context, position);
}

async function flattenForeign(context: TraderContext, position: PositionEntry, why: string): Promise<void> {
  const what = `${position.symbol} ${position.side} ${position.quantity}`;
  forgetDroppedEntry(context, position.symbol);
  context.log.warn(
    { symbol: position.symbol, playbook: 'foreign-position' },
    `playbook foreign-position: closing ${what}, a position the bot did not open (${why})`,
  );
  await closeAtMarket(context, {
    symbol: position.symbol,
    side: position.side,
    quantity: position.quantity,
    tag: 'fx',
    action: 'position.close',
    lens: 'Reconciler',
    why: `foreign position ${what}: ${why}`,
    risk: { playbook: 'foreign-position' },
  });
}

/**
 * Adopts a foreign position: it counts against the limits, its close is recorded, and it is protected —
 * by the stop already on the exchange, or by one placed so that its loss from the entry stays within the
 * per-trade risk. When no such stop can be placed (the mark is already past it), it is closed instead.
 */
async function adopt(context: TraderContext, found: PositionEntry): Promise<void> {
  // The account state can still hold a position whose close the stream never told (a silent stream, a
  // close before the stream was up) after its trade was settled from REST: adopting that ghost would count
  // its closing fill again. Only a position the exchange confirms is adopted; otherwise the state is swept.
  const confirmed = (await context.exchange.fetchPositions([found.symbol])).find(
    (entry) => entry.side === found.side,
  );
  if (!confirmed) {
    await sweepAccount(
      context,
      `${found.symbol} ${found.side} ${found.quantity} is in the account state but not on the exchange`,
    );
    return;
  }
  // Sized and recorded from what the exchange holds now: the account state's may be a position the user
  // closed since, with another opened on the same side.
  const position = { ...found, quantity: confirmed.quantity, entryPrice: confirmed.entryPrice };
  const stale = compareDecimals(found.quantity, position.quantity) !== 0;
  const what = `${position.symbol} ${position.side} ${position.quantity}${stale ? ` (the account state said ${found.quantity})` : ''}`;
  const existing = liveAlgoOrders(context.account).find(
    (order) =>
      order.symbol === position.symbol &&
      order.purpose === 'stop-loss' &&
      order.side === closingSide(position.side),
  );
  const target = liveAlgoOrders(context.account).find(
    (order) => order.symbol === position.symbol && order.purpose === 'take-profit',
  );
  let stopLossPrice = existing?.triggerPrice;
  if (stopLossPrice === undefined) {
    const sized = await riskSizedStop(context, position);
    if (sized === undefined) {
      await flattenForeign(
        context,
        position,
        'adopt: no stop within the per-trade risk can be placed (the mark is past it)',
      );
      return;
    }
    stopLossPrice = sized;
  }
  const trade: OpenTrade = {
    intentId: existing?.clientAlgoId ?? `adopted-${toExchangeId(position.symbol)}-${position.updatedAt}`,
    symbol: position.symbol,
    side: position.side,
    quantity: position.quantity,
    stopLossPrice,
    takeProfitPrice: target?.triggerPrice,
    stopLossId: existing?.algoId,
    takeProfitId: target?.algoId,
    ...(await openingOf(context, position.symbol, confirmed.side, confirmed.quantity, position.updatedAt)),
    adopted: true,
  };
  context.trades.set(position.symbol, trade);
  forgetDroppedEntry(context, position.symbol);
  await context.saveState();
  context.log.warn(
    {
      symbol: position.symbol,
      side: position.side,
      quantity: position.quantity,
      playbook: 'foreign-position',
    },
    `adopted ${what}: a position the bot did not open; it counts against the limits and its close is recorded (stop ${stopLossPrice}${existing ? ', its own' : ', sized to the per-trade risk'})`,
  );
  await context.rationale({
    action: 'reconcile.adopt',
    lens: 'Reconciler',
    symbol: position.symbol,
    side: position.side,
    why: `foreign position ${what} adopted; stop ${stopLossPrice}${existing ? ' (already on the exchange)' : ' (sized to the per-trade risk)'}`,
    risk: {
      playbook: 'foreign-position',
      quantity: trade.quantity,
      stopLoss: stopLossPrice,
      openedAt: trade.openedAt,
    },
  });
  if (!existing) {
    await reconcileSymbols(context, [position.symbol], 'foreign position adopted');
    const open = await context.exchange.fetchOpenOrders(position.symbol);
    const placed = open.conditionalOrders.find((order) => order.purpose === 'stop-loss');
    if (placed)
      context.trades.set(position.symbol, {
        ...trade,
        stopLossId: placed.id,
        stopLossPrice: placed.triggerPrice,
      });
    await context.saveState();
  }
}

/**
 * When a position was opened: its first fill since the symbol was last flat, found by walking its fills back
 * from what is held; with the part of that fill that opened it when the same fill closed the other side
 * first (a reversal). Not the position's `updatedAt` (funding and partial closes move it): the trade's
 * close counts every fill of the position from there. `updatedAt` when the fills do not tell.
 */
async function openingOf(
  context: TraderContext,
  symbol: string,
  side: PositionSide,
  quantity: string,
  updatedAt: number,
): Promise<Pick<OpenTrade, 'openedAt' | 'openingPart'>> {
  const fills = await context.exchange.fetchFills(symbol, { since: updatedAt - OPENING_LOOKBACK_MS });
  let amount = (side === 'long' ? 1n : -1n) * toUnits(quantity);
  const newestFirst = [...fills].sort((a, b) => b.time - a.time || Number(b.id) - Number(a.id) || 0);
  for (const fill of newestFirst) {
    const before = amount - (fill.side === 'buy' ? 1n : -1n) * toUnits(fill.quantity);
    if (before === 0n) return { openedAt: fill.time };
    if (before > 0n !== amount > 0n) {
      return {
        openedAt: fill.time,
        openingPart: { fillId: fill.id, quantity: fromUnits(amount < 0n ? -amount : amount) },
      };
    }
    amount = before;
  }
  return { openedAt: updatedAt };
}

/** How far back the opening of an adopted position is looked for. */
const OPENING_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** The stop whose loss from the entry is the per-trade risk of the equity; undefined when the mark is past it. */
async function riskSizedStop(context: TraderContext, position: PositionEntry): Promise<string | undefined> {
  const equity = await currentEquity(context);
  const budget = equity * context.config.risk.riskPerTradePct;
  const quantity = Number(position.quantity);
  const entry = Number(position.entryPrice);
  if (!(budget > 0) || !(quantity > 0) || !(entry > 0)) return undefined;
  const distance = budget / quantity;
  const raw = position.side === 'long' ? entry - distance : entry + distance;
  if (raw <= 0) return undefined;
  const instrument = await context.exchange.instrument(position.symbol);
  // Rounded towards the entry: the loss stays within the budget.
  const stop = roundPriceToTick(raw, instrument, position.side === 'long' ? 'up' : 'down');
  const mark = await markPrice(context, position.symbol, context.now());
  const past = position.side === 'long' ? mark <= Number(stop) : mark >= Number(stop);
  return past ? undefined : stop;
}

/**
 * The account's equity in the quote coin (wallet + unrealized PnL). From the account state while the
 * user-data stream is trusted: the wallet balance as the last ACCOUNT_UPDATE or sweep said, plus each
 * position's PnL at its streamed mark (`freshMark`, at `at`). Over REST (the exchange's margin balance)
 * when the stream is not trusted, no balance is known, or a position has no fresh mark (a foreign symbol).
 */
export async function currentEquity(context: TraderContext, at = context.now()): Promise<number> {
  const streamed = streamTrusted(context) ? streamedEquity(context, at) : undefined;
  if (streamed !== undefined) return streamed;
  const balances = await context.exchange.fetchBalances();
  const balance = balances.find((entry) => entry.asset === context.config.quoteCoin);
  return Number(balance?.marginBalance ?? 0);
}

function streamedEquity(context: TraderContext, at: number): number | undefined {
  const balance = context.account.balances.get(context.config.quoteCoin);
  if (!balance) return undefined;
  let equity = Number(balance.walletBalance);
  for (const position of context.account.positions.values()) {
    const mark = freshMark(context, position.symbol, at);
    if (mark === undefined) return undefined;
    const amount = Number(position.quantity) * (position.side === 'long' ? 1 : -1);
    equity += amount * (mark - Number(position.entryPrice));
  }
  return Number.isFinite(equity) ? equity : undefined;
}

/** Every position on the account counts against the limits, the bot's or not. */
export function openPositionsForLimits(context: TraderContext): { symbol: string; side: PositionSide }[] {
  const open = new Map<string, PositionSide>();
  for (const trade of context.trades.values()) open.set(trade.symbol, trade.side);
  for (const position of context.account.positions.values()) open.set(position.symbol, position.side);
  return [...open].map(([symbol, side]) => ({ symbol, side }));
}

/** Floors a quantity to the instrument's market step. */
export async function marketQuantity(
  context: TraderContext,
  symbol: string,
  quantity: number,
): Promise<string> {
  const instrument = await context.exchange.instrument(symbol);
  return floorQuantityToStep(Math.max(0, quantity).toFixed(12), instrument, 'market');
}

/** The entry's fill was weighed against its planned risk: nothing is owed for it any more. */
export function riskChecked(context: TraderContext, symbol: string): void {
  const trade = context.trades.get(symbol);
  if (trade?.riskToCheck === undefined) return;
  const { riskToCheck: _checked, ...rest } = trade;
  context.trades.set(symbol, rest);
  void context.saveState(); // a kill before it lands only weighs the same position again
}

/** `riskToCheck` weighed against what the exchange holds: its entry price, its size, the trade's stop. */
async function weighUncheckedFill(
  context: TraderContext,
  trade: OpenTrade,
  plannedRisk: number,
  position: PositionEntry,
): Promise<void> {
  const fill = Number(position.entryPrice);
  const held = Number(position.quantity);
  const stop = Number(trade.stopLossPrice);
  await weighFill(
    context,
    trade.symbol,
    trade.side,
    { fill, filled: held, stop, plannedRisk },
    (keep, realRisk) =>
      `the entry was not checked before a restart: the position ${held} at ${fill} risks ${realRisk.toFixed(2)} against the planned ${plannedRisk.toFixed(2)} to the stop ${stop}; ${Number(keep) > 0 ? `reducing to ${keep}` : 'closing it'}`,
  );
}

/** What {@link weighFill} found past the plan: the figures, and the reduction now owed. */
export interface FillOverrun {
  readonly figures: { fill: number; stop: number; plannedRisk: number; realRisk: number; filled: number };
  readonly why: string;
}

/**
 * An entry's fill weighed against its planned risk, the one rule for the entry's own check and the review's:
 * within `riskOverrunTolerancePct` nothing is owed and `riskToCheck` is cleared; past it, or past the stop,
 * the quantity to keep (`'0'`: close) is owed as `reduceTo` and saved, and the overrun returned. `explain`
 * words the decision for the log and the record.
 */
export async function weighFill(
  context: TraderContext,
  symbol: string,
  side: PositionSide,
  weighed: { fill: number; filled: number; stop: number; plannedRisk: number },
  explain: (keep: string, realRisk: number) => string,
): Promise<FillOverrun | undefined> {
  const { fill, filled, stop, plannedRisk } = weighed;
  const perUnit = side === 'long' ? fill - stop : stop - fill;
  const realRisk = filled * Math.abs(perUnit);
  const tolerance = context.config.execution.riskOverrunTolerancePct;
  let keep: string;
  if (perUnit <= 0) keep = '0';
  else if (realRisk > plannedRisk * (1 + tolerance))
    keep = await marketQuantity(context, symbol, plannedRisk / perUnit);
  else {
    riskChecked(context, symbol);
    return undefined;
  }
  const why = explain(keep, realRisk);
  const figures = { fill, stop, plannedRisk, realRisk, filled };
  context.log.warn({ symbol, ...figures }, `${symbol}: ${why}`);
  const trade = context.trades.get(symbol);
  if (!trade) return undefined;
  const { riskToCheck: _checked, ...rest } = trade;
  context.trades.set(symbol, { ...rest, reduceTo: { quantity: Number(keep) > 0 ? keep : '0', why } });
  await context.saveState();
  return { figures, why };
}
