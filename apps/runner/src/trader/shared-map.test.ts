import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedMap } from './shared-map';

/**
 * `SharedMap` against a plain `Map` given the same operations: the same reads, the same order, the same live
 * entries, and a copy's changes never reach the map it was copied from (the account reducer stays pure).
 */
interface Entry {
  readonly live: boolean;
  readonly n: number;
}
const isLive = (entry: Entry) => entry.live;

type Step =
  | { readonly kind: 'set'; readonly key: string; readonly entry: Entry }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'copy' };

// A hundred keys, so sets replace, deletes hit and keys come back after a delete, and a copy's changes can
// outgrow the shared base (a compaction).
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      key: fc.integer({ min: 0, max: 99 }).map(String),
      entry: fc.record({ live: fc.boolean(), n: fc.nat(9) }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      key: fc.integer({ min: 0, max: 99 }).map(String),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'copy' as const }) },
);

function seen(map: ReadonlyMap<string, Entry>) {
  const keys: string[] = [];
  map.forEach((_, key) => keys.push(key));
  return { entries: [...map], keys, values: [...map.values()], size: map.size, forEach: keys };
}

describe('SharedMap', () => {
  it('reads, iterates and keeps the live entries as a Map would, and copies leave their source alone', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.array(step, { maxLength: 400 }), (first, steps) => {
        const plain = new Map<string, Entry>();
        for (const one of first) if (one.kind === 'set') plain.set(one.key, one.entry);
        let shared = SharedMap.copyOf(plain, isLive);
        const earlier: { map: SharedMap<Entry>; entries: [string, Entry][] }[] = [];
        for (const one of steps) {
          if (one.kind === 'set') {
            plain.set(one.key, one.entry);
            shared.set(one.key, one.entry);
          } else if (one.kind === 'delete') {
            expect(shared.delete(one.key)).toBe(plain.delete(one.key));
          } else {
            earlier.push({ map: shared, entries: [...plain] });
            shared = SharedMap.copyOf(shared, isLive);
          }
          for (const key of ['0', '7', '99']) {
            expect(shared.get(key)).toBe(plain.get(key));
            expect(shared.has(key)).toBe(plain.has(key));
          }
        }
        expect(seen(shared)).toEqual(seen(plain));
        const values = [...plain.values()];
        expect(shared.liveValues(isLive)).toEqual(values.filter(isLive));
        expect(shared.ended).toBe(values.filter((entry) => !entry.live).length);
        expect(shared.liveValues(() => true)).toBeUndefined();
        for (const { map, entries } of earlier) expect([...map]).toEqual(entries);
      }),
      { numRuns: 300 },
    );
  });

  it('copies a plain Map as it is', () => {
    const source = new Map<string, Entry>([
      ['b', { live: true, n: 1 }],
      ['a', { live: false, n: 2 }],
    ]);
    const copy = SharedMap.copyOf(source, isLive);
    copy.set('c', { live: true, n: 3 });
    expect([...copy.keys()]).toEqual(['b', 'a', 'c']);
    expect(copy.liveValues(isLive)).toEqual([
      { live: true, n: 1 },
      { live: true, n: 3 },
    ]);
    expect([...source.keys()]).toEqual(['b', 'a']);
  });
});
