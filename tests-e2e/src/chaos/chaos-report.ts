import type { ChaosRunResult } from './chaos-run';
import { FAULT_KINDS } from './fault-schedule';
import { INVARIANTS } from './invariants';
import type { InvariantId, Violation } from './invariants';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const max = (values: readonly number[]) => values.reduce((top, value) => Math.max(top, value), 0);
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export interface ReportSettings {
  readonly speed: number;
  readonly symbols: string;
  readonly liveBoundMs: number;
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
  const rows: [string, string][] = [
    [
      'runs (seeds)',
      `${results.length} (${results.map((result) => result.seed).join(', ')}), speed ${settings.speed}, ${settings.symbols}, ${seconds(settings.wallMs)} wall, ${sum(results.map((result) => result.marketMinutes))} market minutes`,
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
      `${answerText || 'none'} (of ${sum(results.map((result) => result.restRequests))} REST requests)`,
    ],
    [
      'orders acknowledged',
      `${sum(results.map((result) => result.ordersAcknowledged))} orders + ${sum(results.map((result) => result.algoOrdersAcknowledged))} algo orders; ${sum(results.map((result) => result.entriesFilled))} entries filled; ${sum(results.map((result) => result.liquidations))} liquidations`,
    ],
    ['invariant violations', `**${violations.length}** (${byInvariant})`],
    [
      'other problems (crashes, hangs, unclean stop)',
      String(sum(results.map((result) => result.problems.length))),
    ],
    ['start-up exits (exit 1, restarted)', String(sum(results.map((result) => result.startupExits.length)))],
    [
      'max unprotected (wall)',
      `${max(results.map((result) => result.protection.maxUnprotectedMs))} ms; beyond the bot's downtime ${max(results.map((result) => result.protection.maxBeyondDowntimeMs))} ms (bound: downtime + ${settings.liveBoundMs} ms)`,
    ],
    [
      'restart: spawn → reconciled / kill → reconciled',
      restarts.length === 0
        ? 'no restart'
        : `max ${seconds(max(restarts.map((restart) => restart.startupMs)))} / ${seconds(max(restarts.map((restart) => restart.downMs)))}, mean ${seconds(sum(restarts.map((restart) => restart.startupMs)) / restarts.length)} / ${seconds(sum(restarts.map((restart) => restart.downMs)) / restarts.length)}`,
    ],
    [
      'max open positions',
      `${max(results.map((result) => result.maxOpenPositions))} (limit ${limits?.maxConcurrentPositions ?? '?'})`,
    ],
    ["worst day's net PnL", worstDay.text],
    [
      'audit records verified',
      `${sum(results.map((result) => result.auditRecords))}; torn tails recovered ${sum(results.map((result) => result.auditRecoveries))}`,
    ],
    [
      'restored guards compared',
      `${sum(results.map((result) => result.restoresChecked.all))} (${sum(results.map((result) => result.restoresChecked.withGuard))} with a saved guard)`,
    ],
  ];
  const lines = ['| chaos | |', '| --- | --- |', ...rows.map(([name, value]) => `| ${name} | ${value} |`)];
  lines.push(
    '',
    '| seed | wall | kills | faults | orders + algo | entries | max unprotected | beyond downtime | max positions | violations | problems |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (result) =>
        `| ${result.seed} | ${seconds(result.wallMs)} | ${result.kills} | ${sum([...result.faults.values()])} | ${result.ordersAcknowledged} + ${result.algoOrdersAcknowledged} | ${result.entriesFilled} | ${result.protection.maxUnprotectedMs} ms | ${result.protection.maxBeyondDowntimeMs} ms | ${result.maxOpenPositions} | ${result.violations.length} | ${result.problems.length} |`,
    ),
  );
  const notes = results.flatMap((result) => [...result.problems, ...result.startupExits]);
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
    'The run directories (audit trail, state file, bot logs):',
    ...results
      .filter((result) => result.violations.length > 0 || result.problems.length > 0)
      .map((result) => `  seed ${result.seed}: ${result.directory}`),
  ];
  return lines.join('\n');
}
