#!/usr/bin/env node
// The `bot` command, run from its TypeScript sources in this one process: the workspace packages resolve
// through their `@bot/source` export condition and tsx compiles on load, so `pnpm start` works on a fresh
// clone without a build step.
//
// One process on purpose: the bot used to run as a child of this file, which passed SIGINT on to it, while
// a terminal's Ctrl-C already reaches every process of the foreground group. The child then saw two SIGINTs
// for one Ctrl-C and took the second for "exit at once". Here the bot receives the terminal's signal itself
// (src/stop-signals.ts takes the copies a wrapper such as pnpm passes on for the same press as one).
import { register } from 'node:module';

const sourceCondition = `export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@bot/source') ? context.conditions : ['@bot/source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}`;
register(`data:text/javascript,${encodeURIComponent(sourceCondition)}`);
await import('tsx');
await import('../src/cli.ts');
