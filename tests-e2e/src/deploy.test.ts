import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * deploy/: the container image and the systemd unit (deploy/README.md). Their key properties are read from
 * the files; the unit is also verified by systemd-analyze, and the image built and run, where those tools work.
 */
const repoRoot = resolve(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(repoRoot, 'deploy', 'Dockerfile'), 'utf8');
const unit = readFileSync(join(repoRoot, 'deploy', 'bot.service'), 'utf8');

/** Dockerfile instructions of the final stage, continuation lines joined. */
function finalStage(text: string): string[] {
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const from = lines.map((line, index) => (/^FROM /i.test(line) ? index : -1)).filter((index) => index >= 0);
  return lines.slice(from.at(-1));
}

/** `Key=value` settings of the unit, every value of a repeated key. */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) settings.set(String(match[1]), [...(settings.get(String(match[1])) ?? []), String(match[2])]);
  }
  return settings;
}

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

const dockerWorks = succeeds('docker', ['info']);
const systemdAnalyzeWorks = succeeds('systemd-analyze', ['--version']);

describe('deploy/Dockerfile', () => {
  const stage = finalStage(dockerfile);

  it('builds in two stages and runs as a user that is not root', () => {
    expect(dockerfile.match(/^FROM /gim)?.length).toBeGreaterThanOrEqual(2);
    const users = stage.filter((line) => /^USER /i.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0', 'root:root']).not.toContain(users.at(-1));
  });

  it('keeps the audit trail on a volume and checks /health of the operator API', () => {
    const volume = stage.find((line) => /^VOLUME /i.test(line));
    expect(volume).toMatch(/"\/data"/);
    expect(stage.find((line) => /^ENV /i.test(line))).toMatch(/BOT_AUDIT_PATH=\/data\//);
    const healthcheck = stage.find((line) => /^HEALTHCHECK /i.test(line));
    expect(healthcheck).toMatch(/http:\/\/127\.0\.0\.1:8787\/health/);
    expect(stage.find((line) => /^ENTRYPOINT /i.test(line))).toMatch(/bin\/bot\.js/);
  });

  it.skipIf(!dockerWorks)(
    `builds the image and runs a paper bot in it until healthy, then stops it cleanly${dockerWorks ? '' : ' (skipped: `docker info` failed, no Docker engine here)'}`,
    async () => {
      const tag = `usdc-futures-bot-test:${process.pid}`;
      const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 900_000 });
      const built = docker('build', '-f', 'deploy/Dockerfile', '-t', tag, repoRoot);
      expect(built.status, built.stderr).toBe(0);
      const name = `bot-test-${process.pid}`;
      const started = docker('run', '-d', '--name', name, tag, 'run', '--speed', '60');
      expect(started.status, started.stderr).toBe(0);
      try {
        let health = '';
        for (let attempt = 0; attempt < 60 && health !== 'healthy'; attempt += 1) {
          await new Promise((done) => setTimeout(done, 5_000));
          health = docker('inspect', '-f', '{{.State.Health.Status}}', name).stdout.trim();
        }
        expect(health).toBe('healthy');
        expect(docker('stop', '-t', '90', name).status).toBe(0);
        expect(docker('inspect', '-f', '{{.State.ExitCode}}', name).stdout.trim()).toBe('0');
      } finally {
        docker('rm', '-f', name);
        docker('rmi', '-f', tag);
      }
    },
    1_200_000,
  );
});

describe('deploy/bot.service', () => {
  const settings = unitSettings(unit);
  const one = (key: string) => settings.get(key)?.at(-1);

  it('stops with one signal the bot drains on, and waits long enough for the drain', () => {
    expect(['SIGINT', 'SIGTERM']).toContain(one('KillSignal'));
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThanOrEqual(60);
    expect(one('Restart')).toBe('on-failure');
    // Bad input (exit 2) is not restarted: a restart cannot fix a configuration.
    expect(one('RestartPreventExitStatus')).toBe('2');
  });

  it('may write only where the audit trail goes, and gains no privileges', () => {
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    const writable = one('ReadWritePaths');
    expect(writable).toBe('/var/lib/bot');
    const auditPath = settings
      .get('Environment')
      ?.find((value) => value.startsWith('BOT_AUDIT_PATH='))
      ?.slice('BOT_AUDIT_PATH='.length);
    expect(auditPath?.startsWith(`${writable}/`)).toBe(true);
    expect(one('User')).not.toBe('root');
  });

  it.skipIf(!systemdAnalyzeWorks)(
    `passes systemd-analyze verify${systemdAnalyzeWorks ? '' : ' (skipped: systemd-analyze is not installed)'}`,
    () => {
      const copy = join(mkdtempSync(join(tmpdir(), 'bot-unit-')), 'bot.service');
      copyFileSync(join(repoRoot, 'deploy', 'bot.service'), copy);
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 60_000 });
      expect(result.status, result.stderr).toBe(0);
      // Unknown keys or misplaced settings are only warnings: none may concern the unit.
      expect(result.stderr.split('\n').filter((line) => line.includes('bot.service'))).toEqual([]);
    },
  );
});
