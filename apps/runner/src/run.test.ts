import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAudit } from '@bot/audit';
import { startSim } from '@bot/sim';
import type { AlgoOrderView, PositionView } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { statePathFor } from './bot-state';
import { buildInfo } from './build-card';
import { startBot } from './run';
import type { RunningBot } from './run';
import { advanceMinutes, advanceUntil, captureLog, tempDir, testConfig } from './testing';

interface AuditLine {
  readonly seq: number;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
}

function auditLines(path: string): AuditLine[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine);
}

const running: RunningBot[] = [];
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
});

/** A paper run on a manual clock: as fast as the machine allows, and the same every time. */
async function manualPaperRun(seed: number, minutes: number, inspect?: (bot: RunningBot) => Promise<void>) {
  const dir = tempDir();
  const config = testConfig(dir);
  const log = captureLog();
  const bot = await startBot({
    config,
    logger: log.logger,
    paper: { seed, speed: 'manual' },
    operatorApi: false,
  });
  const sim = bot.sim!;
  let elapsed = 0;
  if (inspect) {
    elapsed = await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0, minutes);
    await inspect(bot);
  }
  await advanceMinutes(sim, bot.trader, minutes - elapsed);
  const errors = bot.trader.errors;
  const summary = await bot.stop();
  return { summary, log, auditPath: config.compliance.auditPath, errors };
}

describe('bot run, paper mode', () => {
  it('trades with SL and TP on the emulator, audits every decision with its reason, and repeats itself exactly', async () => {
    const first = await manualPaperRun(42, 240, async (bot) => {
      const state = bot.sim!.state();
      const [trade] = bot.trader.openTrades;
      const exits = (state.openAlgoOrders as AlgoOrderView[]).filter(
        (order) => order.symbol === 'BTCUSDC' || order.symbol === 'ETHUSDC',
      );
      const position = (state.positions as PositionView[])[0];
      expect(position).toBeDefined();
      const purposes = exits
        .filter((order) => order.reduceOnly || order.closePosition)
        .map((order) => order.orderType);
      expect(purposes.some((type) => type.startsWith('STOP'))).toBe(true);
      expect(purposes.some((type) => type.startsWith('TAKE_PROFIT'))).toBe(true);
      expect(trade?.stopLossId).toBeDefined();
      expect(trade?.takeProfitId).toBeDefined();
    });
    expect(first.errors).toBe(0);
    expect(first.summary.entries).toBeGreaterThan(2);
    expect(first.summary.closes).toBeGreaterThan(1);

    const verdict = await verifyAudit(first.auditPath);
    expect(verdict.ok).toBe(true);
    const records = auditLines(first.auditPath);
    const placed = records.filter((record) => record.payload['action'] === 'order.place');
    expect(placed.length).toBe(first.summary.entries);
    for (const record of placed) expect(String(record.payload['why'])).toMatch(/breakout.*rr=.*risks/);
    const closes = records.filter((record) => record.payload['action'] === 'position.close');
    expect(closes.length).toBe(first.summary.closes);
    for (const record of closes)
      expect(String(record.payload['why'])).toMatch(/^(stop_loss|take_profit): pnl /);

    const second = await manualPaperRun(42, 240);
    expect(second.summary).toEqual(first.summary);
    const entryLines = (run: typeof first) =>
      run.log.messages().filter((message) => message.startsWith('entry ') || message.startsWith('close '));
    expect(entryLines(second)).toEqual(entryLines(first));
  }, 120_000);

  it('starts with the build card: the first log lines and the first audit record of the run', async () => {
    const dir = tempDir();
    const config = testConfig(dir, { BOT_SYMBOLS: 'BTC' });
    const log = captureLog();
    const bot = await startBot({
      config,
      logger: log.logger,
      paper: { seed: 3, speed: 'manual' },
      operatorApi: false,
    });
    running.push(bot);
    const { version, commit } = buildInfo();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(commit).toMatch(/^([0-9a-f]{40}(\+dirty)?|unknown)$/);
    const [first, second, third, fourth] = log.messages();
    expect(first).toContain(
      `bot ${version} (commit ${commit}) — mode paper, tier conservative, timeframe 1m`,
    );
    expect(second).toContain('symbols BTC/USDC:USDC; quote USDC; TP style limit; working type MARK_PRICE');
    expect(third).toMatch(
      /^risk limits riskPerTradePct=0\.005 dailyDrawdownPct=\S+ leverageDefault=\d+ maxConcurrentPositions=\d+ maxSlStreak=\d+/,
    );
    expect(fourth).toBe(`audit trail ${config.compliance.auditPath}`);
    const [card] = auditLines(config.compliance.auditPath).filter(
      (record) => !record.kind.startsWith('audit.'),
    );
    expect(card?.kind).toBe('run.build-card');
    expect(card?.payload).toMatchObject({
      version,
      commit,
      mode: 'paper',
      tier: 'conservative',
      symbols: ['BTC/USDC:USDC'],
      tpOrderStyle: 'limit',
      workingType: 'MARK_PRICE',
      auditPath: config.compliance.auditPath,
      risk: { ...config.risk },
    });
  });
});

describe('restart safety', () => {
  it('restarts against the same emulator with no duplicate entry, protection intact, and the guard as it was', async () => {
    const sim = await startSim({ seed: 11, speed: 'manual', historyMinutes: 300 });
    try {
      const [account] = sim.accounts;
      const dir = tempDir();
      const config = testConfig(dir, { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret });
      const paper = { url: sim.url };
      const firstLog = captureLog();
      const first = await startBot({ config, logger: firstLog.logger, paper, operatorApi: false });
      // Run until a stop-loss has counted and a position is open, so there is state worth keeping.
      await advanceUntil(
        sim,
        first.trader,
        () => first.trader.guard.stopLossStreak > 0 && first.trader.openTrades.length > 0,
      );
      const guardBefore = first.trader.guard.snapshot();
      const tradesBefore = first.trader.openTrades;
      await first.stop();
      const exitsBefore = sim.state().openAlgoOrders as AlgoOrderView[];
      const positionsBefore = sim.state().positions as PositionView[];
      expect(positionsBefore.length).toBe(tradesBefore.length);

      const orderRequests = () =>
        sim.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/order')).length;
      const ordersBefore = orderRequests();
      const secondLog = captureLog();
      const second = await startBot({ config, logger: secondLog.logger, paper, operatorApi: false });
      running.push(second);
      expect(second.trader.guard.snapshot()).toEqual(guardBefore);
      expect(second.trader.openTrades).toEqual(tradesBefore);
      expect(sim.state().openAlgoOrders).toEqual(exitsBefore);
      expect(orderRequests()).toBe(ordersBefore);
      expect(secondLog.messages()).toContain(
        'reconciled with the exchange: 0 action(s), 1 open trade(s) watched',
      );

      // The next candles bring no second entry on a symbol that is already open.
      await advanceMinutes(sim, second.trader, 3);
      const open = sim.state().positions as PositionView[];
      for (const position of open) {
        const before = positionsBefore.find((entry) => entry.symbol === position.symbol);
        if (before) expect(position.positionAmt).toBe(before.positionAmt);
      }
    } finally {
      await Promise.all(running.splice(0).map((bot) => bot.stop().catch(() => undefined)));
      await sim.close();
    }
  }, 60_000);

  it('gives a position found without a stop-loss its stop before anything else', async () => {
    const sim = await startSim({ seed: 11, speed: 'manual', historyMinutes: 300 });
    try {
      const [account] = sim.accounts;
      const dir = tempDir();
      const config = testConfig(dir, { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret });
      const first = await startBot({
        config,
        logger: captureLog().logger,
        paper: { url: sim.url },
        operatorApi: false,
      });
      await advanceUntil(sim, first.trader, () => first.trader.openTrades.length > 0);
      const [trade] = first.trader.openTrades;
      await first.stop();
      // Somebody cancels the stop-loss by hand while the bot is down.
      const stop = (sim.state().openAlgoOrders as AlgoOrderView[]).find((order) =>
        order.orderType.startsWith('STOP'),
      );
      expect(stop).toBeDefined();
      sim.core.cancelAlgoOrder(account!.accountId, { algoId: stop!.algoId }, sim.marketTime());
      expect(
        (sim.state().openAlgoOrders as AlgoOrderView[]).some((order) => order.orderType.startsWith('STOP')),
      ).toBe(false);

      const log = captureLog();
      const second = await startBot({
        config,
        logger: log.logger,
        paper: { url: sim.url },
        operatorApi: false,
      });
      running.push(second);
      const stops = (sim.state().openAlgoOrders as AlgoOrderView[]).filter((order) =>
        order.orderType.startsWith('STOP'),
      );
      expect(stops).toHaveLength(1);
      expect(stops[0]?.symbol).toBe(stop!.symbol);
      expect(Number(stops[0]?.triggerPrice)).toBeCloseTo(Number(trade!.stopLossPrice), 6);
      const messages = log.messages();
      const protectedAt = messages.findIndex((message) =>
        message.startsWith('playbook position-unprotected'),
      );
      const tradingAt = messages.findIndex((message) => message.startsWith('trading '));
      expect(protectedAt).toBeGreaterThan(-1);
      expect(protectedAt).toBeLessThan(tradingAt);
    } finally {
      await Promise.all(running.splice(0).map((bot) => bot.stop().catch(() => undefined)));
      await sim.close();
    }
  }, 60_000);

  it('refuses to start on a state file it cannot read, and leaves the file as it was', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const statePath = statePathFor(config.compliance.auditPath);
    writeFileSync(statePath, '{"guard": {"version": 1, "trun');
    const sim = await startSim({ seed: 1, speed: 'manual', historyMinutes: 300 });
    try {
      const [account] = sim.accounts;
      const withKeys = testConfig(dir, { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret });
      await expect(
        startBot({
          config: withKeys,
          logger: captureLog().logger,
          paper: { url: sim.url },
          operatorApi: false,
        }),
      ).rejects.toThrow(/state file .*audit\.state\.json cannot be read: it is not JSON/);
      expect(readFileSync(statePath, 'utf8')).toBe('{"guard": {"version": 1, "trun');
      expect(sim.requests.some((request) => request.path.endsWith('/order'))).toBe(false);
    } finally {
      await sim.close();
    }
    expect(join(dir, 'audit.state.json')).toBe(statePath);
  });
});
