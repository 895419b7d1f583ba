import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('README quick start', () => {
  it('keeps the two lines, and the test line is the one .ci/run runs', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(readme).toMatch(/npx -y pnpm@10\.34\.9 install && npx -y pnpm@10\.34\.9 start/);
    expect(readme).toMatch(/npx -y pnpm@10\.34\.9 install && npx -y pnpm@10\.34\.9 test/);
    expect(ci).toMatch(/"\$\{pnpm\[@\]\}" install && "\$\{pnpm\[@\]\}" test/);
    expect(ci).toMatch(/pnpm=\(npx -y pnpm@10\.34\.9\)/);
  });

  it('runs the bot (pnpm start) from sources and prints the resolved configuration', () => {
    const output = execFileSync('node', [join(repoRoot, 'apps/runner/bin/bot.js'), 'quick-check'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      encoding: 'utf8',
    });
    expect(output).toMatch(/configuration is valid/);
    expect(output).toMatch(/mode: paper/);
  });
});
