import { defaultBackoff } from '@bot/symbols';
import type { BackoffOptions } from '@bot/symbols';
import type { Clock } from './clock';
import { WsError } from './errors';
import { defaultHealthThresholds } from './feed-health';
import type { HealthThresholds } from './feed-health';
import { createDefaultWebSocket } from './resilient-connection';
import type { CreateWebSocket } from './resilient-connection';

/** Options shared by both feeds (defaults in parentheses). */
export interface ConnectionOptions extends HealthThresholds {
  /** WebSocket base URL (`wss://fstream.binance.com`); the feed appends `/market/ws`, `/public/ws`, `/private/ws`. */
  readonly baseUrl?: string;
  /** Clock and timers (the real ones). */
  readonly clock?: Clock;
  /** Randomness for backoff jitter and rotation spread (`Math.random`). */
  readonly random?: () => number;
  /** Socket factory (`new WebSocket(url, options)` from `ws`). */
  readonly createWebSocket?: CreateWebSocket;
  /** Reconnect backoff (250 ms doubling to 30 s, half of it random). */
  readonly backoff?: BackoffOptions;
  /** Client ping interval (30 000 ms). */
  readonly pingIntervalMs?: number;
  /** A ping not answered within this is a dead socket (10 000 ms). */
  readonly pongTimeoutMs?: number;
  /** Handshake deadline (10 000 ms). */
  readonly openTimeoutMs?: number;
  /** Proactive replacement age, before Binance's 24 h cut (23 h; 0 disables). */
  readonly maxConnectionAgeMs?: number;
  /** Larger frames are counted as `oversized` and dropped, the socket stays (1 MiB). */
  readonly maxMessageBytes?: number;
  /** Larger frames close the socket (`ws` maxPayload, 16 MiB); it is then replaced. */
  readonly maxPayloadBytes?: number;
  /** Outgoing messages per second per socket (5; Binance closes a socket above 10). */
  readonly maxOutgoingPerSecond?: number;
}

export const defaultConnectionOptions = {
  baseUrl: 'wss://fstream.binance.com',
  pingIntervalMs: 30_000,
  pongTimeoutMs: 10_000,
  openTimeoutMs: 10_000,
  maxConnectionAgeMs: 23 * 3_600_000,
  maxMessageBytes: 1024 * 1024,
  maxPayloadBytes: 16 * 1024 * 1024,
  maxOutgoingPerSecond: 5,
} as const;

export function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  allowZero = false,
): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result < 0 || (!allowZero && result === 0)) {
    throw new WsError(
      'INVALID_OPTIONS',
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
  }
  return result;
}

export function trimBaseUrl(url: string): string {
  if (!/^wss?:\/\//.test(url))
    throw new WsError('INVALID_OPTIONS', `baseUrl must start with ws:// or wss://, got ${url}`);
  return url.replace(/\/+$/, '');
}

/**
 * The health thresholds a feed runs with: the caller's, checked, or the defaults. `pollWeightPerMinute` is
 * the feed's own default budget (market 300, user data 600).
 */
export function resolveHealthThresholds(options: HealthThresholds, pollWeightPerMinute: number) {
  return {
    degradeAfterMs: positive(
      'degradeAfterMs',
      options.degradeAfterMs,
      defaultHealthThresholds.degradeAfterMs,
    ),
    recoverAfterMs: positive(
      'recoverAfterMs',
      options.recoverAfterMs,
      defaultHealthThresholds.recoverAfterMs,
      true,
    ),
    pollIntervalMs: positive(
      'pollIntervalMs',
      options.pollIntervalMs,
      defaultHealthThresholds.pollIntervalMs,
    ),
    maxPollWeightPerMinute: positive(
      'maxPollWeightPerMinute',
      options.maxPollWeightPerMinute,
      pollWeightPerMinute,
    ),
  };
}

/**
 * The socket settings both feeds give each `ResilientConnection`: the caller's, checked, or the defaults
 * (the url, clock, randomness and handlers stay each feed's own).
 */
export function resolveConnectionSettings(options: ConnectionOptions) {
  return {
    createWebSocket: options.createWebSocket ?? createDefaultWebSocket,
    backoff: options.backoff ?? defaultBackoff,
    stableAfterMs: 30_000,
    pingIntervalMs: positive(
      'pingIntervalMs',
      options.pingIntervalMs,
      defaultConnectionOptions.pingIntervalMs,
    ),
    pongTimeoutMs: positive('pongTimeoutMs', options.pongTimeoutMs, defaultConnectionOptions.pongTimeoutMs),
    openTimeoutMs: positive('openTimeoutMs', options.openTimeoutMs, defaultConnectionOptions.openTimeoutMs),
    maxConnectionAgeMs: positive(
      'maxConnectionAgeMs',
      options.maxConnectionAgeMs,
      defaultConnectionOptions.maxConnectionAgeMs,
      true,
    ),
    maxOutgoingPerSecond: positive(
      'maxOutgoingPerSecond',
      options.maxOutgoingPerSecond,
      defaultConnectionOptions.maxOutgoingPerSecond,
    ),
    maxPayloadBytes: positive(
      'maxPayloadBytes',
      options.maxPayloadBytes,
      defaultConnectionOptions.maxPayloadBytes,
    ),
  };
}
