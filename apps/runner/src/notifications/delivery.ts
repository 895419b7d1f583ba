import { parseRetryAfter } from '@bot/exchange';
import { backoffDelay } from '@bot/ws';
import type { BackoffOptions } from '@bot/ws';
import type { Logger } from '../logger';

/** How a webhook is sent to; every field has a default that suits a chat service. */
export interface DeliveryTuning {
  /** Messages waiting at most; beyond it the oldest waiting one is dropped (default 100). */
  readonly queueLimit?: number;
  /** One request's time limit (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Tries per message before it is given up (default 8: about four minutes of backoff). */
  readonly maxAttempts?: number;
  /** Backoff between tries (default 1 s doubling to 60 s, equal jitter: `@bot/ws`'s `backoffDelay`). */
  readonly backoff?: BackoffOptions;
  /** The longest Retry-After honoured (default 5 minutes); a longer one waits this long. */
  readonly maxRetryAfterMs?: number;
  readonly random?: () => number;
}

export interface DeliveryOptions extends DeliveryTuning {
  /** The webhook URL: a secret, never logged (the log names `target`). */
  readonly url: string;
  /** What the log calls the webhook, without its secret part (e.g. `slack webhook https://hooks.slack.com`). */
  readonly target: string;
  readonly logger: Logger;
  /** Masks the URL's secret parts in any text that reaches the log (an error message, a response body). */
  readonly redact: (text: string) => string;
}

export interface DeliveryStats {
  readonly sent: number;
  /** Dropped unsent: the queue was full, or the bot stopped before they could go. */
  readonly dropped: number;
  /** Refused by the webhook (a 4xx) or still failing after the last try. */
  readonly failed: number;
  readonly queued: number;
}

const DEFAULTS = {
  queueLimit: 100,
  timeoutMs: 10_000,
  maxAttempts: 8,
  backoff: { initialDelayMs: 1_000, maxDelayMs: 60_000, multiplier: 2 },
  maxRetryAfterMs: 5 * 60_000,
};

type Outcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'refused'; readonly why: string }
  | { readonly kind: 'retry'; readonly why: string; readonly retryAfterMs: number | undefined };

/**
 * Sends JSON bodies to one webhook in the background, in order, one at a time. `send` only queues: the
 * trading loop never waits on a webhook. A failed request is tried again with exponential backoff and
 * jitter when it may pass (no answer, a timeout, 5xx, 408, 429 with its Retry-After), and given up at once
 * when it will not (any other 4xx: a bad URL or chat id does not heal). The queue is bounded: beyond its
 * limit the oldest waiting message is dropped, counted, and logged once per backlog.
 */
export class WebhookDelivery {
  readonly #options: DeliveryOptions;
  readonly #queue: string[] = [];
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  #sent = 0;
  #dropped = 0;
  #failed = 0;
  /** Drops are logged once until the queue empties again. */
  #dropLogged = false;

  constructor(options: DeliveryOptions) {
    this.#options = options;
  }

  get stats(): DeliveryStats {
    return { sent: this.#sent, dropped: this.#dropped, failed: this.#failed, queued: this.#queue.length };
  }

  /** Queues one message and returns at once. */
  send(body: unknown): void {
    if (this.#stopping.signal.aborted) return;
    this.#queue.push(JSON.stringify(body));
    const limit = this.#options.queueLimit ?? DEFAULTS.queueLimit;
    if (this.#queue.length > limit) {
      this.#queue.shift();
      this.#dropped += 1;
      if (!this.#dropLogged) {
        this.#dropLogged = true;
        this.#options.logger.warn(
          { notifications: this.stats },
          `notifications: the ${this.#options.target} falls behind; more than ${limit} waiting, the oldest dropped (counted in the stop's line)`,
        );
      }
    }
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /**
   * Waits up to `flushMs` for what is queued to go, then gives up on the rest (an unfinished request is
   * cut) with a log line: a stopping bot must not hang on a webhook that is down.
   */
  async close(flushMs = 3_000): Promise<DeliveryStats> {
    let timer: NodeJS.Timeout | undefined;
    const running = this.#running;
    const flushed =
      running === undefined
        ? true
        : await Promise.race([
            running.then(() => true),
            new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), flushMs))),
          ]);
    clearTimeout(timer);
    const unsent = this.#queue.length + (flushed ? 0 : 1);
    this.#dropped += unsent;
    this.#queue.length = 0;
    this.#stopping.abort();
    await this.#running;
    const stats = this.stats;
    if (!flushed) {
      this.#options.logger.warn(
        { notifications: stats },
        `notifications: gave up on ${unsent} message(s) to the ${this.#options.target} after ${flushMs} ms at stop`,
      );
    } else if (stats.dropped > 0 || stats.failed > 0) {
      this.#options.logger.info(
        { notifications: stats },
        `notifications: ${stats.sent} sent, ${stats.dropped} dropped, ${stats.failed} failed`,
      );
    }
    return stats;
  }

  async #drain(): Promise<void> {
    for (let body = this.#queue.shift(); body !== undefined; body = this.#queue.shift()) {
      await this.#deliver(body);
      if (this.#stopping.signal.aborted) return;
    }
    this.#dropLogged = false;
  }

  /** One message, tried until it is sent, refused, out of tries, or the delivery stops. */
  async #deliver(body: string): Promise<void> {
    const { logger, target } = this.#options;
    const maxAttempts = this.#options.maxAttempts ?? DEFAULTS.maxAttempts;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#post(body);
      if (this.#stopping.signal.aborted) return;
      if (outcome.kind === 'sent') {
        this.#sent += 1;
        if (attempt > 1) logger.info(`notifications: the ${target} took the message at try ${attempt}`);
        return;
      }
      if (outcome.kind === 'refused' || attempt >= maxAttempts) {
        this.#failed += 1;
        const tries = outcome.kind === 'refused' ? 'not tried again' : `given up after ${attempt} tries`;
        logger.error(
          { notifications: this.stats },
          `notifications: the ${target} refused a message (${outcome.why}); ${tries}`,
        );
        return;
      }
      const backoff = backoffDelay(
        attempt - 1,
        this.#options.backoff ?? DEFAULTS.backoff,
        this.#options.random ?? Math.random,
      );
      const retryAfter = Math.min(
        outcome.retryAfterMs ?? 0,
        this.#options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      );
      const wait = Math.max(backoff, retryAfter);
      // The first failure of a message is worth a warning; its further tries are debug lines.
      logger[attempt === 1 ? 'warn' : 'debug'](
        { attempt },
        `notifications: the ${target} did not take a message (${outcome.why}); trying again in ${wait} ms`,
      );
      await this.#sleep(wait);
      if (this.#stopping.signal.aborted) return;
    }
  }

  async #post(body: string): Promise<Outcome> {
    const timeoutMs = this.#options.timeoutMs ?? DEFAULTS.timeoutMs;
    let response: Response;
    try {
      response = await fetch(this.#options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      return { kind: 'retry', why: this.#describe(error, timeoutMs), retryAfterMs: undefined };
    }
    // Read to the end, so the connection is free for the next message.
    const answer = await response.text().catch(() => '');
    if (response.ok) return { kind: 'sent' };
    const status = `HTTP ${response.status}${answer ? `: ${this.#options.redact(answer.slice(0, 200))}` : ''}`;
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      const headers = Object.fromEntries(response.headers.entries());
      return { kind: 'retry', why: status, retryAfterMs: parseRetryAfter(headers, Date.now()) };
    }
    return { kind: 'refused', why: status };
  }

  #describe(error: unknown, timeoutMs: number): string {
    if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    const detail =
      typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
    return this.#options.redact(detail);
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stopping.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      signal.addEventListener('abort', done);
    });
  }
}
