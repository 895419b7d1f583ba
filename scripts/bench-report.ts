/**
 * Machine-readable headline results of a benchmark, for the one table `pnpm bench` ends with
 * (scripts/bench-table.mjs). A bench keeps printing its own text, then hands its headline numbers here:
 *
 *   import { writeBenchResults } from '../../../scripts/bench-report';
 *   writeBenchResults(import.meta.url, [
 *     { name: 'decisions', value: rate, unit: 'ops/s', baseline: { name: 'bare float math', value: base },
 *       target: { op: '>=', value: 1_000_000 } },
 *   ]);
 *
 * It writes `bench-results.json` (gitignored) next to the package.json nearest to the bench file, with
 * the package's name, the time, the machine (node, CPUs, load) and the rows, replacing what an earlier
 * run wrote. Call it once per package run, with every row (a package whose bench is split over files
 * collects the rows and writes them from its entry file). Per row:
 * - `value` and `baseline.value` are in the row's `unit` (ops/s, ms, …); the baseline is measured in
 *   the same run, because on a shared machine absolute numbers wander and ratios are what compare.
 * - `ratio` defaults to value ÷ baseline; pass it when the bench measures it better (e.g. the median of
 *   paired rounds). Keep the meaning value ÷ baseline.
 * - `target` is checked against the value, or against the ratio with `of: 'ratio'`; `pass` is computed
 *   here. A missed target is reported, never fatal: timings do not fail a run.
 * Plain TypeScript run by tsx: import it by relative path from a bench (no package to depend on).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_RESULTS_FILE = 'bench-results.json';

export interface BenchTarget {
  readonly op: '>=' | '<=';
  readonly value: number;
  /** What the target applies to: the row's value (default) or its ratio to the baseline. */
  readonly of?: 'value' | 'ratio';
}

/** A row as a bench gives it. */
export interface BenchRowInput {
  /** What was measured, short (e.g. `canOpen + sizePosition`, `createOrder p99`). */
  readonly name: string;
  readonly value: number;
  /** The unit of `value` and of `baseline.value`: `ops/s`, `msg/s`, `ms`, `×`… */
  readonly unit: string;
  /** The same work done the plain way, measured in the same run. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** value ÷ baseline unless given. */
  readonly ratio?: number;
  readonly target?: BenchTarget;
}

/** A row as written to bench-results.json. */
export interface BenchRow extends BenchRowInput {
  readonly package: string;
  /** Whether the target is met (absent without a target). */
  readonly pass?: boolean;
}

export interface BenchResults {
  readonly package: string;
  /** ISO-8601 time the results were written. */
  readonly date: string;
  readonly machine: { readonly node: string; readonly cpus: number; readonly load: readonly number[] };
  readonly rows: readonly BenchRow[];
}

function packageDirectory(from: string): string {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    if (dirname(directory) === directory) throw new Error(`no package.json above ${from}`);
  }
}

/** The row with its ratio and pass computed. */
export function benchRow(packageName: string, input: BenchRowInput): BenchRow {
  const { baseline, target } = input;
  const ratio =
    input.ratio ??
    (baseline !== undefined && baseline.value !== 0 ? input.value / baseline.value : undefined);
  const row: BenchRow = { package: packageName, ...input, ...(ratio === undefined ? {} : { ratio }) };
  if (target === undefined) return row;
  const measured = target.of === 'ratio' ? ratio : input.value;
  const pass =
    measured !== undefined &&
    Number.isFinite(measured) &&
    (target.op === '>=' ? measured >= target.value : measured <= target.value);
  return { ...row, pass };
}

/**
 * Writes the package's bench-results.json. `benchFile` is the bench's `import.meta.url` (or path): the
 * results go next to the nearest package.json above it, whatever the working directory. Returns the path.
 */
export function writeBenchResults(benchFile: string, rows: readonly BenchRowInput[]): string {
  const directory = packageDirectory(benchFile.startsWith('file:') ? fileURLToPath(benchFile) : benchFile);
  const { name } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name: string };
  const results: BenchResults = {
    package: name,
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      load: loadavg().map((load) => Math.round(load * 100) / 100),
    },
    rows: rows.map((row) => benchRow(name, row)),
  };
  const path = join(directory, BENCH_RESULTS_FILE);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** The sample at `fraction` (0.5 median, 0.99 p99) of unsorted `samples`, nearest rank; NaN when empty. */
export function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}
