import {
  EMPTY_STATS,
  interpolate,
  quantileRank,
  simpleMetric,
  type RunningStats,
} from 'src/engine/metrics/metric-math';
import type { MetricSpec } from 'src/engine/metrics/metric-names';
import { daysInMonth, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';
import { buildColumnarLayout, type ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { GroupedRuns, SEVERAL_COUNTRIES } from 'src/engine/columnar/grouped-runs';
import { monthExtentsOf, type MonthExtents } from 'src/engine/columnar/month-extents';
import { warmUpQueries } from 'src/engine/columnar/query-warm-up';
import { selectKthAndNext } from 'src/engine/columnar/run-selection';
import { ValueBuckets, type BucketTuning } from 'src/engine/columnar/value-buckets';
import type {
  DatasetQuery,
  DatasetQueryResult,
  PeriodUnit,
  ResultGroup,
} from 'src/engine/dataset-query';
import type { SalesColumns } from 'src/engine/sales-columns';

/**
 * An in-memory sales table indexed for metric queries: every answer combines precomputed
 * partition totals and selects quantiles inside sorted runs, so no query scans or sorts rows.
 */
export class ColumnarSalesTable {
  readonly rowCount: number;
  private readonly rankByCode: ReadonlyMap<string, number>;
  private readonly yearList: readonly number[];
  private readonly allRanks: number[];
  private readonly months: MonthExtents;
  private readonly buckets: ValueBuckets;

  // Query scratch, reused because queries run one at a time.
  private readonly runs = new GroupedRuns();
  private readonly spans = new MonthSpans();
  /** The group whose spans `spans` holds, or -1. */
  private spansOf = -1;
  private readonly periodGroups = new Map<number, number>();
  private currentGroup = -1;
  private readonly pair = new Float64Array(2);
  /** One group's totals at a time, for `simpleMetric`. */
  private readonly stats: { -readonly [K in keyof RunningStats]: RunningStats[K] } = {
    ...EMPTY_STATS,
  };

  private constructor(
    private readonly layout: ColumnarLayout,
    tuning?: BucketTuning,
  ) {
    this.rowCount = layout.rowCount;
    this.allRanks = layout.countryCodes.map((_, rank) => rank);
    this.months = monthExtentsOf(layout);
    this.buckets = ValueBuckets.build(layout, this.months, tuning);
    this.rankByCode = new Map(layout.countryCodes.map((code, rank) => [code, rank]));
    this.yearList = [...new Set(Array.from(layout.monthKey, (key) => Math.floor(key / 12)))].sort(
      (a, b) => a - b,
    );
  }

  static build(columns: SalesColumns, tuning?: BucketTuning): ColumnarSalesTable {
    const table = new ColumnarSalesTable(buildColumnarLayout(columns), tuning);
    if (!ColumnarSalesTable.warmedUp) {
      ColumnarSalesTable.warmedUp = table.warmUp();
    }
    return table;
  }

  /** Whether a table has run the warm-up queries in this process (see `query-warm-up.ts`). */
  private static warmedUp = false;

  /** Runs the warm-up queries when this table has a country with value buckets to run them on. */
  private warmUp(): boolean {
    const { countryCodes, countryFirstMonth, monthKey } = this.layout;
    const indexed = countryCodes.findIndex((_, rank) => this.buckets.width[rank] > 0);
    if (indexed < 0) {
      return false;
    }
    const other = indexed + 1 < countryCodes.length ? indexed + 1 : 0;
    const lastMonth = monthKey[countryFirstMonth[indexed + 1] - 1];
    for (const query of warmUpQueries(countryCodes[indexed], countryCodes[other], lastMonth)) {
      this.query(query);
    }
    return true;
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
    // Callers build queries as object literals whose fields change type from one call to the next
    // (null, then a day or a list), and V8 throws away compiled code that read such a field when
    // that happens. Reading the fields once here keeps the loops below off the callers' shapes.
    const { countries, years, fromDay, toDay, groupByCountry, period, metrics } = query;
    return this.answer(
      this.selectedCountryRanks(countries),
      years === null ? null : new Set(years),
      fromDay ?? Number.NEGATIVE_INFINITY,
      toDay ?? Number.POSITIVE_INFINITY,
      groupByCountry,
      period,
      metrics,
    );
  }

  private answer(
    ranks: readonly number[],
    years: ReadonlySet<number> | null,
    fromDay: number,
    toDay: number,
    byCountry: boolean,
    unit: PeriodUnit | null,
    metrics: readonly MetricSpec[],
  ): DatasetQueryResult {
    const runs = this.runs;
    runs.reset(metrics.some((metric) => metric.kind === 'variance' || metric.kind === 'stddev'));
    this.spansOf = -1;
    this.collectRuns(ranks, years, fromDay, toDay, byCountry, unit);
    const count = runs.groupCount;
    let order: Int32Array | null = null;
    if (!byCountry && unit !== null) {
      // Without a country split, countries add their months to groups out of period order.
      order = Int32Array.from({ length: count }, (_, g) => g).sort(
        (a, b) => runs.period[a] - runs.period[b],
      );
    }
    const metricCount = metrics.length;
    const codes = this.layout.countryCodes;
    const stats = this.stats;
    let matchedRows = 0;
    const groups: ResultGroup[] = [];
    for (let i = 0; i < count; i++) {
      const g = order === null ? i : order[i];
      const rows = runs.rows[g];
      matchedRows += rows;
      stats.count = rows;
      stats.mean = runs.mean[g];
      stats.m2 = runs.m2[g];
      stats.min = runs.min[g];
      stats.max = runs.max[g];
      stats.sum = runs.sum[g];
      const values = new Array<number | null>(metricCount);
      for (let j = 0; j < metricCount; j++) {
        const metric = metrics[j];
        values[j] =
          metric.kind === 'quantile'
            ? this.quantileOf(g, metric.q)
            : simpleMetric(stats, metric.kind);
      }
      groups.push({
        country: byCountry ? codes[runs.country[g]] : null,
        period: unit === null ? null : runs.period[g],
        rows,
        values,
      });
    }
    return { matchedRows, groups };
  }

  /**
   * Gathers, per output group, the runs that hold exactly the rows passing the filters: a month
   * run when the whole month passes, otherwise the day runs of the days that do.
   */
  private collectRuns(
    ranks: readonly number[],
    years: ReadonlySet<number> | null,
    fromDay: number,
    toDay: number,
    byCountry: boolean,
    unit: PeriodUnit | null,
  ): void {
    const layout = this.layout;
    const months = this.months;
    const runs = this.runs;
    if (layout.rowCount === 0 || fromDay > toDay) {
      return;
    }
    const firstKey = fromDay === Number.NEGATIVE_INFINITY ? fromDay : monthKeyOf(fromDay);
    const lastKey = toDay === Number.POSITIVE_INFINITY ? toDay : monthKeyOf(toDay);
    const { monthKey, countryFirstMonth, monthFirstDay, dayStart, dayNumber, values } = layout;
    this.currentGroup = -1;
    this.periodGroups.clear();

    for (const rank of ranks) {
      const end = countryFirstMonth[rank + 1];
      let m = lowerBoundInt(monthKey, countryFirstMonth[rank], end, firstKey);
      for (; m < end && monthKey[m] <= lastKey; m++) {
        const key = monthKey[m];
        const year = Math.floor(key / 12);
        if (years !== null && !years.has(year)) {
          continue;
        }
        const period = periodKey(key, unit);
        // Only the months holding the range's ends can be cut.
        let whole = true;
        if (key === firstKey || key === lastKey) {
          const month = key - year * 12 + 1;
          const monthFirst = toDayNumber(year, month, 1);
          whole = fromDay <= monthFirst && monthFirst + daysInMonth(year, month) - 1 <= toDay;
        }
        if (whole) {
          runs.addMonth(
            this.groupOf(byCountry, rank, period),
            m,
            rank,
            months.start[m + 1] - months.start[m],
            layout.monthSum[m],
            layout.monthMean[m],
            layout.monthM2[m],
            months.min[m],
            months.max[m],
          );
          continue;
        }
        for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
          const day = dayNumber[p];
          if (day >= fromDay && day <= toDay) {
            const start = dayStart[p];
            const stop = dayStart[p + 1];
            runs.addDay(
              this.groupOf(byCountry, rank, period),
              p,
              rank,
              stop - start,
              layout.daySum[p],
              layout.dayMean[p],
              layout.dayM2[p],
              values[start],
              values[stop - 1],
            );
          }
        }
      }
    }
  }

  /** The group a run of country `rank` in `period` belongs to, created on its first run. */
  private groupOf(byCountry: boolean, rank: number, period: number): number {
    const runs = this.runs;
    const current = this.currentGroup;
    if (byCountry) {
      // Countries come in rank order and months in key order, so a group's runs are consecutive.
      if (current >= 0 && runs.country[current] === rank && runs.period[current] === period) {
        return current;
      }
      return (this.currentGroup = runs.addGroup(rank, rank, period));
    }
    if (current >= 0 && runs.period[current] === period) {
      return current;
    }
    let g = this.periodGroups.get(period);
    if (g === undefined) {
      g = runs.addGroup(-1, rank, period);
      this.periodGroups.set(period, g);
    }
    return (this.currentGroup = g);
  }

  private selectedCountryRanks(countries: readonly string[] | null): number[] {
    if (countries === null) {
      return this.allRanks;
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

  private quantileOf(g: number, q: number): number {
    const runs = this.runs;
    const { values, dayStart } = this.layout;
    const monthStart = this.months.start;
    const { lower, weight } = quantileRank(runs.rows[g], q);
    if (runs.isSingleRun(g)) {
      const from = runs.entryFrom[runs.firstEntry[g]];
      const start = from >= 0 ? monthStart[from] : dayStart[-1 - from];
      const end = from >= 0 ? monthStart[from + 1] : dayStart[-from];
      const at = start + lower;
      return interpolate(values[at], values[Math.min(at + 1, end - 1)], weight);
    }
    const source = runs.source[g];
    const pair = this.pair;
    if (source !== SEVERAL_COUNTRIES && this.buckets.width[source] > 0) {
      const spans = this.spansFor(g);
      this.buckets.selectKthAndNext(
        source,
        spans.monthFrom,
        spans.monthTo,
        spans.rangeCount,
        spans.days,
        spans.dayCount,
        lower,
        runs.min[g],
        runs.max[g],
        pair,
      );
      return interpolate(pair[0], pair[1], weight);
    }
    // Several countries' runs, or a country too small to index: select across the runs.
    const starts: number[] = [];
    const ends: number[] = [];
    for (let entry = runs.firstEntry[g]; entry >= 0; entry = runs.nextEntry[entry]) {
      const from = runs.entryFrom[entry];
      if (from < 0) {
        starts.push(dayStart[-1 - from]);
        ends.push(dayStart[-from]);
      } else {
        for (let m = from; m < runs.entryTo[entry]; m++) {
          starts.push(monthStart[m]);
          ends.push(monthStart[m + 1]);
        }
      }
    }
    const [a, b] = selectKthAndNext(values, starts, ends, lower);
    return interpolate(a, b, weight);
  }

  /** Group g's spans of whole months and its day partitions, as the value buckets take them. */
  private spansFor(g: number): MonthSpans {
    const spans = this.spans;
    if (this.spansOf === g) {
      return spans;
    }
    const runs = this.runs;
    spans.reserve(runs.entryCount);
    let ranges = 0;
    let days = 0;
    for (let entry = runs.firstEntry[g]; entry >= 0; entry = runs.nextEntry[entry]) {
      const from = runs.entryFrom[entry];
      if (from < 0) {
        spans.days[days++] = -1 - from;
      } else {
        spans.monthFrom[ranges] = from;
        spans.monthTo[ranges++] = runs.entryTo[entry];
      }
    }
    spans.rangeCount = ranges;
    spans.dayCount = days;
    this.spansOf = g;
    return spans;
  }
}

/** Scratch lists of one group's month spans and day partitions. */
class MonthSpans {
  monthFrom = new Uint32Array(16);
  monthTo = new Uint32Array(16);
  days = new Uint32Array(16);
  rangeCount = 0;
  dayCount = 0;

  reserve(size: number): void {
    if (size > this.days.length) {
      this.monthFrom = new Uint32Array(size);
      this.monthTo = new Uint32Array(size);
      this.days = new Uint32Array(size);
    }
  }
}

function monthKeyOf(day: number): number {
  const { year, month } = fromDayNumber(day);
  return year * 12 + month - 1;
}

/** The group key of a month for the period split; 0 for every month without one. */
function periodKey(monthKey: number, unit: PeriodUnit | null): number {
  switch (unit) {
    case null:
      return 0;
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
