import fc from 'fast-check';
import {
  RadixScratch,
  sortTaggedKeys,
  sortWithPayload,
  TaggedKeyScratch,
  wordsOf,
} from 'src/engine/columnar/radix-sort';

/** Numeric order with −0 before +0, as the typed-array sort has it. */
function compareDoubles(a: number, b: number): number {
  if (a !== b) {
    return a < b ? -1 : 1;
  }
  return (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1);
}

/** Sorts values[start, end) with payload i % 256 and checks it against a stable reference sort. */
function checkSort(input: number[], start = 0, end = input.length): void {
  const values = Float64Array.from(input);
  const payload = Uint8Array.from(input, (_, i) => i % 256);
  sortWithPayload(values, wordsOf(values), payload, start, end, new RadixScratch(end - start));

  // Array.prototype.sort is stable, so equal values keep their input order.
  const expected = input
    .map((value, i) => ({ value, tag: i % 256 }))
    .slice(start, end)
    .sort((a, b) => compareDoubles(a.value, b.value));
  expect(Array.from(values.subarray(start, end))).toEqual(expected.map((e) => e.value));
  expect(Array.from(payload.subarray(start, end))).toEqual(expected.map((e) => e.tag));
  expect(Array.from(values.subarray(0, start))).toEqual(input.slice(0, start));
  expect(Array.from(values.subarray(end))).toEqual(input.slice(end));
}

describe('sortWithPayload', () => {
  const value = fc.oneof(
    fc.integer({ min: -50, max: 50 }),
    fc.double({ noNaN: true, min: -1e12, max: 1e12 }),
    fc.constantFrom(0, -0, 1e-310, -1e-310, Number.MAX_VALUE, -Number.MAX_VALUE, 0.1, 0.3),
  );

  it('sorts like Float64Array.prototype.sort and moves the payload stably', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), (input) => checkSort(input)),
      { numRuns: 300 },
    );
  });

  it.each([0, 1, 2, 47, 48, 49, 255, 4095, 4096, 6000])(
    'sorts %s values on every path (insertion, narrow and wide digits)',
    (size) => {
      const input = Array.from({ length: size }, (_, i) => ((i * 7919) % 1013) / 4 - 100);
      checkSort(input);
    },
  );

  it('sorts only the requested range', () => {
    checkSort([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2], 3, 9);
    const long = Array.from({ length: 500 }, (_, i) => (i * 37) % 101);
    checkSort(long, 50, 450);
  });

  it('leaves equal values in their original order', () => {
    checkSort(new Array<number>(200).fill(3.5));
  });
});

describe('sortTaggedKeys', () => {
  /** Sorts keys[start, end) of (key, tag) pairs and checks it against a stable reference sort. */
  function checkKeys(
    pairs: readonly (readonly [number, number])[],
    tagBits: number,
    keyBits: number,
    start = 0,
    end = pairs.length,
  ): void {
    const keys = Uint32Array.from(pairs, ([key, tag]) => key * 2 ** tagBits + tag);
    const input = Array.from(keys);
    const tagCounts = new Uint32Array(1 << tagBits);
    sortTaggedKeys(
      keys,
      start,
      end,
      tagBits,
      keyBits,
      new TaggedKeyScratch(end - start),
      tagCounts,
    );

    const expected = input.slice(start, end).sort((a, b) => (a >>> tagBits) - (b >>> tagBits));
    expect(Array.from(keys.subarray(start, end))).toEqual(expected);
    expect(Array.from(keys.subarray(0, start))).toEqual(input.slice(0, start));
    expect(Array.from(keys.subarray(end))).toEqual(input.slice(end));
    const counts = new Array<number>(1 << tagBits).fill(0);
    for (const key of expected) {
      counts[key % 2 ** tagBits]++;
    }
    expect(Array.from(tagCounts)).toEqual(counts);
  }

  it('sorts stably by the bits above the tag and counts the tags', () => {
    const layout = fc.record({ tagBits: fc.integer({ min: 0, max: 8 }), keyBits: fc.nat(24) });
    fc.assert(
      fc.property(
        layout.chain(({ tagBits, keyBits }) =>
          fc.record({
            tagBits: fc.constant(tagBits),
            keyBits: fc.constant(keyBits),
            pairs: fc.array(
              fc.tuple(
                fc.integer({ min: 0, max: 2 ** keyBits - 1 }),
                fc.integer({ min: 0, max: 2 ** tagBits - 1 }),
              ),
              { maxLength: 300 },
            ),
          }),
        ),
        ({ tagBits, keyBits, pairs }) => checkKeys(pairs, tagBits, keyBits),
      ),
      { numRuns: 300 },
    );
  });

  it.each([0, 1, 48, 49, 300, 4095, 4096, 20_000])(
    'sorts %s keys on every path (insertion, narrow and wide digits)',
    (size) => {
      const pairs = Array.from({ length: size }, (_, i) => [(i * 7919) % 100_003, i % 31] as const);
      checkKeys(pairs, 5, 17);
    },
  );

  it('sorts only the requested range, and keys of 27 bits', () => {
    const pairs = Array.from(
      { length: 6000 },
      (_, i) => [(i * 2_654_435_761) % 2 ** 27, i % 32] as const,
    );
    checkKeys(pairs, 5, 27, 100, 5900);
  });

  it('leaves keys alone when they are all equal, and counts their tags', () => {
    checkKeys(
      Array.from({ length: 5000 }, (_, i) => [12345, i % 7] as const),
      5,
      17,
    );
    checkKeys(
      Array.from({ length: 100 }, (_, i) => [0, i % 3] as const),
      5,
      0,
    );
  });
});
