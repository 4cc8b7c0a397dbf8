import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * test/fixtures/e2e/sales.csv, by hand:
 *   AR: 100 (2024-01-15), 200 (2024-02-10), 400 (2024-07-05), 300 (2025-03-20)
 *   CL: 50 (2024-01-01), 150 (2024-06-30), 250.5 (2024-12-31)
 *   UY: 80 (2024-02-29), 120 (2025-03-01)
 *   BR: 1000 (2024-05-15)
 */
const FIXTURE = join(FIXTURES, 'e2e', 'sales.csv');
const PROBLEM_JSON = /^application\/problem\+json/;
const ALL_COUNTRIES = ['AR', 'BR', 'CL', 'UY'];

describe('v1 API', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: FIXTURE });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);
  const analyse = (query: string) => get(`/v1/datasets/sales/analysis?${query}`);

  describe('GET /v1/datasets', () => {
    it('should list the default dataset with its summary', async () => {
      const response = await get('/v1/datasets').expect(200);
      expect(response.body).toEqual([
        {
          name: 'sales',
          rows: 10,
          countries: [
            { code: 'AR', rows: 4 },
            { code: 'BR', rows: 1 },
            { code: 'CL', rows: 3 },
            { code: 'UY', rows: 2 },
          ],
          dateRange: { from: '2024-01-01', to: '2025-03-20' },
          years: [2024, 2025],
          loadedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
          source: 'sales.csv',
          sha256: createHash('sha256').update(readFileSync(FIXTURE)).digest('hex'),
          version: expect.stringMatching(/^[0-9a-f]{16}$/),
          rejectedRows: 0,
          rejectedExamples: [],
          arithmetic: 'exact-decimal',
        },
      ]);
    });

    it('should describe one dataset', async () => {
      const response = await get('/v1/datasets/sales').expect(200);
      expect(response.body).toMatchObject({ name: 'sales', rows: 10, source: 'sales.csv' });
      const [listed] = (await get('/v1/datasets').expect(200)).body as { version: string }[];
      expect(response.body.version).toBe(listed.version);
      expect(JSON.stringify(response.body)).not.toContain(FIXTURES);
    });

    it('should answer 404 naming an unknown dataset and listing the available ones', async () => {
      const response = await get('/v1/datasets/salez').expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toEqual({
        type: 'urn:sales-metrics:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: "Dataset 'salez' does not exist. Available datasets: sales",
        instance: '/v1/datasets/salez',
        requestId: expect.any(String),
      });
    });

    it('should answer 404 for an unknown dataset on the analysis route', async () => {
      const response = await get('/v1/datasets/__proto__/analysis?metrics=mean').expect(404);
      expect(response.body.detail).toBe(
        "Dataset '__proto__' does not exist. Available datasets: sales",
      );
    });
  });

  describe('GET /v1/datasets/{dataset}/analysis', () => {
    it('should compute count, sum and mean per country by default', async () => {
      const response = await analyse('metrics=count,sum,mean&countries=AR,CL').expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).toEqual({
        dataset: 'sales',
        query: {
          metrics: ['count', 'sum', 'mean'],
          countries: ['AR', 'CL'],
          years: null,
          from: null,
          to: null,
          groupBy: ['country'],
        },
        matchedRows: 7,
        rejectedRows: 0,
        results: [
          { country: 'AR', count: 4, sum: 1000, mean: 250 },
          { country: 'CL', count: 3, sum: 450.5, mean: 450.5 / 3 },
        ],
      });
    });

    it('should fill in every country when none is given', async () => {
      const response = await analyse('metrics=max').expect(200);
      expect(response.body.query.countries).toEqual(ALL_COUNTRIES);
      expect(response.body.results).toEqual([
        { country: 'AR', max: 400 },
        { country: 'BR', max: 1000 },
        { country: 'CL', max: 250.5 },
        { country: 'UY', max: 120 },
      ]);
    });

    it('should group by country and quarter within a year', async () => {
      const response = await analyse(
        'metrics=count,median&years=2024&groupBy=country,quarter',
      ).expect(200);
      expect(response.body.matchedRows).toBe(8);
      expect(response.body.results).toEqual([
        { country: 'AR', quarter: '2024-Q1', count: 2, median: 150 },
        { country: 'AR', quarter: '2024-Q3', count: 1, median: 400 },
        { country: 'BR', quarter: '2024-Q2', count: 1, median: 1000 },
        { country: 'CL', quarter: '2024-Q1', count: 1, median: 50 },
        { country: 'CL', quarter: '2024-Q2', count: 1, median: 150 },
        { country: 'CL', quarter: '2024-Q4', count: 1, median: 250.5 },
        { country: 'UY', quarter: '2024-Q1', count: 1, median: 80 },
      ]);
    });

    it('should answer one global row for groupBy=none over a date range', async () => {
      const response = await analyse(
        'metrics=count,sum&countries=AR,CL&from=2024-03-01&groupBy=none',
      ).expect(200);
      expect(response.body.query).toEqual({
        metrics: ['count', 'sum'],
        countries: ['AR', 'CL'],
        years: null,
        from: '2024-03-01',
        to: null,
        groupBy: ['none'],
      });
      expect(response.body.results).toEqual([{ count: 4, sum: 1100.5 }]);
    });

    it('should include both ends of an inclusive date range', async () => {
      const response = await analyse(
        'metrics=count,min,max&from=2024-01-01&to=2024-02-29&groupBy=none',
      ).expect(200);
      // AR 100, 200; CL 50; UY 80 (the leap day itself).
      expect(response.body.results).toEqual([{ count: 4, min: 50, max: 200 }]);
    });

    it('should group by month alone', async () => {
      const response = await analyse('metrics=sum&countries=AR&groupBy=month').expect(200);
      expect(response.body.results).toEqual([
        { month: '2024-01', sum: 100 },
        { month: '2024-02', sum: 200 },
        { month: '2024-07', sum: 400 },
        { month: '2025-03', sum: 300 },
      ]);
    });

    it('should compute sample stddev, variance and interpolated percentiles per year', async () => {
      const response = await analyse(
        'metrics=stddev,variance,p90,p1&countries=AR&groupBy=country,year',
      ).expect(200);
      // 2024: [100, 200, 400], mean 700/3; squared deviations sum to 140000/3, over n-1 = 2.
      const variance2024 = 140000 / 3 / 2;
      expect(response.body.results[0]).toEqual({
        country: 'AR',
        year: 2024,
        stddev: expect.closeTo(Math.sqrt(variance2024), 9),
        variance: expect.closeTo(variance2024, 9),
        p90: expect.closeTo(200 + 0.8 * 200, 9), // h = 2 * 0.9 = 1.8
        p1: expect.closeTo(100 + 0.02 * 100, 9), // h = 2 * 0.01 = 0.02
      });
      expect(response.body.results[1]).toEqual({
        country: 'AR',
        year: 2025,
        stddev: null,
        variance: null,
        p90: 300,
        p1: 300,
      });
    });

    it.each([
      ['a single value', 'countries=AR'],
      ['a comma list', 'countries=AR,CL'],
      ['repeated keys', 'countries=AR&countries=CL'],
      ['a mix, any case', 'countries=ar&countries=%20cl%20,AR'],
    ])('should accept countries as %s', async (_form, countries) => {
      const response = await analyse(`metrics=count&${countries}`).expect(200);
      const expected = countries === 'countries=AR' ? ['AR'] : ['AR', 'CL'];
      expect(response.body.query.countries).toEqual(expected);
    });

    it('should accept metrics as repeated keys and groupBy in any case', async () => {
      const response = await analyse(
        'metrics=MEAN&metrics=Median&groupBy=NONE&countries=UY',
      ).expect(200);
      expect(response.body.results).toEqual([{ mean: 100, median: 100 }]);
    });

    it.each([
      ['format=csv', {}],
      ['', { Accept: 'text/csv' }],
    ])('should return CSV for %p %p', async (format, headers) => {
      const response = await analyse(
        `metrics=count,mean&countries=AR,CL&groupBy=country,year&${format}`,
      )
        .set(headers)
        .expect(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(
        'attachment; filename="sales-analysis-country-year.csv"',
      );
      expect(response.text).toBe(
        [
          'country,year,count,mean',
          'AR,2024,3,233.33333333333334',
          'AR,2025,1,300',
          'CL,2024,3,150.16666666666666',
          '',
        ].join('\r\n'),
      );
    });
  });

  describe('invalid requests', () => {
    it.each([
      [
        'metrics=avg',
        'metrics',
        "has unknown metric 'avg'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
      ],
      [
        'metrics=p0',
        'metrics',
        "has unknown metric 'p0'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
      ],
      [
        'metrics=p100',
        'metrics',
        "has unknown metric 'p100'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
      ],
      [
        'metrics=p9x',
        'metrics',
        "has unknown metric 'p9x'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
      ],
      [
        'metrics=',
        'metrics',
        'is required: one or more of count, sum, mean, median, min, max, stddev, variance, p1…p99',
      ],
      [
        'metrics=mean&countries=ARG',
        'countries',
        'must be ISO 3166 alpha-2 codes such as AR (got "ARG")',
      ],
      [
        'metrics=mean&countries=ZZ',
        'countries',
        "has a country not in dataset 'sales': ZZ; available: AR, BR, CL, UY",
      ],
      [
        'metrics=mean&from=2024-02-30',
        'from',
        "must be a real calendar date as YYYY-MM-DD (got '2024-02-30')",
      ],
      [
        'metrics=mean&from=01/02/2024',
        'from',
        "must be a real calendar date as YYYY-MM-DD (got '01/02/2024')",
      ],
      [
        'metrics=mean&from=2024-05-01&to=2024-04-30',
        'to',
        "must not be before 'from' (2024-05-01)",
      ],
      [
        'metrics=mean&groupBy=fortnight',
        'groupBy',
        'must be among country, year, quarter, month, week, none (got "fortnight")',
      ],
      [
        'metrics=mean&groupBy=year,month',
        'groupBy',
        "takes 'country', at most one of 'year', 'quarter', 'month', 'week', or both kinds (e.g. 'country,month'); 'none' stands alone",
      ],
      [
        'metrics=mean&groupBy=none,country',
        'groupBy',
        "takes 'country', at most one of 'year', 'quarter', 'month', 'week', or both kinds (e.g. 'country,month'); 'none' stands alone",
      ],
      ['metrics=mean&years=20x4', 'years', 'must be whole years such as 2024'],
      ['metrics=mean&format=xml', 'format', 'must be one of json, csv'],
      [
        'metrics=mean&colour=red',
        'colour',
        'is not a known parameter; allowed: metrics, countries, years, from, to, groupBy, compare, window, cumulative, share, top, rankBy, fiscalYearStart, format',
      ],
    ])('should refuse %s naming %s', async (query, parameter, message) => {
      const response = await analyse(query).expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toEqual({
        type: 'urn:sales-metrics:problem:invalid-parameter',
        title: 'Invalid request parameter',
        status: 400,
        detail: `Invalid query parameter: '${parameter}' ${message}`,
        instance: `/v1/datasets/sales/analysis?${query}`,
        errors: [{ parameter, message }],
        requestId: expect.any(String),
      });
    });

    it.each(['__proto__', 'constructor', 'prototype'])(
      'should refuse a %s parameter',
      async (key) => {
        const response = await analyse(`metrics=mean&${key}=x`).expect(400);
        expect(response.body.errors).toEqual([
          { parameter: key, message: 'is not a known parameter' },
        ]);
      },
    );

    it('should list every invalid parameter at once', async () => {
      const response = await analyse(
        'metrics=avg&groupBy=fortnight&from=2024-13-01&colour=red',
      ).expect(400);
      expect(
        response.body.errors.map((error: { parameter: string }) => error.parameter).sort(),
      ).toEqual(['colour', 'from', 'groupBy', 'metrics']);
    });

    it('should answer 404 restating the filters when no rows match', async () => {
      const response = await analyse('metrics=mean&countries=BR&years=2025').expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toMatchObject({
        type: 'urn:sales-metrics:problem:no-data',
        status: 404,
        detail:
          "No rows match countries BR, years 2025 in dataset 'sales' (data spans 2024-01-01 to 2025-03-20)",
      });
    });

    it('should answer an unknown route with a problem', async () => {
      const response = await get('/v2/nothing').expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'Cannot GET /v2/nothing',
        instance: '/v2/nothing',
        requestId: expect.any(String),
      });
    });
  });

  describe('documentation', () => {
    it.each(['/docs-json', '/openapi.json'])(
      'should serve the OpenAPI document at %s',
      async (path) => {
        const response = await get(path).expect(200);
        expect(response.body.paths).toHaveProperty(['/v1/datasets/{dataset}/analysis']);
        expect(response.body.paths).toHaveProperty(['/data_analysis']);
      },
    );

    it('should serve the Swagger UI at /docs', async () => {
      const response = await get('/docs').expect(200);
      expect(response.text).toContain('swagger-ui');
    });
  });
});
