import { TimerSlot } from './clock';
import type { Clock } from './clock';
import { WsError, describeError } from './errors';
import type { FeedHealthState, FeedName, HealthCause, HealthTransition } from './feed-health';
import type { DownInfo } from './resilient-connection';

/** Why a poll runs: the feed is degraded or recovering, or a short blip left a gap while live. */
export type PollReason = 'degraded' | 'recovering' | 'gap-fill';

/** What the feed's poll step reports back: the request weight it used and whether every part succeeded. */
export interface PollOutcome {
  readonly weight: number;
  readonly complete: boolean;
}

export interface FeedSupervisorOptions {
  readonly feed: FeedName;
  readonly clock: Clock;
  readonly degradeAfterMs: number;
  readonly recoverAfterMs: number;
  readonly pollIntervalMs: number;
  readonly maxPollWeightPerMinute: number;
  /** Runs one REST poll and delivers its events; `undefined` when the feed has no poller. */
  readonly poll: ((reason: PollReason) => Promise<PollOutcome>) | undefined;
  readonly onTransition: (transition: HealthTransition) => void;
  readonly onError: (error: WsError) => void;
}

/**
 * The health state machine of one feed, with the REST fallback it drives: it is told when the sockets go
 * down and come up, and decides when to degrade, poll, fill the gap and return to live.
 */
export class FeedSupervisor {
  readonly #options: FeedSupervisorOptions;
  readonly #clock: Clock;
  readonly #degradeTimer: TimerSlot;
  readonly #recoverTimer: TimerSlot;
  readonly #pollTimer: TimerSlot;
  #state: FeedHealthState = 'connecting';
  #up = false;
  #upSince = 0;
  #down: DownInfo | undefined;
  #gapFillNeeded = false;
  #gapFilled = true;
  #pollInFlight = false;
  #lastPollStartedAt = -Infinity;
  #nextPollSpacingMs = 0;
  #polls = 0;
  #pollFailures = 0;

  constructor(options: FeedSupervisorOptions) {
    this.#options = options;
    this.#clock = options.clock;
    this.#degradeTimer = new TimerSlot(options.clock);
    this.#recoverTimer = new TimerSlot(options.clock);
    this.#pollTimer = new TimerSlot(options.clock);
  }

  get state(): FeedHealthState {
    return this.#state;
  }

  get polls(): number {
    return this.#polls;
  }

  get pollFailures(): number {
    return this.#pollFailures;
  }

  /** Starts the clock on the first connection: not up within `degradeAfterMs` → degraded. */
  start(): void {
    if (this.#state !== 'connecting' || this.#degradeTimer.pending) return;
    const startedAt = this.#clock.now();
    this.#degradeTimer.set(this.#options.degradeAfterMs, () => {
      if (this.#state !== 'connecting' || this.#up) return;
      this.#transition(
        'degraded',
        'connect-failed',
        `no connection within ${this.#options.degradeAfterMs} ms of start${this.#down ? ` (last: ${this.#down.reason})` : ''}`,
        startedAt,
      );
    });
  }

  /** The sockets stopped delivering (idempotent while already down). */
  down(info: DownInfo): void {
    if (this.#state === 'stopped') return;
    if (!this.#up && this.#down) return;
    const wasUp = this.#up;
    this.#up = false;
    this.#down = info;
    this.#recoverTimer.clear();
    if (this.#state === 'recovering') {
      this.#transition('degraded', info.cause, `${info.reason} while recovering`, info.since);
      return;
    }
    if (this.#state === 'live' && wasUp) {
      const elapsed = this.#clock.now() - info.since;
      const remaining = this.#options.degradeAfterMs - elapsed;
      const degrade = () => {
        if (this.#up || this.#state !== 'live') return;
        this.#transition(
          'degraded',
          info.cause,
          `${info.reason}; down for ${this.#clock.now() - info.since} ms (threshold ${this.#options.degradeAfterMs} ms)`,
          info.since,
        );
      };
      if (remaining <= 0) degrade();
      else this.#degradeTimer.set(remaining, degrade);
    }
  }

  /** Every socket is up and delivering. */
  up(): void {
    if (this.#state === 'stopped' || this.#up) return;
    this.#up = true;
    this.#upSince = this.#clock.now();
    this.#degradeTimer.clear();
    const down = this.#down;
    this.#down = undefined;
    if (this.#state === 'connecting') {
      this.#transition('live', 'connected', 'first connection up', undefined);
      return;
    }
    // Whatever happened while the socket was down is fetched by a REST poll that starts after it is up.
    this.#gapFillNeeded = this.#options.poll !== undefined;
    this.#gapFilled = this.#options.poll === undefined;
    if (this.#state === 'degraded') {
      this.#transition(
        'recovering',
        'reconnected',
        `socket up again after ${down ? `${this.#upSince - down.since} ms (${down.reason})` : 'an outage'}`,
        undefined,
      );
      this.#recoverTimer.set(this.#options.recoverAfterMs, () => this.#checkRecovered());
    }
    this.#schedulePoll();
  }

  stop(): void {
    if (this.#state === 'stopped') return;
    this.#degradeTimer.clear();
    this.#recoverTimer.clear();
    this.#pollTimer.clear();
    this.#transition('stopped', 'stopped', 'closed by the caller', undefined);
  }

  #checkRecovered(): void {
    if (this.#state !== 'recovering' || !this.#up) return;
    const healthyFor = this.#clock.now() - this.#upSince;
    if (healthyFor < this.#options.recoverAfterMs || !this.#gapFilled) return;
    this.#transition(
      'live',
      'recovered',
      `socket healthy for ${healthyFor} ms (threshold ${this.#options.recoverAfterMs} ms)${this.#options.poll ? ' and the gap filled by REST' : ''}`,
      undefined,
    );
  }

  #transition(to: FeedHealthState, cause: HealthCause, reason: string, downSince: number | undefined): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#options.onTransition({
      feed: this.#options.feed,
      from,
      to,
      cause,
      reason,
      at: this.#clock.now(),
      downSince,
    });
    if (to === 'degraded') this.#schedulePoll();
  }

  #pollingWanted(): boolean {
    if (this.#options.poll === undefined) return false;
    return this.#state === 'degraded' || this.#state === 'recovering' || this.#gapFillNeeded;
  }

  #schedulePoll(): void {
    if (!this.#pollingWanted() || this.#pollInFlight || this.#pollTimer.pending) return;
    const dueAt = this.#lastPollStartedAt + this.#nextPollSpacingMs;
    this.#pollTimer.set(Math.max(0, dueAt - this.#clock.now()), () => void this.#runPoll());
  }

  async #runPoll(): Promise<void> {
    const poll = this.#options.poll;
    if (!poll || !this.#pollingWanted() || this.#pollInFlight) return;
    this.#pollInFlight = true;
    const startedAt = this.#clock.now();
    this.#lastPollStartedAt = startedAt;
    const reason: PollReason =
      this.#state === 'degraded' ? 'degraded' : this.#state === 'recovering' ? 'recovering' : 'gap-fill';
    let weight = 0;
    let complete = false;
    try {
      const outcome = await poll(reason);
      weight = outcome.weight;
      complete = outcome.complete;
    } catch (error) {
      this.#options.onError(
        new WsError('POLL_FAILED', `${this.#options.feed} poll failed: ${describeError(error)}`, {
          cause: error,
        }),
      );
    }
    this.#polls += 1;
    if (!complete) this.#pollFailures += 1;
    this.#pollInFlight = false;
    if (this.#state === 'stopped') return;
    // Space polls so the poller stays inside its weight budget, whatever it cost this time.
    const budgetSpacing = (Math.max(1, weight) * 60_000) / this.#options.maxPollWeightPerMinute;
    this.#nextPollSpacingMs = Math.max(this.#options.pollIntervalMs, budgetSpacing);
    if (complete && this.#up && startedAt >= this.#upSince) {
      this.#gapFillNeeded = false;
      this.#gapFilled = true;
    }
    this.#checkRecovered();
    this.#schedulePoll();
  }
}
