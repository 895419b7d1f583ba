import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');

describe('workspace bins', () => {
  it('every package bin is a committed file, so a fresh clone links it at install without a warning', () => {
    const tracked = new Set(
      execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).trim().split('\n').map(normalize),
    );
    const manifests = [...tracked].filter((path) => /^(packages|apps)\/[^/]+\/package\.json$/.test(path));
    const bins = manifests.flatMap((manifest) => {
      const { bin } = JSON.parse(readFileSync(join(root, manifest), 'utf8')) as {
        bin?: Record<string, string>;
      };
      return Object.values(bin ?? {}).map((target) => normalize(join(manifest, '..', target)));
    });
    expect(bins.length).toBeGreaterThanOrEqual(3);
    expect(bins.filter((bin) => !tracked.has(bin))).toEqual([]);
  });
});
