import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `pnpm release`'s first step (scripts/release-check.mjs), in scratch git checkouts. */
const script = resolve(import.meta.dirname, '..', '..', 'scripts', 'release-check.mjs');

/** A checkout with one commit, and a git that reads no configuration but the checkout's own. */
function checkout(): { dir: string; env: NodeJS.ProcessEnv; git: (...args: string[]) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bot-release-'));
  const home = mkdtempSync(join(tmpdir(), 'bot-release-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: join(home, 'gitconfig'),
  };
  const git = (...args: string[]) => void execFileSync('git', args, { cwd: dir, env, stdio: 'ignore' });
  mkdirSync(join(dir, '.changeset'));
  writeFileSync(join(dir, '.changeset', 'README.md'), '# Changesets\n');
  writeFileSync(join(dir, 'package.json'), '{}\n');
  git('init', '-q');
  git('add', '.');
  // The first commit's identity is given for this command only: the checkout itself has none.
  git('-c', 'user.name=Setup', '-c', 'user.email=setup@example.com', 'commit', '-qm', 'init');
  return { dir, env, git };
}

function check(dir: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [script], { cwd: dir, env, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('pnpm release refuses to start when it could not tag what it publishes', () => {
  it('without a git identity, saying how to set one', () => {
    const { dir, env } = checkout();
    const result = check(dir, env);
    expect(result.code).toBe(1);
    expect(result.output).toContain('no git identity for the release tags: git config user.name');
  });

  it('with pending changesets or uncommitted versions; ready once they are committed', () => {
    const { dir, env, git } = checkout();
    git('config', 'user.name', 'Release');
    git('config', 'user.email', 'release@example.com');
    expect(check(dir, env)).toEqual({
      code: 0,
      output: 'pnpm release: git identity set, versions committed, nothing pending\n',
    });

    writeFileSync(join(dir, '.changeset', 'brave-fox.md'), "---\n'@bot/risk': minor\n---\n\nA change.\n");
    const pending = check(dir, env);
    expect(pending.code).toBe(1);
    expect(pending.output).toContain('1 pending changeset(s): run pnpm version-packages');

    // `changeset version` consumed it and wrote a version, not committed yet.
    writeFileSync(join(dir, 'package.json'), '{ "version": "0.1.0" }\n');
    rmSync(join(dir, '.changeset', 'brave-fox.md'));
    const dirty = check(dir, env);
    expect(dirty.code).toBe(1);
    expect(dirty.output).toMatch(/uncommitted changes .*\n.*package\.json/);

    git('commit', '-qam', 'chore: version packages');
    expect(check(dir, env).code).toBe(0);
  });
});
