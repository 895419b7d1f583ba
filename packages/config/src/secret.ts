/** What every secret renders as, wherever it is printed, serialised or inspected. */
export const REDACTED = '[redacted]';

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * A secret string (API key, API secret, operator token). The value sits in a private field, so it is
 * invisible to `JSON.stringify`, `util.inspect`, `console.log`, template strings and test-runner diffs;
 * only `reveal()` returns it. Call `reveal()` at the last moment, where the value is handed to the
 * exchange client or compared with a request header, and never log the result.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string') throw new TypeError('A Secret holds a string.');
    this.#value = value;
  }

  /** The secret value itself. Never log it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspectCustom](): string {
    return REDACTED;
  }
}
