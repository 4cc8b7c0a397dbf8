import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ColumnarSalesTable,
  parseMetricName,
  type DatasetQuery,
  type DatasetQueryResult,
  type CompareMode,
  type MetricSpec,
  type PeriodUnit,
} from 'src/engine';
import { formatIsoDate, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import type { DataConfig, DatasetConfig } from 'src/config/data.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { ClickHouseImportService } from 'src/data/clickhouse/clickhouse-import.service';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import { SHARD_DATABASES, TEST_CLUSTER } from 'test/clickhouse/clickhouse-server';
import { testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';

/*
 * Random datasets x random queries, answered by the in-memory engine and by ClickHouse (one
 * table, then a Distributed table over two shards) and compared group by group: same groups,
 * same row counts, every metric equal to 1e-9 relative. Replay with PARITY_SEED.
 */
const SEED = process.env.PARITY_SEED ? Number(process.env.PARITY_SEED) : 20261130;
const DATASETS = 6;
const QUERIES_PER_DATASET = 40;
const V2_QUERIES_PER_DATASET = 30;
const TOLERANCE = 1e-9;

const COUNTRIES = ['AR', 'BR', 'CL', 'MX', 'UY'];
const FIRST_DAY = toDayNumber(2021, 1, 1);
const LAST_DAY = toDayNumber(2025, 12, 31);

interface Row {
  readonly country: string;
  readonly day: number;
  readonly value: number;
}

/** Cents as sales exports have them, with refunds, ties, one-row groups and a few odd magnitudes. */
const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((cents) => cents / 100) },
  { weight: 1, arbitrary: fc.integer({ min: -50_000, max: -1 }).map((cents) => cents / 100) },
  { weight: 1, arbitrary: fc.constantFrom(0, 100, 100, 999.99, 1e-7, 123456789.25) },
);

/** Half the rows land in a narrow window so some groups are big and others have one row. */
const dayArb = fc.oneof(
  fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
  fc.integer({ min: toDayNumber(2024, 2, 20), max: toDayNumber(2024, 3, 10) }),
);

function rowsOf(values: fc.Arbitrary<number>): fc.Arbitrary<Row[]> {
  const row = fc.record({ country: fc.constantFrom(...COUNTRIES), day: dayArb, value: values });
  return fc.array(row, { minLength: 1, maxLength: 3_000 });
}

const datasetArb = rowsOf(valueArb);

/**
 * Values with at most 4 fraction digits only, so both backends compute sums and means from exact
 * scaled integers: their answers must then be the same doubles, not just close ones.
 */
const decimalValueArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.integer({ min: -50_000, max: 1_000_000 }).map((cents) => cents / 100),
  },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 99_999_999 })
      .map((tenThousandths) => tenThousandths / 1e4),
  },
  { weight: 1, arbitrary: fc.constantFrom(0.1, 0.2, 0.3, 0.29, 1e11 + 0.25, -7.0001) },
);
const decimalDatasetArb = rowsOf(decimalValueArb);
const DECIMAL_DATASETS = 3;

/** Arbitrary doubles among the cents: floating-point arithmetic on both backends. */
const floatDatasetArb = rowsOf(
  fc.oneof(valueArb, fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })),
);
const FLOAT_DATASETS = 2;

const metricNames = [
  'count',
  'sum',
  'mean',
  'min',
  'max',
  'stddev',
  'variance',
  'median',
  'p1',
  'p5',
  'p10',
  'p25',
  'p29',
  'p33',
  'p50',
  'p67',
  'p75',
  'p90',
  'p95',
  'p99',
];

/** A filter is set in about one query of three, so most queries still select many rows. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

const queryArb: fc.Arbitrary<DatasetQuery> = fc
  .record({
    countries: sometimes(fc.uniqueArray(fc.constantFrom(...COUNTRIES), { minLength: 1 })),
    years: sometimes(
      fc.uniqueArray(fc.integer({ min: 2020, max: 2026 }), { minLength: 1, maxLength: 3 }),
    ),
    fromDay: sometimes(fc.integer({ min: FIRST_DAY - 30, max: LAST_DAY })),
    span: sometimes(fc.integer({ min: 0, max: 1_500 })),
    groupByCountry: fc.boolean(),
    period: fc.option(fc.constantFrom<PeriodUnit>('year', 'quarter', 'month'), { nil: null }),
    metrics: fc.uniqueArray(fc.constantFrom(...metricNames), { minLength: 1, maxLength: 8 }),
  })
  .map(({ countries, years, fromDay, span, groupByCountry, period, metrics }) => ({
    countries: countries ? [...countries].sort() : null,
    years: years ? [...years].sort((a, b) => a - b) : null,
    fromDay,
    toDay: span === null ? null : (fromDay ?? FIRST_DAY) + span,
    groupByCountry,
    period,
    metrics: metrics.map((name) => parseMetricName(name) as MetricSpec),
  }));

/**
 * Analysis v2 on top of a plain query: fiscal years, ISO weeks, top-N with OTHER, rolling windows,
 * running totals and comparisons, in the combinations the API accepts (a window or running total
 * needs a period and excludes the other and `compare`; `compare` without a period needs a range).
 */
const queryV2Arb: fc.Arbitrary<DatasetQuery> = fc
  .record({
    base: queryArb,
    period: fc.option(fc.constantFrom<PeriodUnit>('year', 'quarter', 'month', 'week'), {
      nil: null,
    }),
    fiscalYearStart: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 12 })),
    keep: fc.option(fc.uniqueArray(fc.constantFrom(...COUNTRIES), { minLength: 1, maxLength: 3 }), {
      nil: null,
    }),
    extension: fc.constantFrom('window', 'cumulative', 'compare', 'none'),
    window: fc.integer({ min: 2, max: 36 }),
    compare: fc.constantFrom<CompareMode>('previous_period', 'previous_year'),
    fromDay: fc.integer({ min: FIRST_DAY - 30, max: LAST_DAY }),
    span: fc.integer({ min: 0, max: 800 }),
  })
  .map(({ base, period, fiscalYearStart, keep, extension, window, compare, fromDay, span }) => {
    const query: DatasetQuery = {
      ...base,
      period,
      ...(fiscalYearStart === 1 ? {} : { fiscalYearStart }),
      ...(keep && base.groupByCountry ? { keepCountries: [...keep].sort() } : {}),
    };
    if (extension === 'window' && period !== null) {
      return { ...query, window };
    }
    if (extension === 'cumulative' && period !== null) {
      return { ...query, cumulative: true };
    }
    if (extension === 'compare') {
      const ranged =
        period !== null || query.years !== null || (query.fromDay !== null && query.toDay !== null);
      return ranged ? { ...query, compare } : { ...query, fromDay, toDay: fromDay + span, compare };
    }
    return query;
  });

function csvOf(rows: readonly Row[]): string {
  const lines = rows.map(({ country, day, value }) => {
    const { year, month, day: dayOfMonth } = fromDayNumber(day);
    const date = `${String(dayOfMonth).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`;
    return `${country},${value},${date}`;
  });
  return `country,value,fecha\n${lines.join('\n')}\n`;
}

function close(actual: number | null, expected: number | null): boolean {
  if (actual === null || expected === null) {
    return actual === expected;
  }
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  return Math.abs(actual - expected) <= TOLERANCE * scale || Math.abs(actual - expected) <= 1e-9;
}

function expectSameAnswer(
  actual: DatasetQueryResult,
  expected: DatasetQueryResult,
  context: () => string,
): void {
  const keys = (result: DatasetQueryResult): string[] =>
    result.groups.map((g) => `${g.country ?? '*'}/${g.period ?? '*'}:${g.rows}`);
  if (
    actual.matchedRows !== expected.matchedRows ||
    keys(actual).join() !== keys(expected).join()
  ) {
    throw new Error(
      `groups differ for ${context()}:\n${keys(actual).join()}\n${keys(expected).join()}`,
    );
  }
  expected.groups.forEach((group, g) => {
    const other = actual.groups[g];
    group.values.forEach((value, m) => {
      const got = other.values[m];
      if (!close(got, value)) {
        throw new Error(
          `metric #${m} of group ${keys(expected)[g]}: ${got} vs ${value} for ${context()}`,
        );
      }
    });
    if (other.windowPeriods !== group.windowPeriods) {
      throw new Error(
        `windowPeriods of group ${keys(expected)[g]}: ${other.windowPeriods} vs ${group.windowPeriods} for ${context()}`,
      );
    }
    if ((other.previous?.rows ?? 0) !== (group.previous?.rows ?? 0)) {
      throw new Error(
        `previous rows of group ${keys(expected)[g]}: ${other.previous?.rows} vs ${group.previous?.rows} for ${context()}`,
      );
    }
    group.previous?.values.forEach((value, m) => {
      const got = other.previous?.values[m] ?? null;
      if (!close(got, value)) {
        throw new Error(
          `previous metric #${m} of group ${keys(expected)[g]}: ${got} vs ${value} for ${context()}`,
        );
      }
    });
  });
}

/** Sums and means of exact-decimal datasets: the very same doubles. Returns how many were compared. */
function expectSameSumsAndMeans(
  actual: DatasetQueryResult,
  expected: DatasetQueryResult,
  query: DatasetQuery,
  context: () => string,
): number {
  let compared = 0;
  query.metrics.forEach((metric, m) => {
    if (metric.kind !== 'sum' && metric.kind !== 'mean') {
      return;
    }
    expected.groups.forEach((group, g) => {
      const got = actual.groups[g].values[m];
      if (!Object.is(got, group.values[m])) {
        throw new Error(
          `${metric.kind} of group #${g}: ${got} vs ${group.values[m]} for ${context()}`,
        );
      }
      compared++;
    });
  });
  return compared;
}

describe.each([
  { topology: 'one table', cluster: null },
  { topology: `Distributed table over two shards (${TEST_CLUSTER})`, cluster: TEST_CLUSTER },
])('ClickHouse backend vs in-memory engine: $topology', ({ cluster }) => {
  const folder = mkdtempSync(join(tmpdir(), 'parity-'));
  const database = uniqueDatabase('parity');
  const datasets = [
    ...fc.sample(datasetArb, { seed: SEED, numRuns: DATASETS }),
    ...fc.sample(decimalDatasetArb, { seed: SEED + 2, numRuns: DECIMAL_DATASETS }),
    ...fc.sample(floatDatasetArb, { seed: SEED + 3, numRuns: FLOAT_DATASETS }),
  ];
  const configs: DatasetConfig[] = datasets.map((_, index) => ({
    name: `parity-${index}`,
    backend: 'clickhouse',
    path: join(folder, `parity-${index}.csv`),
    source: `parity-${index}.csv`,
    format: DEFAULT_CSV_FORMAT,
    lenient: false,
    table: `parity_${index}`,
    cluster,
  }));
  const dataConfig: DataConfig = { defaultDataset: configs[0].name, datasets: configs };
  let gateway: ClickHouseGateway;
  let repository: ClickHouseDatasetRepository;
  const tables: ColumnarSalesTable[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    gateway = new ClickHouseGateway(
      buildClickHouseConfig({ CLICKHOUSE_URL: testClickHouseUrl(), CLICKHOUSE_DATABASE: database }),
    );
    const importer = new ClickHouseImportService(gateway, dataConfig);
    for (const [index, rows] of datasets.entries()) {
      const file = configs[index].path!;
      writeFileSync(file, csvOf(rows));
      tables.push(
        ColumnarSalesTable.build(
          (await loadSalesCsv(file, { format: DEFAULT_CSV_FORMAT })).columns,
        ),
      );
      const outcome = await importer.importFile(configs[index].name, file);
      expect(outcome).toMatchObject({ status: 'imported', rows: rows.length });
    }
    repository = new ClickHouseDatasetRepository(gateway, dataConfig);
    await repository.onModuleInit();
  });

  afterAll(async () => {
    for (const shard of cluster ? SHARD_DATABASES : []) {
      for (const { table } of configs) {
        await gateway.command(`DROP TABLE IF EXISTS ${shard}.${table}`);
      }
    }
    await gateway.command(`DROP DATABASE IF EXISTS ${database}`);
    await gateway.onModuleDestroy();
    rmSync(folder, { recursive: true, force: true });
  });

  if (cluster) {
    it('should spread the rows over both shards', async () => {
      for (const shard of SHARD_DATABASES) {
        let rows = 0;
        for (const { table } of configs) {
          const [{ n }] = await gateway.rows<{ n: string }>(
            `SELECT count() AS n FROM ${shard}.${table}`,
          );
          rows += Number(n);
        }
        expect(rows).toBeGreaterThan(0);
      }
    });
  }

  it('should report the same rows, countries, date range, years and arithmetic', async () => {
    for (const [index, table] of tables.entries()) {
      const summary = await repository.summary(configs[index].name);
      expect(summary.arithmetic).toBe(table.arithmetic());
      expect(summary.rows).toBe(table.rowCount);
      expect(summary.countries).toEqual(table.countryRows());
      expect(summary.years).toEqual(table.years());
      const range = table.dayRange();
      expect(summary.dateRange).toEqual(
        range ? { from: formatIsoDate(range.fromDay), to: formatIsoDate(range.toDay) } : null,
      );
    }
  });

  it('should hold both exact-decimal and floating-point datasets', () => {
    const arithmetics = tables.map((table) => table.arithmetic());
    expect(arithmetics.slice(DATASETS)).toEqual([
      ...Array<string>(DECIMAL_DATASETS).fill('exact-decimal'),
      ...Array<string>(FLOAT_DATASETS).fill('float'),
    ]);
  });

  it(`should answer ${DATASETS + DECIMAL_DATASETS + FLOAT_DATASETS} x ${QUERIES_PER_DATASET} random queries like the in-memory engine`, async () => {
    const queries = fc.sample(queryArb, { seed: SEED + 1, numRuns: QUERIES_PER_DATASET });
    let compared = 0;
    let exactlyCompared = 0;
    for (const [index, table] of tables.entries()) {
      const exact = table.arithmetic() === 'exact-decimal';
      for (const query of queries) {
        const expected = table.query(query);
        const actual = await repository.query(configs[index].name, query);
        const context = (): string => `dataset ${index}, ${JSON.stringify(query)}`;
        expectSameAnswer(actual, expected, context);
        if (exact) {
          exactlyCompared += expectSameSumsAndMeans(actual, expected, query, context);
        }
        compared += expected.groups.length;
      }
    }
    // The random queries must actually produce groups to compare, not only empty selections.
    expect(compared).toBeGreaterThan(DATASETS * QUERIES_PER_DATASET);
    expect(exactlyCompared).toBeGreaterThan(DECIMAL_DATASETS * QUERIES_PER_DATASET);
    // 440 queries of up to three statements each, on a machine that may be busy.
  }, 300_000);

  it(`should answer ${DATASETS + DECIMAL_DATASETS + FLOAT_DATASETS} x ${V2_QUERIES_PER_DATASET} random analysis v2 queries like the in-memory engine`, async () => {
    const queries = fc.sample(queryV2Arb, { seed: SEED + 4, numRuns: V2_QUERIES_PER_DATASET });
    const seen = new Set<string>();
    let compared = 0;
    for (const [index, table] of tables.entries()) {
      const exact = table.arithmetic() === 'exact-decimal';
      for (const query of queries) {
        const expected = table.query(query);
        const actual = await repository.query(configs[index].name, query);
        const context = (): string => `dataset ${index}, ${JSON.stringify(query)}`;
        expectSameAnswer(actual, expected, context);
        if (exact) {
          expectSameSumsAndMeans(actual, expected, query, context);
        }
        compared += expected.groups.length;
        for (const feature of ['window', 'cumulative', 'compare', 'keepCountries'] as const) {
          if (query[feature]) {
            seen.add(feature);
          }
        }
        if (query.period === 'week') {
          seen.add('week');
        }
        if ((query.fiscalYearStart ?? 1) !== 1) {
          seen.add('fiscalYearStart');
        }
        if (expected.groups.some(({ country }) => country === 'OTHER')) {
          seen.add('OTHER');
        }
        if (expected.groups.some(({ previous }) => previous !== undefined)) {
          seen.add('previous');
        }
      }
    }
    expect(compared).toBeGreaterThan(DATASETS * V2_QUERIES_PER_DATASET);
    expect([...seen].sort()).toEqual(
      [
        'OTHER',
        'compare',
        'cumulative',
        'fiscalYearStart',
        'keepCountries',
        'previous',
        'week',
        'window',
      ].sort(),
    );
  }, 600_000);
});
