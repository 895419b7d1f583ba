import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { parseConfigFile, runServer } from 'verdaccio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The libraries reach their users through a private npm registry. This test starts verdaccio (the registry
 * an operator runs, with `verdaccio/config.yaml`), versions and publishes a copy of the repository with
 * changesets exactly as a release does, then installs every library into a scratch project that knows no
 * other registry, and uses it from ESM, from CommonJS and from TypeScript.
 *
 * Nothing in the repository is touched: the release happens in a copy of the tracked files, in a temp dir.
 * The registry needs the public npm registry as its uplink (for zod, ccxt, ws, …); pnpm's store and npm's
 * cache make the rest fast. It costs about 3 CPU-minutes, over half of it the packages' tsup build (type
 * declarations); on a 2-core machine busy with other work it took 2½ to 5 minutes.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const PNPM = 'pnpm@10.34.9';
const RELEASE_USER = 'bot-release';
/** Generous: on a busy 2-core machine the release alone has taken over 4 minutes. */
const STEP_TIMEOUT_MS = 600_000;
const RELEASE_TIMEOUT_MS = 900_000;
const CONSUMER_TIMEOUT_MS = 300_000;

interface Library {
  readonly name: string;
  readonly dir: string;
}

/** Every published package: packages/* minus any marked private. */
const libraries: Library[] = readdirSync(join(repoRoot, 'packages'))
  .filter((dir) => existsSync(join(repoRoot, 'packages', dir, 'package.json')))
  .map((dir) => {
    const manifest = readJson(join(repoRoot, 'packages', dir, 'package.json'));
    return { name: String(manifest.name), dir, private: manifest.private === true };
  })
  .filter((library) => !library.private)
  .map(({ name, dir }) => ({ name, dir }));

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command without blocking the event loop (verdaccio answers from this very process), and fails
 * with its output unless `allowFailure`.
 */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; allowFailure?: boolean },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (code === 0 || options.allowFailure === true) resolvePromise(result);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} (in ${options.cwd}) exited with ${code}\n` +
              `--- stdout\n${stdout.slice(-6000)}\n--- stderr\n${stderr.slice(-6000)}`,
          ),
        );
    });
  });
}

/** How long each step took, printed at the end (no assertion on it). */
const timings: string[] = [];
async function step<T>(label: string, action: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await action();
  } finally {
    timings.push(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  }
}

/**
 * The environment of every child: this one, less what the surrounding pnpm, npx, turbo or vitest put there
 * (npm_config_* would override the .npmrc files under test), with the pinned pnpm first on PATH.
 */
function childEnvironment(pnpmBinDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|vitest|turbo_)/i.test(key) || ['INIT_CWD', 'NODE_ENV', 'TEST'].includes(key)) continue;
    env[key] = value;
  }
  if (pnpmBinDir !== undefined) env.PATH = `${pnpmBinDir}${delimiter}${env.PATH ?? ''}`;
  return env;
}

let work: string;
let server: Server | undefined;
let registry: string;
let env: NodeJS.ProcessEnv;
/** The version each library has after `changeset version`, by name. */
const releasedVersions = new Map<string, string>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bot-registry-'));

  // The registry: the operator's config, with its storage and users in the temp dir; port 0 = a free one.
  const config = parseConfigFile(join(repoRoot, 'tests-e2e', 'verdaccio', 'config.yaml')) as {
    storage: string;
    auth: { htpasswd: { file: string } };
    self_path?: string;
    packages: Record<string, { proxy?: string }>;
    log?: unknown;
    logs?: unknown;
  };
  // @bot/* never goes to the uplink, so a public package of the same name can never be installed instead.
  expect(config.packages['@bot/*']?.proxy).toBeUndefined();
  expect(config.packages['**']?.proxy).toBe('npmjs');
  // The command line reads `log`; runServer sets its logger up from `logs`.
  config.logs = config.log;
  config.storage = join(work, 'storage');
  config.auth.htpasswd.file = join(work, 'htpasswd');
  config.self_path = join(work, 'config.yaml');
  const app = (await runServer(config as never)) as Server;
  await new Promise<void>((resolvePromise, reject) => {
    app.once('error', reject);
    app.listen(0, '127.0.0.1', () => resolvePromise());
  });
  server = app;
  registry = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;

  // Fail early and clearly when the uplink is out of reach (verdaccio itself only answers 404).
  const uplink = await fetch(`${registry}zod`);
  await uplink.arrayBuffer();
  if (uplink.status !== 200) {
    throw new Error(
      `verdaccio cannot reach its uplink https://registry.npmjs.org/ (GET /zod answered ${uplink.status}). ` +
        'Behind a proxy or a TLS-intercepting gateway, NODE_EXTRA_CA_CERTS and the *_PROXY variables must ' +
        'reach this process (tests-e2e/turbo.json passes them through turbo).',
    );
  }

  // changesets calls `pnpm publish`: the pinned pnpm must be the one on PATH (there may be none at all).
  const found = await run('npx', ['-y', '-p', PNPM, 'sh', '-c', 'command -v pnpm'], {
    cwd: work,
    env: childEnvironment(),
  });
  env = childEnvironment(dirname(found.stdout.trim()));
  const version = await run('pnpm', ['--version'], { cwd: work, env });
  expect(version.stdout.trim()).toBe(PNPM.split('@')[1]);
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  if (server !== undefined) {
    const closing = new Promise((resolvePromise) => server?.close(resolvePromise));
    server.closeAllConnections();
    await closing;
  }
  // Two node_modules trees (one with ccxt): removing them takes a while on a busy machine.
  if (work !== undefined) await rm(work, { recursive: true, force: true });
  if (timings.length > 0) console.log(`registry-publish timings:\n  ${timings.join('\n  ')}`);
}, STEP_TIMEOUT_MS);

describe('publishing to a private registry', () => {
  it(
    'releases every library with changesets to verdaccio, and no private package',
    async () => {
      // A user, through the npm adduser HTTP API; publishing to @bot/* needs one ($authenticated).
      const added = await fetch(`${registry}-/user/org.couchdb.user:${RELEASE_USER}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: RELEASE_USER, password: randomBytes(16).toString('hex') }),
      });
      expect(added.status).toBe(201);
      const { token } = (await added.json()) as { token: string };
      expect(token).toMatch(/\S{10,}/);

      // A copy of the tracked files, as a fresh clone would have them (with uncommitted edits).
      const copy = join(work, 'repo');
      await step('copy tracked files', async () => {
        const listed = await run('git', ['ls-files', '-z'], { cwd: repoRoot, env });
        for (const file of listed.stdout.split('\0').filter((path) => path !== '')) {
          const from = join(repoRoot, file);
          if (!existsSync(from)) continue; // deleted in the working tree
          mkdirSync(dirname(join(copy, file)), { recursive: true });
          copyFileSync(from, join(copy, file));
        }
      });

      // The one place the registry's address lives: .npmrc and each package's publishConfig.
      const npmrc = readFileSync(join(copy, '.npmrc'), 'utf8');
      expect(npmrc).toMatch(/^@bot:registry=http:\/\/127\.0\.0\.1:4873\/$/m);
      writeFileSync(
        join(copy, '.npmrc'),
        `${npmrc.replace(/^@bot:registry=.*$/m, `@bot:registry=${registry}`)}` +
          `//${registry.replace(/^http:\/\//, '')}:_authToken=${token}\n`,
      );
      for (const { dir } of libraries) {
        const path = join(copy, 'packages', dir, 'package.json');
        const manifest = readJson(path);
        const publishConfig = manifest.publishConfig as Record<string, unknown>;
        expect(publishConfig, dir).toMatchObject({
          access: 'restricted',
          registry: 'http://127.0.0.1:4873/',
        });
        // The rest (the published `exports`, without the @bot/source condition) stays as it is.
        manifest.publishConfig = { ...publishConfig, registry };
        writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
      }

      await step('pnpm install', async () => {
        const offline = await run('pnpm', ['install', '--offline', '--frozen-lockfile'], {
          cwd: copy,
          env,
          allowFailure: true,
        });
        if (offline.code !== 0) await run('pnpm', ['install', '--prefer-offline'], { cwd: copy, env });
      });

      // The packages the pending changesets bump (their front matter: `'@bot/risk': minor`).
      const bumped = new Set<string>();
      for (const file of readdirSync(join(copy, '.changeset'))) {
        if (!file.endsWith('.md') || file === 'README.md') continue;
        const text = readFileSync(join(copy, '.changeset', file), 'utf8');
        for (const match of text.matchAll(/^['"]?(@bot\/[\w.-]+)['"]?\s*:\s*(?:major|minor|patch)\s*$/gm)) {
          bumped.add(String(match[1]));
        }
      }
      const versionOf = (dir: string) =>
        String(readJson(join(copy, 'packages', dir, 'package.json')).version);
      const before = new Map(libraries.map(({ name, dir }) => [name, versionOf(dir)]));

      await step('changeset version', () => run('pnpm', ['changeset', 'version'], { cwd: copy, env }));
      for (const { name, dir } of libraries) releasedVersions.set(name, versionOf(dir));
      // Every pending changeset was applied, and every package it names has a new version.
      expect(readdirSync(join(copy, '.changeset')).filter((file) => file.endsWith('.md'))).toEqual([
        'README.md',
      ]);
      for (const name of bumped) {
        expect(releasedVersions.get(name), name).not.toBe(before.get(name));
      }
      // The first release is 0.1.0 (README: "Publishing"): 0.0.0 plus the initial minor changesets.
      for (const [name, version] of before) {
        if (version === '0.0.0') expect(releasedVersions.get(name), name).toBe('0.1.0');
      }

      await step('build', () => run('pnpm', ['-r', '--filter', './packages/*', 'build'], { cwd: copy, env }));
      // No git in the copy, so no tags; `pnpm release` in a checkout tags each published version.
      const published = await step('changeset publish', () =>
        run('pnpm', ['changeset', 'publish', '--no-git-tag'], { cwd: copy, env }),
      );
      expect(`${published.stdout}${published.stderr}`).toMatch(/packages published successfully/);

      for (const [name, version] of releasedVersions) {
        const view = await run('npm', ['view', name, 'version', '--registry', registry], { cwd: work, env });
        expect(view.stdout.trim(), name).toBe(version);
      }
      // pnpm publish replaced the workspace protocol with a caret range of the released version.
      const configDependencies = await run(
        'npm',
        ['view', '@bot/config', 'dependencies', '--json', '--registry', registry],
        { cwd: work, env },
      );
      expect(JSON.parse(configDependencies.stdout)).toMatchObject({
        '@bot/risk': `^${releasedVersions.get('@bot/risk')}`,
      });

      // What each tarball on the registry holds: the build and the documents, no sources, no maps.
      for (const [name, version] of releasedVersions) {
        const packed = await run(
          'npm',
          ['pack', `${name}@${version}`, '--dry-run', '--json', '--registry', registry],
          {
            cwd: work,
            env,
          },
        );
        const [tarball] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>;
        const files = (tarball?.files ?? []).map((file) => file.path);
        expect(files, name).toEqual(
          expect.arrayContaining([
            'package.json',
            'README.md',
            'LICENSE',
            'CHANGELOG.md',
            'dist/index.js',
            'dist/index.cjs',
            'dist/index.d.ts',
            'dist/index.d.cts',
          ]),
        );
        expect(
          files.filter((file) => file.startsWith('src/') || file.endsWith('.map')),
          name,
        ).toEqual([]);
        const view = await run(
          'npm',
          ['view', `${name}@${version}`, 'exports', 'license', '--json', '--registry', registry],
          {
            cwd: work,
            env,
          },
        );
        const published = JSON.parse(view.stdout) as { exports: unknown; license: string };
        expect(JSON.stringify(published.exports), name).not.toContain('@bot/source');
        expect(published.license, name).toBe('MIT');
      }
      // changeset version wrote the release into the changelog that shipped.
      const riskChangelog = readFileSync(join(copy, 'packages', 'risk', 'CHANGELOG.md'), 'utf8');
      expect(riskChangelog).toMatch(
        new RegExp(`^# @bot/risk\\n\\n## ${releasedVersions.get('@bot/risk')?.replace(/\./g, '\\.')}\\n`),
      );

      // The private packages are not released.
      for (const name of ['@bot/runner', '@bot/tests-e2e']) {
        const view = await run('npm', ['view', name, 'version', '--registry', registry], {
          cwd: work,
          env,
          allowFailure: true,
        });
        expect(view.code, name).not.toBe(0);
        expect(view.stderr, name).toMatch(/E404/);
      }
    },
    RELEASE_TIMEOUT_MS,
  );

  it(
    'installs every library from that registry alone and uses it from ESM, CommonJS and TypeScript',
    async () => {
      expect(releasedVersions.size, 'the release above must have run').toBe(libraries.length);
      const app = join(work, 'consumer');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        `${JSON.stringify({ name: 'bot-consumer', private: true, type: 'module' }, null, 2)}\n`,
      );
      // The whole registry is verdaccio: @bot/* are its own, everything else it proxies.
      writeFileSync(join(app, '.npmrc'), `registry=${registry}\nomit-lockfile-registry-resolved=false\n`);

      const specs = [...releasedVersions].map(([name, version]) => `${name}@${version}`);
      await step('npm install (consumer)', () =>
        run('npm', ['install', '--no-audit', '--no-fund', '--prefer-online', ...specs], { cwd: app, env }),
      );
      const lock = readJson(join(app, 'package-lock.json')) as {
        packages: Record<string, { version?: string; resolved?: string }>;
      };
      const installed = Object.entries(lock.packages).filter(([path]) => path !== '');
      expect(installed.length).toBeGreaterThan(libraries.length);
      for (const [path, entry] of installed) {
        expect(entry.resolved, path).toMatch(new RegExp(`^${registry.replace(/[./]/g, '\\$&')}`));
      }
      for (const [name, version] of releasedVersions) {
        expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
      }

      writeFileSync(join(app, 'consumer.mjs'), `${esmImports}\n${usage('import.meta.resolve')}`);
      writeFileSync(join(app, 'consumer.cjs'), `${cjsRequires}\n${usage('require.resolve')}`);
      const fromEsm = await step('node consumer.mjs', () => run('node', ['consumer.mjs'], { cwd: app, env }));
      const fromCjs = await step('node consumer.cjs', () => run('node', ['consumer.cjs'], { cwd: app, env }));
      const esm = JSON.parse(fromEsm.stdout) as Record<string, unknown>;
      const cjs = JSON.parse(fromCjs.stdout) as Record<string, unknown>;
      expect(esm).toEqual({
        ...expectedOutput,
        entry: expect.stringMatching(/\/node_modules\/@bot\/risk\/dist\/index\.js$/),
      });
      expect(cjs).toEqual({
        ...expectedOutput,
        entry: expect.stringMatching(/\/node_modules\/@bot\/risk\/dist\/index\.cjs$/),
      });

      // Types: the consumer's own TypeScript setup (node16 resolution, no @bot/source condition).
      writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(consumerTsconfig, null, 2)}\n`);
      writeFileSync(join(app, 'typed.mts'), typedConsumer);
      writeFileSync(join(app, 'typed.cts'), typedCommonJsConsumer);
      writeFileSync(join(app, 'mistake.mts'), typeMistake);
      const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
      const checked = await step('tsc --noEmit (consumer)', () =>
        run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], {
          cwd: app,
          env,
          allowFailure: true,
        }),
      );
      // Exactly the one deliberate mistake fails: the packages' types resolved (no TS2307/TS7016), every
      // `@ts-expect-error` in typed.mts and typed.cts met a real error (or TS2578 would be reported), and
      // the rest checked clean.
      const errors = checked.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
      expect(errors, checked.stdout).toEqual([
        expect.stringMatching(
          /^mistake\.mts\(\d+,\d+\): error TS2322: Type 'string \| 0' is not assignable to type 'number'\./,
        ),
      ]);
      expect(checked.code).toBe(2);
      // The same without skipLibCheck, as a strict consumer builds (with Node's types, which @bot/sim's and
      // @bot/audit's declarations use): every declaration file of ours, and what it imports, type-checks as the
      // consumer's compiler reads it (a default-imported CJS type is a namespace under node16: TS2709). Errors
      // inside third-party declarations (ccxt's own) are theirs: listed in the message, not counted.
      await step('npm install @types/node (consumer)', () =>
        run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '@types/node@20'], { cwd: app, env }),
      );
      const strictConfig = {
        ...consumerTsconfig,
        compilerOptions: { ...consumerTsconfig.compilerOptions, skipLibCheck: false, types: ['node'] },
      };
      writeFileSync(join(app, 'tsconfig.libs.json'), `${JSON.stringify(strictConfig, null, 2)}\n`);
      const strict = await step('tsc --noEmit (consumer, skipLibCheck false)', () =>
        run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.libs.json'], {
          cwd: app,
          env,
          allowFailure: true,
        }),
      );
      const ours = strict.stdout
        .split('\n')
        .filter((line) => /error TS\d+/.test(line))
        .filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@bot/'));
      expect(ours, strict.stdout).toEqual(errors);
      const version = await run(process.execPath, [tsc, '--version'], { cwd: app, env });
      expect(version.stdout.trim()).toBe('Version 5.9.3');
    },
    CONSUMER_TIMEOUT_MS,
  );

  it(
    "runs @bot/risk's README example as written, with @bot/risk alone installed by pnpm",
    async () => {
      const version = releasedVersions.get('@bot/risk');
      expect(version, 'the release above must have run').toBeDefined();
      const app = join(work, 'risk-readme');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        `${JSON.stringify({ name: 'risk-readme', private: true, type: 'module' }, null, 2)}\n`,
      );
      writeFileSync(join(app, '.npmrc'), `registry=${registry}\n`);
      // pnpm shows a package only its declared dependencies: an import the README needs from a package it
      // does not name fails here with ERR_MODULE_NOT_FOUND, as it would for a user.
      await step('pnpm add @bot/risk (README consumer)', () =>
        run('pnpm', ['add', `@bot/risk@${version}`], { cwd: app, env }),
      );
      const readme = readFileSync(join(repoRoot, 'packages', 'risk', 'README.md'), 'utf8');
      const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(example, 'the README has a ts example').toBeDefined();
      writeFileSync(join(app, 'example.mts'), example ?? '');
      const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const ran = await step('tsx example.mts', () =>
        run(process.execPath, [tsx, 'example.mts'], { cwd: app, env }),
      );
      // The outputs its comments promise.
      expect(ran.stdout.trim().split('\n')).toEqual(['buy 0.101', '1 true']);
    },
    CONSUMER_TIMEOUT_MS,
  );
});

/** The same calls from ESM and CommonJS; each prints one JSON line. */
const esmImports = `import { RiskGuard, sizePosition } from '@bot/risk';
import { createInstrument, perpSymbol } from '@bot/symbols';
import { loadConfig } from '@bot/config';
import { canonicalJson } from '@bot/audit';
import { klineStream } from '@bot/ws';
import { closingSide, splitQuantity } from '@bot/exchange';
import { defaultContracts } from '@bot/sim';
import { BreakoutStrategy } from '@bot/strategy';`;

const cjsRequires = `const { RiskGuard, sizePosition } = require('@bot/risk');
const { createInstrument, perpSymbol } = require('@bot/symbols');
const { loadConfig } = require('@bot/config');
const { canonicalJson } = require('@bot/audit');
const { klineStream } = require('@bot/ws');
const { closingSide, splitQuantity } = require('@bot/exchange');
const { defaultContracts } = require('@bot/sim');
const { BreakoutStrategy } = require('@bot/strategy');`;

function usage(resolveFunction: string): string {
  return `const btc = createInstrument({ symbol: perpSymbol('btc', 'usdc'), tickSize: '0.1', stepSize: '0.001',
  minQty: '0.001', maxQty: '1000', minNotional: '5' });
const now = Date.UTC(2025, 0, 2, 12);
const guard = new RiskGuard({ tier: 'standard' });
const first = guard.canOpen({ symbol: btc.symbol, side: 'long', now, equity: 10_000, openPositions: [] });
const size = sizePosition({ side: 'long', equity: 10_000, riskPct: 0.01, entry: 61_000, stop: 60_100,
  instrument: btc, leverage: 5, feeRate: 0.0005, slippagePct: 0.0002, tier: 'standard' });
guard.recordClose({ pnl: -99.46, reason: 'stop_loss', now: now + 1_000 });
const afterStop = guard.canOpen({ symbol: btc.symbol, side: 'long', now: now + 60_000, equity: 9_900.54,
  openPositions: [] });
console.log(JSON.stringify({
  entry: ${resolveFunction}('@bot/risk'),
  symbol: btc.symbol,
  firstAllowed: first.allowed,
  quantity: size.allowed ? size.quantity : size.code,
  limitedBy: size.allowed ? size.limitedBy : null,
  afterStop: afterStop.allowed ? 'allowed' : afterStop.code,
  mode: loadConfig({ env: {} }).mode,
  canonical: canonicalJson({ b: 1, a: [2, 'x'] }),
  stream: klineStream(btc.id, '1m'),
  closing: closingSide('long'),
  pieces: splitQuantity('2.5', '1', '0.001'),
  contracts: defaultContracts().length,
  strategy: new BreakoutStrategy({ symbol: btc.symbol }).name,
}));
`;
}

const expectedOutput = {
  symbol: 'BTC/USDC:USDC',
  firstAllowed: true,
  quantity: '0.101',
  limitedBy: 'risk',
  afterStop: 'COOLDOWN',
  mode: 'paper',
  canonical: '{"a":[2,"x"],"b":1}',
  stream: 'btcusdc@kline_1m',
  closing: 'sell',
  pieces: ['1.000', '1.000', '0.500'],
  contracts: 10,
  strategy: 'donchian-breakout',
};

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    skipLibCheck: true,
    types: [],
    noEmit: true,
  },
  include: ['*.mts', '*.cts'],
};

const typedConsumer = `import { RiskGuard, sizePosition, type OpenDecision, type SizePositionInput, type SizingResult }
  from '@bot/risk';
import { createInstrument, perpSymbol, type DecimalInput, type Instrument } from '@bot/symbols';
import { loadConfig, type BotConfig } from '@bot/config';
import { canonicalJson } from '@bot/audit';
import { klineStream } from '@bot/ws';
import { closingSide, type ExchangePort, type OrderSide } from '@bot/exchange';
import { defaultContracts, type ListedContract } from '@bot/sim';
import { BreakoutStrategy, type Signal } from '@bot/strategy';

const btc: Instrument = createInstrument({ symbol: perpSymbol('btc', 'usdc'), tickSize: '0.1', stepSize: '0.001' });
const guard = new RiskGuard({ tier: 'standard' });
const decision: OpenDecision = guard.canOpen({ symbol: btc.symbol, side: 'long', now: 0, equity: 1, openPositions: [] });
export const code: string | undefined = decision.allowed ? undefined : decision.code;
const input: SizePositionInput = { side: 'short', equity: 1_000, riskPct: 0.005, entry: 100, stop: 101,
  instrument: btc, leverage: 2, feeRate: 0.0005, slippagePct: 0.0002 };
const size: SizingResult = sizePosition(input);
export const quantity: string | undefined = size.allowed ? size.quantity : undefined;
const config: BotConfig = loadConfig({ env: {} });
export const mode: 'paper' | 'testnet' | 'live' = config.mode;
export const text: string = canonicalJson({ a: 1 }) + klineStream('BTCUSDC', '1m');
export const side: OrderSide = closingSide('short');
export const contracts: ListedContract[] = defaultContracts();
export const signal: Signal | undefined = new BreakoutStrategy({ symbol: btc.symbol }).onCandle({
  openTime: 0, open: 1, high: 2, low: 0.5, close: 1.5 });
export type Port = ExchangePort;

// Each line below is an error only if the package's types are real (an \`any\` would leave it unused: TS2578).
// @ts-expect-error a side is 'long' or 'short'
sizePosition({ ...input, side: 'sideways' });
// @ts-expect-error the fee rate is required
sizePosition({ side: 'long', equity: 1_000, riskPct: 0.005, entry: 100, stop: 99, instrument: btc, leverage: 2,
  slippagePct: 0 });
// @ts-expect-error RiskGuard has no such method
guard.openEverything();
// @ts-expect-error the mode is a closed union
export const wrongMode: 'demo' = config.mode;
// @ts-expect-error perpSymbol takes strings
perpSymbol(42, 'usdc');
// @ts-expect-error a decimal is a number, a string or a Decimal (decimal.js's type read as \`any\` would take it)
export const notDecimal: DecimalInput = { wrong: true };
`;

const typedCommonJsConsumer = `import { sizePosition, type SizingResult } from '@bot/risk';
import { createInstrument } from '@bot/symbols';

const btc = createInstrument({ symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001' });
export const size: SizingResult = sizePosition({ side: 'long', equity: 1_000, riskPct: 0.005, entry: 100,
  stop: 99, instrument: btc, leverage: 2, feeRate: 0.0005, slippagePct: 0.0002 });
// @ts-expect-error the types resolved through "require" are as strict as through "import"
export const wrong: number = size.allowed ? size.quantity : 0;
`;

const typeMistake = `import { sizePosition } from '@bot/risk';
import { createInstrument } from '@bot/symbols';

const btc = createInstrument({ symbol: 'BTC/USDC:USDC', tickSize: '0.1', stepSize: '0.001' });
const size = sizePosition({ side: 'long', equity: 1_000, riskPct: 0.005, entry: 100, stop: 99, instrument: btc,
  leverage: 2, feeRate: 0.0005, slippagePct: 0.0002 });
// A deliberate mistake: the quantity is an exact decimal string, never a float.
export const quantity: number = size.allowed ? size.quantity : 0;
`;
