import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { buildDataConfig, DEFAULT_DATASET_NAME } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { ClickHouseImportService } from 'src/data/clickhouse/clickhouse-import.service';

/** URL of the run's ClickHouse server, started by test/clickhouse/global-setup.ts. */
export function testClickHouseUrl(): string {
  const url = process.env.TEST_CLICKHOUSE_URL;
  if (!url) {
    throw new Error(
      'TEST_CLICKHOUSE_URL is not set: run the suites through jest (globalSetup starts ClickHouse)',
    );
  }
  return url;
}

/** A database name no other suite or run uses, so suites can share the server. */
export function uniqueDatabase(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Gateway and import service built straight from a settings record, without an application. */
export function clickHouseTools(env: Record<string, string | undefined>): {
  gateway: ClickHouseGateway;
  importer: ClickHouseImportService;
} {
  // Apps under test log nothing; neither does their set-up.
  Logger.overrideLogger(false);
  const gateway = new ClickHouseGateway(buildClickHouseConfig(env));
  return { gateway, importer: new ClickHouseImportService(gateway, buildDataConfig(env)) };
}

/**
 * When E2E_DATA_BACKEND=clickhouse, the settings that serve the default dataset from ClickHouse
 * instead: its CSV (DATA_PATH) imported into a fresh database. Otherwise none.
 */
export async function clickHouseBackedDefault(
  env: Record<string, string | undefined>,
): Promise<Record<string, string>> {
  if (process.env.E2E_DATA_BACKEND !== 'clickhouse') {
    return {};
  }
  const settings = {
    DATA_BACKEND: 'clickhouse',
    CLICKHOUSE_URL: testClickHouseUrl(),
    CLICKHOUSE_DATABASE: uniqueDatabase('e2e'),
  };
  const { gateway, importer } = clickHouseTools({ ...env, ...settings });
  try {
    await importer.importFile(
      DEFAULT_DATASET_NAME,
      env.DATA_PATH ?? process.env.DATA_PATH ?? 'data/sales.csv',
    );
  } finally {
    await gateway.onModuleDestroy();
  }
  return settings;
}
