/**
 * The mutation gate's list: bugs that would lose money, each written into a scratch copy of the repository
 * by `run.ts`, and the test files that must fail on it (run one at a time, in this order, until one does).
 *
 * - `find` is exact text (or a RegExp, for a move) that must occur exactly once in `file`; when the code
 *   changes so that it no longer does, the gate stops and names the mutant: update `find` to the new code.
 * - `tests` lists the killers first (the fastest that kills it), then any other file that should. A `name`
 *   narrows a file to the tests whose name matches (vitest's `-t`, a RegExp).
 * - `short: true` mutants are the CI subset (`pnpm test:mutants --short`, `.ci/run`): keep it within 3 minutes
 *   (it takes about 1 now).
 */
export interface TestRun {
  /** A test file, from the repository's root. */
  readonly file: string;
  /** Only the tests whose full name matches (vitest `-t`). */
  readonly name?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface Mutant {
  readonly name: string;
  readonly file: string;
  readonly find: string | RegExp;
  readonly replace: string;
  readonly tests: readonly TestRun[];
  readonly short?: boolean;
  /**
   * A known survivor: no test kills it yet, and why. It still fails the full gate (and is printed with
   * this note) until a test kills it; it is never in the short list.
   */
  readonly survives?: string;
}

const accountTruth = 'apps/runner/src/account-truth.test.ts';
const runTest = 'apps/runner/src/run.test.ts';
const wire = 'apps/runner/src/orders-on-the-wire.test.ts';
const settlement = 'apps/runner/src/trader/settlement.ts';
const entries = 'apps/runner/src/trader/entries.ts';
const adapter = 'packages/exchange/src/ccxt-placing.ts';
const inFlight = 'apps/runner/src/entry-in-flight.test.ts';
const lateEntries = 'apps/runner/src/trader/late-entries.ts';
const lateEntry = 'apps/runner/src/late-entry.test.ts';
/** The short chaos run of `pnpm test` (2 seeded runs), with 1–3 kills per run instead of 1. */
const chaos: TestRun = { file: 'tests-e2e/src/chaos.test.ts', env: { CHAOS_RUNS: '2', CHAOS_KILLS: '1,3' } };

export const mutants: readonly Mutant[] = [
  {
    name: 'recordClose removed',
    file: settlement,
    find: 'const recorded = context.guard.recordClose({ pnl, reason, now: closedAt, symbol });',
    replace:
      'const recorded = { ...context.guard.status(), countedAsStopLoss: false, resetStreak: false, tripped: null };',
    tests: [{ file: accountTruth, name: 'closes the guard must hear of' }, chaos],
    short: true,
  },
  {
    // Not in the chaos suite's list: the review that follows the user-data stream going live (feeds.ts)
    // sweeps and re-protects a fraction of a second later, which chaos cannot tell from the start-up's.
    // The runner tests see the order: the stop before the first candle is weighed.
    name: 'start-up reconcile off',
    file: 'apps/runner/src/trader/startup.ts',
    find: 'export async function reconcileAtStart(context: TraderContext): Promise<void> {\n',
    replace: 'export async function reconcileAtStart(context: TraderContext): Promise<void> {\n  return;\n',
    tests: [
      { file: runTest, name: 'without a stop-loss its stop before anything else' },
      { file: runTest, name: 'restart safety' },
    ],
    short: true,
  },
  {
    // Every path that gives a bare position its stop (start-up, the review after an event or a sweep, a
    // settle that finds the stop gone) goes through reconcileSymbols: with it off, nothing re-protects.
    name: 're-protection off',
    file: 'apps/runner/src/trader/protection.ts',
    find: '  rationale: string,\n): Promise<readonly ReconcileAction[]> {\n',
    replace: '  rationale: string,\n): Promise<readonly ReconcileAction[]> {\n  if (rationale) return [];\n',
    tests: [{ file: runTest, name: 'without a stop-loss its stop before anything else' }, chaos],
  },
  {
    name: 'write-ahead after send',
    file: entries,
    // The `order.place` rationale and its flush, moved from before the entry to after it (the settings check
    // still awaited before it).
    find: /( {2}const written = context\.rationale\(\{\n {4}action: 'order\.place',[\s\S]*?\n {2}\}\);\n {2}const flushed = context\.options\.audit\.flush\(\);\n)([\s\S]*?\n)( {2}const cleared = Promise\.all\(\[)written, flushed, (configured\]\)\.then\(\n {4}async \(\[), , (settingsOk\]\)[\s\S]*?\n {2}\);\n)([\s\S]*?\n {2}const answered = await Promise\.race\(\[entry, unknown\]\);\n)/,
    replace: '$2$3$4$5$6$1  await Promise.all([written, flushed]);\n',
    tests: [{ file: wire, name: 'write-ahead' }, chaos],
  },
  {
    name: 'workingType hard-coded',
    file: adapter,
    find: 'stopPrice: Number(triggerPrice),\n    workingType: ctx.exchange.workingType,',
    replace: "stopPrice: Number(triggerPrice),\n    workingType: 'MARK_PRICE',",
    tests: [{ file: wire, name: 'watch the' }, { file: 'packages/exchange/test/protective-orders.test.ts' }],
  },
  {
    name: 'liquidation read as stop-loss',
    file: settlement,
    find: 'forced?.kind ?? trade.closing?.reason ??',
    replace: "(forced ? 'stop_loss' : undefined) ?? trade.closing?.reason ??",
    tests: [{ file: accountTruth, name: 'halts with LIQUIDATION' }],
    short: true,
  },
  {
    name: 'leverage not verified',
    file: entries,
    find: "  read: SettingsRead['answer'],\n): Promise<boolean> {\n",
    replace: "  read: SettingsRead['answer'],\n): Promise<boolean> {\n  return true;\n",
    tests: [{ file: accountTruth, name: 'sets leverage back' }, chaos],
  },
  {
    name: 'stop side inverted for shorts',
    file: adapter,
    find: 'const side = closingSide(positionSide);\n  // Round so the order acts no later than asked',
    replace:
      "const side = purpose === 'stop-loss' && positionSide === 'short' ? 'sell' : closingSide(positionSide);\n  // Round so the order acts no later than asked",
    tests: [
      { file: 'packages/exchange/test/protective-orders.test.ts' },
      { file: 'packages/exchange/test/protected-entry.test.ts' },
    ],
    short: true,
  },
  {
    name: 'close forgotten before its fills are read',
    file: settlement,
    find: '  const fetched = await context.exchange.fetchFills(symbol, { since: trade.openedAt, includeClosedBy: true });',
    replace:
      '  context.trades.delete(symbol);\n  context.saveState();\n  const fetched = await context.exchange.fetchFills(symbol, { since: trade.openedAt, includeClosedBy: true });',
    tests: [{ file: accountTruth, name: 'closes the guard must hear of' }],
    short: true,
  },
  {
    name: 'emergency close skipped',
    file: 'packages/exchange/src/protected-entry.ts',
    find: "if (outcome === 'failed') return emergencyClose(state);",
    replace: "if (outcome === 'failed') return state.result('unprotected');",
    tests: [
      { file: 'packages/exchange/test/fault-scenarios.test.ts' },
      { file: 'packages/exchange/test/protected-entry.test.ts' },
    ],
    short: true,
  },
  {
    name: 'close owed ignored by entries',
    file: entries,
    find: 'const owed = [...context.trades.values()].find((trade) => trade.closing !== undefined);',
    replace: 'const owed = [...context.trades.values()].find((trade) => trade.closing === null);',
    tests: [{ file: accountTruth, name: 'closes the guard must hear of' }],
  },
  {
    // The review is what sends a reduction still owed after a kill between its decision and its order (chaos
    // seed 6): with its call skipped, the position stays whole and the trade keeps owing it.
    name: 'owed reduction ignored by the review',
    file: 'apps/runner/src/trader/account-watch.ts',
    find: "await reduceOwed(context, trade.symbol, position?.side === trade.side ? position.quantity : '0')",
    replace: 'await Promise.resolve(position)',
    tests: [
      { file: accountTruth, name: 'sends a reduction it decided but had not sent' },
      { file: accountTruth, name: 'sends an owed reduction in exact decimals' },
    ],
  },
  {
    name: 'guard not restored at restart',
    file: 'apps/runner/src/trader/startup.ts',
    find: 'context.guard = saved.guard ? RiskGuard.restore(saved.guard, settings) : new RiskGuard(settings);',
    replace: 'context.guard = new RiskGuard(settings);',
    tests: [{ file: runTest, name: 'the guard as it was' }, chaos],
  },
  {
    // An entry sent before the state file held it, then a kill: without the rebuild the restart adopts the
    // bot's own position as a foreign one (another stop, and its close outside the trade's accounting).
    name: 'unsaved entry not rebuilt at restart',
    file: 'apps/runner/src/unsaved-entries.ts',
    find: '  if (after === undefined) return [];\n  const last = new Map<string, OpenTrade>();',
    replace:
      '  if (after === undefined || after >= -1) return [];\n  const last = new Map<string, OpenTrade>();',
    tests: [{ file: accountTruth, name: 'a kill between the durable decision and the state file' }],
  },
  {
    // Chaos seed 28, second form: a dropped entry that executed and closed while no bot could see it; without
    // the look-up on its flat symbol the guard never counts the loss.
    name: 'late entry closed unseen not counted',
    file: 'apps/runner/src/trader/late-entries.ts',
    find: '      position !== undefined || looksUp(context, dropped, now),\n',
    replace: '      position !== undefined,\n',
    tests: [{ file: 'apps/runner/src/late-entry.test.ts', name: 'executed and closed' }],
  },
  {
    // Seed 28, third form: the late entry's position adopted (and its close counted) by one process, then the
    // still-kept entry claimed and its fills counted again by the next: the guard's loss doubled.
    name: 'dropped entry kept after its symbol is adopted',
    file: 'apps/runner/src/trader/late-entries.ts',
    find: 'export function forgetDroppedEntry(context: TraderContext, symbol: string): void {\n  context.droppedEntries.delete(symbol);\n',
    replace:
      'export function forgetDroppedEntry(context: TraderContext, symbol: string): void {\n  void context;\n  void symbol;\n',
    tests: [
      { file: 'apps/runner/src/late-entry.test.ts', name: 'a dropped entry of another symbol' },
      {
        file: 'tests-e2e/src/chaos.test.ts',
        env: { CHAOS_SEED: '28', CHAOS_RUNS: '1', CHAOS_KILLS: '1,3' },
      },
    ],
  },
  {
    // The close's state save is not waited for: a kill before it leaves the closed trade in the state file,
    // and without the replay the restart takes the next entry's position for the old trade.
    name: 'unsaved close not replayed at restart',
    file: 'apps/runner/src/unsaved-entries.ts',
    find: '  const closes = unsavedCloses(loaded, records);\n',
    replace: '  const closes = unsavedCloses(loaded, records).slice(0, 0);\n',
    tests: [{ file: accountTruth, name: 'counts the close from its record at the next start' }],
  },
  {
    // A late entry claimed and closed by a process killed before its state was saved again: the restart's
    // state still holds it as a dropped entry, and its close record must be counted all the same.
    name: 'unsaved close of a claimed late entry not replayed',
    file: 'apps/runner/src/unsaved-entries.ts',
    find: '    ...(state.droppedEntries ?? []).map((dropped) => dropped.trade.intentId),\n',
    replace: '',
    tests: [
      { file: 'apps/runner/src/unsaved-entries.test.ts', name: 'dropped entry the state still watches' },
    ],
  },
  {
    // A kill between the entry's fill and its own check: without the review's weighing, the overrun stays.
    name: 'unchecked fill not weighed by the review',
    file: 'apps/runner/src/trader/account-watch.ts',
    find: '    if (trade.riskToCheck === undefined || trade.closing !== undefined || trade.reduceTo) continue;',
    replace: '    if (trade.riskToCheck !== null || trade.closing !== undefined || trade.reduceTo) continue;',
    tests: [{ file: accountTruth, name: 'a kill between the entry' }],
  },
  {
    // An entry's unknown outcome waited out on the queue again: every other symbol's stop, every review and
    // candle wait up to 10 s behind it (the guard counts a loss late, signals expire).
    name: 'unknown outcome holds the queue',
    file: entries,
    find: '  const answered = await Promise.race([entry, unknown]);\n',
    replace: '  const answered = await entry;\n',
    tests: [{ file: inFlight, name: 'holds only its symbol' }],
  },
  {
    // Chaos seed 12: what the stream said of a locked symbol (a position the user opened on it) waited for the
    // next candle's review; a stop right after the entry's result left that position without a stop.
    name: 'no review after an in-flight entry’s result',
    file: entries,
    find: '        await entryResult(context, sent, await entry);\n        await reviewAccount(context);\n',
    replace: '        await entryResult(context, sent, await entry);\n',
    tests: [{ file: inFlight, name: 'protects a position the user opened on its symbol meanwhile' }],
  },
  {
    // Chaos seed 25: a dropped entry executed late onto the bot's next trade on the symbol; that trade's close
    // counted the late fill, and the claim that followed counted it (and an exit) again.
    name: 'late fill counted by another trade claimed again',
    file: lateEntries,
    find: '  if (dropped.counted?.some((span) => fill.at >= span.from && fill.at <= span.to)) {\n',
    replace: '  if (false) {\n',
    tests: [{ file: lateEntry, name: 'is counted once, by that trade' }],
  },
  {
    name: 'close span not noted for a watched entry',
    file: settlement,
    find: '  if (dropped) context.droppedEntries.set(symbol, withCountedSpan(dropped, trade.openedAt, closedAt));\n',
    replace: '',
    tests: [{ file: lateEntry, name: 'is counted once, by that trade' }],
  },
  {
    // The restart's half of seed 25: a close replayed from the trail counted the late fill too.
    name: 'replayed close span not noted for a watched entry',
    file: 'apps/runner/src/unsaved-entries.ts',
    find: '              ? withCountedSpan(entry, close.openedAt, close.closedAt)\n',
    replace: '              ? entry\n',
    tests: [{ file: 'apps/runner/src/unsaved-entries.test.ts', name: 'gives a replayed close' }],
  },
  {
    // Chaos seeds 35 and 55: an entry never sent, on a symbol where the user held the other side, was kept at
    // start-up; the trade took the user's position and its close, and the guard counted the user's loss.
    name: 'unconfirmed entry kept beside an opposite position',
    file: lateEntries,
    find: '    if (!held) continue;\n',
    replace: '    if (!held || held.side !== trade.side) continue;\n',
    tests: [{ file: lateEntry, name: 'on a symbol where the user holds the other side' }],
  },
  {
    // The in-process form of seeds 35 and 55: a trade pending on an unknown outcome sat on the user's opposite
    // position, which nobody then protected (the review passes a symbol with a trade by).
    name: 'unconfirmed trade owns the user’s opposite position',
    file: settlement,
    find: '      if (trade.stopLossId === undefined && !trade.adopted && (await entryFilled(context, trade)) === false) {\n',
    replace: '      if (false) {\n',
    tests: [{ file: inFlight, name: 'protects a position the user opened on the other side meanwhile' }],
  },
  {
    // The lock's point (a second form of seed 28): a settle while the entry waits finds the symbol flat and no
    // fill, drops the pending trade as never filled, and a new entry on the symbol can follow.
    name: 'in-flight entry settled as never filled',
    file: settlement,
    find: '  if (!trade || context.entriesInFlight.has(symbol)) return;\n',
    replace: '  if (!trade) return;\n',
    tests: [{ file: inFlight, name: 'holds only its symbol' }],
  },
  {
    // The state file is no longer written before an entry leaves (its fsyncs shared the disk with the record
    // the entry waits for): an unknown outcome, 10 s of look-ups, saves the pending trade at once instead.
    name: 'pending trade not saved while its outcome is unknown',
    file: entries,
    find: '    void context.saveState(); // the trade, pending until the result is known\n',
    replace: '',
    tests: [{ file: inFlight, name: 'holds only its symbol' }],
  },
  {
    name: 'settings read started on a symbol in flight',
    file: entries,
    find: ' && settleDue(context, own) && !context.entriesInFlight.has(symbol);\n',
    replace: ' && settleDue(context, own);\n',
    tests: [{ file: inFlight, name: 'holds only its symbol' }],
  },
  {
    // A stop that does not wait for an entry in flight: its result is never recorded, the trail closed under it.
    name: 'stop does not wait for an entry in flight',
    file: 'apps/runner/src/trader/context.ts',
    find: '      await Promise.all(this.entriesInFlight.values());\n      current = this.#queue;\n      await current;\n    } while (current !== this.#queue || this.entriesInFlight.size > 0);\n',
    replace: '      current = this.#queue;\n      await current;\n    } while (current !== this.#queue);\n',
    tests: [{ file: inFlight, name: 'is waited for by a stop' }],
  },
  {
    // A late fill the stream tells while the entry's look-up still runs: weighed by the review as unchecked
    // and reduced, then again by the entry's own check (a reduction on top of a reduction).
    name: 'in-flight fill weighed by the review',
    file: 'apps/runner/src/trader/account-watch.ts',
    find: '    if (context.entriesInFlight.has(trade.symbol)) continue;\n',
    replace: '',
    tests: [{ file: inFlight, name: 'past its plan' }],
  },
  {
    name: 'unknown outcome never told to the caller',
    file: 'packages/exchange/src/request-executor.ts',
    find: '            if (awaitLateExecution) request.onOutcomeUnknown?.();\n',
    replace: '',
    tests: [
      { file: 'packages/exchange/test/fault-scenarios.test.ts', name: 'executes 3 s later' },
      { file: inFlight, name: 'holds only its symbol' },
    ],
  },
  {
    // Chaos seed 28: an entry dropped as never filled executes late; without the claim the next review
    // treats the bot's own position as foreign (flattened here) and the guard never counts its close.
    name: 'late entry not recognised',
    file: 'apps/runner/src/trader/late-entries.ts',
    find: '  if (position && (position.side !== planned.side || !atMost(position.quantity, planned.quantity)))\n',
    replace: '  if (position)\n',
    tests: [{ file: 'apps/runner/src/late-entry.test.ts', name: 'while it runs' }],
  },
  {
    // A close counted from the streamed fills when the stream missed one: the guard counts a wrong PnL.
    name: 'streamed close short of flat',
    file: settlement,
    find: '  if (!flat || fills.length === 0) return undefined;',
    replace: '  if (fills.length === 0) return undefined;',
    tests: [{ file: 'apps/runner/src/trader/settlement.test.ts', name: 'streamedClose' }],
  },
  {
    // A close the stream told whole, its exits left live: the stop and target of a trade that no longer exists
    // rest on the exchange (nothing else cancels them), and the next trade on the symbol meets them.
    name: 'streamed close leaves its exits live',
    file: settlement,
    find: '      streamed.exits.map((id) =>\n',
    replace: '      streamed.exits.filter(() => false).map((id) =>\n',
    tests: [{ file: accountTruth, name: 'counts a close the stream told whole' }],
  },
  {
    // A prepared request (built and signed while the caller's write-ahead record is fsynced) sent at once
    // instead of after its `sendAfter`: the entry leaves before its decision is durable.
    name: 'prepared entry sent before it may leave',
    file: 'packages/exchange/src/request-executor.ts',
    find: '        const hold = sendAfter && this.#hold(request, sendAfter);\n',
    replace: '        const hold = undefined;\n',
    tests: [
      { file: 'packages/exchange/test/protected-entry.test.ts', name: 'sends nothing when `ready` rejects' },
      { file: wire, name: 'write-ahead' },
    ],
    short: true,
  },
  {
    // A pause that became known while a prepared entry waited for its `sendAfter`: the entry leaves anyway,
    // on checks older than the pause.
    name: 'prepared entry sent after a rate-limit pause',
    file: 'packages/exchange/src/request-executor.ts',
    find: '        await sendAfter;\n        if (this.#pausedUntil > 0) await this.#waitForGate(request);\n',
    replace: '        await sendAfter;\n',
    tests: [
      {
        file: 'packages/exchange/test/protected-entry.test.ts',
        name: 'rate-limit pause became known while it waited',
      },
    ],
  },
  {
    // An entry refused with a 429, or meeting a pause, sent once the pause is over: on a leverage read, a
    // signal age and a mark older than the pause (the user set 25× during it: the entry filled at 25×).
    name: 'entry sent after a rate-limit pause',
    file: 'packages/exchange/src/request-executor.ts',
    find: '    if (request.opensPosition === true) {\n      throw new RateLimitedError(\n',
    replace:
      '    if (request.opensPosition === undefined && wait < 0) {\n      throw new RateLimitedError(\n',
    tests: [
      { file: 'packages/exchange/src/request-executor.test.ts', name: 'opens a position into a pause' },
      { file: accountTruth, name: 'sends no entry on checks older than a rate-limit pause' },
      {
        file: 'packages/exchange/test/fault-scenarios.test.ts',
        name: 'a 429 on an order that opens a position',
      },
    ],
    short: true,
  },
  {
    // The start's settings changes sent without waiting for their records to be durable: a crash (or a disk
    // that cannot sync) leaves the exchange changed with no record of why.
    name: 'settings at start sent before their records are durable',
    file: 'apps/runner/src/trader/startup.ts',
    find: '    await context.recordDurably(...restores.map(({ restore }) => restore.record));\n',
    replace:
      '    void context.recordDurably(...restores.map(({ restore }) => restore.record)).catch(() => undefined);\n',
    tests: [{ file: accountTruth, name: 'records cannot be made durable' }],
  },
  {
    // The read the candle started, used after a same-tick close held the queue for longer: the user's 25×
    // set meanwhile (the stream silent) is never seen, and the entry fills at it.
    name: 'stale settings read used by the entry',
    file: entries,
    find: 'Date.now() - started.at <= SETTINGS_FRESH_MS',
    replace: 'true',
    tests: [{ file: accountTruth, name: 'slow close held the queue' }],
  },
  {
    name: 'settings not read again after a rate-limit pause',
    file: entries,
    find: '  if (context.exchange.executor.pausedUntil > settings.at)\n',
    replace: '  if (context.exchange.executor.pausedUntil < 0)\n',
    tests: [
      { file: accountTruth, name: 'sends no entry on checks older than a rate-limit pause' },
      { file: accountTruth, name: 'reads leverage from the exchange before an entry' },
    ],
    survives:
      'the re-read fires only when a pause becomes known between the guard’s yes and the mark check; with the market stream live nothing there waits on I/O, so only a mark read over REST (market feed not live) opens that window, and a test of it races the REST poller on the same path (docs/ARCHITECTURE.md, "No entry leaves on checks older than a rate-limit pause")',
  },
];
