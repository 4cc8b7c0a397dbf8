import { relativeChange, topCountries, toResultRows } from 'src/analysis/analysis-rows';
import type { DatasetQuery, MetricSpec, ResultGroup } from 'src/engine';

const COUNT: MetricSpec = { name: 'count', kind: 'count' };
const SUM: MetricSpec = { name: 'sum', kind: 'sum' };
const MEDIAN: MetricSpec = { name: 'median', kind: 'quantile', q: 0.5 };

function query(overrides: Partial<DatasetQuery>): DatasetQuery {
  return {
    countries: null,
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: true,
    period: null,
    metrics: [COUNT, SUM],
    ...overrides,
  };
}

describe('analysis rows', () => {
  describe(relativeChange.name, () => {
    it.each([
      [120, 100, 0.2],
      [80, 100, -0.2],
      [-50, -100, 0.5],
      [50, -100, 1.5],
      [0, 100, -1],
      [100, 0, null],
      [100, null, null],
      [null, 100, null],
    ])('should change %p against %p by %p', (current, previous, expected) => {
      expect(relativeChange(current, previous)).toBe(expected);
    });
  });

  describe(topCountries.name, () => {
    it('should keep the highest values, break ties by code and put undefined values last', () => {
      const ranked = [
        { country: 'UY', value: null },
        { country: 'CL', value: 5 },
        { country: 'BR', value: 9 },
        { country: 'AR', value: 5 },
        { country: 'MX', value: 1 },
      ];
      expect(topCountries(ranked, 3)).toEqual(['BR', 'AR', 'CL']);
      expect(topCountries(ranked, 5)).toEqual(['BR', 'AR', 'CL', 'MX', 'UY']);
    });
  });

  describe(toResultRows.name, () => {
    it('should share count and sum within each period, OTHER included', () => {
      const groups: ResultGroup[] = [
        { country: 'AR', period: 2024, rows: 3, values: [3, 30] },
        { country: 'AR', period: 2025, rows: 1, values: [1, -5] },
        { country: 'OTHER', period: 2024, rows: 1, values: [1, 10] },
        { country: 'OTHER', period: 2025, rows: 1, values: [1, 5] },
      ];
      expect(toResultRows(groups, query({ period: 'year' }), true)).toEqual([
        { country: 'AR', year: 2024, count: 3, sum: 30, count_share: 0.75, sum_share: 0.75 },
        // The sums of 2025 cancel out: no share can be given.
        { country: 'AR', year: 2025, count: 1, sum: -5, count_share: 0.5, sum_share: null },
        { country: 'OTHER', year: 2024, count: 1, sum: 10, count_share: 0.25, sum_share: 0.25 },
        { country: 'OTHER', year: 2025, count: 1, sum: 5, count_share: 0.5, sum_share: null },
      ]);
    });

    it('should follow each metric with its previous value and change, 0 rows counting 0', () => {
      const groups: ResultGroup[] = [
        {
          country: null,
          period: 2024 * 12 + 2,
          rows: 4,
          values: [4, 10],
          previous: { rows: 2, values: [2, 8] },
        },
        { country: null, period: 2024 * 12 + 3, rows: 1, values: [1, 3] },
      ];
      const rows = toResultRows(
        groups,
        query({ groupByCountry: false, period: 'month', compare: 'previous_period' }),
        false,
      );
      expect(rows).toEqual([
        {
          month: '2024-03',
          count: 4,
          count_previous: 2,
          count_change: 1,
          sum: 10,
          sum_previous: 8,
          sum_change: 0.25,
        },
        {
          month: '2024-04',
          count: 1,
          count_previous: 0,
          count_change: null,
          sum: 3,
          sum_previous: null,
          sum_change: null,
        },
      ]);
      expect(Object.keys(rows[0])).toEqual([
        'month',
        'count',
        'count_previous',
        'count_change',
        'sum',
        'sum_previous',
        'sum_change',
      ]);
    });

    it('should name fiscal and ISO week periods and list windowPeriods last', () => {
      const weeks = toResultRows(
        [{ country: 'AR', period: 2804, rows: 2, values: [7], windowPeriods: 2 }],
        query({ period: 'week', metrics: [MEDIAN], window: 3 }),
        true,
      );
      // Week 2804 since 1970's first ISO week starts on Monday 2023-09-25.
      expect(weeks).toEqual([{ country: 'AR', week: '2023-W39', median: 7, windowPeriods: 2 }]);
      const fiscal = toResultRows(
        [{ country: null, period: 2025 * 4, rows: 1, values: [1, 2] }],
        query({ groupByCountry: false, period: 'quarter', fiscalYearStart: 7 }),
        false,
      );
      expect(fiscal).toEqual([{ quarter: 'FY2025-Q1', count: 1, sum: 2 }]);
    });
  });
});
