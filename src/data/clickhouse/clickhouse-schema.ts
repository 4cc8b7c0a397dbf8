import { Logger } from '@nestjs/common';
import type { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { identifier, stringLiteral, tableRef } from 'src/data/clickhouse/sales-sql';

/** Where a dataset's rows are stored. */
export interface SalesTableTarget {
  readonly table: string;
  /** Cluster of a Distributed table over one local table per shard; null for a plain table. */
  readonly cluster: string | null;
}

interface Migration<Context> {
  readonly version: number;
  readonly description: string;
  statements(context: Context): Promise<string[]>;
}

/**
 * The columns of every sales table; `country` first so a country's rows are read together. `part`
 * is the write id of the upload that added a row (0 for imports): it lets a restart tell whether
 * an upload's rows reached the table (see `ClickHouseDatasetWriter`). `import_id` is the id of the
 * import that added a row (0 for uploads): it lets an interrupted import run again attach only
 * what is missing (see `ClickHouseImportService`). A column of one repeated integer per part
 * compresses to almost nothing. New columns go last: `ATTACH PARTITION … FROM` needs staging
 * tables whose columns are in the same order as the table's, and `ADD COLUMN` appends.
 */
export const SALES_COLUMNS =
  '(country FixedString(2), date Date, value Float64, part UInt64 DEFAULT 0, ' +
  'import_id UInt64 DEFAULT 0)';
/** The columns a CSV row fills; `part` keeps its default. */
export const CSV_ROW_COLUMNS: [string, ...string[]] = ['country', 'date', 'value'];
export const SALES_ENGINE = 'ENGINE = MergeTree() ORDER BY (country, date)';

/** The service's own tables, applied once per database. */
const SERVICE_MIGRATIONS: readonly Migration<{ database: string }>[] = [
  {
    version: 1,
    description: 'imports: one row per imported file, keyed by its SHA-256',
    statements: ({ database }) =>
      Promise.resolve([
        `CREATE TABLE IF NOT EXISTS ${tableRef(database, 'imports')} ` +
          '(dataset String, sha256 String, source String, rows UInt64, rejected_rows UInt64, ' +
          'imported_at DateTime) ' +
          'ENGINE = MergeTree() ORDER BY (dataset, sha256)',
      ]),
  },
  {
    version: 2,
    description: 'versions: the version history of uploads and reloads, one row per state change',
    statements: ({ database }) =>
      Promise.resolve([
        `CREATE TABLE IF NOT EXISTS ${tableRef(database, 'versions')} ` +
          '(dataset String, write_id UInt64, state String, sequence UInt64, version String, ' +
          'created_at String, source String, rows_added Int64, rows UInt64, rejected_rows UInt64, ' +
          'idempotency_key Nullable(String), sha256 String, logged_at DateTime) ' +
          'ENGINE = MergeTree() ORDER BY (dataset, sequence, write_id)',
      ]),
  },
  {
    version: 3,
    description:
      'key_claims: claims of replicas on Idempotency-Keys, one row per claim, renewal or release',
    statements: ({ database }) =>
      Promise.resolve([
        `CREATE TABLE IF NOT EXISTS ${tableRef(database, 'key_claims')} ` +
          '(dataset String, idempotency_key String, claim_id UInt64, owner String, ' +
          'released UInt8, claimed_at DateTime) ' +
          'ENGINE = MergeTree() ORDER BY (dataset, idempotency_key, claim_id)',
      ]),
  },
];

interface TableContext {
  readonly database: string;
  readonly target: SalesTableTarget;
  readonly gateway: ClickHouseGateway;
}

/** Shard databases of a cluster, read from the server's own cluster configuration. */
export async function shardDatabases(
  gateway: ClickHouseGateway,
  cluster: string,
): Promise<string[]> {
  const shards = await gateway.rows<{ shard_num: number; default_database: string }>(
    `SELECT shard_num, default_database FROM system.clusters WHERE cluster = ${stringLiteral(cluster)} ` +
      'AND replica_num = 1 ORDER BY shard_num',
  );
  if (shards.length === 0) {
    throw new TypeError(`ClickHouse has no cluster named '${cluster}' in its remote_servers`);
  }
  return shards.map(({ shard_num, default_database }) => {
    if (!default_database) {
      throw new TypeError(
        `Cluster '${cluster}' shard ${shard_num} has no <default_database>; each shard needs one`,
      );
    }
    return default_database;
  });
}

/** The sales table of each dataset, applied once per table. */
const TABLE_MIGRATIONS: readonly Migration<TableContext>[] = [
  {
    version: 1,
    description: 'sales rows, MergeTree ordered by (country, date)',
    statements: async ({ database, target, gateway }) => {
      if (target.cluster === null) {
        return [
          `CREATE TABLE IF NOT EXISTS ${tableRef(database, target.table)} ${SALES_COLUMNS} ${SALES_ENGINE}`,
        ];
      }
      // One local table per shard database, and a Distributed table over them that shards rows
      // by country, so a country's rows (and its exact quantiles' inputs) sit on one shard.
      const shards = await shardDatabases(gateway, target.cluster);
      return [
        ...shards.flatMap((shard) => [
          `CREATE DATABASE IF NOT EXISTS ${identifier(shard)}`,
          `CREATE TABLE IF NOT EXISTS ${tableRef(shard, target.table)} ${SALES_COLUMNS} ${SALES_ENGINE}`,
        ]),
        `CREATE TABLE IF NOT EXISTS ${tableRef(database, target.table)} ${SALES_COLUMNS} ` +
          `ENGINE = Distributed(${identifier(target.cluster)}, '', ${identifier(target.table)}, cityHash64(country))`,
      ];
    },
  },
  {
    version: 2,
    description: 'part: the upload that added each row',
    statements: (context) => addColumnWhereMissing(context, 'part'),
  },
  {
    version: 3,
    description: 'import_id: the import that added each row',
    statements: (context) => addColumnWhereMissing(context, 'import_id'),
  },
];

/**
 * `ADD COLUMN <name> UInt64 DEFAULT 0` for each of the dataset's tables (shard tables first, then
 * the one queries read) that lacks it. ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: tables
 * created since version 1 already have every column, older ones get it.
 */
async function addColumnWhereMissing(
  { database, target, gateway }: TableContext,
  column: 'part' | 'import_id',
): Promise<string[]> {
  const databases = [
    ...(target.cluster === null ? [] : await shardDatabases(gateway, target.cluster)),
    database,
  ];
  const missing: string[] = [];
  for (const db of databases) {
    const [row] = await gateway.rows<{ n: string | number }>(
      `SELECT count() AS n FROM system.columns WHERE database = ${stringLiteral(db)} ` +
        `AND table = ${stringLiteral(target.table)} AND name = ${stringLiteral(column)}`,
    );
    if (Number(row?.n ?? 0) === 0) {
      missing.push(
        `ALTER TABLE ${tableRef(db, target.table)} ADD COLUMN ${column} UInt64 DEFAULT 0`,
      );
    }
  }
  return missing;
}

const logger = new Logger('ClickHouseSchema');

async function applyPending<Context>(
  gateway: ClickHouseGateway,
  database: string,
  scope: string,
  migrations: readonly Migration<Context>[],
  context: Context,
  applied: ReadonlyMap<string, number>,
): Promise<void> {
  const current = applied.get(scope) ?? 0;
  for (const migration of migrations) {
    if (migration.version <= current) {
      continue;
    }
    for (const statement of await migration.statements(context)) {
      await gateway.command(statement);
    }
    await gateway.command(
      `INSERT INTO ${tableRef(database, 'schema_migrations')} (scope, version, description, applied_at) ` +
        `VALUES (${stringLiteral(scope)}, ${migration.version}, ${stringLiteral(migration.description)}, now())`,
    );
    logger.log(
      `Applied ClickHouse migration ${scope} v${migration.version}: ${migration.description}`,
    );
  }
}

/**
 * Creates or upgrades everything the service needs in `database`: the migrations ledger, the
 * imports table and every dataset's table. Each step is `IF NOT EXISTS`, so two replicas starting
 * together cannot break each other; a scope's version is the highest recorded for it.
 */
export async function migrateClickHouse(
  gateway: ClickHouseGateway,
  database: string,
  targets: readonly SalesTableTarget[],
): Promise<void> {
  await gateway.command(`CREATE DATABASE IF NOT EXISTS ${identifier(database)}`);
  await gateway.command(
    `CREATE TABLE IF NOT EXISTS ${tableRef(database, 'schema_migrations')} ` +
      '(scope String, version UInt32, description String, applied_at DateTime) ' +
      'ENGINE = MergeTree() ORDER BY (scope, version)',
  );
  const rows = await gateway.rows<{ scope: string; version: number }>(
    `SELECT scope, max(version) AS version FROM ${tableRef(database, 'schema_migrations')} GROUP BY scope`,
  );
  const applied = new Map(rows.map(({ scope, version }) => [scope, Number(version)]));
  await applyPending(gateway, database, 'service', SERVICE_MIGRATIONS, { database }, applied);
  for (const target of targets) {
    await applyPending(
      gateway,
      database,
      `table:${target.table}`,
      TABLE_MIGRATIONS,
      { database, target, gateway },
      applied,
    );
  }
}
