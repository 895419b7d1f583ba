import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PositionView } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from './run';
import type { RunningBot } from './run';
import { advanceMinutes, advanceUntil, captureLog, tempDir, testConfig } from './testing';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const bots: RunningBot[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
});

describe('the operator API of a running bot', () => {
  it('needs the token, and halt, resume and flatten act on the real guard and the exchange', async () => {
    const token = '0123456789abcdef0123456789abcdef';
    const config = testConfig(tempDir(), {
      BOT_OPERATOR_BIND: `127.0.0.1:${await freePort()}`,
      BOT_OPERATOR_TOKEN: token,
    });
    const bot = await startBot({ config, logger: captureLog().logger, paper: { seed: 42, speed: 'manual' } });
    bots.push(bot);
    const sim = bot.sim!;
    const url = bot.operatorApi!.url;
    const call = (method: string, path: string, auth: string | null = `Bearer ${token}`) =>
      fetch(`${url}${path}`, { method, headers: auth ? { Authorization: auth } : {} });

    expect((await call('GET', '/status', null)).status).toBe(401);
    expect((await call('POST', '/halt', 'Bearer fedcba9876543210fedcba9876543210')).status).toBe(401);
    expect(bot.trader.guard.tradingState).toBe('active');

    const health = (await (await call('GET', '/health')).json()) as { feeds: Record<string, string> };
    expect(Object.keys(health.feeds).sort()).toEqual(['market', 'userData']);

    // Halted: signals are denied by the guard with HALTED, and no position opens.
    const halted = (await (await call('POST', '/halt')).json()) as { risk: { tradingState: string } };
    expect(halted.risk.tradingState).toBe('halted');
    await advanceMinutes(sim, bot.trader, 90);
    expect(sim.state().positions).toHaveLength(0);
    expect(bot.trader.summary().denials['HALTED']).toBeGreaterThan(0);
    expect(bot.trader.summary().entries).toBe(0);

    const resumed = (await (await call('POST', '/resume')).json()) as { risk: { tradingState: string } };
    expect(resumed.risk.tradingState).toBe('active');
    await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0);
    const status = (await (await call('GET', '/status')).json()) as {
      positions: { symbol: string; protection: { stopLoss: string } }[];
    };
    expect(status.positions.length).toBe(bot.trader.openTrades.length);
    expect(Number(status.positions[0]?.protection.stopLoss)).toBeGreaterThan(0);

    const flattened = (await (await call('POST', '/flatten')).json()) as { closed: string[] };
    expect(flattened.closed.length).toBeGreaterThan(0);
    expect(sim.state().positions as PositionView[]).toHaveLength(0);
    // Flat means no leftover reduce-only exits either.
    expect(sim.state().openAlgoOrders).toHaveLength(0);
    expect(bot.trader.openTrades).toHaveLength(0);

    const playbooks = (await (await call('GET', '/playbook')).json()) as { id: string }[];
    expect(playbooks.map((entry) => entry.id)).toContain('sl-placement-failed');
    expect((await call('GET', '/playbook/ws-degraded')).status).toBe(200);
  }, 60_000);
});
