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
