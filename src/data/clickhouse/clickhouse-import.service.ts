import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { formatIsoDate } from 'src/common/calendar/day-number';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import {
  migrateClickHouse,
  SALES_COLUMNS,
  SALES_ENGINE,
  shardDatabases,
} from 'src/data/clickhouse/clickhouse-schema';
import {
  CLICKHOUSE_MAX_DAY,
  CLICKHOUSE_MIN_DAY,
  stringLiteral,
  tableRef,
} from 'src/data/clickhouse/sales-sql';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import type { SalesColumns } from 'src/engine';

/** Rows per INSERT: large enough for ClickHouse to write big parts, small enough to show progress. */
export const IMPORT_BATCH_ROWS = 200_000;

export type ImportPhase = 'reading' | 'inserting';

export interface ImportProgress {
  readonly phase: ImportPhase;
  readonly done: number;
  readonly total: number;
}

export interface ImportOutcome {
  readonly dataset: string;
  /** `skipped` when a file with the same SHA-256 was already imported into the dataset. */
  readonly status: 'imported' | 'skipped';
  readonly rows: number;
  readonly rejectedRows: number;
  readonly sha256: string;
}

/** A file the import refuses for a reason the CSV loader does not check (e.g. an unsupported date). */
export class ImportRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ImportRefusedError.name;
  }
}

/** The same bytes in the same column layout: country, ISO date, shortest round-trip value. */
function tabSeparatedRows(columns: SalesColumns, start: number, end: number): Readable {
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    lines.push(
      `${columns.countries[columns.countryCodes[i]]}\t${formatIsoDate(columns.days[i])}\t${columns.values[i]}\n`,
    );
  }
  return Readable.from([Buffer.from(lines.join(''))], { objectMode: false });
}

/**
 * Imports a CSV file into a ClickHouse dataset, all or nothing. The file goes through the very
 * loader the in-memory backend uses (same defects, same file:line:column report), then into a
 * staging table in batches, and only then are the staged parts attached to the dataset's table in
 * one step per shard. A file whose SHA-256 was imported before adds nothing.
 */
@Injectable()
export class ClickHouseImportService {
  constructor(
    private readonly gateway: ClickHouseGateway,
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
  ) {}

  dataset(name: string): DatasetConfig {
    const dataset = this.config.datasets.find((entry) => entry.name === name);
    const names = this.config.datasets
      .filter(({ backend }) => backend === 'clickhouse')
      .map((entry) => entry.name);
    if (!dataset || dataset.backend !== 'clickhouse') {
      throw new ImportRefusedError(
        `Dataset '${name}' is not a ClickHouse dataset. ClickHouse datasets: ${names.join(', ') || 'none (set DATA_BACKEND=clickhouse or "backend": "clickhouse" in DATASETS_FILE)'}`,
      );
    }
    return dataset;
  }

  async importFile(
    name: string,
    file: string,
    onProgress: (progress: ImportProgress) => void = () => undefined,
  ): Promise<ImportOutcome> {
    const dataset = this.dataset(name);
    const database = this.gateway.config.database;
    await migrateClickHouse(this.gateway, database, [dataset]);
    const loaded = await loadSalesCsv(file, {
      format: dataset.format,
      lenient: dataset.lenient,
      onProgress: ({ bytesRead, totalBytes }) =>
        onProgress({ phase: 'reading', done: bytesRead, total: totalBytes }),
    });
    const { columns, sha256 } = loaded;
    refuseUnstorableDates(columns);
    const outcome = {
      dataset: name,
      rows: columns.rowCount,
      rejectedRows: loaded.rejectedRows,
      sha256,
    };
    if (await this.alreadyImported(dataset, sha256)) {
      return { ...outcome, status: 'skipped' };
    }

    const staging = `import_${dataset.table}_${sha256.slice(0, 12)}`.slice(0, 63);
    const stagingRef = tableRef(database, staging);
    await this.gateway.command(`DROP TABLE IF EXISTS ${stagingRef}`);
    await this.gateway.command(`CREATE TABLE ${stagingRef} ${SALES_COLUMNS} ${SALES_ENGINE}`);
    try {
      for (let start = 0; start < columns.rowCount; start += IMPORT_BATCH_ROWS) {
        const end = Math.min(start + IMPORT_BATCH_ROWS, columns.rowCount);
        await this.gateway.insertTabSeparated(stagingRef, tabSeparatedRows(columns, start, end));
        onProgress({ phase: 'inserting', done: end, total: columns.rowCount });
      }
      await this.attach(dataset, database, staging);
      await this.gateway.command(
        `INSERT INTO ${tableRef(database, 'imports')} ` +
          '(dataset, sha256, source, rows, rejected_rows, imported_at) VALUES ' +
          `(${stringLiteral(name)}, ${stringLiteral(sha256)}, ${stringLiteral(basename(file))}, ` +
          `${columns.rowCount}, ${loaded.rejectedRows}, now())`,
      );
    } finally {
      await this.gateway.command(`DROP TABLE IF EXISTS ${stagingRef}`);
    }
    return { ...outcome, status: 'imported' };
  }

  private async alreadyImported(dataset: DatasetConfig, sha256: string): Promise<boolean> {
    const [row] = await this.gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${tableRef(this.gateway.config.database, 'imports')} ` +
        `WHERE dataset = ${stringLiteral(dataset.name)} AND sha256 = ${stringLiteral(sha256)}`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  /**
   * Moves the staged parts into the dataset's table: one ATTACH PARTITION per target table, which
   * readers see all at once. For a cluster, the rows are first split per shard with the
   * Distributed table's own sharding rule (cityHash64(country) modulo the shard count).
   */
  private async attach(dataset: DatasetConfig, database: string, staging: string): Promise<void> {
    const stagingRef = tableRef(database, staging);
    if (!dataset.cluster) {
      await this.gateway.command(
        `ALTER TABLE ${tableRef(database, dataset.table)} ATTACH PARTITION tuple() FROM ${stagingRef}`,
      );
      return;
    }
    const shards = await shardDatabases(this.gateway, dataset.cluster);
    for (const [index, shard] of shards.entries()) {
      const shardStaging = tableRef(shard, staging);
      await this.gateway.command(`DROP TABLE IF EXISTS ${shardStaging}`);
      await this.gateway.command(`CREATE TABLE ${shardStaging} AS ${stagingRef}`);
      try {
        await this.gateway.command(
          `INSERT INTO ${shardStaging} SELECT * FROM ${stagingRef} ` +
            `WHERE cityHash64(country) % ${shards.length} = ${index}`,
        );
      } catch (error) {
        await this.gateway.command(`DROP TABLE IF EXISTS ${shardStaging}`);
        throw error;
      }
    }
    for (const shard of shards) {
      await this.gateway.command(
        `ALTER TABLE ${tableRef(shard, dataset.table)} ATTACH PARTITION tuple() FROM ${tableRef(shard, staging)}`,
      );
      await this.gateway.command(`DROP TABLE IF EXISTS ${tableRef(shard, staging)}`);
    }
  }
}

/** ClickHouse 18.16's `Date` holds 1970-01-01 to 2105-12-31; the loader accepts years 0000–9999. */
function refuseUnstorableDates(columns: SalesColumns): void {
  for (let i = 0; i < columns.rowCount; i++) {
    const day = columns.days[i];
    if (day < CLICKHOUSE_MIN_DAY || day > CLICKHOUSE_MAX_DAY) {
      throw new ImportRefusedError(
        `Data row ${i + 1} (blank lines not counted) is dated ${formatIsoDate(day)}; ClickHouse ` +
          `stores dates from ${formatIsoDate(CLICKHOUSE_MIN_DAY)} to ${formatIsoDate(CLICKHOUSE_MAX_DAY)}`,
      );
    }
  }
}
