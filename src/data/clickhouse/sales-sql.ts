import type { ClickHouseSettings } from '@clickhouse/client';
import { formatIsoDate } from 'src/common/calendar/day-number';
import { SQL_IDENTIFIER_PATTERN } from 'src/config/data.config';
import type { DatasetQuery, PeriodUnit } from 'src/engine';

/**
 * Day numbers of the dates every ClickHouse release stores in a `Date` column (1970-01-01 to
 * 2105-12-31; newer releases go further, 18.16 does not). The import refuses dates outside.
 */
export const CLICKHOUSE_MIN_DAY = 0;
export const CLICKHOUSE_MAX_DAY = 49_309;

const COUNTRY_PATTERN = /^[A-Z]{2}$/;

/** Back-quotes an identifier after checking it against the strict configuration pattern. */
export function identifier(name: string): string {
  if (!SQL_IDENTIFIER_PATTERN.test(name)) {
    throw new TypeError(`Not a safe SQL identifier: ${JSON.stringify(name)}`);
  }
  return `\`${name}\``;
}

/** `database`.`table`, both checked. */
export function tableRef(database: string, table: string): string {
  return `${identifier(database)}.${identifier(table)}`;
}

/** A ClickHouse string literal: backslashes and quotes escaped, control bytes as \xHH. */
export function stringLiteral(text: string): string {
  let escaped = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (c === '\\' || c === "'") {
      escaped += `\\${c}`;
    } else if (code < 0x20 || code === 0x7f) {
      escaped += `\\x${code.toString(16).padStart(2, '0')}`;
    } else {
      escaped += c;
    }
  }
  return `'${escaped}'`;
}

function countryLiteral(code: string): string {
  if (!COUNTRY_PATTERN.test(code)) {
    throw new TypeError(`Not a country code: ${JSON.stringify(code)}`);
  }
  return `'${code}'`;
}

function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(`Not an integer: ${String(value)}`);
  }
  return String(value);
}

function dateLiteral(day: number): string {
  return `toDate('${formatIsoDate(Number(integerLiteral(day)))}')`;
}

const PERIOD_EXPRESSIONS: Record<Exclude<PeriodUnit, 'week'>, string> = {
  year: 'toYear(date)',
  quarter: 'toYear(date) * 4 + toQuarter(date) - 1',
  month: 'toYear(date) * 12 + toMonth(date) - 1',
};

/** The percentile behind a quantile metric, as an integer so SQL can rebuild q exactly as p / 100. */
export function percentOf(q: number): number {
  const percent = Math.round(q * 100);
  if (percent < 0 || percent > 100 || percent / 100 !== q) {
    throw new TypeError(`Not a whole percentile: ${q}`);
  }
  return percent;
}

/**
 * Columns of one answer row. `n` is a string (ClickHouse quotes 64-bit integers in JSON);
 * quantile `i` is the pair of order statistics `q{i}_lo`, `q{i}_hi` it interpolates between.
 */
export interface AnalysisRow {
  readonly g_country?: string;
  readonly g_period?: number;
  readonly n: string | number;
  readonly s?: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly v?: number | null;
  readonly [quantile: `q${number}_${'lo' | 'hi'}`]: number | undefined;
}

function whereClause(query: DatasetQuery): string {
  const conditions: string[] = [];
  if (query.countries) {
    conditions.push(`country IN (${query.countries.map(countryLiteral).join(', ')})`);
  }
  if (query.years) {
    conditions.push(`toYear(date) IN (${query.years.map(integerLiteral).join(', ')})`);
  }
  for (const day of [query.fromDay, query.toDay]) {
    if (day !== null) {
      integerLiteral(day);
    }
  }
  // Bounds beyond what a Date column holds either keep every row or none.
  if (query.fromDay !== null && query.fromDay > CLICKHOUSE_MAX_DAY) {
    conditions.push('0');
  } else if (query.fromDay !== null && query.fromDay > CLICKHOUSE_MIN_DAY) {
    conditions.push(`date >= ${dateLiteral(query.fromDay)}`);
  }
  if (query.toDay !== null && query.toDay < CLICKHOUSE_MIN_DAY) {
    conditions.push('0');
  } else if (query.toDay !== null && query.toDay < CLICKHOUSE_MAX_DAY) {
    conditions.push(`date <= ${dateLiteral(query.toDay)}`);
  }
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * Settings `analysisSql` needs. With a Distributed table each shard then returns its finished
 * partial rows instead of aggregate states: ClickHouse 18.16 cannot send some states
 * (`sumKahan`, `varSampStable`) between servers, and partials are enough to combine exactly.
 */
export const ANALYSIS_SETTINGS: ClickHouseSettings = { distributed_group_by_no_merge: '1' };

/**
 * One SELECT that answers a normalised query where the rows live; only aggregates leave the
 * server. The inner SELECT computes per-group partials (on each shard of a Distributed table, or
 * once on a plain table) and the outer one combines them:
 * - count, min, max by their own kind; sums are compensated (`sumKahan`) and the few partials added;
 * - variance by Chan's combination of per-partial M2 (Welford's `varSampStable`), as the
 *   in-memory engine combines its partitions;
 * - quantiles exactly: every value of the group, sorted (`quantile*` functions are approximate
 *   or interpolate differently), and the two order statistics around rank (n - 1) * p / 100, for
 *   the caller to interpolate with the in-memory engine's own rule.
 * Valid on ClickHouse 18.16 and current releases: no window functions, WITH subqueries or query
 * parameters. Every value spliced in is a checked integer, country code or rebuilt date.
 */
export function analysisSql(table: string, query: DatasetQuery): string {
  const keys: string[] = [];
  const inner: string[] = [];
  if (query.groupByCountry) {
    keys.push('g_country');
    inner.push('toString(country) AS g_country');
  }
  if (query.period === 'week') {
    // Refused before SQL is built (see unsupported-parameters.ts).
    throw new TypeError('ISO weeks are not computed in ClickHouse');
  }
  if (query.period) {
    keys.push('g_period');
    inner.push(`${PERIOD_EXPRESSIONS[query.period]} AS g_period`);
  }
  const outer = [...keys, 'sum(p_n) AS n'];
  inner.push('count() AS p_n');
  const kinds = new Set(query.metrics.map(({ kind }) => kind));
  const needsVariance = kinds.has('variance') || kinds.has('stddev');
  if (kinds.has('sum') || kinds.has('mean') || needsVariance) {
    inner.push('sumKahan(value) AS p_s');
    outer.push('sum(p_s) AS s');
  }
  if (kinds.has('min')) {
    inner.push('min(value) AS p_lo');
    outer.push('min(p_lo) AS lo');
  }
  if (kinds.has('max')) {
    inner.push('max(value) AS p_hi');
    outer.push('max(p_hi) AS hi');
  }
  if (needsVariance) {
    inner.push('if(p_n < 2, 0, varSampStable(value) * (p_n - 1)) AS p_m2');
    outer.push(
      '(sum(p_m2) + arraySum(arrayMap((c, m) -> c * (m - s / n) * (m - s / n), ' +
        'groupArray(p_n), groupArray(p_s / p_n)))) / (n - 1) AS v',
    );
  }
  const quantiles = query.metrics.flatMap((metric) => (metric.kind === 'quantile' ? [metric] : []));
  if (quantiles.length > 0) {
    inner.push('groupArray(value) AS p_values');
    // The same expression is computed once however often it appears.
    const sorted = 'arraySort(groupArrayArray(p_values))';
    quantiles.forEach((metric, index) => {
      const rank = `toUInt64(floor((n - 1) * (${percentOf(metric.q)} / 100))) + 1`;
      outer.push(`arrayElement(${sorted}, ${rank}) AS q${index}_lo`);
      outer.push(`arrayElement(${sorted}, least(${rank} + 1, n)) AS q${index}_hi`);
    });
  }
  const grouping = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
  const ordering = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
  // A shard without matching rows still answers an ungrouped query, with a count of 0.
  return (
    `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${table} ` +
    `${whereClause(query)}${grouping}) WHERE p_n > 0${grouping}${ordering}`
  );
}
