/** Where a JSON text first breaks the grammar, and what was expected there. Positions are 1-based. */
export interface JsonSyntaxProblem {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly expected: string;
}

/** The deepest nesting a config JSON may have; deeper input is refused before anything recurses into it. */
export const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const VALUE = 'a value (object, array, string, number, true, false or null)';

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/**
 * Finds the first syntax error in a JSON text, or `undefined` when it is valid. Used instead of
 * `JSON.parse`'s message, which quotes the text (and so could print a secret pasted into the file).
 */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let index = 0;
  const stop = (expected: string): never => {
    throw new Stop(index, expected);
  };
  const skipWhitespace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index] as string)) index += 1;
  };

  const readString = () => {
    index += 1;
    for (;;) {
      if (index >= text.length) stop('a closing double quote');
      const code = text.charCodeAt(index);
      if (code === 0x22) {
        index += 1;
        return;
      }
      if (code === 0x5c) {
        const escape = text[index + 1];
        if (escape !== undefined && '"\\/bfnrt'.includes(escape)) index += 2;
        else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) index += 6;
        else stop('a valid escape sequence');
        continue;
      }
      if (code < 0x20) stop('no raw control characters inside a string (escape them)');
      index += 1;
    }
  };

  const readValue = (depth: number): void => {
    if (depth > MAX_DEPTH) stop(`nesting no deeper than ${MAX_DEPTH} levels`);
    skipWhitespace();
    if (index >= text.length) stop(`${VALUE}, not the end of the file`);
    const character = text[index] as string;
    if (character === '{') {
      index += 1;
      skipWhitespace();
      if (text[index] === '}') {
        index += 1;
        return;
      }
      for (;;) {
        skipWhitespace();
        if (text[index] !== '"') stop('a double-quoted property name');
        readString();
        skipWhitespace();
        if (text[index] !== ':') stop("':' after the property name");
        index += 1;
        readValue(depth + 1);
        skipWhitespace();
        if (text[index] === ',') {
          index += 1;
          continue;
        }
        if (text[index] === '}') {
          index += 1;
          return;
        }
        stop("',' or '}'");
      }
    }
    if (character === '[') {
      index += 1;
      skipWhitespace();
      if (text[index] === ']') {
        index += 1;
        return;
      }
      for (;;) {
        readValue(depth + 1);
        skipWhitespace();
        if (text[index] === ',') {
          index += 1;
          continue;
        }
        if (text[index] === ']') {
          index += 1;
          return;
        }
        stop("',' or ']'");
      }
    }
    if (character === '"') {
      readString();
      return;
    }
    if (character === '-' || (character >= '0' && character <= '9')) {
      NUMBER.lastIndex = index;
      const match = NUMBER.exec(text);
      if (match === null) stop('a valid number');
      else index += match[0].length;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, index)) {
        index += literal.length;
        return;
      }
    }
    stop(VALUE);
  };

  try {
    readValue(0);
    skipWhitespace();
    if (index < text.length) stop('the end of the file after the JSON value');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const line = before.split('\n').length;
    const column = error.offset - (before.lastIndexOf('\n') + 1) + 1;
    return { offset: error.offset, line, column, expected: error.expected };
  }
}
