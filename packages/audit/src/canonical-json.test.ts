import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuditSerializationError } from './audit-error';
import { canonicalJson, MAX_DEPTH } from './canonical-json';

function serializationError(run: () => unknown): AuditSerializationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditSerializationError);
    return error as AuditSerializationError;
  }
  throw new Error('expected an AuditSerializationError');
}

describe('canonicalJson', () => {
  it('sorts object keys by UTF-16 code units at every level, with no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 0, y: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":1,"z":0}]},"b":1}',
    );
    // Integer-like keys sort as strings, not numerically as JavaScript orders them.
    expect(canonicalJson({ 10: 'a', 9: 'b', a: 'c', B: 'd' })).toBe('{"10":"a","9":"b","B":"d","a":"c"}');
    // UTF-16 order: an astral character (surrogate pair D83D…) sorts before U+FFFD, unlike code-point order.
    expect(canonicalJson({ '\uFFFD': 1, '😀': 2, é: 3 })).toBe('{"é":3,"😀":2,"\uFFFD":1}');
  });

  it('writes numbers as ECMAScript Number#toString does', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [-1.5, '-1.5'],
      [0.1, '0.1'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [1.5e-7, '1.5e-7'],
      [123456789012345680000, '123456789012345680000'],
      [1e21, '1e+21'],
      [2 ** 53 + 2, '9007199254740994'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [Number.MIN_VALUE, '5e-324'],
      [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [value, text] of cases) expect(canonicalJson(value)).toBe(text);
  });

  it('escapes strings as JSON.stringify does and writes everything else as is', () => {
    expect(canonicalJson('quote " backslash \\ slash /')).toBe('"quote \\" backslash \\\\ slash /"');
    expect(canonicalJson('\b\t\n\f\r')).toBe('"\\b\\t\\n\\f\\r"');
    expect(canonicalJson('\u0000\u0001\u001f')).toBe('"\\u0000\\u0001\\u001f"');
    expect(canonicalJson('\u007f \u2028 \u2029 é 😀')).toBe('"\u007f \u2028 \u2029 é 😀"');
  });

  it('honours toJSON (Date, secrets that print as [redacted])', () => {
    const secret = { toJSON: () => '[redacted]' };
    expect(canonicalJson({ when: new Date(Date.UTC(2025, 0, 15)), secret })).toBe(
      '{"secret":"[redacted]","when":"2025-01-15T00:00:00.000Z"}',
    );
  });

  it('refuses what canonical JSON cannot represent, naming the path and the reason', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = { again: cyclic };
    const cases: [unknown, string, string][] = [
      [cyclic, '$.self.again', 'cycle'],
      [{ amount: 10n }, '$.amount', 'bigint'],
      [{ maybe: undefined }, '$.maybe', 'undefined'],
      [[1, undefined], '$[1]', 'undefined'],
      // eslint-disable-next-line no-sparse-arrays
      [[1, , 3], '$[1]', 'undefined'],
      [undefined, '$', 'undefined'],
      [{ run: () => 1 }, '$.run', 'function'],
      [{ tag: Symbol('x') }, '$.tag', 'symbol'],
      [{ price: Number.NaN }, '$.price', 'non-finite-number'],
      [{ 'odd key': [Number.POSITIVE_INFINITY] }, '$["odd key"][0]', 'non-finite-number'],
      [{ text: 'broken \uD800 surrogate' }, '$.text', 'lone-surrogate'],
      [{ '\uDC00': 1 }, '$["\\udc00"]', 'lone-surrogate'],
      [{ positions: new Map() }, '$.positions', 'non-plain-object'],
      [{ symbols: new Set(['BTC']) }, '$.symbols', 'non-plain-object'],
      [new (class Order {})(), '$', 'non-plain-object'],
    ];
    for (const [value, path, reason] of cases) {
      const error = serializationError(() => canonicalJson(value));
      expect({ path: error.path, reason: error.reason, code: error.code }).toEqual({
        path,
        reason,
        code: 'AUDIT_UNSERIALIZABLE',
      });
    }
  });

  it('refuses nesting deeper than MAX_DEPTH but accepts exactly MAX_DEPTH', () => {
    const nest = (depth: number): unknown => (depth === 1 ? [] : [nest(depth - 1)]);
    expect(() => canonicalJson(nest(MAX_DEPTH))).not.toThrow();
    expect(serializationError(() => canonicalJson(nest(MAX_DEPTH + 1))).reason).toBe('too-deep');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson({ x: shared, y: shared })).toBe('{"x":{"a":1},"y":{"a":1}}');
  });

  it('accepts null-prototype objects', () => {
    const bare = Object.create(null) as Record<string, number>;
    bare.b = 2;
    bare.a = 1;
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });

  it('round-trips: parsing the output gives the value back, and serializing that gives the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        const parsed: unknown = JSON.parse(text);
        expect(parsed).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(parsed)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
