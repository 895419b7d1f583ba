export { BreakoutStrategy } from './breakout-strategy';
export type { BreakoutOptions } from './breakout-strategy';
export { RollingExtremes } from './rolling-extremes';
export { StrategyError } from './types';
export type { Candle, Signal, SignalSide, Strategy, StrategyErrorCode } from './types';
