import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What a consumer receives from each published package, checked without a build: its manifest in the
 * repository, and the tarball `pnpm pack` makes of it (the same command `changeset publish` runs, so
 * `publishConfig` and the workspace protocol are applied as at a release). The registry test
 * (registry-publish.test.ts) checks the built tarballs a release really publishes.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const PNPM = 'pnpm@10.34.9';
/** The documented placeholder (README: "Publishing"): one base in every manifest, so one edit moves them all. */
const REPOSITORY = 'https://git.bot.invalid/usdc-futures-bot';

type Manifest = Record<string, unknown> & {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

const libraries = readdirSync(join(repoRoot, 'packages'))
  .filter((dir) => existsSync(join(repoRoot, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, manifest: readJson<Manifest>(join(repoRoot, 'packages', dir, 'package.json')) }))
  .filter(({ manifest }) => manifest['private'] !== true);
const rootManifest = readJson<Manifest>(join(repoRoot, 'package.json'));
const license = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');

const packDir = mkdtempSync(join(tmpdir(), 'bot-pack-'));
afterAll(() => rmSync(packDir, { recursive: true, force: true }));

/** `pnpm pack` of one package: the tarball's file list and its package.json. */
function pack(dir: string): { files: string[]; manifest: Manifest } {
  const out = join(packDir, dir);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_)/i.test(key)),
  ) as NodeJS.ProcessEnv;
  execFileSync('npx', ['-y', PNPM, 'pack', '--pack-destination', out], {
    cwd: join(repoRoot, 'packages', dir),
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [tarball] = readdirSync(out).filter((file) => file.endsWith('.tgz'));
  const path = join(out, tarball ?? 'missing.tgz');
  const files = execFileSync('tar', ['-tzf', path], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', path, 'package/package.json'], { encoding: 'utf8' }),
  ) as Manifest;
  return { files, manifest };
}

describe.each(libraries)('the published package $manifest.name', ({ dir, manifest }) => {
  it('names its license, repository, home page, issue tracker and keywords', () => {
    expect(manifest['license']).toBe('MIT');
    expect(readFileSync(join(repoRoot, 'packages', dir, 'LICENSE'), 'utf8')).toBe(license);
    expect(manifest['repository']).toEqual({
      type: 'git',
      url: `git+${REPOSITORY}.git`,
      directory: `packages/${dir}`,
    });
    expect(manifest['homepage']).toBe(`${REPOSITORY}/tree/main/packages/${dir}#readme`);
    expect(manifest['bugs']).toEqual({ url: `${REPOSITORY}/issues` });
    expect(manifest['keywords']).toEqual(expect.arrayContaining([expect.stringMatching(/^[a-z0-9-]+$/)]));
    // One Node floor for the whole repository (README: "Node versions").
    expect(manifest['engines']).toEqual(rootManifest['engines']);
  });

  it('has a changelog that changesets can write into, from its first release on', () => {
    const changelog = readFileSync(join(repoRoot, 'packages', dir, 'CHANGELOG.md'), 'utf8');
    // changesets inserts each release under this heading (and writes it when the file is missing).
    expect(changelog.split('\n')[0]).toBe(`# ${manifest.name}`);
  });

  it('depends on the other @bot packages through workspace:^, published as a caret range', () => {
    for (const field of ['dependencies', 'devDependencies'] as const) {
      for (const [name, spec] of Object.entries(manifest[field] ?? {})) {
        if (name.startsWith('@bot/'))
          expect({ field, name, spec }).toEqual({ field, name, spec: 'workspace:^' });
      }
    }
  });

  it('packs its README, LICENSE, CHANGELOG and build, without the sources, source maps or the @bot/source condition', () => {
    const packed = pack(dir);
    expect(packed.files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']),
    );
    // dist/ only once built (the registry test packs the build); the bin launchers are committed files.
    const unexpected = packed.files.filter(
      (file) =>
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(file) &&
        !/^dist\/.+\.(c?js|d\.c?ts)$/.test(file) &&
        !/^bin\/[\w-]+\.js$/.test(file),
    );
    expect(unexpected).toEqual([]);
    // (The scripts keep it: a bench script runs from the sources, and scripts resolve nothing for a consumer.)
    expect(JSON.stringify(packed.manifest['exports'])).not.toContain('@bot/source');
    expect(JSON.stringify(packed.manifest)).not.toContain('workspace:');
    expect(packed.manifest['exports']).toEqual(
      (manifest['publishConfig'] as { exports: unknown } | undefined)?.exports,
    );
    for (const [name, spec] of Object.entries(packed.manifest.dependencies ?? {})) {
      if (!name.startsWith('@bot/')) continue;
      const version = libraries.find((library) => library.manifest.name === name)?.manifest.version;
      expect({ name, spec }).toEqual({ name, spec: `^${version}` });
    }
  }, 60_000);
});

describe('the first release', () => {
  it('is 0.1.0: each library at 0.0.0 has a pending minor changeset and no major one', () => {
    const bumps = new Map<string, Set<string>>();
    for (const file of readdirSync(join(repoRoot, '.changeset'))) {
      if (!file.endsWith('.md') || file === 'README.md') continue;
      const text = readFileSync(join(repoRoot, '.changeset', file), 'utf8');
      for (const match of text.matchAll(/^['"]?(@bot\/[\w.-]+)['"]?\s*:\s*(major|minor|patch)\s*$/gm)) {
        const name = String(match[1]);
        bumps.set(name, (bumps.get(name) ?? new Set()).add(String(match[2])));
      }
    }
    for (const { manifest } of libraries.filter(({ manifest }) => manifest.version === '0.0.0')) {
      const kinds = [...(bumps.get(manifest.name) ?? [])];
      expect({ name: manifest.name, minor: kinds.includes('minor'), major: kinds.includes('major') }).toEqual(
        {
          name: manifest.name,
          minor: true,
          major: false,
        },
      );
    }
  });
});
