import { createHmac, timingSafeEqual } from 'node:crypto';
import { SimRejection } from '../core/types';

/**
 * A request's parameters as Binance reads them: query string and form body merged (the query wins),
 * names matched case-insensitively (Binance's docs write `algoid`, ccxt sends `algoId`).
 */
export class RequestParams {
  readonly #values = new Map<string, string>();

  constructor(query: string, body: string) {
    for (const source of [body, query]) {
      for (const [name, value] of new URLSearchParams(source)) this.#values.set(name.toLowerCase(), value);
    }
  }

  has(name: string): boolean {
    const value = this.#values.get(name.toLowerCase());
    return value !== undefined && value !== '';
  }

  optional(name: string): string | undefined {
    const value = this.#values.get(name.toLowerCase());
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) {
      throw new SimRejection(
        -1102,
        `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
      );
    }
    return value;
  }

  /** A positive decimal as Binance accepts it: digits with an optional fraction, no sign or exponent. */
  decimal(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(value) || value.length > 40) {
      throw new SimRejection(
        -1100,
        `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
      );
    }
    return value;
  }

  integer(name: string): number | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!/^-?\d{1,16}$/.test(value)) {
      throw new SimRejection(
        -1100,
        `Illegal characters found in parameter '${name}'; legal range is '^-?[0-9]{1,16}$'.`,
      );
    }
    return Number(value);
  }

  boolean(name: string): boolean | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      throw new SimRejection(-1130, `Data sent for parameter '${name}' is not valid.`);
    }
    return lower === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], code = -1130): T | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new SimRejection(code, `Data sent for parameter '${name}' is not valid.`);
    }
    return value as T;
  }
}

/** Splits off `signature=…` from whichever part carries it; the rest is what the client signed. */
function withoutSignature(part: string): { rest: string; signature: string | undefined } {
  const match = /(^|&)signature=([^&]*)/.exec(part);
  if (!match) return { rest: part, signature: undefined };
  const rest = part.slice(0, match.index) + part.slice(match.index + match[0].length);
  return { rest, signature: match[2] };
}

/**
 * Binance's check of a SIGNED request: HMAC-SHA256 over `queryString + body` exactly as received (the
 * signature parameter removed, nothing re-encoded), then the timestamp against the recvWindow.
 */
export function verifySignedRequest(options: {
  query: string;
  body: string;
  secret: string;
  params: RequestParams;
  serverTime: number;
}): void {
  const fromQuery = withoutSignature(options.query);
  const fromBody = withoutSignature(options.body);
  const signature = fromQuery.signature ?? fromBody.signature;
  if (signature === undefined || signature === '') {
    throw new SimRejection(
      -1102,
      "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
    );
  }
  const expected = createHmac('sha256', options.secret)
    .update(fromQuery.rest + fromBody.rest)
    .digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SimRejection(-1022, 'Signature for this request is not valid.');
  }
  const timestamp = options.params.integer('timestamp');
  if (timestamp === undefined) {
    throw new SimRejection(
      -1102,
      "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
    );
  }
  const recvWindow = options.params.integer('recvWindow') ?? 5000;
  if (recvWindow <= 0 || recvWindow > 60_000) {
    throw new SimRejection(-1131, 'recvWindow must be less than 60000');
  }
  if (!(timestamp < options.serverTime + 1000 && options.serverTime - timestamp <= recvWindow)) {
    throw new SimRejection(-1021, 'Timestamp for this request is outside of the recvWindow.');
  }
}
