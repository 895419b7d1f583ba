/**
 * The incident playbooks (P5): for each incident the bot can meet, how it is detected, what the bot did
 * on its own, and what the operator should do. When one fires, the log line and the audit record carry
 * its `id`; `bot playbook <id>` and `GET /playbook/<id>` show it.
 */
export interface Playbook {
  readonly id: string;
  readonly title: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly detection: string;
  readonly automaticAction: string;
  readonly operatorSteps: readonly string[];
}

export const PLAYBOOKS: readonly Playbook[] = [
  {
    id: 'ws-degraded',
    title: 'WebSocket feed down or degraded',
    severity: 'warning',
    detection:
      'A market or user-data stream closed, missed its pongs, or stayed silent past its staleness threshold (feed health leaves "live").',
    automaticAction:
      'Switches that feed to REST polling with bounded request weight, keeps every stop-loss on the exchange, reconnects with backoff and returns to WebSocket once the socket has been healthy for a while; a REST snapshot fills the gap so no fill is missed or counted twice.',
    operatorSteps: [
      'Check `GET /status` → feed health; it should return to "live" by itself.',
      'If it stays degraded for more than 15 minutes, check the network path to the exchange and the exchange status page.',
      'Trading continues on REST data; halt (`POST /halt`) if you prefer to wait it out flat.',
    ],
  },
  {
    id: 'listen-key-expired',
    title: 'User-data listenKey expired',
    severity: 'warning',
    detection: 'The stream sent `listenKeyExpired`, or a keepalive answered -1125.',
    automaticAction:
      'Creates a new listenKey, reconnects the user-data stream, and reconciles orders and positions over REST for the gap.',
    operatorSteps: [
      'Nothing, if it happens rarely. If it repeats, check that the host clock is right and the bot is not starved of CPU (keepalives run every 30 minutes).',
    ],
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
  },
  {
    id: 'position-unprotected',
    title: 'Position found without a stop-loss',
    severity: 'critical',
    detection:
      'Reconciliation (at start or periodically) found an open position with no reduce-only stop order on the exchange.',
    automaticAction:
      'Places a stop-loss for it at the configured distance before anything else happens; if that fails, closes it at market (see sl-placement-failed).',
    operatorSteps: [
      'Find out where the position came from (manual trade? a crash between entry and stop?) in the audit trail.',
      'Check the adopted stop in `GET /status`; move it by hand on the exchange if you want another level.',
    ],
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
  },
  {
    id: 'rate-limited',
    title: 'Rate limited or IP banned',
    severity: 'warning',
    detection: 'The exchange answered HTTP 429 (-1003/-1015) or 418 (IP ban), with Retry-After.',
    automaticAction:
      'Backs off for at least Retry-After with jitter, reduces polling, and never resubmits an order whose outcome is unknown without looking it up first.',
    operatorSteps: [
      'A 418 means repeated 429s: make sure only one bot runs per IP and no other tool shares its weight.',
      'Bans last from 2 minutes to 3 days; the bot waits them out by itself.',
    ],
  },
  {
    id: 'clock-skew',
    title: 'Clock skew against the exchange',
    severity: 'warning',
    detection:
      'A signed request answered -1021 (timestamp outside the recvWindow), or the measured offset grew past the threshold.',
    automaticAction: 'Re-syncs the time difference with the exchange and retries the request once.',
    operatorSteps: ['Enable NTP on the host (`timedatectl set-ntp true`) and check `timedatectl status`.'],
  },
  {
    id: 'auth-failure',
    title: 'Authentication failure',
    severity: 'critical',
    detection:
      'The exchange answered -2014/-2015 (bad or unknown key, IP not whitelisted, missing permission) or -1022 (bad signature).',
    automaticAction: 'Stops opening positions and halts; protection already on the exchange stays in place.',
    operatorSteps: [
      'Check the API key and secret (BOT_API_KEY / BOT_API_SECRET), the key’s futures permission and its IP whitelist.',
      'Restart the bot after fixing them.',
    ],
  },
  {
    id: 'exchange-maintenance',
    title: 'Exchange maintenance or outage',
    severity: 'warning',
    detection: 'Repeated 5xx answers or 503 "Service Unavailable" on every endpoint.',
    automaticAction:
      'Stops opening positions, keeps retrying with backoff, and reconciles once the exchange answers again.',
    operatorSteps: ['Check the exchange’s announcements; the bot resumes on its own after the maintenance.'],
  },
  {
    id: 'audit-verification-failed',
    title: 'Audit trail verification failed',
    severity: 'critical',
    detection:
      '`bot audit verify` or the start-up check found a broken hash chain, a sequence gap or a damaged record.',
    automaticAction:
      'Refuses to start trading against a trail it cannot extend safely; the damaged file is left untouched.',
    operatorSteps: [
      'Run `bot audit verify <files…>` to see the first bad record and its reason.',
      'Keep the damaged files for investigation; start a new trail (new audit path) to trade again.',
    ],
  },
];

export function findPlaybook(id: string): Playbook | undefined {
  return PLAYBOOKS.find((playbook) => playbook.id === id);
}

/** Plain-text rendering for `bot playbook <id>`. */
export function formatPlaybook(playbook: Playbook): string {
  return [
    `${playbook.id} — ${playbook.title} [${playbook.severity}]`,
    `Detected: ${playbook.detection}`,
    `The bot: ${playbook.automaticAction}`,
    'You:',
    ...playbook.operatorSteps.map((step, index) => `  ${index + 1}. ${step}`),
  ].join('\n');
}
