/**
 * The built package as another bot gets it: packed (`pnpm pack`, which turns `workspace:^` into a caret
 * range), installed with npm into a scratch project outside the workspace together with the packed
 * `@bot/symbols`, then used from CommonJS and from ESM in fresh Node processes.
 *
 * It builds `dist/` first when it is missing or older than `src/` (a fresh clone needs no prior build).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDirectory = resolve(import.meta.dirname, '..');
const symbolsDirectory = resolve(packageDirectory, '../symbols');
const pnpm = ['-y', 'pnpm@10.34.9'];
const childEnvironment = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', env: childEnvironment, stdio: 'pipe' });
}

/** The newest modification time of the sources that go into `dist/` (tests excluded). */
function newestSource(directory: string): number {
  let newest = statSync(join(directory, 'package.json')).mtimeMs;
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(directory, 'src'));
  return newest;
}

function ensureBuilt(directory: string): void {
  const built = join(directory, 'dist', 'index.cjs');
  const stale = !existsSync(built) || statSync(built).mtimeMs < newestSource(directory);
  if (stale) run('npx', ['tsup'], directory);
}

/** Packs a package into `destination` and returns the tarball's path. */
function pack(directory: string, destination: string): string {
  const before = new Set(readdirSync(destination));
  run('npx', [...pnpm, 'pack', '--pack-destination', destination], directory);
  const tarball = readdirSync(destination).find((name) => name.endsWith('.tgz') && !before.has(name));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${directory}`);
  return join(destination, tarball);
}

/** The same program for both module systems: size a position, ask a guard, provoke a typed error. */
const program = `
const btc = createInstrument({
  symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001', minQty: '0.001', maxQty: '1000',
  marketMaxQty: '120', minNotional: '100',
});
const size = sizePosition({
  side: 'long', equity: 10000, riskPct: 0.005, entry: 60000, stop: 59400, instrument: btc,
  leverage: 3, feeRate: 0.0005, slippagePct: 0.0002,
});
const guard = new RiskGuard({ tier: 'conservative' });
const now = Date.UTC(2024, 4, 1, 9);
const first = guard.canOpen({ symbol: 'BTC/USDC:USDC', side: 'long', now, equity: 10000, openPositions: [] });
for (let index = 0; index < 3; index += 1) guard.recordClose({ pnl: -40, reason: 'stop_loss', now: now + index });
const afterStreak = guard.canOpen({ symbol: 'BTC/USDC:USDC', side: 'long', now: now + 3, equity: 9880, openPositions: [] });
const restored = RiskGuard.restore(JSON.stringify(guard.snapshot()));
let error = null;
try {
  sizePosition({ side: 'long', equity: Number.NaN, riskPct: 0.005, entry: 1, stop: 0.9, instrument: btc, leverage: 1, feeRate: 0, slippagePct: 0 });
} catch (caught) {
  error = { name: caught.name, code: caught.code, typed: caught instanceof RiskInputError };
}
console.log(JSON.stringify({
  quantity: size.allowed ? size.quantity : size.code,
  limitedBy: size.limitedBy,
  first: first.allowed,
  afterStreak: afterStreak.allowed ? 'ALLOWED' : afterStreak.code,
  restoredStreak: restored.stopLossStreak,
  error,
  conservativeRisk: TIER_LIMITS.conservative.defaults.riskPerTradePct,
}));
`;

const expected = {
  quantity: '0.073',
  limitedBy: 'risk',
  first: true,
  afterStreak: 'SL_STREAK',
  restoredStreak: 3,
  error: { name: 'RiskInputError', code: 'INVALID_EQUITY', typed: true },
  conservativeRisk: 0.005,
};

describe('the packed package in a scratch project', () => {
  let workspace = '';
  let project = '';

  beforeAll(() => {
    ensureBuilt(symbolsDirectory);
    ensureBuilt(packageDirectory);
    workspace = mkdtempSync(join(tmpdir(), 'bot-risk-consumer-'));
    const tarballs = join(workspace, 'tarballs');
    project = join(workspace, 'project');
    mkdirSync(tarballs);
    mkdirSync(project);
    const risk = pack(packageDirectory, tarballs);
    const symbols = pack(symbolsDirectory, tarballs);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'scratch-consumer', version: '1.0.0', private: true }),
    );
    // decimal.js (a dependency of @bot/symbols) comes from the npm cache or the registry.
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', risk, symbols], project);
  }, 180_000);

  afterAll(() => {
    if (workspace !== '') rmSync(workspace, { recursive: true, force: true });
  });

  it('installs with its types and README, without test files', () => {
    const installed = join(project, 'node_modules', '@bot', 'risk');
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'README.md',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(existsSync(join(installed, 'src', 'risk-guard.test.ts'))).toBe(false);
  });

  it('works from CommonJS (require)', () => {
    const output = run(
      process.execPath,
      [
        '-e',
        `const { RiskGuard, RiskInputError, TIER_LIMITS, sizePosition } = require('@bot/risk');
const { createInstrument } = require('@bot/symbols');
${program}`,
      ],
      project,
    );
    expect(JSON.parse(output)).toEqual(expected);
  });

  it('works from ESM (import)', () => {
    const output = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { RiskGuard, RiskInputError, TIER_LIMITS, sizePosition } from '@bot/risk';
import { createInstrument } from '@bot/symbols';
${program}`,
      ],
      project,
    );
    expect(JSON.parse(output)).toEqual(expected);
  });
});
