import type { TestClickHouseServer } from './clickhouse-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testClickHouse?: TestClickHouseServer }).testClickHouse?.dispose();
}
