/**
 * The per-candle position read is the backstop behind a user-data stream on a socket, which can stay open and
 * fall silent. The in-process emulator (`bot backtest`'s port) delivers every account event as it happens, so
 * the same Trader skips that read, unless the emulator says it withholds its events (the stale-stream fault).
 */
import type { Sim } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from './run';
import type { RunningBot } from './run';
import { ScriptedStrategy, advanceMinutes, captureLog, tempDir, testConfig } from './testing';

const BTC = 'BTC/USDC:USDC';

const running: RunningBot[] = [];
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
});

/** The bot over its in-process emulator (no sockets), a long open on BTC with a far stop and target. */
async function inProcessLongOpen(): Promise<{ bot: RunningBot; sim: Sim }> {
  const strategies = new Map<string, ScriptedStrategy>();
  const bot = await startBot({
    // No periodic sweep within the test: only the backstop can find a close the stream did not tell.
    config: testConfig(tempDir(), { BOT_SYMBOLS: 'BTC', BOT_ACCOUNT_SWEEP_MS: '600000' }),
    logger: captureLog().logger,
    operatorApi: false,
    paper: { speed: 'manual', inProcess: true, seed: 7 },
    createStrategy: (symbol) => {
      const strategy = new ScriptedStrategy(symbol);
      strategies.set(symbol, strategy);
      return strategy;
    },
  });
  running.push(bot);
  const sim = bot.sim;
  if (!sim) throw new Error('no in-process emulator');
  await advanceMinutes(sim, bot.trader, 1);
  strategies
    .get(BTC)
    ?.signalNext({ side: 'long', stop: (close) => close * 0.9, target: (close) => close * 1.5 });
  await advanceMinutes(sim, bot.trader, 1);
  expect(bot.trader.openTrades).toHaveLength(1);
  return { bot, sim };
}

const positionReads = (sim: Sim) =>
  sim.requests.filter((request) => request.path.endsWith('/positionRisk')).length;

describe('the position backstop over an in-process exchange', () => {
  it('is not read while the emulator delivers every account event', async () => {
    const { bot, sim } = await inProcessLongOpen();
    const before = positionReads(sim);
    await advanceMinutes(sim, bot.trader, 5);
    expect(bot.trader.openTrades).toHaveLength(1);
    expect(positionReads(sim)).toBe(before);
  });

  it('is read after the candles while the emulator withholds them, and settles a close the stream did not tell', async () => {
    const { bot, sim } = await inProcessLongOpen();
    sim.injectFaults({ staleUserDataStreams: true });
    const before = positionReads(sim);
    await advanceMinutes(sim, bot.trader, 2);
    expect(positionReads(sim)).toBeGreaterThan(before);
    sim.actAsUser({ action: 'closePosition', symbol: 'BTCUSDC' });
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.openTrades).toHaveLength(0);
  });
});
