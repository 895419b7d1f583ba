import type { BotConfig, ForeignPositionPolicy, Mode } from './schema';
import { TIER_PRESETS } from './tiers';

const MODE_NOTES: Readonly<Record<Mode, string>> = {
  paper: 'paper (embedded exchange emulator, no real orders)',
  testnet: 'testnet (Binance demo trading, test funds)',
  live: 'LIVE (Binance USDⓈ-M, real money)',
};

const FOREIGN_POLICY_NOTES: Readonly<Record<ForeignPositionPolicy, string>> = {
  adopt: 'adopt (protected with a stop-loss sized from the per-trade risk, counted against the limits)',
  flatten: 'flatten (closed at market)',
  'ignore-symbol':
    'ignore-symbol (counted against the limits, symbol not traded while it is open, warned each candle)',
};

function percent(fraction: number): string {
  return `${Number.parseFloat((fraction * 100).toFixed(10))} %`;
}

function presence(value: unknown): string {
  return value === undefined ? 'absent' : 'present';
}

/**
 * A human-readable summary of a config for the runner to print at start, one setting per line: mode,
 * coins, symbols, tier and every risk limit (as percentages, with the tier's caps), order and execution
 * settings (with the entry safety checks and the account sweep), the foreign-position policy, audit path,
 * the notification target (never its URL), and whether each secret is present. Never a secret's value.
 */
export function describeConfig(config: BotConfig): string {
  const { risk, orders, execution, positions, compliance, operator, notifications, credentials } = config;
  const caps = TIER_PRESETS[config.strategy.tier].hardCaps;
  return [
    `mode: ${MODE_NOTES[config.mode]}`,
    `quote coin: ${config.quoteCoin}, settle coin: ${config.settleCoin}`,
    `symbols: ${config.symbols.join(', ')}`,
    `strategy: tier ${config.strategy.tier}, timeframe ${config.strategy.timeframe}, minimum reward:risk ${config.strategy.minRewardRisk} (tier bounds ${TIER_PRESETS[config.strategy.tier].minRewardRisk.min}–${TIER_PRESETS[config.strategy.tier].minRewardRisk.max})`,
    `risk per trade: ${percent(risk.riskPerTradePct)} of equity (tier cap ${percent(caps.riskPerTradePct.max)})`,
    `daily drawdown limit: ${percent(risk.dailyDrawdownPct)} (tier cap ${percent(caps.dailyDrawdownPct.max)})`,
    `leverage: ${risk.leverageDefault}x (tier cap ${caps.leverageDefault.max}x)`,
    `max concurrent positions: ${risk.maxConcurrentPositions} (tier cap ${caps.maxConcurrentPositions.max})`,
    `stop-loss streak limit: ${risk.maxSlStreak} in a row (tier cap ${caps.maxSlStreak.max})`,
    `cooldown after a stop-loss: ${risk.cooldownAfterStopMinutes} min (tier minimum ${caps.cooldownAfterStopMinutes.min} min)`,
    `orders: workingType ${orders.workingType}, take-profit as ${orders.tpOrderStyle} order`,
    `execution: up to ${execution.maxRetries} retries, backoff ${execution.backoffBaseMs}-${execution.backoffMaxMs} ms, request timeout ${execution.requestTimeoutMs} ms, recvWindow ${execution.recvWindowMs} ms`,
    `entry safety: signals expire after ${execution.signalExpiryCandles} candle${execution.signalExpiryCandles === 1 ? '' : 's'}, entry denied when the mark price is more than ${percent(execution.maxEntryDeviationPct)} from the signal's entry, position reduced when a fill's risk exceeds plan by more than ${percent(execution.riskOverrunTolerancePct)}`,
    `account sweep: every ${execution.accountSweepMs} ms (REST against the user-data stream)`,
    `foreign positions: ${FOREIGN_POLICY_NOTES[positions.foreignPolicy]}`,
    `audit: ${compliance.auditPath}, decision rationale ${compliance.recordRationale ? 'recorded' : 'not recorded'}`,
    `operator API: ${operator.bind}, token ${presence(operator.token)}`,
    notifications.url === undefined
      ? 'notifications: none (no BOT_NOTIFY_URL)'
      : `notifications: ${notifications.kind} webhook (URL present)${notifications.chatId === undefined ? '' : `, chat ${notifications.chatId}`}, events ${notifications.events.join(', ')}`,
    `API key: ${presence(credentials.apiKey)}, API secret: ${presence(credentials.apiSecret)}`,
  ].join('\n');
}
