import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findPlaybook, PLAYBOOKS } from './playbooks';

/** What the operator API can see and do; the run loop implements it. */
export interface BotControl {
  health(): Record<string, unknown>;
  status(): Record<string, unknown>;
  halt(reason: string): void;
  resume(): void;
  flatten(): Promise<Record<string, unknown>>;
}

export interface OperatorApiOptions {
  /** `host:port`; port 0 picks one. */
  readonly bind: string;
  /** Bearer token; required for every request when set, and required to bind beyond loopback. */
  readonly token?: string;
  readonly control: BotControl;
}

export interface OperatorApi {
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class OperatorApiError extends Error {
  readonly code = 'OPERATOR_API_REFUSED';
}

function parseBind(bind: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(bind);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new OperatorApiError(`operator bind must be host:port, got ${bind}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The operator's HTTP API: `GET /health`, `GET /status`, `GET /playbook[/:id]`, `POST /halt`,
 * `POST /resume`, `POST /flatten`. Loopback only unless a token is set; with a token every request must
 * carry `Authorization: Bearer <token>` (401 otherwise).
 */
export async function startOperatorApi(options: OperatorApiOptions): Promise<OperatorApi> {
  const { host, port } = parseBind(options.bind);
  if (!LOOPBACK.has(host) && !options.token) {
    throw new OperatorApiError(
      `refusing to expose the operator API on ${host} without a token (BOT_OPERATOR_TOKEN)`,
    );
  }
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: (error as Error).message });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (options.token && !tokenMatches(request.headers.authorization, options.token)) {
      send(response, 401, { error: 'missing or wrong bearer token' });
      return;
    }
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = `${request.method} ${path}`;
    if (route === 'GET /health') return send(response, 200, options.control.health());
    if (route === 'GET /status') return send(response, 200, options.control.status());
    if (route === 'GET /playbook') {
      return send(
        response,
        200,
        PLAYBOOKS.map(({ id, title, severity }) => ({ id, title, severity })),
      );
    }
    if (request.method === 'GET' && path.startsWith('/playbook/')) {
      const playbook = findPlaybook(decodeURIComponent(path.slice('/playbook/'.length)));
      return playbook ? send(response, 200, playbook) : send(response, 404, { error: 'no such playbook' });
    }
    if (route === 'POST /halt') {
      options.control.halt('operator: POST /halt');
      return send(response, 200, options.control.status());
    }
    if (route === 'POST /resume') {
      options.control.resume();
      return send(response, 200, options.control.status());
    }
    if (route === 'POST /flatten') return send(response, 200, await options.control.flatten());
    send(response, 404, { error: `unknown route ${route}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new OperatorApiError(
          `the operator API cannot listen on ${options.bind} (${error.code ?? error.message}): set BOT_OPERATOR_BIND to a free address, or pass --no-operator-api`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}
