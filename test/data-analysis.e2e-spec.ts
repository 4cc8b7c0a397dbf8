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
const JSON_TYPE = /^application\/json/;

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

  it('should refuse a request without a metric with exactly the original body', async () => {
    const response = await get('include_ar=true').expect(400);
    expect(response.headers['content-type']).toMatch(JSON_TYPE);
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(response.text).toBe('{"detail":"Specify at least one metric"}');
  });

  it('should refuse a request without a country with exactly the original body', async () => {
    const response = await get('mean=true&include_ar=false').expect(400);
    expect(response.headers['content-type']).toMatch(JSON_TYPE);
    expect(response.text).toBe('{"detail":"At least one country must be included"}');
  });

  it('should answer 404 with exactly the original body when the filters select no rows', async () => {
    const response = await get('mean=true&include_ar=true&year=1999').expect(404);
    expect(response.headers['content-type']).toMatch(JSON_TYPE);
    expect(response.text).toBe('{"detail":"Filters returned no data"}');
  });

  it('should answer 404 when the included country has no rows that year', async () => {
    const response = await get('mean=true&include_br=true&year=2025').expect(404);
    expect(response.body).toEqual({ detail: 'Filters returned no data' });
  });

  it.each([
    ['year=abc', 'year', 'value is not a valid integer', 'type_error.integer'],
    ['year=2024.5', 'year', 'value is not a valid integer', 'type_error.integer'],
    ['year=', 'year', 'value is not a valid integer', 'type_error.integer'],
    ['mean=maybe', 'mean', 'value could not be parsed to a boolean', 'type_error.bool'],
    [
      'include_br=perhaps',
      'include_br',
      'value could not be parsed to a boolean',
      'type_error.bool',
    ],
    ['colour=red', 'colour', 'extra fields not permitted', 'value_error.extra'],
  ])(
    'should refuse %s with a pydantic 422 naming the parameter',
    async (bad, parameter, msg, type) => {
      const response = await get(`mean=true&include_ar=true&${bad}`).expect(422);
      expect(response.headers['content-type']).toMatch(JSON_TYPE);
      expect(response.body).toStrictEqual({ detail: [{ loc: ['query', parameter], msg, type }] });
    },
  );

  it('should refuse include_<code> for a country the dataset does not hold', async () => {
    const response = await get('mean=true&include_zz=true').expect(400);
    expect(response.body).toStrictEqual({
      detail:
        "Invalid query parameter: 'include_zz' names country ZZ, which the dataset does not contain; available: AR, BR, CL, UY",
    });
  });

  it("should list every invalid parameter at once, in the original's order", async () => {
    const response = await get('year=abc&mean=maybe&include_ar=true').expect(422);
    expect(response.body.detail.map(({ loc }: { loc: string[] }) => loc[1])).toEqual([
      'mean',
      'year',
    ]);
  });

  it('should print every number as a Python float', async () => {
    const response = await get('max_value=true&mean=true&include_br=true&include_ar=true').expect(
      200,
    );
    expect(response.text).toBe(
      '{"AR":{"mean":250.0,"max":400.0},"BR":{"mean":1000.0,"max":1000.0}}',
    );
  });
});
