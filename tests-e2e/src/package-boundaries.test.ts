import { ESLint } from 'eslint';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of docs/ARCHITECTURE.md are enforced by the repository's ESLint config. These tests
 * lint small probe sources as if they lived in each package, through the same config `pnpm lint` uses.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: repoRoot });

async function lintAs(relativePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, relativePath) });
  return (result?.messages ?? []).map((message) => `${message.ruleId}: ${message.message}`);
}

describe('package boundaries', () => {
  it('fails lint when @bot/risk imports ccxt', async () => {
    const problems = await lintAs(
      'packages/risk/src/probe.ts',
      "import ccxt from 'ccxt';\nexport const x = ccxt;\n",
    );
    expect(problems).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*@bot\/risk may import @bot\/symbols/),
    ]);
  });

  it('lets @bot/risk import @bot/symbols', async () => {
    const problems = await lintAs(
      'packages/risk/src/probe.ts',
      "import { perpSymbol } from '@bot/symbols';\nexport const x = perpSymbol;\n",
    );
    expect(problems).toEqual([]);
  });

  it.each([
    [
      'packages/risk/src/probe.ts',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    ],
    ['packages/risk/src/probe.ts', "import { WebSocket } from 'ws';\nexport const x = WebSocket;\n"],
    ['packages/risk/src/probe.ts', "import { RiskGuard } from '@bot/audit';\nexport const x = RiskGuard;\n"],
    [
      'packages/config/src/probe.ts',
      "import { verifyAuditTrail } from '@bot/audit';\nexport const x = verifyAuditTrail;\n",
    ],
    ['packages/symbols/src/probe.ts', "import { get } from 'node:http';\nexport const x = get;\n"],
    ['packages/ws/src/probe.ts', "import { binanceusdm } from 'ccxt';\nexport const x = binanceusdm;\n"],
    [
      'packages/ws/src/probe.ts',
      "import { openPosition } from '@bot/exchange';\nexport const x = openPosition;\n",
    ],
    [
      'packages/exchange/src/probe.ts',
      "import { RiskGuard } from '@bot/risk';\nexport const x = RiskGuard;\n",
    ],
    [
      'packages/exchange/src/probe.ts',
      "import { AuditWriter } from '@bot/audit';\nexport const x = AuditWriter;\n",
    ],
    ['packages/sim/src/probe.ts', "import ccxt from 'ccxt';\nexport const x = ccxt;\n"],
    ['packages/audit/src/probe.ts', "import { RiskGuard } from '@bot/risk';\nexport const x = RiskGuard;\n"],
    [
      'packages/strategy/src/probe.ts',
      "import { writeFile } from 'node:fs/promises';\nexport const x = writeFile;\n",
    ],
  ])('rejects the forbidden import in %s: %s', async (path, code) => {
    const problems = await lintAs(path, code);
    expect(problems).toEqual([expect.stringMatching(/^no-restricted-imports: .*Package boundary/)]);
  });

  it('lets @bot/sim tests use ccxt (conformance through the real client)', async () => {
    const problems = await lintAs(
      'packages/sim/src/probe.test.ts',
      "import ccxt from 'ccxt';\nexport const x = ccxt;\n",
    );
    expect(problems).toEqual([]);
  });

  it('keeps pure packages free of clocks, randomness and the environment', async () => {
    const problems = await lintAs(
      'packages/risk/src/probe.ts',
      'export const a = Date.now();\nexport const b = Math.random();\nexport const c = process.env.X;\n',
    );
    expect(problems).toHaveLength(3);
    expect(problems.every((problem) => problem.startsWith('no-restricted-properties'))).toBe(true);
  });

  it('forbids process.env in every package, including @bot/config', async () => {
    for (const dir of ['config', 'exchange', 'sim']) {
      const problems = await lintAs(`packages/${dir}/src/probe.ts`, 'export const c = process.env.X;\n');
      expect(problems, dir).toEqual([expect.stringMatching(/^no-restricted-properties: .*process\.env/)]);
    }
  });

  it('has a boundary entry for every package in packages/', async () => {
    const { boundaries } = (await import(pathToFileURL(join(repoRoot, 'eslint.config.js')).href)) as {
      boundaries: Record<string, unknown>;
    };
    for (const dir of readdirSync(join(repoRoot, 'packages'))) {
      expect(Object.keys(boundaries), `eslint.config.js has no boundary for packages/${dir}`).toContain(dir);
    }
  });
});
