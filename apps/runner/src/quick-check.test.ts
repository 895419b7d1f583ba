import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeKeyPermissions } from './key-permissions';
import { tokenId } from './operator-auth';
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

  it('says whether the operator API is protected, and where its token is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-quick-check-'));
    const env = { BOT_AUDIT_PATH: join(dir, 'audit.jsonl') };
    const tokenPath = join(dir, 'audit.operator-token');
    const fresh = await quickCheck(env);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.output).toContain(
      `operator API: protected (every route but GET /health and the console page needs the bearer token; requests from other web pages are refused); no token configured: one is generated at the first start into ${tokenPath} (mode 0600)`,
    );

    const token = 'f0'.repeat(32);
    writeFileSync(tokenPath, `${token}\n`, { mode: 0o600 });
    const existing = await quickCheck(env);
    expect(existing.output).toMatch(new RegExp(`operator API: protected .*; token ${tokenId(token)} in `));
    expect(existing.output).not.toContain(token);

    chmodSync(tokenPath, 0o644);
    const readable = await quickCheck(env);
    expect(readable.exitCode).toBe(2);
    expect(readable.output).toMatch(/operator API: the bot would not start: .* can be read by other users/);

    const configured = await quickCheck({ ...env, BOT_OPERATOR_TOKEN: 'c'.repeat(32) });
    expect(configured.exitCode).toBe(0);
    expect(configured.output).toContain(`token ${tokenId('c'.repeat(32))} from BOT_OPERATOR_TOKEN(_FILE)`);
    expect(configured.output).not.toContain('c'.repeat(32));
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

  it("reads the API key's permissions from the exchange and warns of withdrawals and a missing IP list", async () => {
    const { startSim } = await import('@bot/sim');
    const sim = await startSim({ seed: 1, speed: 'manual', historyMinutes: 60 });
    try {
      const [account] = sim.accounts;
      const check = async () => {
        const lines: string[] = [];
        const exitCode = await runQuickCheck({
          env: { BOT_API_KEY: account!.apiKey, BOT_API_SECRET: account!.apiSecret },
          simUrl: sim.url,
          print: (line) => lines.push(line),
        });
        return { exitCode, output: lines.join('\n') };
      };
      sim.setApiRestrictions({ enableWithdrawals: false, ipRestrict: true, enableFutures: true });
      expect((await check()).output).toMatch(
        /ok {4}the API key's permissions: no withdrawals, bound to trusted IPs, futures enabled/,
      );
      sim.setApiRestrictions({ enableWithdrawals: true, ipRestrict: false });
      const risky = await check();
      expect(risky.exitCode).toBe(0); // paper: said, not refused
      expect(risky.output).toMatch(/WARNING the API key may withdraw funds/);
      expect(risky.output).toMatch(/WARNING the API key is not restricted to trusted IPs/);
    } finally {
      await sim.close();
    }
  }, 30_000);
});

describe('the API key’s permissions', () => {
  const safe = { ipRestricted: true, withdrawals: false, futures: true, reading: true };
  it('refuses live mode with a key that may withdraw, unless the operator accepts it', () => {
    expect(judgeKeyPermissions('live', { ...safe, withdrawals: true }, false).refusal).toMatch(
      /BOT_ALLOW_WITHDRAWAL_KEY=true/,
    );
    const accepted = judgeKeyPermissions('live', { ...safe, withdrawals: true }, true);
    expect(accepted.refusal).toBeUndefined();
    expect(accepted.warnings).toHaveLength(1);
    expect(judgeKeyPermissions('testnet', { ...safe, withdrawals: true }, false).refusal).toBeUndefined();
    expect(judgeKeyPermissions('live', safe, false)).toEqual({ warnings: [] });
  });
});
