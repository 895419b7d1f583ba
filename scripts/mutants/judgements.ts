/**
 * Verdicts on Stryker survivors, by `package-folder/src/file.ts:line` (every surviving mutant of that line),
 * as of the run the README reports: `equivalent: why`, `message: …` (only text a person reads), or
 * `gap: the test that would kill it`. Read by stryker-report.ts; a line that moved shows as `not judged`.
 */
const guard = 'packages/risk/src/risk-guard.ts';
const entry = 'packages/exchange/src/protected-entry.ts';
const reconcile = 'packages/exchange/src/reconcile.ts';
const grid = 'packages/risk/src/quantity-grid.ts';
const sizing = 'packages/risk/src/size-position.ts';
const targets = 'packages/risk/src/stop-and-target.ts';
const snapshot = 'packages/risk/src/snapshot.ts';
const tiers = 'packages/risk/src/tiers.ts';
const validation = 'packages/risk/src/validation.ts';
const inputError = 'packages/risk/src/risk-input-error.ts';
const utcDay = 'packages/risk/src/utc-day.ts';

/** The float fast paths only choose how often the exact decimal path decides; both give the same answer. */
const fastPathOnly =
  'equivalent: only decides whether the float fast path or the exact decimal path answers; both give the same result (quantity-grid.test.ts checks them against @bot/symbols)';

/** One verdict for every line from `first` to `last` of `file`. */
function lines(file: string, first: number, last: number, verdict: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (let line = first; line <= last; line += 1) entries[`${file}:${line}`] = verdict;
  return entries;
}

export const judgements: Readonly<Record<string, string>> = {
  [`${grid}:42`]: fastPathOnly,
  [`${grid}:44`]: fastPathOnly,
  [`${grid}:84`]:
    'equivalent: for equal steps the least-common-multiple formula gives the same step; the shortcut only spares the division',
  [`${grid}:119`]:
    'equivalent: @bot/symbols throws only SymbolError for a bad rule, so nothing else reaches the rethrow',
  [`${grid}:120`]:
    'equivalent: @bot/symbols throws only SymbolError for a bad rule, so nothing else reaches the rethrow',
  [`${grid}:168`]:
    'equivalent: a positive minimum rounds up to at least 1 step, so keeping 1 or taking the equal count is the same',
  [`${grid}:193`]: fastPathOnly,
  ...lines(grid, 262, 269, fastPathOnly),
  [`${grid}:284`]: 'equivalent: below 2^53 the float product and the bigint product print the same digits',
  [`${grid}:302`]:
    'equivalent: without a minimum notional the float comparisons are false and the exact check has no minimum to meet either',
  [`${grid}:304`]: fastPathOnly,
  [`${grid}:305`]: fastPathOnly,
  [`${sizing}:149`]: 'equivalent (typeof): Number.isInteger is false for anything but a number',
  [`${sizing}:193`]: 'equivalent: with entry = stop both branches give a distance of 0',
  ...lines(
    sizing,
    239,
    243,
    'equivalent: the key count only decides whether the exact unknown-field check runs; on any miscount it runs and finds every field known',
  ),
  [`${sizing}:253`]: 'equivalent: a stop equal to the entry is refused as ZERO_STOP_DISTANCE just before',
  ...lines(
    sizing,
    298,
    300,
    'equivalent: a quotient below maximumSteps + 1 floors to at most maximumSteps (larger ones are clamped just above), so this defensive clamp never runs',
  ),
  [`${targets}:51`]: 'equivalent: a stop equal to the entry is refused as ZERO_STOP_DISTANCE just before',
  [`${targets}:67`]:
    'equivalent: roundPriceToTick throws only SymbolError, so nothing else reaches the rethrow',
  [`${targets}:128`]:
    "equivalent: a long's and a short's formulas are the same quotient with both differences negated",
  [`${inputError}:108`]:
    'equivalent: a real RiskInputError also passes the name-and-code check that follows (the shortcut only spares it)',
  [`${inputError}:111`]: 'equivalent (typeof): a non-string code is not in the list of codes either',
  [`${tiers}:165`]: 'equivalent (typeof): a non-string is not one of the tier names either',
  [`${tiers}:190`]: 'equivalent (typeof): Number.isFinite is false for anything but a number',
  [`${tiers}:238`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${validation}:82`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${validation}:99`]: 'equivalent (typeof): Number.isInteger is false for anything but a number',
  [`${validation}:134`]:
    'equivalent: equal symbols also have equal exchange-id forms; the shortcut only spares building them',
  [`${utcDay}:14`]:
    "equivalent: parseUtcDay keeps a match only when the day it gives prints back as the same text, so text around 'YYYY-MM-DD' is refused without the anchors too",
  [`${utcDay}:21`]: 'equivalent: four-digit years give finite times, so the check never fails',
  [`${grid}:98`]:
    'equivalent: the mutants only change how equal values compare, and the stricter of two equal rules is either',
  [`${grid}:130`]: 'equivalent: the stricter of two equal minimums is either',
  [`${grid}:136`]: 'equivalent: the stricter of two equal maximums is either',
  ...lines(
    grid,
    154,
    160,
    "equivalent: any kind but 'increment' reads the rule as a plain decimal, as 'limit' does",
  ),
  [`${sizing}:316`]:
    'equivalent: BELOW_MIN_NOTIONAL needs a minimum notional, so its text is never missing here',
  [`${sizing}:361`]:
    'equivalent: lossAtMinimum and riskPctAtMinimum are null together (the second is computed from the first)',
  ...lines(
    targets,
    152,
    162,
    'gap: a reward:risk that 16 tick (or float) steps past the rounded target do not reach; no input found that needs more than one step',
  ),
  ...lines(
    tiers,
    77,
    135,
    'false survivor (a static mutant): with a preset replaced by {} freezePreset throws while the module loads and every test fails (checked by hand); Stryker 9.6 runs static mutants against the module as loaded before',
  ),
  [`${snapshot}:109`]: 'equivalent (typeof): Number.isFinite is false for anything but a number',
  [`${snapshot}:133`]: 'equivalent (typeof): Number.isInteger is false for anything but a number',
  [`${snapshot}:160`]: 'equivalent: a null halt is read as null before haltAt is called',
  [`${snapshot}:250`]:
    'equivalent: without latestNow, a time after 2000 compares as later than null (0) and is refused too',
  [`${inputError}:109`]:
    'gap, closed after the run: validation-edges.test.ts, an error of another name with a valid code is no RiskInputError',
  [`${inputError}:119`]:
    'gap, closed after the run: validation-edges.test.ts, a string of exactly 64 characters is shown whole',
  [`${inputError}:122`]:
    'gap, closed after the run: validation-edges.test.ts, a bigint is shown as its digits',
  [`${validation}:75`]:
    'gap, closed after the run: validation-edges.test.ts, a fee rate as a string and at its maximum',
  [`${validation}:129`]:
    'gap, closed after the run: validation-edges.test.ts, BTC/USDC (no settle suffix) and BTCUSDC are one market',
  [`${targets}:68`]:
    'gap, closed after the run: validation-edges.test.ts, a tick rule that is a string or null is named in the error',
  [`${targets}:73`]:
    'gap, closed after the run: validation-edges.test.ts, the SymbolError is kept as the cause',
  [`${grid}:95`]:
    'gap, closed after the run: quantity-grid-rules.test.ts, minimums with different decimals compared',
  [`${grid}:113`]:
    'gap, closed after the run: quantity-grid-rules.test.ts, a numeric stepSize is read as its decimal',
  [`${grid}:181`]:
    'gap, closed after the run: quantity-grid-rules.test.ts, a minimum of exactly 2^50 steps is accepted',
  [`${grid}:319`]:
    'gap, closed after the run: quantity-grid-rules.test.ts, 0.07 / 0.01 rounds up one step too many in floats',
  [`${sizing}:287`]:
    'equivalent (>): a quotient of exactly maximumSteps + 1 floors to one step more, which the clamp just below brings back to maximumSteps',
  [`${sizing}:293`]:
    'gap, closed after the run: size-position-limits.test.ts, QUANTITY_OUT_OF_RANGE named in full',
  [`${snapshot}:213`]:
    'gap, closed after the run: snapshot-problems.test.ts, a liquidation halt without a message',
  [`${snapshot}:214`]: 'gap, closed after the run: snapshot-problems.test.ts, an ADL halt with a bad since',
  [`${snapshot}:126`]: 'equivalent (typeof): Number.isSafeInteger is false for anything but a number',
  [`${snapshot}:154`]:
    "equivalent: parseUtcDay of a number finds no 'YYYY-MM-DD' and gives undefined, as the typeof check does",
  [`${snapshot}:286`]: 'equivalent (typeof): a non-string is not one of the tier names either',
  [`${snapshot}:295`]:
    'equivalent: resolveRiskLimits throws only RiskInputError, so nothing else reaches the rethrow',
  [`${snapshot}:310`]:
    'equivalent: the line before already refuses a day without latestNow and the reverse, so both are null or both are set here',
  [`${snapshot}:328`]:
    'equivalent: without latestNow, a time after 2000 compares as later than null (0) and is refused too',
  [`${snapshot}:344`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${snapshot}:346`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${snapshot}:375`]:
    'equivalent: readSnapshot throws only SnapshotProblem (limits errors are turned into one), so nothing else reaches the rethrow',
  [`${entry}:130`]: "gap: a result's closeOrders is [] when nothing was closed",
  [`${entry}:137`]:
    'equivalent: a placeholder in the stale list is never a live stop-loss, so it is neither canceled nor kept',
  ...lines(entry, 150, 202, 'message: incident and log record fields (level, event, error) no test reads'),
  ...lines(
    entry,
    252,
    259,
    'gap: a non-adapter error thrown by the port (a bug) is wrapped and still ends in a result; CcxtExchange turns every failure into an adapter error, so only a fake port (our own code mocked) could throw one',
  ),
  ...lines(entry, 305, 326, 'message: incident and log record fields (level, event) no test reads'),
  [`${entry}:332`]:
    "equivalent in one-way mode (the adapter's only mode): a symbol has one position, on the side of the fill",
  ...lines(
    entry,
    351,
    353,
    'gap: a market entry the exchange reports still open waits marketFillTimeoutMs (5 s) in 200 ms steps; the emulator fills market orders at once',
  ),
  [`${entry}:459`]:
    'gap: a stop-loss read back as triggered but not yet finished gives stopped-out; the emulator goes straight to finished',
  [`${entry}:464`]:
    'gap: a stop-loss not found right after placing it gives an emergency close; the emulator always finds it',
  [`${entry}:514`]: "equivalent: the caller tests protect's outcome only for 'failed' and 'stopped-out'",
  ...lines(
    entry,
    525,
    526,
    'equivalent: a protective order is read without a quantity only when it closes the position (the parser drops a close-position order’s quantity), and then the quantity check is skipped',
  ),
  [`${entry}:328`]:
    'gap: an intent called again after its limit entry was canceled unfilled reports not-filled, not already-closed (since the fix nothing else differs)',
  [`${entry}:397`]: 'message: the level of the poll-failed log record',
  [`${entry}:458`]:
    'gap: a stop-loss not found right after placing it gives an emergency close; the emulator always finds it',
  [`${entry}:465`]: 'message: the fields of the error of a stop-loss gone right after placing it',
  [`${entry}:473`]:
    "equivalent: each replacement uses the next generation's client id, so the stop-loss read back is never the previous one; 'conditional' only names the book in the cancel's rationale",
  [`${entry}:474`]:
    'gap (by design): the stale list is filled from the stop-loss loop, so it holds a take-profit only when one was found live under a stop-loss client id; the filter leaves such a foreign order alone',
  [`${entry}:475`]: "message: 'conditional' only names the book in the cancel's rationale",
  [`${entry}:510`]:
    'equivalent: state.takeProfit is set whenever previousTarget is (it is never unset), so the optional chaining never meets undefined',
  [`${entry}:511`]: "message: 'conditional' only names the book in the cancel's rationale",
  [`${entry}:563`]: "message: 'conditional' only names the book in the cancel's rationale",
  [`${entry}:602`]:
    'equivalent: the emergency close always has its cause (the stop-loss failure), so the fallback text never shows',
  ...lines(entry, 606, 607, 'message: the fields of the partial-close error'),
  [`${entry}:654`]: 'message: the level of the position-unread log record',
  [`${entry}:593`]: 'equivalent: the emergency close runs only after a fill, so there is an entry',
  [`${entry}:651`]:
    "equivalent in one-way mode (the adapter's only mode): a symbol has one position, on the side of the fill",
  [`${reconcile}:121`]:
    'gap: a stop with neither quantity nor closePosition does not count as covering the position',
  [`${reconcile}:134`]:
    'gap: a bare position whose mark price is unknown gets a stop, not an emergency close (safety)',
  [`${reconcile}:136`]:
    'gap: a missing take-profit when the mark is already past it, for a long and for a short',
  [`${reconcile}:152`]: 'gap: reconcile without clientIdPrefix uses the default `bot` in its client ids',
  [`${reconcile}:153`]:
    'gap: two reconciles at different times use different client ids, so a second stop is not refused as a duplicate (safety)',
  [`${reconcile}:162`]: 'gap: a position of quantity 0 gets no action',
  [`${reconcile}:183`]:
    'gap: filled or canceled orders in the exchange state give no action (only live ones count)',
  [`${reconcile}:186`]: 'gap: the actions come in symbol order (deterministic plans)',
  [`${reconcile}:190`]: 'equivalent: the placeholder array is only read when the symbol has regular orders',
  [`${reconcile}:255`]:
    'gap: a live order that is not protective on a symbol with a position is flagged unexpected',
  [`${reconcile}:273`]: 'message: the reason text of the adopt flag',
  [`${reconcile}:327`]: 'message: the order ids in the flag detail',
  [`${reconcile}:335`]: 'gap: a take-profit on the wrong side does not count as the position’s take-profit',
  [`${reconcile}:336`]: 'gap: a take-profit on the wrong side does not count as the position’s take-profit',
  [`${reconcile}:338`]: 'gap: a missing take-profit when the mark is already past it is not placed',
  [`${reconcile}:353`]: "gap: a plan's takeProfitLimitPrice reaches the place-take-profit action",
  [`${guard}:212`]: 'message: the list of known options in the error text',
  [`${guard}:218`]: 'message: the list of known options in the error text',
  [`${guard}:237`]: 'gap: equity exactly at the largest accepted amount (accepted, not INVALID_EQUITY)',
  [`${guard}:244`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${guard}:272`]: 'equivalent: samePositions only spares an allocation when the positions did not change',
  [`${guard}:273`]: 'equivalent: samePositions only spares an allocation when the positions did not change',
  [`${guard}:274`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:278`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:279`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:280`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:281`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:282`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:283`]:
    'equivalent: samePositions only spares an allocation; every mutant left here makes it answer false (copy the positions again), never true for changed positions (risk-guard-boundaries.test.ts checks a change of symbol or side shows)',
  [`${guard}:286`]: 'equivalent: samePositions only spares an allocation when the positions did not change',
  [`${guard}:318`]: 'message: the option name in the error text',
  [`${guard}:320`]: 'message: the option name in the error text',
  [`${guard}:400`]: 'message: the field name in the error text',
  [`${guard}:407`]: 'equivalent: copying the positions every time only allocates more',
  [`${guard}:412`]:
    'equivalent: recordClose trips SL_STREAK when the streak reaches maxSlStreak and resume() zeroes such a streak, so canOpen never sees it at the limit without the halt',
  [`${guard}:416`]:
    'gap: canOpen with an unrealized loss that brings the day exactly to dailyDrawdownPct must halt DAILY_DRAWDOWN (the limit is inclusive)',
  [`${guard}:428`]:
    'equivalent: with lastStopLossAt null, `now < null + cooldown` is false for any epoch time',
  [`${guard}:434`]: 'message: the seconds left in the COOLDOWN text',
  [`${guard}:447`]: "gap: assert the SYMBOL_ALREADY_OPEN denial's tradingState 'active'",
  [`${guard}:457`]: "gap: assert the MAX_POSITIONS denial's tradingState 'active'",
  [`${guard}:492`]: 'message: the field name in the error text',
  [`${guard}:513`]: 'message: the symbol in the LIQUIDATION halt text',
  [`${guard}:530`]:
    'gap: a close whose loss is exactly dailyDrawdownPct of the day start equity must halt DAILY_DRAWDOWN (the limit is inclusive)',
  [`${guard}:539`]:
    'gap: recordClose on a guard already halted returns tripped: null (the runner would announce the halt twice)',
  [`${guard}:552`]: 'message: the field name and code of an invalid equity in recordEquity',
  [`${guard}:555`]:
    'gap: recordEquity without openPositions while includeUnrealizedLoss is on throws INVALID_POSITIONS',
  [`${guard}:571`]: 'message: the method name in the error text',
  [`${guard}:587`]: 'message: the method name in the error text',
  [`${guard}:613`]: 'gap: resume(now) past 00:00 UTC rolls the day over first (status().day is the new day)',
  [`${guard}:615`]: 'gap: status().realizedLoss after a losing day (and 0 after a winning one)',
  [`${guard}:625`]: 'gap: status().cooldownEndsAt = lastStopLossAt + cooldown, null before any stop-loss',
  [`${guard}:626`]: 'gap: status().day is null before the guard saw any time',
  [`${guard}:631`]: 'gap: status().realizedLossFraction, null before the day has a start equity',
  [`${guard}:668`]:
    'equivalent: with latestNow null the comparison is false; with equal times both branches give the same time',
  [`${guard}:675`]:
    'gap: an equity seen two or more days before does not become the start equity of the day after an empty day',
  [`${guard}:686`]:
    'gap: a carried unrealized loss at least the equity makes the day start from the equity itself',
  [`${guard}:701`]: 'equivalent: recording an unchanged reading again only allocates',
  [`${guard}:703`]:
    'gap: the same equity seen again just before 00:00 UTC is the reading the next day starts from (its time must move)',
  [`${guard}:704`]: 'gap: the same equity with another unrealized loss is recorded (the next day carries it)',
  [`${guard}:725`]: 'gap: canOpen with openPositions [null] or [42] throws INVALID_POSITIONS',
  [`${guard}:729`]: "gap: canOpen with openPositions [{ symbol: '' }] throws INVALID_POSITIONS",
  [`${guard}:736`]:
    'equivalent (typeof): a non-number fails the finite check next to it; gap (<=): unrealizedPnl exactly at the largest amount is accepted',
  [`${guard}:738`]: 'message: the hint in the INVALID_POSITIONS text',
  [`${guard}:742`]: 'equivalent: adding an unrealizedPnl of 0 changes nothing',
  [`${guard}:744`]:
    'gap: two positions of one symbol (hedge mode): the first one listed decides SYMBOL_ALREADY_OPEN; equivalent in one-way mode',
  [`${guard}:759`]: 'equivalent: a loss of 0 is 0 either way',
  [`${guard}:787`]: 'message: the carried unrealized loss in the DAILY_DRAWDOWN text',
};
