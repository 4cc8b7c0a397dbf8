import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import request from 'supertest';
import { naiveAnalyse, readNaiveDataset, type NaiveQuery } from 'test/support/naive-sales';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * test/fixtures/e2e/sales.csv, by hand (ISO weeks in brackets):
 *   AR: 100 (2024-01-15, W03), 200 (2024-02-10, W06), 400 (2024-07-05, W27), 300 (2025-03-20, 2025-W12)
 *   CL: 50 (2024-01-01, W01), 150 (2024-06-30, W26), 250.5 (2024-12-31, 2025-W01)
 *   UY: 80 (2024-02-29, W09), 120 (2025-03-01, 2025-W09)
 *   BR: 1000 (2024-05-15, W20)
 * The data spans 2024-01-01 to 2025-03-20.
 */
const FIXTURE = join(FIXTURES, 'e2e', 'sales.csv');
const PROBLEM_JSON = /^application\/problem\+json/;

describe('v1 analysis: comparisons, windows and shares', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: FIXTURE });
  });

  afterAll(async () => {
    await app.close();
  });

  const analyse = (query: string) =>
    request(app.getHttpServer()).get(`/v1/datasets/sales/analysis?${query}`);

  /** The hand-computed rows must also be what the naive reference computes. */
  const naive = (query: Partial<NaiveQuery> & Pick<NaiveQuery, 'metrics'>) =>
    naiveAnalyse(readNaiveDataset(FIXTURE), {
      countries: null,
      years: null,
      from: null,
      to: null,
      byCountry: true,
      period: null,
      ...query,
    }).results;

  describe('share', () => {
    it('should give each country its part of the count and of the sum', async () => {
      const response = await analyse('metrics=count,sum&share=true').expect(200);
      const total = 2650.5;
      const expected = [
        { country: 'AR', count: 4, sum: 1000, count_share: 0.4, sum_share: 1000 / total },
        { country: 'BR', count: 1, sum: 1000, count_share: 0.1, sum_share: 1000 / total },
        { country: 'CL', count: 3, sum: 450.5, count_share: 0.3, sum_share: 450.5 / total },
        { country: 'UY', count: 2, sum: 200, count_share: 0.2, sum_share: 200 / total },
      ];
      expect(response.body.results).toEqual(expected);
      expect(response.body.query.share).toBe(true);
      expect(naive({ metrics: ['count', 'sum'], share: true })).toEqual(expected);
    });

    it('should share within each period', async () => {
      const response = await analyse(
        'metrics=count,sum&groupBy=country,year&share=yes&countries=AR,UY',
      ).expect(200);
      const expected = [
        { country: 'AR', year: 2024, count: 3, sum: 700, count_share: 0.75, sum_share: 700 / 780 },
        { country: 'AR', year: 2025, count: 1, sum: 300, count_share: 0.5, sum_share: 300 / 420 },
        { country: 'UY', year: 2024, count: 1, sum: 80, count_share: 0.25, sum_share: 80 / 780 },
        { country: 'UY', year: 2025, count: 1, sum: 120, count_share: 0.5, sum_share: 120 / 420 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({ metrics: ['count', 'sum'], share: true, period: 'year', countries: ['AR', 'UY'] }),
      ).toEqual(expected);
    });

    it('should add no share column for metrics other than count and sum', async () => {
      const response = await analyse('metrics=mean&share=true&groupBy=none').expect(200);
      expect(response.body.results).toEqual([{ mean: 265.05 }]);
    });

    it('should write the share columns in CSV too', async () => {
      const response = await analyse('metrics=count&share=true&countries=AR,BR&format=csv').expect(
        200,
      );
      expect(response.text).toBe('country,count,count_share\r\nAR,4,0.8\r\nBR,1,0.2\r\n');
    });
  });

  describe('top and OTHER', () => {
    it('should keep the top countries and fold the rest into OTHER with its true median', async () => {
      const response = await analyse('metrics=sum,median&top=2&rankBy=sum').expect(200);
      // AR and BR tie at 1000; OTHER is CL and UY: 50, 80, 120, 150, 250.5.
      const expected = [
        { country: 'AR', sum: 1000, median: 250 },
        { country: 'BR', sum: 1000, median: 1000 },
        { country: 'OTHER', sum: 650.5, median: 120 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(response.body.query).toMatchObject({ top: 2, rankBy: 'sum' });
      expect(naive({ metrics: ['sum', 'median'], top: 2, rankBy: 'sum' })).toEqual(expected);
    });

    it('should break ties by country code', async () => {
      const response = await analyse('metrics=sum,count&top=1&rankBy=sum').expect(200);
      expect(response.body.results).toEqual([
        { country: 'AR', sum: 1000, count: 4 },
        { country: 'OTHER', sum: 1650.5, count: 6 },
      ]);
    });

    it('should rank by the first metric by default', async () => {
      const response = await analyse('metrics=median,count&top=1').expect(200);
      // Medians: AR 250, BR 1000, CL 150, UY 100. OTHER: 50, 80, 100, 120, 150, 200, 250.5, 300, 400.
      expect(response.body.results).toEqual([
        { country: 'BR', median: 1000, count: 1 },
        { country: 'OTHER', median: 150, count: 9 },
      ]);
      expect(response.body.query).toMatchObject({ top: 1, rankBy: 'median' });
    });

    it('should keep the same countries in every period', async () => {
      const response = await analyse(
        'metrics=count&top=1&rankBy=count&groupBy=country,year',
      ).expect(200);
      const expected = [
        { country: 'AR', year: 2024, count: 3 },
        { country: 'AR', year: 2025, count: 1 },
        { country: 'OTHER', year: 2024, count: 5 },
        { country: 'OTHER', year: 2025, count: 1 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(naive({ metrics: ['count'], top: 1, rankBy: 'count', period: 'year' })).toEqual(
        expected,
      );
    });

    it('should leave no OTHER row when every country is in the top', async () => {
      const response = await analyse('metrics=count&top=10&countries=AR,UY').expect(200);
      expect(response.body.results).toEqual([
        { country: 'AR', count: 4 },
        { country: 'UY', count: 2 },
      ]);
    });
  });

  describe('groupBy=week', () => {
    it('should key ISO weeks, Monday first, with the last days of 2024 in 2025-W01', async () => {
      const response = await analyse(
        'metrics=count,sum&groupBy=week&years=2024&countries=CL,UY',
      ).expect(200);
      const expected = [
        { week: '2024-W01', count: 1, sum: 50 },
        { week: '2024-W09', count: 1, sum: 80 },
        { week: '2024-W26', count: 1, sum: 150 },
        { week: '2025-W01', count: 1, sum: 250.5 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({
          metrics: ['count', 'sum'],
          byCountry: false,
          period: 'week',
          years: [2024],
          countries: ['CL', 'UY'],
        }),
      ).toEqual(expected);
    });

    it('should combine weeks with countries', async () => {
      const response = await analyse('metrics=max&groupBy=country,week&countries=AR').expect(200);
      expect(response.body.results).toEqual([
        { country: 'AR', week: '2024-W03', max: 100 },
        { country: 'AR', week: '2024-W06', max: 200 },
        { country: 'AR', week: '2024-W27', max: 400 },
        { country: 'AR', week: '2025-W12', max: 300 },
      ]);
    });
  });

  describe('fiscalYearStart', () => {
    it('should key fiscal years by the year they end in', async () => {
      const response = await analyse('metrics=count&groupBy=year&fiscalYearStart=7').expect(200);
      expect(response.body.results).toEqual([
        { year: 'FY2024', count: 6 },
        { year: 'FY2025', count: 4 },
      ]);
      expect(response.body.query.fiscalYearStart).toBe(7);
    });

    it('should key fiscal quarters', async () => {
      const response = await analyse('metrics=count,sum&groupBy=quarter&fiscalYearStart=7').expect(
        200,
      );
      const expected = [
        { quarter: 'FY2024-Q3', count: 4, sum: 430 },
        { quarter: 'FY2024-Q4', count: 2, sum: 1150 },
        { quarter: 'FY2025-Q1', count: 1, sum: 400 },
        { quarter: 'FY2025-Q2', count: 1, sum: 250.5 },
        { quarter: 'FY2025-Q3', count: 2, sum: 420 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({
          metrics: ['count', 'sum'],
          byCountry: false,
          period: 'quarter',
          fiscalYearStart: 7,
        }),
      ).toEqual(expected);
    });

    it('should filter years by fiscal year', async () => {
      const response = await analyse(
        'metrics=count,min,max&groupBy=none&years=2025&fiscalYearStart=7',
      ).expect(200);
      // 2024-07-01 to 2025-06-30: AR 400, 300; CL 250.5; UY 120.
      expect(response.body.results).toEqual([{ count: 4, min: 120, max: 400 }]);
      expect(response.body.matchedRows).toBe(4);
    });

    it('should keep calendar keys by default', async () => {
      const response = await analyse('metrics=count&groupBy=year&fiscalYearStart=1').expect(200);
      expect(response.body.results).toEqual([
        { year: 2024, count: 8 },
        { year: 2025, count: 2 },
      ]);
    });
  });

  describe('compare', () => {
    it('should compare each year with the one before, with null values before the data', async () => {
      const response = await analyse('metrics=count,sum&groupBy=year&compare=previous_year').expect(
        200,
      );
      const expected = [
        {
          year: 2024,
          count: 8,
          count_previous: 0,
          count_change: null,
          sum: 2230.5,
          sum_previous: null,
          sum_change: null,
        },
        {
          year: 2025,
          count: 2,
          count_previous: 8,
          count_change: -0.75,
          sum: 420,
          sum_previous: 2230.5,
          sum_change: (420 - 2230.5) / 2230.5,
        },
      ];
      expect(response.body.results).toEqual(expected);
      expect(response.body.query.compare).toBe('previous_year');
      expect(
        naive({
          metrics: ['count', 'sum'],
          byCountry: false,
          period: 'year',
          compare: 'previous_year',
        }),
      ).toEqual(expected);
    });

    it('should read the comparison year outside the years filter, per country', async () => {
      const response = await analyse(
        'metrics=count,median&groupBy=country,year&years=2025&countries=AR&compare=previous_year',
      ).expect(200);
      expect(response.body.results).toEqual([
        {
          country: 'AR',
          year: 2025,
          count: 1,
          count_previous: 3,
          count_change: -2 / 3,
          median: 300,
          median_previous: 200,
          median_change: 0.5,
        },
      ]);
      expect(response.body.matchedRows).toBe(1);
    });

    it('should compare the same days of the previous period when from cuts a month', async () => {
      const response = await analyse(
        'metrics=count&groupBy=month&from=2024-02-10&to=2024-03-31&compare=previous_period',
      ).expect(200);
      // February 10–29 against January 10–29: AR 100 on the 15th, not CL 50 on the 1st.
      const expected = [{ month: '2024-02', count: 2, count_previous: 1, count_change: 1 }];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({
          metrics: ['count'],
          byCountry: false,
          period: 'month',
          from: '2024-02-10',
          to: '2024-03-31',
          compare: 'previous_period',
        }),
      ).toEqual(expected);
    });

    it('should compare a range without periods with the same dates a year earlier', async () => {
      const response = await analyse(
        'metrics=count,sum&groupBy=none&from=2025-01-01&to=2025-03-20&compare=previous_year',
      ).expect(200);
      // 2024-01-01..2024-03-20: CL 50, AR 100, AR 200, UY 80.
      expect(response.body.results).toEqual([
        {
          count: 2,
          count_previous: 4,
          count_change: -0.5,
          sum: 420,
          sum_previous: 430,
          sum_change: (420 - 430) / 430,
        },
      ]);
    });

    it('should compare a range with the same number of days just before it', async () => {
      const response = await analyse(
        'metrics=count,sum&groupBy=none&from=2024-02-01&to=2024-02-29&compare=previous_period',
      ).expect(200);
      // 29 days before: 2024-01-03..2024-01-31 holds AR 100 only.
      const expected = [
        {
          count: 2,
          count_previous: 1,
          count_change: 1,
          sum: 280,
          sum_previous: 100,
          sum_change: 1.8,
        },
      ];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({
          metrics: ['count', 'sum'],
          byCountry: false,
          from: '2024-02-01',
          to: '2024-02-29',
          compare: 'previous_period',
        }),
      ).toEqual(expected);
    });

    it('should add the comparison columns to CSV', async () => {
      const response = await analyse(
        'metrics=count&groupBy=year&compare=previous_period&format=csv',
      ).expect(200);
      expect(response.text).toBe(
        'year,count,count_previous,count_change\r\n2024,8,0,\r\n2025,2,8,-0.75\r\n',
      );
    });
  });

  describe('window', () => {
    it('should compute a rolling median over the last three months', async () => {
      const response = await analyse(
        'metrics=count,median&groupBy=month&window=3&countries=AR&years=2024',
      ).expect(200);
      const expected = [
        { month: '2024-01', count: 1, median: 100, windowPeriods: 1 },
        { month: '2024-02', count: 2, median: 150, windowPeriods: 2 },
        { month: '2024-07', count: 1, median: 400, windowPeriods: 3 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(response.body.query.window).toBe(3);
      expect(
        naive({
          metrics: ['count', 'median'],
          byCountry: false,
          period: 'month',
          window: 3,
          countries: ['AR'],
          years: [2024],
        }),
      ).toEqual(expected);
    });

    it('should look back past the years filter', async () => {
      const response = await analyse(
        'metrics=count,median&groupBy=country,quarter&window=5&countries=UY&years=2025',
      ).expect(200);
      // 2024-Q1..2025-Q1: 80 and 120.
      expect(response.body.results).toEqual([
        { country: 'UY', quarter: '2025-Q1', count: 2, median: 100, windowPeriods: 5 },
      ]);
      expect(response.body.matchedRows).toBe(1);
    });
  });

  describe('cumulative', () => {
    it('should run count, sum and median from the start of the data', async () => {
      const response = await analyse(
        'metrics=count,sum,median&groupBy=month&cumulative=true&countries=AR',
      ).expect(200);
      expect(response.body.results).toEqual([
        { month: '2024-01', count: 1, sum: 100, median: 100 },
        { month: '2024-02', count: 2, sum: 300, median: 150 },
        { month: '2024-07', count: 3, sum: 700, median: 200 },
        { month: '2025-03', count: 4, sum: 1000, median: 250 },
      ]);
      expect(response.body.query.cumulative).toBe(true);
    });

    it('should start at the start of the filtered range', async () => {
      const response = await analyse(
        'metrics=count,sum,median&groupBy=country,month&cumulative=true&countries=AR&from=2024-02-01',
      ).expect(200);
      const expected = [
        { country: 'AR', month: '2024-02', count: 1, sum: 200, median: 200 },
        { country: 'AR', month: '2024-07', count: 2, sum: 600, median: 300 },
        { country: 'AR', month: '2025-03', count: 3, sum: 900, median: 300 },
      ];
      expect(response.body.results).toEqual(expected);
      expect(
        naive({
          metrics: ['count', 'sum', 'median'],
          period: 'month',
          cumulative: true,
          countries: ['AR'],
          from: '2024-02-01',
        }),
      ).toEqual(expected);
    });
  });

  describe('errors', () => {
    it('should list every contradiction at once, each under its parameter', async () => {
      const response = await analyse(
        'metrics=mean&groupBy=none&window=3&cumulative=true&top=2&rankBy=sum&compare=previous_period',
      ).expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.errors).toEqual([
        {
          parameter: 'compare',
          message:
            "needs a period in 'groupBy', or a date range to compare ('from' and 'to', or 'years')",
        },
        {
          parameter: 'window',
          message:
            "needs a period in 'groupBy' (year, quarter, month or week): a window spans periods",
        },
        {
          parameter: 'cumulative',
          message:
            "needs a period in 'groupBy' (year, quarter, month or week): running totals accumulate period by period",
        },
        {
          parameter: 'top',
          message:
            "needs 'country' in 'groupBy': it keeps the top countries and folds the rest into OTHER",
        },
        {
          parameter: 'rankBy',
          message: "must be one of the requested metrics (mean), got 'sum'",
        },
      ]);
    });

    it.each([
      ['window=3&cumulative=true&groupBy=month', 'cumulative', "cannot be combined with 'window'"],
      ['rankBy=mean', 'rankBy', "needs 'top'"],
      [
        'compare=previous_year&window=3&groupBy=month',
        'compare',
        "cannot be combined with 'window' or 'cumulative'",
      ],
      ['window=1&groupBy=month', 'window', 'must be at least 2 periods'],
      ['window=37&groupBy=month', 'window', 'must be at most 36 periods'],
      ['window=2.5&groupBy=month', 'window', 'must be a whole number of periods from 2 to 36'],
      ['top=0', 'top', 'must be at least 1'],
      ['top=51', 'top', 'must be at most 50'],
      ['fiscalYearStart=13', 'fiscalYearStart', 'must be a month number from 1 to 12'],
      ['compare=yesterday', 'compare', 'must be one of previous_period, previous_year'],
      [
        'compare=previous_year&groupBy=country&from=2024-01-01',
        'compare',
        "needs a period in 'groupBy'",
      ],
      ['share=maybe', 'share', 'must be a boolean flag'],
      ['groupBy=week,month', 'groupBy', "at most one of 'year', 'quarter', 'month', 'week'"],
    ])('should refuse %s under %s', async (query, parameter, message) => {
      const response = await analyse(`metrics=mean&${query}`).expect(400);
      expect(response.body.errors).toEqual([
        { parameter, message: expect.stringContaining(message) },
      ]);
    });

    it('should accept an explicit cumulative=false without a period', async () => {
      await analyse('metrics=count&cumulative=false&share=false').expect(200);
    });
  });
});
