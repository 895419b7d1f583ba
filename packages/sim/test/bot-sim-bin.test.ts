import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageRoot = resolve(import.meta.dirname, '..');
const tsx = createRequire(join(packageRoot, 'package.json')).resolve('tsx');

/** Runs `bot-sim` from its TypeScript source, as `npx bot-sim` runs the built one. */
function botSim(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=@bot/source', '--import', tsx, 'bin/bot-sim.ts', ...args],
    {
      cwd: packageRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}

describe('bot-sim command line', () => {
  it('prints sourceable BOT_SIM_* lines, serves, and stops cleanly on SIGTERM', async () => {
    const run = botSim(['--port', '0', '--seed', '42', '--speed', '60']);
    await waitFor(() => run.output().stdout.includes('BOT_SIM_API_SECRET='));
    const lines = Object.fromEntries(
      run
        .output()
        .stdout.trim()
        .split('\n')
        .map((line) => line.split('=') as [string, string]),
    );
    expect(Object.keys(lines)).toEqual([
      'BOT_SIM_URL',
      'BOT_SIM_WS_URL',
      'BOT_SIM_API_KEY',
      'BOT_SIM_API_SECRET',
    ]);
    expect(lines.BOT_SIM_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.BOT_SIM_WS_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const time = (await (await fetch(`${lines.BOT_SIM_URL}/fapi/v1/time`)).json()) as { serverTime: number };
    expect(Math.abs(time.serverTime - Date.now())).toBeLessThan(5000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('replays a kline CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-sim-replay-'));
    const file = join(dir, 'BTCUSDC-1m.csv');
    const start = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: 5 }, (_, index) => {
      const open = start + index * 60_000;
      return `${open},60000.0,60100.0,59900.0,60050.0,12.345,${open + 59_999},740000.0,100,6.0,360000.0,0`;
    });
    writeFileSync(
      file,
      [
        'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore',
        ...rows,
      ].join('\n'),
    );
    const run = botSim(['--replay', file, '--symbol', 'BTCUSDC', '--speed', 'manual']);
    await waitFor(() => run.output().stdout.includes('BOT_SIM_URL='));
    const url = /BOT_SIM_URL=(\S+)/.exec(run.output().stdout)?.[1];
    const mark = (await (await fetch(`${url}/fapi/v1/premiumIndex?symbol=BTCUSDC`)).json()) as {
      markPrice: string;
    };
    expect(Number(mark.markPrice)).toBeGreaterThan(59_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('refuses bad arguments and bad replay files with a clear message and exit code 2', async () => {
    const badPort = botSim(['--port', 'abc']);
    expect(await badPort.exited).toBe(2);
    expect(badPort.output().stderr).toMatch(/--port must be/);

    const dir = mkdtempSync(join(tmpdir(), 'bot-sim-replay-'));
    const file = join(dir, 'broken.csv');
    writeFileSync(
      file,
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n1,abc,2,3,4,5,6,7,8,9,10,0\n',
    );
    const badFile = botSim(['--replay', file]);
    expect(await badFile.exited).toBe(2);
    expect(badFile.output().stderr).toMatch(/line 2/);

    const missing = botSim(['--replay', join(dir, 'nope.csv')]);
    expect(await missing.exited).toBe(2);
    expect(missing.output().stderr).toMatch(/cannot read/);
  });
});
