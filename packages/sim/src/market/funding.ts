/** Binance's funding-rate formula, shared by the synthetic market and the replay. */

/** Interest rate per 8 h funding interval (0.01 %), Binance's default for USDⓈ-M perpetuals. */
export const defaultInterestRate = 0.0001;
/** Binance's funding-rate cap and floor for most USDⓈ-M perpetuals (±0.75 %). */
export const fundingRateClamp = 0.0075;
const interestClamp = 0.0005;

/**
 * Funding rate = P + clamp(I − P, −0.05 %, 0.05 %), capped to ±0.75 %, with P the (time-averaged)
 * premium index and I the interest rate: 0.0001 exactly while the premium stays between −4 and +6 bps.
 */
export function fundingRateFromPremium(averagePremium: number, interestRate = defaultInterestRate): number {
  const adjustment = Math.min(interestClamp, Math.max(-interestClamp, interestRate - averagePremium));
  return Math.min(fundingRateClamp, Math.max(-fundingRateClamp, averagePremium + adjustment));
}

/** The rate as Binance prints it, 8 decimals ('0.00010000'), never '-0.00000000'. */
export function formatFundingRate(rate: number): string {
  const text = rate.toFixed(8);
  return text === '-0.00000000' ? '0.00000000' : text;
}

/** The next funding time after `time`: every `intervalHours` (8) from 00:00 UTC. */
export function nextFundingTime(time: number, intervalHours = 8): number {
  const intervalMs = intervalHours * 3_600_000;
  return (Math.floor(time / intervalMs) + 1) * intervalMs;
}
