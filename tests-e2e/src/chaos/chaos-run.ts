import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@bot/config';
import type { RiskGuardSnapshot } from '@bot/risk';
import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { BotProcess } from './bot-process';
import type { BotLogLine } from './bot-process';
import { ExchangeMonitor } from './exchange-monitor';
import { FaultSchedule } from './fault-schedule';
import type { FaultKind } from './fault-schedule';
import {
  checkAudit,
  checkDailyLoss,
  checkDuplicateEntries,
  checkMaxPositions,
  checkProtection,
  compareRestore,
  isEntry,
  isExchangeOrder,
} from './invariants';
import type { DayLoss, DownWindow, ProtectionFigures, RiskLimits, Violation } from './invariants';
import { seededRandom } from './random';
import type { Random } from './random';

export type KillMode = 'timed' | 'after-entry' | 'during-startup';

export interface ChaosRunOptions {
  readonly seed: number;
  /** The emulator's market clock speed: at 600 a 1m candle closes every 0.1 s. */
  readonly speed: number;
  readonly symbols: string;
  /** SIGKILLs per run, drawn uniformly. */
  readonly kills: readonly [number, number];
  /** Wall ms a bot lives (trading) before a timed kill; an after-entry kill waits at most twice the top. */
  readonly liveMs: readonly [number, number];
  /** Wall ms the last bot trades before its SIGTERM. */
  readonly finalLiveMs: readonly [number, number];
  /** Wall ms between a kill and the restart. */
  readonly pauseMs: readonly [number, number];
  /** Invariant 1's allowance beyond the bot's downtime (see checkProtection). */
  readonly liveBoundMs: number;
  readonly startupTimeoutMs: number;
  /** Keep the run's directory (audit trail, state file, logs) even when it passed. */
  readonly keepFiles?: boolean;
  readonly progress?: (line: string) => void;
}

export interface RestartFigures {
  /** Spawn → start-up reconcile done. */
  readonly startupMs: number;
  /** Kill (or crash) → start-up reconcile done: how long the exchange had no reconciled bot. */
  readonly downMs: number;
}

export interface ChaosRunResult {
  readonly seed: number;
  readonly wallMs: number;
  readonly marketMinutes: number;
  readonly starts: number;
  readonly kills: number;
  readonly killModes: Readonly<Record<KillMode, number>>;
  /** The state file changed between the read just before the SIGKILL and the one after the exit. */
  readonly stateWrittenInKillWindow: number;
  readonly restarts: readonly RestartFigures[];
  readonly faults: ReadonlyMap<FaultKind, number>;
  /** Error answers the emulator sent (by status, and -1021 for the clock). */
  readonly faultAnswers: Readonly<Record<string, number>>;
  /** REST requests the emulator answered (its record keeps the last 10 000). */
  readonly restRequests: number;
  readonly ordersAcknowledged: number;
  readonly algoOrdersAcknowledged: number;
  readonly entriesFilled: number;
  readonly liquidations: number;
  readonly protection: ProtectionFigures;
  readonly maxOpenPositions: number;
  readonly limits: RiskLimits;
  readonly days: readonly DayLoss[];
  readonly auditRecords: number;
  readonly auditRecoveries: number;
  /** Restarts whose restored guard was compared with the state file (with a saved guard: `withGuard`). */
  readonly restoresChecked: { readonly all: number; readonly withGuard: number };
  readonly violations: readonly Violation[];
  /** Not invariants, but failures all the same: crashes, start-ups that hung, an unclean final stop. */
  readonly problems: readonly string[];
  /** Start-ups that failed with exit 1 (the bot's contract when the exchange stays down); restarted. */
  readonly startupExits: readonly string[];
  readonly directory: string;
}

interface StateFile {
  readonly guard?: RiskGuardSnapshot;
  readonly trades?: readonly unknown[];
}

function readState(path: string): StateFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StateFile;
  } catch {
    return undefined; // not written yet (the atomic rename never leaves half a file)
  }
}

/**
 * A clean stop drains the queue, and a request in it may be waiting out a Retry-After: the executor waits
 * up to 60 s in-call (`maxRetryAfterMs`), and at speed 600 the bot reaches the emulator's weight limit
 * (2400 per minute) by itself. So: that, plus time to close the feeds and the trail.
 */
const STOP_TIMEOUT_MS = 75_000;

const isRestoreLine = (line: BotLogLine) =>
  line.msg.startsWith('risk state restored from ') || line.msg.startsWith('no saved risk state');
const isTradingLine = (line: BotLogLine) => /^trading .* candles in paper mode$/.test(line.msg);

/**
 * One seeded chaos run: an emulator, the bot as a child process under random faults and random SIGKILLs
 * (each followed by a restart after a short pause; the emulator keeps running: it is the exchange), then
 * the invariants checked from the emulator's records and the audit trail. Everything random comes from
 * the seed, so a failing seed can be run again (timing still differs: the bot is a real process).
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunResult> {
  const started = Date.now();
  const { seed } = options;
  const random = seededRandom(seed);
  const say = (text: string) =>
    options.progress?.(`[seed ${seed} +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
  const sim = await startSim({ seed, speed: options.speed, historyMinutes: 300 });
  try {
    return await runOnSim(options, sim, started, say, random);
  } finally {
    await sim.close();
  }
}

async function runOnSim(
  options: ChaosRunOptions,
  sim: Sim,
  started: number,
  say: (text: string) => void,
  random: Random,
): Promise<ChaosRunResult> {
  const { seed } = options;
  const marketStart = sim.marketTime();
  const [account] = sim.accounts;
  if (!account) throw new Error('the emulator has no account');
  const { accountId } = account;
  const directory = mkdtempSync(join(tmpdir(), `bot-chaos-${seed}-`));
  const auditPath = join(directory, 'audit.jsonl');
  const statePath = join(directory, 'audit.state.json');
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    BOT_API_KEY: account.apiKey,
    BOT_API_SECRET: account.apiSecret,
    BOT_AUDIT_PATH: auditPath,
    BOT_SYMBOLS: options.symbols,
  };
  // The limits the bot runs with: the same loader, the same environment.
  const limits: RiskLimits = loadConfig({ env }).risk;
  const usdc = sim.core.assets(accountId).find((asset) => asset.asset === 'USDC');
  const startEquity = Number(usdc?.walletBalance ?? '0');

  const monitor = new ExchangeMonitor(sim, accountId);
  const faults = new FaultSchedule(sim, accountId, random);
  const violations: Violation[] = [];
  const problems: string[] = [];
  const startupExits: string[] = [];
  const downWindows: DownWindow[] = [];
  const restarts: RestartFigures[] = [];
  const killModes: Record<KillMode, number> = { timed: 0, 'after-entry': 0, 'during-startup': 0 };
  let currentDown: DownWindow | undefined = { start: started, end: Number.POSITIVE_INFINITY };
  downWindows.push(currentDown);
  const killTarget = random.int(...options.kills);
  let kills = 0;
  let starts = 0;
  let crashes = 0;
  let stateWrittenInKillWindow = 0;
  const restoresChecked = { all: 0, withGuard: 0 };
  let pending: { restart: number; saved: RiskGuardSnapshot | undefined; downSince: number } | undefined;
  let bot: BotProcess | undefined;
  const logs: string[] = [];
  const keepLog = (life: BotProcess, label: string) =>
    logs.push(`--- bot ${label} (pid ${life.pid}) ---\n${life.tail(400)}\n--- stderr ---\n${life.stderr}`);

  /** The exchange has a reconciled bot again: the down window (kill or crash → reconcile done) ends. */
  const closeDownWindow = (life: BotProcess) => {
    if (life.reconciledAt === undefined || !currentDown) return;
    currentDown.end = life.reconciledAt;
    if (pending) {
      restarts.push({
        startupMs: life.reconciledAt - life.spawnedAt,
        downMs: life.reconciledAt - pending.downSince,
      });
    }
    currentDown = undefined;
    pending = undefined;
  };

  monitor.start();
  faults.start();
  try {
    for (let life = 0; ; life += 1) {
      const last = kills >= killTarget;
      const mode: KillMode | undefined = last
        ? undefined
        : random.weighted<KillMode>([
            ['after-entry', 5],
            ['timed', 4],
            ['during-startup', 1],
          ]);
      bot = new BotProcess({ simUrl: sim.url, env, cwd: directory });
      starts += 1;
      say(`bot ${life} started (pid ${bot.pid})${mode ? `, will be killed ${mode}` : ', the last one'}`);

      // Invariant 7: what the new process restored, against the state file at the kill.
      const restoreLine = await bot.waitForLine(isRestoreLine, options.startupTimeoutMs);
      if (pending && restoreLine) {
        restoresChecked.all += 1;
        if (pending.saved) restoresChecked.withGuard += 1;
        violations.push(...compareRestore(seed, pending.restart, pending.saved, bot.restored));
      }

      let exitedOnItsOwn = false;
      if (mode === 'during-startup' && restoreLine) {
        await sleep(random.int(0, 250));
      } else {
        const trading = await bot.waitForLine(isTradingLine, options.startupTimeoutMs);
        if (!trading) {
          if (bot.running) {
            problems.push(
              `seed ${seed}: bot ${life} did not start trading within ${options.startupTimeoutMs} ms`,
            );
          } else exitedOnItsOwn = true;
        }
      }
      closeDownWindow(bot);

      if (!exitedOnItsOwn && bot.running) {
        if (last) {
          await Promise.race([sleep(random.between(...options.finalLiveMs)), bot.exited]);
          if (bot.running) {
            // A clean stop: faults off, a moment to repair what the last fault left, then SIGTERM.
            faults.stop();
            await Promise.race([sleep(2000), bot.exited]);
          }
          if (bot.running) {
            const { exit, timedOut } = await bot.stop(STOP_TIMEOUT_MS);
            if (timedOut || exit.code !== 0) {
              problems.push(
                `seed ${seed}: SIGTERM did not stop the bot cleanly (exit ${exit.code ?? exit.signal}${timedOut ? ` within ${STOP_TIMEOUT_MS} ms` : ''})`,
              );
              keepLog(bot, `${life} (final stop)`);
            }
            say(`bot ${life} stopped (exit ${exit.code ?? exit.signal})`);
            break;
          }
        } else if (mode === 'timed') {
          await Promise.race([sleep(random.between(...options.liveMs)), bot.exited]);
        } else if (mode === 'after-entry') {
          let cancel: () => void = () => undefined;
          const entry = new Promise<void>((resolveEntry) => {
            cancel = monitor.onceEntry(resolveEntry);
          });
          await Promise.race([entry, sleep(options.liveMs[1] * 2), bot.exited]);
          cancel();
          await sleep(random.int(0, 800));
        }
      }

      if (!bot.running) {
        // It exited on its own: a crash. Restarted like a supervisor would, after the same pause.
        crashes += 1;
        const exit = await bot.exited;
        const said = bot.lastError ? `: \`${bot.lastError.replaceAll('`', "'")}\`` : '';
        if (bot.tradingAt === undefined && exit.code === 1) {
          // `bot run` exits 1 when its start-up fails (an exchange that stays down past the retries);
          // a supervisor restarts it. Reported, not failed.
          startupExits.push(`seed ${seed}: bot ${life} exited 1 during start-up${said}`);
        } else {
          problems.push(
            `seed ${seed}: bot ${life} exited on its own (code ${exit.code ?? exit.signal})${said}`,
          );
        }
        keepLog(bot, `${life} (exited)`);
        say(`bot ${life} exited on its own (code ${exit.code ?? exit.signal})`);
        if (!currentDown) downWindows.push((currentDown = { start: exit.at, end: Number.POSITIVE_INFINITY }));
        pending = { restart: kills + crashes, saved: readState(statePath)?.guard, downSince: exit.at };
        if (crashes >= 4) {
          problems.push(`seed ${seed}: the bot crashed ${crashes} times; run abandoned`);
          break;
        }
        await sleep(random.between(...options.pauseMs));
        continue;
      }

      // SIGKILL.
      closeDownWindow(bot); // a bot killed during start-up may have reconciled meanwhile
      const before = JSON.stringify(readState(statePath) ?? null);
      const killedAt = Date.now();
      if (!currentDown) downWindows.push((currentDown = { start: killedAt, end: Number.POSITIVE_INFINITY }));
      await bot.kill();
      kills += 1;
      killModes[mode ?? 'timed'] += 1;
      const atKill = readState(statePath);
      if (JSON.stringify(atKill ?? null) !== before) stateWrittenInKillWindow += 1;
      pending = { restart: kills, saved: atKill?.guard, downSince: killedAt };
      say(
        `bot ${life} killed (${mode}); ${monitor.spans.filter((span) => span.end >= killedAt).length} position(s) bare`,
      );
      const pause = random.between(...options.pauseMs);
      // While nobody watches: sometimes a liquidation-level move hits a position the kill left bare.
      if (random.chance(0.15)) {
        await sleep(pause / 2);
        faults.liquidateBare();
        await sleep(pause / 2);
      } else await sleep(pause);
    }
  } finally {
    faults.stop();
    if (bot?.running) await bot.kill();
    monitor.stop();
  }

  const now = Date.now();
  for (const window of downWindows) if (!Number.isFinite(window.end)) window.end = now;
  const protection = checkProtection(seed, monitor.spans, downWindows, options.liveBoundMs);
  violations.push(...protection.violations);
  violations.push(...checkMaxPositions(seed, monitor.maxOpenPositions, monitor.maxOpenAt?.symbols, limits));
  const orders = sim.core.allOrders(accountId);
  const algoOrders = sim.core.allAlgoOrders(accountId);
  violations.push(...checkDuplicateEntries(seed, orders));
  const entryIds = new Set(orders.filter(isEntry).map((order) => order.orderId));
  const daily = checkDailyLoss(
    seed,
    sim.core.fills(accountId),
    entryIds,
    startEquity,
    limits,
    faults.shockFillIds,
    // 2 s of wall time in market time: a decision already under way when the limit was crossed.
    options.speed * 2000,
  );
  violations.push(...daily.violations);
  const audit = await checkAudit(seed, auditPath, sim, accountId);
  violations.push(...audit.violations);

  const faultAnswers: Record<string, number> = {};
  for (const request of sim.requests) {
    const key =
      request.code === -1021
        ? '-1021'
        : request.status >= 500 || request.status === 429 || request.status === 418
          ? String(request.status)
          : undefined;
    if (key) faultAnswers[key] = (faultAnswers[key] ?? 0) + 1;
  }
  const marketMinutes = Math.round((sim.marketTime() - marketStart) / 60_000);

  if (violations.length > 0 || problems.length > 0 || options.keepFiles) {
    writeFileSync(join(directory, 'bot-logs.txt'), `${logs.join('\n\n')}\n`);
    writeFileSync(
      join(directory, 'violations.json'),
      `${JSON.stringify({ violations, problems }, null, 2)}\n`,
    );
  } else {
    rmSync(directory, { recursive: true, force: true });
  }
  const result: ChaosRunResult = {
    seed,
    wallMs: Date.now() - started,
    marketMinutes,
    starts,
    kills,
    killModes,
    stateWrittenInKillWindow,
    restarts,
    faults: faults.injected,
    faultAnswers,
    restRequests: sim.requests.length,
    ordersAcknowledged: orders.filter((order) => !isExchangeOrder(order)).length,
    algoOrdersAcknowledged: algoOrders.length,
    entriesFilled: orders.filter((order) => isEntry(order) && Number(order.executedQty) > 0).length,
    liquidations: orders.filter(isExchangeOrder).length,
    protection: protection.figures,
    maxOpenPositions: monitor.maxOpenPositions,
    limits,
    days: daily.days,
    auditRecords: audit.records,
    auditRecoveries: audit.recoveries,
    restoresChecked,
    violations,
    problems,
    startupExits,
    directory,
  };
  say(
    `done: ${result.kills} kill(s), ${result.ordersAcknowledged} orders + ${result.algoOrdersAcknowledged} algo, ${result.entriesFilled} entries, ` +
      `max unprotected ${protection.figures.maxUnprotectedMs} ms, ${violations.length} violation(s), ${problems.length} problem(s)`,
  );
  return result;
}
