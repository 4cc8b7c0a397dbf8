import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';
import { daysInMonth, toDayNumber } from 'src/common/calendar/day-number';
import type { DatasetQuery } from 'src/engine/dataset-query';

/**
 * Small queries that between them take every branch of the query path: whole and cut months,
 * year filters, each period split, groups of one and of several countries, quantiles from one
 * run, from the value buckets and from plain run selection, spreads.
 *
 * V8 compiles a hot function for the branches it has seen run; the first query to take another
 * one throws the compiled code away and runs slowly until it is recompiled. Answering these once
 * after loading means real queries of any shape start on compiled code instead of each new shape
 * paying for a recompilation. They read partition totals and a few rows per month, so they cost
 * a few milliseconds of load time whatever the table's size.
 *
 * `indexed` is a country with value buckets, `other` any other country (or the same one), and
 * `monthKey` (`year * 12 + month - 1`) a month in which `indexed` has sales.
 */
export function warmUpQueries(indexed: string, other: string, monthKey: number): DatasetQuery[] {
  const year = Math.floor(monthKey / 12);
  const month = monthKey - year * 12 + 1;
  const first = toDayNumber(year, month, 1);
  const last = first + daysInMonth(year, month) - 1;
  const one: DatasetQuery = {
    countries: [indexed],
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: true,
    period: null,
    metrics: metrics('mean', 'median', 'max'),
  };
  const both: DatasetQuery = {
    ...one,
    countries: [indexed, other],
    years: [year],
    groupByCountry: false,
    metrics: metrics('median', 'mean'),
  };
  return [
    one,
    { ...one, fromDay: first + 1, metrics: metrics('p90', 'variance') },
    { ...one, fromDay: first + 1, toDay: first + 9, metrics: metrics('p95') },
    { ...one, years: [year], period: 'month', metrics: metrics('median', 'count', 'sum') },
    { ...one, years: [year], period: 'quarter', metrics: metrics('p25', 'stddev', 'min') },
    both,
    { ...both, period: 'year', metrics: metrics('p10') },
    { ...one, countries: null, fromDay: first, toDay: last, metrics: metrics('median') },
    // Whole-table queries last, once every branch has been taken: they run the hot loops long
    // enough for V8 to queue them for compilation, which then finishes in the background.
    { ...one, countries: null, metrics: metrics('median', 'p90', 'max') },
    { ...one, countries: null, period: 'month', metrics: metrics('mean') },
  ];
}

function metrics(...names: string[]): MetricSpec[] {
  return names.map((name) => parseMetricName(name) as MetricSpec);
}
