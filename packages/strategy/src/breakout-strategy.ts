import { ATR, EMA } from 'trading-signals';
import { RollingExtremes } from './rolling-extremes';
import type { Candle, Signal, Strategy } from './types';
import { StrategyError } from './types';

export interface BreakoutOptions {
  readonly symbol: string;
  /** Candles in the Donchian channel the close must break (default 20). */
  readonly donchianPeriod?: number;
  /** ATR period, Wilder's smoothing (default 14). */
  readonly atrPeriod?: number;
  /** The breakout candle's true range must be at least this many ATRs (default 1.2): volatility expands. */
  readonly atrExpansion?: number;
  /** EMA period of the trend filter: longs only above it, shorts only below (default 50). */
  readonly emaPeriod?: number;
  /** Stop distance in ATRs from the entry (default 1.5). */
  readonly stopAtrMultiple?: number;
  /** Target distance as a multiple of the stop distance (default 2). */
  readonly rewardRisk?: number;
  /** Smallest reward:risk allowed (default 1.8, the plan's `rr >= 1.8`); `rewardRisk` below it is refused. */
  readonly minRewardRisk?: number;
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new StrategyError(
      'INVALID_OPTION',
      `${name} must be a ${integer ? 'whole ' : ''}number > 0, got ${value}`,
    );
  }
  return value;
}

/** Eight significant digits: enough to read in a rationale for BTC at 60 000 and ADA at 0.45 alike. */
function round(value: number): number {
  return Number(value.toPrecision(8));
}

/**
 * Donchian breakout confirmed by ATR expansion and an EMA trend filter. A long fires when a candle closes
 * above the highest high of the previous `donchianPeriod` candles, its true range is at least
 * `atrExpansion` × the ATR before it, and the close is above the EMA; a short mirrors it. The stop sits
 * `stopAtrMultiple` ATRs from the entry, the target `rewardRisk` stop distances away.
 */
export class BreakoutStrategy implements Strategy {
  readonly name = 'donchian-breakout';
  readonly symbol: string;
  readonly warmUpCandles: number;
  readonly #options: Required<Omit<BreakoutOptions, 'symbol'>>;
  readonly #channel: RollingExtremes;
  readonly #atr: ATR;
  readonly #ema: EMA;
  #previousClose: number | undefined;
  #lastTime = Number.NEGATIVE_INFINITY;
  #candles = 0;

  constructor(options: BreakoutOptions) {
    if (typeof options.symbol !== 'string' || options.symbol === '') {
      throw new StrategyError('INVALID_OPTION', 'symbol must be a non-empty string');
    }
    this.symbol = options.symbol;
    this.#options = {
      donchianPeriod: positive('donchianPeriod', options.donchianPeriod ?? 20, true),
      atrPeriod: positive('atrPeriod', options.atrPeriod ?? 14, true),
      atrExpansion: positive('atrExpansion', options.atrExpansion ?? 1.2),
      emaPeriod: positive('emaPeriod', options.emaPeriod ?? 50, true),
      stopAtrMultiple: positive('stopAtrMultiple', options.stopAtrMultiple ?? 1.5),
      rewardRisk: positive('rewardRisk', options.rewardRisk ?? 2),
      minRewardRisk: positive('minRewardRisk', options.minRewardRisk ?? 1.8),
    };
    if (this.#options.rewardRisk < this.#options.minRewardRisk) {
      throw new StrategyError(
        'INVALID_OPTION',
        `rewardRisk ${this.#options.rewardRisk} is below the minimum ${this.#options.minRewardRisk}`,
      );
    }
    this.#channel = new RollingExtremes(this.#options.donchianPeriod);
    this.#atr = new ATR(this.#options.atrPeriod);
    this.#ema = new EMA(this.#options.emaPeriod);
    this.warmUpCandles =
      Math.max(this.#options.donchianPeriod, this.#options.atrPeriod, this.#options.emaPeriod) + 1;
  }

  onCandle(candle: Candle): Signal | undefined {
    this.#check(candle);
    const { high, low, close } = candle;
    // Everything the decision compares with is from the candles before this one.
    const channelReady = this.#channel.isFull;
    const upper = this.#channel.highest;
    const lower = this.#channel.lowest;
    const atrBefore = this.#atr.isStable ? this.#atr.getResultOrThrow() : undefined;
    const trueRange =
      this.#previousClose === undefined
        ? high - low
        : Math.max(high - low, Math.abs(high - this.#previousClose), Math.abs(low - this.#previousClose));

    this.#channel.push(high, low);
    this.#atr.update({ high, low, close }, false);
    const ema = this.#ema.update(close, false);
    this.#previousClose = close;
    this.#candles += 1;

    if (!channelReady || atrBefore === undefined || atrBefore <= 0 || this.#candles < this.warmUpCandles)
      return undefined;
    const expansion = trueRange / atrBefore;
    if (expansion < this.#options.atrExpansion) return undefined;
    const side = close > upper && close > ema ? 'long' : close < lower && close < ema ? 'short' : undefined;
    if (!side) return undefined;

    const stopDistance = this.#options.stopAtrMultiple * atrBefore;
    const direction = side === 'long' ? 1 : -1;
    const stop = close - direction * stopDistance;
    const target = close + direction * stopDistance * this.#options.rewardRisk;
    if (stop <= 0 || target <= 0) return undefined;
    const { donchianPeriod, atrExpansion, emaPeriod, stopAtrMultiple, rewardRisk } = this.#options;
    const level = side === 'long' ? upper : lower;
    return {
      symbol: this.symbol,
      side,
      entry: close,
      stop,
      target,
      rewardRisk,
      time: candle.openTime,
      why: [
        `breakout${side === 'long' ? '>' : '<'}donchian${donchianPeriod}(${round(level)})`,
        `TR/ATR=${expansion.toFixed(2)}>=${atrExpansion}`,
        `trend=${side === 'long' ? 'up' : 'down'}(ema${emaPeriod}=${round(ema)})`,
        `stop=${stopAtrMultiple}xATR(${round(atrBefore)})`,
        `rr=${rewardRisk.toFixed(1)}`,
      ].join('; '),
      indicators: { donchianUpper: upper, donchianLower: lower, atr: atrBefore, trueRange, ema, expansion },
    };
  }

  #check(candle: Candle): void {
    const { openTime, open, high, low, close } = candle ?? ({} as Candle);
    const prices = [open, high, low, close];
    if (!Number.isFinite(openTime) || prices.some((price) => !Number.isFinite(price) || price <= 0)) {
      throw new StrategyError(
        'INVALID_CANDLE',
        `candle needs finite openTime and prices > 0, got ${JSON.stringify(candle)}`,
      );
    }
    if (high < Math.max(open, close, low) || low > Math.min(open, close)) {
      throw new StrategyError(
        'INVALID_CANDLE',
        `candle high/low do not enclose open and close: ${JSON.stringify(candle)}`,
      );
    }
    if (openTime <= this.#lastTime) {
      throw new StrategyError(
        'CANDLE_OUT_OF_ORDER',
        `candle at ${openTime} is not after the previous one at ${this.#lastTime}`,
      );
    }
    this.#lastTime = openTime;
  }
}
