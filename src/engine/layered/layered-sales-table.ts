import type { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import {
  OTHER_COUNTRY,
  type Arithmetic,
  type DatasetQuery,
  type DatasetQueryResult,
  type ResultGroup,
} from 'src/engine/dataset-query';
import {
  MAX_EXACT_SCALED_VALUE,
  MAX_EXACT_SQUARES,
  exactInterpolation,
  exactQuotient,
  exactVariance,
} from 'src/engine/metrics/exact-decimal';
import { interpolate, quantileRank } from 'src/engine/metrics/metric-math';
import { periodOfDay } from 'src/common/calendar/periods';
import type { MetricSpec } from 'src/engine/metrics/metric-names';
import type { GroupPartial, TableExactness } from 'src/engine/layered/table-partials';

/** The exact-decimal settings a table built from all the layers' rows would have. */
interface MergedExactness {
  readonly scale: number;
  readonly squares: boolean;
}

/**
 * A dataset version as a main table plus small delta tables (one per upload since the last
 * merge), answered as the one table holding all their rows would answer, to the bit:
 * - counts, extremes, and exact Σk and Σk² add across layers (rescaled to the merged decimal scale),
 *   and the metrics come from those sums by the same correctly rounded functions;
 * - a quantile selects its order statistics across the main table's sorted runs and the deltas'
 *   values: each delta value's place among all is found by counting the main runs' values at most
 *   it (a binary search per run), so only the main table's own selection runs over its rows.
 *
 * - a window, running total or comparison does the same per shown group over the rows it covers:
 *   the groups come from the layers' own answers, then each layer collects, for each of them,
 *   its rows in the window, up to the period's end, or in the comparison days.
 *
 * Datasets in floating-point arithmetic (whose sums depend on the order rows are added in), and
 * spreads without exact squares, need the merged table: `query` returns null for them.
 */
export class LayeredSalesTable {
  readonly rowCount: number;
  private readonly layers: readonly ColumnarSalesTable[];
  private readonly exact: MergedExactness | null;

  private constructor(
    readonly main: ColumnarSalesTable,
    readonly deltas: readonly ColumnarSalesTable[],
  ) {
    this.layers = [main, ...deltas];
    this.rowCount = this.layers.reduce((rows, layer) => rows + layer.rowCount, 0);
    this.exact = mergedExactness(
      this.layers.filter((layer) => layer.rowCount > 0).map((layer) => layer.exactness()),
      this.rowCount,
    );
  }

  static of(main: ColumnarSalesTable): LayeredSalesTable {
    return new LayeredSalesTable(main, []);
  }

  /** This version with one more delta on top. */
  withDelta(delta: ColumnarSalesTable): LayeredSalesTable {
    return new LayeredSalesTable(this.main, [...this.deltas, delta]);
  }

  /**
   * This version after a merge of its main table and its first `mergedDeltas` deltas into `main`:
   * the same rows, fewer layers.
   */
  rebasedOn(main: ColumnarSalesTable, mergedDeltas: number): LayeredSalesTable {
    return new LayeredSalesTable(main, this.deltas.slice(mergedDeltas));
  }

  /**
   * This version with `count` of its deltas, from the `first`, replaced by `combined`, the table
   * of their rows: the same rows, fewer layers.
   */
  withCombinedDeltas(
    first: number,
    count: number,
    combined: ColumnarSalesTable,
  ): LayeredSalesTable {
    const deltas = this.deltas;
    return new LayeredSalesTable(this.main, [
      ...deltas.slice(0, first),
      combined,
      ...deltas.slice(first + count),
    ]);
  }

  /** Main table and deltas, oldest first. */
  get parts(): readonly ColumnarSalesTable[] {
    return this.layers;
  }

  /** Rows per country, ordered by country code; countries without rows are left out. */
  countryRows(): { code: string; rows: number }[] {
    const rows = new Map<string, number>();
    for (const layer of this.layers) {
      for (const { code, rows: count } of layer.countryRows()) {
        rows.set(code, (rows.get(code) ?? 0) + count);
      }
    }
    return [...rows.keys()].sort().map((code) => ({ code, rows: rows.get(code) as number }));
  }

  /** First and last sale day, or null without rows. */
  dayRange(): { fromDay: number; toDay: number } | null {
    let range: { fromDay: number; toDay: number } | null = null;
    for (const layer of this.layers) {
      const own = layer.dayRange();
      if (own !== null) {
        range =
          range === null
            ? own
            : {
                fromDay: Math.min(range.fromDay, own.fromDay),
                toDay: Math.max(range.toDay, own.toDay),
              };
      }
    }
    return range;
  }

  /** Calendar years that have at least one sale, ascending. */
  years(): number[] {
    const years = new Set(this.layers.flatMap((layer) => layer.years()));
    return [...years].sort((a, b) => a - b);
  }

  /** The arithmetic of the merged table (see `ColumnarSalesTable.arithmetic`). */
  arithmetic(): Arithmetic {
    if (this.deltas.length === 0) {
      return this.main.arithmetic();
    }
    return this.exact === null ? 'float' : 'exact-decimal';
  }

  /**
   * The answer the merged table would give, or null when this query needs the merged table (see
   * the class comment). Synchronous, like every engine query.
   */
  query(query: DatasetQuery): DatasetQueryResult | null {
    if (this.deltas.length === 0) {
      return this.main.query(query);
    }
    if (!this.combinable(query)) {
      return null;
    }
    return this.combine(query, this.exact as MergedExactness);
  }

  private combinable(query: DatasetQuery): boolean {
    const exact = this.exact;
    if (exact === null) {
      return false;
    }
    return (
      exact.squares || !query.metrics.some(({ kind }) => kind === 'variance' || kind === 'stddev')
    );
  }

  private combine(query: DatasetQuery, exact: MergedExactness): DatasetQueryResult {
    const unit = query.period;
    const window = unit === null ? null : (query.window ?? null);
    const cumulative = unit !== null && query.cumulative === true;
    const compare = query.compare ?? null;
    const extended = window !== null || cumulative;
    // A window or running total replaces the groups' own values, which are then not measured.
    const { matchedRows, groups: shown } = this.combineShown(query, exact, !extended);
    if (!extended && compare === null) {
      return { matchedRows, groups: shown };
    }
    const keys = shown.map(({ country, period }) => ({ country, period }));
    const current = extended
      ? keys.map(({ country, period }) => new CombinedGroup(country, period))
      : null;
    const previous =
      compare === null
        ? null
        : keys.map(({ country, period }) => new CombinedGroup(country, period));
    for (const layer of this.layers) {
      if (layer.rowCount === 0) {
        continue;
      }
      const factor = this.factorOf(layer, exact);
      layer.extensionPartials(query, keys).forEach((partial, i) => {
        if (current !== null && partial.current !== null && partial.current.rows > 0) {
          current[i].add(layer, partial.current, factor);
        }
        if (previous !== null && partial.previous !== null && partial.previous.rows > 0) {
          previous[i].add(layer, partial.previous, factor);
        }
      });
    }
    const range = window === null || unit === null ? null : this.dayRange();
    const span =
      range === null || unit === null
        ? null
        : {
            first: periodOfDay(range.fromDay, unit, query.fiscalYearStart ?? 1),
            last: periodOfDay(range.toDay, unit, query.fiscalYearStart ?? 1),
          };
    const groups = shown.map((group, i): ResultGroup => {
      const own = current?.[i];
      const earlier = previous !== null && previous[i].rows > 0 ? previous[i] : undefined;
      const result: { -readonly [K in keyof ResultGroup]: ResultGroup[K] } = {
        country: group.country,
        period: group.period,
        rows: own === undefined ? group.rows : own.rows,
        values:
          own === undefined
            ? group.values
            : query.metrics.map((metric) => own.metric(metric, exact)),
      };
      if (own !== undefined && span !== null && window !== null && group.period !== null) {
        const key = group.period;
        result.windowPeriods = Math.max(
          0,
          Math.min(key, span.last) - Math.max(key - window + 1, span.first) + 1,
        );
      }
      if (earlier !== undefined) {
        result.previous = {
          rows: earlier.rows,
          values: query.metrics.map((metric) => earlier.metric(metric, exact)),
        };
      }
      return result;
    });
    return { matchedRows, groups };
  }

  /** Exact totals of a layer with fewer fraction digits gain the missing powers of ten. */
  private factorOf(layer: ColumnarSalesTable, exact: MergedExactness): bigint {
    const own = layer.exactness() as TableExactness;
    return BigInt(Math.round(exact.scale / own.scale));
  }

  /** The groups the query shows (its window, running totals and comparison left out). */
  private combineShown(
    query: DatasetQuery,
    exact: MergedExactness,
    measure: boolean,
  ): DatasetQueryResult {
    const groups = new Map<string, CombinedGroup>();
    let matchedRows = 0;
    for (const layer of this.layers) {
      if (layer.rowCount === 0) {
        continue;
      }
      const partials = layer.partials(query);
      matchedRows += partials.matchedRows;
      const factor = this.factorOf(layer, exact);
      for (const partial of partials.groups) {
        const key = `${partial.country}\u0000${partial.period}`;
        let group = groups.get(key);
        if (group === undefined) {
          group = new CombinedGroup(partial.country, partial.period);
          groups.set(key, group);
        }
        group.add(layer, partial, factor);
      }
    }
    const ordered = [...groups.values()].sort(compareGroups);
    return {
      matchedRows,
      groups: ordered.map((group): ResultGroup => ({
        country: group.country,
        period: group.period,
        rows: group.rows,
        values: measure ? query.metrics.map((metric) => group.metric(metric, exact)) : [],
      })),
    };
  }
}

/**
 * The merged table's exactness, by the rule its build applies: every layer exact, the most
 * fraction digits of any, the largest scaled value within bounds; Σk² kept while n·(largest·scale)²
 * stays below the bound.
 */
function mergedExactness(
  layers: readonly (TableExactness | null)[],
  rows: number,
): MergedExactness | null {
  if (layers.length === 0 || layers.some((layer) => layer === null)) {
    return null;
  }
  const exact = layers as readonly TableExactness[];
  const scale = Math.max(...exact.map((layer) => layer.scale));
  const largest = Math.max(...exact.map((layer) => layer.largest));
  if (largest * scale > MAX_EXACT_SCALED_VALUE) {
    return null;
  }
  return { scale, squares: rows * (largest * scale) ** 2 < MAX_EXACT_SQUARES };
}

/** Country order of the answers (OTHER last), then period. */
function compareGroups(a: CombinedGroup, b: CombinedGroup): number {
  if (a.country !== b.country) {
    if (a.country === OTHER_COUNTRY) {
      return 1;
    }
    if (b.country === OTHER_COUNTRY) {
      return -1;
    }
    return (a.country ?? '') < (b.country ?? '') ? -1 : 1;
  }
  return (a.period ?? 0) - (b.period ?? 0);
}

/** One answer group's totals over every layer, and where its rows lie in each. */
class CombinedGroup {
  rows = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0n;
  squares = 0n;
  private readonly sources: { table: ColumnarSalesTable; handle: number; rows: number }[] = [];

  constructor(
    readonly country: string | null,
    readonly period: number | null,
  ) {}

  add(table: ColumnarSalesTable, partial: GroupPartial, factor: bigint): void {
    this.rows += partial.rows;
    this.min = Math.min(this.min, partial.min);
    this.max = Math.max(this.max, partial.max);
    this.sum += (BigInt(partial.sumHi) + BigInt(partial.sumLo)) * factor;
    this.squares += (BigInt(partial.squaresHi) + BigInt(partial.squaresLo)) * factor * factor;
    this.sources.push({ table, handle: partial.handle, rows: partial.rows });
  }

  metric(metric: MetricSpec, exact: MergedExactness): number | null {
    const count = this.rows;
    switch (metric.kind) {
      case 'count':
        return count;
      case 'min':
        return this.min;
      case 'max':
        return this.max;
      case 'sum':
        return exactQuotient(...doubleDouble(this.sum), exact.scale);
      case 'mean':
        return exactQuotient(...doubleDouble(this.sum), count * exact.scale);
      case 'variance':
      case 'stddev': {
        const variance = exactVariance(
          count,
          ...doubleDouble(this.sum),
          ...doubleDouble(this.squares),
          exact.scale,
        );
        return metric.kind === 'stddev' && variance !== null ? Math.sqrt(variance) : variance;
      }
      case 'quantile': {
        const { lower, weight } = quantileRank(count, metric.q);
        const a = this.valueAt(lower);
        const b = lower + 1 < count ? this.valueAt(lower + 1) : a;
        return exactInterpolation(a, b, weight, exact.scale) ?? interpolate(a, b, weight);
      }
    }
  }

  /** Deltas' values, sorted, gathered on the first quantile. */
  private others: Float64Array | null = null;

  /**
   * The r-th smallest value (0-based) of the group. The largest source selects in its own runs;
   * the others' values (few: deltas) are sorted together, and the t-th of them stands at place
   * t + (the largest source's values ≤ it) among all, ties going to the largest source first.
   */
  private valueAt(r: number): number {
    const sources = this.sources;
    let largest = sources[0];
    for (const source of sources) {
      if (source.rows > largest.rows) {
        largest = source;
      }
    }
    if (sources.length === 1) {
      return largest.table.selectPair(largest.handle, r)[0];
    }
    let others = this.others;
    if (others === null) {
      const gathered = sources
        .filter((source) => source !== largest)
        .map(({ table, handle }) => table.groupValues(handle));
      others = new Float64Array(gathered.reduce((n, part) => n + part.length, 0));
      let at = 0;
      for (const part of gathered) {
        others.set(part, at);
        at += part.length;
      }
      others.sort();
      this.others = others;
    }
    const { table, handle } = largest;
    // j: how many of the others stand at places ≤ r (their places increase with t).
    let lo = 0;
    let hi = others.length;
    while (lo < hi) {
      const t = (lo + hi) >>> 1;
      if (t + table.countAtMost(handle, others[t]) <= r) {
        lo = t + 1;
      } else {
        hi = t;
      }
    }
    const j = lo;
    if (j > 0 && j - 1 + table.countAtMost(handle, others[j - 1]) === r) {
      return others[j - 1];
    }
    return table.selectPair(handle, r - j)[0];
  }
}

/** An integer as a double-double word (hi + lo, |lo| ≤ ulp(hi) / 2), as the exact functions take. */
function doubleDouble(value: bigint): [number, number] {
  const hi = Number(value);
  return [hi, Number(value - BigInt(hi))];
}
