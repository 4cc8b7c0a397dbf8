import type { INestApplication } from '@nestjs/common';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

describe('several datasets from DATASETS_FILE', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
      DATASETS_FILE: join(FIXTURES, 'config', 'datasets.json'),
    });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);

  it('should list the default dataset first, then the configured ones', async () => {
    const response = await get('/v1/datasets').expect(200);
    expect(response.body.map((dataset: { name: string }) => dataset.name)).toEqual([
      'sales',
      'ventas-2024',
    ]);
  });

  it('should read renamed columns, ISO dates and an extra column', async () => {
    const response = await get('/v1/datasets/ventas-2024').expect(200);
    expect(response.body).toMatchObject({
      name: 'ventas-2024',
      rows: 3,
      countries: [
        { code: 'AR', rows: 2 },
        { code: 'PE', rows: 1 },
      ],
      dateRange: { from: '2024-01-10', to: '2024-02-01' },
      source: 'ventas-renamed.csv',
    });
  });

  it('should analyse the second dataset', async () => {
    const response = await get(
      '/v1/datasets/ventas-2024/analysis?metrics=sum,mean&groupBy=country,month',
    ).expect(200);
    expect(response.body.results).toEqual([
      { country: 'AR', month: '2024-01', sum: 40, mean: 20 },
      { country: 'PE', month: '2024-02', sum: 5.5, mean: 5.5 },
    ]);
  });

  it('should keep the compatible endpoint on the default dataset', async () => {
    await get('/data_analysis?max_value=true&include_ar=true').expect(200, { AR: { max: 400 } });
  });
});

describe('dataset version ids', () => {
  const folder = mkdtempSync(join(tmpdir(), 'dataset-versions-'));
  const sales = join(FIXTURES, 'e2e', 'sales.csv');
  let app: INestApplication;

  beforeAll(async () => {
    copyFileSync(sales, join(folder, 'copy.csv'));
    writeFileSync(
      join(folder, 'datasets.json'),
      JSON.stringify({
        datasets: [
          { name: 'same-bytes', path: 'copy.csv' },
          { name: 'lenient', path: sales, lenient: true },
        ],
      }),
    );
    app = await createTestApp({ DATA_PATH: sales, DATASETS_FILE: join(folder, 'datasets.json') });
  });

  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const versionOf = async (dataset: string): Promise<string> => {
    const response = await request(app.getHttpServer()).get(`/v1/datasets/${dataset}`).expect(200);
    return (response.body as { version: string }).version;
  };

  it('should give the same bytes read the same way the same version, whatever the file name', async () => {
    const version = await versionOf('sales');
    expect(version).toMatch(/^[0-9a-f]{16}$/);
    await expect(versionOf('same-bytes')).resolves.toBe(version);
  });

  it('should give the same bytes read another way another version', async () => {
    // Leniency changes which rows a file yields, so it is part of what the data is.
    await expect(versionOf('lenient')).resolves.not.toBe(await versionOf('sales'));
  });

  it('should show in the list the versions each dataset shows', async () => {
    const response = await request(app.getHttpServer()).get('/v1/datasets').expect(200);
    const listed = response.body as { name: string; version: string }[];
    for (const { name, version } of listed) {
      await expect(versionOf(name)).resolves.toBe(version);
    }
  });
});
