/** Metrics whose value needs only partition totals (count, sum, mean, M2, min, max). */
export const SIMPLE_METRICS = ['count', 'sum', 'mean', 'min', 'max', 'stddev', 'variance'] as const;
export type SimpleMetricKind = (typeof SIMPLE_METRICS)[number];

/** The closed set of metric names, as shown to users; percentiles are `p1`…`p99`. */
export const METRIC_NAMES_DESCRIPTION =
  'count, sum, mean, median, min, max, stddev, variance, p1…p99';

export type MetricSpec =
  | { readonly name: string; readonly kind: SimpleMetricKind }
  | { readonly name: string; readonly kind: 'quantile'; readonly q: number };

const PERCENTILE_PATTERN = /^p([1-9][0-9]?)$/;

/**
 * Parses one metric name (`mean`, `median`, `p90`…) into its spec, or returns null when the name
 * is not one we compute. The median is the 0.5 quantile so both share one interpolation rule.
 */
export function parseMetricName(raw: string): MetricSpec | null {
  const name = raw.trim().toLowerCase();
  if ((SIMPLE_METRICS as readonly string[]).includes(name)) {
    return { name, kind: name as SimpleMetricKind };
  }
  if (name === 'median') {
    return { name, kind: 'quantile', q: 0.5 };
  }
  const percentile = PERCENTILE_PATTERN.exec(name);
  if (percentile) {
    return { name, kind: 'quantile', q: Number(percentile[1]) / 100 };
  }
  return null;
}
