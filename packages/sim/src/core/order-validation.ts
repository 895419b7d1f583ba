import type Decimal from 'decimal.js';

import type { InstrumentState } from './core-state';
import { CoreDecimal, ceilToIncrement, floorToIncrement, formatFixed } from './decimal-format';
import { rejections } from './rejections';
import type { ConditionalOrderType, RegularOrderType, Side, TimeInForce, WorkingType } from './types';

/** Binance's pattern for decimal parameters: no sign, no exponent, at most 20 + 20 digits. */
const decimalParameterPattern = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;
/** Binance's pattern for client order ids. */
const clientIdPattern = /^[.A-Z:/a-z0-9_-]{1,36}$/;

const sides: ReadonlySet<string> = new Set<Side>(['BUY', 'SELL']);
const regularTypes: ReadonlySet<string> = new Set<RegularOrderType>(['MARKET', 'LIMIT']);
const conditionalTypes: ReadonlySet<string> = new Set<ConditionalOrderType>([
  'STOP_MARKET',
  'TAKE_PROFIT_MARKET',
  'STOP',
  'TAKE_PROFIT',
]);
const timesInForce: ReadonlySet<string> = new Set<TimeInForce>(['GTC', 'IOC', 'FOK', 'GTX']);
const workingTypes: ReadonlySet<string> = new Set<WorkingType>(['MARK_PRICE', 'CONTRACT_PRICE']);

/** Parses a mandatory decimal parameter: -1102 when absent or empty, -1100 when malformed. */
export function parseDecimalParameter(text: string | undefined, name: string): Decimal {
  if (text === undefined || text === '') throw rejections.mandatoryParameter(name);
  if (typeof text !== 'string' || !decimalParameterPattern.test(text))
    throw rejections.illegalCharacters(name);
  return new CoreDecimal(text);
}

export function checkSide(side: string): asserts side is Side {
  if (!sides.has(side)) throw rejections.invalidSide();
}

export function checkRegularType(type: string): asserts type is RegularOrderType {
  if (!regularTypes.has(type)) throw rejections.invalidOrderType();
}

export function checkConditionalType(type: string): asserts type is ConditionalOrderType {
  if (!conditionalTypes.has(type)) throw rejections.invalidOrderType();
}

export function checkTimeInForce(timeInForce: string): asserts timeInForce is TimeInForce {
  if (!timesInForce.has(timeInForce)) throw rejections.invalidTimeInForce();
}

export function checkWorkingType(workingType: string): asserts workingType is WorkingType {
  if (!workingTypes.has(workingType)) throw rejections.mandatoryParameter('workingType');
}

export function checkClientId(clientId: string): void {
  if (!clientIdPattern.test(clientId)) throw rejections.invalidClientOrderId();
}

/**
 * LOT_SIZE (limit types) or also MARKET_LOT_SIZE (`market`: MARKET and the `*_MARKET` algo types): -4003
 * (≤ 0), -1111 (decimals), -4023 (step), -4004 (min), -4005 (max).
 */
export function checkQuantity(instrument: InstrumentState, quantity: Decimal, market: boolean): void {
  if (quantity.lte(0)) throw rejections.quantityNotPositive();
  if (quantity.decimalPlaces() > instrument.stepDecimals) throw rejections.precisionOverMaximum();
  if (!quantity.mod(instrument.stepSize).isZero()) throw rejections.quantityNotOnStep();
  if (market && !quantity.mod(instrument.marketStepSize).isZero()) throw rejections.quantityNotOnStep();
  if (quantity.lt(instrument.minQuantity)) throw rejections.quantityBelowMinimum();
  if (market && quantity.lt(instrument.marketMinQuantity)) throw rejections.quantityBelowMinimum();
  if (quantity.gt(market ? instrument.marketMaxQuantity : instrument.maxQuantity))
    throw rejections.quantityAboveMaximum();
}

/** PRICE_FILTER: -4001 (≤ 0), -1111 (decimals), -4014 (tick), -4013 (min), -4002 (max). */
export function checkPrice(instrument: InstrumentState, price: Decimal): void {
  if (price.lte(0)) throw rejections.priceNotPositive();
  checkOnTick(instrument, price);
  if (price.lt(instrument.minPrice)) throw rejections.priceBelowMinimum();
  if (price.gt(instrument.maxPrice)) throw rejections.priceAboveMaximum();
}

/** The trigger price of an algo order: -4006 (≤ 0), -1111, -4014, -4007 (above max). */
export function checkTriggerPrice(instrument: InstrumentState, triggerPrice: Decimal): void {
  if (triggerPrice.lte(0)) throw rejections.stopPriceNotPositive();
  checkOnTick(instrument, triggerPrice);
  if (triggerPrice.gt(instrument.maxPrice)) throw rejections.stopPriceAboveMaximum();
}

function checkOnTick(instrument: InstrumentState, price: Decimal): void {
  if (price.decimalPlaces() > instrument.tickDecimals) throw rejections.precisionOverMaximum();
  if (!price.minus(instrument.minPrice).mod(instrument.tickSize).isZero()) throw rejections.priceNotOnTick();
}

/**
 * PERCENT_PRICE (Binance applies it per side): a BUY limit must be ≤ mark × multiplierUp (-4016), a SELL
 * limit ≥ mark × multiplierDown (-4024). The message quotes the bound on the tick.
 */
export function checkPercentPrice(
  instrument: InstrumentState,
  isBuy: boolean,
  price: Decimal,
  mark: Decimal,
): void {
  if (isBuy) {
    const cap = mark.times(instrument.percentUp);
    if (price.gt(cap)) {
      throw rejections.limitPriceTooHigh(
        formatFixed(floorToIncrement(cap, instrument.tickSize), instrument.tickDecimals),
      );
    }
  } else {
    const floor = mark.times(instrument.percentDown);
    if (price.lt(floor)) {
      throw rejections.limitPriceTooLow(
        formatFixed(ceilToIncrement(floor, instrument.tickSize), instrument.tickDecimals),
      );
    }
  }
}
