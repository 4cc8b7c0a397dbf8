import fc from 'fast-check';
import { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import type { DatasetQuery } from 'src/engine/dataset-query';
import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';
import type { SalesColumns } from 'src/engine/sales-columns';
import { naiveMetric } from 'test/support/naive-sales';

interface Row {
  readonly country: string;
  readonly day: number;
  readonly value: number;
}

/**
 * Each part gets its own country dictionary, in its own first-seen order, as the loader makes; with
 * `fractionDigits`, its values are declared exact decimals as the loader declares them.
 */
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

// 2023-01-01 .. 2025-12-31 as day numbers.
const FIRST_DAY = 19358;
const LAST_DAY = 20453;
const METRICS = ['count', 'sum', 'mean', 'median', 'p90', 'min', 'max', 'stddev'];

const CENTS = fc.integer({ min: -100_000, max: 1_000_000 }).map((cents) => cents / 100);
const DOUBLES = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

const rowsArbitrary = (exact: boolean, maxLength: number) =>
  fc.array(
    fc.record({
      country: fc.constantFrom('AR', 'CL', 'UY', 'BR'),
      day: fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
      value: exact ? CENTS : fc.oneof(CENTS, DOUBLES),
    }),
    { minLength: 1, maxLength },
  );

/** A base and some uploads: cents declared exact (2 fraction digits), or any doubles. */
const historyArbitrary = fc.boolean().chain((exact) =>
  fc.record({
    digits: fc.constant(exact ? 2 : undefined),
    base: rowsArbitrary(exact, 60),
    uploads: fc.array(rowsArbitrary(exact, 20), { maxLength: 5 }),
  }),
);

const queryArbitrary = fc.record({
  metrics: fc.subarray(METRICS, { minLength: 1 }),
  countries: fc.option(fc.subarray(['AR', 'CL', 'UY', 'BR'], { minLength: 1 }), { nil: null }),
  years: fc.option(fc.subarray([2023, 2024, 2025], { minLength: 1 }), { nil: null }),
  groupByCountry: fc.boolean(),
  period: fc.constantFrom(null, 'year' as const, 'month' as const),
});

const yearOf = (day: number): number => new Date(day * 86_400_000).getUTCFullYear();

describe('appending rows by rebuilding from a table’s columns', () => {
  it('should answer every query exactly as a table built from all rows at once, and as the naive reference', () => {
    fc.assert(
      fc.property(
        historyArbitrary,
        fc.array(queryArbitrary, { minLength: 1, maxLength: 5 }),
        ({ digits, base, uploads }, queries) => {
          let appended = ColumnarSalesTable.build(columnsOf(base, digits));
          for (const upload of uploads) {
            appended = ColumnarSalesTable.build(
              concatSalesColumns([appended.toColumns(), columnsOf(upload, digits)]),
            );
          }
          const all = [...base, ...uploads.flat()];
          const rebuilt = ColumnarSalesTable.build(columnsOf(all, digits));
          expect(appended.rowCount).toBe(all.length);
          expect(appended.arithmetic()).toBe(rebuilt.arithmetic());
          expect(appended.countryRows()).toEqual(rebuilt.countryRows());
          for (const shape of queries) {
            const countries = shape.countries?.filter((code) =>
              all.some((r) => r.country === code),
            );
            if (countries !== undefined && countries.length === 0) {
              continue;
            }
            const query: DatasetQuery = {
              countries: countries ?? null,
              years: shape.years,
              fromDay: null,
              toDay: null,
              groupByCountry: shape.groupByCountry,
              period: shape.period,
              metrics: shape.metrics.map((name) => parseMetricName(name) as MetricSpec),
            };
            const answer = appended.query(query);
            expect(answer).toEqual(rebuilt.query(query));
            if (shape.period === null && !shape.groupByCountry) {
              const matching = all.filter(
                (row) =>
                  (query.countries === null || query.countries.includes(row.country)) &&
                  (shape.years === null || shape.years.includes(yearOf(row.day))),
              );
              expect(answer.matchedRows).toBe(matching.length);
              if (matching.length > 0) {
                const values = matching.map(({ value }) => value);
                shape.metrics.forEach((metric, i) => {
                  const expected = naiveMetric(metric, values);
                  const actual = answer.groups[0].values[i];
                  if (expected === null) {
                    expect(actual).toBeNull();
                  } else {
                    expect(actual).toBeCloseTo(expected, Math.abs(expected) > 1e6 ? 0 : 4);
                  }
                });
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('should keep each part’s own country dictionary apart', () => {
    const merged = concatSalesColumns([
      columnsOf([{ country: 'CL', day: FIRST_DAY, value: 1 }]),
      columnsOf([
        { country: 'AR', day: FIRST_DAY, value: 2 },
        { country: 'CL', day: FIRST_DAY + 1, value: 3 },
      ]),
    ]);
    expect(merged.countries).toEqual(['CL', 'AR']);
    expect(Array.from(merged.countryCodes)).toEqual([0, 1, 0]);
    expect(Array.from(merged.values)).toEqual([1, 2, 3]);
    expect(Array.from(merged.days)).toEqual([FIRST_DAY, FIRST_DAY, FIRST_DAY + 1]);
  });
});
