import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTemporaryDirectory } from '../test/temporary-directory';
import { AuditOptionsError, AuditSecretError, isAuditError } from './audit-error';
import { openAuditTrail } from './audit-trail';
import type { AuditTrail } from './audit-trail';
import { REDACTED } from './canonical-json';
import type { AuditRecord } from './record-format';
import { DEFAULT_SECRET_FIELD_PATTERN } from './trail-options';
import { verifyAudit } from './verify-audit';

const temporaryDirectory = useTemporaryDirectory();
const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const apiSecret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

/** Stands in for `@bot/config`'s Secret: reveal() gives the value, everything else prints [redacted]. */
class FakeSecret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
}

async function withTrail(
  options: { onSecret?: 'redact' | 'refuse'; fieldPattern?: RegExp | null } = {},
  use: (trail: AuditTrail) => Promise<void>,
): Promise<{ text: string; lines: AuditRecord[] }> {
  const path = join(temporaryDirectory(), 'trail.jsonl');
  const trail = await openAuditTrail({
    path,
    secrets: { values: [apiKey, new FakeSecret(apiSecret)], ...options },
  });
  try {
    await use(trail);
  } finally {
    await trail.close();
  }
  expect(await verifyAudit(path)).toMatchObject({ ok: true });
  const text = readFileSync(path, 'utf8');
  return {
    text,
    lines: text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditRecord),
  };
}

describe('the secret guard', () => {
  it('redacts fields named like secrets, whatever their value, except booleans and null', async () => {
    const { lines } = await withTrail({}, async (trail) => {
      await trail.append('request', {
        apiKey: 'k',
        api_secret: 'x',
        'X-MBX-APIKEY': 'header value',
        password: 12345,
        listenKey: 'abc',
        operatorToken: { nested: 'object' },
        signature: ['a', 'b'],
        credentials: { user: 'u' },
        hasApiKey: true,
        passphrase: null,
        tokenCount: 3,
        tokens: ['t'],
        keyId: 'visible',
      });
    });
    expect(lines[0]?.payload).toEqual({
      apiKey: REDACTED,
      api_secret: REDACTED,
      'X-MBX-APIKEY': REDACTED,
      password: REDACTED,
      listenKey: REDACTED,
      operatorToken: REDACTED,
      signature: REDACTED,
      credentials: REDACTED,
      hasApiKey: true,
      passphrase: null,
      tokenCount: 3,
      tokens: ['t'],
      keyId: 'visible',
    });
  });

  it('redacts configured secret values inside any string, also URI-encoded and in arrays', async () => {
    const { text, lines } = await withTrail({}, async (trail) => {
      await trail.append('exchange.error', {
        message: `invalid signature for key ${apiKey}`,
        url: `https://fapi.binance.com/fapi/v1/order?secret=${encodeURIComponent(apiSecret)}&x=1`,
        history: [{ detail: `${apiSecret}${apiSecret}` }],
      });
    });
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(apiSecret);
    expect(lines[0]?.payload).toEqual({
      message: `invalid signature for key ${REDACTED}`,
      url: `https://fapi.binance.com/fapi/v1/order?secret=${REDACTED}&x=1`,
      history: [{ detail: `${REDACTED}${REDACTED}` }],
    });
  });

  it('writes a Secret object as [redacted] through its toJSON', async () => {
    const { lines } = await withTrail({ fieldPattern: null }, async (trail) => {
      await trail.append('config.loaded', { key: new FakeSecret(apiKey) });
    });
    expect(lines[0]?.payload).toEqual({ key: REDACTED });
  });

  it("with onSecret: 'refuse', rejects with the path (never the value) and writes nothing", async () => {
    await withTrail({ onSecret: 'refuse' }, async (trail) => {
      const byName = await trail.append('x', { request: { apiKey: 'k' } }).catch((error: unknown) => error);
      expect(byName).toBeInstanceOf(AuditSecretError);
      expect(byName).toMatchObject({
        code: 'AUDIT_SECRET_REFUSED',
        path: '$.request.apiKey',
        match: 'field-name',
      });
      const byValue = await trail
        .append('x', { notes: ['fine', `leak ${apiSecret}`] })
        .catch((error: unknown) => error);
      expect(byValue).toMatchObject({ path: '$.notes[1]', match: 'secret-value' });
      expect((byValue as Error).message).not.toContain(apiSecret);
      expect((await trail.append('x', { fine: true })).seq).toBe(0);
    });
  });

  it('always refuses a secret in an object key, and one that only the whole record line spells out', async () => {
    await withTrail({}, async (trail) => {
      await expect(trail.append('x', { [apiKey]: 1 })).rejects.toMatchObject({
        code: 'AUDIT_SECRET_REFUSED',
      });
    });
    const path = join(temporaryDirectory(), 'trail.jsonl');
    const trail = await openAuditTrail({ path, secrets: { values: ['alpha","b":"omega'] } });
    // No single string holds the secret, but the serialized record does: "a":"alpha","b":"omega".
    await expect(trail.append('x', { a: 'alpha', b: 'omega' })).rejects.toMatchObject({
      code: 'AUDIT_SECRET_REFUSED',
      path: 'record',
    });
    await trail.close();
  });

  it('refuses secret values shorter than 8 characters, and reveal() results too', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    await expect(openAuditTrail({ path, secrets: { values: ['1234567'] } })).rejects.toBeInstanceOf(
      AuditOptionsError,
    );
    await expect(
      openAuditTrail({ path, secrets: { values: [new FakeSecret('short')] } }),
    ).rejects.toMatchObject({
      code: 'AUDIT_INVALID_OPTIONS',
    });
  });

  it('the default field pattern matches the usual secret names only', () => {
    const secretNames = [
      'apiKey',
      'API_KEY',
      'api-secret',
      'secretKey',
      'password',
      'passwd',
      'privateKey',
      'accessToken',
      'token',
      'authorization',
      'Cookie',
      'credential',
    ];
    const plainNames = [
      'tokenCount',
      'tokens',
      'keyId',
      'symbol',
      'side',
      'size',
      'why',
      'risk',
      'decisionId',
    ];
    for (const name of secretNames) expect(DEFAULT_SECRET_FIELD_PATTERN.test(name), name).toBe(true);
    for (const name of plainNames) expect(DEFAULT_SECRET_FIELD_PATTERN.test(name), name).toBe(false);
  });

  it('never lets a configured secret reach the file, wherever it hides in a payload', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    const trail = await openAuditTrail({ path, durability: 'none', secrets: { values: [apiKey] } });
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.string(),
        fc.string(),
        fc.nat(),
        async (value, before, after, where) => {
          const leak = `${before}${apiKey}${after}`;
          const payload = { wrapper: value, items: [where, leak], [`note${where}`]: { deep: [leak] } };
          try {
            await trail.append('fuzz', payload);
          } catch (error) {
            expect(isAuditError(error)).toBe(true); // refused (e.g. a lone surrogate), and nothing written
          }
        },
      ),
      { numRuns: 200 },
    );
    await trail.close();
    expect(readFileSync(path, 'utf8')).not.toContain(apiKey);
    expect(await verifyAudit(path)).toMatchObject({ ok: true });
  });
});
