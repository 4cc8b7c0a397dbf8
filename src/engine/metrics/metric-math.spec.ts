import {
  combineStats,
  computeMetrics,
  EMPTY_STATS,
  interpolate,
  mean,
  quantileOfSorted,
  quantileRank,
  sampleStddev,
  sampleVariance,
  statsOf,
} from 'src/engine/metrics/metric-math';
import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';

function specs(...names: string[]): MetricSpec[] {
  return names.map((name) => {
    const spec = parseMetricName(name);
    if (!spec) {
      throw new Error(`unknown metric ${name}`);
    }
    return spec;
  });
}

function expectClose(actual: number | null, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  const tolerance = 1e-12 * Math.max(1, Math.abs(expected));
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(tolerance);
}

describe('quantileRank', () => {
  it.each([
    // count, q, lower, upper, weight
    [1, 0.5, 0, 0, 0],
    [2, 0.5, 0, 1, 0.5],
    [5, 0.5, 2, 3, 0],
    [4, 0.5, 1, 2, 0.5],
    [5, 0.01, 0, 1, 0.04],
    [5, 0.99, 3, 4, 0.96],
    [10, 0.9, 8, 9, 0.1],
  ])('n=%s q=%s → ranks %s/%s weight %s', (count, q, lower, upper, weight) => {
    const rank = quantileRank(count, q);
    expect(rank.lower).toBe(lower);
    expect(rank.upper).toBe(upper);
    expect(rank.weight).toBeCloseTo(weight, 12);
  });
});

describe('quantileOfSorted', () => {
  it.each([
    [[7], 0.5, 7],
    [[1, 2], 0.5, 1.5],
    [[1, 2, 3], 0.5, 2],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.75, 3.25],
    [[10, 20, 30, 40, 50], 0.01, 10.4],
    [[10, 20, 30, 40, 50], 0.99, 49.6],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9.1],
    [[-5, -3, -1], 0.5, -3],
    [[-4, -2], 0.25, -3.5],
    [[3, 3, 3, 3], 0.37, 3],
    [[7], 0.01, 7],
    [[7], 0.99, 7],
  ])('%j at q=%s is %s', (sorted, q, expected) => {
    expectClose(quantileOfSorted(sorted, q), expected);
  });

  it('is null for no values', () => {
    expect(quantileOfSorted([], 0.5)).toBeNull();
  });

  it('returns the exact rank value when the weight is 0', () => {
    expect(interpolate(0.1, Number.MAX_VALUE, 0)).toBe(0.1);
  });

  // Expected values are the doubles pandas 1.5 / numpy print for the same inputs.
  it.each([
    [759.78, 759.79, 0.5, (759.78 + 759.79) / 2],
    [0.1, 0.2, 0.5, 0.15000000000000002],
    [1, 2, 0.25, 1.25],
    [10, 20, 0.9, 20 - 10 * (1 - 0.9)],
    [-3, 5, 0.75, 3],
  ])('interpolates %p..%p at %p like pandas', (a, b, weight, expected) => {
    expect(interpolate(a, b, weight)).toBe(expected);
  });

  it('keeps the midpoint of the two largest doubles finite', () => {
    expect(interpolate(Number.MAX_VALUE, Number.MAX_VALUE, 0.5)).toBe(Number.MAX_VALUE);
  });
});

describe('mean, sampleVariance, sampleStddev', () => {
  it.each([
    [[5], 5],
    [[1, 2], 1.5],
    [[-1, -2, -6], -3],
    [[2, 4, 4, 4, 5, 5, 7, 9], 5],
  ])('mean of %j is %s', (values, expected) => {
    expectClose(mean(values), expected);
  });

  it('mean of nothing is null', () => {
    expect(mean([])).toBeNull();
  });

  it.each([
    [0, 0, null, null],
    [1, 0, null, null],
    [2, 2, 2, Math.SQRT2],
    [8, 32, 32 / 7, Math.sqrt(32 / 7)],
    [3, -1e-18, 0, 0],
  ])('n=%s M2=%s → variance %s stddev %s', (count, m2, variance, stddev) => {
    expectClose(sampleVariance(count, m2), variance);
    expectClose(sampleStddev(count, m2), stddev);
  });
});

describe('statsOf and combineStats', () => {
  it('computes count, sum, mean, M2, min and max', () => {
    const stats = statsOf([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(stats.count).toBe(8);
    expectClose(stats.sum, 40);
    expectClose(stats.mean, 5);
    expectClose(stats.m2, 32);
    expect(stats.min).toBe(2);
    expect(stats.max).toBe(9);
  });

  it('reads only the requested slice', () => {
    const stats = statsOf([100, 1, 2, 3, -100], 1, 4);
    expect(stats.count).toBe(3);
    expectClose(stats.mean, 2);
    expectClose(stats.m2, 2);
  });

  it('gives exactly zero spread for equal large values', () => {
    const stats = statsOf(new Array<number>(1000).fill(1e12 + 0.1));
    expect(stats.m2).toBe(0);
    expect(stats.mean).toBe(1e12 + 0.1);
  });

  it('combines partitions into the stats of the whole (Chan)', () => {
    const whole = [2, 4, 4, 4, 5, 5, 7, 9, -3.5, 1e6];
    const combined = [
      [0, 3],
      [3, 4],
      [4, 4],
      [4, 10],
    ]
      .map(([start, end]) => statsOf(whole, start, end))
      .reduce(combineStats, EMPTY_STATS);
    const direct = statsOf(whole);
    expect(combined.count).toBe(direct.count);
    expectClose(combined.sum, direct.sum);
    expectClose(combined.mean, direct.mean);
    expectClose(combined.m2, direct.m2);
    expect(combined.min).toBe(-3.5);
    expect(combined.max).toBe(1e6);
  });

  it('treats empty stats as the identity', () => {
    const stats = statsOf([1, 2, 3]);
    expect(combineStats(EMPTY_STATS, stats)).toBe(stats);
    expect(combineStats(stats, EMPTY_STATS)).toBe(stats);
  });

  it('keeps M2 non-negative when combining equal large values', () => {
    const part = statsOf([1e15 + 2, 1e15 + 2, 1e15 + 2]);
    const combined = [part, part, part, part].reduce(combineStats, EMPTY_STATS);
    expect(combined.m2).toBe(0);
  });
});

describe('computeMetrics', () => {
  const all = specs(
    'count',
    'sum',
    'mean',
    'median',
    'min',
    'max',
    'stddev',
    'variance',
    'p1',
    'p99',
  );

  it.each<[string, number[], (number | null)[]]>([
    ['one value', [42], [1, 42, 42, 42, 42, 42, null, null, 42, 42]],
    ['two values', [3, 1], [2, 4, 2, 2, 1, 3, Math.SQRT2, 2, 1.02, 2.98]],
    [
      'odd count, unsorted',
      [9, 2, 5, 4, 12],
      [5, 32, 6.4, 5, 2, 12, Math.sqrt(16.3), 16.3, 2.08, 11.88],
    ],
    [
      'even count',
      [2, 4, 4, 4, 5, 5, 7, 9],
      [8, 40, 5, 4.5, 2, 9, Math.sqrt(32 / 7), 32 / 7, 2.14, 8.86],
    ],
    [
      'negative values',
      [-1, -7, -3, -5],
      [4, -16, -4, -4, -7, -1, Math.sqrt(20 / 3), 20 / 3, -6.94, -1.06],
    ],
    ['equal values', [2.5, 2.5, 2.5], [3, 7.5, 2.5, 2.5, 2.5, 2.5, 0, 0, 2.5, 2.5]],
    ['no values', [], [0, 0, null, null, null, null, null, null, null, null]],
  ])('%s', (_label, values, expected) => {
    const actual = computeMetrics(values, all);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((value, i) => expectClose(value, expected[i]));
  });

  it('returns count as an integer and accepts a Float64Array without changing it', () => {
    const input = Float64Array.of(3, 1, 2);
    const [count, median] = computeMetrics(input, specs('count', 'median'));
    expect(Number.isInteger(count)).toBe(true);
    expect(median).toBe(2);
    expect(Array.from(input)).toEqual([3, 1, 2]);
  });

  it('interpolates percentiles at both ends', () => {
    const values = Array.from({ length: 11 }, (_, i) => i * 10);
    const [p1, p10, p50, p99] = computeMetrics(values, specs('p1', 'p10', 'p50', 'p99'));
    expectClose(p1, 1);
    expectClose(p10, 10);
    expectClose(p50, 50);
    expectClose(p99, 99);
  });
});
