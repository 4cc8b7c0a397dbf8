import fc from 'fast-check';
import type { AnalysisRequest } from 'src/analysis/analysis-request';
import type { GroupByKey } from 'src/analysis/dto/analysis-query.dto';
import { formatIsoDate, toDayNumber } from 'src/common/calendar/day-number';
import { ColumnarSalesTable, type BucketTuning, type DatasetQuery } from 'src/engine';
import { DatasetRepository, type DatasetSummary } from 'src/data/dataset.repository';
import type { NaiveDataset, NaivePeriod, NaiveQuery, NaiveRow } from 'test/support/naive-sales';

/**
 * Random datasets and analysis requests for the property tests that compare the service over the
 * indexed engine with the naive reference (`naive-sales.ts`).
 */

export const COUNTRIES = ['AR', 'BR', 'CL', 'UY', 'MX'];
const FIRST_DAY = toDayNumber(2019, 1, 1);
const LAST_DAY = toDayNumber(2021, 12, 31);
/** Days every dataset may draw from besides its clusters: leap days, year ends, week 53. */
const EDGE_DAYS = [
  toDayNumber(2020, 2, 28),
  toDayNumber(2020, 2, 29),
  toDayNumber(2020, 3, 1),
  toDayNumber(2019, 2, 28),
  toDayNumber(2021, 2, 28),
  toDayNumber(2020, 12, 28),
  toDayNumber(2020, 12, 31),
  toDayNumber(2021, 1, 3),
  toDayNumber(2021, 1, 4),
  toDayNumber(2019, 12, 30),
  toDayNumber(2021, 6, 30),
  toDayNumber(2021, 7, 1),
];

export interface Sale<V = number> {
  readonly country: string;
  readonly day: number;
  readonly value: V;
}

/**
 * Sales on a few clusters of days (so many periods have no rows), plus leap days, year ends and
 * ISO week 53 (2020-W53 runs from 2020-12-28 to 2021-01-03), with values drawn from `value`.
 */
export function salesArbitrary<V>(
  value: fc.Arbitrary<V>,
  { minRows = 1, maxRows = 120 } = {},
): fc.Arbitrary<Sale<V>[]> {
  return fc
    .record({
      countries: fc.subarray(COUNTRIES, { minLength: 1 }),
      clusters: fc.array(
        fc.record({
          start: fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
          length: fc.integer({ min: 1, max: 150 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .chain(({ countries, clusters }) =>
      fc.array(
        fc.record({
          country: fc.constantFrom(...countries),
          day: fc.oneof(
            fc.constantFrom(...EDGE_DAYS),
            fc
              .record({ cluster: fc.constantFrom(...clusters), offset: fc.nat({ max: 149 }) })
              .map(({ cluster, offset }) =>
                Math.min(LAST_DAY, cluster.start + (offset % cluster.length)),
              ),
          ),
          value,
        }),
        { minLength: minRows, maxLength: maxRows },
      ),
    );
}

const isoDay = fc
  .integer({ min: FIRST_DAY - 40, max: LAST_DAY + 40 })
  .map((day) => formatIsoDate(day));

/** Valid requests over `metrics`, with every grouping, filter and analysis v2 extension. */
export function requestArbitrary(metrics: readonly string[]): fc.Arbitrary<AnalysisRequest> {
  return fc
    .record({
      metrics: fc.uniqueArray(fc.constantFrom(...metrics), { minLength: 1, maxLength: 3 }),
      countries: fc.option(fc.subarray(COUNTRIES, { minLength: 1 }), { nil: undefined }),
      years: fc.option(
        fc.uniqueArray(fc.integer({ min: 2018, max: 2022 }), { minLength: 1, maxLength: 3 }),
        {
          nil: undefined,
        },
      ),
      from: fc.option(isoDay, { nil: undefined }),
      to: fc.option(isoDay, { nil: undefined }),
      byCountry: fc.boolean(),
      period: fc.constantFrom<NaivePeriod | null>(null, 'year', 'quarter', 'month', 'week'),
      fiscalYearStart: fc.constantFrom(undefined, 1, 2, 4, 7, 12),
      extension: fc.constantFrom('none', 'compare', 'window', 'cumulative'),
      compare: fc.constantFrom('previous_period' as const, 'previous_year' as const),
      window: fc.integer({ min: 2, max: 8 }),
      share: fc.boolean(),
      top: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      rankBy: fc.nat({ max: 2 }),
    })
    .map((drawn) => {
      const [from, to] =
        drawn.from !== undefined && drawn.to !== undefined && drawn.from > drawn.to
          ? [drawn.to, drawn.from]
          : [drawn.from, drawn.to];
      const groupBy: GroupByKey[] = [
        ...(drawn.byCountry ? (['country'] as const) : []),
        ...(drawn.period ? [drawn.period] : []),
      ];
      const ranged = (from !== undefined && to !== undefined) || drawn.years !== undefined;
      const compare =
        drawn.extension === 'compare' && (drawn.period !== null || ranged)
          ? drawn.compare
          : undefined;
      return {
        metrics: drawn.metrics,
        countries: drawn.countries,
        years: drawn.years,
        from,
        to,
        groupBy: groupBy.length > 0 ? groupBy : (['none'] as GroupByKey[]),
        fiscalYearStart: drawn.fiscalYearStart,
        compare,
        window: drawn.extension === 'window' && drawn.period ? drawn.window : undefined,
        cumulative: drawn.extension === 'cumulative' && drawn.period ? true : undefined,
        share: drawn.share || undefined,
        top: drawn.byCountry ? drawn.top : undefined,
        rankBy:
          drawn.byCountry && drawn.top !== undefined
            ? drawn.metrics[drawn.rankBy % drawn.metrics.length]
            : undefined,
      };
    });
}

export function naiveDatasetOf(sales: readonly Sale[]): NaiveDataset {
  const rows: NaiveRow[] = sales.map(({ country, day, value }) => {
    const iso = formatIsoDate(day);
    return { country, value, year: Number(iso.slice(0, 4)), month: Number(iso.slice(5, 7)), iso };
  });
  return { rows, rejected: 0, countries: [...new Set(rows.map((row) => row.country))].sort() };
}

/**
 * An indexed table of `sales`, built from columns as the loader hands them over; `tuning` shrinks
 * the value buckets' limits so that small datasets reach their selections.
 */
export function tableOf(sales: readonly Sale[], tuning?: BucketTuning): ColumnarSalesTable {
  const countries = [...new Set(sales.map((sale) => sale.country))];
  return ColumnarSalesTable.build(
    {
      rowCount: sales.length,
      countries,
      countryCodes: Uint16Array.from(sales, (sale) => countries.indexOf(sale.country)),
      days: Int32Array.from(sales, (sale) => sale.day),
      values: Float64Array.from(sales, (sale) => sale.value),
    },
    tuning,
  );
}

/** A repository over one in-memory table, as the CSV repository serves it. */
export function repositoryOf(table: ColumnarSalesTable): DatasetRepository {
  const range = table.dayRange();
  const summary: DatasetSummary = {
    name: 'sales',
    rows: table.rowCount,
    countries: table.countryRows(),
    dateRange: range
      ? { from: formatIsoDate(range.fromDay), to: formatIsoDate(range.toDay) }
      : null,
    years: table.years(),
    loadedAt: '2026-01-01T00:00:00.000Z',
    source: 'sales.csv',
    sha256: '',
    version: '0000000000000000',
    rejectedRows: 0,
    rejectedExamples: [],
    arithmetic: table.arithmetic(),
  };
  return {
    list: () => Promise.resolve([summary]),
    summary: () => Promise.resolve(summary),
    query: (_name: string, query: DatasetQuery) => Promise.resolve(table.query(query)),
    loadedRows: () => table.rowCount,
    versionOf: () => Promise.resolve(summary.version),
    catalogueVersion: () => Promise.resolve(summary.version),
    backends: () => Promise.resolve([]),
  };
}

/**
 * A drawn request as the service receives it (countries the dataset lacks left out, and no
 * country list when none is left) and the same request for the naive reference.
 */
export function askedAndNaive(
  request: AnalysisRequest,
  dataset: NaiveDataset,
): { asked: AnalysisRequest; naive: NaiveQuery } {
  const known = new Set(dataset.countries);
  const countries = request.countries?.filter((code) => known.has(code));
  const asked = { ...request, countries: countries?.length ? countries : undefined };
  const period = (['year', 'quarter', 'month', 'week'] as const).find((unit) =>
    asked.groupBy.includes(unit),
  );
  return {
    asked,
    naive: {
      metrics: asked.metrics,
      countries: asked.countries ?? null,
      years: asked.years ?? null,
      from: asked.from ?? null,
      to: asked.to ?? null,
      byCountry: asked.groupBy.includes('country'),
      period: period ?? null,
      fiscalYearStart: asked.fiscalYearStart,
      compare: asked.compare,
      window: asked.window,
      cumulative: asked.cumulative,
      share: asked.share,
      top: asked.top,
      rankBy: asked.rankBy,
    },
  };
}
