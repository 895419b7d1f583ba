/**
 * Retry delays: exponential, capped, with "equal jitter" (half fixed, half random). The one backoff of the
 * repository: `@bot/ws`'s reconnects, `@bot/exchange`'s request retries and the runner's start-up retries.
 * It lives here because every package that waits already imports this pure one (see the README).
 */
export interface BackoffOptions {
  /** First retry delay before jitter (default 250 ms). */
  readonly initialDelayMs?: number;
  /** Cap before jitter (default 30 000 ms). */
  readonly maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  readonly multiplier?: number;
}

export const defaultBackoff: Required<BackoffOptions> = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  multiplier: 2,
};

/**
 * The delay before retry number `attempt` (0 for the first retry): `min(max, initial × multiplier^attempt)`,
 * of which the upper half is random, so many clients that lost the same server do not return in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const initial = options.initialDelayMs ?? defaultBackoff.initialDelayMs;
  const max = options.maxDelayMs ?? defaultBackoff.maxDelayMs;
  const multiplier = options.multiplier ?? defaultBackoff.multiplier;
  const exponent = Math.min(Math.max(0, attempt), 60);
  const ceiling = Math.min(max, initial * multiplier ** exponent);
  const unit = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}
