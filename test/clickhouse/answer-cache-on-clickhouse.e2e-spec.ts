import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ResponseCache } from 'src/response-cache/response-cache';
import { clickHouseTools, testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * The answer cache over a ClickHouse dataset: answers are kept while the data stays as it is, and
 * an import (a new version id) gives new tags and new answers instead of the kept ones.
 */
const SALES = join(FIXTURES, 'e2e', 'sales.csv');
const COUNT_ALL = '/v1/datasets/sales/analysis?metrics=count&groupBy=none';
/** How long a ClickHouse dataset's summary, and so its version, is reused. */
const SUMMARY_TTL_MS = 1_000;

describe('answer cache on ClickHouse', () => {
  const folder = mkdtempSync(join(tmpdir(), 'answer-cache-clickhouse-'));
  let env: Record<string, string>;
  let app: INestApplication;

  const importFile = async (file: string): Promise<void> => {
    const { gateway, importer } = clickHouseTools(env);
    try {
      await importer.importFile('sales', file);
    } finally {
      await gateway.onModuleDestroy();
    }
  };

  beforeAll(async () => {
    env = {
      DATA_BACKEND: 'clickhouse',
      DATA_PATH: SALES,
      CLICKHOUSE_URL: testClickHouseUrl(),
      CLICKHOUSE_DATABASE: uniqueDatabase('answer_cache'),
    };
    await importFile(SALES);
    app = await createTestApp(env);
  });

  afterAll(async () => {
    await app.close();
    const { gateway } = clickHouseTools(env);
    await gateway.command(`DROP DATABASE IF EXISTS ${env.CLICKHOUSE_DATABASE}`);
    await gateway.onModuleDestroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it('should keep answers until an import changes the version, then answer from the new data', async () => {
    const first = await request(app.getHttpServer()).get(COUNT_ALL).expect(200);
    expect(first.body.results).toEqual([{ count: 10 }]);
    const kept = app.get(ResponseCache).size;
    expect(kept).toBeGreaterThan(0);

    const again = await request(app.getHttpServer()).get(COUNT_ALL).expect(200);
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(app.get(ResponseCache).size).toBe(kept);

    const more = join(folder, 'more.csv');
    writeFileSync(more, 'country,value,fecha\nPE,7,03/03/2024\nPE,9,04/03/2024\n');
    await importFile(more);
    await new Promise((resolve) => setTimeout(resolve, SUMMARY_TTL_MS + 100));

    const after = await request(app.getHttpServer())
      .get(COUNT_ALL)
      .set('If-None-Match', String(first.headers.etag))
      .expect(200);
    expect(after.body.results).toEqual([{ count: 12 }]);
    expect(after.headers.etag).not.toBe(first.headers.etag);
  });
});
