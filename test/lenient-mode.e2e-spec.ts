import { Logger, type INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * test/fixtures/e2e/sales-with-defects.csv, by hand:
 *   kept: AR 100 (2024-01-15), CL 50 (2024-01-01), UY 80 (2024-02-29), AR 200 (2024-02-10)
 *   line 3 value "abc", line 5 country "XX1", line 7 date 31/02/2024, line 9 a missing field
 */
const WITH_DEFECTS = join(FIXTURES, 'e2e', 'sales-with-defects.csv');
const REJECTED_EXAMPLES = [
  { line: 3, column: 'value', reason: '"abc" is not a decimal number' },
  { line: 5, column: 'country', reason: '"XX1" is not a two-letter country code' },
  { line: 7, column: 'fecha', reason: '"31/02/2024" is not a calendar date' },
  { line: 9, column: null, reason: 'expected 3 fields, found 2' },
];
const QUIET = { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' };

describe('lenient mode', () => {
  describe('DATA_LENIENT=true on the default dataset', () => {
    let app: INestApplication;
    let warn: jest.SpyInstance;

    beforeAll(async () => {
      warn = jest.spyOn(Logger.prototype, 'warn');
      app = await createTestApp({ ...QUIET, DATA_PATH: WITH_DEFECTS, DATA_LENIENT: 'true' });
    });

    afterAll(async () => {
      warn.mockRestore();
      await app.close();
    });

    const get = (path: string) => request(app.getHttpServer()).get(path);

    it('should log the count and the first defects with their line numbers at start-up', () => {
      const messages = warn.mock.calls.map(([message]) => String(message));
      const line = messages.find((message) => message.includes('skipped'));
      expect(line).toBe(
        "Dataset 'sales': skipped 4 defective rows (lenient mode). First: " +
          'line 3, column "value": "abc" is not a decimal number; ' +
          'line 5, column "country": "XX1" is not a two-letter country code; ' +
          'line 7, column "fecha": "31/02/2024" is not a calendar date; ' +
          'line 9: expected 3 fields, found 2',
      );
    });

    it('should count the skipped rows and show the first ones in the summary', async () => {
      const response = await get('/v1/datasets/sales').expect(200);
      expect(response.body).toMatchObject({
        name: 'sales',
        rows: 4,
        countries: [
          { code: 'AR', rows: 2 },
          { code: 'CL', rows: 1 },
          { code: 'UY', rows: 1 },
        ],
        rejectedRows: 4,
        rejectedExamples: REJECTED_EXAMPLES,
      });
    });

    it('should compute over the kept rows and say how many were skipped, in body and header', async () => {
      const response = await get(
        '/v1/datasets/sales/analysis?metrics=count,sum&groupBy=none',
      ).expect(200);
      expect(response.headers['x-rejected-rows']).toBe('4');
      expect(response.body).toMatchObject({
        matchedRows: 4,
        rejectedRows: 4,
        results: [{ count: 4, sum: 430 }],
      });
    });

    it('should mark a CSV download too', async () => {
      const response = await get(
        '/v1/datasets/sales/analysis?metrics=count&countries=AR&format=csv',
      ).expect(200);
      expect(response.headers['x-rejected-rows']).toBe('4');
      expect(response.text).toBe('country,count\r\nAR,2\r\n');
    });

    it('should mark the compatible endpoint, whose body cannot carry it', async () => {
      const response = await get('/data_analysis?mean=true&include_ar=true').expect(200);
      expect(response.headers['x-rejected-rows']).toBe('4');
      expect(response.body).toEqual({ AR: { mean: 150 } });
    });

    it('should let browsers on other origins read the header', async () => {
      const response = await get('/data_analysis?mean=true&include_ar=true')
        .set('Origin', 'https://dashboard.example.com')
        .expect(200);
      expect(response.headers['access-control-expose-headers']).toContain('x-rejected-rows');
    });

    it('should leave refusals unmarked', async () => {
      const response = await get('/v1/datasets/sales/analysis?metrics=avg').expect(400);
      expect(response.headers['x-rejected-rows']).toBeUndefined();
    });
  });

  describe('"lenient": true on one dataset of DATASETS_FILE', () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createTestApp({
        ...QUIET,
        DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
        DATASETS_FILE: join(FIXTURES, 'config', 'lenient.json'),
      });
    });

    afterAll(async () => {
      await app.close();
    });

    const get = (path: string) => request(app.getHttpServer()).get(path);

    it('should report rejections per dataset', async () => {
      const response = await get('/v1/datasets').expect(200);
      expect(
        response.body.map(({ name, rows, rejectedRows }: Record<string, unknown>) => ({
          name,
          rows,
          rejectedRows,
        })),
      ).toEqual([
        { name: 'sales', rows: 10, rejectedRows: 0 },
        { name: 'with-defects', rows: 4, rejectedRows: 4 },
        { name: 'strict-copy', rows: 10, rejectedRows: 0 },
      ]);
      expect(response.body[1].rejectedExamples).toEqual(REJECTED_EXAMPLES);
    });

    it.each([
      ['/v1/datasets/with-defects/analysis?metrics=max', '4'],
      ['/v1/datasets/sales/analysis?metrics=max', undefined],
      ['/v1/datasets/strict-copy/analysis?metrics=max', undefined],
      ['/data_analysis?max_value=true&include_ar=true', undefined],
    ])('should mark %s with X-Rejected-Rows %p', async (path, header) => {
      const response = await get(path).expect(200);
      expect(response.headers['x-rejected-rows']).toBe(header);
    });
  });

  describe('start-up', () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'lenient-'));
    });

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('should refuse the same file in the default strict mode, listing every defect', async () => {
      await expect(createTestApp({ ...QUIET, DATA_PATH: WITH_DEFECTS })).rejects.toThrow(
        `${WITH_DEFECTS}: 4 defective rows (showing 4):\n` +
          '  line 3, column "value": "abc" is not a decimal number\n' +
          '  line 5, column "country": "XX1" is not a two-letter country code\n' +
          '  line 7, column "fecha": "31/02/2024" is not a calendar date\n' +
          '  line 9: expected 3 fields, found 2',
      );
    });

    it('should refuse a file without one usable row even when lenient', async () => {
      const file = join(dir, 'all-bad.csv');
      writeFileSync(file, 'country,value,fecha\nAR,abc,01/01/2024\nCL,1,2024-01-01\n');
      await expect(
        createTestApp({ ...QUIET, DATA_PATH: file, DATA_LENIENT: 'true' }),
      ).rejects.toThrow(`${file}: 2 defective rows (showing 2)`);
    });

    it('should still refuse a file-level problem when lenient', async () => {
      const file = join(dir, 'header-only.csv');
      writeFileSync(file, 'country,value,fecha\n');
      await expect(
        createTestApp({ ...QUIET, DATA_PATH: file, DATA_LENIENT: 'true' }),
      ).rejects.toThrow(`${file}: no data rows after the header`);
    });
  });
});
