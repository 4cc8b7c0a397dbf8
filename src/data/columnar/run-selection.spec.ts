import fc from 'fast-check';
import {
  lowerBound,
  selectKth,
  selectKthAndNext,
  upperBound,
} from 'src/data/columnar/run-selection';

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
