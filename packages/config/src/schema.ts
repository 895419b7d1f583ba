import { KLINE_INTERVALS } from '@bot/symbols';
import type { KlineInterval } from '@bot/symbols';
import { z } from 'zod';
import { Secret } from './secret';
import { TIER_PRESETS, TIERS } from './tiers';
import type { TierHardCaps } from './tiers';

/** `paper` runs against the embedded emulator, `testnet` against Binance demo trading, `live` with real money. */
export const MODES = ['paper', 'testnet', 'live'] as const;
export type Mode = (typeof MODES)[number];

export const QUOTE_COINS = ['USDT', 'USDC'] as const;
export type QuoteCoin = (typeof QUOTE_COINS)[number];

/** The price that triggers stop-loss and take-profit orders. */
export const WORKING_TYPES = ['MARK_PRICE', 'CONTRACT_PRICE'] as const;
export type WorkingType = (typeof WORKING_TYPES)[number];

/** How the take-profit is placed: a resting limit order or a market order on trigger. */
export const TP_ORDER_STYLES = ['limit', 'market'] as const;
export type TpOrderStyle = (typeof TP_ORDER_STYLES)[number];

/**
 * What the bot does with a position on the exchange that it did not open (opened by hand, by another tool,
 * or left by a failed flatten): `adopt` protects it with a stop-loss sized from the per-trade risk and counts
 * it against the limits; `flatten` closes it at market; `ignore-symbol` counts it against the limits, never
 * trades that symbol while it is open, and warns each candle.
 */
export const FOREIGN_POSITION_POLICIES = ['adopt', 'flatten', 'ignore-symbol'] as const;
export type ForeignPositionPolicy = (typeof FOREIGN_POSITION_POLICIES)[number];

/** Where notifications go: a generic JSON POST, or the message shape of one chat service's webhook. */
export const NOTIFICATION_KINDS = ['json', 'telegram', 'slack', 'discord'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What the runner notifies: entries, exits, every playbook that fires, halts and resumes, a daily summary. */
export const NOTIFICATION_EVENTS = ['entry', 'exit', 'playbook', 'halt', 'resume', 'daily-summary'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** Binance USDⓈ-M kline intervals: the one list, `@bot/symbols`' `KLINE_INTERVALS`. */
export const TIMEFRAMES = KLINE_INTERVALS;
export type Timeframe = KlineInterval;

/** The exact value `BOT_LIVE_CONFIRM` (or `overrides.liveConfirm`) must have for live mode to start. */
export const LIVE_CONFIRMATION = 'I_UNDERSTAND_LIVE_TRADING';

/** Bounds that hold whatever the tier: fractions for percentages (0.05 = 5 %). */
export const HARD_LIMITS = Object.freeze({
  riskPerTradePct: Object.freeze({ exclusiveMin: 0, max: 0.05 }),
  dailyDrawdownPct: Object.freeze({ exclusiveMin: 0, max: 0.5 }),
  leverageDefault: Object.freeze({ min: 1, max: 125 }),
  maxConcurrentPositions: Object.freeze({ min: 1 }),
  maxSlStreak: Object.freeze({ min: 1 }),
  cooldownAfterStopMinutes: Object.freeze({ min: 0, max: 1440 }),
});

/**
 * Bounds of the execution safety settings; fractions for percentages (0.005 = 0.5 %).
 * `signalExpiryCandles` counts candles of the strategy's timeframe, `accountSweepMs` is in milliseconds.
 */
export const EXECUTION_SAFETY_LIMITS = Object.freeze({
  signalExpiryCandles: Object.freeze({ min: 1, max: 100 }),
  maxEntryDeviationPct: Object.freeze({ exclusiveMin: 0, max: 0.1 }),
  riskOverrunTolerancePct: Object.freeze({ min: 0, max: 1 }),
  accountSweepMs: Object.freeze({ min: 1_000, max: 3_600_000 }),
});

const MINIMUM_API_CREDENTIAL_LENGTH = 16;
const MINIMUM_OPERATOR_TOKEN_LENGTH = 32;
const PRINTABLE_WITHOUT_SPACES = /^[\x21-\x7e]+$/;
/** A PEM private key, as Binance's Ed25519 and RSA API keys use for the secret. */
const PEM_BLOCK = /^-----BEGIN [A-Z0-9 ]+-----\r?\n[A-Za-z0-9+/=\r\n]+\r?\n-----END [A-Z0-9 ]+-----$/;

export function isValidApiKey(value: string): boolean {
  return value.length >= MINIMUM_API_CREDENTIAL_LENGTH && PRINTABLE_WITHOUT_SPACES.test(value);
}

export function isValidApiSecret(value: string): boolean {
  return (
    value.length >= MINIMUM_API_CREDENTIAL_LENGTH &&
    (PRINTABLE_WITHOUT_SPACES.test(value) || PEM_BLOCK.test(value))
  );
}

export function isValidOperatorToken(value: string): boolean {
  return value.length >= MINIMUM_OPERATOR_TOKEN_LENGTH && PRINTABLE_WITHOUT_SPACES.test(value);
}

/**
 * A webhook URL the runner may POST to: https, or plain http to a loopback host only (a receiver on this
 * machine; anything beyond it would carry the URL's credential in clear text).
 */
export function isValidNotificationUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[(.*)\]$/, '$1'));
}

/** The path of Telegram's Bot API `sendMessage`: `/bot<token>/sendMessage`; the token is the credential. */
export const TELEGRAM_SEND_MESSAGE_PATH = /^\/bot([^/]+)\/sendMessage$/;

/** A Telegram chat id: a number (negative for groups) or a public channel's `@username`. */
const TELEGRAM_CHAT_ID = /^(?:-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/;

const UNIFIED_SYMBOL = /^([A-Z0-9]{1,20})\/(USDT|USDC):(USDT|USDC)$/;
const BASE_COIN = /^[A-Z0-9]{1,20}$/;
const LOOKS_LIKE_EXCHANGE_ID = /^[A-Z0-9]+(?:USDT|USDC)$/;

/** Splits a unified USDⓈ-M symbol such as `BTC/USDC:USDC`; `undefined` for anything else. */
export function parseUnifiedSymbol(
  symbol: string,
): { base: string; quote: QuoteCoin; settle: QuoteCoin } | undefined {
  const match = UNIFIED_SYMBOL.exec(symbol);
  if (match === null) return undefined;
  return { base: match[1] as string, quote: match[2] as QuoteCoin, settle: match[3] as QuoteCoin };
}

/** A base coin such as `BTC` or `1000PEPE`; not an exchange id such as `BTCUSDC`. */
export function isBaseCoin(text: string): boolean {
  return BASE_COIN.test(text) && !LOOKS_LIKE_EXCHANGE_ID.test(text);
}

/** Parses `host:port` (`127.0.0.1:8787`, `localhost:8787`, `[::1]:8787`); `undefined` when malformed. */
export function parseBindAddress(bind: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(bind);
  if (match === null) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (host === undefined || port < 1 || port > 65535) return undefined;
  if (match[1] === undefined && /^[0-9.]+$/.test(host)) {
    const octets = host.split('.');
    if (octets.length !== 4 || octets.some((octet) => octet === '' || Number(octet) > 255)) return undefined;
  }
  if (match[1] !== undefined && !host.includes(':')) return undefined;
  return { host, port };
}

/** Whether a bind host only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}

const modeSchema = z.enum(MODES);
const coinSchema = z.enum(QUOTE_COINS);
const unifiedSymbolSchema = z.string().refine((symbol) => parseUnifiedSymbol(symbol) !== undefined);
const symbolInputSchema = z
  .string()
  .refine((symbol) => parseUnifiedSymbol(symbol) !== undefined || isBaseCoin(symbol));
const bindSchema = z.string().refine((bind) => parseBindAddress(bind) !== undefined);
// A path is passed on to the runner as given; only the empty string and NUL bytes are refused here.
const filePathSchema = z
  .string()
  .min(1)
  .refine((path) => !path.includes('\0'));

/** Bounds of `strategy.minRewardRisk` whatever the tier (each tier narrows them: `TIER_PRESETS[tier].minRewardRisk`). */
export const REWARD_RISK_LIMITS = Object.freeze({
  min: Math.min(...TIERS.map((tier) => TIER_PRESETS[tier].minRewardRisk.min)),
  max: Math.max(...TIERS.map((tier) => TIER_PRESETS[tier].minRewardRisk.max)),
});

const strategyShape = {
  tier: z.enum(TIERS),
  timeframe: z.enum(TIMEFRAMES),
  /** The smallest reward:risk (target distance / stop distance) a signal must offer to be traded. */
  minRewardRisk: z.number().gte(REWARD_RISK_LIMITS.min).lte(REWARD_RISK_LIMITS.max),
};

const riskShape = {
  riskPerTradePct: z
    .number()
    .gt(HARD_LIMITS.riskPerTradePct.exclusiveMin)
    .lte(HARD_LIMITS.riskPerTradePct.max),
  dailyDrawdownPct: z
    .number()
    .gt(HARD_LIMITS.dailyDrawdownPct.exclusiveMin)
    .lte(HARD_LIMITS.dailyDrawdownPct.max),
  leverageDefault: z.int().min(HARD_LIMITS.leverageDefault.min).max(HARD_LIMITS.leverageDefault.max),
  maxConcurrentPositions: z.int().min(HARD_LIMITS.maxConcurrentPositions.min),
  maxSlStreak: z.int().min(HARD_LIMITS.maxSlStreak.min),
  cooldownAfterStopMinutes: z
    .int()
    .min(HARD_LIMITS.cooldownAfterStopMinutes.min)
    .max(HARD_LIMITS.cooldownAfterStopMinutes.max),
};

const ordersShape = {
  workingType: z.enum(WORKING_TYPES),
  tpOrderStyle: z.enum(TP_ORDER_STYLES),
};

const executionShape = {
  maxRetries: z.int().min(0).max(10),
  backoffBaseMs: z.int().min(1).max(60_000),
  backoffMaxMs: z.int().min(1).max(300_000),
  requestTimeoutMs: z.int().min(1_000).max(120_000),
  recvWindowMs: z.int().min(1).max(60_000),
  /** A signal older than this many candles of the timeframe is not traded (nor sent late after a pause). */
  signalExpiryCandles: z
    .int()
    .min(EXECUTION_SAFETY_LIMITS.signalExpiryCandles.min)
    .max(EXECUTION_SAFETY_LIMITS.signalExpiryCandles.max),
  /** Before an entry is sent, the mark price must be within this fraction of the signal's entry price. */
  maxEntryDeviationPct: z
    .number()
    .gt(EXECUTION_SAFETY_LIMITS.maxEntryDeviationPct.exclusiveMin)
    .lte(EXECUTION_SAFETY_LIMITS.maxEntryDeviationPct.max),
  /** How far a fill's real risk may exceed the planned risk (as a fraction of it) before the position is cut. */
  riskOverrunTolerancePct: z
    .number()
    .gte(EXECUTION_SAFETY_LIMITS.riskOverrunTolerancePct.min)
    .lte(EXECUTION_SAFETY_LIMITS.riskOverrunTolerancePct.max),
  /** How often the whole account is read over REST and compared with the user-data stream. */
  accountSweepMs: z
    .int()
    .min(EXECUTION_SAFETY_LIMITS.accountSweepMs.min)
    .max(EXECUTION_SAFETY_LIMITS.accountSweepMs.max),
};

const positionsShape = {
  foreignPolicy: z.enum(FOREIGN_POSITION_POLICIES),
};

const complianceShape = {
  auditPath: filePathSchema,
  recordRationale: z.boolean(),
  /** Live mode with an API key that may withdraw funds: refused unless this is true (see the runner). */
  allowWithdrawalKey: z.boolean(),
};

const operatorShape = {
  bind: bindSchema,
};

const notificationsShape = {
  kind: z.enum(NOTIFICATION_KINDS),
  /** Telegram only: the chat the bot writes to. */
  chatId: z.string().regex(TELEGRAM_CHAT_ID).optional(),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1).readonly(),
};

/**
 * What a JSON config file may contain: every key optional, unknown keys refused at every level.
 * Secrets are not part of it; they come from the environment only.
 */
export const configFileSchema = z
  .strictObject({
    mode: modeSchema,
    testnet: z.boolean(),
    quoteCoin: coinSchema,
    settleCoin: coinSchema,
    symbols: z.array(symbolInputSchema).min(1).readonly(),
    strategy: z.strictObject(strategyShape).partial(),
    risk: z.strictObject(riskShape).partial(),
    orders: z.strictObject(ordersShape).partial(),
    execution: z.strictObject(executionShape).partial(),
    positions: z.strictObject(positionsShape).partial(),
    compliance: z.strictObject(complianceShape).partial(),
    operator: z.strictObject(operatorShape).partial(),
    notifications: z.strictObject(notificationsShape).partial(),
  })
  .partial();
export type ConfigFileInput = z.input<typeof configFileSchema>;

/** Explicit overrides (the runner's CLI flags): the file's shape plus the per-run live confirmation. */
export const configOverridesSchema = configFileSchema.extend({
  liveConfirm: z.literal(LIVE_CONFIRMATION).optional(),
});
export type ConfigOverrides = z.input<typeof configOverridesSchema>;

/** Keys allowed at each level of the file (`''` is the top level), for "did you mean" hints. */
export const CONFIG_FILE_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  '': Object.keys(configFileSchema.shape),
  strategy: Object.keys(strategyShape),
  risk: Object.keys(riskShape),
  orders: Object.keys(ordersShape),
  execution: Object.keys(executionShape),
  positions: Object.keys(positionsShape),
  compliance: Object.keys(complianceShape),
  operator: Object.keys(operatorShape),
  notifications: Object.keys(notificationsShape),
});

const apiKeySchema = z.instanceof(Secret).refine((secret) => isValidApiKey(secret.reveal()));
const apiSecretSchema = z.instanceof(Secret).refine((secret) => isValidApiSecret(secret.reveal()));
const operatorTokenSchema = z.instanceof(Secret).refine((secret) => isValidOperatorToken(secret.reveal()));
const notificationUrlSchema = z
  .instanceof(Secret)
  .refine((secret) => isValidNotificationUrl(secret.reveal()));

function percentText(fraction: number): string {
  return `${Number.parseFloat((fraction * 100).toFixed(10))} %`;
}

type CappedField = keyof TierHardCaps;
const PERCENT_FIELDS: ReadonlySet<CappedField> = new Set(['riskPerTradePct', 'dailyDrawdownPct']);

/**
 * The whole, resolved configuration of the bot. `loadConfig` produces it; anything built by hand can be
 * checked with `botConfigSchema.parse`. Beyond each field's range it enforces: `testnet` is exactly
 * `mode === 'testnet'`, settle coin = quote coin, every symbol is quoted and settled in that coin and listed
 * once, the risk limits stay within the tier's hard caps, backoff max ≥ base, API credentials are present
 * outside paper mode, an operator token is present in live mode or when the API binds beyond loopback,
 * and a Telegram notification target has a chat id and a `sendMessage` URL (`chatId` is Telegram's only).
 */
export const botConfigSchema = z
  .strictObject({
    mode: modeSchema,
    testnet: z.boolean(),
    quoteCoin: coinSchema,
    settleCoin: coinSchema,
    symbols: z.array(unifiedSymbolSchema).min(1),
    strategy: z.strictObject(strategyShape),
    risk: z.strictObject(riskShape),
    orders: z.strictObject(ordersShape),
    execution: z.strictObject(executionShape),
    positions: z.strictObject(positionsShape),
    compliance: z.strictObject(complianceShape),
    operator: z.strictObject({ ...operatorShape, token: operatorTokenSchema.optional() }),
    notifications: z.strictObject({ ...notificationsShape, url: notificationUrlSchema.optional() }),
    credentials: z.strictObject({ apiKey: apiKeySchema.optional(), apiSecret: apiSecretSchema.optional() }),
  })
  .superRefine((config, context) => {
    const report = (path: (string | number)[], message: string) =>
      context.addIssue({ code: 'custom', path, message, input: undefined });

    if (config.testnet !== (config.mode === 'testnet')) {
      report(['testnet'], `${config.mode === 'testnet'} (testnet is true exactly when mode is testnet)`);
    }
    if (config.settleCoin !== config.quoteCoin) {
      report(
        ['settleCoin'],
        `${config.quoteCoin}, the quote coin: USDⓈ-M linear perpetuals settle in their quote coin`,
      );
    }

    const firstIndex = new Map<string, number>();
    config.symbols.forEach((symbol, index) => {
      const parts = parseUnifiedSymbol(symbol);
      const coin = config.quoteCoin;
      if (parts !== undefined && (parts.quote !== coin || parts.settle !== coin || parts.base === coin)) {
        report(['symbols', index], `a symbol quoted and settled in ${coin}, e.g. BTC/${coin}:${coin}`);
      }
      const earlier = firstIndex.get(symbol);
      if (earlier === undefined) firstIndex.set(symbol, index);
      else report(['symbols', index], `each symbol once (${symbol} is also symbols.${earlier})`);
    });

    const tier = config.strategy.tier;
    const caps = TIER_PRESETS[tier].hardCaps;
    for (const field of Object.keys(caps) as CappedField[]) {
      const cap: { max?: number; min?: number } = caps[field];
      const value = config.risk[field];
      const show = (limit: number) =>
        PERCENT_FIELDS.has(field) ? `${limit} (${percentText(limit)})` : `${limit}`;
      if (cap.max !== undefined && value > cap.max) {
        report(
          ['risk', field],
          `at most ${show(cap.max)}, the hard cap of tier ${tier} (choose a higher tier to go further)`,
        );
      }
      if (cap.min !== undefined && value < cap.min) {
        report(
          ['risk', field],
          `at least ${show(cap.min)}, the minimum of tier ${tier} (choose a higher tier to go lower)`,
        );
      }
    }

    const rewardRisk = TIER_PRESETS[tier].minRewardRisk;
    const minRewardRisk = config.strategy.minRewardRisk;
    if (minRewardRisk < rewardRisk.min) {
      report(
        ['strategy', 'minRewardRisk'],
        `at least ${rewardRisk.min}, the lowest minimum reward:risk of tier ${tier} (choose a higher tier to go lower)`,
      );
    } else if (minRewardRisk > rewardRisk.max) {
      report(['strategy', 'minRewardRisk'], `at most ${rewardRisk.max}, the highest of tier ${tier}`);
    }

    if (config.execution.backoffMaxMs < config.execution.backoffBaseMs) {
      report(
        ['execution', 'backoffMaxMs'],
        `at least execution.backoffBaseMs (${config.execution.backoffBaseMs}) milliseconds`,
      );
    }

    if (config.mode !== 'paper') {
      if (config.credentials.apiKey === undefined) {
        report(
          ['credentials', 'apiKey'],
          `an API key from BOT_API_KEY or BOT_API_KEY_FILE (${config.mode} mode)`,
        );
      }
      if (config.credentials.apiSecret === undefined) {
        report(
          ['credentials', 'apiSecret'],
          `an API secret from BOT_API_SECRET or BOT_API_SECRET_FILE (${config.mode} mode)`,
        );
      }
    }
    if (config.operator.token === undefined) {
      const bind = parseBindAddress(config.operator.bind);
      if (config.mode === 'live') {
        report(['operator', 'token'], 'an operator API token from BOT_OPERATOR_TOKEN(_FILE) in live mode');
      } else if (bind !== undefined && !isLoopbackHost(bind.host)) {
        report(
          ['operator', 'token'],
          `an operator API token from BOT_OPERATOR_TOKEN(_FILE): the API binds beyond loopback (${config.operator.bind})`,
        );
      }
    }

    const notifications = config.notifications;
    if (notifications.url !== undefined) {
      if (notifications.kind === 'telegram') {
        if (notifications.chatId === undefined) {
          report(
            ['notifications', 'chatId'],
            'a Telegram chat id from BOT_NOTIFY_CHAT_ID (kind telegram), e.g. -1001234567890 or @mychannel',
          );
        }
        const path = URL.canParse(notifications.url.reveal())
          ? new URL(notifications.url.reveal()).pathname
          : '';
        if (!TELEGRAM_SEND_MESSAGE_PATH.test(path)) {
          report(
            ['notifications', 'url'],
            "Telegram's sendMessage URL, https://api.telegram.org/bot<token>/sendMessage (kind telegram)",
          );
        }
      } else if (notifications.chatId !== undefined) {
        report(['notifications', 'chatId'], `no chat id: it is Telegram's (kind is ${notifications.kind})`);
      }
    }
  });

/** The resolved configuration; deep-frozen when it comes from `loadConfig`. */
export type BotConfig = z.infer<typeof botConfigSchema>;
export type RiskConfig = BotConfig['risk'];

const fractionHint = (max: number, example: number, min?: number) =>
  `a fraction in ${min === undefined ? '(0' : `[${min}`}, ${max}], e.g. ${example} for ${percentText(example)} (or ${percentText(example).replace(' ', '')} in the environment)`;

/** What each field accepts, in words, used as `expected` in {@link ConfigIssue}s. */
export const FIELD_EXPECTATIONS: Readonly<Record<string, string>> = Object.freeze({
  '': 'a JSON object',
  mode: `one of ${MODES.join(', ')}`,
  testnet: 'a boolean: true or false (in env also 1 or 0, any case)',
  quoteCoin: 'USDT or USDC (leave unset for USDT on testnet, USDC otherwise)',
  settleCoin: 'USDT or USDC (leave unset to settle in the quote coin)',
  symbols: 'a non-empty list of base coins (BTC) or unified symbols (BTC/USDC:USDC)',
  'symbols.*': 'an uppercase base coin such as BTC, or a unified symbol such as BTC/USDC:USDC',
  'strategy.tier': `one of ${TIERS.join(', ')}`,
  'strategy.timeframe': `one of ${TIMEFRAMES.join(', ')}`,
  'strategy.minRewardRisk': `a reward:risk ratio from ${REWARD_RISK_LIMITS.min} to ${REWARD_RISK_LIMITS.max} (target distance / stop distance, e.g. 1.8), within the tier's bounds`,
  'risk.riskPerTradePct': fractionHint(HARD_LIMITS.riskPerTradePct.max, 0.01),
  'risk.dailyDrawdownPct': fractionHint(HARD_LIMITS.dailyDrawdownPct.max, 0.05),
  'risk.leverageDefault': `an integer from ${HARD_LIMITS.leverageDefault.min} to ${HARD_LIMITS.leverageDefault.max}`,
  'risk.maxConcurrentPositions': 'an integer of at least 1',
  'risk.maxSlStreak': 'an integer of at least 1',
  'risk.cooldownAfterStopMinutes': 'an integer number of minutes from 0 to 1440',
  'orders.workingType': `one of ${WORKING_TYPES.join(', ')}`,
  'orders.tpOrderStyle': `one of ${TP_ORDER_STYLES.join(', ')}`,
  'execution.maxRetries': 'an integer from 0 to 10',
  'execution.backoffBaseMs': 'an integer number of milliseconds from 1 to 60000',
  'execution.backoffMaxMs': 'an integer number of milliseconds from 1 to 300000',
  'execution.requestTimeoutMs': 'an integer number of milliseconds from 1000 to 120000',
  'execution.recvWindowMs': "an integer number of milliseconds from 1 to 60000 (Binance's maximum)",
  'execution.signalExpiryCandles': `an integer number of candles from ${EXECUTION_SAFETY_LIMITS.signalExpiryCandles.min} to ${EXECUTION_SAFETY_LIMITS.signalExpiryCandles.max}`,
  'execution.maxEntryDeviationPct': fractionHint(EXECUTION_SAFETY_LIMITS.maxEntryDeviationPct.max, 0.005),
  'execution.riskOverrunTolerancePct': fractionHint(
    EXECUTION_SAFETY_LIMITS.riskOverrunTolerancePct.max,
    0.25,
    EXECUTION_SAFETY_LIMITS.riskOverrunTolerancePct.min,
  ),
  'execution.accountSweepMs': `an integer number of milliseconds from ${EXECUTION_SAFETY_LIMITS.accountSweepMs.min} to ${EXECUTION_SAFETY_LIMITS.accountSweepMs.max}`,
  'positions.foreignPolicy': `one of ${FOREIGN_POSITION_POLICIES.join(', ')}`,
  'compliance.auditPath': 'a non-empty file path',
  'compliance.recordRationale': 'a boolean: true or false (in env also 1 or 0, any case)',
  'compliance.allowWithdrawalKey': 'a boolean: true or false (in env also 1 or 0, any case)',
  'operator.bind': 'host:port with a port from 1 to 65535, e.g. 127.0.0.1:8787 or [::1]:8787',
  'operator.token': `a token of at least ${MINIMUM_OPERATOR_TOKEN_LENGTH} printable ASCII characters without spaces (e.g. openssl rand -hex 16)`,
  'credentials.apiKey': `an API key of at least ${MINIMUM_API_CREDENTIAL_LENGTH} printable ASCII characters without spaces`,
  'credentials.apiSecret': `an API secret of at least ${MINIMUM_API_CREDENTIAL_LENGTH} printable ASCII characters without spaces, or a PEM private key`,
  'notifications.kind': `one of ${NOTIFICATION_KINDS.join(', ')}`,
  'notifications.chatId':
    'a Telegram chat id: a number such as -1001234567890, or a channel such as @mychannel',
  'notifications.events': `a non-empty list of ${NOTIFICATION_EVENTS.join(', ')}`,
  'notifications.events.*': `one of ${NOTIFICATION_EVENTS.join(', ')}`,
  'notifications.url':
    'a webhook URL: https, or http to a loopback host only (127.0.0.1, localhost, [::1]), e.g. https://hooks.slack.com/services/…',
  liveConfirm: `exactly ${LIVE_CONFIRMATION}`,
});

/** Paths whose values are secrets: never shown, never accepted from a file or overrides. */
export const SECRET_PATHS: ReadonlySet<string> = new Set([
  'credentials.apiKey',
  'credentials.apiSecret',
  'operator.token',
  'notifications.url',
]);
