import type { DisconnectCause } from './resilient-connection';

/**
 * A feed's health. The steady cycle is `live → degraded → recovering → live`; `connecting` comes only
 * before the first `live`, and `stopped` after `close()`.
 *
 * - `live`: the socket is up and current; no REST polling (except a one-shot gap fill after a short blip).
 * - `degraded`: the socket has been down or stale for `degradeAfterMs`; the injected poller delivers the
 *   same event types over REST, spaced to stay under the weight budget.
 * - `recovering`: a socket is up again; polling continues until it has been healthy for `recoverAfterMs`
 *   and a REST snapshot taken after it came up has filled the gap.
 */
export type FeedHealthState = 'connecting' | 'live' | 'degraded' | 'recovering' | 'stopped';

/** Machine-readable cause of a transition, for audit and for picking a playbook. */
export type HealthCause =
  | DisconnectCause
  /** First socket up (connecting → live). */
  | 'connected'
  /** No socket up within `degradeAfterMs` of start (connecting → degraded). */
  | 'connect-failed'
  /** A socket is up again after degradation (degraded → recovering). */
  | 'reconnected'
  /** Healthy for `recoverAfterMs` and the gap is filled (recovering → live). */
  | 'recovered'
  /** `close()` was called. */
  | 'stopped';

export type FeedName = 'market' | 'userData';

/** One health transition; every transition is emitted as a `health` event. */
export interface HealthTransition {
  readonly feed: FeedName;
  readonly from: FeedHealthState;
  readonly to: FeedHealthState;
  readonly cause: HealthCause;
  /** Human-readable, with the numbers that triggered it (e.g. "btcusdc@markPrice@1s silent for 5200 ms"). */
  readonly reason: string;
  readonly at: number;
  /** Since when data has been missing (degraded transitions). */
  readonly downSince: number | undefined;
}

/** Thresholds of the health machine (defaults in parentheses). */
export interface HealthThresholds {
  /** Down or stale this long → degraded, REST polling starts (5 000 ms). */
  readonly degradeAfterMs?: number;
  /** Up this long (and gap filled) → live, polling stops (30 000 ms). */
  readonly recoverAfterMs?: number;
  /** Minimum spacing of REST polls (2 000 ms). */
  readonly pollIntervalMs?: number;
  /** Request-weight budget of the poller per minute (market 300, user data 600; Binance allows 2 400). */
  readonly maxPollWeightPerMinute?: number;
}

export const defaultHealthThresholds = {
  degradeAfterMs: 5_000,
  recoverAfterMs: 30_000,
  pollIntervalMs: 2_000,
} as const;
