/**
 * `JSON.parse` for the trail's lines, immune to V8's escaped-key bug (nodejs/node#63785, open on Node 24
 * and 26): once a text with an escaped key such as `"\\"` has been parsed, a later escaped key such as
 * `"\""` or `"\u0000"` can read back as `\`. Reading a record wrongly makes its recomputed hash differ,
 * so the verifier would call an intact trail tampered and the writer, reopening, would cut a good tail.
 *
 * A text without a backslash holds no escape and goes to `JSON.parse`. The rest goes through the small
 * strict parser below, which reads the structure itself and builds each key from `JSON.parse` of the
 * key's own string literal (a lone string is never affected). Lines with a backslash are rare in a
 * trail, so the slow path costs nothing measurable.
 */
export function parseJsonText(text: string): unknown {
  if (!text.includes('\\')) return JSON.parse(text);
  return new StrictJsonReader(text).document();
}

const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** A recursive-descent reader of RFC 8259 JSON; throws `SyntaxError` where `JSON.parse` would. */
class StrictJsonReader {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  document(): unknown {
    const value = this.#value();
    this.#skipWhitespace();
    if (this.#at !== this.#text.length) this.#fail('unexpected text after the JSON value');
    return value;
  }

  #fail(what: string): never {
    throw new SyntaxError(`${what} at position ${this.#at}`);
  }

  #skipWhitespace(): void {
    const text = this.#text;
    for (;;) {
      const code = text.charCodeAt(this.#at);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.#at += 1;
    }
  }

  #value(): unknown {
    this.#skipWhitespace();
    switch (this.#text[this.#at]) {
      case '{':
        return this.#object();
      case '[':
        return this.#array();
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      default:
        return this.#number();
    }
  }

  #literal<Value>(word: string, value: Value): Value {
    if (!this.#text.startsWith(word, this.#at)) this.#fail('unexpected token');
    this.#at += word.length;
    return value;
  }

  #number(): number {
    numberPattern.lastIndex = this.#at;
    const match = numberPattern.exec(this.#text);
    if (match === null) this.#fail('unexpected token');
    this.#at += match[0].length;
    return Number(match[0]);
  }

  /** Finds the closing quote and lets `JSON.parse` decode the literal (escapes, control characters). */
  #string(): string {
    const text = this.#text;
    let end = this.#at + 1;
    for (;;) {
      const code = text.charCodeAt(end);
      if (Number.isNaN(code)) this.#fail('unterminated string');
      if (code === 0x22) break;
      end += code === 0x5c ? 2 : 1;
    }
    const literal = text.slice(this.#at, end + 1);
    let decoded: unknown;
    try {
      decoded = JSON.parse(literal);
    } catch {
      this.#fail('bad string');
    }
    this.#at = end + 1;
    return decoded as string;
  }

  #array(): unknown[] {
    this.#at += 1;
    const array: unknown[] = [];
    this.#skipWhitespace();
    if (this.#text[this.#at] === ']') {
      this.#at += 1;
      return array;
    }
    for (;;) {
      array.push(this.#value());
      this.#skipWhitespace();
      const next = this.#text[this.#at];
      this.#at += 1;
      if (next === ']') return array;
      if (next !== ',') this.#fail("expected ',' or ']'");
    }
  }

  #object(): Record<string, unknown> {
    this.#at += 1;
    const object: Record<string, unknown> = {};
    this.#skipWhitespace();
    if (this.#text[this.#at] === '}') {
      this.#at += 1;
      return object;
    }
    for (;;) {
      this.#skipWhitespace();
      if (this.#text[this.#at] !== '"') this.#fail('expected a key');
      const key = this.#string();
      this.#skipWhitespace();
      if (this.#text[this.#at] !== ':') this.#fail("expected ':'");
      this.#at += 1;
      const value = this.#value();
      // An own "__proto__" property, as JSON.parse makes it (an assignment would set the prototype).
      if (key === '__proto__') {
        Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
      } else {
        object[key] = value;
      }
      this.#skipWhitespace();
      const next = this.#text[this.#at];
      this.#at += 1;
      if (next === '}') return object;
      if (next !== ',') this.#fail("expected ',' or '}'");
    }
  }
}
