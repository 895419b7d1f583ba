/**
 * The playbooks' automatic actions, done for real: the bot against the emulator over real sockets, the
 * exchange misbehaving through the emulator's fault injection (a bad key, maintenance, an IP ban, an
 * expired listenKey). Each test checks what the playbook table says the bot does.
 */
import { readFileSync } from 'node:fs';
import type { AlgoOrderView, PositionView, Sim } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import { findPlaybook } from './playbooks';
import { startBotWithRetries } from './run';
import {
  advanceMinutes,
  captureLog,
  eventually,
  manualSim,
  simKeys,
  startScriptedWorld,
  stoppedAfterEach,
  tempDir,
  testConfig,
} from './testing';
import type { ScriptedWorld } from './testing';

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';

const cleanup = stoppedAfterEach();

interface World extends ScriptedWorld {
  readonly auditPath: string;
}

async function setup(env: Record<string, string> = {}): Promise<World> {
  const world = await startScriptedWorld({ env, cleanup });
  return { ...world, auditPath: world.config.compliance.auditPath };
}

interface AuditRecord {
  readonly kind: string;
  readonly payload: Record<string, unknown> & { risk?: Record<string, unknown> };
}

const auditRecords = (path: string): AuditRecord[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditRecord);
const positionOf = (sim: Sim, symbol: string) =>
  (sim.state().positions as PositionView[]).find((position) => position.symbol === symbol);
const stopsOf = (sim: Sim, symbol: string) =>
  (sim.state().openAlgoOrders as AlgoOrderView[]).filter(
    (order) => order.symbol === symbol && order.orderType.startsWith('STOP'),
  );
const orderRequests = (sim: Sim) =>
  sim.requests.filter((request) => /\/(order|algoOrder)$/.test(request.path) && request.method === 'POST');

/** A long on the next candle, its stop 1 % below the close and a far target. */
function longNext(world: World, symbol: string): void {
  world.strategies.get(symbol)?.signalNext({
    side: 'long',
    stop: (close) => close * 0.99,
    target: (close) => close * 1.5,
  });
}

describe('playbook auth-failure: halts', () => {
  it('a request refused with -2015 halts the guard (saved, audited with the playbook); the stop on the exchange stays', async () => {
    const world = await setup();
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);
    longNext(world, BTC);
    await advanceMinutes(sim, bot.trader, 1);
    expect(stopsOf(sim, 'BTCUSDC')).toHaveLength(1);

    // The key loses its permission: the next signed read (the ETH signal's equity) is refused.
    sim.injectFaults({
      httpErrors: [
        {
          status: 401,
          code: -2015,
          msg: 'Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1',
          pathContains: '/account',
        },
      ],
    });
    longNext(world, ETH);
    await advanceMinutes(sim, bot.trader, 1);

    expect(bot.trader.guard.tradingState).toBe('halted');
    expect(bot.trader.guard.status().halt?.message).toMatch(/playbook auth-failure: /);
    expect(
      world.log.messages().some((message) => message.startsWith('playbook auth-failure: trading halted')),
    ).toBe(true);
    await bot.trader.idle();
    await eventually(() =>
      auditRecords(world.auditPath).some(
        (record) =>
          record.payload['action'] === 'trading.pause' &&
          record.payload.risk?.['playbook'] === 'auth-failure',
      ),
    );
    // Protection on the exchange stays; nothing new was opened.
    expect(positionOf(sim, 'BTCUSDC')).toBeDefined();
    expect(stopsOf(sim, 'BTCUSDC')).toHaveLength(1);
    expect(positionOf(sim, 'ETHUSDC')).toBeUndefined();

    // The next signal is denied by the guard, and the halt survives a restart (it was saved).
    const before = orderRequests(sim).length;
    longNext(world, ETH);
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.summary().denials['HALTED']).toBe(1);
    expect(orderRequests(sim).length).toBe(before);
    const restarted = await world.restart();
    expect(restarted.trader.guard.tradingState).toBe('halted');
    expect(restarted.trader.guard.status().halt?.message).toMatch(/playbook auth-failure: /);
  });
});

describe('playbook exchange-maintenance: stops opening until the exchange answers again', () => {
  it('denies EXCHANGE_UNAVAILABLE after the loop met the outage, and opens again after the next sweep succeeds', async () => {
    const world = await setup({ BOT_SYMBOLS: 'BTC', BOT_MAX_RETRIES: '0' });
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);

    sim.injectFaults({ maintenance: true });
    // The account sweep (the loop's, as the periodic one) meets the 503s.
    await expect(bot.trader.sweep()).rejects.toThrow(/Service Unavailable/);
    longNext(world, BTC);
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.summary().denials['EXCHANGE_UNAVAILABLE']).toBe(1);
    expect(bot.trader.errors).toBe(1); // the sweep; the signal was denied before any request

    sim.clearFaults();
    await bot.trader.sweep(); // the exchange answers again: entries resume
    longNext(world, BTC);
    await advanceMinutes(sim, bot.trader, 1);
    expect(positionOf(sim, 'BTCUSDC')).toBeDefined();
    expect(stopsOf(sim, 'BTCUSDC')).toHaveLength(1);

    await bot.trader.idle();
    const records = auditRecords(world.auditPath).map((record) => record.payload);
    const stopped = records.findIndex(
      (payload) =>
        payload['action'] === 'entries.stop' && payload.risk?.['playbook'] === 'exchange-maintenance',
    );
    const denied = records.findIndex(
      (payload) =>
        payload['action'] === 'risk.deny' && String(payload['why']).startsWith('EXCHANGE_UNAVAILABLE'),
    );
    const resumed = records.findIndex(
      (payload) =>
        payload['action'] === 'entries.resume' && payload.risk?.['playbook'] === 'exchange-maintenance',
    );
    expect(stopped).toBeGreaterThan(0);
    expect(denied).toBeGreaterThan(stopped);
    expect(resumed).toBeGreaterThan(denied);
  });
});

describe('playbook rate-limited: every request waits on one pause, and no entry is opened while it lasts', () => {
  it('a 418 with Retry-After pauses the process; a signal meanwhile is denied RATE_LIMITED without a request', async () => {
    const world = await setup({ BOT_SYMBOLS: 'BTC' });
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);

    // An IP ban of two minutes: longer than a request waits in-call, so the sweep fails at once.
    sim.injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 120, count: 1 } });
    await expect(bot.trader.sweep()).rejects.toThrow(/IP banned/);
    const requests = sim.requests.length;
    longNext(world, BTC);
    await advanceMinutes(sim, bot.trader, 1);

    expect(bot.trader.summary().denials['RATE_LIMITED']).toBe(1);
    expect(sim.requests.length).toBe(requests); // nothing was sent during the ban
    expect(positionOf(sim, 'BTCUSDC')).toBeUndefined();
    await bot.trader.idle();
    const denial = auditRecords(world.auditPath).find(
      (record) =>
        record.payload['action'] === 'risk.deny' && String(record.payload['why']).startsWith('RATE_LIMITED'),
    );
    expect(denial?.payload.risk?.['playbook']).toBe('rate-limited');
    const incident = auditRecords(world.auditPath).find(
      (record) => record.kind === 'incident' && record.payload['playbook'] === 'rate-limited',
    );
    expect(incident).toBeDefined();
    expect(findPlaybook('rate-limited')?.automaticAction).toMatch(/RATE_LIMITED/);
  });
});

describe('playbook listen-key-expired: audited like the others', () => {
  it('an expired listenKey is logged and audited naming the playbook, and the user-data stream comes back', async () => {
    const world = await setup({ BOT_SYMBOLS: 'BTC' });
    const { sim, bot } = world;
    await advanceMinutes(sim, bot.trader, 1);
    sim.expireListenKeys();
    await eventually(() =>
      world.log.messages().some((message) => message.startsWith('playbook listen-key-expired:')),
    );
    await bot.trader.idle();
    await eventually(() =>
      auditRecords(world.auditPath).some(
        (record) => record.payload.risk?.['playbook'] === 'listen-key-expired',
      ),
    );
    await eventually(() => (bot.trader.health()['feeds'] as { userData: string }).userData === 'live');
  });
});

describe('playbook rate-limited at start-up', () => {
  it('waits out a ban longer than a request waits (Retry-After) before trying the start again', async () => {
    const sim = await manualSim(11);
    cleanup.sims.push(sim);
    const log = captureLog();
    // Longer than the minute a request waits in-call: the first request of the start fails at once.
    sim.injectFaults({ rateLimit: { status: 418, retryAfterSeconds: 90, count: 1 } });
    const abort = new AbortController();
    const starting = startBotWithRetries({
      config: testConfig(tempDir(), simKeys(sim)),
      logger: log.logger,
      paper: { url: sim.url },
      operatorApi: false,
      signal: abort.signal,
    });
    await eventually(() => log.messages().some((message) => message.includes('start-up failed')));
    const requests = sim.requests.length;
    await new Promise((wait) => setTimeout(wait, 1_500));
    expect(sim.requests.length).toBe(requests); // nothing sent into the ban
    abort.abort();
    await expect(starting).rejects.toThrow(/IP banned/);
    const retry = log.messages().find((message) => message.includes('start-up failed'));
    expect(retry).toMatch(/^playbook rate-limited: start-up failed .*; trying again in 90 s$/);
  });
});
