/**
 * The mutation gate: `pnpm test:mutants [--short] [--only <name>] [--tests <part>] [--baseline] [--keep] [--check]`.
 *
 * 1. Copies the working tree (tracked and untracked files, ignored ones aside, uncommitted changes
 *    included) to a scratch folder; `node_modules` is linked, not copied (see `makeScratch`).
 * 2. Checks every mutant of `mutants.ts` (not only the ones it will run): its `find` must occur exactly
 *    once in its file, else the run stops naming it, so the list cannot rot silently.
 * 3. Per mutant: writes the mutated file in the scratch copy, runs its test files one at a time in the
 *    order listed until one fails (that file killed it), then puts the file back.
 * 4. Prints a line per mutant and `N/N mutants killed`; exits 1 unless every mutant was killed.
 *
 * `--check` stops after step 2 (every pattern checked, nothing run).
 *
 * `--tests <part>` keeps only the test runs whose file contains `<part>`, and the mutants that list one:
 * `--tests chaos` proves the chaos suite alone kills the mutants it is named for.
 *
 * A mutant counts as killed only when a test fails on it. A run that fails without a failing test (the
 * mutant broke the file's syntax, a suite did not load) is an error of the list, as is a test selection
 * that runs no test. The tests are assumed green on the unmutated tree (CI runs `pnpm test` first);
 * `--baseline` checks that too, by running every selected mutant's tests on the unmutated copy first.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutants } from './mutants';
import type { Mutant, TestRun } from './mutants';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const testsPart = args.includes('--tests') ? args[args.indexOf('--tests') + 1] : undefined;
/** One test file may take this long before the mutant counts as killed by a timeout. */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** The vitest process running now (its own process group), stopped with us on Ctrl-C. */
let current: number | undefined;
let scratchFolder: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (current !== undefined) stopGroup(current);
    if (scratchFolder && !flag('--keep')) rmSync(scratchFolder, { recursive: true, force: true });
    process.exit(130);
  });
}

function stopGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

type Outcome =
  | { kind: 'killed'; by: string; test: string; ms: number }
  | { kind: 'survived'; ms: number }
  | { kind: 'error'; message: string; ms: number };

/** The working tree as git sees it (ignored files aside), with node_modules linked to the real ones. */
function makeScratch(): string {
  const scratch = mkdtempSync(join(tmpdir(), 'bot-mutants-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0')) {
    if (!file || !existsSync(join(root, file))) continue; // deleted but still tracked
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    cpSync(join(root, file), join(scratch, file), { verbatimSymlinks: true });
  }
  // The root's node_modules is shared; each package's own node_modules holds only symlinks (pnpm): they
  // are recreated as they are, so `@bot/*` links (relative, `../../../packages/x`) point into the scratch
  // copy and a mutated package is the one its dependants import, while third-party links go through the
  // root's. Vite's caches (`.vite`, `.vite-temp`) are left behind.
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
  for (const manifest of listed.stdout.split('\0').filter((file) => file.endsWith('/package.json'))) {
    const modules = join(root, dirname(manifest), 'node_modules');
    if (!existsSync(modules)) continue;
    const copy = (from: string, to: string) => {
      mkdirSync(to, { recursive: true });
      for (const entry of readdirSync(from)) {
        if (entry === '.vite' || entry === '.vite-temp') continue;
        const source = join(from, entry);
        if (lstatSync(source).isDirectory()) copy(source, join(to, entry));
        else cpSync(source, join(to, entry), { verbatimSymlinks: true });
      }
    };
    copy(modules, join(scratch, dirname(manifest), 'node_modules'));
  }
  return scratch;
}

/** The mutated text of the mutant's file, or why it cannot be made. */
function mutate(mutant: Mutant, text: string): string | Error {
  const pattern =
    typeof mutant.find === 'string'
      ? new RegExp(mutant.find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')
      : new RegExp(
          mutant.find.source,
          mutant.find.flags.includes('g') ? mutant.find.flags : `${mutant.find.flags}g`,
        );
  const found = [...text.matchAll(pattern)].length;
  if (found !== 1) {
    return new Error(
      `mutant "${mutant.name}": its pattern is found ${found} times in ${mutant.file} (must be exactly once): ${String(mutant.find).slice(0, 120)}`,
    );
  }
  const mutated =
    typeof mutant.find === 'string'
      ? text.replace(mutant.find, () => mutant.replace)
      : text.replace(pattern, mutant.replace);
  return mutated === text ? new Error(`mutant "${mutant.name}": its replacement changes nothing`) : mutated;
}

/** The package folder of a test file: the nearest folder with a package.json. */
function packageOf(scratch: string, file: string): string {
  let folder = dirname(join(scratch, file));
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder);
  return folder;
}

interface VitestReport {
  numFailedTests: number;
  numPassedTests: number;
  testResults: {
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

/** Runs one test file of the scratch copy with vitest; resolves with what happened. */
function runTests(
  scratch: string,
  run: TestRun,
  log: string,
): Promise<{ failed: string[]; passed: number; error?: string }> {
  const folder = packageOf(scratch, run.file);
  const report = join(folder, 'test-results.json');
  rmSync(report, { force: true });
  const vitest = join(scratch, 'node_modules', 'vitest', 'vitest.mjs');
  const filter = run.name ? ['-t', run.name] : [];
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [vitest, 'run', relative(folder, join(scratch, run.file)), ...filter],
      {
        cwd: folder,
        env: { ...process.env, ...run.env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    current = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[mutants] timed out after ${RUN_TIMEOUT_MS} ms\n`;
      stopGroup(child.pid as number);
    }, RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      writeFileSync(log, output, { flag: 'a' });
      if (signal === 'SIGKILL') return resolve({ failed: ['(timed out)'], passed: 0 });
      let parsed: VitestReport | undefined;
      try {
        parsed = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
      } catch {
        parsed = undefined;
      }
      const failed = (parsed?.testResults ?? []).flatMap((file) =>
        file.assertionResults
          .filter((test) => test.status === 'failed')
          .map((test) => `${test.fullName}: ${firstLine(test.failureMessages?.[0])}`),
      );
      const passed = parsed?.numPassedTests ?? 0;
      if (failed.length > 0) return resolve({ failed, passed });
      if (code !== 0) {
        const message = parsed?.testResults.find((file) => file.message)?.message?.split('\n')[0];
        return resolve({
          failed,
          passed,
          error: `vitest exited ${code} with no failing test (${message ?? 'see the log'})`,
        });
      }
      if (passed === 0) return resolve({ failed, passed, error: 'the selection ran no test' });
      resolve({ failed, passed });
    });
  });
}

const firstLine = (text = '') => text.split('\n')[0]?.slice(0, 160) ?? '';

const describeRun = (run: TestRun) =>
  `${run.file}${run.name ? ` -t "${run.name}"` : ''}${
    run.env
      ? ` (${Object.entries(run.env)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ')})`
      : ''
  }`;

async function main(): Promise<void> {
  const selected = mutants
    .filter((mutant) =>
      only ? mutant.name === only : !flag('--short') || (mutant.short && !mutant.survives),
    )
    .map((mutant) =>
      testsPart === undefined
        ? mutant
        : { ...mutant, tests: mutant.tests.filter((run) => run.file.includes(testsPart)) },
    )
    .filter((mutant) => mutant.tests.length > 0);
  if (selected.length === 0) {
    throw new Error(
      `no mutant selected${only ? ` named "${only}"` : ''}${testsPart ? ` with a test file containing "${testsPart}"` : ''}`,
    );
  }
  const started = Date.now();
  const scratch = makeScratch();
  scratchFolder = scratch;
  const log = join(tmpdir(), `bot-mutants-${process.pid}.log`);
  console.log(`mutation gate: ${selected.length} of ${mutants.length} mutants, scratch copy ${scratch}`);
  try {
    const problems = mutants
      .map((mutant) => mutate(mutant, readFileSync(join(scratch, mutant.file), 'utf8')))
      .filter((result): result is Error => result instanceof Error);
    if (problems.length > 0) {
      for (const problem of problems) console.error(`ERROR ${problem.message}`);
      process.exitCode = 1;
      return;
    }
    if (flag('--check')) {
      console.log(`every pattern found once: ${mutants.map((mutant) => mutant.name).join(', ')}`);
      return;
    }
    if (flag('--baseline')) {
      const runs = new Map(
        selected.flatMap((mutant) => mutant.tests.map((run) => [describeRun(run), run] as const)),
      );
      for (const [described, run] of runs) {
        const result = await runTests(scratch, run, log);
        if (result.failed.length > 0 || result.error) {
          console.error(
            `ERROR baseline: ${described} fails without any mutant: ${result.error ?? result.failed[0]}`,
          );
          process.exitCode = 1;
          return;
        }
        console.log(`baseline ok  ${described}`);
      }
    }
    const outcomes: [Mutant, Outcome][] = [];
    for (const mutant of selected) {
      const path = join(scratch, mutant.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, mutate(mutant, original) as string);
      writeFileSync(log, `\n===== mutant: ${mutant.name}\n`, { flag: 'a' });
      const begun = Date.now();
      let outcome: Outcome = { kind: 'survived', ms: 0 };
      try {
        for (const run of mutant.tests) {
          const result = await runTests(scratch, run, log);
          if (result.failed.length > 0) {
            outcome = {
              kind: 'killed',
              by: describeRun(run),
              test: result.failed[0] ?? '',
              ms: Date.now() - begun,
            };
            break;
          }
          if (result.error) {
            outcome = {
              kind: 'error',
              message: `${describeRun(run)}: ${result.error}`,
              ms: Date.now() - begun,
            };
            break;
          }
        }
      } finally {
        writeFileSync(path, original);
      }
      if (outcome.kind === 'survived') outcome.ms = Date.now() - begun;
      outcomes.push([mutant, outcome]);
      console.log(line(mutant, outcome));
    }
    const killed = outcomes.filter(([, outcome]) => outcome.kind === 'killed').length;
    console.log('');
    for (const [mutant, outcome] of outcomes) console.log(line(mutant, outcome));
    console.log(`\n${killed}/${outcomes.length} mutants killed in ${seconds(Date.now() - started)}`);
    console.log(`the tests' output: ${log}`);
    if (killed !== outcomes.length) process.exitCode = 1;
  } finally {
    if (flag('--keep')) console.log(`scratch copy kept: ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function line(mutant: Mutant, outcome: Outcome): string {
  const name = mutant.name.padEnd(44);
  if (outcome.kind === 'killed')
    return `killed    ${name} ${seconds(outcome.ms).padStart(7)}  by ${outcome.by} › ${outcome.test}`;
  if (outcome.kind === 'survived') {
    const known = mutant.survives ? ` (known survivor: ${mutant.survives})` : '';
    return `SURVIVED  ${name} ${seconds(outcome.ms).padStart(7)}  every test passed: ${mutant.tests.map(describeRun).join(', ')}${known}`;
  }
  return `ERROR     ${name} ${seconds(outcome.ms).padStart(7)}  ${outcome.message}`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
