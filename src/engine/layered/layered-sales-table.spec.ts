import fc from 'fast-check';
import { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import type { DatasetQuery } from 'src/engine/dataset-query';
import { LayeredSalesTable } from 'src/engine/layered/layered-sales-table';
import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';
import type { SalesColumns } from 'src/engine/sales-columns';
import { naiveMetric } from 'test/support/naive-sales';

interface Row {
  readonly country: string;
  readonly day: number;
  readonly value: number;
}

/** Each part gets its own country dictionary, in first-seen order, as the loader makes. */
function columnsOf(rows: readonly Row[], fractionDigits?: number): SalesColumns {
  const countries: string[] = [];
  return {
    ...(fractionDigits === undefined ? {} : { fractionDigits }),
    rowCount: rows.length,
    countryCodes: Uint16Array.from(rows, ({ country }) => {
      const index = countries.indexOf(country);
      return index >= 0 ? index : countries.push(country) - 1;
    }),
    countries,
    days: Int32Array.from(rows, ({ day }) => day),
    values: Float64Array.from(rows, ({ value }) => value),
  };
}

/** What a merge does, on this thread: one table of every layer's rows. */
function mergeOf(layered: LayeredSalesTable): ColumnarSalesTable {
  return ColumnarSalesTable.build(concatSalesColumns(layered.parts.map((t) => t.toColumns())));
}

// 2023-01-01 .. 2025-12-31 as day numbers.
const FIRST_DAY = 19358;
const LAST_DAY = 20453;
const COUNTRIES = ['AR', 'CL', 'UY', 'BR'];
const METRICS = [
  'count',
  'sum',
  'mean',
  'median',
  'p10',
  'p90',
  'min',
  'max',
  'stddev',
  'variance',
];

const CENTS = fc.integer({ min: -100_000, max: 1_000_000 }).map((cents) => cents / 100);
const MILLS = fc.integer({ min: -10_000, max: 100_000 }).map((mills) => mills / 1000);
const DOUBLES = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

const rowsArbitrary = (values: fc.Arbitrary<number>, minLength: number, maxLength: number) =>
  fc.array(
    fc.record({
      country: fc.constantFrom(...COUNTRIES),
      // Clustered days, so that runs hold ties and quantiles fall between layers.
      day: fc.oneof(
        fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
        fc.integer({ min: 19800, max: 19830 }),
      ),
      value: fc.oneof(values, fc.constantFrom(0, 1.5, 2, 100)),
    }),
    { minLength, maxLength },
  );

type Step =
  | { readonly kind: 'upload'; readonly rows: readonly Row[]; readonly digits: number | undefined }
  | { readonly kind: 'merge'; readonly deltas: number }
  | { readonly kind: 'combine'; readonly first: number; readonly count: number }
  | { readonly kind: 'query'; readonly query: DatasetQuery };

const queryArbitrary: fc.Arbitrary<DatasetQuery> = fc
  .record({
    metrics: fc.subarray(METRICS, { minLength: 1 }),
    countries: fc.option(fc.subarray(COUNTRIES, { minLength: 1 }), { nil: null }),
    years: fc.option(fc.subarray([2023, 2024, 2025], { minLength: 1 }), { nil: null }),
    fromDay: fc.option(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), { nil: null }),
    span: fc.option(fc.integer({ min: 0, max: 700 }), { nil: null }),
    groupByCountry: fc.boolean(),
    period: fc.constantFrom(
      null,
      'year' as const,
      'quarter' as const,
      'month' as const,
      'week' as const,
    ),
    fiscalYearStart: fc.constantFrom(1, 1, 4, 10),
    keepCountries: fc.option(fc.subarray(COUNTRIES, { maxLength: 2 }), { nil: null }),
    window: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null, freq: 4 }),
    cumulative: fc.integer({ min: 0, max: 4 }).map((draw) => draw === 0),
    compare: fc.constantFrom(
      null,
      null,
      null,
      'previous_period' as const,
      'previous_year' as const,
    ),
  })
  .map((shape): DatasetQuery => ({
    countries: shape.countries,
    years: shape.years,
    fromDay: shape.fromDay,
    toDay: shape.fromDay !== null && shape.span !== null ? shape.fromDay + shape.span : null,
    groupByCountry: shape.groupByCountry,
    period: shape.period,
    metrics: shape.metrics.map((name) => parseMetricName(name) as MetricSpec),
    fiscalYearStart: shape.fiscalYearStart,
    keepCountries: shape.groupByCountry ? shape.keepCountries : null,
    window: shape.period === null || shape.cumulative ? null : shape.window,
    cumulative: shape.period !== null && shape.cumulative,
    compare: shape.compare,
  }));

/**
 * A base, then uploads, merges, combines of deltas and queries in a random order; each upload
 * with its own decimals.
 */
const historyArbitrary = fc.constantFrom('cents', 'mixed-decimals', 'doubles').chain((data) => {
  const values = data === 'doubles' ? fc.oneof(CENTS, DOUBLES) : CENTS;
  const digits = data === 'doubles' ? undefined : 2;
  const uploadValues = data === 'mixed-decimals' ? fc.oneof(CENTS, MILLS) : values;
  return fc.record({
    base: rowsArbitrary(values, 0, 80).map((rows) => ({ rows, digits })),
    steps: fc.array(
      fc.oneof(
        {
          weight: 3,
          arbitrary: rowsArbitrary(uploadValues, 1, 25).map((rows): Step => ({
            kind: 'upload',
            rows,
            digits:
              data === 'doubles' ? undefined : data === 'mixed-decimals' && hasMills(rows) ? 3 : 2,
          })),
        },
        {
          weight: 1,
          arbitrary: fc
            .integer({ min: 0, max: 4 })
            .map((deltas): Step => ({ kind: 'merge', deltas })),
        },
        {
          weight: 1,
          arbitrary: fc
            .record({
              first: fc.integer({ min: 0, max: 4 }),
              count: fc.integer({ min: 2, max: 4 }),
            })
            .map(({ first, count }): Step => ({ kind: 'combine', first, count })),
        },
        { weight: 4, arbitrary: queryArbitrary.map((query): Step => ({ kind: 'query', query })) },
      ),
      { minLength: 1, maxLength: 25 },
    ),
  });
});

function hasMills(rows: readonly Row[]): boolean {
  return rows.some(({ value }) => Math.round(value * 100) / 100 !== value);
}

const yearOf = (day: number): number => new Date(day * 86_400_000).getUTCFullYear();

describe(LayeredSalesTable.name, () => {
  it('should answer like one table of all the rows, after any sequence of uploads, merges, combines and queries', () => {
    let combined = 0;
    let extended = 0;
    let combines = 0;
    fc.assert(
      fc.property(historyArbitrary, ({ base, steps }) => {
        let layered = LayeredSalesTable.of(
          ColumnarSalesTable.build(columnsOf(base.rows, base.digits)),
        );
        const parts: SalesColumns[] = [columnsOf(base.rows, base.digits)];
        const all: Row[] = [...base.rows];
        for (const step of steps) {
          if (step.kind === 'upload') {
            const columns = columnsOf(step.rows, step.digits);
            parts.push(columns);
            all.push(...step.rows);
            layered = layered.withDelta(ColumnarSalesTable.build(columns));
            continue;
          }
          if (step.kind === 'merge') {
            // Merges the main table and the first deltas, as a merge started before later uploads.
            const merging = Math.min(step.deltas, layered.deltas.length);
            const prefix = layered.deltas
              .slice(0, merging)
              .reduce(
                (version, delta) => version.withDelta(delta),
                LayeredSalesTable.of(layered.main),
              );
            layered = layered.rebasedOn(mergeOf(prefix), merging);
            continue;
          }
          if (step.kind === 'combine') {
            // Combines a run of deltas into one, as the delta thread does while a merge runs.
            const first = Math.min(step.first, Math.max(0, layered.deltas.length - 2));
            const count = Math.min(step.count, layered.deltas.length - first);
            if (count >= 2) {
              const run = layered.deltas.slice(first, first + count);
              const combinedDelta = ColumnarSalesTable.build(
                concatSalesColumns(run.map((delta) => delta.toColumns())),
              );
              layered = layered.withCombinedDeltas(first, count, combinedDelta);
              combines++;
            }
            continue;
          }
          const reference = ColumnarSalesTable.build(concatSalesColumns(parts));
          expect(layered.rowCount).toBe(all.length);
          expect(layered.countryRows()).toEqual(reference.countryRows());
          expect(layered.dayRange()).toEqual(reference.dayRange());
          expect(layered.years()).toEqual(reference.years());
          expect(layered.arithmetic()).toBe(reference.arithmetic());
          const { query } = step;
          const direct = layered.query(query);
          if (direct !== null && layered.deltas.length > 0) {
            combined++;
            if ((query.window ?? null) !== null || query.cumulative || query.compare !== null) {
              extended++;
            }
          }
          const answer = direct ?? mergeOf(layered).query(query);
          expect(answer).toEqual(reference.query(query));
          const plain =
            query.period === null &&
            !query.groupByCountry &&
            query.fromDay === null &&
            query.compare === null &&
            (query.fiscalYearStart ?? 1) === 1;
          if (plain) {
            const values = all
              .filter(
                (row) =>
                  (query.countries === null || query.countries.includes(row.country)) &&
                  (query.years === null || query.years.includes(yearOf(row.day))),
              )
              .map(({ value }) => value);
            expect(answer.matchedRows).toBe(values.length);
            query.metrics.forEach((metric, i) => {
              const expected = values.length === 0 ? null : naiveMetric(metric.name, values);
              const actual = answer.groups[0]?.values[i] ?? null;
              if (expected === null) {
                expect(actual).toBeNull();
              } else {
                expect(actual).toBeCloseTo(expected, Math.abs(expected) > 1e6 ? 0 : 4);
              }
            });
          }
        }
      }),
      { numRuns: 200 },
    );
    // The combined path, not only the merged fallback, must have been exercised.
    expect(combined).toBeGreaterThan(30);
    // Windows, running totals and comparisons among them.
    expect(extended).toBeGreaterThan(10);
    expect(combines).toBeGreaterThan(10);
  });

  it('should answer a median across the main table and a delta by rank, with exact interpolation', () => {
    const day = 19800;
    const main = ColumnarSalesTable.build(
      columnsOf(
        [1, 3, 5, 7].map((value) => ({ country: 'AR', day, value })),
        2,
      ),
    );
    const delta = ColumnarSalesTable.build(
      columnsOf(
        [
          { country: 'AR', day: day + 1, value: 4.01 },
          { country: 'AR', day, value: 3 },
        ],
        2,
      ),
    );
    const layered = LayeredSalesTable.of(main).withDelta(delta);
    const answer = layered.query({
      countries: null,
      years: null,
      fromDay: null,
      toDay: null,
      groupByCountry: false,
      period: null,
      metrics: ['median', 'p20', 'sum', 'count'].map((name) => parseMetricName(name) as MetricSpec),
    });
    // Sorted: 1, 3, 3, 4.01, 5, 7. Median between 3 and 4.01; p20 at rank 1 = 3; sum 23.01.
    expect(answer?.groups[0].values).toEqual([3.505, 3, 23.01, 6]);
  });

  it('should combine windows, running totals and comparisons across the layers', () => {
    // January 2024 (day 19723 is 2024-01-01), February, March: main in January and March, the
    // delta in February and March.
    const jan = 19723;
    const feb = jan + 31;
    const mar = feb + 29;
    const main = ColumnarSalesTable.build(
      columnsOf(
        [
          { country: 'AR', day: jan, value: 1 },
          { country: 'AR', day: mar, value: 4 },
        ],
        2,
      ),
    );
    const layered = LayeredSalesTable.of(main).withDelta(
      ColumnarSalesTable.build(
        columnsOf(
          [
            { country: 'AR', day: feb, value: 2 },
            { country: 'AR', day: mar + 1, value: 8.5 },
          ],
          2,
        ),
      ),
    );
    const query: DatasetQuery = {
      countries: null,
      years: null,
      fromDay: null,
      toDay: null,
      groupByCountry: false,
      period: 'month',
      metrics: ['sum', 'median'].map((name) => parseMetricName(name) as MetricSpec),
    };
    const jan24 = 2024 * 12;
    // Running totals: {1}, {1, 2}, {1, 2, 4, 8.5}.
    expect(layered.query({ ...query, cumulative: true })?.groups).toEqual([
      { country: null, period: jan24, rows: 1, values: [1, 1] },
      { country: null, period: jan24 + 1, rows: 2, values: [3, 1.5] },
      { country: null, period: jan24 + 2, rows: 4, values: [15.5, 3] },
    ]);
    // Two-month windows: {1} (one month of the window in the data), {1, 2}, {2, 4, 8.5}.
    expect(layered.query({ ...query, window: 2 })?.groups).toEqual([
      { country: null, period: jan24, rows: 1, values: [1, 1], windowPeriods: 1 },
      { country: null, period: jan24 + 1, rows: 2, values: [3, 1.5], windowPeriods: 2 },
      { country: null, period: jan24 + 2, rows: 3, values: [14.5, 4], windowPeriods: 2 },
    ]);
    // March against February: the comparison's rows come from the delta.
    expect(layered.query({ ...query, fromDay: mar, compare: 'previous_period' })?.groups).toEqual([
      {
        country: null,
        period: jan24 + 2,
        rows: 2,
        values: [12.5, 6.25],
        previous: { rows: 1, values: [2, 2] },
      },
    ]);
  });
});
