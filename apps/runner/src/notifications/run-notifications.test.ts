/** A paper run of the whole bot with a webhook configured: what it is told, and that it never holds trading. */
import type { Sim } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBot, StartBotOptions } from '../run';
import { advanceMinutes, eventually, startScriptedWorld } from '../testing';
import type { ScriptedWorld } from '../testing';
import type { Notification } from './messages';
import { refusedPort, startReceiver } from './receiver';
import type { Receiver } from './receiver';

const BTC = 'BTC/USDC:USDC';
const ETH = 'ETH/USDC:USDC';
const HOOK_SECRET = 'hookpathsecret0123456789';
const OPERATOR_TOKEN = '0123456789abcdef0123456789abcdef';

const bots: RunningBot[] = [];
const sims: Sim[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
  for (const sim of sims.splice(0)) await sim.close();
  for (const receiver of receivers.splice(0)) await receiver.close();
});

type World = ScriptedWorld;

/** The scripted world with the webhook pointed at `receiver`, one market minute in. */
async function startWorld(
  receiver: Receiver,
  env: Record<string, string>,
  startOptions: Partial<StartBotOptions> = {},
): Promise<World> {
  const world = await startScriptedWorld({
    cleanup: { bots, sims },
    env: { BOT_NOTIFY_URL: `${receiver.url}/hook/${HOOK_SECRET}`, ...env },
    startOptions,
  });
  await advanceMinutes(world.sim, world.bot.trader, 1);
  return world;
}

function goLong(world: World, symbol: string): void {
  world.strategies.get(symbol)?.signalNext({
    side: 'long',
    stop: (close) => close * 0.99,
    target: (close) => close * 1.03,
  });
}

function received(receiver: Receiver): Notification[] {
  return receiver.requests.map((request) => JSON.parse(request.body) as Notification);
}

describe('a paper run with a webhook', () => {
  it('tells it of the entry, the exit with its reason and PnL, and the operator halt (POST /halt)', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const world = await startWorld(
      receiver,
      {
        BOT_SYMBOLS: 'BTC',
        BOT_OPERATOR_BIND: `127.0.0.1:${await refusedPort()}`,
        BOT_OPERATOR_TOKEN: OPERATOR_TOKEN,
      },
      { operatorApi: true },
    );
    const api = world.bot.operatorApi?.url ?? '';
    const post = (path: string) =>
      fetch(`${api}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` } });

    goLong(world, BTC);
    await advanceMinutes(world.sim, world.bot.trader, 1);
    expect(world.bot.trader.openTrades).toHaveLength(1);
    await eventually(() => received(receiver).some((message) => message.event === 'entry'));

    expect((await post('/flatten')).status).toBe(200);
    await eventually(() => received(receiver).some((message) => message.event === 'exit'));
    expect((await post('/halt')).status).toBe(200);
    await eventually(() => received(receiver).some((message) => message.event === 'halt'));

    // A playbook that fires meanwhile (the market feed slow to connect on a loaded machine) is sent too.
    const all = received(receiver);
    for (const message of all.filter((one) => one.event === 'playbook')) {
      expect(message.text).toMatch(/^playbook [a-z-]+: /);
    }
    const messages = all.filter((message) => message.event !== 'playbook');
    expect(messages.map((message) => message.event)).toEqual(['entry', 'exit', 'halt']);
    const [entry, exit, halt] = messages;
    expect(entry?.data).toMatchObject({ symbol: 'BTCUSDC', side: 'long' });
    expect(Number(entry?.data['quantity'])).toBeGreaterThan(0);
    expect(entry?.text).toMatch(
      /^entry BTCUSDC long [0-9.]+ at [0-9.]+, stop-loss [0-9.]+, take-profit [0-9.]+$/,
    );
    expect(exit?.data).toMatchObject({ symbol: 'BTCUSDC', side: 'long', reason: 'manual', quote: 'USDC' });
    expect(typeof exit?.data['pnl']).toBe('number');
    expect(exit?.text).toMatch(/^exit BTCUSDC long: manual, PnL [+-][0-9]+\.[0-9]{2} USDC$/);
    expect(halt?.text).toMatch(/^trading halted: operator \(token [0-9a-f]+\): POST \/halt$/);
    for (const request of receiver.requests) expect(request.path).toBe(`/hook/${HOOK_SECRET}`);

    await world.bot.stop();
    bots.splice(0);
    // The webhook's path is its credential: in no log line, though the log names the webhook.
    expect(world.log.messages()).toContain(
      `notifications: entry, exit, playbook, halt, resume, daily-summary to the json webhook ${receiver.url}`,
    );
    for (const line of world.log.lines) expect(line).not.toContain(HOOK_SECRET);
  }, 60_000);

  it('keeps trading while the webhook hangs: the next entry is placed with the first message still unanswered', async () => {
    const receiver = await startReceiver(() => 'hang');
    receivers.push(receiver);
    const world = await startWorld(
      receiver,
      { BOT_SYMBOLS: 'BTC,ETH', BOT_NOTIFY_EVENTS: 'entry' },
      { notifications: { timeoutMs: 120_000, flushMs: 200 } },
    );
    goLong(world, BTC);
    await advanceMinutes(world.sim, world.bot.trader, 1);
    // The entry's message reached the webhook, which never answers.
    await eventually(() => receiver.requests.length === 1);

    goLong(world, ETH);
    await advanceMinutes(world.sim, world.bot.trader, 1);
    expect(world.bot.trader.openTrades.map((trade) => trade.symbol).sort()).toEqual([BTC, ETH]);
    expect(world.sim.state().positions).toHaveLength(2);
    // Still stuck on the first message; the second entry's waits behind it, and trading went on regardless.
    expect(receiver.answered).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(world.bot.notifier?.stats.queued).toBe(1);

    // The stop waits the flush time for the webhook, then gives up with a line.
    await world.bot.stop();
    bots.splice(0);
    expect(
      world.log.messages().some((line) => line.startsWith('notifications: gave up on 2 message(s)')),
    ).toBe(true);
  }, 60_000);
});
