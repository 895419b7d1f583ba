/**
 * What the chaos suite can inject and how often: the fault kinds with their weights, the paths errors go to,
 * the schedule's options and defaults, and the records it keeps (impairments, price gaps, user actions).
 */

/** Every fault kind the chaos suite injects (the names in the report). */
export const FAULT_KINDS = [
  'stream-drop',
  'stale-market-stream',
  'user-data-silence',
  'http-5xx',
  '503-unknown-error',
  'late-execution',
  'rate-limit-429',
  'ip-ban-418',
  'weight-limit',
  'clock-skew',
  'latency',
  'maintenance',
  'listen-key-expiry',
  'reject-conditional',
  'partial-fill',
  'price-shock',
  'gap',
  'liquidation',
  'adl',
  'liquidation-move',
  'user-open',
  'user-close',
  'user-cancel-stop',
  'user-cancel-take-profit',
  'user-leverage',
  'user-margin-type',
  'user-withdraw',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is drawn (liquidation moves are drawn only while a position is bare, see below). */
export const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['stream-drop', 3],
  ['stale-market-stream', 2],
  ['user-data-silence', 2],
  ['http-5xx', 3],
  ['503-unknown-error', 3],
  ['late-execution', 3],
  ['rate-limit-429', 2],
  ['ip-ban-418', 1],
  ['weight-limit', 0.7],
  ['clock-skew', 2],
  ['latency', 2],
  ['maintenance', 1],
  ['listen-key-expiry', 2],
  ['reject-conditional', 3],
  ['partial-fill', 3],
  ['price-shock', 1],
  ['gap', 1.5],
  ['liquidation', 0.4],
  ['adl', 0.4],
  ['user-open', 2],
  ['user-close', 1.5],
  ['user-cancel-stop', 4],
  ['user-cancel-take-profit', 1],
  ['user-leverage', 2],
  ['user-margin-type', 1],
  ['user-withdraw', 1],
];

/** Paths the one-shot HTTP errors aim at: order placement is where an error costs the most. */
export const ERROR_PATHS = [
  '/fapi/v1/order',
  '/fapi/v1/order',
  '/fapi/v1/algoOrder',
  '/fapi/v1/algoOrder',
  '/fapi/v2/positionRisk',
  '/fapi/v3/positionRisk',
  '/fapi/v1/openAlgoOrders',
  '/fapi/v2/balance',
  undefined,
] as const;

/** The bot's client timeout (config `execution.requestTimeoutMs`): a held request past it is a timeout. */
export const CLIENT_TIMEOUT_MS = 10_000;

/**
 * How long the exchange adapter looks an entry with an unknown outcome up before it gives up on it (its
 * `unknownOutcomeWindowMs`: recvWindow 5 s + a 5 s margin; an order that opens a position is never sent twice).
 * The bot's one queue waits for it, so a 5xx on an entry that never executes keeps the bot from acting that long.
 */
export const ENTRY_LOOKUP_MS = 10_000;

/**
 * Wall ms the bot may still need after an injected obstacle is gone before its work is done again: a retry
 * after its backoff (0.5, then 1 s, with jitter), two look-ups of an order with an unknown outcome (0.5 and
 * 1 s apart) or the next one of an entry's (every 2 s), and the round trips after them.
 */
export const RECOVERY_MS = 3_000;

export interface ScheduleOptions {
  /** Wall ms between two faults, drawn uniformly. */
  readonly gapMs: readonly [number, number];
  /** Wall ms a lasting fault (latency, skew, maintenance, stale stream) lasts. */
  readonly lastingMs: readonly [number, number];
  /** The bot's symbols (exchange ids): where the user acts. */
  readonly symbols: readonly string[];
  /** Whether a bot is up and trading now (some faults wait for it). */
  readonly botTrading?: () => boolean;
  /** The emulator's weight limit the `weight-limit` fault returns to. */
  readonly weightLimitPerMinute?: number;
}

export const DEFAULT_SCHEDULE: Omit<ScheduleOptions, 'symbols'> = {
  gapMs: [700, 2200],
  lastingMs: [500, 3500],
};

/** A wall-time stretch in which the exchange kept the bot from acting (what invariant 1 leaves out). */
export interface Impairment {
  readonly start: number;
  end: number;
  readonly why: string;
}

/** A price jump the suite made through a resting stop (or to a liquidation price). */
export interface GapRecord {
  readonly kind: 'gap' | 'price-shock' | 'liquidation' | 'liquidation-move';
  readonly symbol: string;
  /** Wall ms. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
  /** The stop it went through (trigger price), if one rested. */
  readonly through: string | undefined;
}

/** What the user did on the website (the suite's `sim.actAsUser` calls that the emulator accepted). */
export interface UserActionRecord {
  readonly kind: FaultKind;
  /** Wall ms. */
  readonly at: number;
  readonly symbol: string | undefined;
  readonly detail: string;
}
