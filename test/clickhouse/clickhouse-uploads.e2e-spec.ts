import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { clickHouseTools, testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * Uploads, reloads and versions of a ClickHouse dataset over HTTP, against the run's real server.
 * test/fixtures/e2e/sales.csv (imported first) has 10 rows: AR 100, 200, 400, 300 (sum 1000);
 * CL 50, 150, 250.5; UY 80, 120; BR 1000. Every figure below is that plus the uploads.
 */
const SALES = join(FIXTURES, 'e2e', 'sales.csv');
const KEY = 'c'.repeat(24) + '-clickhouse-uploads-e2e-key';
const HEADER = 'country,value,fecha\n';

interface VersionEntry {
  version: string;
  source: string;
  rowsAdded: number;
  rows: number;
  idempotencyKey: string | null;
  sha256: string;
}

describe('uploads to a ClickHouse dataset', () => {
  const database = uniqueDatabase('uploads');
  const env = {
    API_KEYS: KEY,
    DATA_BACKEND: 'clickhouse',
    DATA_PATH: SALES,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATABASE: database,
  };
  let app: INestApplication;
  let server: Server;

  beforeAll(async () => {
    env.CLICKHOUSE_URL = testClickHouseUrl();
    const { gateway, importer } = clickHouseTools(env);
    await importer.importFile('sales', SALES);
    await gateway.onModuleDestroy();
    app = await createTestApp(env);
    server = app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await app.close();
    const { gateway } = clickHouseTools(env);
    await gateway.command(`DROP DATABASE IF EXISTS ${database}`);
    await gateway.onModuleDestroy();
  });

  const upload = (body: string, key?: string) => {
    const call = request(server)
      .post('/v1/datasets/sales/rows')
      .set('Authorization', `Bearer ${KEY}`)
      .set('Content-Type', 'text/csv');
    return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body);
  };

  const totals = async (): Promise<{ count: number; sum: number }> => {
    const response = await request(server)
      .get('/v1/datasets/sales/analysis?metrics=count,sum&groupBy=none')
      .expect(200);
    return (response.body as { results: { count: number; sum: number }[] }).results[0];
  };

  const history = async (): Promise<VersionEntry[]> =>
    (
      (await request(server).get('/v1/datasets/sales/versions').expect(200)).body as {
        versions: VersionEntry[];
      }
    ).versions;

  it('should append an upload, answer 201 once it is stored, and show it to every query', async () => {
    const before = await request(server).get('/v1/datasets/sales').expect(200);
    const response = await upload(`${HEADER}AR,10.25,01/06/2026\nPE,5,02/06/2026\n`).expect(201);
    expect(response.body).toMatchObject({
      dataset: 'sales',
      appendedRows: 2,
      rows: 12,
      rejectedRows: 0,
    });
    const after = await request(server).get('/v1/datasets/sales').expect(200);
    expect(after.body.version).toBe(response.body.version);
    expect(after.body.version).not.toBe(before.body.version);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body.rows).toBe(12);
    expect(await totals()).toEqual({ count: 12, sum: 2650.5 + 15.25 });
    const pe = await request(server)
      .get('/v1/datasets/sales/analysis?metrics=count,median&countries=PE')
      .expect(200);
    expect(pe.body.results).toEqual([{ country: 'PE', count: 1, median: 5 }]);
  });

  it('should refuse a defective upload with every defect listed and store nothing', async () => {
    const before = await totals();
    const response = await upload(
      `${HEADER}AR,1,01/06/2026\nAR,abc,02/06/2026\nZZZ,1,03/06/2026\nAR,2,31/02/2026\n`,
    ).expect(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.totalDefects).toBe(3);
    expect(response.body.defects.map(({ line }: { line: number }) => line)).toEqual([3, 4, 5]);
    expect(await totals()).toEqual(before);
  });

  it('should refuse dates ClickHouse cannot store with their lines and column, and store nothing', async () => {
    const before = await totals();
    const response = await upload(
      `${HEADER}AR,1,01/06/2026\nAR,"quoted\n",01/06/2026\nAR,2,01/01/1969\nAR,3,01/01/2106\n`,
    ).expect(422);
    const range = 'is outside the dates ClickHouse stores (1970-01-01 to 2105-12-31)';
    expect(response.body.totalDefects).toBe(3);
    expect(response.body.defects).toEqual([
      { line: 3, column: 'value', reason: '"quoted\\n" has leading or trailing whitespace' },
      { line: 5, column: 'fecha', reason: `"01/01/1969" ${range}` },
      { line: 6, column: 'fecha', reason: `"01/01/2106" ${range}` },
    ]);
    expect(await totals()).toEqual(before);
  });

  it('should answer a retry with the same key and body like the first time and append nothing', async () => {
    const body = `${HEADER}UY,7,03/06/2026\nUY,8,04/06/2026\nUY,9,05/06/2026\n`;
    const first = await upload(body, 'retry-1').expect(201);
    const countAfterFirst = (await totals()).count;
    const again = await upload(body, 'retry-1').expect(201);
    expect(again.body).toEqual(first.body);
    expect((await totals()).count).toBe(countAfterFirst);
    const other = await upload(`${HEADER}UY,1,03/06/2026\n`, 'retry-1').expect(422);
    expect(other.body.detail).toMatch(/already used for a different upload/);
    expect((await totals()).count).toBe(countAfterFirst);
  });

  it('should store hostile keys and values as data, never as SQL', async () => {
    const key = "x');DROP_TABLE_sales;--\\'";
    const response = await upload(`${HEADER}AR,1e3,06/06/2026\n`, key).expect(201);
    const entries = await history();
    expect(entries[0]).toMatchObject({ idempotencyKey: key, version: response.body.version });
    await upload(`${HEADER}AR,1e3,06/06/2026\n`, key).expect(201);
    const quoted = await upload(`${HEADER}"A'R",1,06/06/2026\n`).expect(422);
    expect(quoted.body.totalDefects).toBe(1);
  });

  it('should list the versions newest first: uploads after the imported rows', async () => {
    const entries = await history();
    expect(entries.map(({ source }) => source)).toEqual(['upload', 'upload', 'upload', 'initial']);
    expect(entries.at(-1)).toMatchObject({ rowsAdded: 10, rows: 10, idempotencyKey: null });
    expect(entries[2]).toMatchObject({ rowsAdded: 2, rows: 12, idempotencyKey: null });
    expect(entries[1]).toMatchObject({ rowsAdded: 3, rows: 15, idempotencyKey: 'retry-1' });
    expect(entries[0]).toMatchObject({ rowsAdded: 1, rows: 16 });
    for (const entry of entries) {
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(entries.map(({ version }) => version)).size).toBe(entries.length);
  });

  it('should remember versions and keys across a restart', async () => {
    const entries = await history();
    const restarted = await createTestApp(env);
    try {
      const again = await request(restarted.getHttpServer())
        .post('/v1/datasets/sales/rows')
        .set('Authorization', `Bearer ${KEY}`)
        .set('Content-Type', 'text/csv')
        .set('Idempotency-Key', 'retry-1')
        .send(`${HEADER}UY,7,03/06/2026\nUY,8,04/06/2026\nUY,9,05/06/2026\n`)
        .expect(201);
      expect(again.body).toMatchObject({ appendedRows: 3, rows: 15 });
      const listed = await request(restarted.getHttpServer())
        .get('/v1/datasets/sales/versions')
        .expect(200);
      expect(listed.body.versions).toEqual(entries);
    } finally {
      await restarted.close();
    }
  });

  it('should make rows written by other means a reload version, and keep the version otherwise', async () => {
    const latest = (await history())[0];
    const unchanged = await request(server)
      .post('/v1/datasets/sales/reload')
      .set('Authorization', `Bearer ${KEY}`)
      .expect(200);
    expect(unchanged.body).toMatchObject({ dataset: 'sales', version: latest.version });

    const { gateway } = clickHouseTools(env);
    await gateway.command(
      `INSERT INTO ${database}.sales (country, date, value) VALUES ('BR', '2026-06-07', 1)`,
    );
    await gateway.onModuleDestroy();
    const reloaded = await request(server)
      .post('/v1/datasets/sales/reload')
      .set('Authorization', `Bearer ${KEY}`)
      .expect(200);
    expect(reloaded.body).toMatchObject({ source: 'reload', rowsAdded: 1, rows: 17 });
    const summary = await request(server).get('/v1/datasets/sales').expect(200);
    expect(summary.body).toMatchObject({ version: reloaded.body.version, rows: 17 });
  });

  it('should keep writes behind the API key', async () => {
    await request(server)
      .post('/v1/datasets/sales/rows')
      .set('Content-Type', 'text/csv')
      .send(`${HEADER}AR,1,01/06/2026\n`)
      .expect(401);
    expect((await totals()).count).toBe(17);
  });
});
