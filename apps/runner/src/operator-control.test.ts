import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { PositionView } from '@bot/sim';
import { toExchangeId } from '@bot/symbols';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenId } from './operator-auth';
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

interface ConsoleStatus {
  exchangePositions: Record<string, string | number | null>[];
  decisions: { action: string; why: string }[];
  equity: { curve: [number, number][] };
  feedEvents: { userData: number | null };
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

    // The console's view of the same position: mark, PnL, stop and target distances, leverage, liquidation.
    await bot.trader.sweep(); // the liquidation price is read by a sweep (the stream does not send it)
    const console = (await (await call('GET', '/status')).json()) as ConsoleStatus;
    const [trade] = bot.trader.openTrades;
    const view = console.exchangePositions.find((position) => position.symbol === trade?.symbol);
    const held = (sim.state().positions as PositionView[]).find(
      (position) => position.symbol === toExchangeId(trade!.symbol),
    );
    expect(view).toMatchObject({
      owner: 'bot',
      side: trade?.side,
      stopLoss: trade?.stopLossPrice,
      takeProfit: trade?.takeProfitPrice,
      leverage: config.risk.leverageDefault,
    });
    expect(Number(view?.liquidationPrice)).toBeGreaterThan(0);
    expect(Number(view?.liquidationPrice)).toBeCloseTo(Number(held?.liquidationPrice), 1);
    const mark = Number(view?.markPrice);
    const entry = Number(view?.entryPrice);
    const stop = Number(trade?.stopLossPrice);
    expect(mark).toBeGreaterThan(0);
    expect(view?.unrealizedPnl).toBeCloseTo(
      (trade?.side === 'long' ? 1 : -1) * Number(view?.quantity) * (mark - entry),
      3,
    );
    expect(view?.stopDistancePct).toBeCloseTo((Math.abs(mark - stop) / mark) * 100, 6);
    expect(view?.stopDistanceR).toBeCloseTo(Math.abs(mark - stop) / Math.abs(entry - stop), 6);
    expect(
      console.decisions.some(
        (decision) => decision.action === 'order.place' && decision.why.includes('breakout'),
      ),
    ).toBe(true);
    expect(console.equity.curve.length).toBeGreaterThan(0);
    expect(console.feedEvents.userData).toBeGreaterThan(0);

    const flattened = (await (await call('POST', '/flatten')).json()) as { closed: string[] };
    expect(flattened.closed.length).toBeGreaterThan(0);
    expect(sim.state().positions as PositionView[]).toHaveLength(0);
    // Flat means no leftover reduce-only exits either.
    expect(sim.state().openAlgoOrders).toHaveLength(0);
    expect(bot.trader.openTrades).toHaveLength(0);
    // The console's history, read from the trail while the bot writes it: the flattened trades say so.
    const history = (await (await call('GET', '/trades')).json()) as { trades: { exit: string | null }[] };
    expect(history.trades.slice(-flattened.closed.length).map((trade) => trade.exit)).toEqual(
      flattened.closed.map(() => 'flatten'),
    );
    expect((await call('GET', '/trades?from=yesterday')).status).toBe(400);
    expect((await call('GET', '/trades', null)).status).toBe(401);

    const playbooks = (await (await call('GET', '/playbook')).json()) as { id: string }[];
    expect(playbooks.map((entry) => entry.id)).toContain('sl-placement-failed');
    expect((await call('GET', '/playbook/ws-degraded')).status).toBe(200);
  }, 60_000);

  it('without a configured token generates one (0600, reused, never logged) and refuses every unauthorised or browser call', async () => {
    const dir = tempDir();
    const config = testConfig(dir, { BOT_OPERATOR_BIND: `127.0.0.1:${await freePort()}` });
    const log = captureLog();
    const bot = await startBot({ config, logger: log.logger, paper: { seed: 42, speed: 'manual' } });
    bots.push(bot);
    const sim = bot.sim!;
    const url = bot.operatorApi!.url;

    const tokenPath = join(dir, 'audit.operator-token');
    expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenPath, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(log.messages().some((message) => message.includes(`generated into ${tokenPath}`))).toBe(true);

    await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0);
    const openPositions = sim.state().positions.length;
    expect(openPositions).toBeGreaterThan(0);

    const bearer = { Authorization: `Bearer ${token}` };
    const refused: [Record<string, string>, number][] = [
      [{}, 401],
      [{ Authorization: `Bearer ${'f'.repeat(64)}` }, 401],
      [{ ...bearer, Origin: 'http://evil.example' }, 403],
      [{ ...bearer, 'Sec-Fetch-Site': 'cross-site' }, 403],
      [{ ...bearer, 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
      [{ ...bearer, 'Content-Type': 'multipart/form-data; boundary=x' }, 415],
      [{ ...bearer, 'Content-Type': 'text/plain' }, 415],
    ];
    for (const path of ['/halt', '/flatten']) {
      for (const [headers, status] of refused) {
        const response = await fetch(`${url}${path}`, {
          method: 'POST',
          headers,
          body: headers['Content-Type'] ? 'x=1' : undefined,
        });
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(status);
      }
    }
    // Nothing changed: not halted, the positions still open with their trades.
    await advanceMinutes(sim, bot.trader, 1);
    expect(bot.trader.guard.tradingState).toBe('active');
    expect(sim.state().positions).toHaveLength(openPositions);
    expect(bot.trader.openTrades.length).toBeGreaterThan(0);

    const halted = await fetch(`${url}/halt`, { method: 'POST', headers: bearer });
    expect(halted.status).toBe(200);
    expect(bot.trader.guard.tradingState).toBe('halted');
    await bot.stop();
    bots.splice(bots.indexOf(bot), 1);

    // The trail names the caller by token id, before the halt it caused, and never holds the token.
    const trail = readFileSync(config.compliance.auditPath, 'utf8');
    expect(trail).not.toContain(token);
    const payloads = trail
      .trim()
      .split('\n')
      .map(
        (line) =>
          (JSON.parse(line) as { payload: { action?: string; why?: string; details?: unknown } }).payload,
      );
    const command = payloads.findIndex((payload) => payload.action === 'operator.command');
    expect(payloads[command]).toMatchObject({
      lens: 'Operator',
      details: { route: 'POST /halt', tokenId: tokenId(token), remoteAddress: '127.0.0.1' },
    });
    const pause = payloads.findIndex((payload) => payload.action === 'trading.pause');
    expect(pause).toBeGreaterThan(command);
    expect(payloads[pause]?.why).toBe(`operator (token ${tokenId(token)}): POST /halt`);
    expect(payloads.filter((payload) => payload.action === 'operator.command')).toHaveLength(1);

    // A later start reuses the file: the same token works.
    const again = captureLog();
    const second = await startBot({ config, logger: again.logger, paper: { seed: 42, speed: 'manual' } });
    bots.push(second);
    expect(readFileSync(tokenPath, 'utf8').trim()).toBe(token);
    expect(again.messages().some((message) => message.includes(`read from ${tokenPath}`))).toBe(true);
    const status = await fetch(`${second.operatorApi!.url}/status`, { headers: bearer });
    expect(status.status).toBe(200);
    for (const line of [...log.lines, ...again.lines]) expect(line).not.toContain(token);
  }, 60_000);
});
