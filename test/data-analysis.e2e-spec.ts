import type { INestApplication } from '@nestjs/common';
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
const PROBLEM_JSON = /^application\/problem\+json/;

describe('GET /data_analysis (compatible endpoint)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv') });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (query: string) => request(app.getHttpServer()).get(`/data_analysis?${query}`);

  it('should answer the AR mean', async () => {
    const response = await get('mean=true&include_ar=true').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ AR: { mean: 250 } });
  });

  it('should answer the AR mean in one year', async () => {
    const response = await get('mean=true&include_ar=true&year=2024').expect(200);
    expect(response.body).toEqual({ AR: { mean: 700 / 3 } });
  });

  it('should answer mean, median and max in that key order', async () => {
    const response = await get('max_value=true&median=true&mean=true&include_ar=true').expect(200);
    expect(response.body).toEqual({ AR: { mean: 250, median: 250, max: 400 } });
    expect(Object.keys(response.body.AR)).toEqual(['mean', 'median', 'max']);
  });

  it('should group three countries, sorted', async () => {
    const response = await get(
      'mean=true&median=true&include_uy=true&include_cl=true&include_ar=true',
    ).expect(200);
    expect(response.body).toEqual({
      AR: { mean: 250, median: 250 },
      CL: { mean: 450.5 / 3, median: 150 },
      UY: { mean: 100, median: 100 },
    });
    expect(Object.keys(response.body)).toEqual(['AR', 'CL', 'UY']);
  });

  it('should answer a global result over the included countries', async () => {
    const response = await get(
      'mean=true&median=true&max_value=true&include_ar=true&include_cl=true&global_results=true',
    ).expect(200);
    expect(response.body).toEqual({
      global_results: { mean: 1450.5 / 7, median: 200, max: 400 },
      on_countries: ['AR', 'CL'],
    });
  });

  it('should accept include_<code> for another country of the dataset', async () => {
    const response = await get('max_value=true&include_br=true').expect(200);
    expect(response.body).toEqual({ BR: { max: 1000 } });
  });

  it.each([
    ['TRUE', 'yes'],
    ['1', 'on'],
    ['Y', 'True'],
  ])('should accept flag spellings %s and %s', async (metricFlag, countryFlag) => {
    const response = await get(`mean=${metricFlag}&include_uy=${countryFlag}`).expect(200);
    expect(response.body).toEqual({ UY: { mean: 100 } });
  });

  it('should treat false flags as unset', async () => {
    const response = await get(
      'mean=true&median=false&include_ar=true&include_cl=no&global_results=0',
    ).expect(200);
    expect(response.body).toEqual({ AR: { mean: 250 } });
  });

  it('should read a year with surrounding spaces and a sign', async () => {
    await get('mean=true&include_ar=true&year=+2024').expect(200, { AR: { mean: 700 / 3 } });
    await get('mean=true&include_ar=true&year=%2B2025').expect(200, { AR: { mean: 300 } });
  });

  it('should refuse a request without a metric', async () => {
    const response = await get('include_ar=true').expect(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toEqual({
      type: 'urn:sales-metrics:problem:invalid-parameter',
      title: 'Invalid request parameter',
      status: 400,
      detail: 'Specify at least one metric',
      instance: '/data_analysis?include_ar=true',
      errors: [{ parameter: 'mean', message: 'or median or max_value must be true' }],
      requestId: expect.any(String),
    });
  });

  it('should refuse a request without a country', async () => {
    const response = await get('mean=true&include_ar=false').expect(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toMatchObject({
      status: 400,
      detail: 'At least one country must be included',
    });
  });

  it('should answer 404 when the filters select no rows', async () => {
    const response = await get('mean=true&include_ar=true&year=1999').expect(404);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toEqual({
      type: 'urn:sales-metrics:problem:no-data',
      title: 'No matching data',
      status: 404,
      detail: 'Filters returned no data',
      instance: '/data_analysis?mean=true&include_ar=true&year=1999',
      requestId: expect.any(String),
    });
  });

  it('should answer 404 when the included country has no rows that year', async () => {
    const response = await get('mean=true&include_br=true&year=2025').expect(404);
    expect(response.body.detail).toBe('Filters returned no data');
  });

  it.each([
    ['year=abc', 'year', 'must be an integer year such as 2024'],
    ['year=2024.5', 'year', 'must be an integer year such as 2024'],
    ['year=', 'year', 'must be an integer year such as 2024'],
    [
      'mean=maybe',
      'mean',
      'must be a boolean flag (true/false, 1/0, yes/no, on/off, y/n, t/f (any case))',
    ],
    [
      'include_br=perhaps',
      'include_br',
      'must be a boolean flag (true/false, 1/0, yes/no, on/off, y/n, t/f (any case))',
    ],
    [
      'colour=red',
      'colour',
      'is not a known parameter; allowed: mean, median, max_value, include_ar, include_cl, include_uy, global_results, year',
    ],
  ])('should refuse %s naming the parameter', async (bad, parameter, message) => {
    const response = await get(`mean=true&include_ar=true&${bad}`).expect(400);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body.errors).toEqual([{ parameter, message }]);
    expect(response.body.detail).toBe(`Invalid query parameter: '${parameter}' ${message}`);
  });

  it('should refuse include_<code> for a country the dataset does not hold', async () => {
    const response = await get('mean=true&include_zz=true').expect(400);
    expect(response.body.errors).toEqual([
      {
        parameter: 'include_zz',
        message: 'names country ZZ, which the dataset does not contain; available: AR, BR, CL, UY',
      },
    ]);
  });

  it('should list every invalid parameter at once', async () => {
    const response = await get('mean=maybe&year=abc&include_ar=true').expect(400);
    expect(
      response.body.errors.map((error: { parameter: string }) => error.parameter).sort(),
    ).toEqual(['mean', 'year']);
  });
});
