import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@bot/config';
import { TIER_LIMITS } from '@bot/risk';
import type { RiskGuardSnapshot } from '@bot/risk';
import { startSim } from '@bot/sim';
import type { Sim } from '@bot/sim';
import { NO_FACTS, readAuditFacts } from './audit-facts';
import type { AuditFacts } from './audit-facts';
import { BotProcess } from './bot-process';
import type { BotLogLine } from './bot-process';
import { ExchangeMonitor } from './exchange-monitor';
import { ENTRY_ID, ExchangeRecord, episodesOf, exchangeId, fromUnits, units } from './exchange-record';
import { DEFAULT_SCHEDULE, RECOVERY_MS } from './fault-kinds';
import type { FaultKind } from './fault-kinds';
import { FaultSchedule } from './fault-schedule';
import type { AuditFigures, GuardCheck, StateFile } from './audit-and-guard-invariants';
import { checkAudit, checkGuard, compareRestore } from './audit-and-guard-invariants';
import type {
  DownWindow,
  EntryFigures,
  Exemption,
  ProtectionFigures,
  RiskLimits,
  Violation,
} from './invariants';
import {
  bareSpans,
  botTrades,
  checkDuplicateEntries,
  checkEntries,
  checkProtection,
  isEntry,
  isExchangeOrder,
  mergeWindows,
  ownedByBot,
} from './invariants';
import type { DayLoss, RiskFigures } from './loss-and-risk-invariants';
import { checkDailyLoss, checkRealizedRisk } from './loss-and-risk-invariants';
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
  /** Invariant 1's bound, market ms, beyond downtime and the exchange's obstacles (see checkProtection). */
  readonly bareBoundMs: number;
  /** Wall ms a change the bot decided without may be older than its decision record (invariants 2, 10, 11). */
  readonly raceMs: number;
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
  /** Late executions the emulator ran (requests that took effect after their error or timeout). */
  readonly lateExecutions: number;
  /** Emulator IP bans (418) the schedule lifted so the run goes on. */
  readonly bansLifted: number;
  /** Error answers the emulator sent (by status, and -1021 for the clock). */
  readonly faultAnswers: Readonly<Record<string, number>>;
  /** REST requests the emulator answered (its record keeps the last 10 000). */
  readonly restRequests: number;
  readonly ordersAcknowledged: number;
  readonly algoOrdersAcknowledged: number;
  readonly entriesFilled: number;
  readonly liquidations: number;
  readonly protection: ProtectionFigures;
  /** Market ms no bot was up, market ms a bot was up but the exchange's obstacles excused it, the run's. */
  readonly downMs: number;
  readonly obstacleMs: number;
  readonly runMarketMs: number;
  readonly maxOpenPositions: number;
  readonly entries: EntryFigures;
  readonly risk: RiskFigures;
  readonly limits: RiskLimits;
  readonly leverageCap: number;
  readonly days: readonly DayLoss[];
  readonly audit: AuditFigures;
  /** Restarts whose restored guard was compared with the state file (with a saved guard: `withGuard`). */
  readonly restoresChecked: { readonly all: number; readonly withGuard: number };
  /** State-file readings compared with the exchange (invariants 7 and 8) and the bot's trades in the run. */
  readonly guardChecks: number;
  readonly botTrades: number;
  /** User actions the emulator accepted, by kind. */
  readonly userActions: number;
  readonly violations: readonly Violation[];
  /** Named, not violations: stops that gapped, races with the user. */
  readonly exemptions: readonly Exemption[];
  /** Not invariants, but failures all the same: crashes, start-ups that hung, an unclean final stop. */
  readonly problems: readonly string[];
  /** Start-ups that failed with exit 1 (the bot's contract when the exchange stays down); restarted. */
  readonly startupExits: readonly string[];
  readonly directory: string;
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

/** The emulator's REQUEST_WEIGHT limit per (wall-clock) minute in the suite: see runChaos. */
export const WEIGHT_LIMIT_PER_MINUTE = 24_000;

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
  // The market starts 30 minutes to 3 hours before a UTC midnight, so every run crosses a day boundary
  // (the guard's realized PnL and its daily limit are the UTC day's).
  const midnight = Math.ceil(Date.now() / 86_400_000) * 86_400_000;
  const startTime = midnight - random.int(30, 180) * 60_000;
  // The limiter counts wall-clock minutes while the market runs `speed` times faster: the bot's per-candle
  // requests come 600 times as often as on Binance. Ten times Binance's 2400 keeps its own traffic under the
  // limit; the `weight-limit` fault lowers it on purpose.
  const sim = await startSim({
    seed,
    speed: options.speed,
    historyMinutes: 300,
    startTime,
    weightLimitPerMinute: WEIGHT_LIMIT_PER_MINUTE,
  });
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
    // The conservative tier's loosest streak and cooldown (its caps: 4, 15 min), so a run trades more.
    MAX_SL_STREAK: '4',
    BOT_COOLDOWN_AFTER_STOP_MINUTES: '15',
  };
  // The limits the bot runs with: the same loader, the same environment.
  const config = loadConfig({ env });
  const limits: RiskLimits = config.risk;
  const leverageCap = TIER_LIMITS[config.strategy.tier].hardCaps.leverageDefault.max;
  const usdc = sim.core.assets(accountId).find((asset) => asset.asset === 'USDC');
  const startEquity = Number(usdc?.walletBalance ?? '0');

  const record = new ExchangeRecord(sim, accountId);
  record.tap();
  const monitor = new ExchangeMonitor(sim, accountId);
  const faults = new FaultSchedule(sim, accountId, random, {
    ...DEFAULT_SCHEDULE,
    symbols: options.symbols.split(',').map((symbol) => `${symbol.trim()}${config.quoteCoin}`),
    botTrading: () => bot?.running === true && bot.tradingAt !== undefined,
    weightLimitPerMinute: WEIGHT_LIMIT_PER_MINUTE,
  });
  monitor.onSample.add(() => {
    record.sampleClock();
    faults.tick();
  });
  const violations: Violation[] = [];
  const problems: string[] = [];
  const startupExits: string[] = [];
  const downWindows: DownWindow[] = [];
  const restarts: RestartFigures[] = [];
  const guardChecks: GuardCheck[] = [];
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

  /**
   * A bot is up again (it logged that it trades: its start-up reconcile is behind it): the down window
   * (kill or crash → trading) ends, and the state it starts trading with is compared with the exchange.
   */
  const closeDownWindow = (life: BotProcess) => {
    if (life.tradingAt === undefined || !currentDown) return;
    currentDown.end = life.tradingAt;
    if (pending) {
      const reconciled = life.reconciledAt ?? life.tradingAt;
      restarts.push({ startupMs: reconciled - life.spawnedAt, downMs: reconciled - pending.downSince });
      guardChecks.push({
        label: `restart ${pending.restart}`,
        invariant: 7,
        at: Date.now(),
        state: readState(statePath),
        spawnedAt: life.spawnedAt,
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
      faults.beforeStart();
      bot = new BotProcess({ simUrl: sim.url, env, cwd: directory });
      starts += 1;
      say(`bot ${life} started (pid ${bot.pid})${mode ? `, will be killed ${mode}` : ', the last one'}`);

      // Invariant 7: what the new process restored, against the state file at the kill.
      const restoreLine = await bot.waitForLine(isRestoreLine, options.startupTimeoutMs);
      if (pending && restoreLine) {
        restoresChecked.all += 1;
        if (pending.saved) restoresChecked.withGuard += 1;
        violations.push(
          ...compareRestore(seed, pending.restart, pending.saved, bot.restored, bot.replayedCloses),
        );
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
            const stoppingAt = Date.now();
            const { exit, timedOut } = await bot.stop(STOP_TIMEOUT_MS);
            guardChecks.push({
              label: 'end',
              invariant: 8,
              at: exit.at,
              state: readState(statePath),
              // Faults were off for 2 s before the SIGTERM: every close before then must be counted.
              settledBefore: { at: stoppingAt - 1500, closingAllowed: false },
            });
            if (timedOut || exit.code !== 0) {
              problems.push(
                `seed ${seed}: SIGTERM did not stop the bot cleanly (exit ${exit.code ?? exit.signal}${timedOut ? ` within ${STOP_TIMEOUT_MS} ms` : ''})`,
              );
              keepLog(bot, `${life} (final stop)`);
            }
            if (!timedOut && exit.code === 0) keepLog(bot, `${life} (stopped)`);
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
        const atExit = readState(statePath);
        guardChecks.push({ label: `exit of bot ${life}`, invariant: 8, at: exit.at, state: atExit });
        pending = { restart: kills + crashes, saved: atExit?.guard, downSince: exit.at };
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
      keepLog(bot, `${life} (killed ${mode ?? 'timed'})`);
      kills += 1;
      killModes[mode ?? 'timed'] += 1;
      const atKill = readState(statePath);
      if (JSON.stringify(atKill ?? null) !== before) stateWrittenInKillWindow += 1;
      pending = { restart: kills, saved: atKill?.guard, downSince: killedAt };
      guardChecks.push({
        label: `kill ${kills}`,
        invariant: 8,
        at: killedAt,
        state: atKill,
        trailHolds: true,
      });
      say(
        `bot ${life} killed (${mode}); ${monitor.spans.filter((span) => span.end >= killedAt).length} position(s) bare`,
      );
      const pause = random.between(...options.pauseMs);
      // While nobody watches: sometimes a liquidation-level move hits a position the kill left bare, or
      // something closes a position (its stop gaps, ADL, the user): the restart must settle and count it.
      // The user may open a position too, which the restart must take over (positions.foreignPolicy).
      await sleep(pause / 2);
      if (random.chance(0.15)) faults.liquidateBare();
      else if (random.chance(0.6)) {
        const closed = faults.closeWhileDown();
        if (closed) say(`while down: ${closed}`);
      }
      if (random.chance(0.3) && faults.openWhileDown()) say('while down: user-open');
      await sleep(pause / 2);
    }
  } finally {
    faults.stop();
    if (bot?.running) await bot.kill();
    monitor.stop();
  }

  const now = Date.now();
  for (const window of downWindows) if (!Number.isFinite(window.end)) window.end = now;
  record.sampleClock();
  const fills = record.fills();
  const orders = record.orders();
  const algoOrders = record.algoOrders();
  record.untap();
  const facts: AuditFacts | undefined = await readAuditFacts(auditPath).catch(() => undefined);
  const adoptedInState = guardChecks.flatMap((check) =>
    (check.state?.trades ?? [])
      .filter((trade) => trade.adopted === true)
      .map((trade) => ({ symbol: exchangeId(trade.symbol), openedAt: trade.openedAt })),
  );
  const episodes = episodesOf(fills, orders, ownedByBot(facts ?? NO_FACTS, adoptedInState, record));
  const trades = botTrades(episodes, facts ?? NO_FACTS, adoptedInState, record);

  // 1: bare stretches in market time, less downtime and the exchange's obstacles.
  const excusedWall = [...downWindows, ...faults.impairments, ...rateLimitWindows(sim, faults)];
  const excused = mergeWindows(
    excusedWall.map((window) => ({ start: record.marketOf(window.start), end: record.marketOf(window.end) })),
  );
  const endMarket = sim.marketTime();
  const runMarketMs = endMarket - marketStart;
  const within = (windows: readonly [number, number][]) =>
    windows.reduce(
      (sum, [from, to]) => sum + Math.max(0, Math.min(to, endMarket) - Math.max(from, marketStart)),
      0,
    );
  const downMs = within(
    mergeWindows(
      downWindows.map((window) => ({
        start: record.marketOf(window.start),
        end: record.marketOf(window.end),
      })),
    ),
  );
  // Of the time a bot was up, how much the exchange's obstacles excused.
  const obstacleMs = within(excused) - downMs;
  const spans = bareSpans(fills, algoOrders, endMarket);
  const protection = checkProtection(seed, spans, excused, options.bareBoundMs, record);
  violations.push(...protection.violations);
  // 2, 10, 11: what the exchange held when each bot entry filled.
  const entries = checkEntries(
    seed,
    record,
    fills,
    orders,
    episodes,
    facts ?? NO_FACTS,
    limits,
    leverageCap,
    options.raceMs,
  );
  violations.push(...entries.violations);
  const exemptions: Exemption[] = [...entries.exemptions];
  // 3
  violations.push(...checkDuplicateEntries(seed, orders));
  // 9 (before 4: what it excuses, 4a leaves out of the day)
  const risk = checkRealizedRisk(
    seed,
    trades,
    facts ?? NO_FACTS,
    algoOrders,
    faults.shockFillIds,
    faults.gaps,
    faults.userActions,
    spans,
    excused,
    orders,
    record,
    options.bareBoundMs,
  );
  violations.push(...risk.violations);
  exemptions.push(...risk.exemptions);
  // 4
  const entryIds = new Set(orders.filter(isEntry).map((order) => order.orderId));
  const daily = checkDailyLoss(
    seed,
    fills,
    trades,
    entryIds,
    startEquity,
    record.withdrawals,
    limits,
    faults.shockFillIds,
    // 2 s of wall time in market time: a decision already under way when the limit was crossed.
    options.speed * 2000,
    {
      decidedAt: (orderId) => {
        const base = ENTRY_ID.exec(
          orders.find((order) => order.orderId === orderId)?.clientOrderId ?? '',
        )?.[1];
        const wall = base === undefined ? undefined : facts?.bases.get(base);
        return wall === undefined ? undefined : record.marketOf(wall);
      },
      excusedLoss: risk.excusedLoss,
    },
  );
  violations.push(...daily.violations);
  exemptions.push(...daily.exemptions);
  // 5, 6
  const audit = await checkAudit(seed, auditPath, facts, record, sim.lateExecutions, faults.latency);
  violations.push(...audit.violations);
  // 7, 8
  for (const check of guardChecks)
    violations.push(...checkGuard(seed, check, trades, record, facts?.places ?? []));
  for (const trade of trades) {
    for (const fill of trade.stampedBeforeStart) {
      exemptions.push({
        invariant: 8,
        detail: `emulator: fill ${fill.tradeId} (${fill.side} ${fill.qty} ${fill.symbol} @ ${fill.price}, order ${fill.orderId}) is stamped ${new Date(fill.time).toISOString()}, before the fill that opened its position (${new Date(trade.start).toISOString()}); a read of fills by time misses it, so the guard may lack its ${fromUnits(units(fill.realizedPnl) - units(fill.commission)).toFixed(2)} USDC`,
      });
    }
  }

  const faultAnswers: Record<string, number> = {};
  for (const request of sim.requests) {
    const key =
      request.code === -1021
        ? '-1021'
        : request.status >= 500 || request.status === 429 || request.status === 418
          ? String(request.status)
          : request.status === 0
            ? 'closed without an answer'
            : undefined;
    if (key) faultAnswers[key] = (faultAnswers[key] ?? 0) + 1;
  }
  const marketMinutes = Math.round((sim.marketTime() - marketStart) / 60_000);

  if (violations.length > 0 || problems.length > 0 || options.keepFiles) {
    writeFileSync(join(directory, 'bot-logs.txt'), `${logs.join('\n\n')}\n`);
    writeFileSync(
      join(directory, 'violations.json'),
      `${JSON.stringify({ violations, problems, exemptions }, null, 2)}\n`,
    );
    // What the invariants were computed from, for a replay's diagnosis.
    const iso = (market: number | undefined) =>
      market === undefined ? null : new Date(market).toISOString();
    writeFileSync(
      join(directory, 'exchange-record.json'),
      `${JSON.stringify(
        {
          episodes: episodes.map((episode) => ({
            symbol: episode.symbol,
            openedBy: episode.openedBy,
            opener: episode.opener?.clientOrderId,
            bot: trades.includes(episode),
            start: iso(episode.start),
            end: iso(episode.end),
            net: fromUnits(episode.net),
            fills: episode.fills.map(
              (fill) =>
                `${fill.tradeId} ${fill.side} ${fill.qty}@${fill.price} pnl ${fill.realizedPnl} fee ${fill.commission} order ${fill.orderId}`,
            ),
          })),
          bareSpans: protection.spans.map((span) => ({
            ...span,
            start: iso(span.start),
            end: iso(span.end),
            seconds: (span.end - span.start) / 1000,
          })),
          impairments: excusedWall.map((window) => ({
            ...window,
            start: new Date(window.start).toISOString(),
            end: new Date(window.end).toISOString(),
          })),
          guardChecks: guardChecks.map((check) => ({
            ...check,
            at: new Date(check.at).toISOString(),
            market: iso(record.marketOf(check.at)),
          })),
          gaps: faults.gaps,
          userActions: faults.userActions,
          leverageChanges: record.leverageChanges,
        },
        null,
        2,
      )}\n`,
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
    lateExecutions: sim.lateExecutions.filter((entry) => entry.status === 200).length,
    bansLifted: faults.bansLifted,
    restRequests: sim.requests.length,
    ordersAcknowledged: orders.filter((order) => order.clientOrderId.startsWith('bot')).length,
    algoOrdersAcknowledged: algoOrders.filter((algo) => algo.clientAlgoId.startsWith('bot')).length,
    entriesFilled: orders.filter((order) => isEntry(order) && Number(order.executedQty) > 0).length,
    liquidations: orders.filter(isExchangeOrder).length,
    protection: protection.figures,
    downMs,
    obstacleMs,
    runMarketMs,
    maxOpenPositions: monitor.maxOpenPositions,
    entries: entries.figures,
    risk: risk.figures,
    limits,
    leverageCap,
    days: daily.days,
    audit: audit.figures,
    restoresChecked,
    guardChecks: guardChecks.length,
    botTrades: trades.filter((trade) => trade.end !== undefined).length,
    userActions: faults.userActions.length,
    violations,
    exemptions,
    problems,
    startupExits,
    directory,
  };
  say(
    `done: ${result.kills} kill(s), ${result.ordersAcknowledged} orders + ${result.algoOrdersAcknowledged} algo, ${result.entriesFilled} entries, ` +
      `max unprotected ${(protection.figures.maxUnprotectedMs / 1000).toFixed(1)} s market (beyond excuses ${(protection.figures.maxBeyondMs / 1000).toFixed(1)} s), ${violations.length} violation(s), ${problems.length} problem(s)`,
  );
  return result;
}

/**
 * 429 and 418 answers of the real limiter (not the few the schedule injected): the bot waits out their
 * Retry-After — the rest of the minute after a 429, the ban (2 minutes) after a 418 — plus its recovery.
 */
function rateLimitWindows(sim: Sim, faults: FaultSchedule): { start: number; end: number }[] {
  const injected = [...faults.rateLimitInjections];
  const windows: { start: number; end: number }[] = [];
  for (const request of sim.requests) {
    if (request.status !== 429 && request.status !== 418) continue;
    const injection = injected.find((entry) => entry.at <= request.time && entry.left > 0);
    if (injection) {
      // Each injected answer pauses the bot for its Retry-After (the schedule's own impairment starts only
      // once the injection is used up, and not at all when the run ends first: seed 26 of a session-6 run).
      injection.left -= 1;
      windows.push({ start: request.time, end: request.time + injection.retryAfterMs + RECOVERY_MS });
      continue;
    }
    const waitMs = request.status === 418 ? 121_000 : 60_000 - (request.time % 60_000) + 1000;
    windows.push({ start: request.time, end: request.time + waitMs + RECOVERY_MS });
  }
  return windows;
}
