import { isExchangeAdapterError } from '@bot/exchange';
import type { ExchangeErrorCode, IncidentCode } from '@bot/exchange';
import type { HaltCode } from '@bot/risk';

/**
 * The incident playbooks (P5), in one table: for each incident the bot can meet, how it is detected, what
 * the bot does on its own, and what the operator should do — in words for people (`detection`,
 * `automaticAction`, `operatorSteps`) and in data for the code (`detectedBy`, `action`). The loop reads the
 * table: which playbook an error, an `@bot/exchange` incident, a RiskGuard halt or a feed event belongs to,
 * and what to do about it. When one fires, the log line and the audit record carry its `id`;
 * `bot playbook <id>` and `GET /playbook/<id>` show it. Change a playbook here and nowhere else.
 */
export interface Playbook {
  readonly id: string;
  readonly title: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly detection: string;
  /** What the bot does on its own, exactly as the code does it. */
  readonly automaticAction: string;
  readonly operatorSteps: readonly string[];
  /** What the code recognises as this incident (see the `playbookFor…` functions). */
  readonly detectedBy: Detection;
  /** What the bot does, as data (`automaticAction` says it in words). */
  readonly action: PlaybookAction;
}

/** The feed events a playbook stands for. */
export type FeedEvent = 'degraded' | 'listenKeyExpired';

export interface Detection {
  /** Binance's numeric error codes (`exchangeCode` of an `@bot/exchange` error): the most specific, checked first. */
  readonly exchangeCodes?: readonly number[];
  /** `@bot/exchange` error codes (`error.code`), checked next. */
  readonly errorCodes?: readonly ExchangeErrorCode[];
  /** ccxt error class names (`error.name`), for an error that did not pass through the adapter, checked last. */
  readonly ccxtErrors?: readonly string[];
  /** A start-up that failed this way is tried again with backoff: the exchange may answer later. */
  readonly retryStart?: boolean;
  /** `@bot/exchange` incidents (returned with an action's result). */
  readonly incidents?: readonly IncidentCode[];
  /** The RiskGuard's halts. */
  readonly haltCodes?: readonly HaltCode[];
  /** `@bot/ws` feed events. */
  readonly feedEvents?: readonly FeedEvent[];
}

/**
 * What the bot does when a playbook fires:
 * - `halt`: the RiskGuard halts and the halt is saved (it survives a restart); no position opens until it
 *   clears (`POST /resume`; a daily-drawdown halt at 00:00 UTC). Positions keep their protection.
 * - `stop-opening`: no position opens while the condition lasts (signals are denied with `denial`); it clears
 *   by itself: `until: 'account-sweep'` at the next account sweep that succeeds, `until: 'pause-ends'` when the
 *   exchange adapter's request pause (`exchange.executor.pausedUntil`) has passed.
 * - `protect`: a stop-loss is placed for the position, or the position is closed at market.
 * - `recover`: handled where it happens (reconnect, re-sync, set back); trading goes on.
 * - `refuse-start`: the run does not start.
 */
export type PlaybookAction =
  | { readonly kind: 'halt' }
  | {
      readonly kind: 'stop-opening';
      readonly denial: 'EXCHANGE_UNAVAILABLE' | 'RATE_LIMITED';
      readonly until: 'account-sweep' | 'pause-ends';
    }
  | { readonly kind: 'protect' }
  | { readonly kind: 'recover' }
  | { readonly kind: 'refuse-start' };

export const PLAYBOOKS: readonly Playbook[] = [
  {
    id: 'ws-degraded',
    title: 'WebSocket feed down or degraded',
    severity: 'warning',
    detection:
      'A market or user-data stream closed, missed its pongs, or stayed silent past its staleness threshold (feed health leaves "live"); or an account sweep found a position the user-data stream did not report.',
    automaticAction:
      'Switches that feed to REST polling with bounded request weight, keeps every stop-loss on the exchange, reconnects with backoff and returns to WebSocket once the socket has been healthy for a while; a REST snapshot fills the gap so no fill is missed or counted twice. Every transition is logged and audited (`feed.degraded`, `feed.restored`). A sweep that disagrees with the stream stops new entries (ACCOUNT_OUT_OF_SYNC) until a sweep agrees.',
    operatorSteps: [
      'Check `GET /status` → feed health; it should return to "live" by itself.',
      'If it stays degraded for more than 15 minutes, check the network path to the exchange and the exchange status page.',
      'Trading continues on REST data; halt (`POST /halt`) if you prefer to wait it out flat.',
    ],
    detectedBy: { feedEvents: ['degraded'] },
    action: { kind: 'recover' },
  },
  {
    id: 'listen-key-expired',
    title: 'User-data listenKey expired',
    severity: 'warning',
    detection: 'The stream sent `listenKeyExpired`, or a keepalive answered -1125.',
    automaticAction:
      'Creates a new listenKey, reconnects the user-data stream, and reads the gap over REST; logged and audited (`feed.degraded` naming this playbook).',
    operatorSteps: [
      'Nothing, if it happens rarely. If it repeats, check that the host clock is right and the bot is not starved of CPU (keepalives run every 30 minutes).',
    ],
    detectedBy: { feedEvents: ['listenKeyExpired'] },
    action: { kind: 'recover' },
  },
  {
    id: 'sl-placement-failed',
    title: 'Stop-loss could not be placed: emergency close',
    severity: 'critical',
    detection: 'The stop-loss for a filled entry was rejected or failed after its bounded retries.',
    automaticAction:
      'Closes the position at market with a reduce-only order so it is never left unprotected, records the incident with the exchange error, and counts the close in the risk state.',
    operatorSteps: [
      'Read the audit record of the incident: the exchange error says why (e.g. -2021 the price moved through the stop, -4164 notional, -2019 margin).',
      'Check on the exchange that the position is flat and no orphan orders remain (`GET /status`).',
      'Fix the cause (stop distance, leverage, balance) before resuming.',
    ],
    detectedBy: { incidents: ['STOP_LOSS_FAILED'] },
    action: { kind: 'protect' },
  },
  {
    id: 'position-unprotected',
    title: 'Position found without a stop-loss',
    severity: 'critical',
    detection:
      'Reconciliation (at start, or when the account state shows a position no stop covers) found an open position with no reduce-only stop order on the exchange; or an entry whose outcome is unknown, or whose unfilled rest could not be canceled.',
    automaticAction:
      'Places a stop-loss for it at the configured distance before anything else happens; if that fails, closes it at market (see sl-placement-failed).',
    operatorSteps: [
      'Find out where the position came from (manual trade? a crash between entry and stop?) in the audit trail.',
      'Check the adopted stop in `GET /status`; move it by hand on the exchange if you want another level.',
    ],
    detectedBy: { incidents: ['POSITION_UNPROTECTED', 'ENTRY_OUTCOME_UNKNOWN', 'ENTRY_NOT_CANCELED'] },
    action: { kind: 'protect' },
  },
  {
    id: 'foreign-position',
    title: 'A position the bot did not open',
    severity: 'warning',
    detection:
      'The account state (a user-data ACCOUNT_UPDATE, or a REST sweep while the stream is degraded or silent) shows a position on any symbol that is not one of the bot’s trades: opened by hand, by another tool, or left by a partly failed flatten.',
    automaticAction:
      'Counts it against maxConcurrentPositions at once and never enters on top of it (FOREIGN_POSITION). Then `positions.foreignPolicy`: `adopt` (default) keeps a stop already on the exchange or places one whose loss from the entry is the per-trade risk of the equity, and records its close in the guard; when the mark is already past that stop, it is closed instead. `flatten` closes it at market. `ignore-symbol` leaves it alone and does not trade the symbol while it is open.',
    operatorSteps: [
      'Find out who opened it (the exchange’s order history; the audit trail has the bot’s own orders).',
      'If it is yours and you want to keep it out of the bot’s hands, use BOT_FOREIGN_POSITIONS=ignore-symbol.',
    ],
    detectedBy: {},
    action: { kind: 'protect' },
  },
  {
    id: 'liquidation',
    title: 'Liquidation or auto-deleveraging',
    severity: 'critical',
    detection:
      'A fill of an `autoclose-…` (liquidation) or `adl_autoclose` (ADL) order, from the user-data stream (ORDER_TRADE_UPDATE, execution type CALCULATED) or from the fills read over REST when the close is settled.',
    automaticAction:
      'Records the close with reason `liquidation` or `adl` and halts with LIQUIDATION / ADL (the halt is saved and survives restarts; only `POST /resume` clears it). A liquidation of a position the bot did not open halts too: the margin is shared.',
    operatorSteps: [
      'Read the audit trail around the close: why did the stop not fire first (gap, stop beyond the liquidation price, leverage changed by hand)?',
      'Check the account’s margin and leverage on the exchange; resume with `POST /resume` only when you understand it.',
    ],
    detectedBy: { haltCodes: ['LIQUIDATION', 'ADL'] },
    action: { kind: 'halt' },
  },
  {
    id: 'leverage-drift',
    title: 'Leverage or margin type changed on the exchange',
    severity: 'warning',
    detection:
      'An ACCOUNT_CONFIG_UPDATE (leverage) or ACCOUNT_UPDATE MARGIN_TYPE_CHANGE, or a REST sweep, shows a symbol’s leverage or margin type different from the configured ones after the bot set them.',
    automaticAction:
      'Before the next entry on that symbol, sets them back to the configured values (never above the tier’s leverage cap). When the exchange refuses (-4047/-4048: the user’s open orders or position lock the margin type), the entry is denied with SYMBOL_LOCKED or LEVERAGE_MISMATCH; nothing is retried in a loop.',
    operatorSteps: [
      'Do not change leverage or margin type by hand on symbols the bot trades; cancel your own orders on them if you did.',
    ],
    detectedBy: {},
    action: { kind: 'recover' },
  },
  {
    id: 'daily-drawdown-hit',
    title: "Day's drawdown limit reached",
    severity: 'critical',
    detection:
      "RiskGuard: the day's realized loss (plus open loss, if configured) reached the daily drawdown fraction of the day's starting equity.",
    automaticAction:
      'Halts new entries until 00:00 UTC; open positions keep their stop-loss and take-profit.',
    operatorSteps: [
      'Review the day’s trades in the audit trail before the next day starts.',
      'Do not raise the limit to keep trading: the limit exists for days like this.',
    ],
    detectedBy: { haltCodes: ['DAILY_DRAWDOWN'] },
    action: { kind: 'halt' },
  },
  {
    id: 'sl-streak-hit',
    title: 'Stop-loss streak limit reached',
    severity: 'warning',
    detection: 'RiskGuard: the configured number of stop-losses in a row (max SL streak).',
    automaticAction:
      'Halts new entries; the streak survives restarts and only a winning close or `POST /resume` clears the halt.',
    operatorSteps: [
      'Look at the last losing trades: is the market regime one the strategy should sit out?',
      'Resume with `POST /resume` once you decide to continue.',
    ],
    detectedBy: { haltCodes: ['SL_STREAK'] },
    action: { kind: 'halt' },
  },
  {
    id: 'rate-limited',
    title: 'Rate limited or IP banned',
    severity: 'warning',
    detection:
      'The exchange answered HTTP 429 (-1003/-1015) or 418 (IP ban), with Retry-After; or a request was not sent because that pause was still in force (`RATE_LIMITED`).',
    automaticAction:
      'Every REST request of the process (orders, sweeps, the feeds’ polling and listenKey calls) goes through the exchange adapter’s one executor, which pauses them all until Retry-After has passed (at least its backoff): a request waits out a pause of up to a minute, and fails at once during a longer one (logged and audited with this playbook). While the pause lasts no position is opened: a signal is denied with RATE_LIMITED without a request. A start-up that fails this way is tried again once Retry-After has passed (never sooner than its backoff).',
    operatorSteps: [
      'A 418 means repeated 429s: make sure only one bot runs per IP and no other tool shares its weight.',
      'Bans last from 2 minutes to 3 days; the bot waits them out by itself.',
    ],
    detectedBy: {
      exchangeCodes: [-1003, -1015],
      errorCodes: ['RATE_LIMITED'],
      ccxtErrors: ['RateLimitExceeded', 'DDoSProtection'],
      retryStart: true,
    },
    action: { kind: 'stop-opening', denial: 'RATE_LIMITED', until: 'pause-ends' },
  },
  {
    id: 'clock-skew',
    title: 'Clock skew against the exchange',
    severity: 'warning',
    detection: 'A signed request answered -1021 (timestamp outside the recvWindow).',
    automaticAction:
      'Re-syncs the time difference with the exchange and sends the request again, within `execution.maxRetries`; a request that still fails is logged and audited with this playbook and tried again at the next candle or review.',
    operatorSteps: ['Enable NTP on the host (`timedatectl set-ntp true`) and check `timedatectl status`.'],
    detectedBy: { exchangeCodes: [-1021] },
    action: { kind: 'recover' },
  },
  {
    id: 'auth-failure',
    title: 'Authentication failure',
    severity: 'critical',
    detection:
      'The exchange answered -2014/-2015 (bad or unknown key, IP not whitelisted, missing permission) or -1022 (bad signature): any `AUTHENTICATION_FAILED` error of the exchange adapter.',
    automaticAction:
      'During a run: halts the RiskGuard (reason `playbook auth-failure: …`; an earlier halt is kept instead), saves the halt (it survives a restart) and audits it (`trading.pause`); nothing opens until `POST /resume`. Nothing is closed or cancelled: the stops and take-profits already on the exchange stay. At start-up the run stops before any order (exit 1).',
    operatorSteps: [
      'Check the API key and secret (BOT_API_KEY / BOT_API_SECRET), the key’s futures permission and its IP whitelist.',
      'Then `POST /resume`, or restart the bot after fixing them (the halt is kept across the restart: resume it).',
    ],
    detectedBy: {
      exchangeCodes: [-2014, -2015, -1022],
      errorCodes: ['AUTHENTICATION_FAILED'],
      ccxtErrors: ['AuthenticationError'],
    },
    action: { kind: 'halt' },
  },
  {
    id: 'exchange-maintenance',
    title: 'Exchange maintenance or outage',
    severity: 'warning',
    detection:
      'A request failed through all its retries (503 -1001 "Service Unavailable" during maintenance, other 5xx, network errors: `RETRIES_EXHAUSTED`), an order’s outcome could not be looked up (`UNKNOWN_OUTCOME`), or an answer could not be read (`UNEXPECTED_RESPONSE`); at start-up also ccxt’s network, timeout and maintenance errors.',
    automaticAction:
      'Stops opening positions: signals are denied with EXCHANGE_UNAVAILABLE (audited `entries.stop`) until the next account sweep reads the whole account (every `execution.accountSweepMs`), which clears it (`entries.resume`). Exits, settles and protection go on being tried at every candle and review. At start-up the start is tried again with backoff (1 s … 60 s, about 2½ minutes in all), then reconciles.',
    operatorSteps: ['Check the exchange’s announcements; the bot resumes on its own after the maintenance.'],
    detectedBy: {
      exchangeCodes: [-1001],
      errorCodes: ['RETRIES_EXHAUSTED', 'UNKNOWN_OUTCOME', 'UNEXPECTED_RESPONSE'],
      ccxtErrors: ['NetworkError', 'RequestTimeout', 'ExchangeNotAvailable', 'OnMaintenance'],
      retryStart: true,
    },
    action: { kind: 'stop-opening', denial: 'EXCHANGE_UNAVAILABLE', until: 'account-sweep' },
  },
  {
    id: 'audit-verification-failed',
    title: 'Audit trail verification failed',
    severity: 'critical',
    detection:
      '`bot audit verify` or the start-up check found a broken hash chain, a sequence gap or a damaged record; or a record could not be written during a run.',
    automaticAction:
      'Refuses to start trading against a trail it cannot extend safely (exit 2); the damaged file is left untouched. During a run, a record that cannot be written halts the RiskGuard.',
    operatorSteps: [
      'Run `bot audit verify <files…>` to see the first bad record and its reason.',
      'Keep the damaged files for investigation; start a new trail (new audit path) to trade again.',
    ],
    detectedBy: {},
    action: { kind: 'refuse-start' },
  },
];

export function findPlaybook(id: string): Playbook | undefined {
  return PLAYBOOKS.find((playbook) => playbook.id === id);
}

/**
 * The playbook of an error the loop or the start-up met, or undefined when none fits: Binance's code first
 * (a `RETRIES_EXHAUSTED` whose last answer was -1003 is a rate limit), then the adapter's error code, then
 * ccxt's error class.
 */
export function playbookForError(error: unknown): Playbook | undefined {
  if (isExchangeAdapterError(error)) {
    const { exchangeCode, code } = error;
    if (exchangeCode !== undefined) {
      const byExchangeCode = PLAYBOOKS.find((playbook) =>
        playbook.detectedBy.exchangeCodes?.includes(exchangeCode),
      );
      if (byExchangeCode) return byExchangeCode;
    }
    return PLAYBOOKS.find((playbook) => playbook.detectedBy.errorCodes?.includes(code));
  }
  const name = (error as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string') return undefined;
  return PLAYBOOKS.find((playbook) => playbook.detectedBy.ccxtErrors?.includes(name));
}

/**
 * Whether a failed start may succeed if tried again: the exchange was unreachable, in maintenance or
 * throttling (`detectedBy.retryStart`). Bad input (config, symbols, state, audit trail) and refusals (keys,
 * permissions, clock) are not.
 */
export function isTransientStartError(error: unknown): boolean {
  return playbookForError(error)?.detectedBy.retryStart === true;
}

/** The playbook of an `@bot/exchange` incident; the others (a take-profit that failed…) have none. */
export function playbookForIncident(code: IncidentCode): Playbook | undefined {
  return PLAYBOOKS.find((playbook) => playbook.detectedBy.incidents?.includes(code));
}

/** Every RiskGuard halt code that has a playbook → that playbook's id. */
export function haltPlaybookIds(): Readonly<Record<string, string>> {
  return Object.fromEntries(
    PLAYBOOKS.flatMap((playbook) => (playbook.detectedBy.haltCodes ?? []).map((code) => [code, playbook.id])),
  );
}

/** The playbook of a feed event; every feed event has one. */
export function playbookForFeed(event: FeedEvent): Playbook {
  const playbook = PLAYBOOKS.find((entry) => entry.detectedBy.feedEvents?.includes(event));
  if (!playbook) throw new Error(`no playbook for the feed event ${event}`);
  return playbook;
}

/** Plain-text rendering for `bot playbook <id>`. */
export function formatPlaybook(playbook: Playbook): string {
  const { exchangeCodes, errorCodes } = playbook.detectedBy;
  const recognised = [
    ...(exchangeCodes ? [`Binance codes ${exchangeCodes.join(', ')}`] : []),
    ...(errorCodes ? [`adapter errors ${errorCodes.join(', ')}`] : []),
  ];
  const { action } = playbook;
  return [
    `${playbook.id} — ${playbook.title} [${playbook.severity}]`,
    `Detected: ${playbook.detection}`,
    ...(recognised.length > 0 ? [`Recognised in errors by: ${recognised.join('; ')}`] : []),
    `The bot (${action.kind === 'stop-opening' ? `stop-opening, denying ${action.denial}` : action.kind}): ${playbook.automaticAction}`,
    'You:',
    ...playbook.operatorSteps.map((step, index) => `  ${index + 1}. ${step}`),
  ].join('\n');
}
