import type { PeriodUnit } from 'src/common/calendar/periods';
import type { MetricSpec } from 'src/engine/metrics/metric-names';

export type { PeriodUnit } from 'src/common/calendar/periods';

/**
 * How a dataset's sums, means and spreads are computed: `exact-decimal` from exact scaled-integer
 * totals (each result the correctly rounded double of the exact decimal answer), or `float`.
 */
export type Arithmetic = 'exact-decimal' | 'float';

/** What each row is compared with (see `DatasetQuery.compare`). */
export type CompareMode = 'previous_period' | 'previous_year';

/** The country key of the group that folds every country outside `DatasetQuery.keepCountries`. */
export const OTHER_COUNTRY = 'OTHER';

/**
 * A query in the one normalised form every repository understands. Requests are validated and
 * normalised once (in the analysis layer) and the repository computes the answer, so an
 * in-memory engine and a database can push the same query down to where the data lives.
 */
export interface DatasetQuery {
  /** Upper-case ISO alpha-2 codes, each present in the dataset; null means every country. */
  readonly countries: readonly string[] | null;
  /** Years to keep (fiscal years with `fiscalYearStart`); null means every year. */
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
  /**
   * First month (1–12) of the fiscal year, which names `year` and `quarter` periods and which
   * `years` filters by; absent or 1 for calendar years.
   */
  readonly fiscalYearStart?: number;
  /**
   * With a country split: the countries kept as their own groups; every other selected country
   * folds into one group named `OTHER_COUNTRY`, computed over the union of their rows.
   */
  readonly keepCountries?: readonly string[] | null;
  /**
   * With a period split: each group covers the rows of the `window` periods ending with its own
   * (the date filters choose the groups; the window looks back past them, up to the group's last
   * filtered day), and reports `windowPeriods`.
   */
  readonly window?: number | null;
  /** With a period split: each group covers every filtered row up to the end of its period. */
  readonly cumulative?: boolean;
  /**
   * Adds `previous` to every group. With a period split, the comparison period is the one before
   * (`previous_period`) or the same one a year earlier (`previous_year`), over the same days when
   * the filters cut the group's period; without one, the filtered span shifted back by its
   * length, or the same dates a year earlier (29 February → 28 February). Country filters apply;
   * date filters do not.
   */
  readonly compare?: CompareMode | null;
}

/** Period keys are the integers of `src/common/calendar/periods.ts`, so groups sort numerically. */
export interface ResultGroup {
  /** Country code (or `OTHER_COUNTRY`), or null when the query does not split by country. */
  readonly country: string | null;
  /** Encoded period key (see above), or null when the query has no period split. */
  readonly period: number | null;
  /** Rows the values cover (with a window or running totals, more than the group's own). */
  readonly rows: number;
  /** One value per `DatasetQuery.metrics` entry, same order; null where undefined (stddev of one row). */
  readonly values: readonly (number | null)[];
  /** With `compare`: the comparison rows' count and metrics; absent when there are none. */
  readonly previous?: { readonly rows: number; readonly values: readonly (number | null)[] };
  /** With `window`: how many of the window's periods lie within the dataset's date span. */
  readonly windowPeriods?: number;
}

export interface DatasetQueryResult {
  /** Rows that passed the filters, across all groups. */
  readonly matchedRows: number;
  /** Non-empty groups ordered by country (OTHER last), then period. */
  readonly groups: readonly ResultGroup[];
}
