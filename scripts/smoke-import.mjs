// Loads the built package (run from its folder) both ways a user would, `import` and `require`, by the
// package's own name, each in a fresh Node process, and checks the two builds export the same names.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { name } = JSON.parse(readFileSync('package.json', 'utf8'));
const exportNames = (args) =>
  JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }))
    .filter((key) => key !== 'default')
    .sort()
    .join();
const fromEsm = exportNames([
  '--input-type=module',
  '-e',
  `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(name)}))))`,
]);
const fromCjs = exportNames([
  '-e',
  `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)}))))`,
]);
if (fromEsm === '' || fromEsm !== fromCjs) {
  console.error(`${name}: ESM exports [${fromEsm}] differ from CJS exports [${fromCjs}]`);
  process.exit(1);
}
console.log(`${name}: ${fromEsm.split(',').length} exports load from ESM and CJS alike`);
