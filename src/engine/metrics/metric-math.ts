import type { MetricSpec, SimpleMetricKind } from 'src/engine/metrics/metric-names';

/**
 * Where the q-quantile falls among n sorted values under linear interpolation between closest
 * ranks (pandas' default, DuckDB's quantile_cont): h = (n - 1) q, between ranks `lower` and
 * `upper` with `weight` = h - floor(h). Split out so an engine that selects the two order
 * statistics without sorting everything interpolates exactly like `quantileOfSorted`.
 */
export interface QuantileRank {
  readonly lower: number;
  readonly upper: number;
  readonly weight: number;
}

export function quantileRank(count: number, q: number): QuantileRank {
  const h = (count - 1) * q;
  const lower = Math.floor(h);
  return { lower, upper: Math.min(lower + 1, count - 1), weight: h - lower };
}

/**
 * Linear interpolation between the two order statistics, rounded the way pandas rounds it: the
 * median of an even count is `(a + b) / 2` (numpy's median), other weights use numpy's two-sided
 * lerp (from `b` when the weight is at least 0.5). Exact `a` when the weight is 0.
 */
export function interpolate(a: number, b: number, weight: number): number {
  if (weight === 0) {
    return a;
  }
  if (weight === 0.5) {
    const midpoint = (a + b) / 2;
    // Near the top of the double range a + b overflows; halving first cannot.
    return Number.isFinite(midpoint) ? midpoint : a / 2 + b / 2;
  }
  const difference = b - a;
  return weight < 0.5 ? a + difference * weight : b - difference * (1 - weight);
}

/** The q-quantile of values already sorted ascending; null when there are none. */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) {
    return null;
  }
  const { lower, upper, weight } = quantileRank(sorted.length, q);
  return interpolate(sorted[lower], sorted[upper], weight);
}

/** Arithmetic mean; null when there are no values. */
export function mean(values: ArrayLike<number>): number | null {
  return values.length === 0 ? null : statsOf(values).sum / values.length;
}

/** Sample (n − 1) variance from a count and a sum of squared deviations; null below two values. */
export function sampleVariance(count: number, m2: number): number | null {
  // M2 is a sum of squares, so a tiny negative value can only be rounding noise.
  return count < 2 ? null : Math.max(0, m2) / (count - 1);
}

export function sampleStddev(count: number, m2: number): number | null {
  const variance = sampleVariance(count, m2);
  return variance === null ? null : Math.sqrt(variance);
}

/**
 * Totals that are enough for every simple metric and that combine across partitions.
 * Variance goes through M2 (sum of squared deviations from the mean) rather than a sum of squares,
 * so large equal values give 0 instead of catastrophic cancellation or a negative variance.
 */
export interface RunningStats {
  readonly count: number;
  readonly mean: number;
  readonly m2: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
}

export const EMPTY_STATS: RunningStats = {
  count: 0,
  mean: 0,
  m2: 0,
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
  sum: 0,
};

/**
 * Stats of `values[start, end)`, by the corrected two-pass algorithm: the first pass's mean is
 * refined by the mean residual, and the residual term removes its bias from M2. The sum is
 * compensated (Neumaier) so that partition sums stay exact enough to add up across a year.
 */
export function statsOf(values: ArrayLike<number>, start = 0, end = values.length): RunningStats {
  const count = end - start;
  if (count <= 0) {
    return EMPTY_STATS;
  }
  let sum = 0;
  let compensation = 0;
  let min = values[start];
  let max = values[start];
  for (let i = start; i < end; i++) {
    const x = values[i];
    const t = sum + x;
    compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum;
    sum = t;
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
  }
  sum += compensation;
  const firstMean = sum / count;
  let residual = 0;
  let squares = 0;
  for (let i = start; i < end; i++) {
    const d = values[i] - firstMean;
    residual += d;
    squares += d * d;
  }
  return {
    count,
    mean: firstMean + residual / count,
    m2: Math.max(0, squares - (residual * residual) / count),
    min,
    max,
    sum,
  };
}

/** Chan et al.'s parallel combination of two partitions' stats. */
export function combineStats(a: RunningStats, b: RunningStats): RunningStats {
  if (a.count === 0) {
    return b;
  }
  if (b.count === 0) {
    return a;
  }
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + ((delta * delta * a.count) / count) * b.count,
    min: a.min < b.min ? a.min : b.min,
    max: a.max > b.max ? a.max : b.max,
    sum: a.sum + b.sum,
  };
}

/** One simple metric from combined stats; null where it is undefined for this many values. */
export function simpleMetric(stats: RunningStats, kind: SimpleMetricKind): number | null {
  if (kind === 'count') {
    return stats.count;
  }
  if (kind === 'sum') {
    return stats.sum;
  }
  if (stats.count === 0) {
    return null;
  }
  switch (kind) {
    case 'mean':
      // sum / count, as pandas and SQL define it; the refined `stats.mean` only feeds M2, and
      // can differ in the last bit (233.33333333333331 instead of 700 / 3).
      return stats.sum / stats.count;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'variance':
      return sampleVariance(stats.count, stats.m2);
    case 'stddev':
      return sampleStddev(stats.count, stats.m2);
  }
}

/**
 * Every requested metric of one group of values, by sorting a copy: the plain reference path for
 * small or ad-hoc inputs. Results follow the order of `metrics`.
 */
export function computeMetrics(
  values: readonly number[] | Float64Array,
  metrics: readonly MetricSpec[],
): (number | null)[] {
  const sorted = Float64Array.from(values).sort();
  const stats = statsOf(sorted);
  return metrics.map((metric) =>
    metric.kind === 'quantile'
      ? quantileOfSorted(sorted, metric.q)
      : simpleMetric(stats, metric.kind),
  );
}
