import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CoreEvent } from '@bot/sim';
import { archiveText, scanKlines, streamKlines } from '../data/kline-archive';
import { sampleCsv, writeSampleArchive, writeSampleMonths, zipSingle } from '../data/sample-archive';
import { startBot } from '../run';
import {
  ScriptedStrategy,
  captureLog,
  readAllKlines,
  runBacktestCommand,
  tempDir,
  testConfig,
} from '../testing';
import { runBacktest, tradesFromFills } from './backtest';
import type { BacktestFill } from './backtest';
import { contractFor } from './instruments';

const JAN = Date.UTC(2024, 0, 1);
const tickOf = (symbol: string) => contractFor(symbol).instrument.tickSize;
const btc = { symbol: 'BTCUSDC', start: JAN, startPrice: 42_000, tickSize: '0.1' };

afterEach(() => vi.restoreAllMocks());

describe('kline archives', () => {
  it('reads a zipped CSV with the header in ms and a bare CSV in µs as the same candles', async () => {
    const dir = tempDir();
    const zipped = writeSampleArchive(join(dir, 'a'), { ...btc, minutes: 120 });
    const bare = writeSampleArchive(join(dir, 'b'), {
      ...btc,
      minutes: 120,
      header: false,
      microseconds: true,
      zip: false,
    });
    expect((await archiveText(zipped)).split('\n')[0]).toMatch(/^open_time,/);
    const [a] = await readAllKlines([zipped], { tickOf });
    const [b] = await readAllKlines([bare], { tickOf });
    expect(a?.candles).toHaveLength(120);
    expect(b?.candles).toEqual(a?.candles);
  });

  it('generates a span as one archive per calendar month, one walk across them, volumes on the step grid', async () => {
    const dir = tempDir();
    const sol = { symbol: 'SOLUSDC', start: JAN + 31 * 1440 * 60_000 - 90 * 60_000, startPrice: 100 };
    const options = { ...sol, minutes: 180, tickSize: '0.01', stepSize: '0.01' };
    const files = writeSampleMonths(dir, options);
    expect(files.map((file) => file.slice(dir.length + 1))).toEqual([
      'SOLUSDC-1m-2024-01.zip',
      'SOLUSDC-1m-2024-02.zip',
    ]);
    const [data] = await readAllKlines([dir], { tickOf });
    expect(data?.gaps).toEqual([]);
    expect(data?.candles).toHaveLength(180);
    expect(data?.candles.map((candle) => candle.close)).toEqual(
      sampleCsv(options)
        .trim()
        .split('\n')
        .slice(1)
        .map((row) => row.split(',')[4]),
    );
    // The contract's step is 0.01: a volume with a third decimal would be refused by the emulator's book.
    expect(data?.candles.every((candle) => /^\d+\.\d{2}$/.test(candle.volume))).toBe(true);
  });

  it('joins monthly files in time order, keeps --from/--to, and lists the gaps', async () => {
    const dir = tempDir();
    const text = sampleCsv({ ...btc, minutes: 60 }).split('\n');
    // Minutes 20..29 are missing.
    const withGap = [...text.slice(0, 21), ...text.slice(31)].join('\n');
    writeFileSync(join(dir, 'BTCUSDC-1m-2024-01.csv'), withGap);
    const [data] = await readAllKlines([dir], { tickOf, from: JAN + 5 * 60_000 });
    expect(data?.candles[0]?.openTime).toBe(JAN + 5 * 60_000);
    expect(data?.gaps).toEqual([
      { symbol: 'BTCUSDC', after: JAN + 19 * 60_000, resumes: JAN + 30 * 60_000, missingMinutes: 10 },
    ]);
  });
});

describe('bot backtest: bad input exits 2 naming the file and row, and writes nothing', () => {
  const cases: [string, (dir: string) => string[], RegExp, Record<string, string>?][] = [
    [
      'a file that is not a kline archive',
      (dir) => {
        const file = join(dir, 'BTCUSDC-1m-2024-01.csv');
        writeFileSync(file, 'hello,world\n');
        return [file];
      },
      /BTCUSDC-1m-2024-01\.csv: line 1: not a kline archive row/,
    ],
    [
      'a zip that is damaged',
      (dir) => {
        const file = join(dir, 'BTCUSDC-1m-2024-01.zip');
        writeFileSync(
          file,
          zipSingle('x.csv', Buffer.from(sampleCsv({ ...btc, minutes: 5 }))).subarray(0, 60),
        );
        return [file];
      },
      /BTCUSDC-1m-2024-01\.zip: not a kline archive: a damaged zip/,
    ],
    [
      'rows out of order',
      (dir) => {
        const lines = sampleCsv({ ...btc, minutes: 10 })
          .trim()
          .split('\n');
        [lines[5], lines[6]] = [lines[6] as string, lines[5] as string];
        const file = join(dir, 'BTCUSDC-1m-2024-01.csv');
        writeFileSync(file, lines.join('\n'));
        return [file];
      },
      /BTCUSDC-1m-2024-01\.csv: line 7: .*not after the previous/,
    ],
    [
      'two files that overlap',
      (dir) => {
        writeFileSync(join(dir, 'BTCUSDC-1m-2024-01.csv'), sampleCsv({ ...btc, minutes: 60 }));
        writeFileSync(
          join(dir, 'BTCUSDC-1m-2024-01-01.csv'),
          sampleCsv({ ...btc, start: JAN + 30 * 60_000, minutes: 60 }),
        );
        return [dir];
      },
      /BTCUSDC-1m-2024-01(-01)?\.csv: line 2: open time .* overlaps/,
    ],
    [
      'prices off the tick grid (a spot file given as futures)',
      (dir) => {
        const file = join(dir, 'BTCUSDC-1m-2024-01.csv');
        writeFileSync(file, sampleCsv({ ...btc, minutes: 10, tickSize: '0.01', header: false }));
        return [file];
      },
      /BTCUSDC-1m-2024-01\.csv: line 1: price .* is off BTCUSDC's tick grid 0\.1/,
    ],
    [
      'a symbol with no instrument rules',
      (dir) => [writeSampleArchive(dir, { ...btc, symbol: 'FOOUSDC', minutes: 10 })],
      /FOOUSDC: no instrument rules/,
    ],
    [
      '--from after --to',
      (dir) => [writeSampleArchive(dir, { ...btc, minutes: 10 })],
      /--from 2024-02-01 is not before --to 2024-01-01/,
      { from: '2024-02-01', to: '2024-01-01' },
    ],
  ];
  for (const [name, make, message, extra] of cases) {
    it(name, async () => {
      const dir = tempDir();
      const json = join(dir, 'report.json');
      const result = await runBacktestCommand({ data: make(dir), json, ...extra });
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
      expect(existsSync(json)).toBe(false);
    });
  }
});

describe('bot backtest', () => {
  it('prints the report and writes the JSON with every trade', async () => {
    const dir = tempDir();
    writeSampleArchive(dir, { ...btc, minutes: 2 * 1440 });
    const json = join(dir, 'report.json');
    const env = { BOT_AUDIT_PATH: join(dir, 'audit.jsonl') };
    vi.stubEnv('BOT_AUDIT_PATH', env.BOT_AUDIT_PATH);
    const result = await runBacktestCommand({ data: [dir], timeframe: '15m', json });
    vi.unstubAllEnvs();
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/BACKTEST BTCUSDC 15m {2}2024-01-01 00:00 → 2024-01-03 00:00/);
    expect(result.out).toMatch(/profit factor/);
    const report = (await import(json, { with: { type: 'json' } })) as {
      default: {
        stats: { trades: number; totalProfit: number; traderSummary: { realizedPnl: number } };
        trades: unknown[];
      };
    };
    const { stats, trades } = report.default;
    expect(stats.trades).toBeGreaterThan(0);
    expect(trades).toHaveLength(stats.trades);
    // The trades rebuilt from the core's fills and the Trader's own count agree to the cent.
    expect(stats.totalProfit).toBeCloseTo(stats.traderSummary.realizedPnl, 2);
    // --audit off: the trail went to a temporary directory.
    expect(existsSync(env.BOT_AUDIT_PATH)).toBe(false);
  }, 120_000);

  it('round trips from fills: entry, exit reason, PnL less fees', () => {
    const fill = (
      side: 'BUY' | 'SELL',
      price: number,
      time: number,
      orderType: string,
      realizedPnl = 0,
    ): BacktestFill => ({
      symbol: 'BTCUSDC',
      side,
      price,
      qty: 0.5,
      fee: 1,
      realizedPnl,
      time,
      orderType,
      reduceOnly: orderType !== 'MARKET',
    });
    const trades = tradesFromFills([
      fill('SELL', 100, 1, 'MARKET'),
      fill('BUY', 90, 2, 'TAKE_PROFIT_MARKET', 5),
    ]);
    expect(trades).toEqual([
      expect.objectContaining({
        side: 'short',
        entryPrice: 100,
        exitPrice: 90,
        exit: 'take-profit',
        pnl: 3,
        fees: 2,
      }),
    ]);
  });
});

describe('parity with bot run --replay', () => {
  it('a week of the same data through the replay (sockets, ccxt, a minute at a time) and through bot backtest: the same fills and PnL to the cent', async () => {
    const dir = tempDir();
    const minutes = 7 * 1440;
    const file = writeSampleArchive(dir, { ...btc, minutes, zip: false });
    const reading = { tickOf };
    const [data] = await scanKlines([file], reading);
    if (!data) throw new Error('no data');

    // bot run --replay: startBot as `bot run` starts it, its clock moved a minute at a time.
    const replayLog = captureLog();
    const config = testConfig(join(dir, 'replay'), { BOT_TIMEFRAME: '15m' });
    const bot = await startBot({
      config,
      logger: replayLog.logger,
      operatorApi: false,
      // As `bot backtest` does: a week of market plays in seconds of wall clock, against which the emulator's
      // weight limit (per wall-clock minute, as Binance's) would refuse what Binance would allow.
      paper: { replayFile: file, speed: 'manual', weightLimitPerMinute: 1_000_000_000 },
    });
    const sim = bot.sim;
    if (!sim) throw new Error('no emulator');
    const replayFills: CoreEvent[] = [];
    const drain = sim.core.drainEvents.bind(sim.core);
    sim.core.drainEvents = () => {
      const events = drain();
      replayFills.push(...events.filter((event) => event.kind === 'order' && event.fill));
      return events;
    };
    // A minute at a time, as the replay's market moves; the bot handles each 15m candle before the next minute.
    for (let minute = 1; minute <= minutes; minute += 1) {
      sim.advance(60_000);
      if (minute % 15 === 0) await bot.trader.processedThrough(sim.marketTime() - 1);
      else await bot.trader.idle();
    }
    const replaySummary = await bot.stop({ flatten: true });

    const backtest = await runBacktest({
      config: testConfig(join(dir, 'backtest'), { BOT_TIMEFRAME: '15m' }),
      logger: captureLog().logger,
      // As `bot backtest` reads the data: streamed, after the first pass.
      markets: [{ symbol: 'BTCUSDC', candles: streamKlines(data, reading), scan: data }],
    });
    const asFill = (event: CoreEvent) =>
      event.kind === 'order' && event.fill
        ? {
            side: event.fill.side,
            price: event.fill.price,
            qty: event.fill.qty,
            time: event.fill.time,
            pnl: event.fill.realizedPnl,
            fee: event.fill.commission,
          }
        : undefined;
    const replay = replayFills.map(asFill);
    expect(replay.length).toBeGreaterThan(2);
    expect(
      backtest.fills.map((fill) => ({ side: fill.side, time: fill.time, price: fill.price, qty: fill.qty })),
    ).toEqual(
      replay.map((fill) => ({
        side: fill?.side,
        time: fill?.time,
        price: Number(fill?.price),
        qty: Number(fill?.qty),
      })),
    );
    expect(backtest.summary.realizedPnl).toBe(replaySummary.realizedPnl);
    expect(backtest.summary.entries).toBe(replaySummary.entries);
    expect(backtest.summary.denials).toEqual(replaySummary.denials);
  }, 400_000);
});

const CHROMIUM = '/usr/bin/chromium';

describe('the HTML report', () => {
  // `apt-get install -y chromium` gives /usr/bin/chromium.
  it.skipIf(!existsSync(CHROMIUM))(
    'is one self-contained file that renders its three charts with every trade in headless Chromium',
    async () => {
      const dir = tempDir();
      writeSampleArchive(dir, { ...btc, minutes: 2 * 1440 });
      const report = join(dir, 'report.html');
      const json = join(dir, 'report.json');
      vi.stubEnv('BOT_AUDIT_PATH', join(dir, 'audit.jsonl'));
      const result = await runBacktestCommand({ data: [dir], timeframe: '15m', report, json });
      vi.unstubAllEnvs();
      expect(result.code).toBe(0);
      const html = readFileSync(report, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      const trades = (JSON.parse(readFileSync(json, 'utf8')) as { trades: unknown[] }).trades.length;
      expect(trades).toBeGreaterThan(0);

      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 1300 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('request', (request) => requests.push(request.url()));
        await page.goto(pathToFileURL(report).href);
        await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
        // Runs in the page (DOM code, kept as text: this package compiles without the DOM library). The
        // charts paint on animation frames after the page says it rendered: read again until they have.
        const readPage = async () =>
          (await page.evaluate(`(() => {
          const charts = ['price', 'equity', 'drawdown'].map((id) => {
            const canvases = [...document.querySelectorAll('#' + id + ' canvas')];
            // A chart drew something: some canvas of it has pixels that are not blank.
            const drawn = canvases.some((canvas) => {
              const context = canvas.getContext('2d');
              if (!context || canvas.width === 0) return false;
              const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
              for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) return true;
              return false;
            });
            return { id, canvases: canvases.length, drawn };
          });
          return { report: window.backtestReport, rows: document.querySelectorAll('tr.trade').length, charts };
        })()`)) as {
            report: { trades: number; markers: number };
            rows: number;
            charts: { id: string; canvases: number; drawn: boolean }[];
          };
        await expect
          .poll(async () => (await readPage()).charts.every((chart) => chart.drawn), { timeout: 15_000 })
          .toBe(true);
        const rendered = await readPage();
        expect(errors).toEqual([]);
        expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]);
        expect(rendered.report.trades).toBe(trades);
        expect(rendered.rows).toBe(trades);
        // Every trade has its entry and exit marked, plus its stop and target.
        expect(rendered.report.markers).toBeGreaterThanOrEqual(2 * trades);
        for (const chart of rendered.charts) expect(chart, chart.id).toMatchObject({ drawn: true });
        if (process.env.BACKTEST_SCREENSHOT) await page.screenshot({ path: process.env.BACKTEST_SCREENSHOT });
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});

describe('Ctrl-C', () => {
  it('stops the backtest and prints the partial report, exit 0', async () => {
    const dir = tempDir();
    // Four months, several seconds of backtest however quiet the machine. The signal goes once the bot logs
    // (the run has started: Ctrl-C is the backtest's from then on), not after a fixed time, which a loaded
    // machine can spend still loading the program, and a quiet one past the end of the run.
    writeSampleArchive(dir, { ...btc, minutes: 122 * 1440 });
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'bot.js');
    const child = spawn(
      process.execPath,
      [bin, 'backtest', '--data', dir, '--timeframe', '15m', '--log-level', 'info'],
      { env: { ...process.env, BOT_AUDIT_PATH: join(dir, 'audit.jsonl') } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => child.stderr.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/\(interrupted; partial report\)/);
    expect(out).toMatch(/win rate/);
  }, 120_000);
});

describe('gaps in the data', () => {
  it('closes an open position at market before a gap: no trade across it', async () => {
    const dir = tempDir();
    const lines = sampleCsv({ ...btc, minutes: 600 })
      .trim()
      .split('\n');
    // Minutes 300..419 are missing (two hours of exchange maintenance).
    const file = join(dir, 'BTCUSDC-1m-2024-01.csv');
    writeFileSync(file, [...lines.slice(0, 301), ...lines.slice(421)].join('\n'));
    const [data] = await readAllKlines([file], { tickOf });
    if (!data) throw new Error('no data');
    const strategies: ScriptedStrategy[] = [];
    const result = await runBacktest({
      config: testConfig(join(dir, 'run'), { BOT_TIMEFRAME: '15m' }),
      logger: captureLog().logger,
      symbol: 'BTCUSDC',
      candles: data.candles,
      createStrategy: (symbol) => {
        const strategy = new ScriptedStrategy(symbol);
        // A long whose stop and target are far away: still open when the gap comes.
        strategy.signalNext({ side: 'long', stop: (close) => close * 0.9, target: (close) => close * 1.25 });
        strategies.push(strategy);
        return strategy;
      },
    });
    const gapStart = JAN + 300 * 60_000;
    const gapEnd = JAN + 420 * 60_000;
    expect(result.trades.length, JSON.stringify(result.summary)).toBeGreaterThan(0);
    for (const trade of result.trades) {
      const across = trade.entryTime < gapStart && trade.exitTime >= gapEnd;
      expect(across, JSON.stringify(trade)).toBe(false);
    }
    expect(result.trades[0]).toMatchObject({ exit: 'market' });
    expect(result.trades[0]?.exitTime).toBeLessThan(gapEnd);
  }, 120_000);
});

describe('several symbols', () => {
  it('trades them together on one account, one RiskGuard over all', async () => {
    const dir = tempDir();
    writeSampleArchive(dir, { ...btc, minutes: 2 * 1440 });
    writeSampleArchive(dir, {
      symbol: 'ETHUSDC',
      start: JAN,
      minutes: 2 * 1440,
      startPrice: 2_300,
      tickSize: '0.01',
      seed: 11,
    });
    const json = join(dir, 'report.json');
    vi.stubEnv('BOT_AUDIT_PATH', join(dir, 'audit.jsonl'));
    const result = await runBacktestCommand({ data: [dir], timeframe: '15m', json });
    vi.unstubAllEnvs();
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/BACKTEST BTCUSDC,ETHUSDC 15m/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      stats: { perSymbol: { key: string }[]; totalProfit: number; traderSummary: { realizedPnl: number } };
    };
    expect(report.stats.perSymbol.map((row) => row.key).sort()).toEqual(['BTCUSDC', 'ETHUSDC']);
    expect(report.stats.totalProfit).toBeCloseTo(report.stats.traderSummary.realizedPnl, 2);
  }, 120_000);

  it('refuses symbols of two quote coins (one account), exit 2', async () => {
    const dir = tempDir();
    writeSampleArchive(dir, { ...btc, minutes: 60 });
    writeSampleArchive(dir, { ...btc, symbol: 'BTCUSDT', minutes: 60 });
    const result = await runBacktestCommand({ data: [dir] });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/BTCUSDC, BTCUSDT: one backtest trades one quote coin/);
  });
});
