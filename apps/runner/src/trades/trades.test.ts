import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAuditTrail } from '@bot/audit';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../run';
import type { RunningBot } from '../run';
import { advanceUntil, captureLog, tempDir, testConfig } from '../testing';
import { writeTrade } from './trade-records';
import { tradesCommand } from './trades-command';
import { readTrades } from './trades';
import type { TradeRow } from './trades';

const bots: RunningBot[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) await bot.stop().catch(() => undefined);
});

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** A trail at `dir/audit.jsonl` written by `write`. */
async function trail(write: (audit: Awaited<ReturnType<typeof openAuditTrail>>) => Promise<void>) {
  const path = join(tempDir(), 'audit.jsonl');
  const audit = await openAuditTrail({ path });
  await write(audit);
  await audit.close();
  return path;
}

function run(options: Parameters<typeof tradesCommand>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  return tradesCommand({
    ...options,
    print: (line) => out.push(line),
    printError: (line) => err.push(line),
  }).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

describe('bot trades on the trail of a real paper run', () => {
  it('pairs every entry with its close: prices, fees, PnL as the guard counted it, R, why; a flatten; the open one', async () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const bot = await startBot({
      config,
      logger: captureLog().logger,
      paper: { seed: 42, speed: 'manual' },
      operatorApi: false,
    });
    bots.push(bot);
    const sim = bot.sim!;
    await advanceUntil(sim, bot.trader, () => bot.trader.summary().closes >= 1);
    await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0);
    await bot.trader.flatten('operator: POST /flatten');
    await advanceUntil(sim, bot.trader, () => bot.trader.openTrades.length > 0);
    const summary = bot.trader.summary();
    const stillOpen = bot.trader.openTrades.map((trade) => trade.intentId);
    await bot.stop();
    bots.splice(0);

    const trades = await readTrades(config.compliance.auditPath);
    const closed = trades.filter((trade) => trade.exit !== null);
    expect(closed.length).toBe(summary.closes);
    expect(trades.filter((trade) => trade.exit === null).map((trade) => trade.intentId)).toEqual(stillOpen);
    // The PnL is the guard's, to the cent.
    expect(closed.reduce((sum, trade) => sum + trade.pnl!, 0)).toBeCloseTo(summary.realizedPnl, 2);
    expect(closed.some((trade) => trade.exit === 'flatten')).toBe(true);
    for (const trade of closed) {
      expect(trade.entryPrice).toBeGreaterThan(0);
      expect(trade.exitPrice).toBeGreaterThan(0);
      expect(trade.fees).toBeGreaterThan(0);
      // Read from the exchange's funding payments at the close (0 when no funding mark passed).
      expect(trade.funding).toEqual(expect.any(Number));
      expect(trade.why).toMatch(/^breakout/);
      expect(['stop', 'target', 'flatten']).toContain(trade.exit);
      const direction = trade.side === 'long' ? 1 : -1;
      const gross = direction * (trade.exitPrice! - trade.entryPrice!) * trade.quantity!;
      expect(trade.pnl).toBeCloseTo(gross - trade.fees!, 2);
      const risk = Math.abs(trade.entryPrice! - trade.stopLoss!) * trade.quantity!;
      expect(trade.rMultiple).toBeCloseTo(trade.pnl! / risk, 6);
      if (trade.exit === 'stop') expect(trade.rMultiple!).toBeLessThan(-0.5);
    }

    const table = await run({ audit: config.compliance.auditPath });
    expect(table.code).toBe(0);
    expect(table.out).toMatch(
      /^opened \(UTC\)\s+symbol\s+side\s+qty\s+entry\s+exit\s+reason\s+fees\s+funding\s+pnl\s+R\s+why/,
    );
    expect(table.out).toContain(`${summary.closes} closed`);
    const json = await run({ audit: config.compliance.auditPath, json: true });
    expect((JSON.parse(json.out) as { trades: TradeRow[] }).trades).toEqual(
      JSON.parse(JSON.stringify(trades)),
    );
  }, 240_000);
});

describe('bot trades: edge cases', () => {
  it('an empty trail lists no trades; a trade still open is listed as open', async () => {
    const empty = await trail(async () => undefined);
    expect(await readTrades(empty)).toEqual([]);
    expect((await run({ audit: empty })).out).toBe('no trades in the audit trail for this selection');
    const open = await trail(async (audit) => {
      await writeTrade(audit, {
        symbol: 'BTC/USDC:USDC',
        side: 'long',
        openedAt: T0,
        entry: 60_000,
        stop: 59_400,
        target: 61_200,
        quantity: 0.01,
      });
    });
    const [trade] = await readTrades(open);
    expect(trade).toMatchObject({
      exit: null,
      pnl: null,
      entryPrice: 60_000,
      stopLoss: 59_400,
      symbol: 'BTC/USDC:USDC',
    });
  });

  it('names liquidations, ADL, flattens and manual closes; counts a close recorded twice once; adopted positions too', async () => {
    const path = await trail(async (audit) => {
      const base = { symbol: 'ETH/USDC:USDC', entry: 3000, stop: 2970, target: 3060, quantity: 1 } as const;
      await writeTrade(audit, {
        ...base,
        side: 'long',
        openedAt: T0,
        exitPrice: 2700,
        reason: 'liquidation',
      });
      await writeTrade(audit, {
        ...base,
        side: 'short',
        openedAt: T0 + HOUR,
        exitPrice: 2990,
        flatten: true,
      });
      await writeTrade(audit, {
        ...base,
        side: 'long',
        openedAt: T0 + 2 * HOUR,
        exitPrice: 3010,
        reason: 'manual',
      });
      await writeTrade(audit, { ...base, side: 'long', openedAt: T0 + 3 * HOUR, exitPrice: 3060 });
      await writeTrade(audit, {
        ...base,
        side: 'long',
        openedAt: T0 + 4 * HOUR,
        exitPrice: 2990,
        reason: 'adl',
        adopted: true,
      });
    });
    // A crash between the close's record and the state write: the restart records the same close again.
    const audit = await openAuditTrail({ path });
    const records = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { payload: Parameters<typeof audit.appendRationale>[0] });
    const target = records.find((record) => record.payload.risk?.['reason'] === 'take_profit')!;
    await audit.appendRationale(target.payload);
    await audit.close();

    const trades = await readTrades(path);
    expect(trades.map((trade) => trade.exit)).toEqual(['liquidation', 'flatten', 'manual', 'target', 'adl']);
    expect(trades[0]!.rMultiple).toBeCloseTo((-300 - (3000 + 2700) * 0.0004) / 30, 6);
    expect(trades[3]!.rMultiple).toBeCloseTo((60 - (3000 + 3060) * 0.0004) / 30, 6);
    expect(trades[4]).toMatchObject({
      adopted: true,
      intentId: null,
      why: expect.stringContaining('adopted') as string,
    });
  });

  it('filters by --from/--to (a date alone includes that day) and --symbol (either spelling)', async () => {
    const path = await trail(async (audit) => {
      for (const [index, symbol] of ['BTC/USDC:USDC', 'ETH/USDC:USDC', 'BTC/USDC:USDC'].entries()) {
        await writeTrade(audit, {
          symbol,
          side: 'long',
          openedAt: T0 + index * 86_400_000,
          entry: 100,
          stop: 99,
          target: 102,
          quantity: 1,
          exitPrice: 101,
        });
      }
    });
    const opened = async (options: Parameters<typeof tradesCommand>[0]) =>
      (
        JSON.parse((await run({ ...options, audit: path, json: true })).out) as { trades: TradeRow[] }
      ).trades.map((trade) => new Date(trade.openedAt).toISOString().slice(0, 10));
    expect(await opened({})).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(await opened({ from: '2026-03-02' })).toEqual(['2026-03-02', '2026-03-03']);
    expect(await opened({ to: '2026-03-02' })).toEqual(['2026-03-01', '2026-03-02']);
    expect(await opened({ from: '2026-03-01T12:00Z', to: '2026-03-02T12:00:00Z' })).toEqual(['2026-03-02']);
    expect(await opened({ symbol: 'BTCUSDC' })).toEqual(['2026-03-01', '2026-03-03']);
    expect(await opened({ symbol: 'ETH/USDC:USDC' })).toEqual(['2026-03-02']);
  });

  it('a missing, damaged trail or a bad date: a clear error and exit 2', async () => {
    const dir = tempDir();
    const missing = await run({ audit: join(dir, 'nope.jsonl') });
    expect(missing).toMatchObject({ code: 2, out: '' });
    expect(missing.err).toContain(`no audit trail at ${join(dir, 'nope.jsonl')}`);
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, '{"not":"a record"}\n');
    const broken = await run({ audit: damaged });
    expect(broken.code).toBe(2);
    expect(broken.err).toContain(`bot audit verify ${damaged}`);
    const path = await trail(async (audit) => {
      await writeTrade(audit, {
        symbol: 'BTC/USDC:USDC',
        side: 'long',
        openedAt: T0,
        entry: 100,
        stop: 99,
        target: 102,
        quantity: 1,
        exitPrice: 101,
      });
    });
    appendFileSync(path, '{"seq":99,"tampered":true}\n');
    expect((await run({ audit: path })).code).toBe(2);
    const badDate = await run({ audit: path, from: 'last tuesday' });
    expect(badDate).toMatchObject({ code: 2 });
    expect(badDate.err).toContain('--from must be an ISO date');
  });
});
