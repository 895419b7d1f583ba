/**
 * Every refused input names what was wrong: the error's stable `code`, and a message with the field, the
 * value given and what is expected. A bot's operator reads these in the logs to fix a config or a call.
 */
import { createInstrument } from '@bot/symbols';
import { describe, expect, it } from 'vitest';

import { RiskGuard } from '../src/risk-guard';
import { sizePosition } from '../src/size-position';
import type { SizePositionInput } from '../src/size-position';
import { rewardRiskRatio, stopFromAtr, targetFromRewardRisk } from '../src/stop-and-target';
import { resolveRiskLimits, tierPreset } from '../src/tiers';
import type { Tier } from '../src/tiers';

const now = Date.parse('2024-05-01T08:00:00Z');
const BTC = 'BTC/USDC:USDC';
const btc = createInstrument({
  symbol: BTC,
  tickSize: '0.1',
  stepSize: '0.001',
  minQty: '0.001',
  maxQty: '1000',
  marketMaxQty: '120',
  minNotional: '100',
});

function guard(): RiskGuard {
  return new RiskGuard({ tier: 'standard' });
}

function sizing(change: Record<string, unknown> = {}): SizePositionInput {
  return {
    side: 'long',
    equity: 10_000,
    riskPct: 0.005,
    entry: 60_000,
    stop: 59_400,
    instrument: btc,
    leverage: 5,
    feeRate: 0.0004,
    slippagePct: 0.0005,
    ...change,
  } as SizePositionInput;
}

const open = { symbol: BTC, side: 'long', now, equity: 10_000, openPositions: [] };
const close = { pnl: -5, reason: 'manual', now };

const cases: [string, () => unknown, string, string][] = [
  [
    'RiskGuard options 42',
    () => new RiskGuard(42 as never),
    'INVALID_ARGUMENT',
    'Invalid RiskGuard options 42: expected an object.',
  ],
  [
    'RiskGuard options null',
    () => new RiskGuard(null as never),
    'INVALID_ARGUMENT',
    'Invalid RiskGuard options null: expected an object.',
  ],
  [
    'an unknown RiskGuard option',
    () => new RiskGuard({ tier: 'standard', teir: 'x' } as never),
    'INVALID_ARGUMENT',
    'Unknown RiskGuard option "teir": expected tier, limits, losingClosesExtendStreak, includeUnrealizedLoss.',
  ],
  [
    'losingClosesExtendStreak "yes"',
    () => new RiskGuard({ tier: 'standard', losingClosesExtendStreak: 'yes' } as never),
    'INVALID_ARGUMENT',
    'Invalid losingClosesExtendStreak "yes": expected true or false.',
  ],
  [
    'includeUnrealizedLoss 1',
    () => new RiskGuard({ tier: 'standard', includeUnrealizedLoss: 1 } as never),
    'INVALID_ARGUMENT',
    'Invalid includeUnrealizedLoss 1: expected true or false.',
  ],
  [
    'an unknown tier',
    () => new RiskGuard({ tier: 'yolo' as Tier }),
    'UNKNOWN_TIER',
    'Unknown tier "yolo": expected one of conservative, standard, aggressive.',
  ],
  [
    'restore limits without a tier',
    () => RiskGuard.restore(guard().snapshot(), { limits: { maxSlStreak: 2 } }),
    'INVALID_ARGUMENT',
    'RiskGuard.restore: `limits` needs the `tier` they belong to.',
  ],
  [
    'an unknown restore option',
    () => RiskGuard.restore(guard().snapshot(), { when: 1 } as never),
    'INVALID_ARGUMENT',
    'Unknown RiskGuard option "when": expected tier, limits, losingClosesExtendStreak, includeUnrealizedLoss, now.',
  ],
  [
    'canOpen input null',
    () => guard().canOpen(null as never),
    'INVALID_ARGUMENT',
    'Invalid canOpen input null: expected an object.',
  ],
  [
    'canOpen symbol ""',
    () => guard().canOpen({ ...open, symbol: '' } as never),
    'INVALID_SYMBOL',
    "Invalid symbol \"\": expected a non-empty symbol such as 'BTC/USDC:USDC' or 'BTCUSDC'.",
  ],
  [
    'canOpen side "up"',
    () => guard().canOpen({ ...open, side: 'up' } as never),
    'INVALID_SIDE',
    "Invalid side \"up\": expected 'long' or 'short'.",
  ],
  [
    'canOpen now in seconds',
    () => guard().canOpen({ ...open, now: 1_714_550_400 } as never),
    'INVALID_TIME',
    'Invalid now 1714550400: expected integer epoch milliseconds between 2000-01-01 and 2100-01-01 UTC (e.g. 1714521600000).',
  ],
  [
    'canOpen equity 0',
    () => guard().canOpen({ ...open, equity: 0 } as never),
    'INVALID_EQUITY',
    'Invalid equity 0: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'canOpen equity 2e15',
    () => guard().canOpen({ ...open, equity: 2e15 } as never),
    'INVALID_EQUITY',
    'Invalid equity 2000000000000000: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'recordClose input "x"',
    () => guard().recordClose('x' as never),
    'INVALID_ARGUMENT',
    'Invalid recordClose input "x": expected an object.',
  ],
  [
    'recordClose pnl NaN',
    () => guard().recordClose({ ...close, pnl: Number.NaN } as never),
    'INVALID_PNL',
    'Invalid pnl NaN: expected a finite number from -1e15 to 1e15 (negative for a loss).',
  ],
  [
    'recordClose reason "tp"',
    () => guard().recordClose({ ...close, reason: 'tp' } as never),
    'INVALID_CLOSE_REASON',
    "Invalid close reason \"tp\": expected 'stop_loss', 'take_profit', 'manual', 'liquidation' or 'adl'.",
  ],
  [
    'recordClose equity -1',
    () => guard().recordClose({ ...close, equity: -1 } as never),
    'INVALID_EQUITY',
    'Invalid equity -1: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'recordClose symbol ""',
    () => guard().recordClose({ ...close, symbol: '' } as never),
    'INVALID_SYMBOL',
    "Invalid symbol \"\": expected a non-empty symbol such as 'BTC/USDC:USDC' or 'BTCUSDC'.",
  ],
  [
    'recordEquity input []',
    () => guard().recordEquity([] as never),
    'INVALID_ARGUMENT',
    'Invalid recordEquity input an array: expected an object.',
  ],
  [
    'recordEquity equity 0',
    () => guard().recordEquity({ equity: 0, now } as never),
    'INVALID_EQUITY',
    'Invalid equity 0: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'halt ""',
    () => guard().halt(''),
    'INVALID_ARGUMENT',
    'Invalid halt reason "": expected a non-empty string.',
  ],
  [
    'halt "  "',
    () => guard().halt('  '),
    'INVALID_ARGUMENT',
    'Invalid halt reason "  ": expected a non-empty string.',
  ],
  [
    'reduce 5',
    () => guard().reduce(5 as never),
    'INVALID_ARGUMENT',
    'Invalid reduce reason 5: expected a non-empty string.',
  ],
  [
    'status now 1.5',
    () => guard().status(1.5),
    'INVALID_TIME',
    'Invalid now 1.5: expected integer epoch milliseconds between 2000-01-01 and 2100-01-01 UTC (e.g. 1714521600000).',
  ],
  [
    'limits "x"',
    () => resolveRiskLimits('standard', 'x' as never),
    'INVALID_LIMIT',
    'Invalid limits "x": expected an object of risk limits.',
  ],
  [
    'limits null',
    () => resolveRiskLimits('standard', null as never),
    'INVALID_LIMIT',
    'Invalid limits null: expected an object of risk limits.',
  ],
  [
    'an unknown limit',
    () => resolveRiskLimits('standard', { maxSlStreek: 2 } as never),
    'INVALID_LIMIT',
    'Unknown risk limit "maxSlStreek": expected one of riskPerTradePct, dailyDrawdownPct, leverageDefault, maxConcurrentPositions, maxSlStreak, cooldownAfterStopMinutes.',
  ],
  [
    'riskPerTradePct NaN',
    () => resolveRiskLimits('standard', { riskPerTradePct: Number.NaN }),
    'INVALID_LIMIT',
    'Invalid riskPerTradePct NaN: expected a finite number.',
  ],
  [
    'riskPerTradePct "0.01"',
    () => resolveRiskLimits('standard', { riskPerTradePct: '0.01' as never }),
    'INVALID_LIMIT',
    'Invalid riskPerTradePct "0.01": expected a finite number.',
  ],
  [
    'riskPerTradePct 1',
    () => resolveRiskLimits('aggressive', { riskPerTradePct: 1 }),
    'INVALID_LIMIT',
    'Invalid riskPerTradePct 1: expected a fraction above 0 and below 1 (0.005 = 0.5 %).',
  ],
  [
    'riskPerTradePct 0',
    () => resolveRiskLimits('aggressive', { riskPerTradePct: 0 }),
    'INVALID_LIMIT',
    'Invalid riskPerTradePct 0: expected a fraction above 0 and below 1 (0.005 = 0.5 %).',
  ],
  [
    'riskPerTradePct beyond the cap',
    () => resolveRiskLimits('conservative', { riskPerTradePct: 0.5 }),
    'BEYOND_TIER_CAP',
    "riskPerTradePct 0.5 is above tier conservative's hard cap of 0.01.",
  ],
  [
    'dailyDrawdownPct beyond the cap',
    () => resolveRiskLimits('conservative', { dailyDrawdownPct: 0.5 }),
    'BEYOND_TIER_CAP',
    "dailyDrawdownPct 0.5 is above tier conservative's hard cap of 0.03.",
  ],
  [
    'leverageDefault 0',
    () => resolveRiskLimits('aggressive', { leverageDefault: 0 }),
    'INVALID_LIMIT',
    'Invalid leverageDefault 0: expected an integer from 1 to 125.',
  ],
  [
    'leverageDefault 126',
    () => resolveRiskLimits('aggressive', { leverageDefault: 126 }),
    'INVALID_LIMIT',
    'Invalid leverageDefault 126: expected an integer from 1 to 125.',
  ],
  [
    'leverageDefault 125',
    () => resolveRiskLimits('aggressive', { leverageDefault: 125 }),
    'BEYOND_TIER_CAP',
    "leverageDefault 125 is above tier aggressive's hard cap of 20.",
  ],
  [
    'leverageDefault 2.5',
    () => resolveRiskLimits('aggressive', { leverageDefault: 2.5 }),
    'INVALID_LIMIT',
    'Invalid leverageDefault 2.5: expected an integer from 1 to 125.',
  ],
  [
    'maxSlStreak beyond the cap',
    () => resolveRiskLimits('conservative', { maxSlStreak: 50 }),
    'BEYOND_TIER_CAP',
    "maxSlStreak 50 is above tier conservative's hard cap of 4.",
  ],
  [
    'maxConcurrentPositions 0',
    () => resolveRiskLimits('conservative', { maxConcurrentPositions: 0 }),
    'INVALID_LIMIT',
    'Invalid maxConcurrentPositions 0: expected an integer from 1 to 9007199254740991.',
  ],
  [
    'cooldownAfterStopMinutes 1441',
    () => resolveRiskLimits('aggressive', { cooldownAfterStopMinutes: 1441 }),
    'INVALID_LIMIT',
    'Invalid cooldownAfterStopMinutes 1441: expected an integer number of minutes from 0 to 1440.',
  ],
  [
    'cooldownAfterStopMinutes -1',
    () => resolveRiskLimits('aggressive', { cooldownAfterStopMinutes: -1 }),
    'INVALID_LIMIT',
    'Invalid cooldownAfterStopMinutes -1: expected an integer number of minutes from 0 to 1440.',
  ],
  [
    'cooldownAfterStopMinutes below the minimum',
    () => resolveRiskLimits('conservative', { cooldownAfterStopMinutes: 0 }),
    'BEYOND_TIER_CAP',
    "cooldownAfterStopMinutes 0 is below tier conservative's minimum of 15 minutes.",
  ],
  [
    'tierPreset of an unknown tier',
    () => tierPreset('yolo' as Tier),
    'UNKNOWN_TIER',
    'Unknown tier "yolo": expected one of conservative, standard, aggressive.',
  ],
  [
    'sizePosition input undefined',
    () => sizePosition(undefined as never),
    'INVALID_ARGUMENT',
    'Invalid sizePosition input undefined: expected an object.',
  ],
  [
    'sizePosition a misspelt field',
    () => sizePosition(sizing({ maxNotionl: 5 })),
    'INVALID_ARGUMENT',
    'Unknown sizePosition input field "maxNotionl": expected side, equity, riskPct, entry, stop, instrument, leverage, feeRate, slippagePct, tier, maxNotional, availableMargin, orderType.',
  ],
  [
    'sizePosition a misspelt field besides every optional one',
    () =>
      sizePosition(
        sizing({ tier: 'standard', maxNotional: 1e6, availableMargin: 5_000, orderType: 'limit', extra: 1 }),
      ),
    'INVALID_ARGUMENT',
    'Unknown sizePosition input field "extra": expected side, equity, riskPct, entry, stop, instrument, leverage, feeRate, slippagePct, tier, maxNotional, availableMargin, orderType.',
  ],
  [
    'sizePosition orderType "stop"',
    () => sizePosition(sizing({ orderType: 'stop' })),
    'INVALID_ORDER_TYPE',
    "Invalid orderType \"stop\": expected 'market' or 'limit'.",
  ],
  [
    'sizePosition leverage 0',
    () => sizePosition(sizing({ leverage: 0 })),
    'INVALID_LEVERAGE',
    'Invalid leverage 0: expected an integer from 1 to 125.',
  ],
  [
    'sizePosition leverage 126',
    () => sizePosition(sizing({ leverage: 126 })),
    'INVALID_LEVERAGE',
    'Invalid leverage 126: expected an integer from 1 to 125.',
  ],
  [
    'sizePosition leverage "5"',
    () => sizePosition(sizing({ leverage: '5' })),
    'INVALID_LEVERAGE',
    'Invalid leverage "5": expected an integer from 1 to 125.',
  ],
  [
    'sizePosition leverage beyond the cap',
    () => sizePosition(sizing({ leverage: 100 })),
    'BEYOND_TIER_CAP',
    "leverage 100 is above tier conservative's hard cap of 5 (pass the tier you trade with as `tier`).",
  ],
  [
    'sizePosition riskPct "0.01"',
    () => sizePosition(sizing({ riskPct: '0.01' })),
    'INVALID_RISK',
    'Invalid riskPct "0.01": expected a fraction above 0 and below 1 (0.005 = 0.5 %).',
  ],
  [
    'sizePosition riskPct 1',
    () => sizePosition(sizing({ riskPct: 1 })),
    'INVALID_RISK',
    'Invalid riskPct 1: expected a fraction above 0 and below 1 (0.005 = 0.5 %).',
  ],
  [
    'sizePosition riskPct beyond the cap',
    () => sizePosition(sizing({ riskPct: 0.5 })),
    'BEYOND_TIER_CAP',
    "riskPct 0.5 is above tier conservative's hard cap of 0.01 (pass the tier you trade with as `tier`).",
  ],
  [
    'sizePosition equity 0',
    () => sizePosition(sizing({ equity: 0 })),
    'INVALID_EQUITY',
    'Invalid equity 0: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'sizePosition entry -1',
    () => sizePosition(sizing({ entry: -1 })),
    'INVALID_PRICE',
    'Invalid entry -1: expected a finite number > 0.',
  ],
  [
    'sizePosition stop Infinity',
    () => sizePosition(sizing({ stop: Infinity })),
    'INVALID_PRICE',
    'Invalid stop Infinity: expected a finite number > 0.',
  ],
  [
    'sizePosition feeRate 0.5',
    () => sizePosition(sizing({ feeRate: 0.5 })),
    'INVALID_FEE_RATE',
    'Invalid feeRate 0.5: expected a fraction from 0 to 0.01 (fractions: 0.0005 = 0.05 %).',
  ],
  [
    'sizePosition slippagePct -0.1',
    () => sizePosition(sizing({ slippagePct: -0.1 })),
    'INVALID_SLIPPAGE',
    'Invalid slippagePct -0.1: expected a fraction from 0 to 0.1 (fractions: 0.0005 = 0.05 %).',
  ],
  [
    'sizePosition availableMargin 0',
    () => sizePosition(sizing({ availableMargin: 0 })),
    'INVALID_EQUITY',
    'Invalid availableMargin 0: expected a finite number > 0 and at most 1e15.',
  ],
  [
    'sizePosition maxNotional 0',
    () => sizePosition(sizing({ maxNotional: 0 })),
    'INVALID_MAX_NOTIONAL',
    'Invalid maxNotional 0: expected a finite number > 0.',
  ],
  [
    'sizePosition stop at the entry',
    () => sizePosition(sizing({ stop: 60_000 })),
    'ZERO_STOP_DISTANCE',
    'The stop 60000 equals the entry: there is no distance to size a position on.',
  ],
  [
    'sizePosition a long stop above',
    () => sizePosition(sizing({ stop: 60_600 })),
    'STOP_WRONG_SIDE',
    "A long's stop must be below its entry: stop 60600, entry 60000.",
  ],
  [
    'sizePosition a short stop below',
    () => sizePosition(sizing({ side: 'short', stop: 59_400 })),
    'STOP_WRONG_SIDE',
    "A short's stop must be above its entry: stop 59400, entry 60000.",
  ],
  [
    'sizePosition tier "x"',
    () => sizePosition(sizing({ tier: 'x' })),
    'UNKNOWN_TIER',
    'Unknown tier "x": expected one of conservative, standard, aggressive.',
  ],
  [
    'sizePosition instrument null',
    () => sizePosition(sizing({ instrument: null })),
    'INVALID_INSTRUMENT',
    'Invalid instrument: null is not an instrument (use createInstrument or instrumentFromMarket from @bot/symbols).',
  ],
  [
    'sizePosition instrument without stepSize',
    () => sizePosition(sizing({ instrument: { tickSize: '0.1' } })),
    'INVALID_INSTRUMENT',
    'Invalid instrument: it has no stepSize.',
  ],
  [
    'sizePosition instrument stepSize 0',
    () => sizePosition(sizing({ instrument: { tickSize: '0.1', stepSize: '0' } })),
    'INVALID_INSTRUMENT',
    'Invalid instrument: stepSize "0": Invalid stepSize "0": expected a value > 0.',
  ],
  [
    'sizePosition instrument minQty "x"',
    () => sizePosition(sizing({ instrument: { tickSize: '0.1', stepSize: '0.001', minQty: 'x' } })),
    'INVALID_INSTRUMENT',
    'Invalid instrument: minQty "x": Invalid minQty "x": expected a decimal string such as \'61000.5\' or \'1e-7\'.',
  ],
  [
    'sizePosition instrument maxQty below minQty',
    () =>
      sizePosition(sizing({ instrument: { tickSize: '0.1', stepSize: '0.001', minQty: '2', maxQty: '1' } })),
    'INVALID_INSTRUMENT',
    'Invalid instrument: its maximum quantity 1 is below its minimum quantity on the step grid (0.001).',
  ],
  [
    'stopFromAtr input 1',
    () => stopFromAtr(1 as never),
    'INVALID_ARGUMENT',
    'Invalid stopFromAtr input 1: expected an object.',
  ],
  [
    'stopFromAtr entry 0',
    () => stopFromAtr({ side: 'long', entry: 0, atr: 1, multiplier: 1 }),
    'INVALID_PRICE',
    'Invalid entry 0: expected a finite number > 0.',
  ],
  [
    'stopFromAtr atr -1',
    () => stopFromAtr({ side: 'long', entry: 100, atr: -1, multiplier: 1 }),
    'INVALID_ATR',
    'Invalid atr -1: expected a finite number > 0.',
  ],
  [
    'stopFromAtr multiplier 0',
    () => stopFromAtr({ side: 'long', entry: 100, atr: 1, multiplier: 0 }),
    'INVALID_ATR',
    'Invalid multiplier 0: expected a finite number > 0.',
  ],
  [
    'stopFromAtr a stop at or below 0',
    () => stopFromAtr({ side: 'long', entry: 100, atr: 50, multiplier: 2 }),
    'INVALID_PRICE',
    'The computed price would be 0, not a price > 0: the distance is as large as the entry.',
  ],
  [
    'stopFromAtr tickSize "x"',
    () => stopFromAtr({ side: 'long', entry: 100, atr: 1, multiplier: 1, instrument: { tickSize: 'x' } }),
    'INVALID_INSTRUMENT',
    'Invalid instrument tick size "x": Invalid tick size "x": expected a decimal string such as \'61000.5\' or \'1e-7\'.',
  ],
  [
    'rewardRiskRatio input null',
    () => rewardRiskRatio(null as never),
    'INVALID_ARGUMENT',
    'Invalid rewardRiskRatio input null: expected an object.',
  ],
  [
    'rewardRiskRatio entry "1"',
    () => rewardRiskRatio({ side: 'long', entry: '1' as never, stop: 90, target: 120 }),
    'INVALID_PRICE',
    'Invalid entry "1": expected a finite number > 0.',
  ],
  [
    'rewardRiskRatio stop 0',
    () => rewardRiskRatio({ side: 'long', entry: 100, stop: 0, target: 120 }),
    'INVALID_PRICE',
    'Invalid stop 0: expected a finite number > 0.',
  ],
  [
    'rewardRiskRatio target NaN',
    () => rewardRiskRatio({ side: 'long', entry: 100, stop: 90, target: Number.NaN }),
    'INVALID_PRICE',
    'Invalid target NaN: expected a finite number > 0.',
  ],
  [
    'rewardRiskRatio stop at the entry',
    () => rewardRiskRatio({ side: 'long', entry: 100, stop: 100, target: 120 }),
    'ZERO_STOP_DISTANCE',
    'The stop 100 equals the entry: reward:risk is undefined.',
  ],
  [
    'rewardRiskRatio a long stop above',
    () => rewardRiskRatio({ side: 'long', entry: 100, stop: 110, target: 120 }),
    'STOP_WRONG_SIDE',
    "A long's stop must be below its entry: stop 110, entry 100.",
  ],
  [
    'rewardRiskRatio a short stop below',
    () => rewardRiskRatio({ side: 'short', entry: 100, stop: 90, target: 80 }),
    'STOP_WRONG_SIDE',
    "A short's stop must be above its entry: stop 90, entry 100.",
  ],
  [
    'rewardRiskRatio a long target at the entry',
    () => rewardRiskRatio({ side: 'long', entry: 100, stop: 90, target: 100 }),
    'TARGET_WRONG_SIDE',
    "A long's target must be above its entry: target 100, entry 100.",
  ],
  [
    'rewardRiskRatio a short target at the entry',
    () => rewardRiskRatio({ side: 'short', entry: 100, stop: 110, target: 100 }),
    'TARGET_WRONG_SIDE',
    "A short's target must be below its entry: target 100, entry 100.",
  ],
  [
    'rewardRiskRatio a short target above',
    () => rewardRiskRatio({ side: 'short', entry: 100, stop: 110, target: 105 }),
    'TARGET_WRONG_SIDE',
    "A short's target must be below its entry: target 105, entry 100.",
  ],
  [
    'targetFromRewardRisk input "x"',
    () => targetFromRewardRisk('x' as never),
    'INVALID_ARGUMENT',
    'Invalid targetFromRewardRisk input "x": expected an object.',
  ],
  [
    'targetFromRewardRisk entry 0',
    () => targetFromRewardRisk({ side: 'long', entry: 0, stop: 90, rewardRisk: 2 }),
    'INVALID_PRICE',
    'Invalid entry 0: expected a finite number > 0.',
  ],
  [
    'targetFromRewardRisk stop -1',
    () => targetFromRewardRisk({ side: 'long', entry: 100, stop: -1, rewardRisk: 2 }),
    'INVALID_PRICE',
    'Invalid stop -1: expected a finite number > 0.',
  ],
  [
    'targetFromRewardRisk rewardRisk 0',
    () => targetFromRewardRisk({ side: 'long', entry: 100, stop: 90, rewardRisk: 0 }),
    'INVALID_REWARD_RISK',
    'Invalid rewardRisk 0: expected a finite number > 0.',
  ],
  [
    'targetFromRewardRisk a short target at or below 0',
    () => targetFromRewardRisk({ side: 'short', entry: 100, stop: 110, rewardRisk: 20 }),
    'INVALID_PRICE',
    'The computed price would be -100, not a price > 0: the distance is as large as the entry.',
  ],
];

describe('refused input: a stable code and a message naming the field, the value and what is expected', () => {
  it.each(cases)('%s', (_name, call, code, message) => {
    expect(call).toThrow(expect.objectContaining({ name: 'RiskInputError', code, message }));
  });
});

describe('accepted at the edges', () => {
  it('accepts every limit at its tier cap, a cooldown of one whole day and leverage 1', () => {
    expect(
      resolveRiskLimits('aggressive', { cooldownAfterStopMinutes: 1440, leverageDefault: 1 }),
    ).toMatchObject({ cooldownAfterStopMinutes: 1440, leverageDefault: 1 });
    for (const tier of ['conservative', 'standard', 'aggressive'] as const) {
      const { hardCaps } = tierPreset(tier);
      const atCaps = {
        riskPerTradePct: hardCaps.riskPerTradePct.max,
        dailyDrawdownPct: hardCaps.dailyDrawdownPct.max,
        leverageDefault: hardCaps.leverageDefault.max,
        maxConcurrentPositions: hardCaps.maxConcurrentPositions.max,
        maxSlStreak: hardCaps.maxSlStreak.max,
        cooldownAfterStopMinutes: hardCaps.cooldownAfterStopMinutes.min,
      };
      expect(resolveRiskLimits(tier, atCaps)).toEqual(atCaps);
    }
  });

  it('names the liquidated or auto-deleveraged symbol in the halt, or "a position" without one', () => {
    const named = guard();
    named.canOpen({ ...open, openPositions: [] } as never);
    expect(
      named.recordClose({ ...close, reason: 'liquidation', symbol: BTC } as never).tripped?.message,
    ).toBe(`Halted: ${BTC} was liquidated (pnl -5); a protective stop failed. resume() to trade again.`);
    const anonymous = guard();
    expect(anonymous.recordClose({ ...close, reason: 'liquidation' } as never).tripped?.message).toBe(
      'Halted: a position was liquidated (pnl -5); a protective stop failed. resume() to trade again.',
    );
    const adl = guard();
    expect(adl.recordClose({ ...close, pnl: 3, reason: 'adl' } as never).tripped?.message).toBe(
      "Halted: a position was auto-deleveraged (pnl 3); the exchange changed the account's exposure. resume() to trade again.",
    );
  });
});
