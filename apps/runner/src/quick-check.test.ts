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

  it('exits 1 and names every bad variable', async () => {
    const { exitCode, output } = await quickCheck({ LEVERAGE_DEFAULT: 'abc', WORKING_TYPE: 'LAST' });
    expect(exitCode).toBe(1);
    expect(output).toMatch(/LEVERAGE_DEFAULT/);
    expect(output).toMatch(/WORKING_TYPE/);
  });

  it('refuses live mode without keys and confirmation', async () => {
    const { exitCode, output } = await quickCheck({}, { mode: 'live' });
    expect(exitCode).toBe(1);
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
