import { SimRejection } from './types';

/** Binance's rejections, with their codes and messages verbatim (docs: USDⓈ-M futures error codes). */
export const rejections = {
  unknownError: (detail: string): SimRejection =>
    new SimRejection(-1000, `An unknown error occurred while processing the request. ${detail}`),
  illegalCharacters: (parameter: string): SimRejection =>
    new SimRejection(
      -1100,
      `Illegal characters found in parameter '${parameter}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
    ),
  mandatoryParameter: (parameter: string): SimRejection =>
    new SimRejection(-1102, `Mandatory parameter '${parameter}' was not sent, was empty/null, or malformed.`),
  eitherOrderReference: (clientName: string, idName: string): SimRejection =>
    new SimRejection(-1102, `Param '${clientName}' or '${idName}' must be sent, but both were empty/null!`),
  parameterNotRequired: (parameter: string): SimRejection =>
    new SimRejection(-1106, `Parameter '${parameter}' sent when not required.`),
  precisionOverMaximum: (): SimRejection =>
    new SimRejection(-1111, 'Precision is over the maximum defined for this asset.'),
  invalidTimeInForce: (): SimRejection => new SimRejection(-1115, 'Invalid timeInForce.'),
  invalidOrderType: (): SimRejection => new SimRejection(-1116, 'Invalid orderType.'),
  invalidSide: (): SimRejection => new SimRejection(-1117, 'Invalid side.'),
  invalidSymbol: (): SimRejection => new SimRejection(-1121, 'Invalid symbol.'),
  unknownAccount: (): SimRejection =>
    new SimRejection(-2015, 'Invalid API-key, IP, or permissions for action.', 401),
  unknownOrderSent: (): SimRejection => new SimRejection(-2011, 'Unknown order sent.'),
  orderDoesNotExist: (): SimRejection => new SimRejection(-2013, 'Order does not exist.'),
  marginInsufficient: (): SimRejection => new SimRejection(-2019, 'Margin is insufficient.'),
  wouldImmediatelyTrigger: (): SimRejection => new SimRejection(-2021, 'Order would immediately trigger.'),
  reduceOnlyRejected: (): SimRejection => new SimRejection(-2022, 'ReduceOnly Order is rejected.'),
  priceNotPositive: (): SimRejection => new SimRejection(-4001, 'Price less than 0.'),
  priceAboveMaximum: (): SimRejection => new SimRejection(-4002, 'Price greater than max price.'),
  quantityNotPositive: (): SimRejection => new SimRejection(-4003, 'Quantity less than or equal to zero.'),
  quantityBelowMinimum: (): SimRejection => new SimRejection(-4004, 'Quantity less than min quantity.'),
  quantityAboveMaximum: (): SimRejection => new SimRejection(-4005, 'Quantity greater than max quantity.'),
  stopPriceNotPositive: (): SimRejection => new SimRejection(-4006, 'Stop price less than zero.'),
  stopPriceAboveMaximum: (): SimRejection => new SimRejection(-4007, 'Stop price greater than max price.'),
  priceBelowMinimum: (): SimRejection => new SimRejection(-4013, 'Price less than min price.'),
  priceNotOnTick: (): SimRejection => new SimRejection(-4014, 'Price not increased by tick size.'),
  invalidClientOrderId: (): SimRejection => new SimRejection(-4015, 'Client order id is not valid.'),
  limitPriceTooHigh: (cap: string): SimRejection =>
    new SimRejection(-4016, `Limit price can't be higher than ${cap}.`),
  quantityNotOnStep: (): SimRejection => new SimRejection(-4023, 'Qty not increased by step size.'),
  limitPriceTooLow: (floor: string): SimRejection =>
    new SimRejection(-4024, `Limit price can't be lower than ${floor}.`),
  invalidLeverage: (leverage: number): SimRejection =>
    new SimRejection(-4028, `Leverage ${leverage} is not valid`),
  marginTypeUnchanged: (): SimRejection => new SimRejection(-4046, 'No need to change margin type.'),
  marginTypeWithOpenOrders: (): SimRejection =>
    new SimRejection(-4047, 'Margin type cannot be changed if there exists open orders.'),
  marginTypeWithPosition: (): SimRejection =>
    new SimRejection(-4048, 'Margin type cannot be changed if there exists position.'),
  clientOrderIdDuplicated: (): SimRejection => new SimRejection(-4116, 'ClientOrderId is duplicated.'),
  quantityWithClosePosition: (): SimRejection =>
    new SimRejection(-4137, 'Quantity must be zero with closePosition equals true'),
  isolatedLeverageReduction: (): SimRejection =>
    new SimRejection(
      -4161,
      'Leverage reduction is not supported in Isolated Margin Mode with open positions',
    ),
  notionalTooSmall: (minimum: string): SimRejection =>
    new SimRejection(
      -4164,
      `Order's notional must be no smaller than ${minimum} (unless you choose reduce only).`,
    ),
  postOnlyWouldTake: (): SimRejection =>
    new SimRejection(
      -5022,
      'Due to the order could not be executed as maker, the Post Only order will be rejected.',
    ),
} as const;
