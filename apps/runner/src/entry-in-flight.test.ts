/**
 * An entry whose outcome is unknown (a 503 -1000) is looked up by its client id for up to 10 s. That wait runs
 * off the Trader's queue, its symbol locked meanwhile: the other symbol's stop is settled and counted by the
 * guard at once (it waited the whole window before), no second entry leaves on the locked symbol and its
 * pending trade is not dropped while its position is flat, and the late fill is protected by the entry's own
 * result, handled on the queue. A stop waits for it. Real sockets, the unmodified ccxt client, the emulator's
 * late-execution fault.
 */
import { readFileSync } from 'node:fs';
import { statePathFor } from './bot-state';
import { describe, expect, it } from 'vitest';
import {
  advanceMinutes,
  eventually,
  positionOf,
  startScriptedWorld,
  stoppedAfterEach,
  stopsOf,
} from './testing';
import type { ScriptedSignal, ScriptedWorld } from './testing';

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

const cleanup = stoppedAfterEach();

function setup(env: Record<string, string> = {}): Promise<ScriptedWorld> {
  return startScriptedWorld({
    env: { BOT_SYMBOLS: 'BTC,ETH', ...env },
    cleanup,
  });
}

/** What the tests read of the bot's state file: its trades and the entries it watches. */
interface SavedState {
  readonly trades: { symbol: string }[];
  readonly droppedEntries?: { trade: { symbol: string; intentId: string } }[];
}

const savedState = (world: ScriptedWorld): SavedState =>
  JSON.parse(readFileSync(statePathFor(world.config.compliance.auditPath), 'utf8')) as SavedState;

/** The trail's records, each its payload with its `kind`. */
const payloads = (world: ScriptedWorld): Record<string, unknown>[] =>
  readFileSync(world.config.compliance.auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { kind: string; payload: Record<string, unknown> })
    .map(({ kind, payload }): Record<string, unknown> => ({ ...payload, kind }));
const messages = (world: ScriptedWorld) => world.log.messages();
const long = {
  side: 'long',
  stop: (close: number) => close * 0.99,
  target: (close: number) => close * 1.02,
} as const;

/** An open ETH trade with its stop on the exchange. */
async function ethTradeOpen(world: ScriptedWorld): Promise<void> {
  const { sim, bot } = world;
  await advanceMinutes(sim, bot.trader, 1);
  world.strategies.get(ETH)?.signalNext(long);
  await advanceMinutes(sim, bot.trader, 1);
  await eventually(() => bot.trader.openTrades.some((trade) => trade.symbol === ETH && trade.stopLossId));
}

/**
 * The next BTC signal's entry is answered 503 -1000 and executed `executeAfterMs` (wall) later; resolves once
 * the 503 has been answered (the bot's look-up window begins).
 */
async function btcEntryUnknown(
  world: ScriptedWorld,
  executeAfterMs: number,
  signal: ScriptedSignal = long,
): Promise<void> {
  const { sim } = world;
  sim.injectFaults({
    httpErrors: [
      {
        status: 503,
        code: -1000,
        msg: 'An unknown error occured while processing the request.',
        pathContains: '/fapi/v1/order',
        method: 'POST',
        executeAfterMs,
      },
    ],
  });
  world.strategies.get(BTC)?.signalNext(signal);
  const before = sim.requests.length;
  sim.advance(60_000);
  await eventually(
    () =>
      sim.requests
        .slice(before)
        .some(
          (request) =>
            request.method === 'POST' && request.path === '/fapi/v1/order' && request.status === 503,
        ),
    15_000,
  );
}

/**
 * A BTC long entry answered 503 -1000 and never found within the window, and the user opening 0.05 BTC on
 * `side` while it is looked up; resolves once the bot's account state holds the user's position.
 */
async function userOpensWhileEntryUnknown(side: 'buy' | 'sell'): Promise<ScriptedWorld> {
  const world = await setup();
  const { sim, bot, user } = world;
  await advanceMinutes(sim, bot.trader, 1);
  await btcEntryUnknown(world, 60_000);
  await user.createOrder(BTC, 'market', side, 0.05);
  await eventually(() => bot.trader.accountPositions.some((position) => position.symbol === BTC));
  return world;
}

describe('an entry waiting out an unknown outcome', () => {
  it('holds only its symbol: another symbol’s stop is counted at once, its own symbol neither entered again nor dropped, its late fill protected', async () => {
    const world = await setup();
    const { sim, bot } = world;
    const { trader } = bot;
    await ethTradeOpen(world);
    // Executed 6 s after the 503: found by the look-up (every 2 s over 10 s), well after what follows.
    await btcEntryUnknown(world, 6_000);
    // Saved as pending as soon as its outcome is unknown (the state file is not written before an entry
    // leaves): a restart in the window starts from the state file as well as from the trail.
    await eventually(() => savedState(world).trades.some((saved) => saved.symbol === BTC), 3_000);

    // ETH's stop fires, and BTC signals again, on the next candle.
    const ethStop = Number(stopsOf(sim, 'ETHUSDC')[0]!.triggerPrice) * 0.999;
    sim.setMarketPrice('ETHUSDC', ethStop.toFixed(2), ethStop.toFixed(2));
    world.strategies.get(BTC)?.signalNext(long);
    const inWindow = sim.requests.length;
    sim.advance(60_000);

    // (a) The guard counts ETH's stop while BTC's order has not even executed: within one event, not after
    // the 10 s window.
    await eventually(
      () =>
        trader.guard.status().stopLossStreak === 1 &&
        trader.openTrades.every((trade) => trade.symbol !== ETH),
      5_000,
    );
    expect(sim.lateExecutions).toHaveLength(0);

    // (b) BTC's candle was weighed meanwhile: its pending trade kept though BTC is flat (not dropped as never
    // filled), the new signal skipped, nothing more sent on BTC.
    await eventually(
      () => messages(world).some((text) => text === `signal ${BTC} long skipped: position open`),
      5_000,
    );
    expect(sim.lateExecutions).toHaveLength(0);
    expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
    expect(trader.openTrades).toEqual([expect.objectContaining({ symbol: BTC, stopLossId: undefined })]);
    expect(messages(world).some((text) => text.includes('never filled'))).toBe(false);
    // Not even the settings read a signal that may become an entry starts with its candle.
    const settingsReads = sim.requests
      .slice(inWindow)
      .filter((request) => request.path === '/fapi/v1/symbolConfig');
    expect(settingsReads).toEqual([]);

    // (c) The order executes late; the entry's look-up finds it and its result, on the queue, protects it.
    await eventually(() => sim.lateExecutions.length === 1, 15_000);
    await trader.idle();
    const [trade] = trader.openTrades;
    expect(trade).toMatchObject({ symbol: BTC, side: 'long' });
    expect(trade?.stopLossId).toBeDefined();
    expect(stopsOf(sim, 'BTCUSDC')).toHaveLength(1);
    expect(Number(positionOf(sim, 'BTCUSDC')?.positionAmt)).toBe(Number(trade?.quantity));
    const records = payloads(world);
    const btcPlaced = records.filter(
      (record) => record['action'] === 'order.place' && record['symbol'] === BTC,
    );
    expect(btcPlaced).toHaveLength(1);
    const btcResult = records.findIndex(
      (record) => record.kind === 'order.result' && record['symbol'] === BTC,
    );
    const ethClose = records.findIndex(
      (record) => record['action'] === 'position.close' && record['symbol'] === ETH,
    );
    expect(records[btcResult]).toMatchObject({ status: 'protected' });
    // Ordered as it happened: ETH's close was recorded before BTC's entry had an answer.
    expect(ethClose).toBeGreaterThan(-1);
    expect(ethClose).toBeLessThan(btcResult);
  }, 120_000);

  it('is waited for by a stop: its result is recorded and its trade saved before the run ends', async () => {
    const world = await setup();
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);
    // Never found within the window: the result is `unknown`, about 10 s after the 503.
    await btcEntryUnknown(world, 60_000);
    await cleanup.bots.splice(cleanup.bots.indexOf(bot), 1)[0]?.stop();
    const records = payloads(world);
    const result = records.findIndex((record) => record.kind === 'order.result' && record['symbol'] === BTC);
    const stopped = records.findIndex((record) => record.kind === 'run.stop');
    expect(records[result]).toMatchObject({ status: 'unknown' });
    expect(result).toBeLessThan(stopped);
    // The review after the result finds BTC flat: the trade is dropped as never filled and its entry watched
    // (a late execution, even after a restart, is taken as this trade), saved before the run ends.
    expect(records[stopped]?.['openTrades']).toEqual([]);
    expect(savedState(world).droppedEntries?.map((entry) => entry.trade.symbol)).toEqual([BTC]);
  }, 120_000);

  it('protects a position the user opened on its symbol meanwhile once its result is handled, before a stop ends (chaos seed 12)', async () => {
    // The symbol is locked while the entry waits, so the stream's news of the user's position is not acted on
    // then; the result (here `unknown`: never found) must bring the symbol in line before the bot stops.
    const world = await userOpensWhileEntryUnknown('buy');
    const { sim, bot } = world;
    expect(stopsOf(sim, 'BTCUSDC')).toEqual([]);
    await cleanup.bots.splice(cleanup.bots.indexOf(bot), 1)[0]?.stop();
    expect(sim.lateExecutions).toHaveLength(0);
    const position = positionOf(sim, 'BTCUSDC');
    expect(Number(position?.positionAmt)).toBeCloseTo(0.05, 8);
    const stops = stopsOf(sim, 'BTCUSDC');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'SELL' });
  }, 120_000);

  it('protects a position the user opened on the other side meanwhile: the entry never confirmed is not its owner', async () => {
    // The other side of seed 12 (and the in-process form of seeds 35 and 55): the trade pending on an unknown
    // outcome must not sit on the user's opposite position, unprotected and counted as the bot's.
    const world = await userOpensWhileEntryUnknown('sell');
    const { sim, bot } = world;
    await eventually(() => stopsOf(sim, 'BTCUSDC').length === 1, 30_000);
    await bot.trader.idle();
    expect(sim.lateExecutions).toHaveLength(0);
    expect(stopsOf(sim, 'BTCUSDC')[0]).toMatchObject({ side: 'BUY' });
    expect(bot.trader.openTrades.map((trade) => [trade.symbol, trade.side, trade.adopted])).toEqual([
      [BTC, 'short', true],
    ]);
  }, 120_000);

  it('leaves a late fill past its plan to the entry’s own check: weighed and reduced once', async () => {
    // Planned 1 % below the close and filled at it (twice the planned risk). Executed 5 s after the 503: the
    // stream tells the fill (and a review runs) about a second before the look-up finds it.
    const world = await setup({ BOT_MAX_ENTRY_DEVIATION_PCT: '0.05' });
    const { sim, bot } = world;
    const { trader } = bot;
    await advanceMinutes(sim, trader, 1);
    await btcEntryUnknown(world, 5_000, {
      side: 'long',
      entry: (close) => close * 0.99,
      stop: (close) => close * 0.99 * 0.995,
      target: (close) => close * 1.5,
    });
    await eventually(() => sim.lateExecutions.length === 1, 15_000);
    await trader.idle();
    const reduces = payloads(world).filter(
      (record) => record['action'] === 'position.reduce' && record['symbol'] === BTC,
    );
    // The entry's own check (`checkRealizedRisk`'s words), once; not the review's, which would weigh the
    // fill of a trade it takes for unchecked while the entry's look-up is still running.
    expect(reduces).toHaveLength(1);
    expect(String(reduces[0]?.['why'])).toMatch(/^filled at .*: risk .* is .*× the planned/);
    expect(messages(world).some((text) => text.includes('was not checked before a restart'))).toBe(false);
    const [trade] = trader.openTrades;
    expect(trade?.stopLossId).toBeDefined();
    expect(Number(positionOf(sim, 'BTCUSDC')?.positionAmt)).toBe(Number(trade?.quantity));
    expect(trade?.quantity).toBe((reduces[0]?.['risk'] as { reduceTo?: string }).reduceTo);
  }, 120_000);
});
