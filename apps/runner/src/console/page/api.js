// Talking to the operator API: the token (pasted once, kept in sessionStorage: gone with the tab, never a
// cookie, so no other page can make the browser send it), authorised requests, and the status stream.

const TOKEN_KEY = 'bot.operatorToken';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error of the API with its HTTP status (401: the token is wrong). */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function failure(response) {
  const body = await response.json().catch(() => ({}));
  return new ApiError(response.status, body.error ?? `HTTP ${response.status}`);
}

/** One authorised request; resolves to the JSON body. */
export async function call(method, path) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token.get()}` },
    cache: 'no-store',
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/**
 * The status as server-sent events, read with fetch (EventSource cannot send the Authorization header).
 * Calls `onStatus` with each snapshot; reconnects after a dropped stream, backing off to 10 s; stops on 401.
 * Returns a function that closes it.
 */
export function streamStatus({ onStatus, onState }) {
  let controller;
  let closed = false;
  let retryMs = 1000;
  async function connect() {
    controller = new AbortController();
    try {
      const response = await fetch('/events', {
        headers: { Authorization: `Bearer ${token.get()}` },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.ok) throw await failure(response);
      onState({ connected: true });
      retryMs = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data) onStatus(JSON.parse(data));
        }
      }
      throw new ApiError(0, 'the stream ended');
    } catch (error) {
      if (closed) return;
      const status = error instanceof ApiError ? error.status : 0;
      onState({ connected: false, status, error: error.message });
      if (status === 401 || status === 403) return; // a new token is needed, not a retry
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  }
  void connect();
  return () => {
    closed = true;
    controller?.abort();
  };
}
