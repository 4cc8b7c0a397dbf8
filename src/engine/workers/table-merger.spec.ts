import { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import type { DatasetQuery } from 'src/engine/dataset-query';
import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';
import type { SalesColumns } from 'src/engine/sales-columns';
import { TableMerger } from 'src/engine/workers/table-merger';

/** `rows` pseudo-random rows over 3 countries and 3 years, values in cents. */
function columnsOf(rows: number, seed: number): SalesColumns {
  let state = seed;
  const next = (): number => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return {
    rowCount: rows,
    countryCodes: Uint16Array.from({ length: rows }, () => Math.floor(next() * 3)),
    countries: seed % 2 === 0 ? ['AR', 'CL', 'UY'] : ['UY', 'AR', 'CL'],
    days: Int32Array.from({ length: rows }, () => 19358 + Math.floor(next() * 1096)),
    values: Float64Array.from({ length: rows }, () => Math.round(next() * 1e6) / 100),
    fractionDigits: 2,
  };
}

const QUERY: DatasetQuery = {
  countries: null,
  years: null,
  fromDay: null,
  toDay: null,
  groupByCountry: true,
  period: 'month',
  metrics: ['count', 'sum', 'mean', 'median', 'p90', 'stddev'].map(
    (name) => parseMetricName(name) as MetricSpec,
  ),
};

describe(TableMerger.name, () => {
  let sut: TableMerger;

  // One thread for the suite: starting one from source compiles the engine again.
  beforeAll(() => {
    sut = new TableMerger();
  });

  afterAll(() => {
    sut.close();
  });

  it('should build, on its thread, the table a build of every row on this one gives', async () => {
    const parts = [columnsOf(20_000, 2), columnsOf(3_000, 3), columnsOf(500, 4)];
    const merged = await sut.merge(parts.map((columns) => ColumnarSalesTable.build(columns)));
    const direct = ColumnarSalesTable.build(concatSalesColumns(parts));
    expect(merged.rowCount).toBe(23_500);
    expect(merged.countryRows()).toEqual(direct.countryRows());
    expect(merged.query(QUERY)).toEqual(direct.query(QUERY));
  }, 120_000);

  it('should run merges queued together one after the other, each with its own rows', async () => {
    const a = ColumnarSalesTable.build(columnsOf(2_000, 6));
    const b = ColumnarSalesTable.build(columnsOf(1_000, 7));
    const [ab, aab] = await Promise.all([sut.merge([a, b]), sut.merge([a, a, b])]);
    expect(ab.rowCount).toBe(3_000);
    expect(aab.rowCount).toBe(5_000);
    expect(aab.query(QUERY)).toEqual(
      ColumnarSalesTable.build(
        concatSalesColumns([columnsOf(2_000, 6), columnsOf(2_000, 6), columnsOf(1_000, 7)]),
      ).query(QUERY),
    );
  }, 120_000);
});
