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
 * The id a staged row carries: the upload's write id in column `part`, or the import's id in
 * column `import_id`. Ids are decimal digits only (they are written into SQL as they are).
 */
export interface StagedMark {
  readonly column: 'part' | 'import_id';
  readonly id: string;
}

/**
 * Rows `start` to `end` as tab-separated lines: country, ISO date, shortest round-trip value, and
 * the mark's id when there is one (the column keeps its default otherwise).
 */
export function tabSeparatedRows(
  columns: SalesColumns,
  start: number,
  end: number,
  mark: StagedMark | null,
): Readable {
  const suffix = mark === null ? '\n' : `\t${mark.id}\n`;
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    lines.push(
      `${columns.countries[columns.countryCodes[i]]}\t${formatIsoDate(columns.days[i])}\t${columns.values[i]}${suffix}`,
    );
  }
  return Readable.from([Buffer.from(lines.join(''))], { objectMode: false });
}

/** Columns a staged row fills: the CSV's, plus the mark's column. */
export function stagedColumns(mark: StagedMark | null): [string, ...string[]] {
  return mark === null ? CSV_ROW_COLUMNS : [...CSV_ROW_COLUMNS, mark.column];
}

/**
 * Creates `staging` (dropping a leftover of the same name) and fills it in batches. Staging rows
 * are invisible to queries until `attachSplit` moves them in.
 */
export async function stageRows(
  gateway: ClickHouseGateway,
  database: string,
  staging: string,
  columns: SalesColumns,
  mark: StagedMark | null,
  onBatch: (done: number) => void = () => undefined,
): Promise<void> {
  const stagingRef = tableRef(database, staging);
  await gateway.command(`DROP TABLE IF EXISTS ${stagingRef}`);
  await gateway.command(`CREATE TABLE ${stagingRef} ${SALES_COLUMNS} ${SALES_ENGINE}`);
  for (let start = 0; start < columns.rowCount; start += INSERT_BATCH_ROWS) {
    const end = Math.min(start + INSERT_BATCH_ROWS, columns.rowCount);
    await gateway.insertTabSeparated(
      stagingRef,
      stagedColumns(mark),
      tabSeparatedRows(columns, start, end, mark),
    );
    onBatch(end);
  }
}

/** One step of an attach: the staged rows of `staging` go into `table` (both qualified). */
export interface AttachTarget {
  readonly table: string;
  readonly staging: string;
}

/**
 * The tables a dataset's rows are stored in, qualified: its table, or for a cluster the local
 * table of each shard, in shard order.
 */
export async function storageTables(
  gateway: ClickHouseGateway,
  dataset: DatasetConfig,
  database: string,
): Promise<string[]> {
  return dataset.cluster
    ? (await shardDatabases(gateway, dataset.cluster)).map((db) => tableRef(db, dataset.table))
    : [tableRef(database, dataset.table)];
}

/**
 * Prepares the staged rows for `attachSplit`, changing nothing readers see. For one table that is
 * the staging table itself. For a cluster the rows are split per shard with the Distributed
 * table's own sharding rule (cityHash64(country) modulo the shard count), into a staging table of
 * the same name in each shard database, which the same rows always reach.
 */
export async function splitStaged(
  gateway: ClickHouseGateway,
  dataset: DatasetConfig,
  database: string,
  staging: string,
): Promise<AttachTarget[]> {
  const stagingRef = tableRef(database, staging);
  if (!dataset.cluster) {
    return [{ table: tableRef(database, dataset.table), staging: stagingRef }];
  }
  const shards = await shardDatabases(gateway, dataset.cluster);
  const targets: AttachTarget[] = [];
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
    targets.push({ table: tableRef(shard, dataset.table), staging: shardStaging });
  }
  return targets;
}

/**
 * Moves the split rows into the dataset's tables: one `ATTACH PARTITION … FROM` per target, which
 * readers of that table see all at once. `before` runs ahead of each attach: it may throw to stop
 * there, or answer false to leave that target out (its rows are there already).
 */
export async function attachSplit(
  gateway: ClickHouseGateway,
  targets: readonly AttachTarget[],
  before: (target: AttachTarget) => boolean | Promise<boolean> = () => true,
): Promise<void> {
  for (const target of targets) {
    if (await before(target)) {
      await gateway.command(
        `ALTER TABLE ${target.table} ATTACH PARTITION tuple() FROM ${target.staging}`,
      );
    }
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
