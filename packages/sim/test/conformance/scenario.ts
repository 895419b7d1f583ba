/** What each client reports of the scenario, in plain numbers, for the checks every run shares. */
export interface ScenarioOutcome {
  tickSize: number;
  stepSize: number;
  bestBid: number;
  bestAsk: number;
  klines: number;
  usdcBalance: number;
  leverage: number;
  marketFilled: number;
  marketAverage: number;
  marketTradePrices: number[];
  restingStatus: string;
  canceledStatus: string;
  algoOpen: number;
  algoCanceled: boolean;
  closedPositions: number;
  userEvents: string[];
}

export const QUANTITY = 1.2; // more than the best ask level holds: the order walks several levels

/** Binance's order status as ccxt names it, so that every client's outcome reads alike. */
export const ccxtStatus: Record<string, string> = {
  NEW: 'open',
  PARTIALLY_FILLED: 'open',
  FILLED: 'closed',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
};
