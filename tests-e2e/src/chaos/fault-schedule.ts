import type { HttpErrorFault, Sim } from '@bot/sim';
import { openPositions, unprotectedPositions } from './exchange-monitor';
import type { Random } from './random';

/** Every fault kind the chaos suite injects (the names in the report). */
export const FAULT_KINDS = [
  'stream-drop',
  'stale-market-stream',
  'http-5xx',
  '503-unknown-error',
  'rate-limit-429',
  'ip-ban-418',
  'clock-skew',
  'latency',
  'maintenance',
  'listen-key-expiry',
  'reject-conditional',
  'partial-fill',
  'price-shock',
  'liquidation-move',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each kind is drawn (liquidation moves are drawn only while a position is bare, see below). */
const WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ['stream-drop', 3],
  ['stale-market-stream', 2],
  ['http-5xx', 3],
  ['503-unknown-error', 3],
  ['rate-limit-429', 2],
  ['ip-ban-418', 1],
  ['clock-skew', 2],
  ['latency', 2],
  ['maintenance', 1],
  ['listen-key-expiry', 2],
  ['reject-conditional', 3],
  ['partial-fill', 3],
  ['price-shock', 1],
];

/** Paths the one-shot HTTP errors aim at: order placement is where an error costs the most. */
const ERROR_PATHS = [
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

export interface ScheduleOptions {
  /** Wall ms between two faults, drawn uniformly. */
  readonly gapMs: readonly [number, number];
  /** Wall ms a lasting fault (latency, skew, maintenance, stale stream) lasts. */
  readonly lastingMs: readonly [number, number];
}

export const DEFAULT_SCHEDULE: ScheduleOptions = { gapMs: [700, 2200], lastingMs: [500, 3500] };

/**
 * Injects random faults into the emulator while a run lasts: one every `gapMs`, lasting ones switched off
 * after `lastingMs`. One-shot HTTP errors are queued (at most 3 waiting) and consumed by the next request
 * whose path matches. Fills caused by a price move the schedule made are remembered (`shockFillIds`): a
 * gap through a stop loses more than the trade's planned risk, which no bot can prevent, so the day's-loss
 * invariant leaves them out.
 */
export class FaultSchedule {
  readonly injected = new Map<FaultKind, number>();
  readonly shockFillIds = new Set<number>();
  readonly #httpErrors: HttpErrorFault[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = false;

  constructor(
    private readonly sim: Sim,
    private readonly accountId: string,
    private readonly random: Random,
    private readonly options: ScheduleOptions = DEFAULT_SCHEDULE,
  ) {}

  start(): void {
    this.#running = true;
    this.sim.injectFaults({ httpErrors: this.#httpErrors });
    this.#next();
  }

  /** Stops drawing faults and clears every fault still active. */
  stop(): void {
    this.#running = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.sim.clearFaults();
    this.#httpErrors.length = 0;
  }

  /** A liquidation-level move of a position that has no stop (the bot is down): what happens to it. */
  liquidateBare(): boolean {
    const [position] = unprotectedPositions(this.sim, this.accountId);
    if (!position || Number(position.liquidationPrice) <= 0) return false;
    const long = Number(position.positionAmt) > 0;
    const liquidation = Number(position.liquidationPrice);
    this.#move(position.symbol, liquidation * (long ? 0.997 : 1.003), position.markPrice);
    this.#count('liquidation-move');
    return true;
  }

  #next(): void {
    if (!this.#running) return;
    this.#later(this.random.between(...this.options.gapMs), () => {
      this.#inject(this.random.weighted(WEIGHTS));
      this.#next();
    });
  }

  #later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#running) action();
    }, ms);
    this.#timers.add(timer);
  }

  #lasting(): number {
    return this.random.between(...this.options.lastingMs);
  }

  #count(kind: FaultKind): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + 1);
  }

  #queueHttpError(fault: HttpErrorFault): boolean {
    if (this.#httpErrors.length >= 3) return false;
    this.#httpErrors.push(fault);
    return true;
  }

  /** Moves last and mark to `price` (with `like`'s decimals, the symbol's tick) at once: a wick. */
  #move(symbol: string, price: number, like: string): void {
    const before = new Set(this.sim.core.fills(this.accountId).map((fill) => fill.tradeId));
    const text = price.toFixed(like.split('.')[1]?.length ?? 0);
    this.sim.setMarketPrice(symbol, text, text);
    for (const fill of this.sim.core.fills(this.accountId)) {
      if (!before.has(fill.tradeId)) this.shockFillIds.add(fill.tradeId);
    }
  }

  #inject(kind: FaultKind): void {
    const { sim, random } = this;
    switch (kind) {
      case 'stream-drop':
        sim.dropStreams(random.pick([undefined, 'market', 'private'] as const));
        break;
      case 'stale-market-stream':
        sim.injectFaults({ staleMarketStreams: true });
        this.#later(this.#lasting() * 2, () => sim.injectFaults({ staleMarketStreams: false }));
        break;
      case 'http-5xx': {
        const pathContains = random.pick(ERROR_PATHS);
        const status = random.pick([500, 502, 504]);
        const queued = this.#queueHttpError({
          status,
          ...(random.chance(0.5)
            ? { code: -1000, msg: 'Internal error; unable to process your request.' }
            : {}),
          ...(pathContains ? { pathContains } : {}),
        });
        if (!queued) return;
        break;
      }
      case '503-unknown-error': {
        const queued = this.#queueHttpError({
          status: 503,
          code: -1000,
          msg: 'Unknown error, please check your request or try again later.',
          executeBeforeError: true,
          pathContains: random.pick(['/fapi/v1/order', '/fapi/v1/algoOrder']),
        });
        if (!queued) return;
        break;
      }
      case 'rate-limit-429':
      case 'ip-ban-418':
        sim.injectFaults({
          rateLimit: {
            status: kind === 'ip-ban-418' ? 418 : 429,
            retryAfterSeconds: random.int(1, 3),
            count: random.int(1, 3),
          },
        });
        break;
      case 'clock-skew': {
        const magnitude = random.between(1500, 8000);
        sim.injectFaults({ clockSkewMs: Math.round(random.chance(0.5) ? magnitude : -magnitude) });
        this.#later(this.#lasting(), () => sim.injectFaults({ clockSkewMs: 0 }));
        break;
      }
      case 'latency':
        sim.injectFaults({ latencyMs: random.int(100, 1500) });
        this.#later(this.#lasting(), () => sim.injectFaults({ latencyMs: 0 }));
        break;
      case 'maintenance':
        sim.injectFaults({ maintenance: true });
        this.#later(this.#lasting(), () => sim.injectFaults({ maintenance: false }));
        break;
      case 'listen-key-expiry':
        sim.expireListenKeys(this.accountId);
        break;
      case 'reject-conditional':
        sim.injectFaults({
          rejectNextConditional: random.pick([
            { code: -2021, msg: 'Order would immediately trigger.' },
            { code: -4045, msg: 'Reach max stop order limit.' },
            { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
          ]),
        });
        break;
      case 'partial-fill':
        sim.injectFaults({ partialFillRatio: Math.round(random.between(0.2, 0.9) * 100) / 100 });
        break;
      case 'price-shock': {
        // A wick against an open position, through its stop: 1–4 %, or (one in three) to its liquidation
        // price. The stop fires with that slippage; a loss past the daily limit must halt the guard.
        const positions = openPositions(sim, this.accountId);
        if (positions.length === 0) return;
        const position = random.pick(positions);
        const long = Number(position.positionAmt) > 0;
        const mark = Number(position.markPrice);
        const liquidation = Number(position.liquidationPrice);
        const target =
          liquidation > 0 && random.chance(1 / 3)
            ? liquidation * (long ? 0.997 : 1.003)
            : mark * (long ? 1 - random.between(0.01, 0.04) : 1 + random.between(0.01, 0.04));
        this.#move(position.symbol, target, position.markPrice);
        break;
      }
      case 'liquidation-move':
        if (!this.liquidateBare()) return;
        return; // counted by liquidateBare
    }
    this.#count(kind);
  }
}
