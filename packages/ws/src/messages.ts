/** What a frame can be besides an event: a reply to SUBSCRIBE/UNSUBSCRIBE, something malformed or unknown. */

/** `{"result":null,"id":1}` or `{"error":{"code":2,"msg":"…"},"id":1}`. */
export interface ReplyMessage {
  readonly type: 'reply';
  readonly id: number | string | null;
  readonly result: unknown;
  readonly error: { readonly code: number | undefined; readonly message: string } | undefined;
}

/** Not JSON, not an object, or an event whose fields are missing or of the wrong type. */
export interface MalformedMessage {
  readonly type: 'malformed';
  readonly reason: string;
}

/** Well-formed JSON with an event type this package does not know. */
export interface UnknownMessage {
  readonly type: 'unknown';
  readonly eventType: string;
}

export function malformed(reason: string): MalformedMessage {
  return { type: 'malformed', reason };
}

export function parseReply(payload: Record<string, unknown>): ReplyMessage | MalformedMessage {
  const id = payload.id;
  if (!(typeof id === 'number' || typeof id === 'string' || id === null)) return malformed('reply id');
  const error = payload.error;
  if (error !== undefined && error !== null) {
    if (typeof error !== 'object') return malformed('reply error');
    const { code, msg } = error as { code?: unknown; msg?: unknown };
    return {
      type: 'reply',
      id,
      result: undefined,
      error: {
        code: typeof code === 'number' ? code : undefined,
        message: typeof msg === 'string' ? msg : 'unknown error',
      },
    };
  }
  return { type: 'reply', id, result: payload.result, error: undefined };
}

/** What every socket can send besides its own events. */
export type FrameOutcome = ReplyMessage | MalformedMessage | UnknownMessage;

/**
 * Parses one decoded JSON value (raw or `{stream, data}`-wrapped) with the parser named by its event type
 * `e`; replies to SUBSCRIBE and unknown or missing types are answered here, once for every socket. Never throws.
 */
export function parseEventPayload<Message>(
  value: unknown,
  parsers: Readonly<Record<string, (payload: Record<string, unknown>) => Message>>,
): Message | FrameOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return malformed('not a JSON object');
  let payload = value as Record<string, unknown>;
  const data = payload.data;
  if (
    typeof payload.stream === 'string' &&
    typeof data === 'object' &&
    data !== null &&
    !Array.isArray(data)
  ) {
    payload = data as Record<string, unknown>;
  }
  const eventType = payload.e;
  if (eventType === undefined) {
    if ('id' in payload && ('result' in payload || 'error' in payload)) return parseReply(payload);
    return malformed('no event type');
  }
  if (typeof eventType !== 'string') return malformed('event type is not a string');
  const parse = Object.hasOwn(parsers, eventType) ? parsers[eventType] : undefined;
  return parse ? parse(payload) : { type: 'unknown', eventType: eventType.slice(0, 64) };
}

/** Decodes one text frame and parses it as above; invalid JSON comes back as `malformed`. */
export function parseEventText<Message>(
  text: string,
  parsers: Readonly<Record<string, (payload: Record<string, unknown>) => Message>>,
): Message | FrameOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed('invalid JSON');
  }
  return parseEventPayload(value, parsers);
}
