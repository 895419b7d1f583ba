import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A close a restart gave the guard from its `position.close` record (the log line's `close`). */
export interface ReplayedClose {
  readonly symbol: string;
  readonly pnl: number;
  readonly reason: string;
  readonly closedAt: number;
}

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const runnerDir = join(repoRoot, 'apps', 'runner');

/**
 * The CLI itself, with the loader `bin/bot.js` registers in-process (the `@bot/source` condition, tsx), in
 * its own process group, so a SIGKILL takes exactly the bot down and nothing else.
 */
function cliCommand(): string[] {
  const tsx = createRequire(join(runnerDir, 'package.json')).resolve('tsx');
  return ['--conditions=@bot/source', '--import', pathToFileURL(tsx).href, join(runnerDir, 'src', 'cli.ts')];
}

/** One JSON log line of the bot (pino: `level`, `time`, `msg` and the fields). */
export interface BotLogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface BotExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface BotProcessOptions {
  readonly simUrl: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Log lines kept for diagnostics (the newest). */
  readonly keepLines?: number;
}

const LOG_TAIL = 400;
/**
 * A dead man's switch: a bot left behind (the test process killed on a timeout, so no clean-up ran) stops by
 * itself. No run comes near it; a run's bots are SIGKILLed or SIGTERMed long before.
 */
const SAFETY_DURATION = '20m';

/** Every bot still running, SIGKILLed when the test process exits. */
const live = new Set<BotProcess>();
process.once('exit', () => {
  for (const bot of live) {
    try {
      if (bot.pid !== undefined) process.kill(-bot.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** The bot as a child process: its JSON log, lifecycle milestones, SIGKILL and SIGTERM. */
export class BotProcess {
  readonly spawnedAt = Date.now();
  readonly lines: BotLogLine[] = [];
  readonly rawOutput: string[] = [];
  stderr = '';
  /** Wall-clock ms of the milestones, when reached. */
  restoredAt: number | undefined;
  reconciledAt: number | undefined;
  tradingAt: number | undefined;
  /** The `risk` field of `risk state restored from …`, or `null` for `no saved risk state`. */
  restored: Record<string, unknown> | null | undefined;
  /**
   * Closes the trail recorded that the state file had not caught up with, which this process gave the guard
   * before restoring it (`close of … was recorded before the state file held it`).
   */
  readonly replayedCloses: ReplayedClose[] = [];
  exit: BotExit | undefined;
  /** The newest error-level log message (what a crash said). */
  lastError: string | undefined;
  readonly exited: Promise<BotExit>;
  readonly #child: ChildProcess;
  readonly #keep: number;
  readonly #listeners = new Set<(line: BotLogLine) => void>();
  #pending = '';

  constructor(options: BotProcessOptions) {
    this.#keep = options.keepLines ?? LOG_TAIL;
    this.#child = spawn(
      process.execPath,
      [
        ...cliCommand(),
        'run',
        '--sim-url',
        options.simUrl,
        '--timeframe',
        '1m',
        '--log-format',
        'json',
        '--no-operator-api',
        '--duration',
        SAFETY_DURATION,
      ],
      { cwd: options.cwd, env: { ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.#child.stdout?.setEncoding('utf8');
    this.#child.stdout?.on('data', (chunk: string) => this.#onData(chunk));
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    live.add(this);
    this.exited = new Promise((resolveExit) => {
      this.#child.on('exit', (code, signal) => {
        live.delete(this);
        this.exit = { code, signal, at: Date.now() };
        resolveExit(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Resolves with the first line (already seen or to come) that matches, or undefined on exit/timeout. */
  waitForLine(match: (line: BotLogLine) => boolean, timeoutMs: number): Promise<BotLogLine | undefined> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    if (!this.running) return Promise.resolve(undefined);
    return new Promise((resolveLine) => {
      const done = (line: BotLogLine | undefined) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolveLine(line);
      };
      const listener = (line: BotLogLine) => {
        if (match(line)) done(line);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#listeners.add(listener);
      void this.exited.then(() => done(undefined));
    });
  }

  /** SIGKILL to the bot's process group; resolves once it is gone. */
  async kill(): Promise<BotExit> {
    if (this.running && this.#child.pid !== undefined) {
      try {
        process.kill(-this.#child.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the signal.
      }
    }
    return this.exited;
  }

  /** SIGTERM (a clean stop); SIGKILL after `timeoutMs` if it does not exit. */
  async stop(timeoutMs: number): Promise<{ exit: BotExit; timedOut: boolean }> {
    if (!this.running) return { exit: await this.exited, timedOut: false };
    this.#child.kill('SIGTERM');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.kill();
    }, timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { exit, timedOut };
  }

  /** The newest log lines, as text, for a failure report. */
  tail(count = 30): string {
    return this.rawOutput.slice(-count).join('\n');
  }

  #onData(chunk: string): void {
    this.#pending += chunk;
    let newline = this.#pending.indexOf('\n');
    while (newline >= 0) {
      const text = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf('\n');
      if (text.trim() === '') continue;
      this.rawOutput.push(text);
      if (this.rawOutput.length > this.#keep) this.rawOutput.splice(0, this.rawOutput.length - this.#keep);
      let line: BotLogLine;
      try {
        line = JSON.parse(text) as BotLogLine;
      } catch {
        continue;
      }
      if (typeof line.msg !== 'string') continue;
      this.#milestones(line);
      this.lines.push(line);
      if (this.lines.length > this.#keep) this.lines.splice(0, this.lines.length - this.#keep);
      for (const listener of this.#listeners) listener(line);
    }
  }

  #milestones(line: BotLogLine): void {
    const now = Date.now();
    if (line.level >= 50) this.lastError = line.msg;
    if (line.msg.includes('was recorded before the state file held it: counted by the guard')) {
      this.replayedCloses.push(line['close'] as ReplayedClose);
    }
    if (line.msg.startsWith('risk state restored from ')) {
      this.restoredAt = now;
      this.restored = (line['risk'] as Record<string, unknown> | undefined) ?? {};
    } else if (line.msg.startsWith('no saved risk state') || line.msg.startsWith('a new emulator account')) {
      this.restoredAt = now;
      this.restored = null;
    } else if (line.msg.startsWith('reconciled with the exchange')) {
      this.reconciledAt = now;
    } else if (/^trading .* candles in paper mode$/.test(line.msg)) {
      this.tradingAt = now;
    }
  }
}
