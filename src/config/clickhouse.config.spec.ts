import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { buildDataConfig } from 'src/config/data.config';
import { ConfigValidationError } from 'src/config/validate-config';

describe('ClickHouse settings', () => {
  const folder = mkdtempSync(join(tmpdir(), 'clickhouse-config-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const datasetsFile = (datasets: unknown[]): string => {
    const file = join(folder, `datasets-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ datasets }));
    return file;
  };

  it('should default to a local server and the sales_metrics database', () => {
    expect(buildClickHouseConfig({})).toEqual({
      url: 'http://localhost:8123',
      database: 'sales_metrics',
      user: 'default',
      password: '',
      timeoutMs: 10_000,
      keyClaimTtlMs: 30_000,
    });
  });

  it.each([
    [{ CLICKHOUSE_URL: 'localhost:8123' }, 'CLICKHOUSE_URL: must be an http(s) URL'],
    [{ CLICKHOUSE_DATABASE: 'sales`; DROP DATABASE x' }, 'CLICKHOUSE_DATABASE: must be 1-63 ASCII'],
    [{ CLICKHOUSE_DATABASE: '1sales' }, 'CLICKHOUSE_DATABASE: must be 1-63 ASCII'],
    [{ CLICKHOUSE_TIMEOUT_MS: '50' }, 'CLICKHOUSE_TIMEOUT_MS: must be an integer from 100'],
    [
      { CLICKHOUSE_KEY_CLAIM_TTL_MS: '1000' },
      'CLICKHOUSE_KEY_CLAIM_TTL_MS: must be an integer from 5000',
    ],
  ])('should refuse %j', (env, message) => {
    expect(() => buildClickHouseConfig(env)).toThrow(ConfigValidationError);
    expect(() => buildClickHouseConfig(env)).toThrow(message);
  });

  it('should never put the password in a validation message', () => {
    const env = { CLICKHOUSE_PASSWORD: 's3cret-pass', CLICKHOUSE_URL: 'nope' };
    expect(() => buildClickHouseConfig(env)).toThrow(/^(?!.*s3cret-pass).*$/s);
  });

  it('should serve the default dataset from ClickHouse with DATA_BACKEND=clickhouse', () => {
    const config = buildDataConfig({ DATA_BACKEND: 'clickhouse' });
    expect(config.datasets[0]).toMatchObject({
      name: 'sales',
      backend: 'clickhouse',
      table: 'sales',
      cluster: null,
    });
  });

  it('should read backend, table and cluster per dataset, with defaults', () => {
    const file = datasetsFile([
      { name: 'eu-2024', backend: 'clickhouse' },
      { name: 'big', backend: 'clickhouse', table: 'sales_big', cluster: 'two_shards' },
      { name: 'local', path: 'local.csv' },
    ]);
    const [, euro, big, local] = buildDataConfig({ DATASETS_FILE: file }).datasets;
    expect(euro).toMatchObject({
      backend: 'clickhouse',
      table: 'eu_2024',
      cluster: null,
      path: null,
    });
    expect(big).toMatchObject({ backend: 'clickhouse', table: 'sales_big', cluster: 'two_shards' });
    expect(local).toMatchObject({ backend: 'memory', table: 'local', cluster: null });
  });

  it.each([
    [{ name: 'x', backend: 'clickhouse', table: 'sales; DROP TABLE y' }, 'table: must be 1-63'],
    [{ name: 'x', backend: 'clickhouse', table: 'a`b' }, 'table: must be 1-63'],
    [{ name: 'x', backend: 'clickhouse', cluster: "c')--" }, 'cluster: must be 1-63'],
    [{ name: 'x', backend: 'duckdb', path: 'x.csv' }, 'backend: must be one of memory, clickhouse'],
    [{ name: 'x' }, 'path'],
  ])('should refuse the dataset entry %j', (entry, message) => {
    const file = datasetsFile([entry]);
    expect(() => buildDataConfig({ DATASETS_FILE: file })).toThrow(message);
  });

  it('should refuse an unknown DATA_BACKEND', () => {
    expect(() => buildDataConfig({ DATA_BACKEND: 'postgres' })).toThrow(
      'DATA_BACKEND: must be one of memory, clickhouse',
    );
  });
});
