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

export type NaivePeriod = 'year' | 'quarter' | 'month' | 'week';

export interface NaiveQuery {
  readonly metrics: readonly string[];
  /** null: every country. */
  readonly countries: readonly string[] | null;
  readonly years: readonly number[] | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly byCountry: boolean;
  readonly period: NaivePeriod | null;
  /** First month of the fiscal year (1 = calendar year, the default). */
  readonly fiscalYearStart?: number;
  readonly compare?: 'previous_period' | 'previous_year' | null;
  readonly window?: number | null;
  readonly cumulative?: boolean;
  readonly share?: boolean;
  readonly top?: number | null;
  /** Defaults to the first metric. */
  readonly rankBy?: string | null;
}

export type NaiveResultRow = Record<string, string | number | null>;

export interface NaiveAnswer {
  readonly matchedRows: number;
  readonly results: NaiveResultRow[];
}

// Calendar helpers on `Date` in UTC, written apart from the service's day-number maths.
const DAY_MS = 86_400_000;
const dateOf = (iso: string): Date => new Date(`${iso}T00:00:00Z`);
const isoOf = (date: Date): string => date.toISOString().slice(0, 10);
const addDays = (iso: string, days: number): string =>
  isoOf(new Date(dateOf(iso).getTime() + days * DAY_MS));
const daysBetween = (from: string, to: string): number =>
  Math.round((dateOf(to).getTime() - dateOf(from).getTime()) / DAY_MS);

/** A period as the answer names it, with an ordinal that counts periods one by one. */
interface NaivePeriodKey {
  readonly label: string | number;
  readonly ordinal: number;
  readonly first: string;
  readonly last: string;
}

function fiscalYearOf(year: number, month: number, start: number): number {
  return start === 1 || month < start ? year : year + 1;
}

function monthPeriod(year: number, month: number): NaivePeriodKey {
  const first = isoOf(new Date(Date.UTC(year, month - 1, 1)));
  const last = isoOf(new Date(Date.UTC(year, month, 0)));
  return {
    label: `${year}-${String(month).padStart(2, '0')}`,
    ordinal: year * 12 + month - 1,
    first,
    last,
  };
}

/** The ISO week of a date: the week's Thursday decides its year. */
function weekPeriod(iso: string): NaivePeriodKey {
  const date = dateOf(iso);
  const monday = new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY_MS);
  const thursday = new Date(monday.getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return {
    label: `${year}-W${String(week).padStart(2, '0')}`,
    ordinal: Math.round(monday.getTime() / (7 * DAY_MS)),
    first: isoOf(monday),
    last: addDays(isoOf(monday), 6),
  };
}

function periodOfDate(iso: string, period: NaivePeriod, start: number): NaivePeriodKey {
  const date = dateOf(iso);
  const [year, month] = [date.getUTCFullYear(), date.getUTCMonth() + 1];
  if (period === 'week') {
    return weekPeriod(iso);
  }
  if (period === 'month') {
    return monthPeriod(year, month);
  }
  const fiscal = fiscalYearOf(year, month, start);
  const prefix = start === 1 ? '' : 'FY';
  // Months since the fiscal year's first month.
  const offset = (month - start + 12) % 12;
  const firstMonth = period === 'year' ? 0 : offset - (offset % 3);
  const length = period === 'year' ? 12 : 3;
  const startYear = start === 1 ? fiscal : fiscal - 1;
  const first = isoOf(new Date(Date.UTC(startYear, start - 1 + firstMonth, 1)));
  const last = isoOf(new Date(Date.UTC(startYear, start - 1 + firstMonth + length, 0)));
  if (period === 'year') {
    return { label: prefix ? `FY${fiscal}` : fiscal, ordinal: fiscal, first, last };
  }
  const quarter = Math.floor(offset / 3) + 1;
  return {
    label: `${prefix}${fiscal}-Q${quarter}`,
    ordinal: fiscal * 4 + quarter - 1,
    first,
    last,
  };
}

/** The period `steps` periods after `key` (before, when negative). */
function shiftPeriod(
  key: NaivePeriodKey,
  steps: number,
  period: NaivePeriod,
  start: number,
): NaivePeriodKey {
  if (period === 'week') {
    return weekPeriod(addDays(key.first, 7 * steps));
  }
  const date = dateOf(key.first);
  const months = steps * (period === 'month' ? 1 : period === 'quarter' ? 3 : 12);
  return periodOfDate(
    isoOf(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1))),
    period,
    start,
  );
}

/** The same period a year earlier; ISO weeks keep their number, and week 53 may have none. */
function periodYearBefore(
  key: NaivePeriodKey,
  period: NaivePeriod,
  start: number,
): NaivePeriodKey | null {
  if (period !== 'week') {
    return shiftPeriod(
      key,
      period === 'month' ? -12 : period === 'quarter' ? -4 : -1,
      period,
      start,
    );
  }
  const [year, week] = String(key.label).split('-W').map(Number);
  // January 4th is always in week 1.
  const candidate = weekPeriod(addDays(weekPeriod(`${year - 1}-01-04`).first, 7 * (week - 1)));
  return candidate.label === `${year - 1}-W${String(week).padStart(2, '0')}` ? candidate : null;
}

/** The same date a year earlier, 29 February becoming 28 February. */
function dateYearBefore(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number);
  const candidate = new Date(Date.UTC(year - 1, month - 1, day));
  return candidate.getUTCMonth() === month - 1
    ? isoOf(candidate)
    : isoOf(new Date(Date.UTC(year - 1, month - 1, 28)));
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
  if (n === 0) {
    return metric === 'count' ? 0 : null;
  }
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

const OTHER = 'OTHER';

/**
 * Groups ordered by country (OTHER last), then period, each row holding its keys, then per metric
 * its value (and `_previous`, `_change` when comparing), then the shares, then `windowPeriods`.
 * Every extension is computed from its definition over the rows, one output row at a time.
 */
export function naiveAnalyse(
  dataset: NaiveDataset,
  query: NaiveQuery,
  /**
   * What a result cell holds, given its metric and its rows' values (`_previous` cells included):
   * by default the metric's value. `_change` and `_share` columns are computed from these cells.
   */
  cellOf: (metric: string, values: readonly number[]) => number | null = naiveMetric,
): NaiveAnswer {
  const start = query.fiscalYearStart ?? 1;
  const period = query.period;
  const inCountries = (row: NaiveRow): boolean =>
    query.countries === null || query.countries.includes(row.country);
  const dayPasses = (iso: string): boolean => {
    const date = dateOf(iso);
    const year = fiscalYearOf(date.getUTCFullYear(), date.getUTCMonth() + 1, start);
    return (
      (query.years === null || query.years.includes(year)) &&
      (query.from === null || iso >= query.from) &&
      (query.to === null || iso <= query.to)
    );
  };
  const candidates = dataset.rows.filter(inCountries);
  const matched = candidates.filter((row) => dayPasses(row.iso));

  // top: rank countries by the metric over the filtered rows; ties by code, nulls last.
  let label = (row: NaiveRow): string => row.country;
  if (query.top) {
    const rankBy = query.rankBy ?? query.metrics[0];
    const ranked = [...new Set(matched.map((row) => row.country))]
      .map((country) => ({
        country,
        value: naiveMetric(
          rankBy,
          matched.filter((row) => row.country === country).map((row) => row.value),
        ),
      }))
      .sort((a, b) =>
        a.value === b.value
          ? a.country < b.country
            ? -1
            : 1
          : a.value === null
            ? 1
            : b.value === null
              ? -1
              : b.value - a.value,
      );
    const kept = new Set(ranked.slice(0, query.top).map(({ country }) => country));
    label = (row) => (kept.has(row.country) ? row.country : OTHER);
  }

  const groups = new Map<
    string,
    { keys: NaiveResultRow; country: string | null; key: NaivePeriodKey | null; values: number[] }
  >();
  for (const row of matched) {
    const keys: NaiveResultRow = {};
    const country = query.byCountry ? label(row) : null;
    if (country !== null) {
      keys.country = country;
    }
    const key = period ? periodOfDate(row.iso, period, start) : null;
    if (period && key) {
      keys[period] = key.label;
    }
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, country, key, values: [] };
    group.values.push(row.value);
    groups.set(id, group);
  }
  const ordered = [...groups.values()].sort((a, b) => {
    if (a.country !== b.country && a.country !== null && b.country !== null) {
      if (a.country === OTHER || b.country === OTHER) {
        return a.country === OTHER ? 1 : -1;
      }
      return a.country < b.country ? -1 : 1;
    }
    return (a.key?.ordinal ?? 0) - (b.key?.ordinal ?? 0);
  });

  const sameGroup = (row: NaiveRow, country: string | null): boolean =>
    country === null || label(row) === country;
  /** The first and last days of a period that pass the date filters (contiguous by design). */
  const filteredSpan = (key: NaivePeriodKey): [string, string] => {
    let first = key.first;
    while (!dayPasses(first)) {
      first = addDays(first, 1);
    }
    let last = key.last;
    while (!dayPasses(last)) {
      last = addDays(last, -1);
    }
    return [first, last];
  };
  const datasetFirst = dataset.rows.reduce((min, row) => (row.iso < min ? row.iso : min), '9999');
  const datasetLast = dataset.rows.reduce((max, row) => (row.iso > max ? row.iso : max), '0000');

  const computed = ordered.map(({ keys, country, key, values }) => {
    let current = values;
    let windowPeriods: number | null = null;
    if (query.window && key && period) {
      const first = shiftPeriod(key, 1 - query.window, period, start).first;
      const last = filteredSpan(key)[1];
      current = candidates
        .filter((row) => sameGroup(row, country) && row.iso >= first && row.iso <= last)
        .map((row) => row.value);
      windowPeriods = 0;
      for (let step = 1 - query.window; step <= 0; step++) {
        const covered = shiftPeriod(key, step, period, start);
        if (covered.last >= datasetFirst && covered.first <= datasetLast) {
          windowPeriods++;
        }
      }
    }
    if (query.cumulative && key) {
      const last = key.last;
      current = matched
        .filter((row) => sameGroup(row, country) && row.iso <= last)
        .map((row) => row.value);
    }
    let previous: number[] | null = null;
    if (query.compare) {
      let inComparison: (iso: string) => boolean;
      if (key && period) {
        const comparison =
          query.compare === 'previous_year'
            ? periodYearBefore(key, period, start)
            : shiftPeriod(key, -1, period, start);
        const [first, last] = filteredSpan(key);
        if (comparison === null) {
          inComparison = () => false;
        } else {
          // A whole period compares with the whole comparison period; a cut one with the same
          // days counted from the period's start.
          const from =
            first === key.first
              ? comparison.first
              : addDays(comparison.first, daysBetween(key.first, first));
          const to =
            last === key.last
              ? comparison.last
              : addDays(comparison.first, daysBetween(key.first, last));
          inComparison = (iso) => iso >= from && iso <= to && iso <= comparison.last;
        }
      } else {
        // The filtered days' span: from/to where given, else the years' ends.
        const yearStart = (year: number): string =>
          isoOf(new Date(Date.UTC(start === 1 ? year : year - 1, start - 1, 1)));
        const firsts = [query.from, query.years ? yearStart(Math.min(...query.years)) : null];
        const lasts = [
          query.to,
          query.years ? addDays(yearStart(Math.max(...query.years) + 1), -1) : null,
        ];
        const spanFirst = firsts.filter((day) => day !== null).reduce((a, b) => (a > b ? a : b));
        const spanLast = lasts.filter((day) => day !== null).reduce((a, b) => (a < b ? a : b));
        // The runs of consecutive days the filters keep.
        const runs: [string, string][] = [];
        for (let day = spanFirst; day <= spanLast; day = addDays(day, 1)) {
          if (!dayPasses(day)) {
            continue;
          }
          const open = runs[runs.length - 1];
          if (open !== undefined && addDays(open[1], 1) === day) {
            open[1] = day;
          } else {
            runs.push([day, day]);
          }
        }
        if (runs.length === 0) {
          inComparison = () => false;
        } else if (query.compare === 'previous_year') {
          // Each run moves back a year by its two ends, and the days between map onto the days
          // between: a run over 28 February–1 March of a common year compares with 29 February
          // of the leap year before as well.
          const earlier = runs.map(([first, last]) => [
            dateYearBefore(first),
            dateYearBefore(last),
          ]);
          inComparison = (iso) => earlier.some(([first, last]) => iso >= first && iso <= last);
        } else {
          // The kept days shifted back by the length of their span, from the first kept day to
          // the last (not the filters' bounds: years can cut from/to shorter).
          const length = daysBetween(runs[0][0], runs[runs.length - 1][1]) + 1;
          inComparison = (iso) => dayPasses(addDays(iso, length));
        }
      }
      previous = candidates
        .filter((row) => sameGroup(row, country) && inComparison(row.iso))
        .map((row) => row.value);
    }
    const row: NaiveResultRow = { ...keys };
    for (const metric of query.metrics) {
      const value = cellOf(metric, current);
      row[metric] = value;
      if (previous !== null) {
        const before = cellOf(metric, previous);
        row[`${metric}_previous`] = before;
        row[`${metric}_change`] =
          value === null || before === null || before === 0
            ? null
            : (value - before) / Math.abs(before);
      }
    }
    return { row, windowPeriods };
  });

  const results = computed.map(({ row }) => row);
  if (query.share) {
    for (const metric of ['count', 'sum'].filter((name) => query.metrics.includes(name))) {
      for (const row of results) {
        const total = results
          .filter((other) => !period || other[period] === row[period])
          .reduce((sum, other) => sum + (other[metric] as number), 0);
        row[`${metric}_share`] = total === 0 ? null : (row[metric] as number) / total;
      }
    }
  }
  computed.forEach(({ row, windowPeriods }) => {
    if (windowPeriods !== null) {
      row.windowPeriods = windowPeriods;
    }
  });
  return { matchedRows: matched.length, results };
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
