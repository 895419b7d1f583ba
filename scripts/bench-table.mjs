// Prints one markdown table of every benchmark's headline results: the bench-results.json files that
// `pnpm bench` leaves in packages/*, apps/* and tests-e2e (written with scripts/bench-report.ts), then
// which targets were missed. Always exits 0: benchmarks inform, and a missed target is marked
// "below target" but never fails the run (timings on a shared machine wander).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = 'bench-results.json';
/** Results written this long before the newest ones are from an earlier run: flagged as stale. */
const STALE_MS = 6 * 60 * 60 * 1000;

/** The workspace directories that may hold results, in table order. */
function workspaceDirectories() {
  const directories = [];
  for (const parent of ['packages', 'apps']) {
    const path = join(root, parent);
    if (!existsSync(path)) continue;
    const entries = readdirSync(path, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    for (const name of entries.map((entry) => entry.name).sort()) directories.push(join(path, name));
  }
  directories.push(join(root, 'tests-e2e'));
  return directories.filter((directory) => existsSync(join(directory, 'package.json')));
}

const grouped = (value) => Math.round(value).toLocaleString('en-US');
const known = (value) => typeof value === 'number' && Number.isFinite(value);

/** A measured number, with the precision it deserves. */
function number(value) {
  if (!known(value)) return 'n/a';
  const size = Math.abs(value);
  if (size >= 100) return grouped(value);
  if (size >= 10) return value.toFixed(1);
  if (size >= 1) return value.toFixed(2);
  if (size >= 0.1) return value.toFixed(3);
  return value.toPrecision(2);
}

const withUnit = (value, unit) => (unit === '×' ? `${number(value)}×` : `${number(value)} ${unit}`);

/** value ÷ baseline: `2.26×`, or `1/128` when the value is a small fraction of the baseline. */
function ratioText(ratio) {
  if (!known(ratio) || ratio <= 0) return '';
  if (ratio < 0.5) return `1/${1 / ratio >= 100 ? grouped(1 / ratio) : (1 / ratio).toFixed(1)}`;
  return `${ratio >= 100 ? grouped(ratio) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function targetText(target, unit) {
  if (target === undefined) return '';
  const op = target.op === '>=' ? '≥' : '≤';
  const value = Number.isInteger(target.value) ? grouped(target.value) : String(target.value);
  if (target.of === 'ratio') return `ratio ${op} ${value}×`;
  return `${op} ${value}${unit === '×' ? '×' : ` ${unit}`}`;
}

/** What a row's target is checked against, as text. */
const measuredText = (row) =>
  row.target?.of === 'ratio' ? `ratio ${ratioText(row.ratio)}` : withUnit(row.value, row.unit);

const cell = (text) => String(text).replaceAll('|', '\\|');
const width = (text) => [...text].length;

/** The table, padded as Prettier formats markdown, so it can be pasted into a README as is. */
function markdownTable(header, rows, rightAligned) {
  const table = [header, ...rows].map((cells) => cells.map(cell));
  const widths = header.map((_, column) => Math.max(3, ...table.map((cells) => width(cells[column]))));
  const right = header.map((name) => rightAligned.includes(name));
  const line = (cells) =>
    `| ${cells
      .map((text, column) => {
        const padding = ' '.repeat(widths[column] - width(text));
        return right[column] ? padding + text : text + padding;
      })
      .join(' | ')} |`;
  const rule = `| ${widths.map((size, column) => (right[column] ? `${'-'.repeat(size - 1)}:` : '-'.repeat(size))).join(' | ')} |`;
  return [line(table[0]), rule, ...table.slice(1).map(line)].join('\n');
}

function readResults(directory) {
  const path = join(directory, RESULTS);
  if (!existsSync(path)) return undefined;
  try {
    const results = JSON.parse(readFileSync(path, 'utf8'));
    if (!Array.isArray(results.rows)) throw new Error('no rows');
    return results;
  } catch (error) {
    console.log(`(skipped ${relative(root, path)}: ${error instanceof Error ? error.message : error})`);
    return undefined;
  }
}

function main() {
  const results = [];
  const missing = [];
  for (const directory of workspaceDirectories()) {
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    const found = readResults(directory);
    if (found !== undefined) results.push(found);
    else if (manifest.scripts?.bench !== undefined) missing.push(manifest.name);
  }
  if (results.length === 0) {
    console.log(`No ${RESULTS} found: run \`pnpm bench\` first.`);
    return;
  }

  const rows = [];
  const below = [];
  let targets = 0;
  for (const row of results.flatMap((entry) => entry.rows)) {
    let ok = '';
    if (row.target !== undefined) {
      targets += 1;
      ok = row.pass === true ? '✓' : '**✗ below target**';
      if (row.pass !== true) below.push(row);
    }
    rows.push([
      row.package,
      row.name,
      withUnit(row.value, row.unit),
      row.baseline === undefined ? '' : `${withUnit(row.baseline.value, row.unit)} (${row.baseline.name})`,
      ratioText(row.ratio),
      targetText(row.target, row.unit),
      ok,
    ]);
  }
  const header = ['package', 'measure', 'value', 'baseline', 'ratio', 'target', 'ok'];
  console.log(`\n${markdownTable(header, rows, ['value', 'ratio'])}\n`);

  console.log(
    `Targets: ${targets - below.length} of ${targets} met.${below.length > 0 ? ' Below target:\n' : ''}`,
  );
  for (const row of below) {
    console.log(
      `- ${row.package} ${row.name}: ${measuredText(row)} (target ${targetText(row.target, row.unit)})`,
    );
  }
  console.log('');
  console.log(
    'Ratio: value ÷ baseline, both measured in the same run; 1/128: 128 times smaller than the baseline.',
  );
  const times = results.map((entry) => Date.parse(entry.date)).filter(Number.isFinite);
  const newest = Math.max(...times);
  const machines = [
    ...new Set(
      results
        .filter(({ machine }) => machine !== undefined)
        .map(({ machine }) => `node ${machine.node}, ${machine.cpus} CPUs`),
    ),
  ].join('; ');
  const loads = results.map(({ machine }) => machine?.load?.[0]).filter(known);
  console.log(
    `Measured ${new Date(Math.min(...times)).toISOString().slice(0, 16).replace('T', ' ')}–` +
      `${new Date(newest).toISOString().slice(11, 16)} UTC on ${machines}` +
      (loads.length > 0
        ? `, load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`
        : '.'),
  );
  const stale = results.filter((entry) => !(newest - Date.parse(entry.date) <= STALE_MS));
  if (stale.length > 0) {
    const list = stale.map((entry) => `${entry.package} (${entry.date})`).join(', ');
    console.log(`Stale, from an earlier run: ${list}.`);
  }
  if (missing.length > 0) {
    console.log(`No results from: ${missing.join(', ')} (its bench did not run, or writes none).`);
  }
}

try {
  main();
} catch (error) {
  // Never fail `pnpm bench` over the summary: the benches' own output above is complete.
  console.log(`(bench table failed: ${error instanceof Error ? error.message : error})`);
}
process.exitCode = 0;
