/**
 * Time, randomness and logging, injected so tests never sleep on the wall clock and every delay is
 * repeatable. The defaults are the real ones.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured log line. `event` is stable (e.g. `exchange-request`, `exchange-retry`, `incident`). */
export interface ExchangeLogEntry {
  readonly level: LogLevel;
  readonly event: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export type ExchangeLogger = (entry: ExchangeLogEntry) => void;

export interface Runtime {
  /** Epoch ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), for backoff jitter and generated client ids. */
  readonly random: () => number;
  readonly log: ExchangeLogger;
}

export interface RuntimeOptions {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly log?: ExchangeLogger;
}

export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function resolveRuntime(options: RuntimeOptions = {}): Runtime {
  return {
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    log: options.log ?? (() => {}),
  };
}
