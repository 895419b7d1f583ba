/**
 * A seeded synthetic market: per symbol a log-price random walk with Markov-switching regimes (range with
 * mean reversion, trend up, trend down), clustered volatility (a slow log-volatility process times a
 * GARCH(1,1) factor), Poisson jumps of 1–5 %, a perpetual premium over the index (regime-dependent, mean
 * reverting), a mark price tracking the last price within a few bps, a funding rate from the averaged
 * premium, and trade sizes on the step grid. Symbols share a common diffusion factor (correlation 0.5 by
 * default). Prices are computed as floats, held as integer tick counts and formatted only at the edge.
 *
 * Every random draw comes from streams seeded by `seed` and the symbol's name, so the same options give the
 * same ticks, a symbol's path does not depend on the order of `symbols`, and `history()` uses streams of its
 * own (calling it never changes the live ticks).
 */
import { roundPriceToTick } from '@bot/symbols';

import { decimalGrid, formatUnits, parseUnits } from '@bot/symbols';
import type { DecimalGrid } from '@bot/symbols';
import { formatFundingRate, fundingRateFromPremium } from './funding';
import type { MarketSource, MarketTick } from './market-tick';
import type { Candle } from './replay-file';
import { SeededRandom } from './seeded-random';

export interface SyntheticSymbolOptions {
  /** Exchange id, e.g. 'BTCUSDC'. */
  readonly symbol: string;
  /** First price (rounded to the tick); also the close of the last `history()` candle. */
  readonly startPrice: string;
  readonly tickSize: string;
  readonly stepSize: string;
  /**
   * Standard deviation of the log return per tick in calm conditions. Default: a per-second sigma by base
   * asset (BTC 0.009 %, ETH 0.012 %, others up to 0.018 %, ~50–100 % a year) scaled by √(tickMs / 1000).
   */
  readonly volatility?: number;
  /** Mean notional of one trade in quote currency (default 2000). */
  readonly tradeNotional?: number;
  /** Mean number of jumps per day (default 1). */
  readonly jumpsPerDay?: number;
}

export interface SyntheticMarketOptions {
  readonly seed: number;
  readonly symbols: readonly SyntheticSymbolOptions[];
  /** Epoch ms of the first tick. */
  readonly startTime: number;
  /** Time between ticks (default 1000). */
  readonly tickMs?: number;
  /** Correlation of every symbol's diffusion with the common market factor, in [0, 1) (default 0.5). */
  readonly correlation?: number;
}

export interface SyntheticHistoryOptions {
  /** Number of closed 1m candles to produce, ending at the minute that contains `startTime` (default 1500). */
  readonly minutes?: number;
  /** Simulation step of the history, a divisor of 60 000 (default 5000: 12 steps per candle). */
  readonly stepMs?: number;
}

export type MarketRegime = 'range' | 'trend-up' | 'trend-down';

/** A snapshot of one symbol's hidden state, for tests and operator views. */
export interface SyntheticSymbolState {
  readonly regime: MarketRegime;
  /** Current volatility over the calm per-tick sigma (regime × slow factor × GARCH). */
  readonly volatilityMultiplier: number;
  /** Perpetual premium over the index, as a fraction (0.0005 = 5 bps). */
  readonly premium: number;
  /** Jumps so far on the live path. */
  readonly jumps: number;
}

export interface SyntheticMarket extends MarketSource {
  /** Ticks at the current time, one per symbol in `symbols` order; then time advances by `tickMs`. */
  next(): MarketTick[];
  peekTime(): number;
  readonly tickMs: number;
  /**
   * `minutes` closed 1m candles per symbol ending where the live path starts: the last candle opens one
   * minute before the minute containing `startTime` and closes at `startPrice`. Generated with the same model
   * at a coarser step (`stepMs`) on streams of its own, then scaled so it ends at the start price; each step
   * stands for `stepMs / tickMs` trades. Deterministic for a seed; fast (1500 minutes × 5 symbols in a few ms).
   */
  history(options?: SyntheticHistoryOptions): Map<string, Candle[]>;
  inspect(symbol: string): SyntheticSymbolState;
}

/** Per-second log-return sigma in calm conditions, by base asset. */
const sigmaPerSecondByBase: Readonly<Record<string, number>> = {
  BTC: 0.00009,
  ETH: 0.00012,
  BNB: 0.0001,
  SOL: 0.00015,
  XRP: 0.00015,
  ADA: 0.00016,
  DOGE: 0.00018,
};
const defaultSigmaPerSecond = 0.00015;

function baseAsset(symbol: string): string {
  return symbol.replace(/(USDC|USDT|BUSD|USD)$/, '');
}

const regimeRange = 0;
const regimeUp = 1;
const regimeDown = 2;
const regimeNames: readonly MarketRegime[] = ['range', 'trend-up', 'trend-down'];

/** Mean regime durations in seconds (range 4 h, trends 2 h). */
const regimeDurationSeconds = [4 * 3600, 2 * 3600, 2 * 3600];
/** Volatility multiplier per regime: ranges are calmer, sell-offs wilder. */
const regimeVolatility = [0.8, 1, 1.3];
/** Trend drift per second as a multiple of the per-second sigma: ~2 % over a 2 h BTC trend. */
const trendDriftInSigmas = 0.03;
/** Mean reversion speed (per second) of the log price to the anchor of a range: ~2 h. */
const rangeReversionPerSecond = 1 / 7200;
/** Premium over the index each regime pulls towards: funding near 0.0001 in ranges, higher in up-trends. */
const regimePremium = [0.00005, 0.001, -0.0007];
const initialPremium = regimePremium[regimeRange] ?? 0;
const premiumReversionSeconds = 600;
const premiumSigma = 0.0003;
const premiumLimit = 0.005;
/** The mark price's basis follows the premium with this lag, and never strays more than 8 bps from it. */
const markBasisSeconds = 60;
const markBasisLimit = 0.0008;
/** Funding is computed from this moving average of the premium. */
const fundingAverageSeconds = 4 * 3600;
/** Slow volatility factor: log-volatility Ornstein–Uhlenbeck with a 2 h memory and 0.45 stationary sigma. */
const slowVolatilitySeconds = 2 * 3600;
const slowVolatilitySigma = 0.45;
const slowVolatilityLimit = 1.5;
/** GARCH(1,1) on normalized shocks: alpha, and the persistence of one second. */
const garchAlpha = 0.04;
const garchPersistencePerSecond = 0.995;
const shockCap = 25;
/** Jump size: uniform 1–5 % for BTC, scaled by √(sigma / BTC's sigma) for wilder assets; 55 % are down. */
const jumpMinimum = 0.01;
const jumpRange = 0.04;
const jumpDownShare = 0.55;
const jumpVolatilityKick = 0.4;
/** Share of trades bought by a taker after an up-move (and sold after a down-move). */
const followShare = 0.68;

interface SymbolSettings {
  readonly symbol: string;
  readonly price: DecimalGrid;
  readonly quantity: DecimalGrid;
  /** Ticks per 1.0 of price. */
  readonly ticksPerUnitPrice: number;
  readonly startTicks: number;
  readonly sigmaPerSecond: number;
  readonly jumpsPerSecond: number;
  readonly jumpScale: number;
  readonly tradeNotional: number;
}

const slowVolatilityMeanCorrection = (slowVolatilitySigma * slowVolatilitySigma) / 2;

/** Everything in a step that depends only on its length and the symbol: computed once per step length. */
interface StepConstants {
  readonly seconds: number;
  readonly leaveProbability: readonly number[];
  readonly slowDecay: number;
  readonly slowNoise: number;
  readonly garchBeta: number;
  readonly garchConstant: number;
  readonly trendDrift: number;
  readonly rangePull: number;
  readonly diffusionScale: number;
  readonly jumpProbability: number;
  readonly premiumPull: number;
  readonly premiumNoise: number;
  readonly markPull: number;
  readonly fundingPull: number;
}

function stepConstants(seconds: number, settings: SymbolSettings): StepConstants {
  const slowDecay = Math.min(1, seconds / slowVolatilitySeconds);
  const garchBeta = Math.max(0, garchPersistencePerSecond ** seconds - garchAlpha);
  const premiumPull = Math.min(1, seconds / premiumReversionSeconds);
  return {
    seconds,
    leaveProbability: regimeDurationSeconds.map((duration) => 1 - Math.exp(-seconds / duration)),
    slowDecay,
    slowNoise: slowVolatilitySigma * Math.sqrt(2 * slowDecay),
    garchBeta,
    garchConstant: 1 - garchAlpha - garchBeta,
    trendDrift: trendDriftInSigmas * settings.sigmaPerSecond * seconds,
    rangePull: Math.min(1, rangeReversionPerSecond * seconds),
    diffusionScale: settings.sigmaPerSecond * Math.sqrt(seconds),
    jumpProbability: 1 - Math.exp(-settings.jumpsPerSecond * seconds),
    premiumPull,
    premiumNoise: premiumSigma * Math.sqrt(2 * premiumPull),
    markPull: Math.min(1, seconds / markBasisSeconds),
    fundingPull: Math.min(1, seconds / fundingAverageSeconds),
  };
}

/** One symbol's hidden state and its one-step dynamics. Fields are public for speed; the class is internal. */
class SymbolProcess {
  logIndex: number;
  regime = regimeRange;
  anchor: number;
  slowVolatility = 0;
  garch = 1;
  lastShock = 1;
  premium = initialPremium;
  markBasis = initialPremium;
  averagePremium = initialPremium;
  lastMove = 0;
  volatilityMultiplier = regimeVolatility[regimeRange] ?? 1;
  jumps = 0;
  private constants: StepConstants | undefined;

  constructor(
    readonly settings: SymbolSettings,
    readonly random: SeededRandom,
    startLogIndex: number,
  ) {
    this.logIndex = startLogIndex;
    this.anchor = startLogIndex;
  }

  /** Advances `seconds` with the common factor draw `marketNormal`. Draw order is fixed: determinism. */
  step(seconds: number, marketNormal: number, correlation: number, idiosyncraticWeight: number): void {
    const random = this.random;
    let constants = this.constants;
    if (constants === undefined || constants.seconds !== seconds) {
      constants = stepConstants(seconds, this.settings);
      this.constants = constants;
    }

    if (random.uniform() < (constants.leaveProbability[this.regime] ?? 0))
      this.switchRegime(random.uniform());

    this.slowVolatility += -this.slowVolatility * constants.slowDecay + constants.slowNoise * random.normal();
    this.garch = Math.min(
      10,
      Math.max(0.2, constants.garchConstant + garchAlpha * this.lastShock + constants.garchBeta * this.garch),
    );

    let drift: number;
    if (this.regime === regimeUp) drift = constants.trendDrift;
    else if (this.regime === regimeDown) drift = -constants.trendDrift;
    else drift = -constants.rangePull * (this.logIndex - this.anchor);

    this.volatilityMultiplier =
      (regimeVolatility[this.regime] ?? 1) *
      Math.exp(this.slowVolatility - slowVolatilityMeanCorrection) *
      Math.sqrt(this.garch);
    const shock = correlation * marketNormal + idiosyncraticWeight * random.normal();
    let move = drift + constants.diffusionScale * this.volatilityMultiplier * shock;
    this.lastShock = Math.min(shockCap, shock * shock);

    if (random.uniform() < constants.jumpProbability) {
      const size = this.settings.jumpScale * (jumpMinimum + jumpRange * random.uniform());
      move += random.uniform() < jumpDownShare ? Math.log(1 - size) : Math.log(1 + size);
      this.jumps += 1;
      this.slowVolatility += jumpVolatilityKick;
      this.lastShock = shockCap;
    }
    this.slowVolatility = Math.min(slowVolatilityLimit, Math.max(-slowVolatilityLimit, this.slowVolatility));
    this.logIndex += move;
    this.lastMove = move;

    this.premium +=
      ((regimePremium[this.regime] ?? 0) - this.premium) * constants.premiumPull +
      constants.premiumNoise * random.normal();
    this.premium = Math.min(premiumLimit, Math.max(-premiumLimit, this.premium));
    this.markBasis += (this.premium - this.markBasis) * constants.markPull;
    this.markBasis = Math.min(
      this.premium + markBasisLimit,
      Math.max(this.premium - markBasisLimit, this.markBasis),
    );
    this.averagePremium += (this.premium - this.averagePremium) * constants.fundingPull;
  }

  private switchRegime(draw: number): void {
    if (this.regime === regimeRange) {
      this.regime = draw < 0.5 ? regimeUp : regimeDown;
    } else {
      // A trend mostly calms into a range, sometimes reverses.
      this.regime = draw < 0.7 ? regimeRange : this.regime === regimeUp ? regimeDown : regimeUp;
      if (this.regime === regimeRange) this.anchor = this.logIndex;
    }
  }

  /** Whether the next trade's taker is the buyer: mostly in the direction of the last move. */
  takerIsBuyer(): boolean {
    const share = this.lastMove > 0 ? followShare : this.lastMove < 0 ? 1 - followShare : 0.5;
    return this.random.uniform() < share;
  }

  /** Size of `trades` trades at `price`, in step increments (at least one): lognormal, larger when volatile. */
  tradeSteps(price: number, trades: number): number {
    const activity = Math.min(6, Math.max(0.3, this.volatilityMultiplier));
    const notional =
      this.settings.tradeNotional * trades * activity * Math.exp(0.9 * this.random.normal() - 0.405);
    const stepValue = (price * this.settings.quantity.incrementUnits) / this.settings.quantity.scale;
    return Math.max(1, Math.floor(notional / stepValue));
  }
}

function settingsFor(options: SyntheticSymbolOptions, tickMs: number): SymbolSettings {
  const price = decimalGrid(options.tickSize, 'tickSize');
  const quantity = decimalGrid(options.stepSize, 'stepSize');
  const startText = roundPriceToTick(options.startPrice, price.increment, 'nearest');
  const startUnits = parseUnits(startText, price.decimals) ?? 0;
  const startTicks = startUnits / price.incrementUnits;
  if (startTicks < 1)
    throw new RangeError(`${options.symbol}: startPrice ${options.startPrice} is below one tick`);
  const tickSeconds = tickMs / 1000;
  let sigmaPerSecond = sigmaPerSecondByBase[baseAsset(options.symbol)] ?? defaultSigmaPerSecond;
  if (options.volatility !== undefined) {
    if (!(options.volatility > 0 && options.volatility < 0.5)) {
      throw new RangeError(`${options.symbol}: volatility must be in (0, 0.5), got ${options.volatility}`);
    }
    sigmaPerSecond = options.volatility / Math.sqrt(tickSeconds);
  }
  const jumpsPerDay = options.jumpsPerDay ?? 1;
  const tradeNotional = options.tradeNotional ?? 2000;
  if (!(jumpsPerDay >= 0 && Number.isFinite(jumpsPerDay))) {
    throw new RangeError(`${options.symbol}: jumpsPerDay must be ≥ 0, got ${jumpsPerDay}`);
  }
  if (!(tradeNotional > 0 && Number.isFinite(tradeNotional))) {
    throw new RangeError(`${options.symbol}: tradeNotional must be > 0, got ${tradeNotional}`);
  }
  return {
    symbol: options.symbol,
    price,
    quantity,
    ticksPerUnitPrice: price.scale / price.incrementUnits,
    startTicks,
    sigmaPerSecond,
    jumpsPerSecond: jumpsPerDay / 86_400,
    jumpScale: Math.sqrt(Math.max(1, sigmaPerSecond / (sigmaPerSecondByBase.BTC ?? 1))),
    tradeNotional,
  };
}

function checkInteger(value: number, name: string, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new RangeError(`${name} must be an integer ≥ ${minimum}, got ${value}`);
  }
}

export function createSyntheticMarket(options: SyntheticMarketOptions): SyntheticMarket {
  const { seed, startTime } = options;
  const tickMs = options.tickMs ?? 1000;
  const correlation = options.correlation ?? 0.5;
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  checkInteger(startTime, 'startTime', 0);
  checkInteger(tickMs, 'tickMs', 1);
  if (!(correlation >= 0 && correlation < 1)) {
    throw new RangeError(`correlation must be in [0, 1), got ${correlation}`);
  }
  if (options.symbols.length === 0) throw new RangeError('symbols must not be empty');
  const seen = new Set<string>();
  for (const { symbol } of options.symbols) {
    if (seen.has(symbol)) throw new RangeError(`duplicate symbol ${symbol}`);
    seen.add(symbol);
  }
  const idiosyncraticWeight = Math.sqrt(1 - correlation * correlation);
  const settings = options.symbols.map((symbol) => settingsFor(symbol, tickMs));
  const symbols = settings.map(({ symbol }) => symbol);
  const factor = new SeededRandom(seed, 'market-factor');
  const processes = settings.map(
    (symbolSettings) =>
      new SymbolProcess(
        symbolSettings,
        new SeededRandom(seed, 'symbol', symbolSettings.symbol),
        // The index sits below the start price by the initial premium, so the first mid is the start price.
        Math.log(symbolSettings.startTicks / symbolSettings.ticksPerUnitPrice) - Math.log1p(initialPremium),
      ),
  );
  const fundingCache = settings.map(() => ({ key: Number.NaN, text: '' }));
  const tickSeconds = tickMs / 1000;
  let time = startTime;
  let started = false;

  function fundingText(index: number, process: SymbolProcess): string {
    const cache = fundingCache[index] ?? { key: Number.NaN, text: '' };
    const key = Math.round(fundingRateFromPremium(process.averagePremium) * 1e8);
    if (key !== cache.key) {
      cache.key = key;
      cache.text = formatFundingRate(key / 1e8);
    }
    return cache.text;
  }

  function tickOf(index: number, process: SymbolProcess): MarketTick {
    const { price, quantity, ticksPerUnitPrice } = process.settings;
    const indexPrice = Math.exp(process.logIndex);
    const midTicks = indexPrice * (1 + process.premium) * ticksPerUnitPrice;
    const buyer = process.takerIsBuyer();
    const lastTicks = Math.max(1, buyer ? Math.ceil(midTicks) : Math.floor(midTicks));
    const markTicks = Math.max(1, Math.round(indexPrice * (1 + process.markBasis) * ticksPerUnitPrice));
    const indexTicks = Math.max(1, Math.round(indexPrice * ticksPerUnitPrice));
    const steps = process.tradeSteps(lastTicks / ticksPerUnitPrice, 1);
    return {
      symbol: process.settings.symbol,
      time,
      lastPrice: formatUnits(lastTicks * price.incrementUnits, price.decimals),
      markPrice: formatUnits(markTicks * price.incrementUnits, price.decimals),
      indexPrice: formatUnits(indexTicks * price.incrementUnits, price.decimals),
      fundingRate: fundingText(index, process),
      tradeQty: formatUnits(steps * quantity.incrementUnits, quantity.decimals),
      buyerIsMaker: !buyer,
    };
  }

  function next(): MarketTick[] {
    if (started) {
      time += tickMs;
      const marketNormal = factor.normal();
      for (const process of processes)
        process.step(tickSeconds, marketNormal, correlation, idiosyncraticWeight);
    }
    started = true;
    const ticks: MarketTick[] = [];
    for (let index = 0; index < processes.length; index += 1) {
      const process = processes[index];
      if (process !== undefined) ticks.push(tickOf(index, process));
    }
    return ticks;
  }

  function history(historyOptions: SyntheticHistoryOptions = {}): Map<string, Candle[]> {
    const minutes = historyOptions.minutes ?? 1500;
    const stepMs = historyOptions.stepMs ?? 5000;
    checkInteger(minutes, 'minutes', 0);
    checkInteger(stepMs, 'stepMs', 1);
    if (60_000 % stepMs !== 0) throw new RangeError(`stepMs must divide 60000, got ${stepMs}`);
    const stepsPerMinute = 60_000 / stepMs;
    const stepCount = minutes * stepsPerMinute;
    const stepSeconds = stepMs / 1000;
    const tradesPerStep = Math.max(1, Math.round(stepMs / tickMs));
    const firstOpen = Math.floor(startTime / 60_000) * 60_000 - minutes * 60_000;
    const historyFactor = new SeededRandom(seed, 'history', 'market-factor');
    const historyProcesses = settings.map(
      (symbolSettings) =>
        new SymbolProcess(symbolSettings, new SeededRandom(seed, 'history', symbolSettings.symbol), 0),
    );
    const logMids = historyProcesses.map(() => new Float64Array(stepCount));
    const quantities = historyProcesses.map(() => new Float64Array(stepCount));
    const buyers = historyProcesses.map(() => new Uint8Array(stepCount));
    for (let step = 0; step < stepCount; step += 1) {
      const marketNormal = historyFactor.normal();
      for (let index = 0; index < historyProcesses.length; index += 1) {
        const process = historyProcesses[index];
        if (process === undefined) continue;
        process.step(stepSeconds, marketNormal, correlation, idiosyncraticWeight);
        (logMids[index] as Float64Array)[step] = process.logIndex + Math.log1p(process.premium);
        (buyers[index] as Uint8Array)[step] = process.takerIsBuyer() ? 1 : 0;
        // Sized at the unscaled path price; rescaled below once the path is anchored.
        (quantities[index] as Float64Array)[step] = process.tradeSteps(1, tradesPerStep);
      }
    }
    const result = new Map<string, Candle[]>();
    for (let index = 0; index < historyProcesses.length; index += 1) {
      const symbolSettings = settings[index] as SymbolSettings;
      const logMid = logMids[index] as Float64Array;
      const stepsAtUnitPrice = quantities[index] as Float64Array;
      const buyer = buyers[index] as Uint8Array;
      const { price, quantity, ticksPerUnitPrice, startTicks } = symbolSettings;
      const startPrice = startTicks / ticksPerUnitPrice;
      const shift = stepCount > 0 ? Math.log(startPrice) - (logMid[stepCount - 1] ?? 0) : 0;
      const candles: Candle[] = [];
      for (let minute = 0; minute < minutes; minute += 1) {
        let open = 0;
        let high = 0;
        let low = 0;
        let close = 0;
        let volume = 0;
        let quoteVolume = 0;
        let takerBuyVolume = 0;
        let takerBuyQuoteVolume = 0;
        for (let offset = 0; offset < stepsPerMinute; offset += 1) {
          const step = minute * stepsPerMinute + offset;
          const ticks =
            step === stepCount - 1
              ? startTicks
              : Math.max(1, Math.round(Math.exp((logMid[step] ?? 0) + shift) * ticksPerUnitPrice));
          if (offset === 0) {
            open = ticks;
            high = ticks;
            low = ticks;
          } else {
            if (ticks > high) high = ticks;
            if (ticks < low) low = ticks;
          }
          close = ticks;
          // Same notional as drawn at price 1: divide the step count by the actual price.
          const steps = Math.max(1, Math.floor((stepsAtUnitPrice[step] ?? 1) / (ticks / ticksPerUnitPrice)));
          const quantityUnits = steps * quantity.incrementUnits;
          const quoteUnits = quantityUnits * ticks * price.incrementUnits;
          volume += quantityUnits;
          quoteVolume += quoteUnits;
          if (buyer[step] === 1) {
            takerBuyVolume += quantityUnits;
            takerBuyQuoteVolume += quoteUnits;
          }
        }
        const quoteDecimals = price.decimals + quantity.decimals;
        candles.push({
          openTime: firstOpen + minute * 60_000,
          open: formatUnits(open * price.incrementUnits, price.decimals),
          high: formatUnits(high * price.incrementUnits, price.decimals),
          low: formatUnits(low * price.incrementUnits, price.decimals),
          close: formatUnits(close * price.incrementUnits, price.decimals),
          volume: formatUnits(volume, quantity.decimals),
          quoteVolume: formatUnits(quoteVolume, quoteDecimals),
          trades: stepsPerMinute * tradesPerStep,
          takerBuyVolume: formatUnits(takerBuyVolume, quantity.decimals),
          takerBuyQuoteVolume: formatUnits(takerBuyQuoteVolume, quoteDecimals),
        });
      }
      result.set(symbolSettings.symbol, candles);
    }
    return result;
  }

  function inspect(symbol: string): SyntheticSymbolState {
    const process = processes.find((candidate) => candidate.settings.symbol === symbol);
    if (process === undefined) throw new RangeError(`unknown symbol ${symbol}`);
    return {
      regime: regimeNames[process.regime] ?? 'range',
      volatilityMultiplier: process.volatilityMultiplier,
      premium: process.premium,
      jumps: process.jumps,
    };
  }

  return {
    symbols,
    tickMs,
    get ended() {
      return false;
    },
    peekTime: () => time + (started ? tickMs : 0),
    next,
    history,
    inspect,
  };
}
