/**
 * What an exchange in this process (`bot backtest`'s emulator) sent since the last turn of the event loop,
 * handled in order on the next one, as frames read off a socket would be: where the loop would meet them.
 *
 * A market payload that a later payload of its stream makes moot before the batch runs is dropped unread:
 * a mark price, or a candle still forming. The batch runs in one go and nothing reads the marks or the
 * market clock before its end, so the later payload leaves them as the earlier one would have (the latest
 * mark; the market clock is the greatest event time). A closed candle is never dropped: it is a decision.
 * A backtest's clock move sends hundreds of them per strategy candle, each built and parsed for nothing.
 */
export class InProcessBatch {
  /**
   * The handlers in order and, beside each, the payload it is called with: no closure is made per payload
   * (a backtest sends hundreds per strategy candle). A moot payload's handler is undefined.
   */
  #handlers: (((payload: unknown) => void) | undefined)[] = [];
  #payloads: unknown[] = [];
  /** Per market stream, the position in the batch of its payload a later one of the stream makes moot. */
  readonly #moot = new Map<string, number>();

  /** A user-data payload's handler, or any other that must run in its place in the order. */
  add(handle: (payload: unknown) => void, payload?: unknown): void {
    this.#push(handle, payload);
  }

  /** A market payload and its handler; the payload is read here only for whether it is moot later. */
  addMarket(stream: string, payload: unknown, handle: (payload: unknown) => void): void {
    const earlier = this.#moot.get(stream);
    if (earlier !== undefined) this.#handlers[earlier] = undefined;
    const position = this.#push(handle, payload);
    if (mootOnceFollowed(payload)) this.#moot.set(stream, position);
    else this.#moot.delete(stream);
  }

  #push(handle: (payload: unknown) => void, payload: unknown): number {
    this.#payloads.push(payload);
    const length = this.#handlers.push(handle);
    if (length === 1) setImmediate(this.#run);
    return length - 1;
  }

  readonly #run = (): void => {
    const handlers = this.#handlers;
    const payloads = this.#payloads;
    this.#handlers = [];
    this.#payloads = [];
    this.#moot.clear();
    for (let index = 0; index < handlers.length; index += 1) handlers[index]?.(payloads[index]);
  };
}

/** Whether a later payload of the same market stream tells all this one does: anything but a closed candle. */
function mootOnceFollowed(payload: unknown): boolean {
  return (payload as { k?: { x?: unknown } } | null | undefined)?.k?.x !== true;
}
