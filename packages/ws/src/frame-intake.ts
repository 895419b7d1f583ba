import type { RawData } from 'ws';

import type { DroppedMessage } from './feed-events';
import type { FeedName } from './feed-health';
import type { MalformedMessage, UnknownMessage } from './messages';
import { frameLength, frameText } from './payload-fields';

/**
 * The one way a stream takes in a raw frame (market and user data alike): the size cap, text decoding,
 * JSON, the feed's parser, and the counting and reporting of every frame it drops. A frame is counted in
 * `received` and, when dropped, in exactly one of `oversized`, `malformed` or `unknown`.
 */
export class FrameIntake<Message extends { readonly type: string }> {
  received = 0;
  malformed = 0;
  unknown = 0;
  oversized = 0;

  readonly #feed: FeedName;
  readonly #maxMessageBytes: number;
  readonly #parse: (value: unknown) => Message | MalformedMessage | UnknownMessage;
  readonly #onDropped: (dropped: DroppedMessage) => void;

  constructor(options: {
    readonly feed: FeedName;
    readonly maxMessageBytes: number;
    /** The feed's payload parser; it never throws and answers `malformed` or `unknown` for what it refuses. */
    readonly parse: (value: unknown) => Message | MalformedMessage | UnknownMessage;
    readonly onDropped: (dropped: DroppedMessage) => void;
  }) {
    this.#feed = options.feed;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#parse = options.parse;
    this.#onDropped = options.onDropped;
  }

  /** The frame's message (an event or a reply) to act on, or undefined when it was dropped. Never throws. */
  read(data: RawData | string): Exclude<Message, MalformedMessage | UnknownMessage> | undefined {
    this.received += 1;
    const length = frameLength(data);
    if (length > this.#maxMessageBytes) {
      this.oversized += 1;
      this.#drop('oversized', `frame of ${length} bytes exceeds maxMessageBytes ${this.#maxMessageBytes}`);
      return undefined;
    }
    const text = frameText(data);
    if (text === undefined) {
      this.malformed += 1;
      this.#drop('malformed', 'not a text frame');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.malformed += 1;
      this.#drop('malformed', 'invalid JSON');
      return undefined;
    }
    const message = this.#parse(value);
    if (message.type === 'malformed') {
      this.malformed += 1;
      this.#drop('malformed', (message as MalformedMessage).reason);
      return undefined;
    }
    if (message.type === 'unknown') {
      this.unknown += 1;
      this.#drop('unknown', `event type ${(message as UnknownMessage).eventType}`);
      return undefined;
    }
    return message as Exclude<Message, MalformedMessage | UnknownMessage>;
  }

  #drop(kind: DroppedMessage['kind'], reason: string): void {
    this.#onDropped({ feed: this.#feed, kind, reason });
  }
}
