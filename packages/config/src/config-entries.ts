/** Config values with where they came from (`Entry`), the issue list, and paths into plain JSON objects. */
import type { ConfigIssue, ConfigSource } from './config-error';
import { CONFIG_FILE_KEYS, FIELD_EXPECTATIONS } from './schema';

export type Segment = string | number;

/** A value and where it came from. `rank` orders the layers: default 0, file 1, env 2, override 3. */
export interface Entry {
  readonly value: unknown;
  /** The value as given: the env text, the JSON value, or `'[redacted]'`. */
  readonly raw: unknown;
  readonly source: ConfigSource;
  readonly origin: string | undefined;
  readonly rank: number;
}

export const RANK = { default: 0, file: 1, env: 2, override: 3, resolution: 4 } as const;

/** Collects issues and remembers which paths were invalid in which layer. */
export class IssueList {
  readonly items: ConfigIssue[] = [];
  readonly #invalid: { path: string; rank: number }[] = [];

  add(issue: ConfigIssue, rank: number): void {
    this.items.push(issue);
    if (issue.path !== '') this.#invalid.push({ path: issue.path, rank });
  }

  /**
   * Whether an issue at `path` would only repeat an earlier one: a related path was invalid in a layer
   * above the one the value now in use came from (so that value is a fallback, not the user's choice).
   */
  repeats(path: string, rank: number): boolean {
    return this.#invalid.some(
      (invalid) =>
        invalid.rank > rank &&
        (invalid.path === path || path.startsWith(`${invalid.path}.`) || invalid.path.startsWith(`${path}.`)),
    );
  }

  has(path: string): boolean {
    return this.#invalid.some((invalid) => invalid.path === path);
  }

  /** Moves another list's issues (and what they made invalid) to the end of this one. */
  absorb(other: IssueList): void {
    this.items.push(...other.items);
    this.#invalid.push(...other.#invalid);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of plain objects and arrays (so deleting invalid keys touches no caller data); `undefined` keys dropped. */
export function copyPlain(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((item) => copyPlain(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) defineOwn(copy, key, copyPlain(item, depth + 1));
  }
  return copy;
}

export function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<Segment, unknown>)[segment];
  }
  return current;
}

/** Removes the value at `path`; a path into an array removes the whole array (lists are replaced, not merged). */
export function removeAt(root: Record<string, unknown>, path: readonly Segment[]): Record<string, unknown> {
  if (path.length === 0) return {};
  let container: unknown = root;
  for (let index = 0; index < path.length; index += 1) {
    if (typeof container !== 'object' || container === null) return root;
    const key = path[index] as Segment;
    const child: unknown = (container as Record<Segment, unknown>)[key];
    if (index === path.length - 1 || Array.isArray(child)) {
      delete (container as Record<Segment, unknown>)[key];
      return root;
    }
    container = child;
  }
  return root;
}

/** Sections of the config; `credentials` exists only in the resolved config (it is never read from a file). */
export const SECTIONS = new Set([
  ...Object.keys(CONFIG_FILE_KEYS).filter((key) => key !== ''),
  'credentials',
]);

/** The leaf a path belongs to: `risk.leverageDefault` for itself, `symbols` for `symbols.2`. */
export function leafOf(path: readonly Segment[]): string {
  const first = String(path[0] ?? '');
  return SECTIONS.has(first) && path.length > 1 ? `${first}.${String(path[1])}` : first;
}

export function toSegments(path: readonly PropertyKey[]): Segment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

export function expectationFor(path: readonly Segment[], fallback: string): string {
  const dotted = path.join('.');
  if (Object.hasOwn(FIELD_EXPECTATIONS, dotted)) return FIELD_EXPECTATIONS[dotted] as string;
  if (path[0] === 'symbols' && path.length === 2) return FIELD_EXPECTATIONS['symbols.*'] as string;
  const item = `${path.slice(0, -1).join('.')}.*`;
  if (typeof path.at(-1) === 'number' && Object.hasOwn(FIELD_EXPECTATIONS, item)) {
    return FIELD_EXPECTATIONS[item] as string;
  }
  if (path.length === 1 && SECTIONS.has(dotted)) {
    return `an object with the keys ${(CONFIG_FILE_KEYS[dotted] ?? []).join(', ')}`;
  }
  return fallback;
}
