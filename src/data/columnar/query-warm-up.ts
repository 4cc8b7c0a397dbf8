import { parseMetricName, type MetricSpec } from 'src/analysis/metrics/metric-spec';
import { toDayNumber } from 'src/common/calendar/day-number';
import type { DatasetQuery } from 'src/data/dataset-query';
import type { SalesColumns } from 'src/data/sales-columns';

/**
 * A small table and a set of queries that between them take every branch of the query path:
 * whole and cut months, year filters, each period split, groups of one and of several countries,
 * quantiles from one run, from the value buckets and from plain run selection, spreads.
 *
 * V8 compiles a hot function for the branches it has seen run; the first query to take another
 * one throws the compiled code away and runs slowly until it is recompiled. Answering these once
 * after loading, while the process is idle anyway, means real queries of any shape start on
 * compiled code instead of each new shape paying for a recompilation.
 */
export const WARM_UP_ROUNDS = 1;

export function warmUpColumns(): SalesColumns {
  const countries = ['AA', 'BB', 'CC'];
  const first = toDayNumber(2023, 11, 1);
  const span = toDayNumber(2025, 2, 28) - first + 1;
  const rows = 2400;
  const countryCodes = new Uint16Array(rows);
  const days = new Int32Array(rows);
  const values = new Float64Array(rows);
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  for (let i = 0; i < rows; i++) {
    countryCodes[i] = i % countries.length;
    days[i] = first + Math.floor(next() * span);
    // Cents, with some repeated amounts, like real sales.
    values[i] = i % 7 === 0 ? 19.99 : Math.round(next() * next() * 500_000) / 100;
  }
  return { rowCount: rows, countryCodes, countries, days, values };
}

export function warmUpQueries(): DatasetQuery[] {
  const day = (year: number, month: number, dayOfMonth: number): number =>
    toDayNumber(year, month, dayOfMonth);
  const all: DatasetQuery = {
    countries: null,
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: true,
    period: null,
    metrics: metrics('mean', 'median', 'max'),
  };
  return [
    all,
    { ...all, years: [2024] },
    { ...all, countries: ['AA', 'BB'], years: [2024], groupByCountry: false },
    { ...all, period: 'month', metrics: metrics('mean') },
    { ...all, metrics: metrics('p90', 'p99') },
    { ...all, fromDay: day(2023, 11, 15), toDay: day(2024, 8, 31), metrics: metrics('median') },
    { ...all, period: 'month', metrics: metrics('median', 'count', 'sum') },
    { ...all, period: 'quarter', metrics: metrics('p25', 'stddev', 'min') },
    {
      ...all,
      groupByCountry: false,
      period: 'year',
      fromDay: day(2024, 2, 10),
      metrics: metrics('p10', 'variance'),
    },
    { ...all, fromDay: day(2024, 5, 3), toDay: day(2024, 5, 20), metrics: metrics('p95') },
    { ...all, groupByCountry: false, metrics: metrics('median') },
  ];
}

function metrics(...names: string[]): MetricSpec[] {
  return names.map((name) => parseMetricName(name) as MetricSpec);
}
