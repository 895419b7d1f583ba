import { WebSocket } from 'ws';

/** Opens a socket and collects its JSON messages. */
export async function connect(url: string) {
  const socket = new WebSocket(url);
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages };
}

export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Pings and resolves true on the pong (false after `timeoutMs`). Frames and the pong share one TCP stream,
 * so every frame the server sent before it answered has arrived by then: a way to wait for "nothing came".
 */
export function pingPong(socket: WebSocket, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    socket.once('pong', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.ping();
  });
}

/** The user-data payload of a message, unwrapped from `{stream, data}` on combined connections. */
export function payloadOf(message: Record<string, unknown>): Record<string, unknown> {
  return 'data' in message && 'stream' in message ? (message.data as Record<string, unknown>) : message;
}
