import { parseMetricName, type DatasetQuery, type MetricSpec } from 'src/engine';
import { toDayNumber } from 'src/common/calendar/day-number';
import {
  analysisSql,
  CLICKHOUSE_MAX_DAY,
  identifier,
  percentOf,
  stringLiteral,
  tableRef,
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
    [0.5, 50],
    [0.01, 1],
    [0.29, 29],
    [0.99, 99],
  ])('should rebuild quantile %p from the whole percentile %p', (q, percent) => {
    expect(percentOf(q)).toBe(percent);
  });

  it('should refuse a quantile that is not a whole percentile', () => {
    expect(() => percentOf(0.125)).toThrow(TypeError);
  });
});
