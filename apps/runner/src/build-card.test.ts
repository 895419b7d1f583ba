import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildInfo, commitOfStatus } from './build-card';

const oid = 'a'.repeat(40);

describe('the build card', () => {
  it("reads the commit and whether tracked files differ from one `git status`'s answer", () => {
    expect(commitOfStatus(`# branch.oid ${oid}\n# branch.head main\n`)).toBe(oid);
    expect(
      commitOfStatus(
        `# branch.oid ${oid}\n# branch.head main\n1 .M N... 100644 100644 100644 x y src/a.ts\n`,
      ),
    ).toBe(`${oid}+dirty`);
    // Before the first commit, or not git's answer at all.
    expect(commitOfStatus('# branch.oid (initial)\n# branch.head main\n')).toBe('unknown');
    expect(commitOfStatus('')).toBe('unknown');
  });

  it('names the commit git names for HEAD (the repository of these sources)', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    }).trim();
    expect(buildInfo().commit).toMatch(new RegExp(`^${head}(\\+dirty)?$`));
  });
});
