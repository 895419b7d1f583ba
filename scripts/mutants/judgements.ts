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
  ...lines(entry, 130, 134, "gap: a result's closeOrders is [] when nothing was closed"),
  ...lines(entry, 150, 200, 'message: incident and log record fields (level, event, error) no test reads'),
  ...lines(
    entry,
    205,
    246,
    'gap: an invalid intent is rejected with InvalidRequestError before any request (bad side, quantity ≤ 0, a target on the wrong side of the stop, a limit entry whose stop or target is on the wrong side of its price, an unknown entry type)',
  ),
  ...lines(
    entry,
    250,
    256,
    'gap: a non-adapter error thrown by the port (a bug) is wrapped and still ends in a result',
  ),
  [`${entry}:267`]: "gap: without clientIdPrefix the entry's client id starts with the default `bot`",
  ...lines(entry, 268, 272, 'gap: an intent id that makes no valid client id is rejected before any request'),
  [`${entry}:280`]: 'gap: an intent and options without marginMode configure the symbol isolated',
  [`${entry}:298`]: 'gap: a limit entry without timeInForce is sent GTC',
  ...lines(entry, 305, 320, 'message: incident and log record fields (level, event) no test reads'),
  ...lines(
    entry,
    325,
    343,
    'gap: a resumed intent protects only the position still held (cap), protects the whole fill when the position cannot be read, and returns already-closed when the position is gone',
  ),
  ...lines(
    entry,
    346,
    395,
    'gap: a limit entry that fills partly and then times out: the rest is canceled (a failing cancel is tried once, then ENTRY_NOT_CANCELED), what filled is protected, a failing poll is retried',
  ),
  ...lines(
    entry,
    409,
    415,
    'gap: more than 20 protection replacements for one intent ends in an emergency close',
  ),
  ...lines(
    entry,
    430,
    434,
    'gap: a live stop found under the next client id that covers less than the fill is kept until its replacement is confirmed, then canceled',
  ),
  ...lines(
    entry,
    438,
    460,
    'gap: a stop read back as triggered gives stopped-out, one not found or canceled gives an emergency close, one unreadable gives PROTECTION_UNVERIFIED',
  ),
  ...lines(
    entry,
    464,
    467,
    'gap: a second partial fill replaces the stop and take-profit and cancels the previous ones',
  ),
  [`${entry}:469`]: 'gap: an intent without takeProfitPrice places no take-profit',
  ...lines(
    entry,
    470,
    503,
    'gap: a take-profit that is refused or unreadable gives TAKE_PROFIT_FAILED / PROTECTION_UNVERIFIED and keeps the stop; a replaced one is canceled',
  ),
  [`${entry}:505`]: "equivalent: the caller tests protect's outcome only for 'failed' and 'stopped-out'",
  ...lines(
    entry,
    510,
    530,
    'gap: a stop read back smaller than the fill, not reduce-only, or of another type raises PROTECTION_MISMATCH',
  ),
  ...lines(
    entry,
    531,
    550,
    'gap: a replaced protective order that cannot be canceled raises STALE_PROTECTION_NOT_CANCELED',
  ),
  ...lines(
    entry,
    551,
    575,
    'gap: the stop fires while protection is set up: the rest of the entry and the take-profit are canceled (a failing cancel raises ENTRY_NOT_CANCELED)',
  ),
  ...lines(
    entry,
    576,
    660,
    'gap: the emergency close: a partial close or a failing close ends unprotected (with what is left), leftover protective orders are canceled, an unreadable position after the close is logged',
  ),
  [`${reconcile}:121`]:
    'gap: a stop with neither quantity nor closePosition does not count as covering the position',
  [`${reconcile}:127`]:
    'gap: a bare position whose mark price is unknown gets a stop, not an emergency close (safety)',
  [`${reconcile}:129`]:
    'gap: a missing take-profit when the mark is already past it, for a long and for a short',
  [`${reconcile}:145`]: 'gap: reconcile without clientIdPrefix uses the default `bot` in its client ids',
  [`${reconcile}:146`]:
    'gap: two reconciles at different times use different client ids, so a second stop is not refused as a duplicate (safety)',
  [`${reconcile}:155`]: 'gap: a position of quantity 0 gets no action',
  [`${reconcile}:168`]: 'message: the intent id in the flag detail',
  [`${reconcile}:175`]:
    'gap: filled or canceled orders in the exchange state give no action (only live ones count)',
  [`${reconcile}:178`]: 'gap: the actions come in symbol order (deterministic plans)',
  [`${reconcile}:182`]: 'equivalent: the placeholder array is only read when the symbol has regular orders',
  [`${reconcile}:247`]:
    'gap: a live order that is not protective on a symbol with a position is flagged unexpected',
  [`${reconcile}:265`]: 'message: the reason text of the adopt flag',
  [`${reconcile}:287`]: 'message: the mark price in the reason text',
  [`${reconcile}:319`]: 'message: the order ids in the flag detail',
  [`${reconcile}:327`]: 'gap: a take-profit on the wrong side does not count as the position’s take-profit',
  [`${reconcile}:328`]: 'gap: a take-profit on the wrong side does not count as the position’s take-profit',
  [`${reconcile}:330`]: 'gap: a missing take-profit when the mark is already past it is not placed',
  [`${reconcile}:336`]: 'message: the mark price in the flag detail',
  [`${reconcile}:345`]: "gap: a plan's takeProfitLimitPrice reaches the place-take-profit action",
  [`${guard}:212`]: 'message: the list of known options in the error text',
  [`${guard}:218`]: 'message: the list of known options in the error text',
  [`${guard}:237`]: 'gap: equity exactly at the largest accepted amount (accepted, not INVALID_EQUITY)',
  [`${guard}:244`]: 'equivalent: turns -0 into 0; -0 compares, prints and serializes (JSON) as 0',
  [`${guard}:272`]: 'equivalent: samePositions only spares an allocation when the positions did not change',
  [`${guard}:273`]: 'equivalent: samePositions only spares an allocation when the positions did not change',
  [`${guard}:274`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:278`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:279`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:280`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:281`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:282`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
  [`${guard}:283`]:
    'gap: canOpen twice with as many positions but another symbol or side, then status().openPositions shows the new ones',
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
