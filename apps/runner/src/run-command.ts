import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@bot/config';
import { ReplayFileError } from '@bot/sim';
import type { BotConfig } from '@bot/config';
import { StateFileError } from './bot-state';
import { KeyPermissionError } from './key-permissions';
import { loadStrategyModule, StrategyModuleError } from './custom-strategy';
import type { StrategyFactory } from './custom-strategy';
import { createLogger, defaultLogFormat } from './logger';
import type { LogFormat } from './logger';
import { OperatorApiError, resolveOperatorToken } from './operator-auth';
import type { OperatorToken } from './operator-auth';
import { playbookForError } from './playbooks';
import { AuditPathError, AuditTrailBrokenError, ReplayNameError, configSecrets, runBot } from './run';
import { signalExitCode, stopSignalListener } from './stop-signals';
import { UnknownSymbolError } from './trader';

export interface RunCommandOptions {
  readonly mode?: string;
  readonly config?: string;
  readonly symbols?: string;
  readonly timeframe?: string;
  readonly duration?: string;
  readonly speed: string;
  readonly seed: string;
  readonly replay?: string;
  readonly simUrl?: string;
  /** A module of the user's own exporting `createStrategy(symbol)` (custom-strategy.ts). */
  readonly strategy?: string;
  readonly flattenOnExit?: boolean;
  readonly heartbeat?: string;
  readonly operatorApi: boolean;
  readonly logFormat?: string;
  readonly logLevel: string;
}

/** Exit codes: 0 a clean stop, 1 a failure while running, 2 bad input (nothing was traded). */
export const EXIT_BAD_INPUT = 2;

/** `90s`, `10m`, `2h`, `1d`, or a bare number of seconds → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's'] ?? 1000;
  const value = Number(match[1]) * unit;
  return value > 0 ? value : undefined;
}

function usage(message: string): number {
  console.error(`bot run: ${message}`);
  return EXIT_BAD_INPUT;
}

/**
 * `bot run`: validates everything first (config, flags) and exits 2 with the reasons before any connection
 * is made; then runs until --duration ends or SIGINT/SIGTERM, stops cleanly and prints the summary.
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const durationMs = options.duration === undefined ? undefined : parseDuration(options.duration);
  if (options.duration !== undefined && durationMs === undefined) {
    return usage(`--duration must look like 90s, 10m, 2h or a number of seconds, got ${options.duration}`);
  }
  const heartbeatText = options.heartbeat?.trim();
  const heartbeatMs =
    heartbeatText === undefined ? undefined : heartbeatText === '0' ? 0 : parseDuration(heartbeatText);
  if (heartbeatMs === undefined && options.heartbeat !== undefined) {
    return usage(`--heartbeat must look like 30s, 5m, 1h or 0 (none), got ${options.heartbeat}`);
  }
  const speed = Number(options.speed);
  const seed = Number(options.seed);
  if (!(speed > 0) || !Number.isSafeInteger(seed)) return usage('--speed must be > 0 and --seed an integer');
  const logFormat = options.logFormat ?? defaultLogFormat();
  if (logFormat !== 'pretty' && logFormat !== 'json') return usage('--log-format must be pretty or json');

  let config: BotConfig;
  try {
    config = loadConfig({
      env: process.env,
      configFile: options.config,
      overrides: {
        mode: options.mode as BotConfig['mode'] | undefined,
        symbols: options.symbols?.split(',').map((symbol) => symbol.trim()),
        strategy: options.timeframe
          ? { timeframe: options.timeframe as BotConfig['strategy']['timeframe'] }
          : undefined,
      },
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`bot run: ${error.message}`);
    return EXIT_BAD_INPUT;
  }
  if (config.mode !== 'paper' && (options.replay || options.simUrl)) {
    return usage('--replay and --sim-url are paper-mode options');
  }

  // The user's strategy is loaded and checked now: a module that does not load, or builds no Strategy, is bad
  // input found before any connection.
  let createStrategy: StrategyFactory | undefined;
  if (options.strategy !== undefined) {
    try {
      createStrategy = await loadStrategyModule(options.strategy, config.symbols);
    } catch (error) {
      if (!(error instanceof StrategyModuleError)) throw error;
      console.error(`bot run: ${error.message}`);
      return EXIT_BAD_INPUT;
    }
  }

  // Resolved before the logger exists, so a generated token is masked in the log like a configured one.
  let operatorToken: OperatorToken | undefined;
  try {
    operatorToken = options.operatorApi ? resolveOperatorToken(config) : undefined;
  } catch (error) {
    if (!(error instanceof OperatorApiError)) throw error;
    console.error(`bot run: ${error.message}`);
    return EXIT_BAD_INPUT;
  }
  // After the token: its file stays beside the configured trail (data/audit.operator-token), one token for
  // every paper run, as quick-check reports it.
  config = {
    ...config,
    compliance: {
      ...config.compliance,
      auditPath: runAuditPath(config.compliance.auditPath, config.mode === 'paper' && !options.simUrl),
    },
  };
  const logger = createLogger({
    format: logFormat as LogFormat,
    level: options.logLevel,
    secrets: [...configSecrets(config), ...(operatorToken ? [operatorToken.value] : [])],
  });
  const stop = new AbortController();
  const onSignal = stopSignalListener({
    stop: (signal) => {
      logger.info(`${signal}: stopping (send it again to exit at once)`);
      stop.abort();
    },
    exitNow: (signal) => {
      logger.warn(`${signal} again: exiting now; protective orders stay on the exchange`);
      logger.flush();
      process.exit(signalExitCode(signal));
    },
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await runBot({
      config,
      logger,
      paper: { seed, speed, replayFile: options.replay, url: options.simUrl },
      operatorApi: options.operatorApi,
      operatorToken,
      durationMs,
      signal: stop.signal,
      flattenOnExit: options.flattenOnExit ?? false,
      heartbeatMs,
      createStrategy,
    });
    logger.info({ summary }, `summary: ${formatSummary(summary, config.quoteCoin)}`);
    logger.flush();
    return 0;
  } catch (error) {
    const badInput =
      error instanceof UnknownSymbolError ||
      error instanceof ReplayNameError ||
      error instanceof StateFileError ||
      error instanceof AuditTrailBrokenError ||
      error instanceof AuditPathError ||
      error instanceof OperatorApiError ||
      error instanceof KeyPermissionError ||
      error instanceof ReplayFileError;
    const message = (error as Error).message;
    if (badInput) {
      // Bad input: the message says what to fix; a stack trace would only hide it.
      logger.error({ error: (error as Error).name }, `bot run: ${message}`);
    } else {
      const playbook = playbookForError(error)?.id;
      logger.error(
        { err: error, playbook },
        `bot run: ${playbook && !message.startsWith('playbook ') ? `playbook ${playbook}: ` : ''}${message}`,
      );
    }
    logger.flush();
    return badInput ? EXIT_BAD_INPUT : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The trail of this run, absolute (the build card prints it). A paper run on the in-process emulator trades
 * on a new exchange with a new account each time: it gets a trail of its own beside the configured one
 * (`data/audit.jsonl` → `data/audit.paper-20260106T093000Z.jsonl`), so runs never pile up in one file and
 * every run's trail verifies and reads on its own. Nothing is truncated or overwritten.
 */
export function runAuditPath(configured: string, freshPaperRun: boolean, now = new Date()): string {
  const path = resolve(configured);
  if (!freshPaperRun) return path;
  const base = path.endsWith('.jsonl') ? path.slice(0, -'.jsonl'.length) : path;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const candidate = `${base}.paper-${stamp}.jsonl`;
  return existsSync(candidate) ? `${base}.paper-${stamp}-${process.pid}.jsonl` : candidate;
}

function formatSummary(summary: Awaited<ReturnType<typeof runBot>>, quote: string): string {
  const winRate = summary.closes > 0 ? `${((summary.wins / summary.closes) * 100).toFixed(0)}%` : 'n/a';
  const denials = Object.entries(summary.denials)
    .map(([code, count]) => `${code}×${count}`)
    .join(', ');
  return (
    `${summary.entries} trade(s), ${summary.closes} closed, win rate ${winRate}, PnL ${summary.realizedPnl.toFixed(2)} ${quote}, ` +
    `max drawdown ${summary.maxDrawdown.toFixed(2)}, longest stop-loss streak ${summary.longestStopLossStreak}, ` +
    `denials ${denials || 'none'}, open at end ${summary.openAtEnd}`
  );
}
