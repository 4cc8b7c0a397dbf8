import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * test/fixtures/e2e/sales.csv has 10 rows: AR 100, 200, 400, 300 (sum 1000); CL 50, 150, 250.5;
 * UY 80, 120; BR 1000. Every expected figure below is that plus the rows each test uploads.
 */
const KEY = 'k'.repeat(20) + '-live-data-e2e-key-0001';
const OTHER_KEY = 'o'.repeat(40);
const AUTH = `Bearer ${KEY}`;
const HEADER = 'country,value,fecha\n';

describe('live data (uploads, reloads, versions)', () => {
  let folder: string;
  let dataPath: string;
  let lenientPath: string;
  let app: INestApplication;
  let server: Server;

  const env = (): Record<string, string> => ({
    API_KEYS: `${OTHER_KEY},${KEY}`,
    DATA_PATH: dataPath,
    DATA_DIR: join(folder, 'parts'),
    DATASETS_FILE: join(folder, 'datasets.json'),
    UPLOAD_MAX_BYTES: '4096',
  });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'live-data-e2e-'));
    dataPath = join(folder, 'sales.csv');
    lenientPath = join(folder, 'lenient.csv');
    copyFileSync(join(FIXTURES, 'e2e', 'sales.csv'), dataPath);
    copyFileSync(join(FIXTURES, 'e2e', 'sales.csv'), lenientPath);
    writeFileSync(
      join(folder, 'datasets.json'),
      JSON.stringify({ datasets: [{ name: 'loose', path: 'lenient.csv', lenient: true }] }),
    );
    app = await createTestApp(env());
    server = app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const upload = (body: string, dataset = 'sales') =>
    request(server)
      .post(`/v1/datasets/${dataset}/rows`)
      .set('Authorization', AUTH)
      .set('Content-Type', 'text/csv')
      .send(body);

  const countAndSum = async (country: string): Promise<unknown> => {
    const response = await request(server)
      .get(`/v1/datasets/sales/analysis?metrics=count,sum&countries=${country}&groupBy=none`)
      .expect(200);
    return (response.body as { results: unknown[] }).results[0];
  };

  describe('authentication', () => {
    it('should answer 401 with a Bearer challenge without an Authorization header', async () => {
      const response = await request(server)
        .post('/v1/datasets/sales/rows')
        .set('Content-Type', 'text/csv')
        .send(`${HEADER}AR,1,01/01/2026\n`)
        .expect(401)
        .expect('Content-Type', /application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="sales-metrics"');
      expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    });

    it('should answer 401 to a wrong key and store nothing', async () => {
      const response = await request(server)
        .post('/v1/datasets/sales/rows')
        .set('Authorization', `Bearer ${KEY.slice(0, -1)}X`)
        .set('Content-Type', 'text/csv')
        .send(`${HEADER}AR,1,01/01/2026\n`)
        .expect(401);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="sales-metrics", error="invalid_token"',
      );
      expect(response.body.detail).toBe('The API key is not valid');
      expect(JSON.stringify(response.body)).not.toContain(KEY);
      await request(server).post('/v1/datasets/sales/reload').expect(401);
    });
  });

  describe('uploads', () => {
    it('should append a text/csv upload, answer 201 once stored, and show it to the next query', async () => {
      expect(await countAndSum('AR')).toEqual({ count: 4, sum: 1000 });
      const before = await request(server).get('/v1/datasets/sales/versions').expect(200);
      const response = await upload(`${HEADER}AR,1000,01/01/2026\nCL,500,02/01/2026\n`).expect(201);
      expect(response.body).toEqual({
        dataset: 'sales',
        version: expect.stringMatching(/^[0-9a-f]{16}$/),
        appendedRows: 2,
        rows: 12,
        rejectedRows: 0,
      });
      expect(response.body.version).not.toBe(before.body.versions[0].version);
      expect(await countAndSum('AR')).toEqual({ count: 5, sum: 2000 });
      const summary = await request(server).get('/v1/datasets/sales').expect(200);
      expect(summary.body).toMatchObject({
        rows: 12,
        years: [2024, 2025, 2026],
        version: response.body.version,
      });
    });

    it('should replay no cached answer computed before an upload', async () => {
      const sumOfUy = async (): Promise<unknown> =>
        (
          await request(server)
            .get('/v1/datasets/sales/analysis?metrics=sum&countries=UY&groupBy=none')
            .expect(200)
        ).body.results;
      expect(await sumOfUy()).toEqual([{ sum: 200 }]);
      expect(await sumOfUy()).toEqual([{ sum: 200 }]);
      await upload(`${HEADER}UY,5,03/01/2026\n`).expect(201);
      expect(await sumOfUy()).toEqual([{ sum: 205 }]);
    });

    it('should take the CSV from the file field of a multipart upload', async () => {
      const response = await request(server)
        .post('/v1/datasets/sales/rows')
        .set('Authorization', AUTH)
        .field('note', 'ignored')
        .attach('file', Buffer.from(`${HEADER}BR,10,04/01/2026\nBR,20,05/01/2026\n`), 'rows.csv')
        .expect(201);
      expect(response.body).toMatchObject({ appendedRows: 2, rows: 15 });
      expect(await countAndSum('BR')).toEqual({ count: 3, sum: 1030 });
    });

    it('should answer 400 naming the file field when a multipart body has none', async () => {
      const response = await request(server)
        .post('/v1/datasets/sales/rows')
        .set('Authorization', AUTH)
        .field('other', 'x')
        .expect(400);
      expect(response.body.errors).toEqual([
        { parameter: 'file', message: 'is missing: send the CSV in a file field named file' },
      ]);
    });

    it('should answer 415 to another content type', async () => {
      const response = await request(server)
        .post('/v1/datasets/sales/rows')
        .set('Authorization', AUTH)
        .set('Content-Type', 'application/json')
        .send('{"rows":[]}')
        .expect(415);
      expect(response.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
      await upload(`${HEADER}AR,1,01/01/2026\n`)
        .set('Content-Type', 'text/csv; charset=latin1')
        .expect(415);
    });

    it('should answer 413 to a body over UPLOAD_MAX_BYTES and store nothing', async () => {
      const rows = `${HEADER}${'AR,1.25,06/01/2026\n'.repeat(300)}`;
      expect(rows.length).toBeGreaterThan(4096);
      const response = await upload(rows).expect(413);
      expect(response.body.detail).toBe(
        'The upload is larger than UPLOAD_MAX_BYTES (4096 bytes); split it into parts',
      );
      expect(await countAndSum('AR')).toEqual({ count: 5, sum: 2000 });
    });

    it('should refuse a whole upload with every defect listed (422) and store none of it', async () => {
      const response = await upload(
        `${HEADER}AR,10,07/01/2026\nAR,12.5.1,07/01/2026\nCL,3,31/02/2026\nPE,4,08/01/2026\n`,
      ).expect(422);
      expect(response.body).toMatchObject({
        status: 422,
        title: 'Unprocessable Content',
        detail: "Upload to dataset 'sales' refused: 2 defects (listing 2); nothing was stored",
        totalDefects: 2,
        defects: [
          { line: 3, column: 'value', reason: '"12.5.1" is not a decimal number' },
          { line: 4, column: 'fecha', reason: '"31/02/2026" is not a calendar date' },
        ],
      });
      expect(await countAndSum('AR')).toEqual({ count: 5, sum: 2000 });
    });

    it('should skip and count defective rows of a lenient dataset', async () => {
      const response = await upload(`${HEADER}AR,10,07/01/2026\nAR,x,07/01/2026\n`, 'loose').expect(
        201,
      );
      expect(response.body).toMatchObject({ dataset: 'loose', appendedRows: 1, rejectedRows: 1 });
    });

    it('should answer 404 for an unknown dataset', async () => {
      await upload(`${HEADER}AR,1,01/01/2026\n`, 'nope').expect(404);
    });
  });

  describe('Idempotency-Key', () => {
    it('should answer a retry with the first answer and append nothing', async () => {
      const body = `${HEADER}PE,70,09/01/2026\n`;
      const first = await upload(body).set('Idempotency-Key', '"retry-1"').expect(201);
      const again = await upload(body).set('Idempotency-Key', '"retry-1"').expect(201);
      expect(again.body).toEqual(first.body);
      const summary = await request(server).get('/v1/datasets/sales').expect(200);
      expect(summary.body.rows).toBe(first.body.rows);
    });

    it('should answer 422 to the same key with a different body', async () => {
      await upload(`${HEADER}PE,71,09/01/2026\n`).set('Idempotency-Key', 'retry-1').expect(422);
    });

    it('should answer 400 to a malformed key', async () => {
      const response = await upload(`${HEADER}PE,71,09/01/2026\n`)
        .set('Idempotency-Key', 'has space')
        .expect(400);
      expect(response.body.errors[0].parameter).toBe('Idempotency-Key');
    });

    it('should answer 409 while the first request with the key is still running', async () => {
      if (!server.listening) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      }
      const { port } = server.address() as AddressInfo;
      const body = `${HEADER}PE,72,10/01/2026\n`;
      const slow = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/datasets/sales/rows',
        headers: {
          Authorization: AUTH,
          'Content-Type': 'text/csv',
          'Content-Length': String(body.length),
          'Idempotency-Key': 'slow-1',
        },
      });
      const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
        slow.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        });
        slow.on('error', reject);
      });
      slow.write(body.slice(0, 10));
      // The first request now holds the key, waiting for the rest of its body.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const conflict = await upload(body).set('Idempotency-Key', 'slow-1').expect(409);
      expect(conflict.body.detail).toBe(
        'A request with this Idempotency-Key is still being processed; retry once it has answered',
      );
      slow.end(body.slice(10));
      const first = await answered;
      expect(first.status).toBe(201);
      await upload(body).set('Idempotency-Key', 'slow-1').expect(201, JSON.parse(first.body));
    });
  });

  describe('versions and reloads', () => {
    it('should list the history newest first, with sources, keys and hashes', async () => {
      const response = await request(server).get('/v1/datasets/sales/versions').expect(200);
      const versions = response.body.versions as Record<string, unknown>[];
      expect(versions.map(({ source }) => source)).toEqual([
        'upload',
        'upload',
        'upload',
        'upload',
        'upload',
        'initial',
      ]);
      expect(versions[versions.length - 1]).toMatchObject({
        rowsAdded: 10,
        rows: 10,
        idempotencyKey: null,
      });
      expect(versions[1]).toMatchObject({ rowsAdded: 1, rows: 16, idempotencyKey: 'retry-1' });
      expect(versions[0]).toMatchObject({ rows: 17, idempotencyKey: 'slow-1' });
      expect(new Set(versions.map(({ version }) => version)).size).toBe(6);
      for (const version of versions) {
        expect(version.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    });

    it('should reload a replaced file and keep the uploads', async () => {
      writeFileSync(dataPath, `${HEADER}AR,1,01/01/2020\n`);
      const response = await request(server)
        .post('/v1/datasets/sales/reload')
        .set('Authorization', AUTH)
        .expect(200);
      // 17 rows less the file's 10, plus its 1.
      expect(response.body).toMatchObject({
        dataset: 'sales',
        source: 'reload',
        rows: 8,
        rowsAdded: -9,
      });
      expect(await countAndSum('AR')).toEqual({ count: 2, sum: 1001 });
    });

    it('should answer 422 to a reload of a broken file and keep serving the previous version', async () => {
      writeFileSync(dataPath, `${HEADER}AR,1,01/01/2020\nAR,oops,02/01/2020\n`);
      const response = await request(server)
        .post('/v1/datasets/sales/reload')
        .set('Authorization', AUTH)
        .expect(422);
      expect(response.body).toMatchObject({
        totalDefects: 1,
        defects: [
          {
            file: 'sales.csv',
            line: 3,
            column: 'value',
            reason: '"oops" is not a decimal number',
          },
        ],
      });
      expect(await countAndSum('AR')).toEqual({ count: 2, sum: 1001 });
      writeFileSync(dataPath, `${HEADER}AR,1,01/01/2020\n`);
    });

    it('should keep every part, version and idempotency key across a restart', async () => {
      const before = await request(server).get('/v1/datasets/sales/versions').expect(200);
      await app.close();
      app = await createTestApp(env());
      server = app.getHttpServer() as Server;
      const after = await request(server).get('/v1/datasets/sales/versions').expect(200);
      expect(after.body).toEqual(before.body);
      expect(await countAndSum('AR')).toEqual({ count: 2, sum: 1001 });
      const replay = await upload(`${HEADER}PE,70,09/01/2026\n`)
        .set('Idempotency-Key', 'retry-1')
        .expect(201);
      expect(replay.body.appendedRows).toBe(1);
      expect((await request(server).get('/v1/datasets/sales').expect(200)).body.rows).toBe(8);
      const parts = readdirSync(join(folder, 'parts', 'sales')).filter((name) =>
        name.startsWith('part-'),
      );
      expect(parts).toHaveLength(5);
    });
  });
});

describe('live data without API_KEYS', () => {
  let app: INestApplication;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'live-data-readonly-'));
    app = await createTestApp({
      API_KEYS: undefined,
      DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
      DATA_DIR: join(folder, 'never-created'),
    });
  });

  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('should answer 403 to writes, saying that writes are disabled', async () => {
    const response = await request(app.getHttpServer())
      .post('/v1/datasets/sales/rows')
      .set('Authorization', AUTH)
      .set('Content-Type', 'text/csv')
      .send(`${HEADER}AR,1,01/01/2026\n`)
      .expect(403)
      .expect('Content-Type', /application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 403,
      detail: 'Writes are disabled on this server: it has no API_KEYS configured',
    });
    await request(app.getHttpServer()).post('/v1/datasets/sales/reload').expect(403);
  });

  it('should keep reads open, with the initial version, and write nothing to DATA_DIR', async () => {
    const response = await request(app.getHttpServer())
      .get('/v1/datasets/sales/versions')
      .expect(200);
    expect(response.body.versions).toEqual([
      expect.objectContaining({ source: 'initial', rows: 10, rowsAdded: 10 }),
    ]);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('live data with an unwritable DATA_DIR', () => {
  it('should stop start-up with one line naming DATA_DIR when writes are enabled', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'live-data-unwritable-'));
    const file = join(folder, 'a-file');
    writeFileSync(file, '');
    try {
      await expect(
        createTestApp({
          API_KEYS: KEY,
          DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
          DATA_DIR: join(file, 'live'),
        }),
      ).rejects.toThrow(
        `DATA_DIR ${join(file, 'live')} is not writable (ENOTDIR); uploads need it: point DATA_DIR at a writable folder (a mounted volume) or unset API_KEYS`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('live data: delta tables and background merges', () => {
  let folder: string;
  let app: INestApplication;
  let server: Server;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'live-data-deltas-e2e-'));
    copyFileSync(join(FIXTURES, 'e2e', 'sales.csv'), join(folder, 'sales.csv'));
    app = await createTestApp({
      API_KEYS: KEY,
      DATA_PATH: join(folder, 'sales.csv'),
      DATA_DIR: join(folder, 'parts'),
    });
    server = app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const results = async (query: string): Promise<Record<string, unknown>[]> =>
    (await request(server).get(`/v1/datasets/sales/analysis?${query}`).expect(200)).body.results;

  it('should answer medians and running totals over the upload as soon as it is acknowledged', async () => {
    await request(server)
      .post('/v1/datasets/sales/rows')
      .set('Authorization', AUTH)
      .set('Content-Type', 'text/csv')
      .send(`${HEADER}AR,500,01/01/2026\nAR,700.25,01/02/2026\n`)
      .expect(201);
    // AR: 100, 200, 300, 400 from the file, 500 and 700.25 uploaded.
    expect(await results('metrics=count,median,sum,max&countries=AR&groupBy=none')).toEqual([
      { count: 6, median: 350, sum: 2200.25, max: 700.25 },
    ]);
    // A running total combines the main table and the delta; it must count the upload.
    const running = await results(
      'metrics=sum&countries=AR&groupBy=month&years=2026&cumulative=true',
    );
    expect(running.map(({ sum }) => sum)).toEqual([500, 1200.25]);
  }, 120_000);

  it('should report merge durations and the tables answering each dataset', async () => {
    let metrics = '';
    for (let attempt = 0; attempt < 600; attempt++) {
      metrics = (await request(server).get('/metrics').expect(200)).text;
      if (/^dataset_index_parts\{dataset="sales"\} 1$/m.test(metrics)) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(metrics).toMatch(/^dataset_index_parts\{dataset="sales"\} 1$/m);
    expect(metrics).toMatch(/^dataset_merge_duration_seconds_count\{dataset="sales"\} [1-9]/m);
    expect(await results('metrics=count,median&countries=AR&groupBy=none')).toEqual([
      { count: 6, median: 350 },
    ]);
  }, 120_000);
});
