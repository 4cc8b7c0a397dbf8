import { readFileSync } from 'node:fs';

/**
 * A deliberately plain re-implementation of the service's answers, for tests that compare the
 * indexed engine against it: rows are parsed by hand from a `country,value,fecha` file, filtered
 * with array methods and every metric is computed from a sorted copy. Slow, obviously correct.
 */

export interface NaiveRow {
  readonly country: string;
  readonly value: number;
  readonly year: number;
  readonly month: number;
  /** ISO `YYYY-MM-DD`, which orders like the date. */
  readonly iso: string;
}

export interface NaiveDataset {
  readonly rows: readonly NaiveRow[];
  /** Lines that a lenient load skips: wrong field count, bad country, value or date. */
  readonly rejected: number;
  /** Upper-case codes with at least one row, sorted. */
  readonly countries: readonly string[];
}

const VALUE = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

function parseRow(line: string): NaiveRow | null {
  const fields = line.split(',');
  if (fields.length !== 3) {
    return null;
  }
  const [country, valueText, dateText] = fields;
  const date = DATE.exec(dateText);
  const value = Number(valueText);
  if (!/^[A-Za-z]{2}$/.test(country) || !VALUE.test(valueText) || !Number.isFinite(value)) {
    return null;
  }
  if (!date) {
    return null;
  }
  const [day, month, year] = [Number(date[1]), Number(date[2]), Number(date[3])];
  // Date.UTC rolls 31/02 over into March; a real date survives the round trip unchanged.
  const parsed = new Date(Date.UTC(year, month - 1, day));
  if (parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
    return null;
  }
  return {
    country: country.toUpperCase(),
    value,
    year,
    month,
    iso: `${date[3]}-${date[2]}-${date[1]}`,
  };
}

/** Reads a file without quoted fields, as written by hand or by a simple exporter. */
export function readNaiveDataset(file: string): NaiveDataset {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  if (lines[0] !== 'country,value,fecha') {
    throw new Error(`${file}: unexpected header ${lines[0]}`);
  }
  const rows: NaiveRow[] = [];
  let rejected = 0;
  for (const line of lines.slice(1)) {
    const row = parseRow(line);
    if (row) {
      rows.push(row);
    } else {
      rejected++;
    }
  }
  return { rows, rejected, countries: [...new Set(rows.map((row) => row.country))].sort() };
}

export type NaivePeriod = 'year' | 'quarter' | 'month';

export interface NaiveQuery {
  readonly metrics: readonly string[];
  /** null: every country. */
  readonly countries: readonly string[] | null;
  readonly years: readonly number[] | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly byCountry: boolean;
  readonly period: NaivePeriod | null;
}

export type NaiveResultRow = Record<string, string | number | null>;

export interface NaiveAnswer {
  readonly matchedRows: number;
  readonly results: NaiveResultRow[];
}

function periodOf(row: NaiveRow, period: NaivePeriod): string | number {
  switch (period) {
    case 'year':
      return row.year;
    case 'quarter':
      return `${row.year}-Q${Math.ceil(row.month / 3)}`;
    case 'month':
      return `${row.year}-${String(row.month).padStart(2, '0')}`;
  }
}

/** Linear interpolation between closest ranks: h = (n - 1) q. */
function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lower = Math.floor(h);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (h - lower);
}

export function naiveMetric(metric: string, values: readonly number[]): number | null {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((total, value) => total + value, 0);
  const mean = sum / n;
  const variance =
    n < 2 ? null : values.reduce((total, value) => total + (value - mean) ** 2, 0) / (n - 1);
  switch (metric) {
    case 'count':
      return n;
    case 'sum':
      return sum;
    case 'mean':
      return mean;
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[n - 1];
    case 'variance':
      return variance;
    case 'stddev':
      return variance === null ? null : Math.sqrt(variance);
    case 'median':
      return quantile(sorted, 0.5);
    default: {
      const percentile = /^p(\d+)$/.exec(metric);
      if (!percentile) {
        throw new Error(`no naive metric ${metric}`);
      }
      return quantile(sorted, Number(percentile[1]) / 100);
    }
  }
}

/** Groups ordered by country, then period, each row holding its keys then its metrics. */
export function naiveAnalyse(dataset: NaiveDataset, query: NaiveQuery): NaiveAnswer {
  const matched = dataset.rows.filter(
    (row) =>
      (query.countries === null || query.countries.includes(row.country)) &&
      (query.years === null || query.years.includes(row.year)) &&
      (query.from === null || row.iso >= query.from) &&
      (query.to === null || row.iso <= query.to),
  );
  const groups = new Map<string, { keys: NaiveResultRow; values: number[] }>();
  for (const row of matched) {
    const keys: NaiveResultRow = {};
    if (query.byCountry) {
      keys.country = row.country;
    }
    if (query.period) {
      keys[query.period] = periodOf(row, query.period);
    }
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, values: [] };
    group.values.push(row.value);
    groups.set(id, group);
  }
  const ordered = [...groups.values()].sort((a, b) => {
    for (const key of ['country', 'year', 'quarter', 'month']) {
      const [x, y] = [a.keys[key], b.keys[key]];
      if (x !== y && x !== undefined && y !== undefined && x !== null && y !== null) {
        return x < y ? -1 : 1;
      }
    }
    return 0;
  });
  return {
    matchedRows: matched.length,
    results: ordered.map(({ keys, values }) => ({
      ...keys,
      ...Object.fromEntries(query.metrics.map((metric) => [metric, naiveMetric(metric, values)])),
    })),
  };
}

/**
 * Whether two metric values agree: exactly for integers and nulls, otherwise within a relative
 * 1e-9, since the engine adds partition totals in another order than a plain loop.
 */
export function sameMetric(actual: unknown, expected: string | number | null): boolean {
  if (expected === null || typeof expected === 'string' || Number.isInteger(expected)) {
    if (actual === expected) {
      return true;
    }
  }
  if (typeof actual !== 'number' || typeof expected !== 'number') {
    return false;
  }
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}
