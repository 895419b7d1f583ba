/**
 * One poll of Binance's USDⓈ-M REST API, shared by the market and user-data pollers: the calls and weight it
 * spent, and the parts that failed on their own (a malformed answer becomes a `POLL_FAILED` error).
 */
import { WsError } from './errors';
import type { Payload } from './payload-fields';
import { isObject } from './payload-fields';
import type { RestCall, RestRequest } from './pollers';

export class ShapeError extends Error {}

export function shape(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ShapeError(`unexpected REST answer: ${what}`);
}

export function rows(value: unknown, what: string): Payload[] {
  shape(Array.isArray(value) && value.every(isObject), `${what} is not a list of objects`);
  return value as Payload[];
}

/** Calls and weights of one poll; each part may fail on its own. */
export class PollSession {
  weight = 0;
  readonly errors: unknown[] = [];
  readonly #request: RestRequest;

  constructor(request: RestRequest) {
    this.#request = request;
  }

  async call(call: RestCall, weight: number): Promise<unknown> {
    this.weight += weight;
    return this.#request(call);
  }

  /** Runs a part; a failure is recorded and yields `undefined`. */
  async part<T>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      this.errors.push(error instanceof ShapeError ? new WsError('POLL_FAILED', error.message) : error);
      return undefined;
    }
  }
}
