import {
  EMPTY_STATS,
  interpolate,
  quantileRank,
  simpleMetric,
  type RunningStats,
} from 'src/engine/metrics/metric-math';
import { exactInterpolation, exactQuotient, exactVariance } from 'src/engine/metrics/exact-decimal';
import type { MetricSpec, SimpleMetricKind } from 'src/engine/metrics/metric-names';
import { daysInMonth, toDayNumber } from 'src/common/calendar/day-number';
import {
  fiscalYearOfMonthKey,
  monthKeyOfDay,
  periodDays,
  periodOfDay,
  periodOfMonthKey,
  weekOfDay,
} from 'src/common/calendar/periods';
import { buildColumnarLayout, type ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { columnsOfLayout } from 'src/engine/columnar/layout-columns';
import { GroupedRuns, SEVERAL_COUNTRIES, type MonthTotals } from 'src/engine/columnar/grouped-runs';
import { monthExtentsOf, type MonthExtents } from 'src/engine/columnar/month-extents';
import {
  clipIntervals,
  comparisonIntervals,
  filteredSpan,
  filterIntervals,
} from 'src/engine/columnar/period-intervals';
import { warmUpQueries } from 'src/engine/columnar/query-warm-up';
import { selectKthAndNext } from 'src/engine/columnar/run-selection';
import {
  CountrySpans,
  MonthSpanBatch,
  ValueBuckets,
  type BucketParts,
  type BucketTuning,
} from 'src/engine/columnar/value-buckets';
import {
  OTHER_COUNTRY,
  type CompareMode,
  type Arithmetic,
  type DatasetQuery,
  type DatasetQueryResult,
  type PeriodUnit,
  type ResultGroup,
} from 'src/engine/dataset-query';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';
import type { SalesColumns } from 'src/engine/sales-columns';
import type {
  ExtensionPartial,
  GroupPartial,
  TableExactness,
  TablePartials,
} from 'src/engine/layered/table-partials';

/**
 * An in-memory sales table indexed for metric queries: every answer combines precomputed
 * partition totals and selects quantiles inside sorted runs, so no query scans or sorts rows.
 */
export class ColumnarSalesTable {
  readonly rowCount: number;
  private readonly rankByCode: ReadonlyMap<string, number>;
  private readonly yearList: readonly number[];
  private readonly allRanks: number[];
  /** `[rank]` per country rank, so that thousands of window groups allocate no list each. */
  private readonly singleRanks: readonly (readonly number[])[];
  private readonly months: MonthExtents;
  private readonly buckets: ValueBuckets;
  /** The month partitions' bounds, totals and extremes, for `GroupedRuns.addMonths`. */
  private readonly monthTotals: MonthTotals;

  // Query scratch, reused because queries run one at a time.
  private readonly runs = new GroupedRuns();
  private readonly spans = new MonthSpans();
  /** A group's spans country by country, with per-country counters to lay them out. */
  private readonly across = new CountrySpans();
  private readonly rangesOfCountry: Uint32Array;
  private readonly daysOfCountry: Uint32Array;
  private readonly rangeCursor: Uint32Array;
  private readonly dayCursor: Uint32Array;
  /** The group whose spans `spans` holds, or -1. */
  private spansOf = -1;
  private readonly periodGroups = new Map<number, number>();
  private currentGroup = -1;
  private readonly pair = new Float64Array(2);
  /** Spans of whole months of one country, for `presetQuantilePairs`. */
  private readonly spanBatch = new MonthSpanBatch();
  /** Quantile pairs selected ahead for the groups being measured (see `presetQuantilePairs`). */
  private presetPairs: Float64Array | null = null;
  /** The country rank of each group of the last answer, in answer order, for `extend`. */
  private shownSlot = new Int32Array(0);
  /** The scratch group of each group of the last answer, in answer order, for `partials`. */
  private shownGroup = new Int32Array(0);
  /** The group rank of OTHER: past every real country, so it sorts last. */
  private readonly otherRank: number;
  /** One group's totals at a time, for `simpleMetric`. */
  private readonly stats: { -readonly [K in keyof RunningStats]: RunningStats[K] } = {
    ...EMPTY_STATS,
  };

  private constructor(
    private readonly layout: ColumnarLayout,
    tuning?: BucketTuning,
    buckets?: BucketParts,
  ) {
    this.rowCount = layout.rowCount;
    this.allRanks = layout.countryCodes.map((_, rank) => rank);
    this.singleRanks = this.allRanks.map((rank) => [rank]);
    this.otherRank = layout.countryCodes.length;
    this.rangesOfCountry = new Uint32Array(this.otherRank);
    this.daysOfCountry = new Uint32Array(this.otherRank);
    this.rangeCursor = new Uint32Array(this.otherRank);
    this.dayCursor = new Uint32Array(this.otherRank);
    this.months = monthExtentsOf(layout);
    this.monthTotals = {
      start: this.months.start,
      sum: layout.monthSum,
      mean: layout.monthMean,
      m2: layout.monthM2,
      min: this.months.min,
      max: this.months.max,
    };
    this.buckets =
      buckets === undefined
        ? ValueBuckets.build(layout, this.months, tuning)
        : ValueBuckets.fromParts(layout, this.months, buckets, tuning);
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

  /**
   * Builds a table as `build` does with the layout on shared memory, and returns its index as
   * plain data: another thread (see `src/engine/workers`) builds it and posts it back, and
   * `fromIndex` rebuilds the table around it in about a millisecond.
   */
  static buildIndex(columns: SalesColumns): TableIndex {
    const layout = buildColumnarLayout(columns, { shared: true, threads: 'main' });
    const months = monthExtentsOf(layout);
    return { layout, buckets: ValueBuckets.build(layout, months).parts };
  }

  /** `buildIndex` of every row of several tables' layouts, in order: what a merge builds. */
  static buildIndexOfParts(parts: readonly ColumnarLayout[]): TableIndex {
    return ColumnarSalesTable.buildIndex(concatSalesColumns(parts.map(columnsOfLayout)));
  }

  /** The table of an index `buildIndex` made. */
  static fromIndex(index: TableIndex): ColumnarSalesTable {
    return new ColumnarSalesTable(index.layout, undefined, index.buckets);
  }

  /** This table's index as plain data (shared with the table), for another thread to read. */
  index(): TableIndex {
    return { layout: this.layout, buckets: this.buckets.parts };
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

  /**
   * How sums, means and spreads are computed: exactly from scaled integers (values with at most
   * `MAX_EXACT_FRACTION_DIGITS` decimals), or in floating point.
   */
  arithmetic(): Arithmetic {
    return this.layout.exact === null ? 'float' : 'exact-decimal';
  }

  /** The table's rows as plain columns, to build a larger table from (see `layout-columns.ts`). */
  toColumns(): SalesColumns {
    return columnsOfLayout(this.layout);
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
    const fiscalYearStart = query.fiscalYearStart ?? 1;
    const ranks = this.selectedCountryRanks(countries);
    const slots = this.slotsFor(ranks, groupByCountry ? (query.keepCountries ?? null) : null);
    const yearSet = years === null ? null : new Set(years);
    const from = fromDay ?? Number.NEGATIVE_INFINITY;
    const to = toDay ?? Number.POSITIVE_INFINITY;
    const window = period === null ? null : (query.window ?? null);
    const cumulative = period !== null && query.cumulative === true;
    const compare = query.compare ?? null;
    const shown = this.answer(
      ranks,
      yearSet,
      from,
      to,
      groupByCountry,
      period,
      metrics,
      fiscalYearStart,
      slots,
      // A window or running total replaces the groups' own values.
      window === null && !cumulative,
    );
    if (window === null && !cumulative && compare === null) {
      return shown;
    }
    return this.extend(shown, {
      ranks,
      slots,
      filter: filterIntervals(yearSet, from, to, fiscalYearStart),
      byCountry: groupByCountry,
      unit: period,
      fiscalYearStart,
      metrics,
      window,
      cumulative,
      compare,
    });
  }

  /**
   * The groups `query` would show (window, running totals and comparisons left out) with the
   * totals they combine from, so that groups of several tables can be combined into the answer
   * of one table holding all their rows (see `src/engine/layered`). Each group's `handle` is valid
   * for `countAtMost`, `selectPair` and `groupValues` until this table's next query.
   */
  partials(query: DatasetQuery): TablePartials {
    const { countries, years, fromDay, toDay, groupByCountry, period, metrics } = query;
    const ranks = this.selectedCountryRanks(countries);
    const shown = this.answer(
      ranks,
      years === null ? null : new Set(years),
      fromDay ?? Number.NEGATIVE_INFINITY,
      toDay ?? Number.POSITIVE_INFINITY,
      groupByCountry,
      period,
      metrics,
      query.fiscalYearStart ?? 1,
      this.slotsFor(ranks, groupByCountry ? (query.keepCountries ?? null) : null),
      false,
    );
    const shownGroup = this.shownGroup;
    return {
      matchedRows: shown.matchedRows,
      groups: shown.groups.map((group, i) =>
        this.partialOf(shownGroup[i], group.country, group.period),
      ),
    };
  }

  /**
   * For a query with a window, running totals or a comparison, per group of the answer a table of
   * several tables' rows shows (`shown`: country and period, as `partials` names them), this
   * table's totals over the rows the group's window or running total covers (`current`; null
   * when the query has neither) and over its comparison rows (`previous`; null without a
   * comparison). Handles as in `partials`, until this table's next query.
   */
  extensionPartials(
    query: DatasetQuery,
    shown: readonly Pick<GroupPartial, 'country' | 'period'>[],
  ): ExtensionPartial[] {
    const { countries, years, fromDay, toDay, groupByCountry, period: unit, metrics } = query;
    const fiscalYearStart = query.fiscalYearStart ?? 1;
    const ranks = this.selectedCountryRanks(countries);
    const keep = new Set(groupByCountry ? (query.keepCountries ?? []) : []);
    const filter = filterIntervals(
      years === null ? null : new Set(years),
      fromDay ?? Number.NEGATIVE_INFINITY,
      toDay ?? Number.POSITIVE_INFINITY,
      fiscalYearStart,
    );
    const window = unit === null ? null : (query.window ?? null);
    const cumulative = unit !== null && query.cumulative === true;
    const compare = query.compare ?? null;
    this.resetRuns(metrics);
    this.spansOf = -1;
    const intervals: number[] = [];
    const collected = shown.map(({ country, period: key }) => {
      // The group's country ranks in this table: a country it may lack, or those folding into OTHER.
      let slot = -1;
      let groupRanks: readonly number[] = ranks;
      if (country === OTHER_COUNTRY) {
        slot = this.otherRank;
        groupRanks = ranks.filter((rank) => !keep.has(this.layout.countryCodes[rank]));
      } else if (country !== null) {
        const rank = this.rankByCode.get(country);
        slot = rank ?? -1;
        groupRanks = rank !== undefined && ranks.includes(rank) ? [rank] : [];
      }
      let current = -1;
      let previous = -1;
      if (unit !== null && key !== null && (window !== null || cumulative)) {
        const own = periodDays(key, unit, fiscalYearStart);
        intervals.length = 0;
        if (window !== null) {
          const first = periodDays(key - window + 1, unit, fiscalYearStart).first;
          intervals.push(first, filteredSpan(filter, own)[1]);
        } else {
          clipIntervals(filter, Number.NEGATIVE_INFINITY, own.last, intervals);
        }
        current = this.collectGroup(slot, key, groupRanks, intervals);
      }
      if (compare !== null) {
        comparisonIntervals(compare, filter, unit, key, fiscalYearStart, intervals);
        previous = this.collectGroup(slot, key ?? 0, groupRanks, intervals);
      }
      return { current, previous, country, key };
    });
    return collected.map(({ current, previous, country, key }) => ({
      current: current < 0 ? null : this.partialOf(current, country, key),
      previous: previous < 0 ? null : this.partialOf(previous, country, key),
    }));
  }

  /** Group g's totals (of the last query) as a `GroupPartial`. */
  private partialOf(g: number, country: string | null, period: number | null): GroupPartial {
    const runs = this.runs;
    const { sumHi, sumLo, squaresHi, squaresLo } = runs.exact;
    return {
      country,
      period,
      rows: runs.rows[g],
      min: runs.min[g] / this.layout.valueScale,
      max: runs.max[g] / this.layout.valueScale,
      sumHi: sumHi[g],
      sumLo: sumLo[g],
      squaresHi: squaresHi[g],
      squaresLo: squaresLo[g],
      handle: g,
    };
  }

  /** How many of group `handle`'s values (of the last `partials`) are ≤ v: a binary search per run. */
  countAtMost(handle: number, v: number): number {
    let count = 0;
    const { values, valueScale } = this.layout;
    this.forEachRun(handle, (start, end) => {
      let lo = start;
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (values[mid] / valueScale <= v) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      count += lo - start;
    });
    return count;
  }

  /** Group `handle`'s values (of the last `partials`), in no particular order. */
  groupValues(handle: number): Float64Array {
    const out = new Float64Array(this.runs.rows[handle]);
    const { values, valueScale } = this.layout;
    let at = 0;
    this.forEachRun(handle, (start, end) => {
      for (let i = start; i < end; i++) {
        out[at++] = values[i] / valueScale;
      }
    });
    return out;
  }

  /**
   * The k-th smallest value (0-based) of group `handle` (of the last `partials`) and the one after
   * it (the k-th again when k is the last rank), by the same selection a quantile uses. The pair
   * is scratch: read it before the next call.
   */
  selectPair(handle: number, k: number): Float64Array {
    return this.orderPair(handle, k);
  }

  /**
   * What decides whether a table holding this one's rows and others' computes exactly: the
   * decimal scale, whether Σk² is kept, and the largest magnitude; null for floating point.
   */
  exactness(): TableExactness | null {
    const exact = this.layout.exact;
    if (exact === null) {
      return null;
    }
    let largest = 0;
    const { min, max } = this.months;
    for (let m = 0; m < min.length; m++) {
      largest = Math.max(largest, Math.abs(min[m]), Math.abs(max[m]));
    }
    return {
      scale: exact.scale,
      squares: exact.squares,
      largest: largest / this.layout.valueScale,
    };
  }

  /** Calls `visit` with the bounds in `values` of each sorted run of group g. */
  private forEachRun(g: number, visit: (start: number, end: number) => void): void {
    const runs = this.runs;
    const { dayStart } = this.layout;
    const monthStart = this.months.start;
    for (let entry = runs.firstEntry[g]; entry >= 0; entry = runs.nextEntry[entry]) {
      const from = runs.entryFrom[entry];
      if (from < 0) {
        visit(dayStart[-1 - from], dayStart[-from]);
      } else {
        for (let m = from; m < runs.entryTo[entry]; m++) {
          visit(monthStart[m], monthStart[m + 1]);
        }
      }
    }
  }

  private answer(
    ranks: readonly number[],
    years: ReadonlySet<number> | null,
    fromDay: number,
    toDay: number,
    byCountry: boolean,
    unit: PeriodUnit | null,
    metrics: readonly MetricSpec[],
    fiscalYearStart: number,
    slots: Int32Array | null,
    measure: boolean,
  ): DatasetQueryResult {
    const runs = this.runs;
    this.resetRuns(metrics);
    this.spansOf = -1;
    this.collectRuns(ranks, years, fromDay, toDay, byCountry, unit, fiscalYearStart, slots);
    const count = runs.groupCount;
    let order: Int32Array | null = null;
    if ((!byCountry && unit !== null) || slots !== null) {
      // Without a country split, countries add their months to groups out of period order, and
      // the countries folding into OTHER add theirs among the kept countries' groups.
      order = Int32Array.from({ length: count }, (_, g) => g).sort(
        (a, b) => runs.country[a] - runs.country[b] || runs.period[a] - runs.period[b],
      );
    }
    this.shownSlot = new Int32Array(count);
    this.shownGroup = new Int32Array(count);
    let matchedRows = 0;
    const groups: ResultGroup[] = [];
    for (let i = 0; i < count; i++) {
      const g = order === null ? i : order[i];
      const rows = runs.rows[g];
      matchedRows += rows;
      this.shownSlot[i] = runs.country[g];
      this.shownGroup[i] = g;
      groups.push({
        country: byCountry ? this.countryName(runs.country[g]) : null,
        period: unit === null ? null : runs.period[g],
        rows,
        values: measure ? this.valuesOf(g, metrics) : [],
      });
    }
    return { matchedRows, groups };
  }

  /**
   * Clears the groups for a new collection. Exact totals are added up only for the metrics that
   * read them, and means and M2s combined only for a spread that cannot come from exact moments.
   */
  private resetRuns(metrics: readonly MetricSpec[]): void {
    const exact = this.layout.exact;
    const spread = metrics.some((metric) => isSpread(metric.kind));
    const exactSpread = spread && exact !== null && exact.squares;
    const exactSums = metrics.some((metric) => metric.kind === 'sum' || metric.kind === 'mean');
    this.runs.reset(spread && !exactSpread, exactSums || exactSpread ? exact : null, exactSpread);
    this.presetPairs = null;
  }

  /** The answer's name of a group's country rank (`otherRank` is OTHER). */
  private countryName(rank: number): string {
    return rank === this.otherRank ? OTHER_COUNTRY : this.layout.countryCodes[rank];
  }

  /** Group g's metrics, from its totals and, for quantiles, its sorted runs. */
  private valuesOf(g: number, metrics: readonly MetricSpec[]): (number | null)[] {
    const runs = this.runs;
    const stats = this.stats;
    stats.count = runs.rows[g];
    stats.mean = runs.mean[g];
    stats.m2 = runs.m2[g];
    stats.min = runs.min[g] / this.layout.valueScale;
    stats.max = runs.max[g] / this.layout.valueScale;
    stats.sum = runs.sum[g];
    const exact = this.layout.exact;
    const metricCount = metrics.length;
    const values = new Array<number | null>(metricCount);
    for (let j = 0; j < metricCount; j++) {
      const metric = metrics[j];
      values[j] =
        metric.kind === 'quantile'
          ? this.quantileOf(g, metric.q, j)
          : exact !== null && (exact.squares || !isSpread(metric.kind))
            ? this.exactMetric(g, metric.kind, exact.scale)
            : simpleMetric(stats, metric.kind);
    }
    return values;
  }

  /**
   * A simple metric of group g from its exact totals, correctly rounded: sum and mean always,
   * variance and stddev when the table keeps exact squares.
   */
  private exactMetric(g: number, kind: SimpleMetricKind, scale: number): number | null {
    const runs = this.runs;
    const { sumHi, sumLo, squaresHi, squaresLo } = runs.exact;
    const count = runs.rows[g];
    switch (kind) {
      case 'sum':
        return exactQuotient(sumHi[g], sumLo[g], scale);
      case 'mean':
        return count === 0 ? null : exactQuotient(sumHi[g], sumLo[g], count * scale);
      case 'variance':
      case 'stddev': {
        const variance = exactVariance(
          count,
          sumHi[g],
          sumLo[g],
          squaresHi[g],
          squaresLo[g],
          scale,
        );
        return kind === 'stddev' && variance !== null ? Math.sqrt(variance) : variance;
      }
      default:
        return simpleMetric(this.stats, kind);
    }
  }

  /**
   * Country rank → group rank when some countries fold into OTHER (`otherRank`), or null when
   * every country is its own group.
   */
  private slotsFor(ranks: readonly number[], keep: readonly string[] | null): Int32Array | null {
    if (keep === null) {
      return null;
    }
    const slots = new Int32Array(this.otherRank + 1).fill(this.otherRank);
    for (const code of keep) {
      const rank = this.rankByCode.get(code);
      if (rank !== undefined) {
        slots[rank] = rank;
      }
    }
    return ranks.every((rank) => slots[rank] === rank) ? null : slots;
  }

  /**
   * Recomputes each shown group over the rows its window or running total covers, and adds what
   * it is compared with: per group, a few day intervals of the slot's countries, collected as
   * month runs inside and day runs at the edges like any filter, then measured the same way
   * (quantiles by exact selection across those runs).
   */
  private extend(shown: DatasetQueryResult, plan: ExtensionPlan): DatasetQueryResult {
    const { unit, fiscalYearStart, metrics, window, cumulative, compare, filter } = plan;
    const shownSlot = this.shownSlot;
    const runs = this.runs;
    this.resetRuns(metrics);
    this.spansOf = -1;
    const current: number[] = [];
    const previous: number[] = [];
    const intervals: number[] = [];
    // A window's months depend on its period only: worked out once per period, not per country.
    const windowMonths = new Map<number, IntervalMonths | null>();
    shown.groups.forEach((group, i) => {
      const slot = shownSlot[i];
      const ranks = this.slotRanks(slot, plan);
      const key = group.period;
      if (unit !== null && key !== null && window !== null) {
        let months = windowMonths.get(key);
        if (months === undefined) {
          // Back past the filters to the window's first period, up to the last filtered day.
          const own = periodDays(key, unit, fiscalYearStart);
          const first = periodDays(key - window + 1, unit, fiscalYearStart).first;
          months = this.intervalMonths(first, filteredSpan(filter, own)[1]);
          windowMonths.set(key, months);
        }
        const g = this.runs.addGroup(slot, ranks.length > 0 ? ranks[0] : 0, key);
        if (months !== null) {
          for (const rank of ranks) {
            this.collectMonths(g, rank, months);
          }
        }
        current.push(g);
      } else if (unit !== null && key !== null && cumulative) {
        const own = periodDays(key, unit, fiscalYearStart);
        clipIntervals(filter, Number.NEGATIVE_INFINITY, own.last, intervals);
        current.push(this.collectGroup(slot, key, ranks, intervals));
      }
      if (compare !== null) {
        comparisonIntervals(compare, filter, unit, key, fiscalYearStart, intervals);
        previous.push(this.collectGroup(slot, key ?? 0, ranks, intervals));
      }
    });
    this.presetQuantilePairs(current, metrics);
    // Groups are built field by field: spreading thousands of window groups cost more than
    // their selections.
    const span = window === null || unit === null ? null : this.periodSpan(unit, fiscalYearStart);
    const groups = shown.groups.map((group, i): ResultGroup => {
      const g = current.length > 0 ? current[i] : -1;
      const p = previous.length > 0 && runs.rows[previous[i]] > 0 ? previous[i] : -1;
      if (g < 0 && p < 0) {
        return group;
      }
      const extended: {
        -readonly [K in keyof ResultGroup]: ResultGroup[K];
      } = {
        country: group.country,
        period: group.period,
        rows: g < 0 ? group.rows : runs.rows[g],
        values: g < 0 ? group.values : this.valuesOf(g, metrics),
      };
      if (g < 0 && group.windowPeriods !== undefined) {
        extended.windowPeriods = group.windowPeriods;
      }
      if (g >= 0 && span !== null && window !== null && group.period !== null) {
        const key = group.period;
        extended.windowPeriods = Math.max(
          0,
          Math.min(key, span.last) - Math.max(key - window + 1, span.first) + 1,
        );
      }
      if (p >= 0) {
        extended.previous = { rows: runs.rows[p], values: this.valuesOf(p, metrics) };
      }
      return extended;
    });
    this.presetPairs = null;
    return { matchedRows: shown.matchedRows, groups };
  }

  /** The periods holding the dataset's first and last day: a window counts those within. */
  private periodSpan(unit: PeriodUnit, fiscalYearStart: number): { first: number; last: number } {
    return {
      first: periodOfDay(this.layout.minDay, unit, fiscalYearStart),
      last: periodOfDay(this.layout.maxDay, unit, fiscalYearStart),
    };
  }

  /** The country ranks whose rows a shown group's slot holds. */
  private slotRanks(slot: number, plan: ExtensionPlan): readonly number[] {
    if (!plan.byCountry) {
      return plan.ranks;
    }
    if (slot !== this.otherRank) {
      return this.singleRanks[slot];
    }
    const slots = plan.slots as Int32Array;
    return plan.ranks.filter((rank) => slots[rank] === this.otherRank);
  }

  /** A new group of the rows of `ranks` within the day intervals `[lo, hi]` (flattened pairs). */
  private collectGroup(
    slot: number,
    period: number,
    ranks: readonly number[],
    intervals: readonly number[],
  ): number {
    const g = this.runs.addGroup(slot, ranks.length > 0 ? ranks[0] : 0, period);
    for (const rank of ranks) {
      for (let i = 0; i < intervals.length; i += 2) {
        this.collectInterval(g, rank, intervals[i], intervals[i + 1]);
      }
    }
    return g;
  }

  /** Adds country `rank`'s rows dated within [lo, hi] to group g. */
  private collectInterval(g: number, rank: number, lo: number, hi: number): void {
    const months = this.intervalMonths(lo, hi);
    if (months !== null) {
      this.collectMonths(g, rank, months);
    }
  }

  /**
   * The table's dates within [lo, hi] as months (see `IntervalMonths`); null when it holds none.
   * The same for every country, so a window's can serve them all.
   */
  private intervalMonths(lo: number, hi: number): IntervalMonths | null {
    const layout = this.layout;
    const from = Math.max(lo, layout.minDay);
    const to = Math.min(hi, layout.maxDay);
    if (layout.rowCount === 0 || from > to) {
      return null;
    }
    const firstKey = monthKeyOfDay(from);
    const lastKey = monthKeyOfDay(to);
    return {
      from,
      to,
      firstKey,
      lastKey,
      firstCut: !isWholeMonth(firstKey, from, to),
      lastCut: !isWholeMonth(lastKey, from, to),
    };
  }

  /** Adds country `rank`'s rows within `months` to group g. */
  private collectMonths(g: number, rank: number, months: IntervalMonths): void {
    const { from, to, firstKey, lastKey } = months;
    const { monthKey, countryFirstMonth } = this.layout;
    const end = countryFirstMonth[rank + 1];
    // The country's months with keys in [firstKey, lastKey]: [m, stop). Only the two ends can be
    // cut; the whole months between are added in one call.
    let m = lowerBoundInt(monthKey, countryFirstMonth[rank], end, firstKey);
    const stop = lowerBoundInt(monthKey, m, end, lastKey + 1);
    if (m < stop && monthKey[m] === firstKey && months.firstCut) {
      this.collectDays(g, m++, rank, from, to);
    }
    let wholeEnd = stop;
    if (m < stop && monthKey[stop - 1] === lastKey && months.lastCut) {
      wholeEnd--;
    }
    this.runs.addMonths(g, m, wholeEnd, rank, this.monthTotals);
    if (wholeEnd < stop) {
      this.collectDays(g, wholeEnd, rank, from, to);
    }
  }

  /** Adds the day runs of month partition m dated within [from, to] to group g. */
  private collectDays(g: number, m: number, rank: number, from: number, to: number): void {
    const { monthFirstDay, dayNumber } = this.layout;
    for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
      const day = dayNumber[p];
      if (day >= from && day <= to) {
        this.addDayRun(g, p, rank);
      }
    }
  }

  /** Adds day partition p, of country `rank`, to group g. */
  private addDayRun(g: number, p: number, rank: number): void {
    const { dayStart, daySum, dayMean, dayM2, values } = this.layout;
    const start = dayStart[p];
    const stop = dayStart[p + 1];
    this.runs.addDay(
      g,
      p,
      rank,
      stop - start,
      daySum[p],
      dayMean[p],
      dayM2[p],
      values[start],
      values[stop - 1],
    );
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
    fiscalYearStart: number,
    slots: Int32Array | null,
  ): void {
    const layout = this.layout;
    const runs = this.runs;
    if (layout.rowCount === 0 || fromDay > toDay) {
      return;
    }
    const firstKey = fromDay === Number.NEGATIVE_INFINITY ? fromDay : monthKeyOfDay(fromDay);
    const lastKey = toDay === Number.POSITIVE_INFINITY ? toDay : monthKeyOfDay(toDay);
    // ISO weeks cut across months, so a week split reads day runs only.
    const weeks = unit === 'week';
    const { monthKey, countryFirstMonth, monthFirstDay, dayNumber } = layout;
    this.currentGroup = -1;
    this.periodGroups.clear();

    const totals = this.monthTotals;
    for (const rank of ranks) {
      const slot = slots === null ? rank : slots[rank];
      // Consecutive whole months of one group are added as one span, when the group changes or
      // before any day run.
      let spanGroup = -1;
      let spanFrom = 0;
      let spanTo = 0;
      const end = countryFirstMonth[rank + 1];
      let m = lowerBoundInt(monthKey, countryFirstMonth[rank], end, firstKey);
      for (; m < end && monthKey[m] <= lastKey; m++) {
        const key = monthKey[m];
        const year = Math.floor(key / 12);
        if (
          years !== null &&
          !years.has(fiscalYearStart === 1 ? year : fiscalYearOfMonthKey(key, fiscalYearStart))
        ) {
          continue;
        }
        const period = unit === null || weeks ? 0 : periodOfMonthKey(key, unit, fiscalYearStart);
        // Only the months holding the range's ends can be cut.
        let whole = !weeks;
        if (whole && (key === firstKey || key === lastKey)) {
          const month = key - year * 12 + 1;
          const monthFirst = toDayNumber(year, month, 1);
          whole = fromDay <= monthFirst && monthFirst + daysInMonth(year, month) - 1 <= toDay;
        }
        if (whole) {
          const g = this.groupOf(byCountry, slot, rank, period);
          if (g !== spanGroup || m !== spanTo) {
            if (spanGroup >= 0) {
              runs.addMonths(spanGroup, spanFrom, spanTo, rank, totals);
            }
            spanGroup = g;
            spanFrom = m;
          }
          spanTo = m + 1;
          continue;
        }
        if (spanGroup >= 0) {
          runs.addMonths(spanGroup, spanFrom, spanTo, rank, totals);
          spanGroup = -1;
        }
        for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
          const day = dayNumber[p];
          if (day >= fromDay && day <= toDay) {
            const g = this.groupOf(byCountry, slot, rank, weeks ? weekOfDay(day) : period);
            this.addDayRun(g, p, rank);
          }
        }
      }
      if (spanGroup >= 0) {
        runs.addMonths(spanGroup, spanFrom, spanTo, rank, totals);
      }
    }
  }

  /**
   * The group a run of country `rank` (shown as `slot`: itself, or OTHER) in `period` belongs to,
   * created on its first run.
   */
  private groupOf(byCountry: boolean, slot: number, rank: number, period: number): number {
    const runs = this.runs;
    const current = this.currentGroup;
    if (byCountry && slot === rank) {
      // Countries come in rank order and months in key order, so a group's runs are consecutive.
      if (current >= 0 && runs.country[current] === rank && runs.period[current] === period) {
        return current;
      }
      return (this.currentGroup = runs.addGroup(rank, rank, period));
    }
    const country = byCountry ? slot : -1;
    if (current >= 0 && runs.country[current] === country && runs.period[current] === period) {
      return current;
    }
    let g = this.periodGroups.get(period);
    if (g === undefined) {
      g = runs.addGroup(country, rank, period);
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

  /** Group g's quantile q, the answer's metric j. */
  private quantileOf(g: number, q: number, j: number): number {
    const { lower, weight } = quantileRank(this.runs.rows[g], q);
    const preset = this.presetPairs;
    if (preset !== null) {
      const at = 2 * (j * this.runs.groupCount + g);
      if (!Number.isNaN(preset[at])) {
        return this.interpolate(preset[at], preset[at + 1], weight);
      }
    }
    const pair = this.orderPair(g, lower);
    return this.interpolate(pair[0], pair[1], weight);
  }

  /**
   * Selects, before the groups are measured, the pairs of every quantile metric for each group of
   * `groups` that reads one span of whole months of one indexed country, in runs of consecutive
   * groups of the same country (`ValueBuckets.selectInMonthSpans`): the windows and running
   * totals of one country slide over the same months. Pairs go to `presetPairs` at
   * 2 × (metric × groupCount + group); NaN leaves a group to `orderPair`.
   */
  private presetQuantilePairs(groups: readonly number[], metrics: readonly MetricSpec[]): void {
    this.presetPairs = null;
    if (!metrics.some((metric) => metric.kind === 'quantile')) {
      return;
    }
    const runs = this.runs;
    const groupCount = runs.groupCount;
    const preset = new Float64Array(2 * metrics.length * groupCount).fill(Number.NaN);
    const batch = this.spanBatch;
    batch.reserve(groups.length);
    const pairs = new Float64Array(2 * groups.length);
    // Selected in stored numbers (see `ColumnarLayout.values`), kept as values.
    const { valueScale } = this.layout;
    metrics.forEach((metric, j) => {
      if (metric.kind !== 'quantile') {
        return;
      }
      for (let i = 0; i < groups.length;) {
        const rank = this.wholeMonthSpanSource(groups[i]);
        if (rank < 0) {
          i++;
          continue;
        }
        let count = 0;
        let end = i;
        for (; end < groups.length && this.wholeMonthSpanSource(groups[end]) === rank; end++) {
          const g = groups[end];
          const entry = runs.firstEntry[g];
          batch.from[count] = runs.entryFrom[entry];
          batch.to[count] = runs.entryTo[entry];
          batch.k[count] = quantileRank(runs.rows[g], metric.q).lower;
          batch.min[count] = runs.min[g];
          batch.max[count++] = runs.max[g];
        }
        this.buckets.selectInMonthSpans(rank, batch, count, pairs);
        for (let at = 0; i < end; i++, at += 2) {
          const to = 2 * (j * groupCount + groups[i]);
          preset[to] = pairs[at] / valueScale;
          preset[to + 1] = pairs[at + 1] / valueScale;
        }
      }
    });
    this.presetPairs = preset;
  }

  /**
   * The country whose rows group g holds when they are one span of whole months and that country
   * has value buckets; -1 otherwise.
   */
  private wholeMonthSpanSource(g: number): number {
    const runs = this.runs;
    const entry = runs.firstEntry[g];
    const source = runs.source[g];
    return entry >= 0 &&
      entry === runs.lastEntry[g] &&
      runs.entryFrom[entry] >= 0 &&
      source !== SEVERAL_COUNTRIES &&
      this.buckets.width[source] > 0
      ? source
      : -1;
  }

  /** Group g's k-th smallest value and the next one (see `selectPair`), in `this.pair`. */
  private orderPair(g: number, lower: number): Float64Array {
    const pair = this.storedOrderPair(g, lower);
    const { valueScale } = this.layout;
    pair[0] /= valueScale;
    pair[1] /= valueScale;
    return pair;
  }

  /** `orderPair` in stored numbers (see `ColumnarLayout.values`). */
  private storedOrderPair(g: number, lower: number): Float64Array {
    const runs = this.runs;
    const { values, dayStart } = this.layout;
    const monthStart = this.months.start;
    const pair = this.pair;
    if (runs.isSingleRun(g)) {
      const from = runs.entryFrom[runs.firstEntry[g]];
      const start = from >= 0 ? monthStart[from] : dayStart[-1 - from];
      const end = from >= 0 ? monthStart[from + 1] : dayStart[-from];
      const at = start + lower;
      pair[0] = values[at];
      pair[1] = values[Math.min(at + 1, end - 1)];
      return pair;
    }
    const source = runs.source[g];
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
      return pair;
    }
    if (source === SEVERAL_COUNTRIES) {
      this.buckets.selectKthAndNextAcross(
        this.spansAcross(g),
        lower,
        runs.min[g],
        runs.max[g],
        pair,
      );
      return pair;
    }
    // A country too small to index: select across its runs.
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
    pair[0] = a;
    pair[1] = b;
    return pair;
  }

  /**
   * A quantile between two order statistics: exact for decimal data (the double nearest to the
   * exact interpolation, so a median of 759.78 and 759.79 is 759.785), else `interpolate`.
   */
  private interpolate(a: number, b: number, weight: number): number {
    const exact = this.layout.exact;
    return (
      (exact === null ? null : exactInterpolation(a, b, weight, exact.scale)) ??
      interpolate(a, b, weight)
    );
  }

  /**
   * Group g's whole-month spans and day partitions, country by country, for a selection across
   * countries. A span of the group may run on from one country's months into the next's (their
   * month partitions lie back to back), so spans are cut at country boundaries.
   */
  private spansAcross(g: number): CountrySpans {
    const runs = this.runs;
    const { countryFirstMonth, monthFirstDay } = this.layout;
    const countries = this.otherRank;
    const across = this.across;
    const rangesOf = this.rangesOfCountry;
    const daysOf = this.daysOfCountry;
    rangesOf.fill(0);
    daysOf.fill(0);
    // First pass: how many spans and days each country has.
    let ranges = 0;
    let days = 0;
    for (let entry = runs.firstEntry[g]; entry >= 0; entry = runs.nextEntry[entry]) {
      const from = runs.entryFrom[entry];
      if (from < 0) {
        daysOf[upperBoundInt(countryFirstMonth, upperBoundInt(monthFirstDay, -1 - from) - 1) - 1]++;
        days++;
      } else {
        for (let m = from; m < runs.entryTo[entry];) {
          const rank = upperBoundInt(countryFirstMonth, m) - 1;
          rangesOf[rank]++;
          ranges++;
          m = Math.min(runs.entryTo[entry], countryFirstMonth[rank + 1]);
        }
      }
    }
    let parts = 0;
    for (let rank = 0; rank < countries; rank++) {
      if (rangesOf[rank] + daysOf[rank] > 0) {
        parts++;
      }
    }
    across.reserve(parts, ranges, days);
    // Second pass: each country's slots, then the spans and days in entry order.
    const rangeAt = this.rangeCursor;
    const dayAt = this.dayCursor;
    let part = 0;
    let rangeTotal = 0;
    let dayTotal = 0;
    for (let rank = 0; rank < countries; rank++) {
      if (rangesOf[rank] + daysOf[rank] > 0) {
        across.rank[part] = rank;
        across.rangeStart[part] = rangeTotal;
        across.dayStart[part] = dayTotal;
        rangeAt[rank] = rangeTotal;
        dayAt[rank] = dayTotal;
        rangeTotal += rangesOf[rank];
        dayTotal += daysOf[rank];
        part++;
      }
    }
    across.rangeStart[part] = rangeTotal;
    across.dayStart[part] = dayTotal;
    across.countryCount = parts;
    for (let entry = runs.firstEntry[g]; entry >= 0; entry = runs.nextEntry[entry]) {
      const from = runs.entryFrom[entry];
      if (from < 0) {
        const p = -1 - from;
        const rank = upperBoundInt(countryFirstMonth, upperBoundInt(monthFirstDay, p) - 1) - 1;
        across.days[dayAt[rank]++] = p;
      } else {
        for (let m = from; m < runs.entryTo[entry];) {
          const rank = upperBoundInt(countryFirstMonth, m) - 1;
          const to = Math.min(runs.entryTo[entry], countryFirstMonth[rank + 1]);
          across.monthFrom[rangeAt[rank]] = m;
          across.monthTo[rangeAt[rank]++] = to;
          m = to;
        }
      }
    }
    return across;
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

/** A table's index as plain data: its layout and its value buckets' arrays. */
export interface TableIndex {
  readonly layout: ColumnarLayout;
  readonly buckets: BucketParts;
}

/**
 * The buffers of an index that are not on shared memory (its value buckets): a thread posting the
 * index moves them, rather than copying them.
 */
export function movableBuffersOf(index: TableIndex): ArrayBuffer[] {
  return Object.values(index.buckets).map(
    (array: Uint32Array | Float64Array) => array.buffer as ArrayBuffer,
  );
}

/** What `extend` needs of a query beyond its shown groups. */
interface ExtensionPlan {
  readonly ranks: readonly number[];
  readonly slots: Int32Array | null;
  /** The filters' days (see `filterIntervals`). */
  readonly filter: readonly number[];
  readonly byCountry: boolean;
  readonly unit: PeriodUnit | null;
  readonly fiscalYearStart: number;
  readonly metrics: readonly MetricSpec[];
  readonly window: number | null;
  readonly cumulative: boolean;
  readonly compare: CompareMode | null;
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

/** Whether month `key` (year * 12 + month - 1) lies wholly within days [from, to]. */
/**
 * Days [from, to] (within the table's dates) as month keys [firstKey, lastKey], and whether the
 * first and last of those months are cut (not wholly within [from, to]).
 */
interface IntervalMonths {
  readonly from: number;
  readonly to: number;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly firstCut: boolean;
  readonly lastCut: boolean;
}

function isWholeMonth(key: number, from: number, to: number): boolean {
  const year = Math.floor(key / 12);
  const month = key - year * 12 + 1;
  const first = toDayNumber(year, month, 1);
  return from <= first && first + daysInMonth(year, month) - 1 <= to;
}

function isSpread(kind: MetricSpec['kind']): boolean {
  return kind === 'variance' || kind === 'stddev';
}

/** First index of the ascending `keys` whose key is > x (keys.length when none). */
function upperBoundInt(keys: Uint32Array, x: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
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
