// `pnpm release` runs this first (README: "Publishing"): it stops before the build when the release could not
// tag what it publishes. `changeset publish` tags every published version with an annotated tag (git needs an
// identity for it, and a tag marks HEAD, so the versions must already be committed); without these checks it
// publishes first and fails or tags the wrong commit afterwards. Exit 1 with what to do, 0 when ready.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const git = (...args) => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};

const problems = [];
if (git('rev-parse', '--is-inside-work-tree') !== 'true') {
  problems.push('not in a git checkout: the release tags each published version (@bot/risk@0.1.0, …)');
} else {
  const name = process.env.GIT_COMMITTER_NAME || git('config', 'user.name');
  const email = process.env.GIT_COMMITTER_EMAIL || git('config', 'user.email');
  if (!name || !email) {
    problems.push(
      'no git identity for the release tags: git config user.name "Your Name" && git config user.email you@example.com',
    );
  }
  const pending = readdirSync(join(process.cwd(), '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  if (pending.length > 0) {
    problems.push(
      `${pending.length} pending changeset(s): run pnpm version-packages, review and commit the versions and changelogs first`,
    );
  }
  const dirty = git('status', '--porcelain', '--untracked-files=no');
  if (dirty) {
    problems.push(
      `uncommitted changes (the tags would mark a commit without them): commit them first\n${dirty}`,
    );
  }
}

if (problems.length > 0) {
  console.error(
    `pnpm release: not ready to publish\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
  process.exit(1);
}
console.log('pnpm release: git identity set, versions committed, nothing pending');
