import fc from 'fast-check';
import {
  lowerBound,
  selectInPlace,
  selectKth,
  selectKthAndNext,
  selectPairInPlace,
  upperBound,
} from 'src/engine/columnar/run-selection';

/** Lays sorted runs out in one buffer with filler between them, as the engine's runs are. */
function layOut(runs: readonly (readonly number[])[]): {
  data: Float64Array;
  starts: number[];
  ends: number[];
} {
  const total = runs.reduce((size, run) => size + run.length + 3, 3);
  const data = new Float64Array(total).fill(Number.MAX_VALUE);
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 3;
  for (const run of runs) {
    const sorted = Float64Array.from(run).sort();
    data.set(sorted, at);
    starts.push(at);
    ends.push(at + sorted.length);
    at += sorted.length + 3;
  }
  return { data, starts, ends };
}

function sortedUnion(runs: readonly (readonly number[])[]): Float64Array {
  return Float64Array.from(runs.flat()).sort();
}

/** Seeded generator so the larger cases are reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

describe('lowerBound / upperBound', () => {
  const data = Float64Array.of(1, 2, 2, 2, 5);

  it.each([
    [0, 0, 0],
    [1, 0, 1],
    [2, 1, 4],
    [3, 4, 4],
    [5, 4, 5],
    [6, 5, 5],
  ])('around %s: lower %s, upper %s', (x, lower, upper) => {
    expect(lowerBound(data, 0, data.length, x)).toBe(lower);
    expect(upperBound(data, 0, data.length, x)).toBe(upper);
  });

  it('stays inside the given range', () => {
    expect(lowerBound(data, 2, 4, 0)).toBe(2);
    expect(upperBound(data, 2, 4, 9)).toBe(4);
  });
});

describe('selectKth', () => {
  it('matches sorting on small random runs, with ties, single-element and empty runs', () => {
    const run = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40 });
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(
              run,
              fc.constant([]),
              fc.integer().map((x) => [x]),
            ),
            {
              minLength: 1,
              maxLength: 12,
            },
          )
          .filter((runs) => runs.some((r) => r.length > 0)),
        (runs) => {
          const { data, starts, ends } = layOut(runs);
          const expected = sortedUnion(runs);
          for (let k = 0; k < expected.length; k++) {
            expect(selectKth(data, starts, ends, k)).toBe(expected[k]);
            const [kth, next] = selectKthAndNext(data, starts, ends, k);
            expect(kth).toBe(expected[k]);
            expect(next).toBe(expected[Math.min(k + 1, expected.length - 1)]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['continuous values', 1e6],
    ['heavy ties', 7],
    ['a single distinct value', 1],
  ])('matches sorting on many large runs with %s', (_label, distinct) => {
    const random = seeded(distinct);
    const runs = Array.from({ length: 40 }, (_, r) =>
      Array.from({ length: r % 7 === 0 ? 1 : Math.floor(random() * 3000) }, () =>
        distinct === 1 ? 4.25 : Math.floor(random() * distinct) - distinct / 3,
      ),
    );
    runs.push([]);
    const { data, starts, ends } = layOut(runs);
    const expected = sortedUnion(runs);
    const n = expected.length;
    for (const k of [
      0,
      1,
      2,
      n >> 2,
      n >> 1,
      n - 3,
      n - 2,
      n - 1,
      ...[7, 13, 99].map((d) => Math.floor(n / d)),
    ]) {
      expect(selectKth(data, starts, ends, k)).toBe(expected[k]);
      expect(selectKthAndNext(data, starts, ends, k)).toEqual([
        expected[k],
        expected[Math.min(k + 1, n - 1)],
      ]);
    }
  });

  it('matches sorting at every rank of medium runs, like or unlike in value', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300, size: 'max' }),
            fc.integer({ min: 0, max: 3 }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.boolean(),
        (shapes, unlike) => {
          // Unlike runs occupy separate value ranges, which defeats bracketing by relative rank.
          const runs = shapes.map(([run, band]) => run.map((x) => (unlike ? x + band * 1000 : x)));
          const { data, starts, ends } = layOut(runs);
          const expected = sortedUnion(runs);
          for (let k = 0; k < expected.length; k++) {
            expect(selectKthAndNext(data, starts, ends, k)).toEqual([
              expected[k],
              expected[Math.min(k + 1, expected.length - 1)],
            ]);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('handles more runs than its scratch first holds', () => {
    const random = seeded(5);
    const runs = Array.from({ length: 300 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 20) }, () => Math.floor(random() * 500)),
    );
    const { data, starts, ends } = layOut(runs);
    const expected = sortedUnion(runs);
    for (const k of [0, 7, expected.length >> 1, expected.length - 1]) {
      expect(selectKth(data, starts, ends, k)).toBe(expected[k]);
    }
  });

  it('reads a single run directly', () => {
    const { data, starts, ends } = layOut([[5, 1, 3, 2, 4, 9, 8, 7, 6, 0]]);
    expect(selectKth(data, starts, ends, 0)).toBe(0);
    expect(selectKth(data, starts, ends, 9)).toBe(9);
  });

  it('rejects ranks outside the runs', () => {
    const { data, starts, ends } = layOut([[1, 2], [], [3]]);
    expect(() => selectKth(data, starts, ends, 3)).toThrow(RangeError);
    expect(() => selectKth(data, starts, ends, -1)).toThrow(RangeError);
    expect(() => selectKth(data, [0], [0], 0)).toThrow(RangeError);
  });
});

describe('selectInPlace / selectPairInPlace', () => {
  const valuesArb = fc.oneof(
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300, size: 'max' }),
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
      minLength: 1,
      maxLength: 300,
      size: 'max',
    }),
    fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 3000 }),
    fc.array(fc.constantFrom(-Number.MAX_VALUE, Number.MAX_VALUE, 0, 5e-324, -5e-324), {
      minLength: 1,
      maxLength: 300,
    }),
    fc.array(
      fc.integer({ min: 0, max: 3 }).map((x) => 1 + x * Number.EPSILON),
      { minLength: 1, maxLength: 300 },
    ),
  );

  it('find the k-th value and its successor like sorting', () => {
    fc.assert(
      fc.property(valuesArb, fc.nat(), (values, seed) => {
        const sorted = Float64Array.from(values).sort();
        const k = seed % values.length;
        // -0 and 0 are equal to every comparison, so either may come back for the other.
        expect(selectInPlace(Float64Array.from(values), values.length, k) + 0).toBe(sorted[k] + 0);
        const data = new Float64Array(values.length + 5).fill(Number.NaN);
        data.set(values);
        const out = new Float64Array(2);
        selectPairInPlace(data, values.length, k, out);
        expect([out[0] + 0, out[1] + 0]).toEqual([
          sorted[k] + 0,
          k + 1 < values.length ? sorted[k + 1] + 0 : Number.POSITIVE_INFINITY,
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it('reject ranks outside the values', () => {
    const out = new Float64Array(2);
    expect(() => selectInPlace(Float64Array.of(1, 2), 2, 2)).toThrow(RangeError);
    expect(() => selectPairInPlace(Float64Array.of(1, 2), 2, -1, out)).toThrow(RangeError);
  });
});
