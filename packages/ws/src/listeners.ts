import { WsError, describeError } from './errors';

/** A listener of one event type. */
export type Listener<T> = (value: T) => void;

/**
 * A small typed event hub. A listener that throws is reported through `onListenerError` and the remaining
 * listeners still run: one faulty consumer cannot blind the others or reach the socket's event loop.
 */
export class Listeners<Events extends object> {
  readonly #byType = new Map<keyof Events, Listener<never>[]>();
  readonly #onListenerError: (error: unknown, type: keyof Events) => void;

  constructor(onListenerError: (error: unknown, type: keyof Events) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const current = this.#byType.get(type) ?? [];
    // Copy on write: emitting iterates a snapshot, so listeners may unsubscribe while being called.
    this.#byType.set(type, [...current, listener as Listener<never>]);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    const current = this.#byType.get(type);
    if (!current) return;
    const next = current.filter((candidate) => candidate !== (listener as Listener<never>));
    if (next.length === 0) this.#byType.delete(type);
    else this.#byType.set(type, next);
  }

  has(type: keyof Events): boolean {
    return this.#byType.has(type);
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const listeners = this.#byType.get(type) as Listener<Events[K]>[] | undefined;
    if (listeners === undefined) return;
    for (let index = 0; index < listeners.length; index += 1) {
      try {
        (listeners[index] as Listener<Events[K]>)(value);
      } catch (error) {
        this.#onListenerError(error, type);
      }
    }
  }

  clear(): void {
    this.#byType.clear();
  }
}

/**
 * A feed's `onListenerError`: counts the failure and reports it as a `LISTENER_FAILED` error event, except
 * for a failing `error` listener, whose report would call it again.
 */
export function reportListenerFailure(
  count: () => void,
  emitError: (error: WsError) => void,
): (error: unknown, type: PropertyKey) => void {
  return (error, type) => {
    count();
    if (type !== 'error')
      emitError(
        new WsError('LISTENER_FAILED', `a "${String(type)}" listener threw: ${describeError(error)}`, {
          cause: error,
        }),
      );
  };
}
