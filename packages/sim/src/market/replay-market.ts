/**
 * Replays candles as ticks. Each candle becomes `ticksPerCandle` ticks spread evenly over its period along
 * open → low → high → close when it closed at or above its open (the path a bullish candle takes), open →
 * high → low → close otherwise; extra ticks are placed on the tick grid along those legs. So aggregating the
 * replayed ticks gives back the file's open, high, low and close exactly, and its volume to the step.
 *
 * The mark price is the last price with a small deterministic basis (a slow sine of `basisBps`), the index
 * price twice that basis away, and the funding rate follows from that premium by Binance's formula (0.0001
 * for the default 2 bps).
 */
import { decimalGrid, formatUnits, parseUnits } from '@bot/symbols';
import type { DecimalGrid } from '@bot/symbols';
import { formatFundingRate, fundingRateFromPremium } from './funding';
import type { MarketSource, MarketTick } from './market-tick';
import { ReplayFileError } from './replay-file';
import type { Candle } from './replay-file';

export interface ReplayMarketOptions {
  readonly symbol: string;
  /**
   * Candles in time order, e.g. from `parseKlineCsv`; an array is checked whole at once, any other iterable
   * (a file read as a stream) a candle at a time as the replay reaches it, and then needs `stepSize`.
   */
  readonly candles: readonly Candle[] | Iterable<Candle>;
  /** The candles' prices must lie on this grid. */
  readonly tickSize: string;
  /**
   * Grid of the per-tick trade sizes (volume is rounded to it); default: the finest the volumes of an array
   * need. Required for a streamed (non-array) replay, whose volumes are not all known up front.
   */
  readonly stepSize?: string;
  /** Ticks per candle, at least 4 (default 4: open, low/high, high/low, close). */
  readonly ticksPerCandle?: number;
  /** Amplitude of the mark price's basis to the last price, in bps (default 2). */
  readonly basisBps?: number;
  /**
   * Length of one candle; default: the smallest gap between consecutive candles of an array (60 000 for one
   * candle), 60 000 (1m klines) for a streamed replay.
   */
  readonly candleMs?: number;
  /** Re-times the replay so that the first candle opens at this time (must keep minute alignment). */
  readonly startTime?: number;
}

export interface ReplayMarket extends MarketSource {
  readonly candleMs: number;
  readonly ticksPerCandle: number;
  /** Candles fully replayed so far. */
  readonly candlesReplayed: number;
}

/** Premium of the last price over the index: a sine with this period in ticks. */
const basisPeriodTicks = 240;
/** The premium average the funding rate reads, as an exponential moving average over this many ticks. */
const fundingAverageTicks = 2400;

interface PreparedCandle {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Volume in step increments. */
  readonly steps: number;
}

function fractionDigits(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  return text.slice(dot + 1).replace(/0+$/, '').length;
}

function volumeGrid(candles: readonly Candle[], stepSize: string | undefined): DecimalGrid {
  if (stepSize !== undefined) return decimalGrid(stepSize, 'stepSize');
  let decimals = 0;
  for (const candle of candles) decimals = Math.max(decimals, fractionDigits(candle.volume));
  return decimalGrid(decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`, 'stepSize');
}

function inferCandleMs(candles: readonly Candle[]): number {
  let smallest = Infinity;
  for (let index = 1; index < candles.length; index += 1) {
    const gap = (candles[index] as Candle).openTime - (candles[index - 1] as Candle).openTime;
    if (gap < smallest) smallest = gap;
  }
  return Number.isFinite(smallest) ? smallest : 60_000;
}

/** Splits `count` extra points over legs in proportion to their lengths (largest remainder). */
function splitPoints(count: number, lengths: readonly number[]): number[] {
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (total === 0) return lengths.map((_, index) => (index === 0 ? count : 0));
  const shares = lengths.map((length) => (count * length) / total);
  const points = shares.map(Math.floor);
  let missing = count - points.reduce((sum, value) => sum + value, 0);
  const byRemainder = shares
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((left, right) => right.remainder - left.remainder || left.index - right.index);
  for (const { index } of byRemainder) {
    if (missing === 0) break;
    points[index] = (points[index] ?? 0) + 1;
    missing -= 1;
  }
  return points;
}

/** Price path of one candle in ticks: `count` points from open to close through low and high. */
export function candlePath(
  candle: { readonly open: number; readonly high: number; readonly low: number; readonly close: number },
  count: number,
): number[] {
  const bullish = candle.close >= candle.open;
  const anchors = bullish
    ? [candle.open, candle.low, candle.high, candle.close]
    : [candle.open, candle.high, candle.low, candle.close];
  // Four ticks (the replay's default) are the anchors themselves: nothing to split, every candle.
  if (count === 4) return anchors;
  const lengths = [0, 1, 2].map((leg) => Math.abs((anchors[leg + 1] ?? 0) - (anchors[leg] ?? 0)));
  const extra = splitPoints(count - 4, lengths);
  const path: number[] = [anchors[0] ?? 0];
  for (let leg = 0; leg < 3; leg += 1) {
    const from = anchors[leg] ?? 0;
    const to = anchors[leg + 1] ?? 0;
    const inner = extra[leg] ?? 0;
    for (let point = 1; point <= inner; point += 1)
      path.push(Math.round(from + ((to - from) * point) / (inner + 1)));
    path.push(to);
  }
  return path;
}

/** A candle's price in ticks of the grid; throws for a price off it (a function of its own, not one per candle). */
function ticksOf(
  candle: Candle,
  name: 'open' | 'high' | 'low' | 'close',
  price: DecimalGrid,
  index: number,
): number {
  const units = parseUnits(candle[name], price.decimals);
  if (units === undefined || units % price.incrementUnits !== 0 || units === 0) {
    throw new ReplayFileError(
      { index },
      `${name} ${candle[name]} is not on the ${price.increment} tick grid`,
    );
  }
  return units / price.incrementUnits;
}

export function createReplayMarket(options: ReplayMarketOptions): ReplayMarket {
  const { symbol } = options;
  const whole = Array.isArray(options.candles) ? (options.candles as readonly Candle[]) : undefined;
  const ticksPerCandle = options.ticksPerCandle ?? 4;
  const basis = (options.basisBps ?? 2) / 10_000;
  const price = decimalGrid(options.tickSize, 'tickSize');
  if (whole === undefined && options.stepSize === undefined) {
    throw new RangeError('a streamed replay (candles not in an array) needs its stepSize, the volume grid');
  }
  const quantity = volumeGrid(whole ?? [], options.stepSize);
  const candleMs = options.candleMs ?? (whole ? inferCandleMs(whole) : 60_000);
  if (!Number.isSafeInteger(ticksPerCandle) || ticksPerCandle < 4) {
    throw new RangeError(`ticksPerCandle must be an integer ≥ 4, got ${ticksPerCandle}`);
  }
  if (!Number.isSafeInteger(candleMs) || candleMs < ticksPerCandle) {
    throw new RangeError(`candleMs must be an integer ≥ ticksPerCandle, got ${candleMs}`);
  }
  if (!(basis >= 0 && basis < 0.01))
    throw new RangeError(`basisBps must be in [0, 100), got ${options.basisBps}`);
  let shift: number | undefined;
  let previousOpenTime: number | undefined;
  const prepare = (candle: Candle, index: number): PreparedCandle => {
    if (shift === undefined) {
      shift = 0;
      if (options.startTime !== undefined) {
        shift = options.startTime - candle.openTime;
        if (!Number.isSafeInteger(shift) || shift % 60_000 !== 0) {
          throw new RangeError(
            `startTime ${options.startTime} must be the first open time plus whole minutes`,
          );
        }
      }
    }
    if (previousOpenTime !== undefined && candle.openTime < previousOpenTime + candleMs) {
      throw new ReplayFileError(
        { index },
        `opens before the previous candle's period of ${candleMs} ms ended`,
      );
    }
    previousOpenTime = candle.openTime;
    const volumeUnits = parseUnits(candle.volume, quantity.decimals, 'nearest');
    if (volumeUnits === undefined)
      throw new ReplayFileError({ index }, `volume ${candle.volume} is not a number`);
    return {
      openTime: candle.openTime + shift,
      open: ticksOf(candle, 'open', price, index),
      high: ticksOf(candle, 'high', price, index),
      low: ticksOf(candle, 'low', price, index),
      close: ticksOf(candle, 'close', price, index),
      steps: Math.round(volumeUnits / quantity.incrementUnits),
    };
  };
  // An array is checked whole now (a bad row fails the start); a stream a candle at a time, one ahead.
  const upcoming: Iterator<PreparedCandle> = whole
    ? whole.map(prepare)[Symbol.iterator]()
    : (function* prepared() {
        let index = 0;
        for (const candle of options.candles) {
          yield prepare(candle, index);
          index += 1;
        }
      })();
  const pull = (): PreparedCandle | undefined => {
    const next = upcoming.next();
    return next.done ? undefined : next.value;
  };
  let current = pull();

  let candleIndex = 0;
  let tickInCandle = 0;
  let tickCount = 0;
  let path: number[] = [];
  let previousTicks = 0;
  let averagePremium = 0;

  const timeOf = (candle: PreparedCandle, tick: number): number =>
    candle.openTime + Math.floor((tick * candleMs) / ticksPerCandle);
  const formatTicks = (ticks: number): string =>
    formatUnits(Math.max(1, ticks) * price.incrementUnits, price.decimals);
  // The funding rate holds at the interest rate while the premium stays small: formatted once per change.
  let rateValue = Number.NaN;
  let rateText = '';
  const formatRate = (rate: number): string => {
    if (rate !== rateValue) {
      rateValue = rate;
      rateText = formatFundingRate(rate);
    }
    return rateText;
  };

  function next(): MarketTick[] {
    const candle = current;
    if (candle === undefined) return [];
    if (tickInCandle === 0) path = candlePath(candle, ticksPerCandle);
    const lastTicks = path[tickInCandle] ?? candle.close;
    const premium = basis * Math.sin((2 * Math.PI * tickCount) / basisPeriodTicks);
    averagePremium += (2 * premium - averagePremium) / fundingAverageTicks;
    const baseSteps = Math.floor(candle.steps / ticksPerCandle);
    const steps = baseSteps + (tickInCandle < candle.steps - baseSteps * ticksPerCandle ? 1 : 0);
    // An up-tick is a taker buy, a down-tick a taker sell; flat ticks alternate.
    const buyerIsMaker = lastTicks === previousTicks ? tickCount % 2 === 1 : lastTicks < previousTicks;
    const time = timeOf(candle, tickInCandle);
    const fundingRate = formatRate(fundingRateFromPremium(averagePremium));
    previousTicks = lastTicks;
    tickCount += 1;
    tickInCandle += 1;
    if (tickInCandle === ticksPerCandle) {
      tickInCandle = 0;
      candleIndex += 1;
      current = pull();
    }
    // A coarse grid's mark and index often round to the last price: its text is then made once.
    const lastPrice = formatTicks(lastTicks);
    const markTicks = Math.round(lastTicks * (1 - premium));
    const indexTicks = Math.round(lastTicks * (1 - 2 * premium));
    const tick: MarketTick = {
      symbol,
      time,
      lastPrice,
      markPrice: markTicks === lastTicks ? lastPrice : formatTicks(markTicks),
      indexPrice: indexTicks === lastTicks ? lastPrice : formatTicks(indexTicks),
      fundingRate,
      tradeQty: formatUnits(steps * quantity.incrementUnits, quantity.decimals),
      buyerIsMaker,
      // Always present (undefined at the end of the data), so every tick has one shape and no spread.
      nextTickTime: current === undefined ? undefined : timeOf(current, tickInCandle),
    };
    return [tick];
  }

  return {
    symbols: [symbol],
    candleMs,
    ticksPerCandle,
    get ended() {
      return current === undefined;
    },
    get candlesReplayed() {
      return candleIndex;
    },
    peekTime() {
      return current === undefined ? undefined : timeOf(current, tickInCandle);
    },
    next,
  };
}
