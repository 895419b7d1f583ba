/**
 * Who may use the operator API: the bearer token (configured, or generated once into the state directory),
 * the checks that keep every web page but the console out, and the limit on wrong guesses. The HTTP routes are in operator-api.ts.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { basename, dirname, extname, join } from 'node:path';
import type { BotConfig } from '@bot/config';

/** The operator API refuses to start, or its token cannot be had: bad input, exit 2. */
export class OperatorApiError extends Error {
  readonly code = 'OPERATOR_API_REFUSED';
}

/** The same rule as the config's BOT_OPERATOR_TOKEN: at least 32 printable ASCII characters, no spaces. */
const VALID_TOKEN = /^[\x21-\x7e]{32,}$/;

/** Whether a bind host only accepts connections from this machine (the config's rule). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The generated token's file beside the audit trail and the state: `data/audit.jsonl` → `data/audit.operator-token`. */
export function operatorTokenPathFor(auditPath: string): string {
  const name = basename(auditPath, extname(auditPath));
  return join(dirname(auditPath), `${name}.operator-token`);
}

/**
 * A short, stable name for a token in the log and the audit trail: 8 hex digits of a SHA-256 of it. It tells
 * tokens apart (a rotation shows) without helping anyone guess one; the prefix keeps it from matching a
 * precomputed table of plain SHA-256 hashes.
 */
export function tokenId(token: string): string {
  return createHash('sha256').update(`bot operator token id\0${token}`).digest('hex').slice(0, 8);
}

export interface OperatorToken {
  readonly value: string;
  readonly id: string;
  /** `config`: BOT_OPERATOR_TOKEN(_FILE); `file`: the state directory's token file (`generated` at this start or not). */
  readonly source: 'config' | 'file';
  readonly path?: string;
  readonly generated: boolean;
}

/**
 * The token the operator API requires: the configured one, else the one in the state directory's token file,
 * created (mode 0600, 256 random bits) when there is none. A file others may read, or that does not hold a
 * valid token, stops the start: the operator fixes or deletes it, never the bot silently.
 */
export function resolveOperatorToken(config: BotConfig): OperatorToken {
  const configured = config.operator.token?.reveal();
  if (configured !== undefined) {
    return { value: configured, id: tokenId(configured), source: 'config', generated: false };
  }
  const path = tokenFileFor(config);
  const existing = readTokenFile(path);
  if (existing !== undefined) {
    return { value: existing, id: tokenId(existing), source: 'file', path, generated: false };
  }
  const created = createTokenFile(path);
  // Another start may have created it between the read and the exclusive create: use that one.
  const value = created ?? readTokenFile(path);
  if (value === undefined) {
    throw new OperatorApiError(`operator token file ${path} vanished while it was being created`);
  }
  return { value, id: tokenId(value), source: 'file', path, generated: created !== undefined };
}

/** The token file to use when no token is configured; only for a loopback bind. */
function tokenFileFor(config: BotConfig): string {
  const host = config.operator.bind.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (!isLoopbackHost(host)) {
    // A token file on this machine is no use to an operator elsewhere, and exposing the API must be a choice.
    throw new OperatorApiError(
      `refusing to expose the operator API on ${config.operator.bind} without a configured token (BOT_OPERATOR_TOKEN or BOT_OPERATOR_TOKEN_FILE)`,
    );
  }
  return operatorTokenPathFor(config.compliance.auditPath);
}

/**
 * `bot quick-check`'s line on the operator API's protection, without creating anything; `ok` false when a
 * start would be refused over the token.
 */
export function describeOperatorProtection(config: BotConfig): { ok: boolean; line: string } {
  const guarded =
    'every route but GET /health and the console page needs the bearer token; requests from other web pages are refused';
  const configured = config.operator.token?.reveal();
  if (configured !== undefined) {
    return {
      ok: true,
      line: `operator API: protected (${guarded}); token ${tokenId(configured)} from BOT_OPERATOR_TOKEN(_FILE)`,
    };
  }
  try {
    const path = tokenFileFor(config);
    const existing = readTokenFile(path);
    const where =
      existing === undefined
        ? `no token configured: one is generated at the first start into ${path} (mode 0600)`
        : `token ${tokenId(existing)} in ${path}`;
    return { ok: true, line: `operator API: protected (${guarded}); ${where}` };
  } catch (error) {
    return { ok: false, line: `operator API: the bot would not start: ${(error as Error).message}` };
  }
}

/** The token file's token; undefined when there is no file. Throws when it must not be used. */
function readTokenFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusableLocation('read', path, error);
  }
  try {
    const stats = fstatSync(fd);
    const fix = `delete it to have a new token generated, or set BOT_OPERATOR_TOKEN`;
    if (!stats.isFile())
      throw new OperatorApiError(`operator token file ${path} is not a regular file: ${fix}`);
    if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
      throw new OperatorApiError(
        `operator token file ${path} can be read by other users (mode ${(stats.mode & 0o777).toString(8)}): anyone who read it may have the token; ${fix} (or chmod 600 it if nobody did)`,
      );
    }
    const value = readFileSync(fd, 'utf8').trim();
    if (!VALID_TOKEN.test(value)) {
      throw new OperatorApiError(
        `operator token file ${path} does not hold a token (at least 32 printable characters without spaces): ${fix}`,
      );
    }
    return value;
  } finally {
    closeSync(fd);
  }
}

/** Creates the token file with a new token, readable by this user only; undefined when it already exists. */
function createTokenFile(path: string): string | undefined {
  const value = randomBytes(32).toString('hex');
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw unusableLocation('create', path, error);
  }
  try {
    // `wx`: never overwrite or follow into an existing file; the mode applies from the first byte.
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw unusableLocation('create', path, error);
  }
  try {
    writeSync(fd, `${value}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return value;
}

/** The token file cannot be read or written where the audit path puts it. */
function unusableLocation(verb: string, path: string, error: unknown): OperatorApiError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new OperatorApiError(
    `cannot ${verb} the operator token file ${path} (${code}): it lives beside the audit trail, so set BOT_AUDIT_PATH (compliance.auditPath) to a file in a directory the bot may write, or set BOT_OPERATOR_TOKEN`,
  );
}

/** The one body type the POST routes take: a web form cannot send it, and a script only after a preflight. */
const JSON_MEDIA_TYPE = 'application/json';

export interface Refusal {
  /** 403 for where the request comes from, 415 for what it carries. */
  readonly status: 403 | 415;
  readonly reason: string;
}

/** Why a request is refused before its token is even looked at, or undefined when it may go on. */
export function browserRefusal(
  headers: IncomingHttpHeaders,
  bindHost: string,
  mutating: boolean,
): Refusal | undefined {
  const forbidden = (reason: string): Refusal => ({ status: 403, reason });
  // The console page the API serves is the one web page allowed: its requests carry `Origin` equal to the
  // address they were sent to (a same-origin `fetch` may also send none). Any other page — another site, or
  // another port of localhost, which browsers call "same-site" — is refused whatever its token.
  const ownOrigin = headers.host === undefined ? undefined : `http://${headers.host}`;
  if (headers.origin !== undefined && headers.origin !== ownOrigin) {
    return forbidden(`requests from other web pages are refused (Origin: ${headers.origin})`);
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none' && site !== 'same-origin') {
    return forbidden(`requests from other web pages are refused (Sec-Fetch-Site: ${site})`);
  }
  // DNS rebinding: a page's own name made to point at 127.0.0.1 arrives with that name in Host.
  if (isLoopbackHost(bindHost) && headers.host !== undefined && !isLoopbackHost(hostName(headers.host))) {
    return forbidden(`a loopback API answers only to a loopback Host (Host: ${headers.host})`);
  }
  if (mutating) {
    const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    // Forms send application/x-www-form-urlencoded, multipart/form-data or text/plain without a preflight.
    if (type !== undefined && type !== '' && type !== JSON_MEDIA_TYPE) {
      return { status: 415, reason: `Content-Type ${type} is refused: send no body, or application/json` };
    }
  }
  return undefined;
}

function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  return bracketed ? (bracketed[1] ?? '') : host.replace(/:\d+$/, '');
}

/** Compares the `Authorization: Bearer …` header with the token in constant time (equal-length digests). */
export function bearerMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(match?.[1] ?? '')
    .digest();
  // Comparing digests makes the time independent of both the token's length and where a guess goes wrong.
  return timingSafeEqual(given, expectedDigest) && match !== null;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Wrong or missing tokens per remote address: after `limit` failures within `windowMs` its wrong tokens get
 * 429 with Retry-After until the window ends (the right token still passes, see operator-api.ts).
 */
export class FailedAttemptLimiter {
  readonly #attempts = new Map<string, { windowStart: number; failures: number }>();

  constructor(
    readonly limit = 10,
    readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const entry = this.#attempts.get(address);
    if (!entry || entry.failures < this.limit) return 0;
    return Math.max(0, entry.windowStart + this.windowMs - this.now());
  }

  /** Counts a failure; true when this one reached the limit (the address is locked out from now). */
  fail(address: string): boolean {
    const now = this.now();
    if (this.#attempts.size > 10_000) this.#forgetExpired(now);
    const entry = this.#attempts.get(address);
    if (!entry || now - entry.windowStart >= this.windowMs) {
      this.#attempts.set(address, { windowStart: now, failures: 1 });
      return this.limit <= 1;
    }
    entry.failures += 1;
    return entry.failures === this.limit;
  }

  succeed(address: string): void {
    this.#attempts.delete(address);
  }

  #forgetExpired(now: number): void {
    for (const [address, entry] of this.#attempts) {
      if (now - entry.windowStart >= this.windowMs) this.#attempts.delete(address);
    }
  }
}
