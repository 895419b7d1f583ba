import { NOTIFICATION_EVENTS } from './schema';
import type { ConfigFileInput } from './schema';

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

const defaults = {
  symbols: ['BTC', 'ETH'],
  strategy: { tier: 'conservative', timeframe: '15m' },
  orders: { workingType: 'MARK_PRICE', tpOrderStyle: 'limit' },
  execution: {
    maxRetries: 3,
    backoffBaseMs: 500,
    backoffMaxMs: 10_000,
    requestTimeoutMs: 10_000,
    recvWindowMs: 5_000,
    signalExpiryCandles: 1,
    maxEntryDeviationPct: 0.005,
    riskOverrunTolerancePct: 0.25,
    accountSweepMs: 60_000,
  },
  positions: { foreignPolicy: 'adopt' },
  compliance: { auditPath: 'data/audit.jsonl', recordRationale: true, allowWithdrawalKey: false },
  operator: { bind: '127.0.0.1:8787' },
  notifications: { kind: 'json', events: [...NOTIFICATION_EVENTS] },
} satisfies ConfigFileInput;

/**
 * The defaults layer, the lowest of defaults < file < env < overrides. Not listed here because they are
 * resolved rather than defaulted: `mode` (paper, or testnet when `testnet` is true), `quoteCoin` (USDT on
 * testnet, USDC otherwise), `settleCoin` (the quote coin) and the `risk` limits (the tier's preset).
 */
export const CONFIG_DEFAULTS = deepFreeze(defaults);
