import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailedAttemptLimiter, operatorTokenPathFor, resolveOperatorToken, tokenId } from './operator-auth';
import { tempDir, testConfig } from './testing';

describe('the operator token', () => {
  it('is generated once into the state directory with mode 0600, then reused', () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const path = join(dir, 'audit.operator-token');
    expect(operatorTokenPathFor(config.compliance.auditPath)).toBe(path);

    const first = resolveOperatorToken(config);
    expect(first).toMatchObject({ source: 'file', path, generated: true });
    expect(first.value).toMatch(/^[0-9a-f]{64}$/);
    expect(first.id).toBe(tokenId(first.value));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`${first.value}\n`);

    const second = resolveOperatorToken(config);
    expect(second).toMatchObject({ value: first.value, source: 'file', generated: false });
  });

  it('is the configured one when BOT_OPERATOR_TOKEN is set, and no file is written', () => {
    const dir = tempDir();
    const token = 'c'.repeat(40);
    const resolved = resolveOperatorToken(testConfig(dir, { BOT_OPERATOR_TOKEN: token }));
    expect(resolved).toMatchObject({ value: token, source: 'config', generated: false });
    expect(existsSync(join(dir, 'audit.operator-token'))).toBe(false);
  });

  it('is never generated for a bind beyond loopback', () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const exposed = { ...config, operator: { ...config.operator, bind: '0.0.0.0:8787' } };
    expect(() => resolveOperatorToken(exposed)).toThrow(/without a configured token \(BOT_OPERATOR_TOKEN/);
    expect(existsSync(join(dir, 'audit.operator-token'))).toBe(false);
  });

  it('refuses a token file other users may read, or one without a valid token', () => {
    const dir = tempDir();
    const config = testConfig(dir);
    const path = join(dir, 'audit.operator-token');
    writeFileSync(path, `${'d'.repeat(64)}\n`, { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => resolveOperatorToken(config)).toThrow(/can be read by other users \(mode 644\)/);
    chmodSync(path, 0o600);
    expect(resolveOperatorToken(config).value).toBe('d'.repeat(64));
    writeFileSync(path, 'short\n');
    expect(() => resolveOperatorToken(config)).toThrow(/does not hold a token/);
  });

  it('names BOT_AUDIT_PATH when its directory is in the way', () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'a regular file\n');
    const config = testConfig(dir, { BOT_AUDIT_PATH: join(file, 'audit.jsonl') });
    expect(() => resolveOperatorToken(config)).toThrow(
      /cannot read the operator token file .*not-a-directory\/audit\.operator-token \(ENOTDIR\): .*set BOT_AUDIT_PATH/,
    );
  });

  it('has an id that is not the token', () => {
    const token = 'e'.repeat(64);
    expect(tokenId(token)).toMatch(/^[0-9a-f]{8}$/);
    expect(token).not.toContain(tokenId(token));
  });
});

describe('FailedAttemptLimiter', () => {
  it('locks an address out after the limit until its window ends, and only that address', () => {
    let now = 1_000;
    const limiter = new FailedAttemptLimiter(3, 60_000, () => now);
    expect(limiter.fail('a')).toBe(false);
    expect(limiter.fail('a')).toBe(false);
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.fail('a')).toBe(true);
    expect(limiter.retryAfterMs('a')).toBe(60_000);
    expect(limiter.retryAfterMs('b')).toBe(0);
    now += 59_000;
    expect(limiter.retryAfterMs('a')).toBe(1_000);
    now += 1_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.fail('a')).toBe(false); // a new window
  });
});
