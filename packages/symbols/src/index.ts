export { SymbolError, symbolErrorCodes } from './symbol-error';
export type { SymbolErrorCode } from './symbol-error';
export {
  defaultBases,
  defaultSymbols,
  fromExchangeId,
  isPerpSymbol,
  parsePerpSymbol,
  perpSymbol,
  quoteAssets,
  toExchangeId,
  toQuoteAsset,
} from './perp-symbol';
export type { PerpSymbol, PerpSymbolParts, QuoteAsset } from './perp-symbol';
export { filterUsdmContracts, isLinearPerpetual } from './markets';
export type { MarketCollection, MarketLike, MinMaxLike } from './markets';
export { backoffDelay, defaultBackoff } from './backoff';
export type { BackoffOptions } from './backoff';
export { toDecimal, toIncrement } from './decimal';
export type { DecimalInput } from './decimal';
export {
  addDecimals,
  addScaled,
  compareDecimals,
  compareScaled,
  decimalGrid,
  divideRounded,
  divideScaled,
  fastUnits,
  formatScaled,
  formatUnits,
  leastCommonMultipleScaled,
  multiplyScaled,
  normalizeScaled,
  parseScaledDecimal,
  parseUnits,
  powerOfTen,
  rescaleUnits,
  roundScaled,
  scaledUnitsAt,
  subtractDecimals,
  subtractScaled,
} from './scaled-decimal';
export type { DecimalGrid, ScaledDecimal } from './scaled-decimal';
export {
  ceilQuantityToStep,
  floorQuantityToStep,
  orderTypes,
  roundingModes,
  roundPriceToTick,
  roundToIncrement,
} from './rounding';
export type { OrderType, RoundingMode } from './rounding';
export { createInstrument, instrumentFromMarket } from './instrument';
export type { Instrument, InstrumentFields } from './instrument';
export { checkOrder, meetsMinNotional, meetsMinQty, minimumOrderQuantity } from './order-rules';
export type { OrderToCheck, OrderViolation, OrderViolationCode } from './order-rules';
export { KLINE_INTERVALS, isKlineInterval, klineIntervalMs } from './kline-intervals';
export type { KlineInterval } from './kline-intervals';
