import { AuditSecretError, AuditSerializationError } from './audit-error';
import type { UnserializableReason } from './audit-error';

/** What a redacted secret is replaced with in the trail. */
export const REDACTED = '[redacted]';

/** How deep a payload may nest (objects and arrays), counting the payload itself as depth 1. */
export const MAX_DEPTH = 64;

/** What the serializer remembers about an object key: its JSON form with the colon, and whether it names a secret. */
interface KeyInfo {
  readonly json: string;
  readonly secretField: boolean;
}

/**
 * The secret guard's compiled settings (see `openAuditTrail`'s `secrets`). `values` holds every form of
 * every configured secret that is searched for in strings (the raw value and its URI-encoded form);
 * `escapedValues` the forms searched for in the final serialized record (raw, and as JSON escapes them).
 */
export interface SecretGuard {
  readonly values: readonly string[];
  readonly escapedValues: readonly string[];
  readonly fieldPattern: RegExp | undefined;
  readonly onSecret: 'redact' | 'refuse';
  /** Memoizes each key's JSON form and `fieldPattern` match: payload keys repeat from record to record. */
  readonly keyCache: Map<string, KeyInfo>;
}

const keyCacheLimit = 10_000;
const unguardedKeyCache = new Map<string, KeyInfo>();

const hasNativeIsWellFormed =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A string without these characters is written as `"` + itself + `"`: nothing to escape, no surrogate to check. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const needsCare = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether a string is well-formed Unicode (no lone UTF-16 surrogate), so it has a UTF-8 encoding. */
export function isWellFormedString(text: string): boolean {
  return hasNativeIsWellFormed
    ? (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : !loneSurrogate.test(text);
}

/** Internal: a failure deep in the value, with the path where it happened. */
class PathFailure {
  constructor(
    readonly reason: UnserializableReason | 'secret-field' | 'secret-value',
    readonly detail: string,
    readonly segments: readonly (string | number)[],
  ) {}
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a path as `$.a.b[2]["odd key"]`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let path = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (identifier.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function describeType(value: object): string {
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = prototype?.constructor?.name;
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * Sorts keys in UTF-16 code-unit order (what `<` compares). Insertion sort for the small objects
 * payloads are made of (twice as fast as `Array#sort` there), `Array#sort` beyond.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let index = 1; index < keys.length; index++) {
    const key = keys[index] as string;
    let position = index - 1;
    while (position >= 0 && (keys[position] as string) > key) {
      keys[position + 1] = keys[position] as string;
      position -= 1;
    }
    keys[position + 1] = key;
  }
  return keys;
}

/**
 * One serialization: a depth-first walk writing canonical JSON, with the path kept on a stack so a
 * failure can say where it happened.
 */
class CanonicalWriter {
  readonly #guard: SecretGuard | undefined;
  readonly #keyCache: Map<string, KeyInfo>;
  readonly #path: (string | number)[] = [];
  readonly #ancestors: object[] = [];

  constructor(guard: SecretGuard | undefined) {
    this.#guard = guard;
    this.#keyCache = guard?.keyCache ?? unguardedKeyCache;
  }

  #fail(reason: PathFailure['reason'], detail: string): never {
    throw new PathFailure(reason, detail, [...this.#path]);
  }

  #string(text: string): string {
    const guard = this.#guard;
    if (guard !== undefined && guard.values.length > 0) {
      for (const secret of guard.values) {
        if (text.includes(secret)) {
          if (guard.onSecret === 'refuse') this.#fail('secret-value', '');
          text = text.split(secret).join(REDACTED);
        }
      }
    }
    if (!needsCare.test(text)) return `"${text}"`;
    if (!isWellFormedString(text)) {
      this.#fail('lone-surrogate', 'a string holds a lone UTF-16 surrogate (not valid Unicode)');
    }
    return JSON.stringify(text);
  }

  #key(key: string): KeyInfo {
    let info = this.#keyCache.get(key);
    if (info !== undefined) return info;
    const guard = this.#guard;
    if (!isWellFormedString(key)) {
      this.#fail('lone-surrogate', 'a key holds a lone UTF-16 surrogate (not valid Unicode)');
    }
    if (guard !== undefined) {
      for (const secret of guard.values) {
        if (key.includes(secret)) this.#fail('secret-value', '');
      }
    }
    let secretField = false;
    if (guard?.fieldPattern !== undefined) {
      guard.fieldPattern.lastIndex = 0;
      secretField = guard.fieldPattern.test(key);
    }
    info = { json: `${JSON.stringify(key)}:`, secretField };
    if (this.#keyCache.size >= keyCacheLimit) this.#keyCache.clear();
    this.#keyCache.set(key, info);
    return info;
  }

  value(value: unknown, key: string): string {
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'number':
        if (!Number.isFinite(value))
          this.#fail('non-finite-number', `${String(value)} is not a finite number`);
        return String(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        return value === null ? 'null' : this.#object(value, key);
      case 'undefined':
        return this.#fail('undefined', 'undefined is not a JSON value (omit the field or use null)');
      case 'bigint':
        return this.#fail('bigint', 'a BigInt is not a JSON value (write it as a decimal string)');
      case 'function':
        return this.#fail('function', 'a function is not a JSON value');
      default:
        return this.#fail('symbol', 'a symbol is not a JSON value');
    }
  }

  #object(value: object, key: string): string {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(value, key);
      if (typeof replaced !== 'object' || replaced === null) return this.value(replaced, key);
      value = replaced;
    }
    const ancestors = this.#ancestors;
    if (ancestors.includes(value)) this.#fail('cycle', 'the value contains itself (a cycle)');
    if (ancestors.length >= MAX_DEPTH)
      this.#fail('too-deep', `the value nests deeper than ${MAX_DEPTH} levels`);
    ancestors.push(value);
    const path = this.#path;
    let text: string;
    if (Array.isArray(value)) {
      text = '[';
      for (let index = 0; index < value.length; index++) {
        path.push(index);
        text +=
          index === 0
            ? this.value(value[index], String(index))
            : `,${this.value(value[index], String(index))}`;
        path.pop();
      }
      text += ']';
    } else {
      if (!isPlainObject(value)) {
        this.#fail(
          'non-plain-object',
          `${describeType(value)} is not a plain object or array (convert it, or give it a toJSON method)`,
        );
      }
      const record = value as Record<string, unknown>;
      const keys = sortKeys(Object.keys(record));
      text = '{';
      for (let index = 0; index < keys.length; index++) {
        const member = keys[index] as string;
        path.push(member);
        const info = this.#key(member);
        const memberValue = record[member];
        let written: string;
        if (
          info.secretField &&
          memberValue !== null &&
          typeof memberValue !== 'boolean' &&
          memberValue !== undefined
        ) {
          if (this.#guard?.onSecret === 'refuse') this.#fail('secret-field', '');
          written = `"${REDACTED}"`;
        } else {
          written = this.value(memberValue, member);
        }
        text += index === 0 ? info.json + written : `,${info.json}${written}`;
        path.pop();
      }
      text += '}';
    }
    ancestors.pop();
    return text;
  }
}

/**
 * Serializes a value as canonical JSON, applying the secret guard when one is given. Throws
 * {@link AuditSerializationError} or {@link AuditSecretError}.
 */
export function serializeCanonical(value: unknown, guard: SecretGuard | undefined): string {
  try {
    return new CanonicalWriter(guard).value(value, '');
  } catch (failure) {
    if (!(failure instanceof PathFailure)) throw failure;
    const path = formatPath(failure.segments);
    switch (failure.reason) {
      case 'secret-field':
        throw new AuditSecretError(path, 'field-name');
      case 'secret-value':
        throw new AuditSecretError(path, 'secret-value');
      default:
        throw new AuditSerializationError(path, failure.reason, failure.detail);
    }
  }
}

/**
 * The canonical JSON form of a value, as the trail hashes and writes it (see the README, "Canonical
 * serialization"): object members sorted by key in UTF-16 code-unit order, no whitespace, numbers as
 * ECMAScript's `Number#toString` (JSON.stringify's shortest round-trip form), strings escaped as
 * JSON.stringify escapes them, `toJSON()` honoured. Throws {@link AuditSerializationError} for cycles,
 * BigInt, `undefined`, functions, symbols, NaN/Infinity, lone surrogates, non-plain objects (Map, Set,
 * class instances without `toJSON`) and nesting deeper than {@link MAX_DEPTH}.
 */
export function canonicalJson(value: unknown): string {
  return serializeCanonical(value, undefined);
}
