import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runQuickCheck } from './quick-check';

async function quickCheck(env: Record<string, string>, extra: { configFile?: string; mode?: string } = {}) {
  const lines: string[] = [];
  const exitCode = await runQuickCheck({ env, ...extra, print: (line) => lines.push(line) });
  return { exitCode, output: lines.join('\n') };
}

describe('bot quick-check', () => {
  it('prints the resolved paper-mode settings and exits 0 with an empty environment', async () => {
    const { exitCode, output } = await quickCheck({});
    expect(exitCode).toBe(0);
    expect(output).toMatch(/mode: paper/);
    expect(output).toMatch(/USDC/);
  });

  it('exits 2 (bad input, as bot run) and names every bad variable', async () => {
    const { exitCode, output } = await quickCheck({ LEVERAGE_DEFAULT: 'abc', WORKING_TYPE: 'LAST' });
    expect(exitCode).toBe(2);
    expect(output).toMatch(/LEVERAGE_DEFAULT/);
    expect(output).toMatch(/WORKING_TYPE/);
  });

  it('refuses live mode without keys and confirmation', async () => {
    const { exitCode, output } = await quickCheck({}, { mode: 'live' });
    expect(exitCode).toBe(2);
    expect(output).toMatch(/BOT_LIVE_CONFIRM/);
  });

  it('never prints a secret', async () => {
    const secret = 'S3cr3tValueThatMustNeverShowUp0123456789abcdefABCDEF0123456789ab';
    const { output } = await quickCheck({
      BOT_API_KEY: 'K3yValueThatMustNeverShowUp0123456789',
      BOT_API_SECRET: secret,
    });
    expect(output).not.toContain(secret);
    expect(output).not.toContain('K3yValueThatMustNeverShowUp');
  });

  it('reads a config file given with --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-quick-check-'));
    const file = join(dir, 'bot.json');
    writeFileSync(file, JSON.stringify({ strategy: { tier: 'conservative' } }));
    const { exitCode, output } = await quickCheck({}, { configFile: file });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/conservative/);
  });
});

describe('bot quick-check against an exchange', () => {
  it('checks connectivity, keys, clock and symbols, and fails on a bad key or an unknown symbol', async () => {
    const { startSim } = await import('@bot/sim');
    const sim = await startSim({ seed: 1, speed: 'manual', historyMinutes: 60 });
    try {
      const [account] = sim.accounts;
      const env = { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret };
      const run = async (extra: Record<string, string>) => {
        const lines: string[] = [];
        const exitCode = await runQuickCheck({
          env: { ...env, ...extra },
          simUrl: sim.url,
          print: (line) => lines.push(line),
        });
        return { exitCode, output: lines.join('\n') };
      };
      const good = await run({});
      expect(good.exitCode).toBe(0);
      expect(good.output).toMatch(
        /ok {4}connectivity and keys: signed read accepted.*USDC margin balance 10000/,
      );
      expect(good.output).toMatch(/ok {4}clock offset: -?\d+ ms/);
      expect(good.output).toMatch(/ok {4}symbols: BTC\/USDC:USDC, ETH\/USDC:USDC/);

      const unknown = await run({ BOT_SYMBOLS: 'BTC,NOPE' });
      expect(unknown.exitCode).toBe(1);
      expect(unknown.output).toMatch(/FAIL {2}symbols: not trading on this exchange: NOPE\/USDC:USDC/);

      const badKey = await run({ BOT_API_SECRET: 'x'.repeat(64) });
      expect(badKey.exitCode).toBe(1);
      expect(badKey.output).toMatch(/FAIL {2}connectivity and keys/);
      expect(badKey.output).not.toContain('x'.repeat(64));
    } finally {
      await sim.close();
    }
  }, 30_000);
});
