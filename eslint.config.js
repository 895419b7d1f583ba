// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Package boundaries from docs/ARCHITECTURE.md ("The packages and which may import which").
 * Each entry lists what a package's *source* must not import; tests may use more (e.g. ccxt
 * in @bot/sim's conformance tests), so test files are exempt from the import bans but not from
 * the purity rules below.
 */
const allBotPackages = [
  '@bot/config',
  '@bot/symbols',
  '@bot/risk',
  '@bot/audit',
  '@bot/ws',
  '@bot/exchange',
  '@bot/sim',
  '@bot/strategy',
];
// Pure packages list these explicitly; the purity block below also bans clocks, timers and randomness.
const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'http',
  'https',
  'net',
  'child_process',
  'crypto',
  'os',
  'path',
];
const venueClients = ['ccxt', 'ccxt/*', 'ws', 'pino'];

/** @param {string[]} allowed @returns {string[]} */
const botPackagesExcept = (...allowed) => allBotPackages.filter((name) => !allowed.includes(name));

/** @type {Record<string, { banned: string[]; why: string }>} */
export const boundaries = {
  config: {
    banned: [...botPackagesExcept('@bot/risk', '@bot/symbols'), ...venueClients],
    why: '@bot/config may import zod, strip-json-comments, @bot/risk (the tier table) and @bot/symbols (kline intervals) only',
  },
  symbols: {
    banned: [...allBotPackages, ...venueClients, ...nodeBuiltins],
    why: '@bot/symbols is pure: no I/O and no other @bot package',
  },
  risk: {
    banned: [...botPackagesExcept('@bot/symbols'), ...venueClients, ...nodeBuiltins],
    why: '@bot/risk may import @bot/symbols at most: no ccxt, ws, pino or node:*',
  },
  strategy: {
    banned: [...botPackagesExcept('@bot/symbols'), ...venueClients, ...nodeBuiltins],
    why: '@bot/strategy is pure: it may import @bot/symbols only',
  },
  audit: {
    banned: [...allBotPackages, 'ccxt', 'ccxt/*', 'ws'],
    why: '@bot/audit imports no domain package and no venue client',
  },
  ws: {
    banned: [...botPackagesExcept('@bot/symbols'), 'ccxt', 'ccxt/*'],
    why: '@bot/ws may import ws and @bot/symbols, never ccxt, @bot/exchange or @bot/risk',
  },
  exchange: {
    banned: [...botPackagesExcept('@bot/symbols'), 'ws', 'pino'],
    why: '@bot/exchange may import @bot/symbols, ccxt and zod only',
  },
  sim: {
    banned: [...botPackagesExcept('@bot/symbols'), 'ccxt', 'ccxt/*', 'pino'],
    why: '@bot/sim may import @bot/symbols, ws and commander (its bin; ccxt only in its tests)',
  },
};

/** Rules that keep a package free of clocks, randomness and the environment (pure decisions). */
const noClockOrRandomness = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: 'Pure package: take `now` as an argument.' },
    { object: 'Math', property: 'random', message: 'Pure package: take randomness from the caller.' },
    { object: 'process', property: 'env', message: 'A package never reads process.env; take typed options.' },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'Pure package: no timers.' },
    { name: 'setInterval', message: 'Pure package: no timers.' },
  ],
};

const testFiles = ['**/*.test.ts', '**/test/**', '**/bench/**', '**/testing/**'];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
  },
  {
    // The operator console's page scripts run in the browser (served as they are, no build step).
    files: ['apps/runner/src/console/page/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...Object.entries(boundaries).map(([dir, { banned, why }]) => ({
    files: [`packages/${dir}/src/**/*.ts`, `packages/${dir}/bin/**/*.ts`],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: banned, message: `Package boundary (docs/ARCHITECTURE.md): ${why}.` }] },
      ],
    },
  })),
  {
    // A package never reads process.env: apps/runner hands @bot/config the environment it loads.
    files: ['packages/*/src/**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'A package never reads process.env; take typed options.',
        },
      ],
    },
  },
  {
    files: ['packages/risk/src/**/*.ts', 'packages/strategy/src/**/*.ts', 'packages/symbols/src/**/*.ts'],
    ignores: testFiles,
    rules: noClockOrRandomness,
  },
  prettier,
);
