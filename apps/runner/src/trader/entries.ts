import { clientOrderIdsFor, isExchangeAdapterError } from '@bot/exchange';
import type { RationaleInput } from '@bot/audit';
import type { MarginMode, ProtectedEntryResult } from '@bot/exchange';
import { TIER_LIMITS, rewardRiskRatio, sizePosition } from '@bot/risk';
import type { Signal } from '@bot/strategy';
import { klineIntervalMs, toExchangeId } from '@bot/symbols';
import type { OpenTrade } from '../bot-state';
import {
  currentEquity,
  markPrice,
  openPositionsForLimits,
  reviewAccount,
  settleDue,
  weighFill,
} from './account-watch';
import { reduceOwed } from './protection';
import type { TraderContext } from './context';
import { flatFigures } from './context';

const TAKER_FEE_RATE = 0.0005;
const SLIPPAGE_PCT = 0.0005;

/**
 * A signal, from the strategy to a protected entry: the account state first (a position the bot does not
 * own on the symbol, an account out of sync), then the signal's reward:risk against
 * `strategy.minRewardRisk`, then RiskGuard and sizing, then the signal's age and the mark price against its
 * entry, then the write-ahead record with, in parallel, the leverage and margin mode as the exchange says
 * them (set back or denied), then the entry itself, and the risk recomputed from the real fill. An entry
 * whose outcome is unknown waits for it off the queue, its symbol locked (`entriesInFlight`).
 */
export async function onSignal(
  context: TraderContext,
  signal: Signal,
  candleClose: number,
  started?: SettingsRead,
): Promise<void> {
  context.counters.signals += 1;
  const refusal = entryRefusal(context, signal, 'queue');
  if (refusal === 'not accepting') return;
  if (refusal === 'trade open') {
    context.log.info(
      { symbol: signal.symbol },
      `signal ${signal.symbol} ${signal.side} skipped: position open`,
    );
    return;
  }
  const subject = { symbol: signal.symbol, side: signal.side };
  if (refusal !== undefined) {
    await context.deny(refusal.code, { ...subject, why: refusal.why }, refusal.figures);
    return;
  }
  // The odds the plan asks for (`strategy.minRewardRisk`), from the signal's prices, before any request.
  const rewardRisk = rewardRiskRatio(signal);
  const { minRewardRisk } = context.config.strategy;
  if (!(rewardRisk * (1 + 1e-9) >= minRewardRisk)) {
    await context.deny(
      'REWARD_RISK_TOO_LOW',
      {
        ...subject,
        why: `reward:risk ${rewardRisk.toFixed(2)} (entry ${signal.entry}, stop ${signal.stop}, target ${signal.target}) is below the minimum ${minRewardRisk} (strategy.minRewardRisk)`,
      },
      { rewardRisk, minRewardRisk, entry: signal.entry, stop: signal.stop, target: signal.target },
    );
    return;
  }
  const equity = await currentEquity(context, candleClose);
  const decision = context.guard.canOpen({
    symbol: signal.symbol,
    side: signal.side,
    now: candleClose,
    equity,
    openPositions: openPositionsForLimits(context),
  });
  if (!decision.allowed) {
    await context.deny(decision.code, { ...subject, why: decision.message }, flatFigures(decision));
    return;
  }
  context.haltAnnounced = undefined;
  // The symbol's leverage and margin mode: the read the candle started (`startSettingsRead`) if it is fresh,
  // else one started now, while sizing, the signal's checks and the write-ahead record run. The entry waits
  // for the answer, not for a round trip started after them.
  let settings =
    started !== undefined && Date.now() - started.at <= SETTINGS_FRESH_MS
      ? started
      : readSymbolSettings(context, signal.symbol);
  const instrument = await context.exchange.instrument(signal.symbol);
  const { risk, strategy } = context.config;
  const size = sizePosition({
    side: signal.side,
    equity,
    riskPct: risk.riskPerTradePct,
    entry: signal.entry,
    stop: signal.stop,
    instrument,
    leverage: risk.leverageDefault,
    feeRate: TAKER_FEE_RATE,
    slippagePct: SLIPPAGE_PCT,
    tier: strategy.tier,
  });
  if (!size.allowed) {
    context.counters.denials[size.code] = (context.counters.denials[size.code] ?? 0) + 1;
    await context.rationale({
      action: 'signal.skip',
      lens: 'Risk',
      symbol: signal.symbol,
      side: signal.side,
      why: `${size.code}: ${size.message}`,
      risk: { code: size.code, equity },
    });
    return;
  }
  if (!(await stillValid(context, signal, candleClose))) return;
  // A rate-limit pause waited out since makes that answer stale: read again.
  if (context.exchange.executor.pausedUntil > settings.at)
    settings = readSymbolSettings(context, signal.symbol);

  const plannedRisk = Number(size.quantity) * Math.abs(signal.entry - signal.stop);
  const why = `${signal.why}; qty=${size.quantity} risks ${(risk.riskPerTradePct * 100).toFixed(2)}% of ${equity.toFixed(2)}`;
  // The intent id derives from the signal's candle: a restart that sees the same signal again reuses the
  // same client order ids, and the exchange refuses the duplicate instead of opening twice.
  const intentId = `${toExchangeId(signal.symbol)}-${signal.time}`;
  const clientIds = clientOrderIdsFor(intentId, context.exchange.clientIdPrefix);
  // Write-ahead: the decision is durable before the order leaves, so a crash right after the exchange
  // acknowledged it still leaves the order's reason in the trail (its client ids derive from `base`).
  // The record is flushed at once (a group commit with whatever else is pending), not after the `batch`
  // window; the symbol's settings read and the adapter's look-up of an entry already placed under these ids
  // run in parallel with it, and the order leaves once all of them are done.
  const written = context.rationale({
    action: 'order.place',
    lens: 'Trader',
    symbol: signal.symbol,
    side: signal.side === 'long' ? 'buy' : 'sell',
    size: Number(size.quantity),
    why,
    config: { riskPerTradePct: risk.riskPerTradePct, leverage: risk.leverageDefault, tier: strategy.tier },
    // With the fields above, what the restart needs to rebuild the trade if the state file had not
    // caught up when the process died (see `unsaved-entries.ts`).
    risk: {
      intentId,
      clientIdBase: clientIds.base,
      stopLoss: signal.stop,
      takeProfit: signal.target,
      equity,
      quantity: size.quantity,
      openedAt: candleClose,
      plannedRisk,
    },
  });
  const flushed = context.options.audit.flush();
  // The trade is tracked before its entry leaves, like its decision: a kill after the entry filled, or a
  // result other than `protected`, still leaves a trade that the next settle (or the restart's reconcile)
  // protects, or counts when it closes: no loss escapes the guard. The entry waits for the durable
  // `order.place`, not for the state file: a restart rebuilds a trade the file missed from that record. The
  // file is written with the result (one round trip later), or at once when the outcome is unknown; not
  // before the send, where its two fsyncs would share the disk with the record's the entry waits for. A
  // trail that does not fsync (`bot backtest --audit off`) still has the record in the OS before the send,
  // and its state file is not synced either.
  const pending: OpenTrade = {
    intentId,
    symbol: signal.symbol,
    side: signal.side,
    quantity: size.quantity,
    stopLossPrice: String(signal.stop),
    takeProfitPrice: String(signal.target),
    stopLossId: undefined,
    takeProfitId: undefined,
    openedAt: candleClose,
    riskToCheck: plannedRisk,
  };
  context.trades.set(signal.symbol, pending);
  // A denial while the entry waits (settings that cannot be set back, a signal that aged past its expiry
  // meanwhile: recorded by `deny`) withholds it: nothing is sent, the trade is dropped.
  const configured = symbolSettingsAsConfigured(context, signal, settings.answer);
  const cleared = Promise.all([written, flushed, configured]).then(
    async ([, , settingsOk]) => settingsOk && (await notExpired(context, signal, candleClose)),
  );
  const ready = cleared.then((go) => {
    if (!go) throw new Error('denied while it waited');
  });
  // A signal on a candle that closed after this process started, and not sent before: no earlier entry can
  // carry its client ids, so the adapter skips the look-up (a round trip before the send). The feed drops
  // candles at or before the warm-up's last (feeds.ts), so `candleClose <= forming` only guards a signal
  // that reached here some other way: it keeps the look-up rather than risk a second entry.
  const forming = context.formingAtStart.get(signal.symbol);
  const mayExist = forming === undefined || candleClose <= forming || context.sentIntents.has(intentId);
  context.sentIntents.add(intentId);
  // An unknown outcome (503 -1000, a timeout) is looked up for up to `unknownOutcomeWindowMs` (10 s): that
  // wait leaves the queue, the symbol locked meanwhile (`entriesInFlight`), and the result is handled as a
  // task of its own. An entry answered in one round trip is handled here, as before.
  let outcomeUnknown: () => void = () => undefined;
  const unknown = new Promise<undefined>((resolve) => (outcomeUnknown = () => resolve(undefined)));
  const entry = context.exchange.openProtectedPosition(
    {
      id: intentId,
      symbol: signal.symbol,
      side: signal.side,
      quantity: size.quantity,
      entry: { type: 'market' },
      stopLossPrice: String(signal.stop),
      takeProfitPrice: String(signal.target),
      rationale: why,
    },
    { ready, mayExist, onOutcomeUnknown: outcomeUnknown },
  );
  const answered = await Promise.race([entry, unknown]);
  const sent: SentEntry = { signal, candleClose, pending, plannedRisk, why, cleared };
  if (answered === undefined) {
    void context.saveState(); // the trade, pending until the result is known
    answerOffQueue(context, entry, sent);
  } else await entryResult(context, sent, answered);
}

/**
 * An entry whose outcome is unknown: its symbol is locked (`entriesInFlight`) until the adapter answers and the
 * result, queued then, has run. The account is reviewed right after: what the stream said of the symbol while
 * it was locked (a position the user opened on it: chaos seed 12) is acted on now, not at the next candle,
 * which a stop would never reach. A rejection (a bug: the adapter answers exchange errors) is the queue's
 * catch-all.
 */
function answerOffQueue(context: TraderContext, entry: Promise<ProtectedEntryResult>, sent: SentEntry): void {
  const { symbol } = sent.signal;
  const handled = entry
    .catch(() => undefined)
    .then(() =>
      context.enqueue(async () => {
        context.entriesInFlight.delete(symbol);
        await entryResult(context, sent, await entry);
        await reviewAccount(context);
      }),
    );
  context.entriesInFlight.set(
    symbol,
    handled.catch(() => undefined), // logged and acted on by the queue
  );
}

/** An entry as it was sent, for its result: the signal, the pending trade, its plan and its checks. */
interface SentEntry {
  readonly signal: Signal;
  readonly candleClose: number;
  readonly pending: OpenTrade;
  readonly plannedRisk: number;
  readonly why: string;
  /** Whether nothing denied the entry while it waited (false: withheld, `deny` said why). */
  readonly cleared: Promise<boolean>;
}

/**
 * What an entry's result does, on the queue: the `order.result` record, the trade kept with what the exchange
 * holds or dropped when nothing opened, the state saved, and the real fill's risk checked.
 */
async function entryResult(
  context: TraderContext,
  { signal, candleClose, pending, plannedRisk, why, cleared }: SentEntry,
  result: ProtectedEntryResult,
): Promise<void> {
  const { intentId, quantity } = pending;
  await context.options.audit.append('order.result', {
    intentId,
    symbol: signal.symbol,
    status: result.status,
    filledQuantity: result.filledQuantity,
    averagePrice: result.averagePrice ?? null,
    stopLossId: result.stopLoss?.id ?? null,
    takeProfitId: result.takeProfit?.id ?? null,
    error: result.error?.message ?? null,
  });
  for (const incident of result.incidents) context.incident(incident);
  if (result.status !== 'protected') {
    if (
      result.status === 'rejected' ||
      result.status === 'not-filled' ||
      result.status === 'already-closed'
    ) {
      context.trades.delete(signal.symbol); // nothing opened
    }
    await context.saveState(); // the trade still pending on any other result (`unknown`, `unprotected`)
    if (!(await cleared.catch(() => true))) return; // withheld: `deny` said why
    context.log.warn(
      { symbol: signal.symbol, status: result.status, error: result.error?.message },
      `entry ${signal.symbol} ${signal.side} ${quantity}: ${result.status}${result.error ? ` (${result.error.message})` : ''}`,
    );
    return;
  }
  context.counters.entries += 1;
  // What the exchange holds: the filled quantity and the protective orders as placed.
  context.trades.set(signal.symbol, {
    ...pending,
    quantity: result.filledQuantity,
    stopLossPrice: result.stopLoss?.triggerPrice ?? pending.stopLossPrice,
    takeProfitPrice: result.takeProfit?.triggerPrice ?? pending.takeProfitPrice,
    stopLossId: result.stopLoss?.id,
    takeProfitId: result.takeProfit?.id,
    openedAt: result.entry?.updatedAt ?? candleClose,
  });
  await context.saveState();
  context.log.info(
    { symbol: signal.symbol, side: signal.side, quantity, intentId },
    `entry ${signal.symbol} ${signal.side} ${quantity}: protected — ${why}`,
  );
  await checkRealizedRisk(context, signal, result, plannedRisk);
}

/** A read of one symbol's leverage and margin mode, and when it was started (epoch ms). */
export interface SettingsRead {
  readonly answer: Promise<SymbolSettingsKnown | undefined>;
  readonly at: number;
}

/**
 * How old a read started with the candle may be when the entry uses it. The settles and the guard's checks
 * take a millisecond or two, a same-tick close a few round trips; beyond this the entry reads again, so the
 * window in which a user's change (with a silent stream) goes unseen stays about what it was when the read
 * started at the guard's yes.
 */
const SETTINGS_FRESH_MS = 50;

/**
 * The symbol's leverage and margin mode read from the exchange before every entry, not from the account
 * state: the stream reports a leverage change (ACCOUNT_CONFIG_UPDATE) and a margin-type change
 * (ACCOUNT_UPDATE `MARGIN_TYPE_CHANGE`), but one that fell silent while it looks open would hide them until
 * the next sweep (the chaos suite's entries at 25×, above the tier's cap). One request (weight 5); undefined
 * when it fails (the account state answers then). Never rejects.
 */
function readSymbolSettings(context: TraderContext, symbol: string): SettingsRead {
  const at = Date.now();
  const answer = context.exchange
    .fetchSymbolSettings([symbol])
    .then((settings) => settings.find((entry) => entry.symbol === symbol))
    .catch(() => undefined);
  return { answer, at };
}

/**
 * Starts the settings read of a signal's symbol as its candle closes, before the trades are settled and the
 * guard is asked, when an entry may follow (`entryRefusal` at the frame). The read then travels while the
 * sockets are read and the checks run, instead of leaving after them. A signal the guard denies leaves it
 * unused (weight 5, only on a signal).
 */
export function startSettingsRead(
  context: TraderContext,
  signal: Signal,
  candleClose: number,
): SettingsRead | undefined {
  if (entryRefusal(context, signal, 'frame') !== undefined) return undefined;
  // What the guard would say without asking it (asking moves its state): halted, cooling down, or as many
  // positions open on other symbols as allowed (this symbol's trade, if any, is closing). Only a hint: a
  // signal it turns away reads at the guard's yes, as before.
  const guard = context.guard.status();
  const turnedAway =
    guard.tradingState !== 'active' ||
    (guard.cooldownEndsAt !== null && guard.cooldownEndsAt > candleClose) ||
    openPositionsForLimits(context).filter((open) => open.symbol !== signal.symbol).length >=
      context.config.risk.maxConcurrentPositions;
  if (turnedAway) return undefined;
  return readSymbolSettings(context, signal.symbol);
}

/** Why a signal may not enter; a denial carries its code, reason and figures as `deny` records them. */
type EntryRefusal =
  | 'not accepting'
  | 'trade open'
  | { readonly code: string; readonly why: string; readonly figures?: Record<string, string> };

/**
 * Whether a signal may enter, as far as is known without a request: the first reason it may not, in the
 * order `onSignal` answers them, or undefined. The bot accepts entries; no trade of the bot's is open on the
 * symbol and no position it did not open (or an ignored symbol); no close is owed and the account is in sync;
 * no playbook stops opening (those denials need no request; the account-state ones say more). Asked by
 * `onSignal` on the queue (`'queue'`, after the settles), and by `startSettingsRead` as the candle's frame
 * arrives (`'frame'`, before them): then a trade whose settle is due (its position gone) counts as closed, and
 * an owed close or an account out of sync is left to the queue (the settles or a sweep may end it first).
 */
function entryRefusal(
  context: TraderContext,
  signal: Signal,
  when: 'frame' | 'queue',
): EntryRefusal | undefined {
  const { symbol } = signal;
  if (!context.accepting) return 'not accepting';
  const own = context.trades.get(symbol);
  // At the frame, a trade whose position is gone counts as closing, unless its entry is still in flight.
  const closing =
    own !== undefined && when === 'frame' && settleDue(context, own) && !context.entriesInFlight.has(symbol);
  if (own !== undefined && !closing) return 'trade open';
  const foreign = own === undefined ? context.account.positions.get(symbol) : undefined;
  if (foreign || context.ignoredSymbols.has(symbol)) {
    return {
      code: 'FOREIGN_POSITION',
      why: `the exchange holds ${foreign ? `${foreign.side} ${foreign.quantity}` : 'a position'} on ${symbol} that the bot did not open`,
    };
  }
  if (when === 'queue') {
    const owed = [...context.trades.values()].find((trade) => trade.closing !== undefined);
    if (owed) {
      return {
        code: 'CLOSE_PENDING',
        why: `the close of ${owed.symbol} is not yet recorded (its fills could not be read); no entry until the guard knows it`,
      };
    }
    if (context.outOfSync !== undefined) return { code: 'ACCOUNT_OUT_OF_SYNC', why: context.outOfSync };
  }
  const blocked = context.openingBlocked();
  if (blocked) return { code: blocked.code, why: blocked.why, figures: { playbook: blocked.playbook } };
  return undefined;
}

/**
 * Leverage and margin mode as the exchange says them (`read`, started with the candle or by `onSignal`): set
 * back to the configured ones when they drifted (the user changed them on the website), or the entry is
 * denied — never an entry above the tier's leverage cap. A symbol the exchange will not change while the
 * user's orders rest on it (-4047, -4048) is a denial, not a retry loop. Runs while the write-ahead record
 * is flushed: the entry waits for both.
 */
async function symbolSettingsAsConfigured(
  context: TraderContext,
  signal: Signal,
  read: SettingsRead['answer'],
): Promise<boolean> {
  const known = (await read) ?? context.account.settings.get(signal.symbol);
  try {
    await setSymbolSettings(context, signal.symbol, known);
    return true;
  } catch (error) {
    const locked =
      isExchangeAdapterError(error) && (error.exchangeCode === -4047 || error.exchangeCode === -4048);
    await context.deny(locked ? 'SYMBOL_LOCKED' : 'LEVERAGE_MISMATCH', {
      symbol: signal.symbol,
      side: signal.side,
      why: `${settingsDrift(context, known)}; could not set them back: ${error instanceof Error ? error.message : String(error)}`,
    });
    return false;
  }
}

function settingsDrift(context: TraderContext, known: SymbolSettingsKnown | undefined): string {
  return `leverage ${known?.leverage ?? '?'}× / ${known?.marginMode ?? '?'} on the exchange, configured ${context.config.risk.leverageDefault}× / ${context.exchange.marginMode}`;
}

type SymbolSettingsKnown = { leverage: number | undefined; marginMode: MarginMode | undefined };

/**
 * Sets a symbol's leverage and margin mode to the configured ones when `known` (what the exchange said)
 * differs: the `settings.restore` record durable first, then the requests. Throws what the exchange answered
 * when it refuses.
 */
async function setSymbolSettings(
  context: TraderContext,
  symbol: string,
  known: SymbolSettingsKnown | undefined,
): Promise<void> {
  const restore = settingsRestore(context, symbol, known, 'before the entry');
  if (restore === undefined) return;
  await context.recordDurably(restore.record);
  await restore.send();
}

/** A change of one symbol's settings: its `settings.restore` record, and the requests it records. */
export interface SettingsRestore {
  readonly record: RationaleInput;
  /** The requests (leverage, margin mode), to send once `record` is durable; rejects as the exchange refuses. */
  send(): Promise<void>;
}

/**
 * What brings a symbol's leverage and margin mode to the configured ones when `known` (what the exchange
 * said) differs; undefined when they match or nothing is known (the symbol then counts as configured). The
 * first setting of a symbol this run is routine; a difference after that is the user's doing (playbook
 * `leverage-drift`).
 */
export function settingsRestore(
  context: TraderContext,
  symbol: string,
  known: SymbolSettingsKnown | undefined,
  when: 'before the entry' | 'at start',
): SettingsRestore | undefined {
  const wanted = context.config.risk.leverageDefault;
  const marginMode = context.exchange.marginMode;
  if (
    !known ||
    ((known.leverage === undefined || known.leverage === wanted) &&
      (known.marginMode ?? marginMode) === marginMode)
  ) {
    context.configuredSymbols.add(symbol);
    return undefined;
  }
  const drift = settingsDrift(context, known);
  const drifted = context.configuredSymbols.has(symbol);
  const record: RationaleInput = {
    action: 'settings.restore',
    lens: 'Trader',
    symbol,
    why: `${drift}: ${drifted ? 'setting them back' : 'setting them'} ${when}`,
    risk: {
      leverage: known.leverage ?? null,
      configured: wanted,
      cap: TIER_LIMITS[context.config.strategy.tier].hardCaps.leverageDefault.max,
      playbook: drifted ? 'leverage-drift' : null,
    },
  };
  const send = async () => {
    await context.exchange.configureSymbol({
      symbol,
      leverage: wanted,
      marginMode,
      current: { leverage: known.leverage, marginMode: known.marginMode },
      rationale: `settings ${drifted ? 'drifted' : 'first set'}: ${drift}`,
    });
    context.configuredSymbols.add(symbol);
    if (drifted) {
      context.log.warn(
        { symbol, playbook: 'leverage-drift' },
        `playbook leverage-drift: ${symbol} ${drift}; set back to ${wanted}× ${marginMode}`,
      );
    }
  };
  return { record, send };
}

/**
 * The signal must still hold when its entry leaves: not older than `execution.signalExpiryCandles`
 * candles (a rate-limit pause may hold an order back; asked again just before the send), and the mark
 * within `execution.maxEntryDeviationPct` of the planned entry. A pause in force is waited out first.
 */
async function stillValid(context: TraderContext, signal: Signal, candleClose: number): Promise<boolean> {
  const { execution } = context.config;
  const pausedFor = context.exchange.executor.pausedUntil - Date.now();
  if (pausedFor > 0) await new Promise((resolve) => setTimeout(resolve, pausedFor));
  if (!(await notExpired(context, signal, candleClose))) return false;
  const subject = { symbol: signal.symbol, side: signal.side };
  const mark = await markPrice(context, signal.symbol, candleClose);
  const deviation = Math.abs(mark - signal.entry) / signal.entry;
  if (!(deviation <= execution.maxEntryDeviationPct)) {
    await context.deny(
      'PRICE_MOVED',
      {
        ...subject,
        why: `mark ${mark} is ${(deviation * 100).toFixed(3)} % from the planned entry ${signal.entry} (limit ${(execution.maxEntryDeviationPct * 100).toFixed(3)} %)`,
      },
      { mark, entry: signal.entry, deviation },
    );
    return false;
  }
  return true;
}

/** Market time since the signal's candle closed. */
function signalAge(context: TraderContext, candleClose: number): number {
  return context.marketClock - candleClose;
}

/** The most a signal may age: `execution.signalExpiryCandles` candles of the strategy's timeframe. */
function expiryMs(context: TraderContext): number {
  const { execution, strategy } = context.config;
  return execution.signalExpiryCandles * (klineIntervalMs(strategy.timeframe) ?? 60_000);
}

/**
 * The signal is not older than its expiry; denied SIGNAL_EXPIRED otherwise. Asked before the write-ahead
 * and again once everything the entry waits for is done, so the age is the last word before sending.
 */
async function notExpired(context: TraderContext, signal: Signal, candleClose: number): Promise<boolean> {
  const age = signalAge(context, candleClose);
  if (age <= expiryMs(context)) return true;
  await context.deny(
    'SIGNAL_EXPIRED',
    {
      symbol: signal.symbol,
      side: signal.side,
      why: `the signal is ${Math.round(age / 1000)} s old, more than ${context.config.execution.signalExpiryCandles} candle(s)`,
    },
    { ageMs: age },
  );
  return false;
}

/**
 * The risk of the real fill: a fill beyond the stop is closed at once; one whose risk exceeds the plan by
 * more than the tolerance is reduced to the planned risk at once. Both audited with the numbers.
 */
async function checkRealizedRisk(
  context: TraderContext,
  signal: Signal,
  result: ProtectedEntryResult,
  plannedRisk: number,
): Promise<void> {
  const fill = Number(result.averagePrice);
  const filled = Number(result.filledQuantity);
  if (!(fill > 0) || !(filled > 0)) return;
  const stop = Number(result.stopLoss?.triggerPrice ?? signal.stop);
  const overrun = await weighFill(
    context,
    signal.symbol,
    signal.side,
    { fill, filled, stop, plannedRisk },
    (keep, realRisk) =>
      keep === '0' && (signal.side === 'long' ? fill <= stop : fill >= stop)
        ? `filled at ${fill}, beyond the stop ${stop}: closing at once`
        : `filled at ${fill} (planned ${signal.entry}): risk ${realRisk.toFixed(2)} is ${(realRisk / plannedRisk).toFixed(2)}× the planned ${plannedRisk.toFixed(2)}; reducing to ${keep}`,
  );
  if (overrun) await reduceOwed(context, signal.symbol, result.filledQuantity, overrun.figures);
}
