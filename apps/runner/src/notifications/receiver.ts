/** A real webhook receiver for the notification tests: node:http on 127.0.0.1, recording every request. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  /** The body exactly as it arrived. */
  readonly body: string;
}

/** What the receiver answers the request number `index` (from 0): a status, or `hang` (never answers). */
export type Answer =
  { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Requests answered so far (a hanging one is not). */
  answered: number;
  close(): Promise<void>;
}

/** Starts a receiver on `port` (0: any free port), answering 200 unless `answer` says otherwise. */
export async function startReceiver(
  answer: (index: number, request: ReceivedRequest) => Answer = () => ({ status: 200 }),
  port = 0,
): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = receiver.requests.length;
      receiver.requests.push(received);
      const reply = answer(index, received);
      if (reply === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(reply.status, reply.headers);
      response.end(reply.body ?? '{"ok":true}');
      receiver.answered += 1;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    requests: [],
    answered: 0,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** A port nothing listens on (bound for a moment, then let go): connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.port;
}
