/**
 * The bot's own entry executed late (chaos seed 28): a 503 -1000 on the entry, its client id not found within
 * the unknown-outcome window, the trade dropped as never filled — then the exchange executes the order. The
 * bot takes that position as its own trade (the plan's stop, never the foreign-position policy) and counts
 * its close to the cent. Real sockets, the unmodified ccxt client, the emulator's late-execution fault.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { openAuditTrail } from '@bot/audit';
import type { Sim } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import type { RunningBot } from './run';
import type { Trader } from './trader';
import {
  advanceMinutes,
  eventually,
  positionOf,
  startScriptedWorld,
  stoppedAfterEach,
  stopsOf,
} from './testing';
import type { ScriptedWorld } from './testing';

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

const cleanup = stoppedAfterEach();

/** The policy that lost seed 28's trade: a position the bot does not know is closed at once. */
function setup(): Promise<ScriptedWorld> {
  return startScriptedWorld({
    env: { BOT_SYMBOLS: 'BTC,ETH', BOT_FOREIGN_POSITIONS: 'flatten' },
    cleanup,
  });
}

const payloads = (world: ScriptedWorld) =>
  readFileSync(world.config.compliance.auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { payload: Record<string, unknown> }).payload);
const statePath = (world: ScriptedWorld) =>
  world.config.compliance.auditPath.replace(/\.jsonl$/, '.state.json');
const messages = (world: ScriptedWorld) => world.log.messages();

/** The entry of the next BTC signal is answered 503 -1000 and executed `executeAfterMs` (wall) later. */
function lateEntryNext(world: ScriptedWorld, executeAfterMs = 18_000): void {
  world.sim.injectFaults({
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
  world.strategies.get(BTC)?.signalNext({
    side: 'long',
    stop: (close) => close * 0.99,
    target: (close) => close * 1.02,
  });
  world.sim.advance(60_000);
}

/**
 * A world whose first BTC signal's entry was answered with an unknown outcome (`lateEntryNext`) and whose bot
 * has given up finding it: the trade still pending, its order executed `executeAfterMs` (wall) after it left.
 */
async function entryOutcomeUnknown(executeAfterMs?: number): Promise<ScriptedWorld> {
  const world = await setup();
  await advanceMinutes(world.sim, world.bot.trader, 1);
  lateEntryNext(world, executeAfterMs);
  await eventually(() => messages(world).some((text) => / long .*: unknown/.test(text)), 30_000);
  return world;
}

/** The next candle's settle finds no position and no fill: the trade is dropped, its entry watched. */
async function dropEntryInProcess(world: ScriptedWorld): Promise<void> {
  await advanceMinutes(world.sim, world.bot.trader, 1);
  await eventually(() => messages(world).some((text) => text.includes('never filled: dropped')), 10_000);
  expect(world.bot.trader.openTrades).toEqual([]);
  expect(world.sim.lateExecutions).toHaveLength(0);
}

/**
 * Restarted before the order executes: the start-up reconcile finds it flat and drops it, as seed 28's did,
 * and the state file keeps it for the next start. Returns the restarted bot.
 */
async function dropEntryAcrossRestart(world: ScriptedWorld): Promise<RunningBot> {
  const second = await world.restart();
  await second.trader.idle();
  expect(second.trader.openTrades).toEqual([]);
  expect(messages(world).some((text) => text.includes('never filled: dropped'))).toBe(true);
  expect(JSON.parse(readFileSync(statePath(world), 'utf8')).droppedEntries).toHaveLength(1);
  expect(world.sim.lateExecutions).toHaveLength(0);
  return second;
}

/** The account's realized PnL less fees over every fill, as the emulator recorded them. */
function exchangeNet(sim: Sim): number {
  const fills = sim.state().fills as { realizedPnl: string; commission: string }[];
  return fills.reduce((sum, fill) => sum + Number(fill.realizedPnl) - Number(fill.commission), 0);
}

/** The entry's `order.place` payload, with its plan. */
function placed(world: ScriptedWorld): { intentId: string; stopLoss: number } {
  const record = payloads(world).find((payload) => payload['action'] === 'order.place');
  const risk = (record?.['risk'] ?? {}) as { intentId?: string; stopLoss?: number };
  return { intentId: String(risk.intentId), stopLoss: Number(risk.stopLoss) };
}

/** The `reconcile.lateEntry` record names the entry's intent, with `fields` (its evidence, `closed`). */
function expectClaimRecorded(world: ScriptedWorld, fields: Record<string, unknown>): void {
  const claimed = payloads(world).find((payload) => payload['action'] === 'reconcile.lateEntry');
  expect(claimed?.['risk']).toMatchObject({ intentId: placed(world).intentId, ...fields });
}

/** The trade is the entry's own: its intent, the plan's stop on the exchange, no foreign-position close. */
function expectOwnTrade(world: ScriptedWorld, trader: Trader): void {
  const plan = placed(world);
  const [trade] = trader.openTrades;
  expect(trade).toMatchObject({ intentId: plan.intentId, symbol: BTC, side: 'long' });
  expect(trade?.adopted).toBeUndefined();
  expect(Number(trade?.stopLossPrice)).toBeCloseTo(plan.stopLoss, 6);
  const [stop] = stopsOf(world.sim, 'BTCUSDC');
  expect(Math.abs(Number(stop?.triggerPrice) - plan.stopLoss)).toBeLessThanOrEqual(0.1);
  const foreign = payloads(world).filter(
    (payload) => (payload['risk'] as { playbook?: unknown } | undefined)?.playbook === 'foreign-position',
  );
  expect(foreign).toEqual([]);
  expect(Number(positionOf(world.sim, 'BTCUSDC')?.positionAmt)).toBe(Number(trade?.quantity));
}

/** Its stop is hit: the guard's realized PnL is the exchange's (every fill's realized PnL less fees). */
async function expectCloseCounted(world: ScriptedWorld, trader: Trader): Promise<void> {
  const { sim } = world;
  const stop = Number(stopsOf(sim, 'BTCUSDC')[0]!.triggerPrice) * 0.999;
  sim.setMarketPrice('BTCUSDC', stop.toFixed(1), stop.toFixed(1));
  await advanceMinutes(sim, trader, 1);
  await eventually(() => trader.openTrades.length === 0);
  expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
  expect(exchangeNet(sim)).toBeLessThan(0);
  expect(trader.guard.status().realizedPnl.toFixed(2)).toBe(exchangeNet(sim).toFixed(2));
  expect(trader.guard.status().stopLossStreak).toBe(1);
}

describe('an entry executed after the bot dropped it as never filled', () => {
  it('takes the position as its own trade while it runs (the stream names the fill), with the plan’s stop', async () => {
    const world = await entryOutcomeUnknown();
    const { sim, bot } = world;
    await dropEntryInProcess(world);

    await eventually(() => sim.lateExecutions.length === 1, 30_000);
    await eventually(() => stopsOf(sim, 'BTCUSDC').length === 1, 15_000);
    expectOwnTrade(world, bot.trader);
    // Told by the stream's fill event: no look-up over REST while the stream is healthy.
    expectClaimRecorded(world, { evidence: 'stream' });
    await expectCloseCounted(world, bot.trader);
  }, 120_000);

  it('looks nothing up over REST at the reviews that follow its drop in the same process: its fills were just read', async () => {
    // Executed long after the test: every review below finds the symbol flat.
    const world = await entryOutcomeUnknown(120_000);
    const { sim, bot } = world;
    const lookUps = () =>
      sim.requests.filter((request) => request.method === 'GET' && request.path === '/fapi/v1/order').length;
    const before = lookUps();
    await dropEntryInProcess(world);
    await bot.trader.sweep();
    await advanceMinutes(sim, bot.trader, 1);
    await bot.trader.sweep();
    expect(sim.lateExecutions).toHaveLength(0);
    expect(bot.trader.openTrades).toEqual([]);
    expect(lookUps()).toBe(before);
  }, 60_000);

  it('across restarts: dropped at one start-up, executed while no bot runs, taken as its own at the next', async () => {
    const world = await entryOutcomeUnknown();
    const { sim } = world;
    await dropEntryAcrossRestart(world);

    // It executes while no bot runs; the next start finds the position and looks its client id up.
    const third = await world.restart(() => eventually(() => sim.lateExecutions.length === 1, 30_000));
    await third.trader.idle();
    await eventually(() => stopsOf(sim, 'BTCUSDC').length === 1, 15_000);
    expectOwnTrade(world, third.trader);
    expectClaimRecorded(world, { evidence: 'rest' });
    await expectCloseCounted(world, third.trader);
  }, 120_000);
});

describe('an entry executed and closed after the bot dropped it, while no bot could see it', () => {
  // Chaos seed 28 (second form): the late fill and its close both fell while no bot ran (or its queue waited on
  // another order); the next start found the symbol flat, so nothing was looked at and the guard never
  // counted the loss.
  it('is looked up once at the next start, taken as the bot’s trade, and its close counted', async () => {
    const world = await entryOutcomeUnknown();
    const { sim } = world;
    await dropEntryAcrossRestart(world);

    // It executes while no bot runs, and its stop-less position is closed at a loss before the next start.
    const third = await world.restart(async () => {
      await eventually(() => sim.lateExecutions.length === 1, 30_000);
      const held = Number(positionOf(sim, 'BTCUSDC')?.positionAmt);
      expect(held).toBeGreaterThan(0);
      const price = Number(sim.core.market('BTCUSDC').lastPrice) * 0.995;
      sim.setMarketPrice('BTCUSDC', price.toFixed(1), price.toFixed(1));
      await world.user.createOrder(BTC, 'market', 'sell', held, undefined, { reduceOnly: true });
      expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
    });
    await third.trader.idle();
    await advanceMinutes(sim, third.trader, 1);
    await eventually(() => third.trader.openTrades.length === 0);
    expectClaimRecorded(world, { closed: true });
    expect(exchangeNet(sim)).toBeLessThan(0);
    expect(third.trader.guard.status().realizedPnl.toFixed(2)).toBe(exchangeNet(sim).toFixed(2));
  }, 120_000);
});

describe('an entry executed late onto another trade of the bot on its symbol', () => {
  // Chaos seed 25: the late fill stacked onto the bot's next trade on the symbol, whose close counted every
  // fill back to flat; the dropped entry was then claimed as a closed trade and its fills counted again.
  it('is counted once, by that trade’s close, and never claimed afterwards', async () => {
    const world = await entryOutcomeUnknown(25_000);
    const { sim, bot } = world;
    const { trader } = bot;
    await dropEntryInProcess(world);
    world.strategies.get(BTC)?.signalNext({
      side: 'long',
      stop: (close) => close * 0.99,
      target: (close) => close * 1.02,
    });
    await advanceMinutes(sim, trader, 1);
    await eventually(() => trader.openTrades.some((trade) => trade.stopLossId !== undefined), 15_000);
    const [next] = trader.openTrades;
    expect(sim.lateExecutions).toHaveLength(0);

    // The dropped entry executes onto it: the position is both orders'.
    await eventually(() => sim.lateExecutions.length === 1, 40_000);
    await trader.idle();
    await eventually(
      () => Number(positionOf(sim, 'BTCUSDC')?.positionAmt) > Number(next?.quantity) + 1e-9,
      10_000,
    );
    // The price falls through every stop; what is still held is closed, and the bot settles it all.
    const price = Number(sim.core.market('BTCUSDC').lastPrice) * 0.97;
    sim.setMarketPrice('BTCUSDC', price.toFixed(1), price.toFixed(1));
    await advanceMinutes(sim, trader, 1);
    const held = Number(positionOf(sim, 'BTCUSDC')?.positionAmt ?? 0);
    if (held > 0) await world.user.createOrder(BTC, 'market', 'sell', held, undefined, { reduceOnly: true });
    await eventually(() => trader.openTrades.length === 0, 15_000);
    await advanceMinutes(sim, trader, 2);
    await trader.sweep();
    await trader.idle();

    expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
    // Every fill counted once: without the span, the claim counted the late fill and an exit again (×2).
    expect(exchangeNet(sim)).toBeLessThan(0);
    expect(trader.guard.status().realizedPnl.toFixed(2)).toBe(exchangeNet(sim).toFixed(2));
    expect(payloads(world).some((payload) => payload['action'] === 'reconcile.lateEntry')).toBe(false);
    await eventually(
      () =>
        (JSON.parse(readFileSync(statePath(world), 'utf8')) as { droppedEntries?: unknown[] }).droppedEntries
          ?.length === 0,
    );
  }, 150_000);
});

describe('what a dropped entry does not make the bot’s own', () => {
  it('a dropped entry of another symbol, or whose client id the exchange never filled: the foreign policy applies', async () => {
    const world = await setup();
    const { sim, user } = world;
    const droppedAt = Date.now();
    const planned = (symbol: string, intentId: string) => ({
      trade: {
        intentId,
        symbol,
        side: 'long',
        quantity: '5',
        stopLossPrice: '1',
        takeProfitPrice: undefined,
        stopLossId: undefined,
        takeProfitId: undefined,
        openedAt: 0,
        riskToCheck: 10,
      },
      droppedAt,
    });
    const restarted = await world.restart(async () => {
      const state = JSON.parse(readFileSync(statePath(world), 'utf8')) as Record<string, unknown>;
      // ETH's entry names ETH: it says nothing of a BTC position. BTC's was never sent: its look-up finds nothing.
      state['droppedEntries'] = [planned(ETH, 'ETHUSDC-1'), planned(BTC, 'BTCUSDC-1')];
      writeFileSync(statePath(world), JSON.stringify(state));
      await user.createOrder(BTC, 'market', 'buy', 0.01);
    });
    await restarted.trader.idle();
    await eventually(() => positionOf(sim, 'BTCUSDC') === undefined, 15_000);
    expect(restarted.trader.openTrades).toEqual([]);
    const closes = payloads(world).filter(
      (payload) =>
        payload['action'] === 'position.close' &&
        (payload['risk'] as { playbook?: unknown }).playbook === 'foreign-position',
    );
    expect(closes.map((payload) => payload['symbol'])).toEqual([BTC]);
    expect(payloads(world).some((payload) => payload['action'] === 'reconcile.lateEntry')).toBe(false);
    // The foreign position closed on BTC held whatever BTC's entry could have filled, and its close was
    // counted: BTC's entry is no longer watched (a later claim would count those fills twice). ETH's is.
    await restarted.trader.idle();
    const watched = (
      JSON.parse(readFileSync(statePath(world), 'utf8')) as {
        droppedEntries: { trade: { symbol: string } }[];
      }
    ).droppedEntries.map((entry) => entry.trade.symbol);
    expect(watched).toEqual([ETH]);
  });

  it('an order.place in the trail that the exchange never filled, or a malformed one: the foreign policy applies', async () => {
    const world = await setup();
    const { sim, user } = world;
    const restarted = await world.restart(async () => {
      // Decisions after the state file's trailSeq, as a kill before the state caught up would leave them.
      const trail = await openAuditTrail({ path: world.config.compliance.auditPath, durability: 'none' });
      const place = (symbol: string, risk: Record<string, unknown>) =>
        trail.append('rationale', {
          action: 'order.place',
          lens: 'Trader',
          symbol,
          side: 'buy',
          why: 'test',
          risk,
        });
      await place(BTC, { intentId: 'BTCUSDC-42', quantity: '5', stopLoss: 1, takeProfit: 2, openedAt: 1 });
      await place(ETH, { intentId: 'ETHUSDC-42', quantity: 5, stopLoss: 1 });
      await trail.close();
      await user.createOrder(BTC, 'market', 'buy', 0.01);
      await user.createOrder(ETH, 'market', 'buy', 0.1);
    });
    await restarted.trader.idle();
    await eventually(() => !positionOf(sim, 'BTCUSDC') && !positionOf(sim, 'ETHUSDC'), 15_000);
    expect(restarted.trader.openTrades).toEqual([]);
    expect(messages(world).some((text) => text.includes('is not the entry BTCUSDC-42'))).toBe(true);
    const closes = payloads(world).filter(
      (payload) =>
        payload['action'] === 'position.close' &&
        (payload['risk'] as { playbook?: unknown }).playbook === 'foreign-position',
    );
    expect(closes.map((payload) => payload['symbol']).sort()).toEqual([BTC, ETH]);
  });

  it('an order.place never filled, on a symbol where the user holds the other side: the trade is dropped, the foreign policy applies (chaos seeds 35, 55)', async () => {
    // Kept, the long trade took the user's short for a mismatched entry, and its close for the bot's own.
    const world = await setup();
    const { sim, user } = world;
    const restarted = await world.restart(async () => {
      const trail = await openAuditTrail({ path: world.config.compliance.auditPath, durability: 'none' });
      await trail.append('rationale', {
        action: 'order.place',
        lens: 'Trader',
        symbol: BTC,
        side: 'buy',
        why: 'test',
        risk: { intentId: 'BTCUSDC-43', quantity: '0.05', stopLoss: 1, takeProfit: 2, openedAt: 1 },
      });
      await trail.close();
      await user.createOrder(BTC, 'market', 'sell', 0.01);
    });
    await restarted.trader.idle();
    await eventually(() => !positionOf(sim, 'BTCUSDC'), 15_000);
    expect(restarted.trader.openTrades).toEqual([]);
    expect(messages(world).some((text) => text.includes('is not the entry BTCUSDC-43'))).toBe(true);
    const closes = payloads(world).filter((payload) => payload['action'] === 'position.close');
    expect(closes.map((payload) => (payload['risk'] as { playbook?: unknown }).playbook)).toEqual([
      'foreign-position',
    ]);
    expect(restarted.trader.guard.status().realizedPnl).toBe(0);
  });

  it('a malformed dropped entry in the state file stops the start with a clear error and leaves the file as it was', async () => {
    const world = await setup();
    let before = '';
    const restarted = world.restart(() => {
      const state = JSON.parse(readFileSync(statePath(world), 'utf8')) as Record<string, unknown>;
      state['droppedEntries'] = [
        { trade: { intentId: 'BTCUSDC-1', symbol: BTC, side: 'long' }, droppedAt: 1 },
      ];
      before = JSON.stringify(state);
      writeFileSync(statePath(world), before);
    });
    await expect(restarted).rejects.toThrow(/a dropped entry is malformed/);
    expect(readFileSync(statePath(world), 'utf8')).toBe(before);
  });
});
