import { FIELD_EXPECTATIONS, LIVE_CONFIRMATION } from './schema';

/**
 * How a variable's text is read: `boolean` true/false/1/0 (any case); `number` a plain decimal;
 * `text` as is; `list` comma-separated, items trimmed; `secret` a secret value; `secret-file` a path
 * whose file holds a secret; `control` steers loading itself rather than setting a field.
 */
export type EnvironmentVariableKind =
  'boolean' | 'number' | 'text' | 'list' | 'secret' | 'secret-file' | 'control';

export interface EnvironmentVariable {
  readonly name: string;
  /** The config path it sets; `undefined` for control variables. */
  readonly path: string | undefined;
  readonly kind: EnvironmentVariableKind;
  readonly description: string;
}

/** Every environment variable the loader reads. Any other `BOT_*` variable is an error. */
export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = Object.freeze(
  (
    [
      [
        'BOT_CONFIG_FILE',
        undefined,
        'control',
        'path of the JSON config file (the `configFile` option wins)',
      ],
      ['BOT_MODE', 'mode', 'text', 'paper | testnet | live (default paper; testnet when TESTNET=true)'],
      ['TESTNET', 'testnet', 'boolean', 'true means mode testnet; contradicting BOT_MODE is an error'],
      ['BOT_LIVE_CONFIRM', undefined, 'control', `must be ${LIVE_CONFIRMATION} for live mode`],
      ['QUOTE_COIN', 'quoteCoin', 'text', 'USDT | USDC (default USDT on testnet, USDC otherwise)'],
      ['SETTLE_COIN', 'settleCoin', 'text', 'USDT | USDC (default and only allowed value: the quote coin)'],
      ['BOT_SYMBOLS', 'symbols', 'list', 'e.g. BTC,ETH or BTC/USDC:USDC (default BTC,ETH)'],
      ['BOT_TIER', 'strategy.tier', 'text', 'conservative | standard | aggressive (default conservative)'],
      ['BOT_TIMEFRAME', 'strategy.timeframe', 'text', 'kline interval, e.g. 15m (default 15m)'],
      [
        'BOT_MIN_REWARD_RISK',
        'strategy.minRewardRisk',
        'number',
        "smallest reward:risk (target distance / stop distance) a signal must offer; below it the entry is denied (default 1.8; the tier's bounds: conservative ≥ 1.5, standard ≥ 1.2, aggressive ≥ 1, at most 10)",
      ],
      ['RISK_PER_TRADE_PCT', 'risk.riskPerTradePct', 'number', 'fraction of equity risked per trade'],
      [
        'DAILY_DRAWDOWN_PCT',
        'risk.dailyDrawdownPct',
        'number',
        'fraction of equity lost per day before halt',
      ],
      ['LEVERAGE_DEFAULT', 'risk.leverageDefault', 'number', 'integer leverage set on each symbol'],
      ['MAX_CONCURRENT_POSITIONS', 'risk.maxConcurrentPositions', 'number', 'open positions allowed at once'],
      ['MAX_SL_STREAK', 'risk.maxSlStreak', 'number', 'consecutive stop-losses before trading pauses'],
      [
        'BOT_COOLDOWN_AFTER_STOP_MINUTES',
        'risk.cooldownAfterStopMinutes',
        'number',
        'pause after a stop-loss',
      ],
      ['WORKING_TYPE', 'orders.workingType', 'text', 'MARK_PRICE | CONTRACT_PRICE (default MARK_PRICE)'],
      ['TP_ORDER_STYLE', 'orders.tpOrderStyle', 'text', 'limit | market (default limit)'],
      ['BOT_MAX_RETRIES', 'execution.maxRetries', 'number', 'retries of a retryable request (default 3)'],
      ['BOT_BACKOFF_BASE_MS', 'execution.backoffBaseMs', 'number', 'first retry delay (default 500)'],
      ['BOT_BACKOFF_MAX_MS', 'execution.backoffMaxMs', 'number', 'longest retry delay (default 10000)'],
      [
        'BOT_REQUEST_TIMEOUT_MS',
        'execution.requestTimeoutMs',
        'number',
        'REST request timeout (default 10000)',
      ],
      ['BOT_RECV_WINDOW_MS', 'execution.recvWindowMs', 'number', 'Binance recvWindow (default 5000)'],
      [
        'BOT_SIGNAL_EXPIRY_CANDLES',
        'execution.signalExpiryCandles',
        'number',
        'a signal older than this many candles of the timeframe is not traded (default 1)',
      ],
      [
        'BOT_MAX_ENTRY_DEVIATION_PCT',
        'execution.maxEntryDeviationPct',
        'number',
        "largest distance of the mark price from the signal's entry price, as a fraction, at which an entry is sent; beyond it the entry is denied (default 0.005)",
      ],
      [
        'BOT_RISK_OVERRUN_TOLERANCE_PCT',
        'execution.riskOverrunTolerancePct',
        'number',
        "fraction by which a fill's real risk may exceed the planned risk before the position is reduced to plan (default 0.25)",
      ],
      [
        'BOT_ACCOUNT_SWEEP_MS',
        'execution.accountSweepMs',
        'number',
        'interval of the full REST account read compared with the user-data stream (default 60000)',
      ],
      [
        'BOT_FOREIGN_POSITIONS',
        'positions.foreignPolicy',
        'text',
        'adopt | flatten | ignore-symbol: what to do with a position the bot did not open (default adopt)',
      ],
      ['BOT_AUDIT_PATH', 'compliance.auditPath', 'text', 'audit trail file (default data/audit.jsonl)'],
      [
        'BOT_RECORD_RATIONALE',
        'compliance.recordRationale',
        'boolean',
        'record decision rationale (default true)',
      ],
      [
        'BOT_ALLOW_WITHDRAWAL_KEY',
        'compliance.allowWithdrawalKey',
        'boolean',
        'trade live with an API key that may withdraw funds (default false: refused)',
      ],
      ['BOT_OPERATOR_BIND', 'operator.bind', 'text', 'operator HTTP API host:port (default 127.0.0.1:8787)'],
      ['BOT_OPERATOR_TOKEN', 'operator.token', 'secret', 'operator API bearer token (secret)'],
      ['BOT_OPERATOR_TOKEN_FILE', 'operator.token', 'secret-file', 'file holding the operator token'],
      [
        'BOT_NOTIFY_KIND',
        'notifications.kind',
        'text',
        'json | telegram | slack | discord: the message shape of the webhook (default json)',
      ],
      ['BOT_NOTIFY_CHAT_ID', 'notifications.chatId', 'text', 'Telegram chat id (kind telegram only)'],
      [
        'BOT_NOTIFY_EVENTS',
        'notifications.events',
        'list',
        'events sent: entry,exit,playbook,halt,resume,daily-summary (default all)',
      ],
      [
        'BOT_NOTIFY_URL',
        'notifications.url',
        'secret',
        'webhook URL notifications are POSTed to (secret: its path is the credential); unset: none sent',
      ],
      ['BOT_NOTIFY_URL_FILE', 'notifications.url', 'secret-file', 'file holding the webhook URL'],
      ['BOT_API_KEY', 'credentials.apiKey', 'secret', 'Binance API key (secret)'],
      ['BOT_API_KEY_FILE', 'credentials.apiKey', 'secret-file', 'file holding the Binance API key'],
      ['BOT_API_SECRET', 'credentials.apiSecret', 'secret', 'Binance API secret (secret)'],
      ['BOT_API_SECRET_FILE', 'credentials.apiSecret', 'secret-file', 'file holding the Binance API secret'],
    ] as const
  ).map(([name, path, kind, description]) => Object.freeze({ name, path, kind, description })),
);

export const ENVIRONMENT_VARIABLES_BY_NAME: ReadonlyMap<string, EnvironmentVariable> = new Map(
  ENVIRONMENT_VARIABLES.map((variable) => [variable.name, variable]),
);

/** The variable(s) that set a path, e.g. `BOT_API_SECRET or BOT_API_SECRET_FILE`. */
export function variablesForPath(path: string): string | undefined {
  const names = ENVIRONMENT_VARIABLES.filter((variable) => variable.path === path).map(
    (variable) => variable.name,
  );
  return names.length === 0 ? undefined : names.join(' or ');
}

const DECIMAL_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
/** A percentage: a plain decimal without exponent, then `%`. */
const PERCENTAGE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))%$/;
const BOOLEAN_TRUE = /^(?:true|1)$/i;
const BOOLEAN_FALSE = /^(?:false|0)$/i;

export type ParsedValue = { ok: true; value: unknown } | { ok: false; expected: string };

/** Turns an environment string into the typed value for its field, or says what was expected. */
export function parseEnvironmentValue(variable: EnvironmentVariable, text: string): ParsedValue {
  const fieldExpectation =
    (variable.path === undefined ? undefined : FIELD_EXPECTATIONS[variable.path]) ?? 'a value';
  if (text === '') {
    return {
      ok: false,
      expected: `${fieldExpectation} (the variable is set but empty; unset it for the default)`,
    };
  }
  switch (variable.kind) {
    case 'boolean':
      if (BOOLEAN_TRUE.test(text)) return { ok: true, value: true };
      if (BOOLEAN_FALSE.test(text)) return { ok: true, value: false };
      return { ok: false, expected: 'true, false, 1 or 0 (any case)' };
    case 'number': {
      // A fraction (`…Pct`) may also be written as a percentage: `0.5%` is 0.005.
      const fraction = variable.path?.endsWith('Pct') === true;
      const percent = fraction ? PERCENTAGE.exec(text) : null;
      if (percent) {
        const value = Number(`${percent[1] ?? ''}e-2`);
        return Number.isFinite(value)
          ? { ok: true, value }
          : { ok: false, expected: `${fieldExpectation}, as a plain decimal number or a percentage` };
      }
      const value = DECIMAL_NUMBER.test(text) ? Number(text) : Number.NaN;
      if (!Number.isFinite(value)) {
        return {
          ok: false,
          expected: fraction
            ? `${fieldExpectation}, as a plain decimal number or a percentage`
            : `${fieldExpectation}, as a plain decimal number`,
        };
      }
      return { ok: true, value };
    }
    case 'list': {
      const items = text.split(',').map((item) => item.trim());
      if (items.some((item) => item === '')) {
        return { ok: false, expected: 'a comma-separated list without empty items, e.g. BTC,ETH' };
      }
      return { ok: true, value: items };
    }
    case 'text':
    case 'secret':
    case 'secret-file':
    case 'control':
      return { ok: true, value: text };
  }
}
