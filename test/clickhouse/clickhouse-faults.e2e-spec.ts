import type { INestApplication } from '@nestjs/common';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { TestClickHouseServer } from 'test/clickhouse/clickhouse-server';
import { clickHouseTools, uniqueDatabase } from 'test/support/clickhouse';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * ClickHouse going away and coming back, on a private server this suite may stop: requests get
 * 503 problem+json with Retry-After (never a 500, never a hang), readiness names ClickHouse, and
 * the service recovers by itself once the server is back.
 */
const SALES = join(FIXTURES, 'e2e', 'sales.csv');
const ANALYSIS = '/v1/datasets/sales/analysis?metrics=count,mean,median,p90&groupBy=country';
const TIMEOUT_MS = 1_000;

function expectUnavailable(response: request.Response): void {
  expect(response.status).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.body).toMatchObject({
    type: 'urn:sales-metrics:problem:backend-unavailable',
    status: 503,
  });
  expect(response.body.detail).toMatch(/^ClickHouse is unavailable: /);
}

async function eventually(check: () => Promise<boolean>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not recovered within ${seconds} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('ClickHouse faults', () => {
  let server: TestClickHouseServer;
  let database: string;

  beforeAll(async () => {
    server = await TestClickHouseServer.start();
    database = uniqueDatabase('faults');
    const { gateway, importer } = clickHouseTools({
      DATA_BACKEND: 'clickhouse',
      DATA_PATH: SALES,
      CLICKHOUSE_URL: server.info.url,
      CLICKHOUSE_DATABASE: database,
    });
    await importer.importFile('sales', SALES);
    await gateway.onModuleDestroy();
  });

  afterAll(async () => {
    await server.dispose();
  });

  const startApp = (url: string): Promise<INestApplication> =>
    createTestApp({
      DATA_BACKEND: 'clickhouse',
      DATA_PATH: SALES,
      CLICKHOUSE_URL: url,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_TIMEOUT_MS: String(TIMEOUT_MS),
      // Every request must reach the backend, not a replayed answer.
      RESPONSE_CACHE_ENTRIES: '0',
    });

  describe('stopped mid-run and restarted', () => {
    let app: INestApplication;

    beforeAll(async () => {
      await server.resume();
      app = await startApp(server.info.url);
    });

    afterAll(async () => {
      await app.close();
    });

    it('should answer 503s while ClickHouse is down and recover by itself', async () => {
      const get = (path: string): request.Test => request(app.getHttpServer()).get(path);
      const before = await get(ANALYSIS).expect(200);
      await get('/health/ready').expect(200);

      await server.stop();
      expectUnavailable(await get(ANALYSIS));
      expectUnavailable(await get('/v1/datasets'));
      // The compatible endpoint keeps the original's {"detail"} error body.
      const legacy = await get('/data_analysis?mean=true&include_ar=true');
      expect(legacy.status).toBe(503);
      expect(legacy.headers['retry-after']).toBe('5');
      expect(legacy.body).toEqual({
        detail: expect.stringMatching(/^ClickHouse is unavailable: /),
      });
      const ready = await get('/health/ready').expect(503);
      expect(ready.body.detail).toMatch(/^Not ready: .*clickhouse \(ClickHouse is unavailable/);

      await server.resume();
      await eventually(async () => (await get(ANALYSIS)).status === 200, 30);
      expect((await get(ANALYSIS).expect(200)).body).toEqual(before.body);
      await get('/health/ready').expect(200);
    });
  });

  describe('down at start-up', () => {
    it('should start not ready, then become ready once ClickHouse is up', async () => {
      await server.stop();
      const app = await startApp(server.info.url);
      try {
        const get = (path: string): request.Test => request(app.getHttpServer()).get(path);
        await get('/health/ready').expect(503);
        await get('/health/live').expect(200);
        expectUnavailable(await get(ANALYSIS));
        await server.resume();
        await eventually(async () => (await get('/health/ready')).status === 200, 30);
        await get(ANALYSIS).expect(200);
      } finally {
        await app.close();
      }
    });
  });

  describe('accepting connections but never answering', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    let app: INestApplication;

    beforeAll(async () => {
      await server.resume();
      app = await startApp(server.info.url);
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await app.close();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    });

    it('should give up after CLICKHOUSE_TIMEOUT_MS with a 503, never hang', async () => {
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const slowApp = await startApp(`http://127.0.0.1:${port}`);
      try {
        const started = Date.now();
        const response = await request(slowApp.getHttpServer()).get(ANALYSIS);
        expectUnavailable(response);
        expect(response.body.detail).toContain('timed out');
        // Summary and query each wait at most the timeout (plus start-up's schema check).
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4 + 2_000);
        await request(slowApp.getHttpServer()).get('/health/ready').expect(503);
      } finally {
        await slowApp.close();
      }
    });
  });
});
