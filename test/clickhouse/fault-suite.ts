import type { DataConfig, DatasetConfig } from 'src/config/data.config';
import type { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { SHARD_DATABASES } from 'test/clickhouse/clickhouse-server';

/** One ClickHouse dataset stored in `table`, over the test cluster's shards when `cluster` is set. */
export function oneClickHouseDataset(
  name: string,
  table: string,
  cluster: string | null,
): { config: DatasetConfig; data: DataConfig } {
  const config: DatasetConfig = {
    name,
    backend: 'clickhouse',
    path: null,
    source: '',
    format: DEFAULT_CSV_FORMAT,
    lenient: false,
    table,
    cluster,
  };
  return { config, data: { defaultDataset: name, datasets: [config] } };
}

/** Drops the dataset's shard tables and the suite's database, then closes every gateway. */
export async function dropSuiteStorage(
  gateways: readonly ClickHouseGateway[],
  { database, table, cluster }: { database: string; table: string; cluster: string | null },
): Promise<void> {
  const [gateway] = gateways;
  for (const shard of cluster ? SHARD_DATABASES : []) {
    await gateway.command(`DROP TABLE IF EXISTS ${shard}.${table}`);
  }
  await gateway.command(`DROP DATABASE IF EXISTS ${database}`);
  for (const each of gateways) {
    await each.onModuleDestroy();
  }
}
