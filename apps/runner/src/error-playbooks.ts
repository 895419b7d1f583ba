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
