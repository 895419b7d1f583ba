/** What a run gets without options: balances, the API key's restrictions, the weight limit, the trade tape's length. */
import type { ApiRestrictions } from './server/route-basics';

export const DEFAULT_BALANCES = { USDC: '10000', USDT: '10000' };

/** A key made for futures trading: reading and futures on, withdrawals and the rest off. */
export const DEFAULT_API_RESTRICTIONS: ApiRestrictions = {
  ipRestrict: false,
  createTime: 0,
  enableReading: true,
  enableWithdrawals: false,
  enableInternalTransfer: false,
  enableMargin: false,
  enableFutures: true,
  permitsUniversalTransfer: false,
  enableVanillaOptions: false,
  enableFixApiTrade: false,
  enableFixReadOnly: false,
  enableSpotAndMarginTrading: false,
  enablePortfolioMarginTrading: false,
};

export const DEFAULT_WEIGHT_LIMIT_PER_MINUTE = 2400;

/** Public trades kept per symbol for `GET /fapi/v1/aggTrades`. */
export const TRADE_TAPE_LENGTH = 5000;
