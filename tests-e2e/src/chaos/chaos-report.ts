import type { ChaosRunResult } from './chaos-run';
import { FAULT_KINDS } from './fault-kinds';
import { INVARIANTS } from './invariants';
import type { InvariantId, Violation } from './invariants';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const max = (values: readonly number[]) => values.reduce((top, value) => Math.max(top, value), 0);
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export interface ReportSettings {
  readonly speed: number;
  readonly symbols: string;
  /** Invariant 1's bound, market seconds. */
  readonly bareBoundS: number;
  readonly wallMs: number;
}

/** The one table the suite prints (and writes to a file): totals over every run, then one row per run. */
export function chaosReport(results: readonly ChaosRunResult[], settings: ReportSettings): string {
  const faults = FAULT_KINDS.map(
    (kind) => [kind, sum(results.map((result) => result.faults.get(kind) ?? 0))] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const answers: Record<string, number> = {};
  for (const result of results)
    for (const [key, count] of Object.entries(result.faultAnswers))
      answers[key] = (answers[key] ?? 0) + count;
  const answerText = Object.entries(answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ×${count}`)
    .join(', ');
  const violations = results.flatMap((result) => result.violations);
  const exemptions = results.flatMap((result) =>
    result.exemptions.map((exemption) => ({ seed: result.seed, ...exemption })),
  );
  const byInvariant = (Object.keys(INVARIANTS) as unknown as InvariantId[])
    .map(
      (id) => `${id}: ${violations.filter((violation) => String(violation.invariant) === String(id)).length}`,
    )
    .join(', ');
  const restarts = results.flatMap((result) => result.restarts);
  const killModes = { timed: 0, 'after-entry': 0, 'during-startup': 0 };
  for (const result of results)
    for (const [mode, count] of Object.entries(result.killModes))
      killModes[mode as keyof typeof killModes] += count;
  const limits = results[0]?.limits;
  const worstDay = results
    .flatMap((result) => result.days)
    .reduce<{ ratio: number; text: string }>(
      (worst, day) => {
        const ratio = -day.worstNet / day.allowedLoss;
        return ratio > worst.ratio
          ? {
              ratio,
              text: `${day.worstNet.toFixed(2)} USDC (${(ratio * 100).toFixed(0)} % of the allowed ${day.allowedLoss.toFixed(2)})`,
            }
          : worst;
      },
      { ratio: Number.NEGATIVE_INFINITY, text: 'no fills' },
    );
  const leads = results.flatMap((result) =>
    result.audit.minLeadMs === undefined ? [] : [result.audit.minLeadMs],
  );
  const down = sum(results.map((result) => result.downMs));
  const obstacles = sum(results.map((result) => result.obstacleMs));
  const marketMs = sum(results.map((result) => result.runMarketMs));
  const percent = (part: number, whole: number) => `${whole > 0 ? Math.round((part / whole) * 100) : 0} %`;
  const rows: [string, string][] = [
    [
      'runs (seeds)',
      `${results.length} (${results.map((result) => result.seed).join(', ')}), speed ${settings.speed}, ${settings.symbols}, ${seconds(settings.wallMs)} wall, ${Math.round(marketMs / 60_000)} market minutes, each across a UTC midnight`,
    ],
    [
      'bot starts / SIGKILLs',
      `${sum(results.map((result) => result.starts))} / ${sum(results.map((result) => result.kills))} (after an entry ${killModes['after-entry']}, timed ${killModes.timed}, during start-up ${killModes['during-startup']}; state file written in the kill window ${sum(results.map((result) => result.stateWrittenInKillWindow))})`,
    ],
    [
      'faults injected',
      `${sum(results.map((result) => sum([...result.faults.values()])))}: ${faults || 'none'}`,
    ],
    [
      'error answers the bot got',
      `${answerText || 'none'} (of ${sum(results.map((result) => result.restRequests))} REST requests); ${sum(results.map((result) => result.lateExecutions))} requests executed late; ${sum(results.map((result) => result.bansLifted))} emulator bans lifted`,
    ],
    [
      'orders acknowledged',
      `${sum(results.map((result) => result.ordersAcknowledged))} orders + ${sum(results.map((result) => result.algoOrdersAcknowledged))} algo orders of the bot; ${sum(results.map((result) => result.entriesFilled))} entries filled; ${sum(results.map((result) => result.botTrades))} bot trades closed; ${sum(results.map((result) => result.liquidations))} liquidations and ADL`,
    ],
    ['invariant violations', `**${violations.length}** (${byInvariant})`],
    ['named, not violations', `${exemptions.length} (stops that gapped, races with the user; listed below)`],
    [
      'other problems (crashes, hangs, unclean stop)',
      String(sum(results.map((result) => result.problems.length))),
    ],
    ['start-up exits (exit 1, restarted)', String(sum(results.map((result) => result.startupExits.length)))],
    [
      'unprotected (market time)',
      `longest ${seconds(max(results.map((result) => result.protection.maxUnprotectedMs)))}; beyond downtime and the exchange's obstacles ${seconds(max(results.map((result) => result.protection.maxBeyondMs)))} (bound ${settings.bareBoundS} s); no bot up ${percent(down, marketMs)} of the market time, the exchange's obstacles ${percent(obstacles, marketMs - down)} of the rest`,
    ],
    [
      'restart: spawn → trading / kill → trading',
      restarts.length === 0
        ? 'no restart'
        : `max ${seconds(max(restarts.map((restart) => restart.startupMs)))} / ${seconds(max(restarts.map((restart) => restart.downMs)))}, mean ${seconds(sum(restarts.map((restart) => restart.startupMs)) / restarts.length)} / ${seconds(sum(restarts.map((restart) => restart.downMs)) / restarts.length)}`,
    ],
    [
      'open positions',
      `at most ${max(results.map((result) => result.maxOpenPositions))} (sampled, the user's included); at most ${max(results.map((result) => result.entries.maxHeldAtEntry))} held when a bot entry filled (limit ${limits?.maxConcurrentPositions ?? '?'})`,
    ],
    [
      'leverage at a bot entry',
      `at most ${max(results.map((result) => result.entries.maxEntryLeverage))}× (tier cap ${results[0]?.leverageCap ?? '?'}×), ${sum(results.map((result) => result.entries.entriesChecked))} entries checked`,
    ],
    [
      'realized ÷ planned risk',
      `at most ${max(results.map((result) => result.risk.maxRatio)).toFixed(2)} (bound 1.25), ${sum(results.map((result) => result.risk.tradesChecked))} trades checked`,
    ],
    ["worst day's net PnL (bot entries)", worstDay.text],
    [
      'audit trail',
      `${sum(results.map((result) => result.audit.records))} records verified; torn tails recovered ${sum(results.map((result) => result.audit.recoveries))}; every order announced at least ${leads.length === 0 ? '–' : `${Math.round(Math.min(...leads))} ms`} before the exchange received it`,
    ],
    [
      'guard against the exchange',
      `${sum(results.map((result) => result.guardChecks))} state-file readings (kills, restarts, end) compared to the cent; ${sum(results.map((result) => result.restoresChecked.all))} restored guards compared with the saved one (${sum(results.map((result) => result.restoresChecked.withGuard))} with a saved guard)`,
    ],
  ];
  const lines = ['| chaos | |', '| --- | --- |', ...rows.map(([name, value]) => `| ${name} | ${value} |`)];
  lines.push(
    '',
    '| seed | wall | kills | faults | user actions | orders + algo | entries | bot trades | longest bare (market) | beyond excuses | held at entry | violations | named | problems |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (result) =>
        `| ${result.seed} | ${seconds(result.wallMs)} | ${result.kills} | ${sum([...result.faults.values()])} | ${result.userActions} | ${result.ordersAcknowledged} + ${result.algoOrdersAcknowledged} | ${result.entriesFilled} | ${result.botTrades} | ${seconds(result.protection.maxUnprotectedMs)} | ${seconds(result.protection.maxBeyondMs)} | ${result.entries.maxHeldAtEntry} | ${result.violations.length} | ${result.exemptions.length} | ${result.problems.length} |`,
    ),
  );
  const notes = [
    ...results.flatMap((result) => [...result.problems, ...result.startupExits]),
    ...exemptions.map(
      (exemption) => `seed ${exemption.seed}, invariant ${exemption.invariant}, named: ${exemption.detail}`,
    ),
  ];
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note}`));
  return lines.join('\n');
}

/** The failure message: every violation with its seed, and how to replay one (`settings`: the CHAOS_* used). */
export function failureMessage(results: readonly ChaosRunResult[], settings: string): string {
  const violations: Violation[] = results.flatMap((result) => result.violations);
  const problems = results.flatMap((result) => result.problems);
  const lines = [
    `${violations.length} invariant violation(s), ${problems.length} other problem(s):`,
    ...violations.map(
      (violation) =>
        `  seed ${violation.seed}, invariant ${violation.invariant} (${INVARIANTS[violation.invariant]}): ${violation.detail}`,
    ),
    ...problems.map((problem) => `  ${problem}`),
    `Replay one seed: CHAOS_SEED=<seed> CHAOS_RUNS=1 ${settings} CHAOS_VERBOSE=1 npx -y pnpm@10.34.9 test:e2e`,
    'The run directories (audit trail, state file, bot logs, exchange-record.json):',
    ...results
      .filter((result) => result.violations.length > 0 || result.problems.length > 0)
      .map((result) => `  seed ${result.seed}: ${result.directory}`),
  ];
  return lines.join('\n');
}
