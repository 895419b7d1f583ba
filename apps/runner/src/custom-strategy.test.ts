import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim } from '@bot/sim';
import { describe, expect, it } from 'vitest';
import {
  loadStrategyModule,
  NewFileError,
  StrategyModuleError,
  writeStrategyTemplate,
} from './custom-strategy';
import { alwaysLongModule, botProcess, tempDir } from './testing';

const SYMBOLS = ['BTC/USDC:USDC'];

const ALWAYS_LONG = alwaysLongModule('custom always-long');

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function refusal(file: string): Promise<string> {
  const error = await loadStrategyModule(file, SYMBOLS).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StrategyModuleError);
  return (error as Error).message;
}

describe('a strategy module of your own', () => {
  it('is refused with what is wrong: no file, no export, a throw on load or in createStrategy, a wrong shape', async () => {
    const dir = tempDir();
    expect(await refusal(join(dir, 'missing.ts'))).toMatch(/missing\.ts: no such file \(bot new-strategy/);
    expect(await refusal(write(dir, 'notes.txt', 'hello'))).toMatch(
      /expected a \.ts, \.mts, \.js, \.mjs module/,
    );
    expect(await refusal(write(dir, 'other.ts', 'export const strategy = 1;\n'))).toMatch(
      /exports no createStrategy function \(it exports: strategy\)/,
    );
    expect(await refusal(write(dir, 'throws.ts', "throw new Error('no config here');\n"))).toMatch(
      /it failed to load: Error: no config here/,
    );
    expect(await refusal(write(dir, 'syntax.ts', 'export function createStrategy( {\n'))).toMatch(
      /it failed to load/,
    );
    expect(
      await refusal(
        write(dir, 'factory-throws.ts', "export function createStrategy() { throw new Error('nope'); }\n"),
      ),
    ).toMatch(/createStrategy\('BTC\/USDC:USDC'\) threw: Error: nope/);
    expect(
      await refusal(
        write(
          dir,
          'shape.ts',
          'export function createStrategy(symbol: string) { return { symbol, warmUpCandles: -1 }; }\n',
        ),
      ),
    ).toMatch(
      /returned no Strategy: name must be a non-empty string; warmUpCandles must be a whole number ≥ 0; onCandle\(candle\) must be a function/,
    );
  });

  it('builds one strategy per symbol, once, from a module that exports createStrategy', async () => {
    const dir = tempDir();
    const factory = await loadStrategyModule(write(dir, 'always.ts', ALWAYS_LONG), [
      'BTC/USDC:USDC',
      'ETH/USDC:USDC',
    ]);
    const btc = factory('BTC/USDC:USDC');
    expect(btc).toBe(factory('BTC/USDC:USDC'));
    expect(factory('ETH/USDC:USDC').symbol).toBe('ETH/USDC:USDC');
    expect(btc.onCandle({ openTime: 0, open: 100, high: 101, low: 99, close: 100 })).toMatchObject({
      side: 'long',
      stop: 99,
      why: 'custom always-long',
    });
  });

  it.each(['my-strategy.ts', 'my-strategy.js'])(
    'bot new-strategy writes %s, a template that loads and signals on a breakout, and never overwrites it',
    async (name) => {
      const dir = tempDir();
      const path = writeStrategyTemplate(join(dir, name));
      const strategy = (await loadStrategyModule(path, SYMBOLS))('BTC/USDC:USDC');
      const candles = Array.from({ length: strategy.warmUpCandles - 1 }, (_, index) => ({
        openTime: index * 60_000,
        open: 100,
        high: 101,
        low: 99,
        close: 100,
      }));
      expect(candles.map((candle) => strategy.onCandle(candle)).filter(Boolean)).toEqual([]);
      const signal = strategy.onCandle({ openTime: 99 * 60_000, open: 100, high: 103, low: 100, close: 102 });
      expect(signal).toMatchObject({ side: 'long', entry: 102, stop: 99, target: 108 });

      writeFileSync(path, '// mine\n');
      expect(() => writeStrategyTemplate(path)).toThrow(NewFileError);
      expect(() => writeStrategyTemplate(path)).toThrow(/already exists: not overwritten/);
      expect(readFileSync(path, 'utf8')).toBe('// mine\n');
    },
  );
});

describe('bot run --strategy', () => {
  it('exits 2 for a module it cannot use, before it connects to the exchange', async () => {
    const sim = await startSim({ seed: 3, speed: 60, historyMinutes: 60 });
    try {
      const [account] = sim.accounts;
      const dir = tempDir();
      write(dir, 'bad.ts', 'export const nothing = 0;\n');
      const before = sim.requests.length;
      const result = await botProcess(
        ['run', '--sim-url', sim.url, '--strategy', './bad.ts', '--no-operator-api'],
        {
          BOT_API_KEY: account!.apiKey,
          BOT_API_SECRET: account!.apiSecret,
          BOT_AUDIT_PATH: join(dir, 'audit.jsonl'),
        },
        dir,
      );
      expect(result.code).toBe(2);
      expect(result.output).toMatch(/bot run: --strategy \.\/bad\.ts: it exports no createStrategy function/);
      expect(result.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(sim.requests.length).toBe(before);
    } finally {
      await sim.close();
    }
  }, 120_000);

  it('trades a paper run with a strategy file from another directory', async () => {
    const dir = tempDir();
    write(dir, 'always.ts', ALWAYS_LONG);
    const result = await botProcess(
      [
        'run',
        '--strategy',
        './always.ts',
        '--symbols',
        'BTC',
        '--timeframe',
        '1m',
        '--speed',
        '120',
        '--duration',
        '40s',
        '--heartbeat',
        '0',
        '--no-operator-api',
        '--log-format',
        'json',
      ],
      { BOT_AUDIT_PATH: join(dir, 'audit.jsonl') },
      dir,
    );
    expect(result.code, result.output).toBe(0);
    const trail = readdirSync(dir)
      .filter((file) => file.endsWith('.jsonl'))
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('');
    // The entries' recorded reason is the custom strategy's.
    const placed = trail
      .split('\n')
      .filter((line) => line.includes('"order.place"'))
      .filter((line) => line.includes('custom always-long'));
    expect(placed.length, result.output).toBeGreaterThan(0);
    expect(result.output).toMatch(/summary: [1-9]\d* trade\(s\)/);
  }, 180_000);
});
