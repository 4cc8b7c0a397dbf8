import { Readable } from 'node:stream';
import { formatIsoDate } from 'src/common/calendar/day-number';
import type { DatasetConfig } from 'src/config/data.config';
import type { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import {
  CSV_ROW_COLUMNS,
  SALES_COLUMNS,
  SALES_ENGINE,
  shardDatabases,
} from 'src/data/clickhouse/clickhouse-schema';
import { tableRef } from 'src/data/clickhouse/sales-sql';
import type { SalesColumns } from 'src/engine';

/** Rows per INSERT: large enough for ClickHouse to write big parts, small enough to show progress. */
export const INSERT_BATCH_ROWS = 200_000;

/**
 * Rows `start` to `end` as tab-separated lines: country, ISO date, shortest round-trip value, and
 * the write id of the upload when `part` is set (the `part` column keeps its default otherwise).
 */
export function tabSeparatedRows(
  columns: SalesColumns,
  start: number,
  end: number,
  part: string | null,
): Readable {
  const suffix = part === null ? '\n' : `\t${part}\n`;
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    lines.push(
      `${columns.countries[columns.countryCodes[i]]}\t${formatIsoDate(columns.days[i])}\t${columns.values[i]}${suffix}`,
    );
  }
  return Readable.from([Buffer.from(lines.join(''))], { objectMode: false });
}

/** Columns a staged row fills: the CSV's, plus `part` for an upload. */
export function stagedColumns(part: string | null): [string, ...string[]] {
  return part === null ? CSV_ROW_COLUMNS : [...CSV_ROW_COLUMNS, 'part'];
}

/**
 * Creates `staging` (dropping a leftover of the same name) and fills it in batches. Staging rows
 * are invisible to queries until `attachStaged` moves them in.
 */
export async function stageRows(
  gateway: ClickHouseGateway,
  database: string,
  staging: string,
  columns: SalesColumns,
  part: string | null,
  onBatch: (done: number) => void = () => undefined,
): Promise<void> {
  const stagingRef = tableRef(database, staging);
  await gateway.command(`DROP TABLE IF EXISTS ${stagingRef}`);
  await gateway.command(`CREATE TABLE ${stagingRef} ${SALES_COLUMNS} ${SALES_ENGINE}`);
  for (let start = 0; start < columns.rowCount; start += INSERT_BATCH_ROWS) {
    const end = Math.min(start + INSERT_BATCH_ROWS, columns.rowCount);
    await gateway.insertTabSeparated(
      stagingRef,
      stagedColumns(part),
      tabSeparatedRows(columns, start, end, part),
    );
    onBatch(end);
  }
}

/**
 * Moves the staged parts into the dataset's table: one ATTACH PARTITION per target table, which
 * readers see all at once. For a cluster, the rows are first split per shard with the
 * Distributed table's own sharding rule (cityHash64(country) modulo the shard count), into a
 * staging table of the same name in each shard database; each shard then attaches its own.
 */
export async function attachStaged(
  gateway: ClickHouseGateway,
  dataset: DatasetConfig,
  database: string,
  staging: string,
): Promise<void> {
  const stagingRef = tableRef(database, staging);
  if (!dataset.cluster) {
    await gateway.command(
      `ALTER TABLE ${tableRef(database, dataset.table)} ATTACH PARTITION tuple() FROM ${stagingRef}`,
    );
    return;
  }
  const shards = await shardDatabases(gateway, dataset.cluster);
  for (const [index, shard] of shards.entries()) {
    const shardStaging = tableRef(shard, staging);
    await gateway.command(`DROP TABLE IF EXISTS ${shardStaging}`);
    await gateway.command(`CREATE TABLE ${shardStaging} AS ${stagingRef}`);
    try {
      await gateway.command(
        `INSERT INTO ${shardStaging} SELECT * FROM ${stagingRef} ` +
          `WHERE cityHash64(country) % ${shards.length} = ${index}`,
      );
    } catch (error) {
      await gateway.command(`DROP TABLE IF EXISTS ${shardStaging}`);
      throw error;
    }
  }
  for (const shard of shards) {
    await gateway.command(
      `ALTER TABLE ${tableRef(shard, dataset.table)} ATTACH PARTITION tuple() FROM ${tableRef(shard, staging)}`,
    );
    await gateway.command(`DROP TABLE IF EXISTS ${tableRef(shard, staging)}`);
  }
}

/** Drops a staging table and, for a cluster, its per-shard copies. */
export async function dropStaged(
  gateway: ClickHouseGateway,
  dataset: DatasetConfig,
  database: string,
  staging: string,
): Promise<void> {
  const databases = [
    database,
    ...(dataset.cluster ? await shardDatabases(gateway, dataset.cluster) : []),
  ];
  for (const db of databases) {
    await gateway.command(`DROP TABLE IF EXISTS ${tableRef(db, staging)}`);
  }
}
