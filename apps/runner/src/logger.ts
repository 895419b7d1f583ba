import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';
export type LogFormat = 'pretty' | 'json';

/**
 * Field paths whose values never reach a log line, whatever logs them: API keys and secrets, the operator
 * token, the listenKey (it grants read access to the account's stream) and HTTP authorisation headers.
 * `@bot/config`'s `Secret` already prints as `[redacted]`; this catches plain strings logged by mistake.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'apiKey',
  'apiSecret',
  'secret',
  'token',
  'listenKey',
  'authorization',
  '*.apiKey',
  '*.apiSecret',
  '*.secret',
  '*.token',
  '*.listenKey',
  '*.authorization',
  'headers["x-mbx-apikey"]',
  '*.headers["x-mbx-apikey"]',
];

export interface LoggerOptions {
  /** `pretty` for a person at a terminal, `json` (one object a line) for everything else. */
  readonly format: LogFormat;
  readonly level?: string;
  /** Where lines go (default standard output). */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** Values (API key, secret, token) masked wherever they appear in a line, even inside a message. */
  readonly secrets?: readonly string[];
}

/** The terminal gets pretty lines; a pipe or a file gets JSON. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * The runner's pino logger, synchronous (a crash loses no line). Redaction is by field path and, for the
 * configured secret values, by value: a secret that ends up inside an error message (an exchange echoing a
 * key back) is masked too.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const format =
    options.format === 'pretty'
      ? PinoPretty.prettyFactory({
          colorize: 'isTTY' in destination && destination.isTTY === true,
          ignore: 'pid,hostname',
          translateTime: 'SYS:HH:MM:ss.l',
          // The messages say it all for a person; the fields are there in JSON for machines.
          hideObject: true,
        })
      : (line: string) => line;
  const secrets = (options.secrets ?? []).filter((value) => value.length >= 6);
  const stream: DestinationStream = {
    write(line: string) {
      let safe = format(line);
      for (const value of secrets) safe = safe.split(value).join('[redacted]');
      destination.write(safe);
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      // ISO 8601 UTC ("2026-01-06T09:30:00.000Z"), readable without a conversion; pretty lines show local time.
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    },
    stream,
  );
}

export type { DestinationStream };
