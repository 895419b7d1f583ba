#!/usr/bin/env node
// The `bot-audit` command. Installed from the registry it runs the build (dist/bin/bot-audit.js); in a checkout that
// has not been built it runs the TypeScript source (bin/bot-audit.ts) with tsx, a dev dependency, resolving the
// workspace packages through their `@bot/source` condition. This file exists before any build, so
// `pnpm install` links the bin without a "Failed to create bin" warning.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const built = new URL('../dist/bin/bot-audit.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const sourceCondition = `export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@bot/source') ? context.conditions : ['@bot/source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}`;
  register(`data:text/javascript,${encodeURIComponent(sourceCondition)}`);
  await import('tsx');
  await import('./bot-audit.ts');
}
