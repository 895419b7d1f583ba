import type { BotConfig } from '@bot/config';
import type { CcxtExchange, KeyPermissions } from '@bot/exchange';

/** Live mode refused: the API key may withdraw funds and `compliance.allowWithdrawalKey` is not set. */
export class KeyPermissionError extends Error {
  override readonly name = 'KeyPermissionError';
}

export interface KeyPermissionVerdict {
  /** Said at every start (and by `bot quick-check`), never fatal. */
  readonly warnings: readonly string[];
  /** Why the bot must not start (live mode only). */
  readonly refusal?: string;
}

/**
 * What a key's permissions mean for a bot that holds it: a key that may withdraw empties the account when it
 * leaks, so live mode refuses it unless the operator says otherwise (`BOT_ALLOW_WITHDRAWAL_KEY=true`); a key
 * bound to no IP list works from anywhere, which Binance's own guidance advises against.
 */
export function judgeKeyPermissions(
  mode: BotConfig['mode'],
  permissions: KeyPermissions,
  allowWithdrawalKey: boolean,
): KeyPermissionVerdict {
  const warnings: string[] = [];
  if (permissions.withdrawals) {
    warnings.push(
      "the API key may withdraw funds: untick 'Enable Withdrawals' for it on Binance (a trading bot never needs it)",
    );
  }
  if (!permissions.ipRestricted) {
    warnings.push(
      "the API key is not restricted to trusted IPs: bind it to this machine's address on Binance",
    );
  }
  if (!permissions.futures) warnings.push("the API key may not trade futures: tick 'Enable Futures' for it");
  const refused = mode === 'live' && permissions.withdrawals && !allowWithdrawalKey;
  return refused
    ? {
        warnings,
        refusal:
          'live mode refuses an API key that may withdraw funds; disable withdrawals for the key, or set BOT_ALLOW_WITHDRAWAL_KEY=true to accept the risk',
      }
    : { warnings };
}

/** Reads the key's permissions; undefined (with the reason) when the exchange would not say. */
export async function readKeyPermissions(
  exchange: Pick<CcxtExchange, 'fetchKeyPermissions'>,
): Promise<{ permissions?: KeyPermissions; unreadable?: string }> {
  try {
    return { permissions: await exchange.fetchKeyPermissions() };
  } catch (error) {
    return { unreadable: error instanceof Error ? error.message : String(error) };
  }
}
