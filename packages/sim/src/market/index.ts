export { createSyntheticMarket } from './synthetic-market';
export type {
  MarketRegime,
  SyntheticHistoryOptions,
  SyntheticMarket,
  SyntheticMarketOptions,
  SyntheticSymbolOptions,
  SyntheticSymbolState,
} from './synthetic-market';
export type { MarketSource, MarketTick } from './market-tick';
export {
  KlineCsvReader,
  klineCsvColumns,
  parseKlineCsv,
  parseOhlcvJson,
  ReplayFileError,
} from './replay-file';
export type { Candle } from './replay-file';
export { candlePath, createReplayMarket } from './replay-market';
export type { ReplayMarket, ReplayMarketOptions } from './replay-market';
export { mergeMarketSources } from './merge-market-sources';
export { CandleBook, defaultKlineLimit, defaultMaxCandles, klineRow, maxKlineLimit } from './candle-book';
export type {
  CandleBookOptions,
  CandleBookSymbol,
  CandleTick,
  Kline,
  KlineQuery,
  KlineRow,
  StreamKline,
} from './candle-book';
export { isKlineInterval, klineIntervalMs, klineIntervals, klineOpenTime } from './kline-interval';
export type { KlineInterval } from './kline-interval';
export { SimClock, systemWallClock } from './sim-clock';
export type { ClockListener, ClockMode, SimClockOptions, WallClock } from './sim-clock';
export { MarketDriver } from './market-driver';
export type { MarketDriverOptions } from './market-driver';
export {
  defaultInterestRate,
  formatFundingRate,
  fundingRateClamp,
  fundingRateFromPremium,
  nextFundingTime,
} from './funding';
export { ManualWallClock } from './manual-wall-clock';
