import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAudit } from '@bot/audit';
import { ReplayFileError } from '@bot/sim';
import type { AlgoOrderView, PositionView, Sim } from '@bot/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { statePathFor } from './bot-state';
import { buildInfo } from './build-card';
import { isTransientStartError } from './error-playbooks';
import { startBot, startBotWithRetries } from './run';
import type { RunningBot } from './run';
import {
  advanceMinutes,
  advanceUntil,
  captureLog,
  manualSim,
  simKeys,
  tempDir,
  testConfig,
  writeArchiveCsv,
} from './testing';

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
const emulators: Sim[] = [];
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
  for (const sim of emulators.splice(0)) await sim.close();
});

/** An emulator on a manual clock for bots that connect to it (`paper: { url }`), closed after the test. */
async function emulator(seed: number): Promise<Sim> {
  const sim = await manualSim(seed);
  emulators.push(sim);
  return sim;
}

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
    const [first, second, third, fourth] = log.messages()[0]?.split('\n') ?? [];
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

describe('stopping', () => {
  it('keeps open positions protected by default, and closes them with --flatten-on-exit', async () => {
    const sim = await emulator(11);
    const config = testConfig(tempDir(), {
      ...simKeys(sim),
    });
    const first = await startBot({
      config,
      logger: captureLog().logger,
      paper: { url: sim.url },
      operatorApi: false,
    });
    await advanceUntil(sim, first.trader, () => first.trader.openTrades.length > 0);
    const kept = await first.stop();
    expect(kept.openAtEnd).toBeGreaterThan(0);
    expect(sim.state().positions.length).toBe(kept.openAtEnd);
    expect(sim.state().openAlgoOrders.length).toBeGreaterThanOrEqual(kept.openAtEnd);

    const second = await startBot({
      config,
      logger: captureLog().logger,
      paper: { url: sim.url },
      operatorApi: false,
    });
    const flattened = await second.stop({ flatten: true });
    expect(flattened.openAtEnd).toBe(0);
    expect(flattened.closes).toBe(kept.openAtEnd);
    expect(sim.state().positions).toHaveLength(0);
    expect(sim.state().openAlgoOrders).toHaveLength(0);
    const records = auditLines(config.compliance.auditPath);
    expect(
      records.filter((record) => record.payload['action'] === 'position.close').length,
    ).toBeGreaterThanOrEqual(2 * kept.openAtEnd);
    expect((await verifyAudit(config.compliance.auditPath)).ok).toBe(true);
  });
});

describe('feed degradation', () => {
  it('audits every health transition of the feeds, naming the playbook when one degrades', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const log = captureLog();
    const bot = await startBot({
      config,
      logger: log.logger,
      paper: { seed: 5, speed: 60 },
      operatorApi: false,
      feeds: { degradeAfterMs: 500, recoverAfterMs: 1_000, klineStaleAfterMs: 1_000 },
    });
    running.push(bot);
    const sim = bot.sim!;
    const waitFor = async (pattern: RegExp) => {
      while (!log.messages().some((message) => pattern.test(message)))
        await new Promise((wait) => setTimeout(wait, 50));
    };
    await waitFor(/^market feed connecting → live/);
    // Sockets stay open but send nothing, and every reconnect is dropped: the market feed degrades to REST.
    sim.injectFaults({ staleMarketStreams: true });
    await waitFor(/^playbook ws-degraded: market feed degraded/);
    sim.clearFaults();
    sim.dropStreams('market');
    await waitFor(/^market feed recovering → live/);
    await bot.stop();
    const feed = auditLines(config.compliance.auditPath)
      .map((record) => record.payload)
      .filter((payload) => String(payload['action']).startsWith('feed.'));
    const degraded = feed.find((payload) => payload['action'] === 'feed.degraded');
    expect(degraded?.['lens']).toBe('Feed');
    expect((degraded?.['risk'] as Record<string, unknown>)['playbook']).toBe('ws-degraded');
    expect(feed.some((payload) => payload['action'] === 'feed.restored')).toBe(true);
  });
});

describe('start-up through an exchange outage', () => {
  it('tries again with backoff while the exchange is in maintenance, then starts and reconciles', async () => {
    const sim = await emulator(11);
    const config = testConfig(tempDir(), {
      ...simKeys(sim),
      BOT_MAX_RETRIES: '0',
    });
    sim.injectFaults({ maintenance: true });
    const log = captureLog();
    const starting = startBotWithRetries({
      config,
      logger: log.logger,
      paper: { url: sim.url },
      operatorApi: false,
    });
    while (!log.messages().some((message) => message.includes('start-up failed'))) {
      await new Promise((wait) => setTimeout(wait, 50));
    }
    sim.clearFaults();
    const bot = await starting;
    running.push(bot);
    const retries = log.messages().filter((message) => message.includes('start-up failed'));
    expect(retries[0]).toMatch(/^playbook exchange-maintenance: start-up failed .*; trying again in 1 s$/);
    expect(log.messages()).toContain('reconciled with the exchange: 0 action(s), 0 open trade(s) watched');
  });

  it('does not retry bad input', async () => {
    expect(isTransientStartError(new Error('unknown symbol'))).toBe(false);
    expect(isTransientStartError(Object.assign(new Error('503'), { name: 'ExchangeNotAvailable' }))).toBe(
      true,
    );
    expect(isTransientStartError(Object.assign(new Error('bad key'), { name: 'AuthenticationError' }))).toBe(
      false,
    );
  });
});

describe('restart safety', () => {
  it('restarts against the same emulator with no duplicate entry, protection intact, and the guard as it was', async () => {
    const sim = await emulator(11);
    const dir = tempDir();
    const config = testConfig(dir, simKeys(sim));
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
  }, 60_000);

  it('gives a position found without a stop-loss its stop before anything else', async () => {
    const sim = await emulator(11);
    const [account] = sim.accounts;
    const dir = tempDir();
    const config = testConfig(dir, simKeys(sim));
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
    const protectedAt = messages.findIndex((message) => message.startsWith('playbook position-unprotected'));
    const tradingAt = messages.findIndex((message) => message.startsWith('trading '));
    expect(protectedAt).toBeGreaterThan(-1);
    expect(protectedAt).toBeLessThan(tradingAt);
  }, 60_000);

  it('adopts a position it did not open, keeps its stop, and counts it against the limits', async () => {
    const sim = await emulator(11);
    const [account] = sim.accounts;
    const now = sim.marketTime();
    sim.core.placeOrder(
      account!.accountId,
      { symbol: 'ETHUSDC', side: 'BUY', type: 'MARKET', quantity: '1' },
      now,
    );
    const price = Number(sim.core.market('ETHUSDC').lastPrice);
    const stop = sim.core.placeAlgoOrder(
      account!.accountId,
      {
        symbol: 'ETHUSDC',
        side: 'SELL',
        type: 'STOP_MARKET',
        triggerPrice: (price * 0.95).toFixed(2),
        closePosition: true,
      },
      now,
    );
    const config = testConfig(tempDir(), {
      ...simKeys(sim),
      MAX_CONCURRENT_POSITIONS: '1',
    });
    const log = captureLog();
    const bot = await startBot({ config, logger: log.logger, paper: { url: sim.url }, operatorApi: false });
    running.push(bot);
    const [adopted] = bot.trader.openTrades;
    expect(adopted).toMatchObject({
      symbol: 'ETH/USDC:USDC',
      side: 'long',
      stopLossId: String(stop.algoId),
    });
    expect(Number(adopted?.quantity)).toBe(1);
    expect(log.messages().some((message) => message.startsWith('adopted ETH/USDC:USDC long 1'))).toBe(true);
    // Its own stop covered it: nothing was placed, and with one position allowed no entry opens.
    expect(sim.state().openAlgoOrders).toHaveLength(1);
    await advanceMinutes(sim, bot.trader, 120);
    const entries = (sim.core.allOrders(account!.accountId) as { reduceOnly: boolean }[]).filter(
      (order) => !order.reduceOnly,
    );
    expect(entries).toHaveLength(1);
  });

  it('refuses to extend an audit trail that does not verify (playbook audit-verification-failed)', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const first = await startBot({
      config,
      logger: captureLog().logger,
      paper: { seed: 2, speed: 'manual' },
      operatorApi: false,
    });
    await first.stop();
    const trail = readFileSync(config.compliance.auditPath, 'utf8');
    const tampered = trail.replace('"mode":"paper"', '"mode":"live!"');
    expect(tampered).not.toBe(trail);
    writeFileSync(config.compliance.auditPath, tampered);
    await expect(
      startBot({
        config,
        logger: captureLog().logger,
        paper: { seed: 2, speed: 'manual' },
        operatorApi: false,
      }),
    ).rejects.toThrow(/^playbook audit-verification-failed: .*audit\.jsonl .*set a new BOT_AUDIT_PATH/);
    expect(readFileSync(config.compliance.auditPath, 'utf8').startsWith(tampered)).toBe(true);
  });

  it('refuses to start on a state file it cannot read, and leaves the file as it was', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const statePath = statePathFor(config.compliance.auditPath);
    writeFileSync(statePath, '{"guard": {"version": 1, "trun');
    const sim = await emulator(1);
    const withKeys = testConfig(dir, simKeys(sim));
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
    expect(join(dir, 'audit.state.json')).toBe(statePath);
  });
});

describe('--replay', () => {
  it('replays a Binance archive CSV: trades its one symbol on the file prices', async () => {
    const dir = tempDir();
    const start = Date.UTC(2026, 0, 1);
    const file = join(dir, 'BTCUSDC-1m-2026-01.csv');
    const closes = writeArchiveCsv(file, 400, start);
    const log = captureLog();
    const bot = await startBot({
      config: testConfig(dir),
      logger: log.logger,
      paper: { replayFile: file, speed: 'manual' },
      operatorApi: false,
    });
    running.push(bot);
    const sim = bot.sim!;
    expect(log.messages()).toContain('trading BTCUSDC on 1m candles in paper mode');
    await advanceMinutes(sim, bot.trader, 5);
    const minute = Math.round((sim.marketTime() - start) / 60_000);
    const response = await fetch(`${sim.url}/fapi/v1/klines?symbol=BTCUSDC&interval=1m&limit=2`);
    const rows = (await response.json()) as [number, string, string, string, string][];
    // The first of the two is the last closed candle; the second is still forming.
    expect(Number(rows[0]?.[4])).toBe(closes[minute - 1]);
  });

  it('refuses a file that does not parse, naming the line, before any connection', async () => {
    const dir = tempDir();
    const file = join(dir, 'BTCUSDC-1m-2026-01.csv');
    writeArchiveCsv(file, 10, Date.UTC(2026, 0, 1));
    writeFileSync(file, `${readFileSync(file, 'utf8')}1767225600000,60000.0,oops\n`);
    await expect(
      startBot({
        config: testConfig(dir),
        logger: captureLog().logger,
        paper: { replayFile: file, speed: 'manual' },
        operatorApi: false,
      }),
    ).rejects.toThrow(ReplayFileError);
  });

  it('refuses a file not named like the archive, before any connection', async () => {
    const dir = tempDir();
    const file = join(dir, 'prices.csv');
    writeArchiveCsv(file, 10, Date.UTC(2026, 0, 1));
    await expect(
      startBot({
        config: testConfig(dir),
        logger: captureLog().logger,
        paper: { replayFile: file, speed: 'manual' },
        operatorApi: false,
      }),
    ).rejects.toThrow(/name the file as Binance's archive does, <BASE>USDC-1m-<date>\.csv/);
  });
});
