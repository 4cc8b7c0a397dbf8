// @ts-check
/** Number and label formatting shared by the chart, the table and the headline figures. */

const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const CENTS = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const PERCENT = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const SIGNED_PERCENT = new Intl.NumberFormat('en-US', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
  signDisplay: 'exceptZero',
});

/**
 * A value as shown to people: counts whole, every other metric with two decimals, a dash for
 * null (the deviation of a single row).
 * @param {number | null | undefined} value
 * @param {string} metric
 */
export function formatValue(value, metric) {
  if (value === null || value === undefined) {
    return '—';
  }
  return metric === 'count' ? WHOLE.format(value) : CENTS.format(value);
}

/** A share of a total (0.25 is 25.0%), or a dash. @param {number | null | undefined} value */
export function formatShare(value) {
  return value === null || value === undefined ? '—' : PERCENT.format(value);
}

/** A relative change with its sign (+7.7%, −2.8%), or a dash when there is nothing to compare. */
export function formatChange(/** @type {number | null | undefined} */ value) {
  return value === null || value === undefined ? '—' : SIGNED_PERCENT.format(value);
}

/** Axis ticks: short forms such as 1.2K and 3.4M. */
export function formatTick(/** @type {number} */ value) {
  return COMPACT.format(value);
}

const METRIC_LABELS = /** @type {Record<string, string>} */ ({
  count: 'Count',
  sum: 'Sum',
  mean: 'Mean',
  median: 'Median',
  min: 'Minimum',
  max: 'Maximum',
  stddev: 'Standard deviation',
  variance: 'Variance',
});

/** "Mean", or "90th percentile" for p90. */
export function metricLabel(/** @type {string} */ metric) {
  const percentile = /^p(\d+)$/.exec(metric);
  if (percentile) {
    const n = Number(percentile[1]);
    const suffix =
      n % 10 === 1 && n !== 11
        ? 'st'
        : n % 10 === 2 && n !== 12
          ? 'nd'
          : n % 10 === 3 && n !== 13
            ? 'rd'
            : 'th';
    return `${n}${suffix} percentile`;
  }
  return METRIC_LABELS[metric] ?? metric;
}

const KEY_LABELS = /** @type {Record<string, string>} */ ({
  country: 'Country',
  year: 'Year',
  quarter: 'Quarter',
  month: 'Month',
  week: 'Week',
});

/** Column heading of a group key. */
export function keyLabel(/** @type {string} */ key) {
  return KEY_LABELS[key] ?? key;
}
