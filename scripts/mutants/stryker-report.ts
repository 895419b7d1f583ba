/**
 * `pnpm mutation:report`: after `pnpm mutation:stryker`, reads each package's Stryker JSON report and prints
 * the score table of the README's "Mutation gate" section, then writes `stryker-survivors.md` beside this
 * file: every mutant no test killed (survived or not covered), by file and line, with what Stryker changed
 * and a verdict: `message` (only the text a person reads changed: an error message, a reason string),
 * a judgement from `judgements.ts` (equivalent, or the test that would kill it), or `not judged`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgements } from './judgements';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const packages = [
  { name: '@bot/risk', folder: 'packages/risk', files: 'all of `src/`' },
  { name: '@bot/exchange', folder: 'packages/exchange', files: '`protected-entry.ts`, `reconcile.ts`' },
];

interface Position {
  line: number;
  column: number;
}
interface StrykerMutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: Position; end: Position };
}
interface StrykerReport {
  files: Record<string, { source: string; mutants: StrykerMutant[] }>;
}

const rows: string[] = [];
/** Per file, per line: the verdict and what each surviving mutant of that line changed. */
const survivors = new Map<string, Map<number, { verdict: string; changes: string[] }>>();
const shown = (text: string) => `\`${text.replace(/\s+/g, ' ').replace(/`/g, "'").slice(0, 60)}\``;
let survivorCount = 0;
for (const { name, folder, files } of packages) {
  const path = join(root, folder, 'reports', 'mutation', 'mutation.json');
  if (!existsSync(path)) {
    console.error(`${path}: no report; run pnpm mutation:stryker first`);
    process.exitCode = 1;
    continue;
  }
  const report = JSON.parse(readFileSync(path, 'utf8')) as StrykerReport;
  const count = { Killed: 0, Survived: 0, Timeout: 0, NoCoverage: 0, other: 0 };
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    const offset = ({ line, column }: Position) =>
      lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
    const byLine = new Map<number, { verdict: string; changes: string[] }>();
    survivors.set(`${folder}/${file}`, byLine);
    for (const mutant of mutants.sort((a, b) => a.location.start.line - b.location.start.line)) {
      if (mutant.status in count) count[mutant.status as keyof typeof count] += 1;
      else count.other += 1;
      if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
      survivorCount += 1;
      const original = source.slice(offset(mutant.location.start), offset(mutant.location.end));
      const line = mutant.location.start.line;
      const message =
        (mutant.mutatorName === 'StringLiteral' && (/\s/.test(original) || original.startsWith('`'))) ||
        (mutant.mutatorName === 'ObjectLiteral' && /^\{\s*cause\s*\}$/.test(original));
      const entry = byLine.get(line) ?? {
        verdict: judgements[`${folder}/${file}:${line}`] ?? 'not judged',
        changes: [],
      };
      if (entry.verdict === 'not judged' && message) entry.verdict = 'message';
      entry.changes.push(
        `${mutant.mutatorName}${mutant.status === 'NoCoverage' ? ' (no coverage)' : ''} ${shown(original)} → ${shown(mutant.replacement ?? '')}`,
      );
      byLine.set(line, entry);
    }
  }
  const detected = count.Killed + count.Timeout;
  const score = (100 * detected) / (detected + count.Survived + count.NoCoverage);
  rows.push(
    `| ${name}: ${files} | ${count.Killed} | ${count.Survived} | ${count.Timeout} | ${count.NoCoverage} | ${score.toFixed(1)} % |`,
  );
}

console.log('| package: files | killed | survived | timeout | no coverage | score |');
console.log('| -------------- | -----: | -------: | ------: | ----------: | ----: |');
for (const row of rows) console.log(row);
const sections = [...survivors].flatMap(([file, byLine]) => [
  `## ${file}`,
  '',
  ...[...byLine].map(([line, { verdict, changes }]) => `- **${line}**: ${verdict}. ${changes.join('; ')}`),
  '',
]);
writeFileSync(
  join(here, 'stryker-survivors.md'),
  [
    '# Stryker survivors',
    '',
    'Written by `pnpm mutation:report` (scripts/mutants/stryker-report.ts) from the last `pnpm mutation:stryker`:',
    'every mutant no test killed (survived, or in code no test runs: "no coverage"), per file and line, with the',
    'verdict on the line (`judgements.ts`; `message`: only text a person reads changed) and what each mutant',
    'changed. See the root README, "Mutation gate".',
    '',
    ...sections,
  ].join('\n'),
);
const kinds = new Map<string, number>();
for (const byLine of survivors.values()) {
  for (const { verdict, changes } of byLine.values()) {
    const kind = /^[a-z ]+/.exec(verdict)?.[0].trim() ?? verdict;
    kinds.set(kind, (kinds.get(kind) ?? 0) + changes.length);
  }
}
console.log(
  `\n${survivorCount} survivors listed in scripts/mutants/stryker-survivors.md: ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ')}`,
);
