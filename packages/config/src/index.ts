export { loadConfig } from './load-config';
export type { LoadConfigOptions } from './load-config';
export { describeConfig } from './describe-config';
export {
  botConfigSchema,
  configFileSchema,
  configOverridesSchema,
  EXECUTION_SAFETY_LIMITS,
  FOREIGN_POSITION_POLICIES,
  HARD_LIMITS,
  LIVE_CONFIRMATION,
  MODES,
  NOTIFICATION_EVENTS,
  NOTIFICATION_KINDS,
  QUOTE_COINS,
  REWARD_RISK_LIMITS,
  TELEGRAM_SEND_MESSAGE_PATH,
  TIMEFRAMES,
  TP_ORDER_STYLES,
  WORKING_TYPES,
} from './schema';
export type {
  BotConfig,
  ConfigFileInput,
  ConfigOverrides,
  ForeignPositionPolicy,
  Mode,
  NotificationEvent,
  NotificationKind,
  QuoteCoin,
  RiskConfig,
  Timeframe,
  TpOrderStyle,
  WorkingType,
} from './schema';
export { TIER_PRESETS, TIERS, tierLimits } from './tiers';
export type { Tier, TierHardCaps, TierPreset, TierRiskLimits } from './tiers';
export { CONFIG_DEFAULTS } from './defaults';
export { ENVIRONMENT_VARIABLES } from './environment';
export type { EnvironmentVariable, EnvironmentVariableKind } from './environment';
export { CONFIG_ERROR_CODE, ConfigError, isConfigError } from './config-error';
export type { ConfigIssue, ConfigSource } from './config-error';
export { REDACTED, Secret } from './secret';
