import { isExchangeAdapterError } from '@bot/exchange';

/**
 * The playbook for an error the loop met and survived, or undefined when none fits. Binance codes:
 * -1021 (timestamp outside recvWindow) is clock skew; -1003/429/418 rate limits; -2014/-2015/-1022 keys.
 */
export function playbookForError(error: unknown): string | undefined {
  if (!isExchangeAdapterError(error)) return undefined;
  if (error.exchangeCode === -1021) return 'clock-skew';
  switch (error.code) {
    case 'RATE_LIMITED':
      return 'rate-limited';
    case 'AUTHENTICATION_FAILED':
      return 'auth-failure';
    case 'RETRIES_EXHAUSTED':
    case 'UNKNOWN_OUTCOME':
    case 'UNEXPECTED_RESPONSE':
      return 'exchange-maintenance';
    default:
      return undefined;
  }
}

/** ccxt's error names for a request that may succeed later (network, maintenance, throttling). */
const TRANSIENT_CCXT_ERRORS = new Set([
  'NetworkError',
  'RequestTimeout',
  'ExchangeNotAvailable',
  'OnMaintenance',
  'RateLimitExceeded',
  'DDoSProtection',
]);

/**
 * Whether a failed start may succeed if tried again: the exchange was unreachable, in maintenance or
 * throttling (the `rate-limited` and `exchange-maintenance` playbooks). Bad input (config, symbols, state,
 * audit trail) and refusals (keys, permissions, clock) are not.
 */
export function isTransientStartError(error: unknown): boolean {
  const playbook = playbookForError(error);
  if (playbook !== undefined) return playbook === 'rate-limited' || playbook === 'exchange-maintenance';
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && TRANSIENT_CCXT_ERRORS.has(name);
}
