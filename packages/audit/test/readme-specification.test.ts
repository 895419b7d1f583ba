/**
 * Proves the README's "Canonical serialization" matches the writer: the spec is implemented here again,
 * independently (explicit UTF-16 key comparison, the escape table, number placement from shortest
 * digits), and every line the writer produces for fuzzed payloads must equal it, byte for byte, with the
 * hash the README defines. The README's Python script is also run on those files when python3 exists.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listAuditSegments, openAuditTrail, verifyAuditTrail } from '../src/index';
import { parseJsonText } from '../src/json-text';
import { useTemporaryDirectory } from './temporary-directory';

const temporaryDirectory = useTemporaryDirectory();
const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');

// ---- The README's specification, implemented from its text ----------------------------------------

/** Keys compared as sequences of UTF-16 code units. */
function compareUtf16(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const difference = left.charCodeAt(index) - right.charCodeAt(index);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

const namedEscapes: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
};

function specString(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    const named = namedEscapes[unit];
    if (named !== undefined) out += named;
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[index];
  }
  return `${out}"`;
}

/** Number::toString from the shortest round-trip digits (toExponential() gives them) and the placement rules. */
function specNumber(value: number): string {
  if (value === 0) return '0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const k = digits.length;
  const n = Number(exponentText) + 1;
  let text: string;
  if (k <= n && n <= 21) text = digits + '0'.repeat(n - k);
  else if (0 < n && n <= 21) text = `${digits.slice(0, n)}.${digits.slice(n)}`;
  else if (-6 < n && n <= 0) text = `0.${'0'.repeat(-n)}${digits}`;
  else {
    const exponent = n - 1;
    text = `${digits[0]}${k > 1 ? `.${digits.slice(1)}` : ''}e${exponent > 0 ? '+' : '-'}${Math.abs(exponent)}`;
  }
  return value < 0 ? `-${text}` : text;
}

function specCanonical(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return specNumber(value);
  if (typeof value === 'string') return specString(value);
  if (Array.isArray(value)) return `[${value.map(specCanonical).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(compareUtf16);
  return `{${keys.map((key) => `${specString(key)}:${specCanonical(object[key])}`).join(',')}}`;
}

function specHash(record: Record<string, unknown>): string {
  const { hash: _hash, ...body } = record;
  return createHash('sha256')
    .update(Buffer.from(specCanonical(body), 'utf8'))
    .digest('hex');
}

// ---- Payloads that probe the corners of the spec ----------------------------------------------------

const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
const tricky = fc.constantFrom(
  '',
  '"',
  '\\',
  '/',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  '\u2029',
  'é',
  '\uFFFD',
  '\uE000',
  '😀',
  '10',
  '9',
  'a',
  'B',
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }).filter(wellFormed),
  fc.array(tricky, { maxLength: 4 }).map((parts) => parts.join('')),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    1e21,
    1e-7,
    1.5e-7,
    0.000001,
    2 ** 53 + 2,
    2 ** 64,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    0.1 + 0.2,
  ),
);
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const payload = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
})).value;

describe('the README specification', () => {
  it('matches the writer byte for byte, and its hash definition matches, over fuzzed payloads', async () => {
    const path = join(temporaryDirectory(), 'trail.jsonl');
    const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 16 * 1024 } });
    const appended: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(payload, async (value) => {
        await trail.append('fuzz', value);
        appended.push(value);
      }),
      { numRuns: 400 },
    );
    await trail.close();

    let previous = '0'.repeat(64);
    let seq = 0;
    for (const file of await listAuditSegments(path)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      for (const line of lines) {
        // Not JSON.parse: on Node 24 it can misread escaped keys (nodejs/node#63785; see src/json-text.ts).
        const record = parseJsonText(line) as Record<string, unknown>;
        if (record.kind === 'fuzz')
          expect(specCanonical(record.payload)).toBe(specCanonical(appended.shift()));
        expect(line).toBe(specCanonical(record));
        expect(record.hash).toBe(specHash(record));
        const { hash: _hash, ...body } = record;
        expect(`{${line.slice(75)}`).toBe(specCanonical(body)); // the README's shortcut
        expect(record).toMatchObject({ seq, prevHash: previous });
        previous = record.hash as string;
        seq += 1;
      }
    }
    expect(seq).toBeGreaterThanOrEqual(400);
    expect(appended).toEqual([]);
  });

  it('spells out the number forms the writer produces', () => {
    for (const value of [
      0.1, 1e21, 1e-7, 123456789012345680000, 5e-324, -1.7976931348623157e308, 0.000001, 100,
    ]) {
      expect(specNumber(value)).toBe(JSON.stringify(value));
    }
  });

  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  it.skipIf(python.status !== 0)(
    "the README's Python script verifies the writer's files and rejects a tampered one",
    async () => {
      const script = /```python\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(script).toBeDefined();
      expect((script as string).trim().split('\n').length).toBeLessThanOrEqual(30);
      const directory = temporaryDirectory();
      const scriptPath = join(directory, 'verify.py');
      writeFileSync(scriptPath, script as string);

      const path = join(directory, 'trail.jsonl');
      const trail = await openAuditTrail({ path, durability: 'none', rotation: { maxBytes: 8 * 1024 } });
      const samples = fc.sample(payload, { numRuns: 300, seed: 7 });
      for (const value of samples) await trail.append('fuzz', value);
      await trail.appendRationale({
        action: 'risk.deny',
        lens: 'Risk',
        why: 'limit',
        config: { maxPct: 0.02 },
        risk: { pct: 1e-7 },
      });
      await trail.close();
      const files = await listAuditSegments(path);
      const verification = await verifyAuditTrail(path);
      expect(verification.ok).toBe(true);

      const run = spawnSync('python3', [scriptPath, ...files], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe(
        `ok ${verification.records} records, last hash ${verification.lastHash}`,
      );

      const content = readFileSync(files[0] as string, 'utf8');
      writeFileSync(files[0] as string, content.replace('"seq":3,', '"seq":4,'));
      const tampered = spawnSync('python3', [scriptPath, ...files], { encoding: 'utf8' });
      expect(tampered.status).not.toBe(0);
      expect(tampered.stderr).toMatch(/trail\.jsonl:4: bad record/);
    },
  );
});
