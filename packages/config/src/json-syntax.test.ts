import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxProblem } from './json-syntax';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxProblem', () => {
  it.each(['{}', '[]', '0', '-1.5e+10', '"a\\u00e9\\n"', ' {"a": [1, {"b": null}], "c": true} ', '[false]'])(
    'finds nothing wrong in %s',
    (text) => {
      expect(findJsonSyntaxProblem(text)).toBeUndefined();
    },
  );

  it.each([
    ['{"a": }', 1, 7, 'a value'],
    ['{"a": 1,}', 1, 9, 'a double-quoted property name'],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "',' or '}'"],
    ['{"a" 1}', 1, 6, "':'"],
    ['[1 2]', 1, 4, "',' or ']'"],
    ['{"a": "x', 1, 9, 'a closing double quote'],
    ['{"a": "\\x"}', 1, 8, 'a valid escape sequence'],
    ['{"a": "\t"}', 1, 8, 'control characters'],
    ['{} x', 1, 4, 'the end of the file'],
    ['', 1, 1, 'not the end of the file'],
    ['{"a": -}', 1, 7, 'a valid number'],
    ['{"a": tru}', 1, 7, 'a value'],
    ["{'a': 1}", 1, 2, 'a double-quoted property name'],
    ['// comment\n{}', 1, 1, 'a value'],
  ])('locates the error in %j at line %i, column %i', (text, line, column, expected) => {
    const problem = findJsonSyntaxProblem(text);
    expect(problem).toMatchObject({ line, column });
    expect(problem?.expected).toContain(expected);
  });

  it('reports too deep nesting instead of overflowing the stack', () => {
    expect(findJsonSyntaxProblem('['.repeat(5000))?.expected).toContain('nesting');
  });

  it('agrees with JSON.parse on what is valid', () => {
    const texts = fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', '\\', ' ', 'x', '0'))
        .map(
          ([json, at, insert]) =>
            json.slice(0, at % (json.length + 1)) + insert + json.slice(at % (json.length + 1)),
        ),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expect(findJsonSyntaxProblem(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });
});
