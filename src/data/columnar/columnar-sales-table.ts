import {
  combineStats,
  EMPTY_STATS,
  interpolate,
  quantileRank,
  simpleMetric,
  type RunningStats,
} from 'src/analysis/metrics/metric-math';
import type { MetricSpec } from 'src/analysis/metrics/metric-spec';
import { daysInMonth, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';
import { buildColumnarLayout, type ColumnarLayout } from 'src/data/columnar/columnar-layout';
import { selectKthAndNext } from 'src/data/columnar/run-selection';
import type {
  DatasetQuery,
  DatasetQueryResult,
  PeriodUnit,
  ResultGroup,
} from 'src/data/dataset-query';
import type { SalesColumns } from 'src/data/sales-columns';

/** The sorted runs and combined totals of one output group while a query collects it. */
interface GroupRuns {
  readonly countryRank: number;
  readonly period: number | null;
  readonly starts: number[];
  readonly ends: number[];
  stats: RunningStats;
}

/**
 * An in-memory sales table indexed for metric queries: every answer combines precomputed
 * partition totals and selects quantiles inside sorted runs, so no query scans or sorts rows.
 */
export class ColumnarSalesTable {
  readonly rowCount: number;
  private readonly rankByCode: ReadonlyMap<string, number>;
  private readonly yearList: readonly number[];

  private constructor(private readonly layout: ColumnarLayout) {
    this.rowCount = layout.rowCount;
    this.rankByCode = new Map(layout.countryCodes.map((code, rank) => [code, rank]));
    this.yearList = [...new Set(Array.from(layout.monthKey, (key) => Math.floor(key / 12)))].sort(
      (a, b) => a - b,
    );
  }

  static build(columns: SalesColumns): ColumnarSalesTable {
    return new ColumnarSalesTable(buildColumnarLayout(columns));
  }

  /** Rows per country, ordered by country code; countries without rows are left out. */
  countryRows(): { code: string; rows: number }[] {
    const { countryCodes, countryRowStart } = this.layout;
    return countryCodes
      .map((code, rank) => ({ code, rows: countryRowStart[rank + 1] - countryRowStart[rank] }))
      .filter((entry) => entry.rows > 0);
  }

  /** First and last sale day, or null for an empty table. */
  dayRange(): { fromDay: number; toDay: number } | null {
    return this.rowCount === 0 ? null : { fromDay: this.layout.minDay, toDay: this.layout.maxDay };
  }

  /** Calendar years that have at least one sale, ascending. */
  years(): number[] {
    return [...this.yearList];
  }

  query(query: DatasetQuery): DatasetQueryResult {
    const groups = [...this.collectRuns(query).values()].sort(
      (a, b) => a.countryRank - b.countryRank || (a.period ?? 0) - (b.period ?? 0),
    );
    let matchedRows = 0;
    const results = groups.map((group): ResultGroup => {
      matchedRows += group.stats.count;
      return {
        country: query.groupByCountry ? this.layout.countryCodes[group.countryRank] : null,
        period: group.period,
        rows: group.stats.count,
        values: query.metrics.map((metric) => this.metricOf(group, metric)),
      };
    });
    return { matchedRows, groups: results };
  }

  /**
   * Gathers, per output group, the runs that hold exactly the rows passing the filters: a month
   * run when the whole month passes, otherwise the day runs of the days that do.
   */
  private collectRuns(query: DatasetQuery): Map<string, GroupRuns> {
    const layout = this.layout;
    const n = layout.rowCount;
    const groups = new Map<string, GroupRuns>();
    const fromDay = query.fromDay ?? Number.NEGATIVE_INFINITY;
    const toDay = query.toDay ?? Number.POSITIVE_INFINITY;
    if (n === 0 || fromDay > toDay) {
      return groups;
    }
    const years = query.years ? new Set(query.years) : null;
    const firstKey = query.fromDay === null ? Number.NEGATIVE_INFINITY : monthKeyOf(query.fromDay);
    const lastKey = query.toDay === null ? Number.POSITIVE_INFINITY : monthKeyOf(query.toDay);

    for (const rank of this.selectedCountryRanks(query.countries)) {
      const end = layout.countryFirstMonth[rank + 1];
      let m = lowerBoundInt(layout.monthKey, layout.countryFirstMonth[rank], end, firstKey);
      for (; m < end && layout.monthKey[m] <= lastKey; m++) {
        const key = layout.monthKey[m];
        const year = Math.floor(key / 12);
        if (years && !years.has(year)) {
          continue;
        }
        const month = key - year * 12 + 1;
        const monthFirstDay = toDayNumber(year, month, 1);
        const monthLastDay = monthFirstDay + daysInMonth(year, month) - 1;
        const group = groupFor(groups, query, rank, periodKey(key, query.period));
        if (fromDay <= monthFirstDay && monthLastDay <= toDay) {
          addMonthRun(group, layout, m);
          continue;
        }
        for (let p = layout.monthFirstDay[m]; p < layout.monthFirstDay[m + 1]; p++) {
          const day = layout.dayNumber[p];
          if (day >= fromDay && day <= toDay) {
            addDayRun(group, layout, p);
          }
        }
      }
    }
    for (const [key, group] of groups) {
      if (group.stats.count === 0) {
        groups.delete(key);
      }
    }
    return groups;
  }

  private selectedCountryRanks(countries: readonly string[] | null): number[] {
    if (countries === null) {
      return this.layout.countryCodes.map((_, rank) => rank);
    }
    const ranks = new Set<number>();
    for (const code of countries) {
      const rank = this.rankByCode.get(code);
      if (rank !== undefined) {
        ranks.add(rank);
      }
    }
    return [...ranks].sort((a, b) => a - b);
  }

  private metricOf(group: GroupRuns, metric: MetricSpec): number | null {
    if (metric.kind !== 'quantile') {
      return simpleMetric(group.stats, metric.kind);
    }
    const { lower, weight } = quantileRank(group.stats.count, metric.q);
    const values = this.layout.values;
    if (group.starts.length === 1) {
      const at = group.starts[0] + lower;
      return interpolate(values[at], values[Math.min(at + 1, group.ends[0] - 1)], weight);
    }
    const [a, b] = selectKthAndNext(values, group.starts, group.ends, lower);
    return interpolate(a, b, weight);
  }
}

function monthKeyOf(day: number): number {
  const { year, month } = fromDayNumber(day);
  return year * 12 + month - 1;
}

function periodKey(monthKey: number, unit: PeriodUnit | null): number | null {
  switch (unit) {
    case null:
      return null;
    case 'month':
      return monthKey;
    case 'quarter': {
      const year = Math.floor(monthKey / 12);
      return year * 4 + Math.floor((monthKey - year * 12) / 3);
    }
    case 'year':
      return Math.floor(monthKey / 12);
  }
}

function groupFor(
  groups: Map<string, GroupRuns>,
  query: DatasetQuery,
  rank: number,
  period: number | null,
): GroupRuns {
  const countryRank = query.groupByCountry ? rank : -1;
  const key = `${countryRank}:${period}`;
  let group = groups.get(key);
  if (!group) {
    group = { countryRank, period, starts: [], ends: [], stats: EMPTY_STATS };
    groups.set(key, group);
  }
  return group;
}

function addDayRun(group: GroupRuns, layout: ColumnarLayout, p: number): void {
  const start = layout.dayStart[p];
  const end = layout.dayStart[p + 1];
  addRun(group, layout.values, start, end, layout.daySum[p], layout.dayMean[p], layout.dayM2[p]);
}

function addMonthRun(group: GroupRuns, layout: ColumnarLayout, m: number): void {
  // Month runs hold the same rows as their days, one level up in `values`.
  const start = layout.rowCount + layout.dayStart[layout.monthFirstDay[m]];
  const end = layout.rowCount + layout.dayStart[layout.monthFirstDay[m + 1]];
  addRun(
    group,
    layout.values,
    start,
    end,
    layout.monthSum[m],
    layout.monthMean[m],
    layout.monthM2[m],
  );
}

function addRun(
  group: GroupRuns,
  values: Float64Array,
  start: number,
  end: number,
  sum: number,
  mean: number,
  m2: number,
): void {
  group.starts.push(start);
  group.ends.push(end);
  // Runs are sorted, so their extremes are their ends.
  const run = { count: end - start, mean, m2, min: values[start], max: values[end - 1], sum };
  group.stats = combineStats(group.stats, run);
}

/** First index in [lo, hi) whose key is ≥ x. */
function lowerBoundInt(keys: Int32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
