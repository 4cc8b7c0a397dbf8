import fc from 'fast-check';
import { parseMetricName, type MetricSpec } from 'src/engine/metrics/metric-names';
import { toDayNumber } from 'src/common/calendar/day-number';
import { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import type {
  DatasetQuery,
  DatasetQueryResult,
  PeriodUnit,
  ResultGroup,
} from 'src/engine/dataset-query';
import type { SalesColumns } from 'src/engine/sales-columns';

interface Row {
  readonly country: string;
  readonly day: number;
  readonly value: number;
}

function columnsOf(rows: readonly Row[]): SalesColumns {
  const countries: string[] = [];
  const countryCodes = new Uint16Array(rows.length);
  rows.forEach((row, i) => {
    let index = countries.indexOf(row.country);
    if (index < 0) {
      index = countries.push(row.country) - 1;
    }
    countryCodes[i] = index;
  });
  return {
    rowCount: rows.length,
    countryCodes,
    countries,
    days: Int32Array.from(rows, (row) => row.day),
    values: Float64Array.from(rows, (row) => row.value),
  };
}

function metricsNamed(...names: string[]): MetricSpec[] {
  return names.map((name) => parseMetricName(name) as MetricSpec);
}

function query(overrides: Partial<DatasetQuery>): DatasetQuery {
  return {
    countries: null,
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: false,
    period: null,
    metrics: metricsNamed('count'),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Naive reference: plain loops, a Map, a full sort per group, each metric from its definition.
// Calendar fields come from Date (UTC) so the reference shares no code with the engine.

function civil(day: number): { year: number; month: number } {
  const date = new Date(day * 86_400_000);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

function referencePeriod(day: number, unit: PeriodUnit | null): number | null {
  const { year, month } = civil(day);
  if (unit === 'year') {
    return year;
  }
  if (unit === 'quarter') {
    return year * 4 + Math.floor((month - 1) / 3);
  }
  if (unit === 'month') {
    return year * 12 + month - 1;
  }
  return null;
}

function referenceMetric(sorted: number[], metric: MetricSpec): number | null {
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) {
    sum += x;
  }
  const mean = sum / n;
  let squares = 0;
  for (const x of sorted) {
    squares += (x - mean) * (x - mean);
  }
  switch (metric.kind) {
    case 'count':
      return n;
    case 'sum':
      return sum;
    case 'mean':
      return mean;
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[n - 1];
    case 'variance':
      return n < 2 ? null : squares / (n - 1);
    case 'stddev':
      return n < 2 ? null : Math.sqrt(squares / (n - 1));
    case 'quantile': {
      const h = (n - 1) * metric.q;
      const lower = Math.floor(h);
      const upper = Math.min(lower + 1, n - 1);
      return sorted[lower] + (h - lower) * (sorted[upper] - sorted[lower]);
    }
  }
}

function reference(rows: readonly Row[], q: DatasetQuery): DatasetQueryResult {
  const groups = new Map<
    string,
    { country: string | null; period: number | null; values: number[] }
  >();
  for (const row of rows) {
    if (q.countries !== null && !q.countries.includes(row.country)) {
      continue;
    }
    if (q.years !== null && !q.years.includes(civil(row.day).year)) {
      continue;
    }
    if ((q.fromDay !== null && row.day < q.fromDay) || (q.toDay !== null && row.day > q.toDay)) {
      continue;
    }
    const country = q.groupByCountry ? row.country : null;
    const period = referencePeriod(row.day, q.period);
    const key = `${country}|${period}`;
    const group = groups.get(key) ?? { country, period, values: [] };
    group.values.push(row.value);
    groups.set(key, group);
  }
  const ordered = [...groups.values()].sort(
    (a, b) => (a.country ?? '').localeCompare(b.country ?? '') || (a.period ?? 0) - (b.period ?? 0),
  );
  let matchedRows = 0;
  const result: ResultGroup[] = ordered.map((group) => {
    const sorted = [...group.values].sort((a, b) => a - b);
    matchedRows += sorted.length;
    return {
      country: group.country,
      period: group.period,
      rows: sorted.length,
      values: q.metrics.map((metric) => referenceMetric(sorted, metric)),
    };
  });
  return { matchedRows, groups: result };
}

/**
 * Relative 1e-9, measured against the group's magnitude where cancellation can leave a result
 * near zero (sums, means, spreads); absolute near zero for variance, as equal values give 0.
 */
function expectMatches(
  actual: DatasetQueryResult,
  expected: DatasetQueryResult,
  rows: readonly Row[],
  q: DatasetQuery,
): void {
  expect(actual.matchedRows).toBe(expected.matchedRows);
  expect(actual.groups.map((g) => [g.country, g.period, g.rows])).toEqual(
    expected.groups.map((g) => [g.country, g.period, g.rows]),
  );
  const scale = rows.reduce((max, row) => Math.max(max, Math.abs(row.value)), 0);
  actual.groups.forEach((group, g) => {
    q.metrics.forEach((metric, m) => {
      const got = group.values[m];
      const want = expected.groups[g].values[m];
      if (want === null || got === null) {
        expect(got).toBe(want);
        return;
      }
      const magnitude =
        metric.kind === 'variance'
          ? scale * scale
          : metric.kind === 'sum'
            ? scale * group.rows
            : scale;
      const tolerance = 1e-9 * Math.max(Math.abs(want), magnitude) + 1e-300;
      if (!(Math.abs(got - want) <= tolerance)) {
        throw new Error(
          `${metric.name} of group ${g} (${group.country}, ${group.period}): got ${got}, want ${want}`,
        );
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------

const CODES = ['AR', 'BR', 'CL', 'ES'];
/** Dates around month, quarter, year and leap-day edges, where a wrong cut would show. */
const ANCHORS = [
  [2023, 12, 31],
  [2024, 1, 1],
  [2024, 2, 28],
  [2024, 2, 29],
  [2024, 3, 1],
  [2024, 3, 31],
  [2024, 4, 1],
  [2024, 6, 30],
  [2024, 7, 1],
  [2024, 12, 31],
  [2025, 1, 1],
  [2025, 2, 28],
  [2025, 3, 1],
  [2022, 5, 15],
].map(([y, m, d]) => toDayNumber(y, m, d));

const dayArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ANCHORS) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -3, max: 3 }))
      .map(([day, shift]) => day + shift),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: toDayNumber(2021, 1, 1), max: toDayNumber(2026, 12, 31) }),
  },
);

const valueArb = fc.oneof(
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: -100_000, max: 100_000 }).map((cents) => cents / 100),
  fc.constantFrom(0, 7.5, -3.25, 1e6 + 0.01),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e7, max: 1e7 }),
);

const datasetArb = fc
  .tuple(fc.shuffledSubarray(CODES, { minLength: 1, maxLength: 4 }), fc.boolean())
  .chain(([codes, fewValues]) =>
    fc.array(
      fc.record({
        country: fc.constantFrom(...codes),
        day: dayArb,
        // Some datasets draw from a handful of values so that ties dominate.
        value: fewValues ? fc.constantFrom(1, 2, 2.5, -4) : valueArb,
      }),
      { minLength: 1, maxLength: 300 },
    ),
  );

const METRIC_NAMES = [
  'count',
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'stddev',
  'variance',
  ...Array.from({ length: 99 }, (_, i) => `p${i + 1}`),
];

const boundArb = fc.option(
  fc.oneof(dayArb, fc.integer({ min: toDayNumber(2020, 1, 1), max: toDayNumber(2027, 1, 1) })),
  { nil: null },
);

const queryArb: fc.Arbitrary<DatasetQuery> = fc.record({
  countries: fc.option(fc.subarray([...CODES, 'ZZ']), { nil: null }),
  years: fc.option(fc.subarray([2021, 2022, 2023, 2024, 2025, 2026]), { nil: null }),
  fromDay: boundArb,
  toDay: boundArb,
  groupByCountry: fc.boolean(),
  period: fc.constantFrom<PeriodUnit | null>(null, 'year', 'quarter', 'month'),
  metrics: fc
    .array(fc.constantFrom(...METRIC_NAMES), { minLength: 1, maxLength: 8 })
    .map((names) => metricsNamed(...names)),
});

describe('ColumnarSalesTable', () => {
  it('answers every query like the naive reference', () => {
    fc.assert(
      fc.property(
        datasetArb,
        fc.array(queryArb, { minLength: 1, maxLength: 6 }),
        (rows, queries) => {
          const table = ColumnarSalesTable.build(columnsOf(rows));
          for (const q of queries) {
            expectMatches(table.query(q), reference(rows, q), rows, q);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers like the reference where months hold enough rows to index their values', () => {
    // Few months, many rows: countries get value buckets, and shrunk limits reach their fallbacks.
    const denseArb = fc
      .tuple(
        fc.shuffledSubarray(CODES, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('spread', 'ties', 'one value'),
      )
      .chain(([codes, kind]) =>
        fc.array(
          fc.record({
            country: fc.constantFrom(...codes),
            day: fc.integer({ min: toDayNumber(2024, 1, 20), max: toDayNumber(2024, 5, 10) }),
            value:
              kind === 'spread'
                ? valueArb
                : kind === 'ties'
                  ? fc.constantFrom(1, 2, 2.5, -4)
                  : fc.constant(3.5),
          }),
          { minLength: 50, maxLength: 1200, size: 'max' },
        ),
      );
    const denseQueryArb = fc.record({
      countries: fc.option(fc.subarray([...CODES, 'ZZ']), { nil: null }),
      years: fc.option(fc.subarray([2023, 2024]), { nil: null }),
      fromDay: fc.option(
        fc.integer({ min: toDayNumber(2024, 1, 15), max: toDayNumber(2024, 5, 15) }),
        { nil: null },
      ),
      toDay: fc.option(
        fc.integer({ min: toDayNumber(2024, 1, 15), max: toDayNumber(2024, 5, 15) }),
        { nil: null },
      ),
      groupByCountry: fc.boolean(),
      period: fc.constantFrom<PeriodUnit | null>(null, 'year', 'quarter', 'month'),
      metrics: fc
        .array(fc.constantFrom(...METRIC_NAMES), { minLength: 1, maxLength: 8 })
        .map((names) => metricsNamed(...names)),
    });
    fc.assert(
      fc.property(
        denseArb,
        fc.record({
          rowsPerCounter: fc.constantFrom(1, 4),
          gatherLimit: fc.constantFrom(2, 4096),
        }),
        fc.array(denseQueryArb, { minLength: 1, maxLength: 6 }),
        (rows, tuning, queries) => {
          const table = ColumnarSalesTable.build(columnsOf(rows), tuning);
          for (const q of queries) {
            expectMatches(table.query(q), reference(rows, q), rows, q);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  describe('on a small dataset', () => {
    const rows: Row[] = [
      { country: 'ES', day: toDayNumber(2024, 2, 29), value: 10 },
      { country: 'ES', day: toDayNumber(2024, 3, 1), value: 30 },
      { country: 'ES', day: toDayNumber(2024, 3, 1), value: 20 },
      { country: 'AR', day: toDayNumber(2023, 12, 31), value: -5 },
      { country: 'AR', day: toDayNumber(2024, 1, 1), value: 5 },
      { country: 'ES', day: toDayNumber(2025, 1, 2), value: 40 },
    ];
    const table = ColumnarSalesTable.build(columnsOf(rows));

    it('describes its rows', () => {
      expect(table.rowCount).toBe(6);
      expect(table.countryRows()).toEqual([
        { code: 'AR', rows: 2 },
        { code: 'ES', rows: 4 },
      ]);
      expect(table.dayRange()).toEqual({
        fromDay: toDayNumber(2023, 12, 31),
        toDay: toDayNumber(2025, 1, 2),
      });
      expect(table.years()).toEqual([2023, 2024, 2025]);
    });

    it('splits by country and month, in order', () => {
      const result = table.query(
        query({ groupByCountry: true, period: 'month', metrics: metricsNamed('count', 'median') }),
      );
      expect(result.matchedRows).toBe(6);
      expect(result.groups).toEqual([
        { country: 'AR', period: 2023 * 12 + 11, rows: 1, values: [1, -5] },
        { country: 'AR', period: 2024 * 12, rows: 1, values: [1, 5] },
        { country: 'ES', period: 2024 * 12 + 1, rows: 1, values: [1, 10] },
        { country: 'ES', period: 2024 * 12 + 2, rows: 2, values: [2, 25] },
        { country: 'ES', period: 2025 * 12, rows: 1, values: [1, 40] },
      ]);
    });

    it('cuts a date range at day boundaries and combines countries without a country split', () => {
      const result = table.query(
        query({
          fromDay: toDayNumber(2024, 1, 1),
          toDay: toDayNumber(2024, 3, 1),
          metrics: metricsNamed('count', 'sum', 'mean', 'median', 'variance', 'p99'),
        }),
      );
      // 5, 10, 20, 30
      expect(result.groups).toHaveLength(1);
      const [group] = result.groups;
      expect(group.country).toBeNull();
      expect(group.period).toBeNull();
      expect(group.values[0]).toBe(4);
      expect(group.values[1]).toBeCloseTo(65, 12);
      expect(group.values[2]).toBeCloseTo(16.25, 12);
      expect(group.values[3]).toBeCloseTo(15, 12);
      expect(group.values[4]).toBeCloseTo(368.75 / 3, 12);
      expect(group.values[5]).toBeCloseTo(29.7, 12);
    });

    it('encodes quarters and years as period keys', () => {
      const quarters = table.query(query({ countries: ['ES'], period: 'quarter' }));
      expect(quarters.groups.map((g) => [g.period, g.rows])).toEqual([
        [2024 * 4, 3],
        [2025 * 4, 1],
      ]);
      const years = table.query(query({ years: [2024], period: 'year' }));
      expect(years.groups.map((g) => [g.period, g.rows])).toEqual([[2024, 4]]);
    });

    it('reports null spread for a single row and omits empty groups', () => {
      const result = table.query(
        query({ countries: ['AR'], years: [2023], metrics: metricsNamed('stddev', 'variance') }),
      );
      expect(result.groups).toEqual([
        { country: null, period: null, rows: 1, values: [null, null] },
      ]);
      expect(table.query(query({ years: [2019] }))).toEqual({ matchedRows: 0, groups: [] });
    });

    it('treats unknown countries as having no rows', () => {
      expect(table.query(query({ countries: ['ZZ'] }))).toEqual({ matchedRows: 0, groups: [] });
      expect(table.query(query({ countries: ['ZZ', 'AR'] })).matchedRows).toBe(2);
    });

    it('returns nothing for an inverted range', () => {
      const result = table.query(
        query({ fromDay: toDayNumber(2024, 3, 1), toDay: toDayNumber(2024, 2, 29) }),
      );
      expect(result).toEqual({ matchedRows: 0, groups: [] });
    });
  });

  it('handles an empty dataset', () => {
    const table = ColumnarSalesTable.build(columnsOf([]));
    expect(table.rowCount).toBe(0);
    expect(table.countryRows()).toEqual([]);
    expect(table.dayRange()).toBeNull();
    expect(table.years()).toEqual([]);
    expect(table.query(query({ groupByCountry: true }))).toEqual({ matchedRows: 0, groups: [] });
  });

  it('merges duplicate dictionary entries for the same code', () => {
    const columns: SalesColumns = {
      rowCount: 3,
      countryCodes: Uint16Array.of(0, 1, 0),
      countries: ['ES', 'ES'],
      days: Int32Array.of(100, 100, 101),
      values: Float64Array.of(1, 2, 3),
    };
    const table = ColumnarSalesTable.build(columns);
    expect(table.countryRows()).toEqual([{ code: 'ES', rows: 3 }]);
    expect(table.query(query({ groupByCountry: true })).groups).toEqual([
      { country: 'ES', period: null, rows: 3, values: [3] },
    ]);
  });
});
