import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Writes the chaos report into the READMEs (`CHAOS_UPDATE_README=1`): the totals table into the root README,
 * the per-seed rows and the named cases into tests-e2e/README.md, each between its `<!-- name:start -->` and
 * `<!-- name:end -->` markers, formatted as Prettier formats markdown so `pnpm lint` stays green.
 */
export async function writeReadmeTables(report: string, command: string): Promise<void> {
  const [summary = '', perSeed = '', ...notes] = report.split('\n\n');
  const from = `From \`${command}\` on ${new Date().toISOString().slice(0, 10)}:`;
  await replaceBlock(join(repoRoot, 'README.md'), 'chaos-summary', `${from}\n\n${summary}`);
  await replaceBlock(
    join(repoRoot, 'tests-e2e', 'README.md'),
    'chaos-seeds',
    [from, perSeed, ...notes].join('\n\n'),
  );
}

async function replaceBlock(path: string, name: string, content: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`${path} has no ${start} … ${end} block to write the table into`);
  const replaced = `${text.slice(0, from + start.length)}\n\n${content}\n\n${text.slice(to)}`;
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(replaced, { ...options, filepath: path }));
}
