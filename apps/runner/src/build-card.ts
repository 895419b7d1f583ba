import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BotConfig } from '@bot/config';

/** What this build is: the runner's version and the commit it was built from. */
export interface BuildInfo {
  readonly version: string;
  /** Full commit hash, `+dirty` when tracked files differ from it; `unknown` outside a git checkout. */
  readonly commit: string;
}

const runnerDir = fileURLToPath(new URL('..', import.meta.url));

function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: runnerDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

let cached: BuildInfo | undefined;

/**
 * The commit `git status --porcelain=v2 --branch` names (`# branch.oid <hash>`), `+dirty` when it lists a
 * changed tracked file (any line not a `#` header); `unknown` before the first commit.
 */
export function commitOfStatus(status: string): string {
  const lines = status.split('\n');
  const oid = lines.find((line) => line.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  if (oid === undefined || !/^[0-9a-f]{40,64}$/.test(oid)) return 'unknown';
  return lines.some((line) => line !== '' && !line.startsWith('#')) ? `${oid}+dirty` : oid;
}

/** Read once per process: the package version and `git rev-parse HEAD` (a release tarball says `unknown`). */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  let commit = 'unknown';
  try {
    // One git process, not two (`rev-parse`, then `status`): spawning one from the bot costs tens of ms.
    commit = commitOfStatus(git(['status', '--porcelain=v2', '--branch', '--untracked-files=no']));
  } catch {
    // Not a git checkout (an installed tarball) or no git: the version alone identifies the build.
  }
  cached = { version, commit };
  return cached;
}

/**
 * The build card (P0): everything an operator needs to know what is trading, in one record — the first log
 * lines of a run and the first audit record of the run.
 */
export function buildCard(config: BotConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { version, commit } = buildInfo();
  return {
    version,
    commit,
    mode: config.mode,
    tier: config.strategy.tier,
    timeframe: config.strategy.timeframe,
    symbols: config.symbols,
    quoteCoin: config.quoteCoin,
    risk: { ...config.risk },
    tpOrderStyle: config.orders.tpOrderStyle,
    workingType: config.orders.workingType,
    auditPath: config.compliance.auditPath,
    ...extra,
  };
}

/** The card as the few lines a person reads at start. */
export function formatBuildCard(card: Record<string, unknown>): string[] {
  const risk = card['risk'] as Record<string, unknown>;
  return [
    `bot ${String(card['version'])} (commit ${String(card['commit'])}) — mode ${String(card['mode'])}, tier ${String(card['tier'])}, timeframe ${String(card['timeframe'])}`,
    `symbols ${(card['symbols'] as string[]).join(', ')}; quote ${String(card['quoteCoin'])}; TP style ${String(card['tpOrderStyle'])}; working type ${String(card['workingType'])}`,
    `risk limits ${Object.entries(risk)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(' ')}`,
    `audit trail ${String(card['auditPath'])}`,
  ];
}
