/**
 * The metric engine: an indexed, in-memory sales table and the maths of its metrics. This file is
 * its only entry point; the rest of the application (loading in `src/data`, the HTTP-facing
 * analysis in `src/analysis`) imports the engine from here, and the engine imports neither of
 * them, nor Nest (ESLint enforces both directions).
 *
 * Use:
 * 1. `ColumnarSalesTable.build(columns)` indexes a loaded file's parallel typed columns
 *    (`SalesColumns`). It sorts, groups and totals them once and, for the first table in a
 *    process, runs warm-up queries so that real ones start on compiled code.
 * 2. `table.query(query)` answers one normalised `DatasetQuery` (validated country codes, years,
 *    day bounds, split, `MetricSpec`s from `parseMetricName`) with a fresh `DatasetQueryResult`.
 * 3. Live data: `LayeredSalesTable.of(main).withDelta(ColumnarSalesTable.build(upload))` makes a
 *    new version in milliseconds, answered exactly as one table of all its rows (or null for the
 *    queries that need that table); `new TableMerger().merge(layered.parts)` builds that table on
 *    a worker thread, and `layered.rebasedOn(merged, n)` swaps it in.
 *
 * Other backends (ClickHouse) answer the same `DatasetQuery` and share the quantile rule
 * (`quantileRank`, `interpolate`) and the day intervals of windows, running totals and comparisons
 * (`period-intervals.ts`), so every backend interpolates and compares alike.
 *
 * Concurrency contract: a query reuses scratch buffers instead of allocating. Some belong to the
 * table, others (the quantile selection's) are shared by every table on the thread. They are safe
 * only because `query()` is synchronous: it never awaits, so no other query can start before it
 * returns. Keep it synchronous; a query path that yields (or a table shared between threads)
 * would need its own scratch per query. The returned result shares nothing with that scratch.
 */
export {
  ColumnarSalesTable,
  movableBuffersOf,
  type TableIndex,
} from 'src/engine/columnar/columnar-sales-table';
export { LayeredSalesTable } from 'src/engine/layered/layered-sales-table';
export { TableMerger } from 'src/engine/workers/table-merger';
export {
  OTHER_COUNTRY,
  type Arithmetic,
  type CompareMode,
  type DatasetQuery,
  type DatasetQueryResult,
  type PeriodUnit,
  type ResultGroup,
} from 'src/engine/dataset-query';
export { computeMetrics, interpolate, quantileRank } from 'src/engine/metrics/metric-math';
export {
  clipIntervals,
  comparisonIntervals,
  filteredSpan,
  filterIntervals,
} from 'src/engine/columnar/period-intervals';
export { MAX_EXACT_FRACTION_DIGITS, roundedRatio } from 'src/engine/metrics/exact-decimal';
export {
  METRIC_NAMES_DESCRIPTION,
  parseMetricName,
  type MetricSpec,
} from 'src/engine/metrics/metric-names';
export type { BucketTuning } from 'src/engine/columnar/value-buckets';
export type { SalesColumns } from 'src/engine/sales-columns';
export { concatSalesColumns } from 'src/engine/sales-columns-concat';
