import type { ClickHouseSettings } from '@clickhouse/client';
import { formatIsoDate } from 'src/common/calendar/day-number';
import { SQL_IDENTIFIER_PATTERN } from 'src/config/data.config';
import type { DayRange } from 'src/data/csv/field-scanners';
import { fiscalMonthShift, periodDays } from 'src/common/calendar/periods';
import { OTHER_COUNTRY, quantileRank, type DatasetQuery, type PeriodUnit } from 'src/engine';

/**
 * Day numbers of the dates every ClickHouse release stores in a `Date` column (1970-01-01 to
 * 2105-12-31; newer releases go further, 18.16 does not). Imports and uploads load their files
 * with this range, so a row dated outside is a defect with its line and column.
 */
export const CLICKHOUSE_MIN_DAY = 0;
export const CLICKHOUSE_MAX_DAY = 49_672;
export const CLICKHOUSE_DAY_RANGE: DayRange = {
  first: CLICKHOUSE_MIN_DAY,
  last: CLICKHOUSE_MAX_DAY,
  store: 'ClickHouse',
};

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

/** The calendar month key (`year * 12 + month - 1`) of a row. */
const MONTH_KEY = '(toYear(date) * 12 + toMonth(date) - 1)';

/**
 * A row's period key, as `src/common/calendar/periods.ts` defines it: fiscal years and quarters
 * count from the month key shifted by the fiscal year's start, weeks from the day number
 * (`toUInt32` of a `Date` is its day since 1970-01-01, a Thursday).
 */
export function periodExpression(unit: PeriodUnit, fiscalYearStart: number): string {
  const shift = fiscalMonthShift(Number(integerLiteral(fiscalYearStart)));
  const fiscalMonth = shift === 0 ? MONTH_KEY : `(${MONTH_KEY} + ${shift})`;
  switch (unit) {
    case 'year':
      return shift === 0 ? 'toYear(date)' : `intDiv(${fiscalMonth}, 12)`;
    case 'quarter':
      return shift === 0
        ? 'toYear(date) * 4 + toQuarter(date) - 1'
        : `intDiv(${fiscalMonth}, 12) * 4 + intDiv(${fiscalMonth} % 12, 3)`;
    case 'month':
      return MONTH_KEY;
    case 'week':
      return 'intDiv(toUInt32(date) + 3, 7)';
  }
}

/**
 * Columns of one answer row. 64-bit integers come as strings (ClickHouse quotes them in JSON):
 * `n`, and the exact decimal totals `kh`, `kl`, `inexact` (see `EXACT_SCALE`).
 */
export interface AnalysisRow {
  readonly g_country?: string;
  readonly g_period?: number;
  readonly n: string | number;
  readonly s?: number;
  readonly kh?: string | number;
  readonly kl?: string | number;
  readonly inexact?: string | number;
  readonly lo?: number;
  readonly hi?: number;
  readonly v?: number | null;
}

/** One row of `quantileSql`: group `g`'s row count and its order statistics, in level order. */
export interface QuantileRow {
  readonly g: number | string;
  readonly n: string | number;
  readonly qs: readonly number[];
}

/**
 * Exact decimal sums: a value with at most 4 fraction digits is k / 10^4 for an integer k, and
 * ClickHouse adds the k exactly as 64-bit integers. k is split as kh * 2^26 + kl (|kh| < 2^27,
 * |kl| < 2^26) so neither sum can overflow below 2^36 rows; the service rebuilds Σk with BigInt.
 * A value is counted `inexact` when k / 10^4 does not give it back (more fraction digits) or when
 * |k| would reach 2^53, past which k is no longer exact in a double.
 */
export const EXACT_SCALE = 10_000;
const EXACT_SPLIT = 2 ** 26;
const EXACT_LIMIT = 2 ** 53 / EXACT_SCALE;
const SCALED_VALUE = `toInt64(round(value * ${EXACT_SCALE}))`;
/** Σk of an answer row's group when every value in it has an exact k, else null. */
export function scaledSumOf(row: AnalysisRow): bigint | null {
  if (row.kh === undefined || row.kl === undefined || Number(row.inexact) !== 0) {
    return null;
  }
  return BigInt(row.kh) * BigInt(EXACT_SPLIT) + BigInt(row.kl);
}

/** True for a row whose value is not k / 10^4 for a k that stays exact. */
export const INEXACT_VALUE = `(abs(value) >= ${EXACT_LIMIT} OR ${SCALED_VALUE} / ${EXACT_SCALE} != value)`;

/**
 * What a query of a cluster dataset may read: imported rows (`part` 0) and the rows of committed
 * uploads. An upload is attached shard by shard and its `committed` row is written after the last
 * attach, so no query sees an upload on some shards only. (A plain table needs no such condition:
 * its attach is one statement.) `GLOBAL IN` reads `versions` once, where the query starts.
 */
export function committedRowsCondition(database: string, dataset: string): string {
  return (
    `(part = 0 OR part GLOBAL IN (SELECT write_id FROM ${tableRef(database, 'versions')} ` +
    `WHERE dataset = ${stringLiteral(dataset)} AND state = 'committed'))`
  );
}

function countryConditions(query: DatasetQuery): string[] {
  return query.countries ? [`country IN (${query.countries.map(countryLiteral).join(', ')})`] : [];
}

function filterConditions(query: DatasetQuery): string[] {
  return [...countryConditions(query), ...dateFilterConditions(query)];
}

function dateFilterConditions(query: DatasetQuery): string[] {
  const conditions: string[] = [];
  if (query.years) {
    conditions.push(
      `${periodExpression('year', query.fiscalYearStart ?? 1)} IN (${query.years.map(integerLiteral).join(', ')})`,
    );
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
  return conditions;
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

/**
 * Settings `analysisSql` and `rowSetsSql` need. With a Distributed table each shard then returns
 * its finished partial rows instead of aggregate states: ClickHouse 18.16 cannot send some states
 * (`sumKahan`, `varSampStable`) between servers, and partials are enough to combine exactly.
 */
export const ANALYSIS_SETTINGS: ClickHouseSettings = { distributed_group_by_no_merge: '1' };

/** The kept countries' literals of a `top` query, or null when nothing folds into OTHER. */
function keptCountries(query: DatasetQuery): string | null {
  const kept = query.groupByCountry ? (query.keepCountries ?? null) : null;
  return kept === null ? null : `(${kept.map(countryLiteral).join(', ') || "''"})`;
}

/** A row's group country `g_country`: its own, or OTHER outside `keepCountries`. */
function groupCountryColumn(query: DatasetQuery): string {
  const kept = keptCountries(query);
  return kept === null
    ? 'toString(country) AS g_country'
    : `if(country IN ${kept}, toString(country), '${OTHER_COUNTRY}') AS g_country`;
}

/**
 * The per-partial columns (`inner`, over rows) and their combination (`outer`, over partials) of
 * the metrics a query asks for:
 * - count, min, max by their own kind; sums are compensated (`sumKahan`) and the few partials
 *   added, and for sums and means also exact (see `EXACT_SCALE`);
 * - variance by Chan's combination of per-partial M2 (Welford's `varSampStable`), as the
 *   in-memory engine combines its partitions.
 */
function metricColumns(query: DatasetQuery): { inner: string[]; outer: string[] } {
  const inner = ['count() AS p_n'];
  const outer = ['sum(p_n) AS n'];
  const kinds = new Set(query.metrics.map(({ kind }) => kind));
  const needsVariance = kinds.has('variance') || kinds.has('stddev');
  if (kinds.has('sum') || kinds.has('mean') || needsVariance) {
    inner.push('sumKahan(value) AS p_s');
    // Compensated across partials too: a window combines one partial per period.
    outer.push('sumKahan(p_s) AS s');
  }
  if (kinds.has('sum') || kinds.has('mean')) {
    inner.push(
      `sum(intDiv(${SCALED_VALUE}, ${EXACT_SPLIT})) AS p_kh`,
      `sum(${SCALED_VALUE} % ${EXACT_SPLIT}) AS p_kl`,
      `countIf(${INEXACT_VALUE}) AS p_inexact`,
    );
    outer.push('sum(p_kh) AS kh', 'sum(p_kl) AS kl', 'sum(p_inexact) AS inexact');
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
  return { inner, outer };
}

/**
 * One SELECT that answers a normalised query where the rows live, quantiles aside (see
 * `quantileSql`); only aggregates leave the server. The inner SELECT computes per-group partials
 * (on each shard of a Distributed table, or once on a plain table) and the outer one combines them
 * (see `metricColumns`). Groups are keyed by country (countries outside `keepCountries` fold into
 * OTHER) and by period (`periodExpression`: fiscal years and quarters, months, ISO weeks).
 * Valid on ClickHouse 18.16 and current releases: no window functions, WITH subqueries or query
 * parameters. Every value spliced in is a checked integer, country code or rebuilt date.
 */
export function analysisSql(
  table: string,
  query: DatasetQuery,
  visible: readonly string[] = [],
): string {
  const keys: string[] = [];
  const inner: string[] = [];
  if (query.groupByCountry) {
    keys.push('g_country');
    inner.push(groupCountryColumn(query));
  }
  if (query.period) {
    keys.push('g_period');
    inner.push(`${periodExpression(query.period, query.fiscalYearStart ?? 1)} AS g_period`);
  }
  const metrics = metricColumns(query);
  const outer = [...keys, ...metrics.outer];
  inner.push(...metrics.inner);
  const grouping = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
  const ordering = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
  // A shard without matching rows still answers an ungrouped query, with a count of 0.
  return (
    `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${table} ` +
    `${whereClause([...visible, ...filterConditions(query)])}${grouping}) ` +
    `WHERE p_n > 0${grouping}${ordering}`
  );
}

/**
 * The metrics of every rolling window of `window` periods, per country group, in one scan: the
 * inner SELECT computes `metricColumns`' partials per group and period (on each shard of a
 * Distributed table), each partial is repeated into the `window` windows that contain its period
 * (`ARRAY JOIN range(window)`), and the outer SELECT combines the partials of each window. So each
 * row is read once, not once per window. The answer is keyed like `analysisSql`'s (`g_country`,
 * `g_period`: the window's last period) and also holds windows that end after the last period
 * with rows. The query's date filters do not apply: a window reaches back past them to its first
 * period. Only for windows of whole periods (the caller checks). Run with `ANALYSIS_SETTINGS`.
 */
export function windowSql(
  table: string,
  query: DatasetQuery,
  window: number,
  visible: readonly string[] = [],
): string {
  const { columns, keys } = countryAndPeriodColumns(query);
  const windowKeys = [...keys.slice(0, -1), 'g_period'];
  const metrics = metricColumns(query);
  const outer = [...keys.slice(0, -1), 'p_period + p_offset AS g_period', ...metrics.outer];
  return (
    `SELECT ${outer.join(', ')} FROM (SELECT ${[...columns, ...metrics.inner].join(', ')} ` +
    `FROM ${table} ${whereClause([...visible, ...countryConditions(query)])} ` +
    `GROUP BY ${keys.join(', ')}) ARRAY JOIN range(${integerLiteral(window)}) AS p_offset ` +
    `WHERE p_n > 0 GROUP BY ${windowKeys.join(', ')} ORDER BY ${windowKeys.join(', ')}`
  );
}

/**
 * A value's bucket: the top 16 bits of its double (sign, exponent, 4 mantissa bits: 1/16 of an
 * octave), reordered so that buckets follow the values' order: every value of a lower bucket is
 * below every value of a higher one (-0 and +0 aside, which are equal).
 */
const VALUE_BUCKET =
  'if((bitShiftRight(reinterpretAsUInt64(reinterpretAsString(value)), 48) AS p_bits) >= 32768, ' +
  'bitXor(p_bits, 65535), p_bits + 32768)';

/** `g_country` (as `analysisSql` folds it into OTHER) and the period key `p_period` of a row. */
function countryAndPeriodColumns(query: DatasetQuery): { columns: string[]; keys: string[] } {
  if (query.period === null) {
    throw new TypeError('A rolling window needs a period');
  }
  const columns: string[] = [];
  const keys: string[] = [];
  if (query.groupByCountry) {
    columns.push(groupCountryColumn(query));
    keys.push('g_country');
  }
  columns.push(`${periodExpression(query.period, query.fiscalYearStart ?? 1)} AS p_period`);
  keys.push('p_period');
  return { columns, keys };
}

/**
 * How many rows of each group and period fall in each value bucket (`VALUE_BUCKET`), as two
 * parallel arrays per group and period (a bucket may repeat, once per shard). Rolling windows add
 * these up to find the bucket that holds each order statistic they need. Run with
 * `ANALYSIS_SETTINGS`.
 */
export function bucketCountsSql(
  table: string,
  query: DatasetQuery,
  visible: readonly string[] = [],
): string {
  const { columns, keys } = countryAndPeriodColumns(query);
  return (
    `SELECT ${keys.join(', ')}, groupArray(p_bucket) AS buckets, groupArray(p_n) AS counts ` +
    `FROM (SELECT ${columns.join(', ')}, ${VALUE_BUCKET} AS p_bucket, count() AS p_n ` +
    `FROM ${table} ${whereClause([...visible, ...countryConditions(query)])} ` +
    `GROUP BY ${keys.join(', ')}, p_bucket) GROUP BY ${keys.join(', ')}`
  );
}

/**
 * The order statistics one rolling window needs, each located by `bucketCountsSql`'s counts: the
 * value bucket that holds it, and its 0-based rank among the window's values in that bucket.
 */
export interface WindowSelection {
  /** The window's group country (null without grouping by country) and last period. */
  readonly country: string | null;
  readonly period: number;
  readonly buckets: readonly number[];
  readonly ranks: readonly number[];
}

/**
 * Windows per `windowOrderStatisticsSql` statement for `statistics` order statistics each: about
 * 30 characters of literals per window and statistic, so a statement stays near 100 kB, well
 * under ClickHouse's default `max_query_size` (256 KiB), however many quantiles a query asks for.
 */
export function windowsPerStatement(statistics: number): number {
  return Math.max(1, Math.floor(2_000 / Math.max(1, statistics)));
}

/**
 * Exact order statistics of rolling windows of whole periods without reading a row once per
 * window: one scan keeps only the values of the buckets some window needs (per group and period,
 * as arrays), each array is repeated into the windows containing its period, and each window
 * sorts only its bucket's values to take the ranked one. Answers one row per window: its key
 * (`g_country`, `g_period`), `qs` (the order statistics, in the selection's order) and `ns` (how
 * many values each bucket held, so the caller notices rows that changed since counting). All
 * selections have as many statistics. Run with `ANALYSIS_SETTINGS`.
 */
export function windowOrderStatisticsSql(
  table: string,
  query: DatasetQuery,
  window: number,
  selections: readonly WindowSelection[],
  visible: readonly string[] = [],
): string {
  const { columns, keys } = countryAndPeriodColumns(query);
  const span = Number(integerLiteral(window));
  const countries = [...new Set(selections.map(({ country }) => country ?? ''))];
  const countryIndex = query.groupByCountry
    ? `indexOf([${countries.map(countryOrOtherLiteral).join(', ')}], g_country)`
    : '1';
  // Per group and period: the lowest and highest bucket any window over it needs.
  const ranges = new Map<number, { lo: number; hi: number }>();
  const keyOf = (country: string | null, period: number): number =>
    (countries.indexOf(country ?? '') + 1) * 1_000_000 + Number(integerLiteral(period));
  for (const { country, period, buckets } of selections) {
    const lo = Math.min(...buckets.map((bucket) => Number(integerLiteral(bucket))));
    const hi = Math.max(...buckets);
    for (let offset = 0; offset < span; offset++) {
      const key = keyOf(country, period - offset);
      const range = ranges.get(key);
      ranges.set(
        key,
        range ? { lo: Math.min(range.lo, lo), hi: Math.max(range.hi, hi) } : { lo, hi },
      );
    }
  }
  const list = (values: Iterable<number>): string => `[${[...values].join(', ')}]`;
  const rangeKeys = list(ranges.keys());
  const windowKeys = list(selections.map(({ country, period }) => keyOf(country, period)));
  const statistics = selections[0]?.buckets.length ?? 0;
  const picked: string[] = [];
  const counted: string[] = [];
  for (let j = 0; j < statistics; j++) {
    const buckets = list(selections.map(({ buckets: b }) => b[j]));
    const ranks = list(selections.map(({ ranks: r }) => Number(integerLiteral(r[j])) + 1));
    picked.push(
      `arrayElement(arraySort(groupArrayArrayIf(p_values, p_bucket = ` +
        `transform(w_key, ${windowKeys}, ${buckets}, 65536)) AS a_${j}), ` +
        `transform(w_key, ${windowKeys}, ${ranks}, 0))`,
    );
    counted.push(`length(a_${j})`);
  }
  const groupKeys = [...keys.slice(0, -1), 'p_period'];
  const windowKeysOut = [...keys.slice(0, -1), 'g_period'];
  return (
    `SELECT ${[...keys.slice(0, -1), 'p_period + p_offset AS g_period'].join(', ')}, ` +
    `toUInt64(${countryIndex} * 1000000 + g_period) AS w_key, ` +
    `[${picked.join(', ')}] AS qs, [${counted.join(', ')}] AS ns ` +
    `FROM (SELECT ${columns.join(', ')}, ${VALUE_BUCKET} AS p_bucket, groupArray(value) AS p_values ` +
    `FROM ${table} ${whereClause([
      ...visible,
      ...countryConditions(query),
      `p_bucket BETWEEN transform((toUInt64(${countryIndex} * 1000000 + p_period) AS r_key), ` +
        `${rangeKeys}, ${list([...ranges.values()].map(({ lo }) => lo))}, 65536) ` +
        `AND transform(r_key, ${rangeKeys}, ${list([...ranges.values()].map(({ hi }) => hi))}, 0)`,
    ])} GROUP BY ${[...groupKeys, 'p_bucket'].join(', ')}) ` +
    `ARRAY JOIN range(${span}) AS p_offset WHERE w_key IN (${windowKeys.slice(1, -1)}) ` +
    `GROUP BY ${windowKeysOut.join(', ')}, w_key`
  );
}

function countryOrOtherLiteral(code: string): string {
  return code === OTHER_COUNTRY ? `'${OTHER_COUNTRY}'` : countryLiteral(code);
}

/**
 * The rows of one extended group (a window, a running total, a comparison): the query's country
 * filter, the group's country (OTHER: every selected country outside `keepCountries`), and day
 * intervals as flat inclusive pairs (±Infinity for open ends), instead of the date filters.
 */
export function rowSetConditions(
  query: DatasetQuery,
  country: string | null,
  intervals: readonly number[],
): string[] {
  const conditions = [...countryConditions(query), ...groupCountryConditions(query, country)];
  const ranges: string[] = [];
  for (let i = 0; i < intervals.length; i += 2) {
    const lo = Math.max(intervals[i], CLICKHOUSE_MIN_DAY);
    const hi = Math.min(intervals[i + 1], CLICKHOUSE_MAX_DAY);
    if (lo > hi) {
      continue;
    }
    const bounds = [
      ...(lo > CLICKHOUSE_MIN_DAY ? [`date >= ${dateLiteral(lo)}`] : []),
      ...(hi < CLICKHOUSE_MAX_DAY ? [`date <= ${dateLiteral(hi)}`] : []),
    ];
    ranges.push(bounds.length > 0 ? `(${bounds.join(' AND ')})` : '1');
  }
  conditions.push(ranges.length > 0 ? `(${ranges.join(' OR ')})` : '0');
  return conditions;
}

function groupCountryConditions(query: DatasetQuery, country: string | null): string[] {
  if (country === null) {
    return [];
  }
  if (country === OTHER_COUNTRY) {
    const kept = keptCountries(query);
    if (kept === null) {
      throw new TypeError('An OTHER group without kept countries');
    }
    return [`country NOT IN ${kept}`];
  }
  return [`country = ${countryLiteral(country)}`];
}

/**
 * The metrics of several row sets (`rowSetConditions`) in one statement: a UNION ALL of one
 * partial per set (per shard of a Distributed table), combined per set like `analysisSql`'s groups.
 * Sets without rows are left out of the answer. Run with `ANALYSIS_SETTINGS`.
 */
export function rowSetsSql(
  table: string,
  query: DatasetQuery,
  sets: readonly (readonly string[])[],
  visible: readonly string[] = [],
): string {
  const metrics = metricColumns(query);
  const parts = sets.map(
    (conditions, index) =>
      `SELECT ${index} AS g_set, ${metrics.inner.join(', ')} FROM ${table} ` +
      whereClause([...visible, ...conditions]),
  );
  return (
    `SELECT g_set, ${metrics.outer.join(', ')} FROM (${parts.join(' UNION ALL ')}) ` +
    'WHERE p_n > 0 GROUP BY g_set ORDER BY g_set'
  );
}

/** A group of `analysisSql`'s answer whose quantiles `quantileSql` selects. */
export interface QuantileGroup {
  readonly country: string | null;
  readonly period: number | null;
  readonly rows: number;
}

/**
 * The `quantileExact` level that selects the order statistic at 0-based `index` among `rows`
 * values. ClickHouse (18.16 and current) takes element `size_t(level * size)` after
 * `nth_element`, so the level is put mid-way, (index + ½) / rows: the product is then half a rank
 * away from either integer, far beyond any rounding of the level or of the product.
 */
export function levelOfIndex(index: number, rows: number): number {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(rows) || index < 0 || index >= rows) {
    throw new TypeError(`No order statistic ${index} among ${rows} rows`);
  }
  return (index + 0.5) / rows;
}

/** The 0-based order statistics each quantile metric interpolates between, in metric order. */
export function quantileIndices(rows: number, qs: readonly number[]): number[] {
  return qs.flatMap((q) => {
    const { lower, upper } = quantileRank(rows, q);
    return [lower, upper];
  });
}

/** The rows of a group of `analysisSql`'s answer, for its quantiles. */
export function groupConditions(query: DatasetQuery, group: QuantileGroup): string[] {
  const conditions = [...filterConditions(query), ...groupCountryConditions(query, group.country)];
  if (query.period !== null && group.period !== null) {
    const { first, last } = periodDays(
      Number(integerLiteral(group.period)),
      query.period,
      query.fiscalYearStart ?? 1,
    );
    conditions.push(`date >= ${dateLiteral(first)}`, `date <= ${dateLiteral(last)}`);
  }
  return conditions;
}

/**
 * Exact quantiles without sorting: one `quantilesExact` per group, in a UNION ALL of one SELECT
 * per group. A group's filters (its country, its period's dates) follow the table's order
 * (country, date), so each SELECT reads about its own rows only; its levels pick exactly the two
 * order statistics around rank (n − 1)·q of that group's n rows (`levelOfIndex`), found by
 * `nth_element` in linear time. `analysisSql` must have counted the groups first; each SELECT
 * counts again so a change in between is noticed. Runs without `distributed_group_by_no_merge`:
 * a group may span shards, and quantileExact's state (its values) merges exactly.
 */
export function quantileSql(
  table: string,
  query: DatasetQuery,
  groups: readonly QuantileGroup[],
  qs: readonly number[],
): string {
  return quantileSetsSql(
    table,
    groups.map((group) => ({ conditions: groupConditions(query, group), rows: group.rows })),
    qs,
  );
}

/** `quantileSql` over row sets given by their conditions and counted rows. */
export function quantileSetsSql(
  table: string,
  sets: readonly { readonly conditions: readonly string[]; readonly rows: number }[],
  qs: readonly number[],
  visible: readonly string[] = [],
): string {
  return sets
    .map(({ conditions, rows }, g) => {
      const levels = quantileIndices(rows, qs).map((index) => String(levelOfIndex(index, rows)));
      return (
        `SELECT ${g} AS g, count() AS n, quantilesExact(${levels.join(', ')})(value) AS qs ` +
        `FROM ${table} ${whereClause([...visible, ...conditions])}`
      );
    })
    .join(' UNION ALL ');
}
