/**
 * The operator console's files: a static HTML shell, its scripts and styles, and the one front-end library
 * (htm's Preact standalone build, from node_modules). Read once when the API starts and served from memory:
 * no build step, nothing from a CDN. The shell holds no data, so it is served without the token; every
 * request for data it makes carries the token (see docs/ARCHITECTURE.md "The operator console").
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  readonly type: string;
  readonly body: Buffer;
}

const PAGE_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/console/app.js': 'app.js',
  '/console/views.js': 'views.js',
  '/console/panels.js': 'panels.js',
  '/console/api.js': 'api.js',
  '/console/style.css': 'style.css',
};

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Only the console's own scripts and styles may run or load, the page may not be framed (clickjacking of
 * the halt button), and it talks to its own origin only.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The console's files by URL path. */
export function loadConsoleAssets(): ReadonlyMap<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const [path, file] of Object.entries(PAGE_FILES)) {
    const body = readFileSync(new URL(`./page/${file}`, import.meta.url));
    assets.set(path, { type: TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream', body });
  }
  const require = createRequire(fileURLToPath(import.meta.url));
  // Preact, its hooks and htm in one ES module of 13 kB: no import map, no bundler.
  // (htm's `exports` offers the file only under conditions a server-side resolve does not use.)
  const library = join(dirname(require.resolve('htm')), '..', 'preact', 'standalone.mjs');
  assets.set('/console/preact-htm.js', { type: TYPES['js']!, body: readFileSync(library) });
  return assets;
}
