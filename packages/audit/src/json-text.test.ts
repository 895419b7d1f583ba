import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { parseJsonText } from './json-text';

const escapedKeys = fc
  .array(fc.constantFrom('\\', '"', '\u0000', '\u001f', '\n', '\r', '\f', 'a', 'é', '😀', ' '), {
    maxLength: 4,
  })
  .map((parts) => parts.join(''));

describe('parseJsonText', () => {
  // nodejs/node#63785: on Node 24 and 26 the second JSON.parse reads the key `"` back as `\`.
  it('reads an escaped key right after a text that poisons V8 key cache', () => {
    parseJsonText('{"h":[],"\\\\":0}');
    JSON.parse('{"h":[],"\\\\":0}');
    expect(Object.keys(parseJsonText('{"h":1,"\\"":2}') as object)).toEqual(['h', '"']);
  });

  it('reads every escaped key as written, whatever was parsed before (fuzzed)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(escapedKeys, fc.integer(), { maxKeys: 5 }), { maxLength: 6 }),
        (objects) => {
          for (const object of objects) {
            const text = JSON.stringify({ h: [], ...object });
            expect(canonicalJson(parseJsonText(text))).toBe(canonicalJson({ h: [], ...object }));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads back any JSON value as it was written', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, indent) => {
        const text = JSON.stringify(value, null, indent ? 2 : undefined);
        expect(canonicalJson(parseJsonText(text))).toBe(canonicalJson(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps "__proto__" as an own property, as JSON.parse does', () => {
    const parsed = parseJsonText('{"__proto__":{"x":1},"\\n":2}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', '\n']);
    expect(parsed.x).toBeUndefined();
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of [
      '{"a\\x":1}',
      '{"\\"":1,}',
      '["\\n" 2]',
      '{"\\"":01}',
      '"\\u12"',
      '"\\n"x',
      '{"\\n"}',
      '{"\\n":}',
      '["\\n",]',
      '["\\n"',
      '"\\',
      '{"a\u0001\\n":1}',
      '[-]',
      '[1.]',
      '[.5, "\\n"]',
      '[tru, "\\n"]',
      "{'\\n':1}",
      '',
    ]) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(() => parseJsonText(text), text).toThrow(SyntaxError);
    }
  });

  // JSON.parse's answer itself may carry the bug's wrong keys, so only its verdict is compared.
  it('refuses or accepts a mangled text exactly as JSON.parse does (fuzzed)', () => {
    const mangled = fc
      .tuple(
        fc.jsonValue({ maxDepth: 3 }),
        fc.nat(),
        fc.constantFrom('', '\\', '"', ',', '}', ']', ':', ' ', '0', '-', 'e'),
      )
      .map(([value, at, insert]) => {
        const text = JSON.stringify({ '\\': value });
        const position = at % (text.length + 1);
        return text.slice(0, position) + insert + text.slice(position + (insert === '' ? 1 : 0));
      });
    fc.assert(
      fc.property(mangled, (text) => {
        let nativeAccepts = true;
        try {
          JSON.parse(text);
        } catch {
          nativeAccepts = false;
        }
        if (!nativeAccepts) {
          expect(() => parseJsonText(text), text).toThrow(SyntaxError);
          return;
        }
        const parsed = parseJsonText(text);
        expect(JSON.stringify(parseJsonText(JSON.stringify(parsed)))).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 3000 },
    );
  });
});
