import type { MetricSpec } from 'src/engine/metrics/metric-names';

export type PeriodUnit = 'year' | 'quarter' | 'month';

/**
 * A query in the one normalised form every repository understands. Requests are validated and
 * normalised once (in the analysis layer) and the repository computes the answer, so an
 * in-memory engine and a database can push the same query down to where the data lives.
 */
export interface DatasetQuery {
  /** Upper-case ISO alpha-2 codes, each present in the dataset; null means every country. */
  readonly countries: readonly string[] | null;
  /** Calendar years to keep; null means every year. */
  readonly years: readonly number[] | null;
  /** Inclusive bounds as day numbers (days since 1970-01-01, UTC); null means unbounded. */
  readonly fromDay: number | null;
  readonly toDay: number | null;
  /** Whether results are split by country. */
  readonly groupByCountry: boolean;
  /** Optional period split; combined with the country split when both are set. */
  readonly period: PeriodUnit | null;
  /** Metrics to compute, in the order results should list them. */
  readonly metrics: readonly MetricSpec[];
}

/**
 * Period keys are integers so that groups sort numerically:
 * year → `year`, quarter → `year * 4 + (quarter - 1)`, month → `year * 12 + (month - 1)`.
 */
export interface ResultGroup {
  /** Country code, or null when the query does not split by country. */
  readonly country: string | null;
  /** Encoded period key (see above), or null when the query has no period split. */
  readonly period: number | null;
  /** Rows in this group. */
  readonly rows: number;
  /** One value per `DatasetQuery.metrics` entry, same order; null where undefined (stddev of one row). */
  readonly values: readonly (number | null)[];
}

export interface DatasetQueryResult {
  /** Rows that passed the filters, across all groups. */
  readonly matchedRows: number;
  /** Non-empty groups ordered by country, then period. */
  readonly groups: readonly ResultGroup[];
}
