// Adds up the vitest JSON reports that `pnpm test` leaves in each workspace package and prints one
// closing line, "tests: N passed, N failed", so CI can tell a run that tested nothing from a green one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

const listing = execFileSync('npx', ['-y', 'pnpm@10.34.9', 'list', '-r', '--depth', '-1', '--json'], {
  encoding: 'utf8',
});
let passed = 0;
let failed = 0;
let files = 0;
for (const { path } of JSON.parse(listing)) {
  const report = join(path, 'test-results.json');
  if (!existsSync(report)) continue;
  const { numPassedTests, numFailedTests } = JSON.parse(readFileSync(report, 'utf8'));
  passed += numPassedTests;
  failed += numFailedTests;
  files += 1;
}
if (files === 0) {
  console.error('no test report found: did `pnpm test` run?');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
