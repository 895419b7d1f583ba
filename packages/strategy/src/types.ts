/** A closed candle. Prices are plain numbers: rounding to the instrument's tick is the caller's job. */
export interface Candle {
  /** Epoch ms of the candle's open. */
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume?: number;
}

export type SignalSide = 'long' | 'short';

/** An entry idea with its protection and the reason for it, ready for sizing, risk checks and the audit. */
export interface Signal {
  readonly symbol: string;
  readonly side: SignalSide;
  /** The close that confirmed the signal; the caller enters at market or at this price. */
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
  /** Reward to risk: |target − entry| / |entry − stop|. */
  readonly rewardRisk: number;
  /** Open time of the candle that produced the signal. */
  readonly time: number;
  /** Human-readable rationale, e.g. `breakout>donchian20(61234.5); TR/ATR=1.6>1.2; trend=up; rr=2.0`. */
  readonly why: string;
  /** The numbers behind `why`, for the audit trail. */
  readonly indicators: Readonly<Record<string, number>>;
}

/** What the runner needs of any strategy: feed closed candles in order, get a signal or nothing. */
export interface Strategy {
  readonly name: string;
  readonly symbol: string;
  /** Closed candles needed before a signal can appear. */
  readonly warmUpCandles: number;
  /** O(1) per candle. Candles must be closed and strictly increasing in time. */
  onCandle(candle: Candle): Signal | undefined;
}

export type StrategyErrorCode = 'INVALID_CANDLE' | 'CANDLE_OUT_OF_ORDER' | 'INVALID_OPTION';

export class StrategyError extends Error {
  constructor(
    readonly code: StrategyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StrategyError';
  }
}
