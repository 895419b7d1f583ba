import { afterEach, describe, expect, it } from 'vitest';
import { runBot, startBot } from './run';
import type { RunningBot } from './run';
import { advanceMinutes, captureLog, tempDir, testConfig } from './testing';

const running: RunningBot[] = [];
afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
});

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly buildCard?: unknown;
}
const parsed = (lines: readonly string[]) => lines.map((line) => JSON.parse(line) as Line);

describe('progress and logs', () => {
  it('the build card is one log record', async () => {
    const log = captureLog();
    const bot = await startBot({
      config: testConfig(tempDir()),
      logger: log.logger,
      paper: { seed: 3, speed: 'manual' },
      operatorApi: false,
    });
    running.push(bot);
    const cards = parsed(log.lines).filter((line) => line.buildCard !== undefined);
    expect(cards).toHaveLength(1);
    expect(cards[0]?.msg.split('\n')).toHaveLength(4);
  });

  it('a halted bot says once that it is halted, not one info line per denied signal', async () => {
    const log = captureLog();
    const bot = await startBot({
      config: testConfig(tempDir()),
      logger: log.logger,
      paper: { seed: 7, speed: 'manual' },
      operatorApi: false,
    });
    running.push(bot);
    bot.trader.halt('test: maintenance window');
    await advanceMinutes(bot.sim!, bot.trader, 240);
    expect(bot.trader.summary().denials['HALTED'] ?? 0).toBeGreaterThanOrEqual(2);
    const visible = parsed(log.lines).filter((line) => line.level >= 30);
    expect(visible.filter((line) => /denied: HALTED/.test(line.msg))).toEqual([]);
    expect(visible.filter((line) => /^halted \(HALTED/.test(line.msg))).toHaveLength(1);
  }, 120_000);

  it('a long run logs a heartbeat: market time, equity, open positions, PnL so far', async () => {
    const log = captureLog();
    await runBot({
      config: testConfig(tempDir()),
      logger: log.logger,
      paper: { seed: 3, speed: 60 },
      operatorApi: false,
      durationMs: 2_500,
      heartbeatMs: 500,
    });
    const beats = log.messages().filter((message) => message.startsWith('heartbeat: '));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatch(
      /^heartbeat: market \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z, equity \d+\.\d\d USDC, \d+ open position\(s\), \d+ trade\(s\), realized PnL -?\d+\.\d\d USDC$/,
    );
  }, 60_000);
});
