import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeSampleArchive } from '../data/sample-archive';
import { alwaysLongModule, runBacktestCommand, tempDir } from '../testing';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const ALWAYS_LONG = alwaysLongModule('backtested always-long');

const btc = { symbol: 'BTCUSDC', start: Date.UTC(2024, 0, 1), startPrice: 42_000, tickSize: '0.1' };

describe('bot backtest --strategy', () => {
  it("backtests the user's own strategy module: its signals are the entries", async () => {
    const dir = tempDir();
    writeSampleArchive(join(dir, 'data'), { ...btc, minutes: 1440 });
    const module = join(dir, 'always-long.ts');
    writeFileSync(module, ALWAYS_LONG);
    const json = join(dir, 'report.json');
    vi.stubEnv('BOT_AUDIT_PATH', join(dir, 'audit.jsonl'));
    const result = await runBacktestCommand({
      data: [join(dir, 'data')],
      timeframe: '15m',
      strategy: module,
      audit: 'on',
      json,
    });
    expect(result.code, result.err).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { stats: { trades: number } };
    expect(report.stats.trades).toBeGreaterThan(0);
    // Every entry the bot placed carries the module's reason in the audit trail.
    const placed = readdirSync(dir)
      .filter((file) => file.endsWith('.jsonl'))
      .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'))
      .filter((line) => line.includes('"order.place"'));
    expect(placed.length).toBeGreaterThan(0);
    for (const line of placed) expect(line).toContain('backtested always-long');
  }, 180_000);

  it('exits 2 for a module it cannot use, naming what is wrong, and writes nothing', async () => {
    const dir = tempDir();
    writeSampleArchive(dir, { ...btc, minutes: 60 });
    writeFileSync(join(dir, 'bad.ts'), 'export const nothing = 0;\n');
    const json = join(dir, 'report.json');
    const result = await runBacktestCommand({ data: [dir], strategy: join(dir, 'bad.ts'), json });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^bot backtest: --strategy .*bad\.ts: it exports no createStrategy function \(it exports: nothing\)/,
    );
    expect(existsSync(json)).toBe(false);
  });
});
