export { RiskGuard } from './risk-guard';
export { openDenialCodes } from './risk-guard-types';
export type {
  CanOpenInput,
  CloseRecorded,
  CooldownDenial,
  HaltedDenial,
  MaxPositionsDenial,
  OpenAllowed,
  OpenDecision,
  OpenDenial,
  OpenDenialCode,
  RecordCloseInput,
  RecordEquityInput,
  ReducingDenial,
  RestoreOptions,
  RiskGuardOptions,
  RiskGuardStatus,
  SymbolAlreadyOpenDenial,
} from './risk-guard-types';
export { closeReasons, tradingStates } from './trading-state';
export type {
  AdlHalt,
  CloseReason,
  DailyDrawdownHalt,
  HaltCode,
  HaltRecord,
  LiquidationHalt,
  OpenPosition,
  OperatorHalt,
  ReducingRecord,
  StopLossStreakHalt,
  TradingState,
} from './trading-state';
export { SNAPSHOT_VERSION } from './snapshot';
export type { EquityReading, RiskGuardSnapshot } from './snapshot';
export { LARGEST_FEE_RATE, LARGEST_SLIPPAGE_PCT, lossPerUnitOf, sizePosition } from './size-position';
export type {
  PositionSize,
  SizeDenial,
  SizeDenialCode,
  SizeLimitedBy,
  SizePositionInput,
  SizingNumbers,
  SizingResult,
} from './size-position';
export {
  DEFAULT_MINIMUM_REWARD_RISK,
  rewardRiskRatio,
  stopFromAtr,
  targetFromRewardRisk,
} from './stop-and-target';
export type {
  RewardRiskInput,
  StopFromAtrInput,
  TargetFromRewardRiskInput,
  TickRule,
} from './stop-and-target';
export {
  LARGEST_LEVERAGE,
  TIERS,
  TIER_LIMITS,
  TIER_MAX_NOTIONAL_MULTIPLE,
  resolveRiskLimits,
  riskLimitFields,
  tierPreset,
} from './tiers';
export type { RewardRiskBounds, RiskLimits, Tier, TierHardCaps, TierPreset } from './tiers';
export { RiskInputError, isRiskInputError, riskInputErrorCodes } from './risk-input-error';
export type { RiskInputErrorCode } from './risk-input-error';
export { sides } from './validation';
export type { Side } from './validation';
// What the API takes from @bot/symbols, so a consumer that installs @bot/risk alone (pnpm: only declared
// dependencies are visible) can build its arguments.
export { createInstrument, instrumentFromMarket } from '@bot/symbols';
export type { DecimalInput, Instrument, InstrumentFields, OrderType, RoundingMode } from '@bot/symbols';
