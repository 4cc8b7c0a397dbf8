import { TestClickHouseServer } from './clickhouse-server';

/**
 * One ClickHouse server for the whole run, started before any suite. Suites read its URL from
 * TEST_CLICKHOUSE_URL (inherited by the workers) and each uses databases of its own.
 */
export default async function globalSetup(): Promise<void> {
  const server = await TestClickHouseServer.start();
  process.env.TEST_CLICKHOUSE_URL = server.info.url;
  (globalThis as { testClickHouse?: TestClickHouseServer }).testClickHouse = server;
}
