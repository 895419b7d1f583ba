/** The first IP ban lasts 2 minutes; each later one doubles, up to 3 days (Binance's documented range). */
export const FIRST_BAN_MS = 2 * 60_000;
export const LONGEST_BAN_MS = 3 * 24 * 60 * 60_000;

export type WeightVerdict =
  | { readonly outcome: 'allowed'; readonly usedWeight: number }
  | {
      /** 429: over the limit; `retryAfterSeconds` is what is left of the minute. */
      readonly outcome: 'rate-limited';
      readonly usedWeight: number;
      readonly retryAfterSeconds: number;
    }
  | {
      /** 418: an IP ban; `retryAfterSeconds` is what is left of it. */
      readonly outcome: 'banned';
      readonly usedWeight: number;
      readonly retryAfterSeconds: number;
      readonly bannedUntil: number;
    };

/**
 * Binance's REQUEST_WEIGHT rule, pure (`now` is the server clock): weight adds up per calendar minute;
 * the request that goes past the limit gets 429 until the minute ends; any request during that time
 * earns an IP ban (418), and requests during a ban are refused with the time left. Each new ban is twice
 * as long as the previous one.
 */
export class RequestWeightLimiter {
  #minute = Number.NaN;
  #used = 0;
  #rateLimitedUntil = 0;
  #bannedUntil = 0;
  #bans = 0;

  /** The weight used in `now`'s minute (the `X-MBX-USED-WEIGHT-1M` header). */
  usedWeight(now: number): number {
    this.#roll(now);
    return this.#used;
  }

  /** Counts a request of `weight` against `limit` per minute and says how to answer it. */
  admit(weight: number, limit: number, now: number): WeightVerdict {
    this.#roll(now);
    if (now < this.#bannedUntil) return this.#banned(now);
    if (now < this.#rateLimitedUntil) {
      const length = Math.min(FIRST_BAN_MS * 2 ** this.#bans, LONGEST_BAN_MS);
      this.#bans += 1;
      this.#bannedUntil = now + length;
      this.#rateLimitedUntil = 0;
      return this.#banned(now);
    }
    this.#used += weight;
    if (this.#used <= limit) return { outcome: 'allowed', usedWeight: this.#used };
    const minuteEnd = (Math.floor(now / 60_000) + 1) * 60_000;
    this.#rateLimitedUntil = minuteEnd;
    return {
      outcome: 'rate-limited',
      usedWeight: this.#used,
      retryAfterSeconds: Math.ceil((minuteEnd - now) / 1000),
    };
  }

  /** Lifts any ban and forgets past offences (the next ban is 2 minutes again). */
  forgive(): void {
    this.#rateLimitedUntil = 0;
    this.#bannedUntil = 0;
    this.#bans = 0;
  }

  #banned(now: number): WeightVerdict {
    return {
      outcome: 'banned',
      usedWeight: this.#used,
      retryAfterSeconds: Math.ceil((this.#bannedUntil - now) / 1000),
      bannedUntil: this.#bannedUntil,
    };
  }

  #roll(now: number): void {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#used = 0;
    }
  }
}
