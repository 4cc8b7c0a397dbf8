import { parseMetricName, type DatasetQuery, type MetricSpec } from 'src/engine';
import { toDayNumber } from 'src/common/calendar/day-number';
import {
  analysisSql,
  committedRowsCondition,
  quantileSetsSql,
  rowSetsSql,
  CLICKHOUSE_MAX_DAY,
  identifier,
  levelOfIndex,
  periodExpression,
  quantileIndices,
  rowSetConditions,
  quantileSql,
  scaledSumOf,
  stringLiteral,
  tableRef,
  windowOrderStatisticsSql,
  windowsPerStatement,
  windowSql,
} from 'src/data/clickhouse/sales-sql';

function query(overrides: Partial<DatasetQuery>): DatasetQuery {
  return {
    countries: null,
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: false,
    period: null,
    metrics: [parseMetricName('count') as MetricSpec],
    ...overrides,
  };
}

const HOSTILE_TEXT = [
  "AR') OR 1=1 --",
  'AR`; DROP TABLE sales; --',
  "x' UNION SELECT * FROM system.users --",
  '\\',
  "'",
  '\u0000',
  'sales\nFORMAT TSV',
];

describe('sales SQL', () => {
  it.each(HOSTILE_TEXT)('should refuse %j as an identifier', (name) => {
    expect(() => identifier(name)).toThrow(TypeError);
    expect(() => tableRef('sales_metrics', name)).toThrow(TypeError);
  });

  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ['new\nline\u0000', "'new\\x0aline\\x00'"],
  ])('should quote %j as the literal %s', (text, literal) => {
    expect(stringLiteral(text)).toBe(literal);
  });

  it.each(HOSTILE_TEXT)('should refuse %j as a country code', (country) => {
    expect(() => analysisSql('`db`.`t`', query({ countries: [country] }))).toThrow(TypeError);
  });

  it.each([Number.NaN, 1.5, Number.POSITIVE_INFINITY, 2 ** 60])(
    'should refuse %p as a year or day',
    (bad) => {
      expect(() => analysisSql('`db`.`t`', query({ years: [bad] }))).toThrow(TypeError);
      expect(() => analysisSql('`db`.`t`', query({ fromDay: bad }))).toThrow(TypeError);
    },
  );

  it('should write filters from checked values only', () => {
    const sql = analysisSql(
      '`db`.`t`',
      query({
        countries: ['AR', 'CL'],
        years: [2024],
        fromDay: toDayNumber(2024, 1, 1),
        toDay: toDayNumber(2024, 6, 30),
      }),
    );
    expect(sql).toContain(
      "WHERE country IN ('AR', 'CL') AND toYear(date) IN (2024) AND date >= toDate('2024-01-01') AND date <= toDate('2024-06-30')",
    );
  });

  it('should add the visibility condition of a cluster dataset to every statement', () => {
    const visible = committedRowsCondition('db', "it's");
    expect(visible).toBe(
      "(part = 0 OR part GLOBAL IN (SELECT write_id FROM `db`.`versions` WHERE dataset = 'it\\'s' " +
        "AND state = 'committed'))",
    );
    expect(analysisSql('`db`.`t`', query({ countries: ['AR'] }), [visible])).toContain(
      `FROM \`db\`.\`t\` WHERE ${visible} AND country IN ('AR')`,
    );
    expect(rowSetsSql('`db`.`t`', query({}), [['0']], [visible])).toContain(
      `FROM \`db\`.\`t\` WHERE ${visible} AND 0`,
    );
    expect(
      quantileSetsSql('`db`.`t`', [{ conditions: ['1'], rows: 2 }], [0.5], [visible]),
    ).toContain(`FROM \`db\`.\`t\` WHERE ${visible} AND 1`);
  });

  it('should keep every row for bounds outside the Date range and none for impossible ones', () => {
    const unfiltered = analysisSql('`db`.`t`', query({}));
    expect(analysisSql('`db`.`t`', query({ fromDay: -5, toDay: CLICKHOUSE_MAX_DAY + 9 }))).toBe(
      unfiltered,
    );
    expect(analysisSql('`db`.`t`', query({ toDay: -1 }))).toContain('FROM `db`.`t` WHERE 0)');
    expect(analysisSql('`db`.`t`', query({ fromDay: CLICKHOUSE_MAX_DAY + 1 }))).toContain(
      'FROM `db`.`t` WHERE 0)',
    );
  });

  it.each([
    [0, 1],
    [0, 2],
    [1, 2],
    [2, 3],
    [49_999, 100_000],
    [3_333_332, 3_333_334],
    [3_333_333, 3_333_334],
    [123_456_788, 123_456_789],
    [2 ** 40, 2 ** 41 + 7],
  ])('should pick order statistic %p of %p rows the way quantileExact indexes', (index, rows) => {
    // ClickHouse's QuantileExact::get: size_t n = level * array.size(), level parsed from text.
    const level = Number(String(levelOfIndex(index, rows)));
    expect(level).toBeLessThan(1);
    expect(Math.floor(level * rows)).toBe(index);
  });

  it('should refuse an order statistic outside the rows', () => {
    expect(() => levelOfIndex(3, 3)).toThrow(TypeError);
    expect(() => levelOfIndex(-1, 3)).toThrow(TypeError);
    expect(() => levelOfIndex(0.5, 3)).toThrow(TypeError);
  });

  it.each([
    // rows, q, the two 0-based ranks around (rows - 1) * q
    [1, 0.5, [0, 0]],
    [4, 0.5, [1, 2]],
    [5, 0.5, [2, 3]],
    [101, 0.29, [28, 29]],
    [10, 0.99, [8, 9]],
    [10, 1, [9, 9]],
  ])('should take for %p rows and q = %p the order statistics %j', (rows, q, indices) => {
    expect(quantileIndices(rows, [q])).toEqual(indices);
  });

  it('should select each group by its own key range and levels', () => {
    const sql = quantileSql(
      '`db`.`t`',
      query({ years: [2024], groupByCountry: true, period: 'month' }),
      [
        { country: 'AR', period: 2024 * 12 + 1, rows: 4 },
        { country: 'CL', period: 2024 * 12 + 11, rows: 1 },
      ],
      [0.5],
    );
    expect(sql).toBe(
      'SELECT 0 AS g, count() AS n, quantilesExact(0.375, 0.625)(value) AS qs FROM `db`.`t` ' +
        "WHERE toYear(date) IN (2024) AND country = 'AR' AND date >= toDate('2024-02-01') AND date <= toDate('2024-02-29') " +
        'UNION ALL SELECT 1 AS g, count() AS n, quantilesExact(0.5, 0.5)(value) AS qs FROM `db`.`t` ' +
        "WHERE toYear(date) IN (2024) AND country = 'CL' AND date >= toDate('2024-12-01') AND date <= toDate('2024-12-31')",
    );
  });

  it.each(HOSTILE_TEXT)('should refuse %j as a group country', (country) => {
    expect(() =>
      quantileSql(
        '`db`.`t`',
        query({ groupByCountry: true }),
        [{ country, period: null, rows: 3 }],
        [0.5],
      ),
    ).toThrow(TypeError);
  });

  it.each([
    ['year', 1, 'toYear(date)'],
    ['quarter', 1, 'toYear(date) * 4 + toQuarter(date) - 1'],
    ['month', 1, '(toYear(date) * 12 + toMonth(date) - 1)'],
    ['week', 1, 'intDiv(toUInt32(date) + 3, 7)'],
    ['year', 7, 'intDiv(((toYear(date) * 12 + toMonth(date) - 1) + 6), 12)'],
    [
      'quarter',
      4,
      'intDiv(((toYear(date) * 12 + toMonth(date) - 1) + 9), 12) * 4 + intDiv(((toYear(date) * 12 + toMonth(date) - 1) + 9) % 12, 3)',
    ],
  ] as const)('should key %s periods with fiscal years from month %p as %s', (unit, start, sql) => {
    expect(periodExpression(unit, start)).toBe(sql);
  });

  it('should filter fiscal years by the fiscal year of each row', () => {
    expect(analysisSql('`db`.`t`', query({ years: [2025], fiscalYearStart: 7 }))).toContain(
      'WHERE intDiv(((toYear(date) * 12 + toMonth(date) - 1) + 6), 12) IN (2025)',
    );
  });

  it('should fold the countries outside the kept ones into OTHER', () => {
    const sql = analysisSql(
      '`db`.`t`',
      query({ groupByCountry: true, keepCountries: ['AR', 'BR'] }),
    );
    expect(sql).toContain("if(country IN ('AR', 'BR'), toString(country), 'OTHER') AS g_country");
    expect(
      rowSetConditions(query({ groupByCountry: true, keepCountries: ['AR'] }), 'OTHER', [0, 9]),
    ).toEqual(["country NOT IN ('AR')", "((date <= toDate('1970-01-10')))"]);
  });

  it.each(HOSTILE_TEXT)('should refuse %j as a kept country', (country) => {
    expect(() =>
      analysisSql('`db`.`t`', query({ groupByCountry: true, keepCountries: [country] })),
    ).toThrow(TypeError);
  });

  it('should write day intervals within the Date range, and none when nothing is left', () => {
    const day = toDayNumber(2024, 3, 1);
    expect(
      rowSetConditions(query({ countries: ['AR'] }), 'AR', [
        Number.NEGATIVE_INFINITY,
        day,
        day + 10,
        Number.POSITIVE_INFINITY,
      ]),
    ).toEqual([
      "country IN ('AR')",
      "country = 'AR'",
      "((date <= toDate('2024-03-01')) OR (date >= toDate('2024-03-11')))",
    ]);
    expect(rowSetConditions(query({}), null, [-40, -3])).toEqual(['0']);
    expect(rowSetConditions(query({}), null, [])).toEqual(['0']);
    expect(() => rowSetConditions(query({}), null, [1.5, 3])).toThrow(TypeError);
  });

  it.each([
    // kh, kl, Σk = kh * 2^26 + kl
    ['0', '0', 0n],
    ['3', '-5', 3n * 2n ** 26n - 5n],
    ['-123456789012', '987654321', -123456789012n * 2n ** 26n + 987654321n],
  ])('should rebuild the exact Σk from kh = %s and kl = %s', (kh, kl, sum) => {
    expect(scaledSumOf({ n: '9', kh, kl, inexact: '0' })).toBe(sum);
  });

  it('should give no exact Σk when a value has no exact k', () => {
    expect(scaledSumOf({ n: '9', kh: '1', kl: '2', inexact: '1' })).toBeNull();
    expect(scaledSumOf({ n: '9', s: 3 })).toBeNull();
  });

  it('should combine per-period partials into each window instead of reading rows per window', () => {
    const monthly = query({ groupByCountry: true, period: 'month', countries: ['AR'] });
    const sql = windowSql('`db`.`t`', monthly, 12);
    expect(sql).toContain("FROM `db`.`t` WHERE country IN ('AR') GROUP BY g_country, p_period)");
    expect(sql).toContain('ARRAY JOIN range(12) AS p_offset');
    expect(sql).toContain('GROUP BY g_country, g_period');
    expect(() => windowSql('`db`.`t`', query({}), 12)).toThrow(TypeError);
    expect(() => windowSql('`db`.`t`', monthly, 1.5)).toThrow(TypeError);
  });

  it.each(HOSTILE_TEXT)('should refuse %j as a window country', (country) => {
    const monthly = query({ groupByCountry: true, period: 'month' });
    const selection = { country, period: 24_300, buckets: [49_000, 49_000], ranks: [3, 4] };
    expect(() => windowOrderStatisticsSql('`db`.`t`', monthly, 12, [selection])).toThrow(TypeError);
  });

  it.each([Number.NaN, 1.5, 2 ** 60])('should refuse %p as a bucket, rank or period', (bad) => {
    const monthly = query({ groupByCountry: false, period: 'month' });
    const good = { country: null, period: 24_300, buckets: [49_000], ranks: [3] };
    for (const selection of [
      { ...good, buckets: [bad] },
      { ...good, ranks: [bad] },
      { ...good, period: bad },
    ]) {
      expect(() => windowOrderStatisticsSql('`db`.`t`', monthly, 12, [selection])).toThrow(
        TypeError,
      );
    }
  });

  it('should keep a window statement under 256 KiB however many quantiles it selects', () => {
    const monthly = query({ groupByCountry: true, period: 'month' });
    for (const statistics of [2, 12, 40]) {
      const windows = windowsPerStatement(statistics);
      const selections = Array.from({ length: windows }, (_, i) => ({
        country: ['AR', 'CL', 'UY', 'OTHER'][i % 4],
        period: 24_000 + Math.floor(i / 4),
        buckets: Array.from({ length: statistics }, () => 49_152 + (i % 7)),
        ranks: Array.from({ length: statistics }, (_, j) => 123_456 + i + j),
      }));
      const sql = windowOrderStatisticsSql('`db`.`t`', monthly, 36, selections);
      expect(sql.length).toBeLessThan(150_000);
    }
  });
});
