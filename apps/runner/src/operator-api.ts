import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSOLE_HEADERS, loadConsoleAssets } from './console/console-assets';
import { StatusStream } from './console/status-stream';
import type { Logger } from './logger';
import {
  bearerMatches,
  browserRefusal,
  FailedAttemptLimiter,
  OperatorApiError,
  tokenDigest,
  tokenId,
} from './operator-auth';
import { findPlaybook, PLAYBOOKS } from './playbooks';

export { OperatorApiError } from './operator-auth';

/** What the operator API can see and do; the run loop implements it. */
export interface BotControl {
  health(): Record<string, unknown>;
  status(): Record<string, unknown>;
  halt(reason: string): void;
  resume(reason: string): void;
  flatten(reason: string): Promise<Record<string, unknown>>;
  /** The closed and open trades read from the audit trail (`GET /trades?from=&to=&symbol=`). */
  trades?(query: URLSearchParams): Promise<{ readonly status: number; readonly body: unknown }>;
}

/** A mutating call that passed every check, as the audit trail records it before it is carried out. */
export interface OperatorCall {
  /** `POST /halt`, `POST /resume`, `POST /flatten`. */
  readonly route: string;
  /** The caller's token id ({@link tokenId}), never the token. */
  readonly tokenId: string;
  readonly remoteAddress: string;
}

export interface OperatorApiOptions {
  /** `host:port`; port 0 picks one. */
  readonly bind: string;
  /** Bearer token every route but `GET /health` requires (see resolveOperatorToken). */
  readonly token: string;
  readonly control: BotControl;
  /** Writes the call to the audit trail; awaited before the call is carried out. */
  readonly record: (call: OperatorCall) => Promise<unknown>;
  readonly logger: Logger;
  /** Wrong tokens per remote address before 429 (tests shorten it). */
  readonly failedAttempts?: FailedAttemptLimiter;
}

export interface OperatorApi {
  readonly url: string;
  close(): Promise<void>;
}

function parseBind(bind: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(bind);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new OperatorApiError(`operator bind must be host:port, got ${bind}`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Routes that change what the bot does; each one is audited with who called it. */
const MUTATING_ROUTES = new Set(['POST /halt', 'POST /resume', 'POST /flatten']);

/**
 * The operator's HTTP API: `GET /health`, `GET /status`, `GET /events` (the status as server-sent events),
 * `GET /trades`, `GET /playbook[/:id]`, `POST /halt`, `POST /resume`, `POST /flatten`, and the console page
 * (`GET /` and its files under `/console/`, which hold no data). Every other route needs
 * `Authorization: Bearer <token>` (401), on loopback too; requests from web pages other than the console
 * itself, a non-loopback Host on a loopback bind, and form content types on the `POST` routes are refused
 * whatever the token (403, 415); too many wrong tokens from one address get 429 with Retry-After.
 */
export async function startOperatorApi(options: OperatorApiOptions): Promise<OperatorApi> {
  const { host, port } = parseBind(options.bind);
  // The token is resolved by the caller (configured or generated); an API without one must never start.
  if (!/^[\x21-\x7e]{32,}$/.test(options.token)) {
    throw new OperatorApiError('the operator API needs a token of at least 32 printable characters');
  }
  const expectedDigest = tokenDigest(options.token);
  const callerId = tokenId(options.token);
  const limiter = options.failedAttempts ?? new FailedAttemptLimiter();
  const { logger } = options;
  const assets = loadConsoleAssets();
  const stream = new StatusStream(() => options.control.status());
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      send(response, 500, { error: (error as Error).message });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const [path = '/', queryText = ''] = (request.url ?? '/').split('?');
    const route = `${request.method} ${path}`;
    const remoteAddress = request.socket.remoteAddress ?? 'unknown';
    const mutating = MUTATING_ROUTES.has(route);

    const refusal = browserRefusal(request.headers, host, mutating);
    if (refusal !== undefined) {
      logger.warn(
        { route, remoteAddress },
        `operator API: ${route} from ${remoteAddress} refused: ${refusal.reason}`,
      );
      return send(response, refusal.status, { error: refusal.reason });
    }
    // Unauthenticated on purpose: a monitor may watch it without the token; it shows no positions.
    if (route === 'GET /health') return send(response, 200, options.control.health());
    // The console's shell and scripts: public files with no data in them (the page asks for the token).
    const asset = request.method === 'GET' ? assets.get(path) : undefined;
    if (asset) {
      response.writeHead(200, { 'Content-Type': asset.type, ...CONSOLE_HEADERS });
      response.end(asset.body);
      return;
    }

    // The right token always gets through: nobody on the machine can lock the operator out of halt or
    // flatten by sending wrong ones. Guessing a token of 32+ characters is hopeless either way; the limit
    // answers a flood cheaply and keeps it out of the log.
    const authorized = bearerMatches(request.headers.authorization, expectedDigest);
    const waitMs = authorized ? 0 : limiter.retryAfterMs(remoteAddress);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      return send(
        response,
        429,
        { error: `too many wrong tokens; try again in ${seconds} s` },
        {
          'Retry-After': String(seconds),
        },
      );
    }
    if (!authorized) {
      const lockedOut = limiter.fail(remoteAddress);
      logger.warn(
        { route, remoteAddress },
        lockedOut
          ? `operator API: ${limiter.limit} wrong tokens from ${remoteAddress}; refusing it for ${limiter.windowMs / 1000} s`
          : `operator API: ${route} from ${remoteAddress} refused: missing or wrong bearer token`,
      );
      return send(
        response,
        401,
        { error: 'missing or wrong bearer token' },
        {
          'WWW-Authenticate': 'Bearer realm="bot operator API"',
        },
      );
    }
    limiter.succeed(remoteAddress);

    if (route === 'GET /status') return send(response, 200, options.control.status());
    if (route === 'GET /events') return stream.add(response);
    if (route === 'GET /trades' && options.control.trades) {
      const { status, body } = await options.control.trades(new URLSearchParams(queryText));
      return send(response, status, body);
    }
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
    if (!mutating) return send(response, 404, { error: `unknown route ${route}` });

    // Write-ahead: the trail names who asked before anything changes.
    const recorded = await options.record({ route, tokenId: callerId, remoteAddress }).then(
      () => true,
      (error: unknown) => {
        logger.error({ err: error, route }, `operator API: ${route} could not be audited`);
        return false;
      },
    );
    // Halting and flattening reduce risk: better done unrecorded than refused. Resuming must be on record.
    if (!recorded && route === 'POST /resume') {
      return send(response, 503, { error: 'the audit trail cannot be written; not resuming' });
    }
    const reason = `operator (token ${callerId}): ${route}`;
    if (route === 'POST /halt') options.control.halt(reason);
    else if (route === 'POST /resume') options.control.resume(reason);
    const body = route === 'POST /flatten' ? await options.control.flatten(reason) : options.control.status();
    stream.push();
    return send(response, 200, body);
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
        stream.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
