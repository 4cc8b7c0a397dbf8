import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import {
  attachSplit,
  dropStaged,
  splitStaged,
  stageRows,
  storageTables,
  type StagedMark,
} from 'src/data/clickhouse/clickhouse-parts';
import { migrateClickHouse } from 'src/data/clickhouse/clickhouse-schema';
import { CLICKHOUSE_DAY_RANGE, stringLiteral, tableRef } from 'src/data/clickhouse/sales-sql';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';

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
  /**
   * Tables (shards) an earlier, interrupted run of this import had attached already and this run
   * left as they were; 0 for a first run.
   */
  readonly resumedTables: number;
  readonly rows: number;
  readonly rejectedRows: number;
  readonly sha256: string;
}

/** An import refused before its file is read (a dataset that is not in ClickHouse). */
export class ImportRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ImportRefusedError.name;
  }
}

/**
 * The id an import's rows carry in column `import_id`: 63 bits of SHA-256(dataset, file SHA-256),
 * even and non-zero (upload write ids in `part` are odd; 0 marks rows of no import).
 */
export function importIdOf(dataset: string, sha256: string): string {
  const digest = createHash('sha256').update(`${dataset}\n${sha256}`).digest();
  const id = BigInt.asUintN(63, digest.readBigUInt64BE()) & ~1n;
  return String(id === 0n ? 2n : id);
}

/**
 * Imports a CSV file into a ClickHouse dataset, all or nothing. The file goes through the very
 * loader the in-memory backend uses (same defects, same file:line:column report), then into a
 * staging table in batches, and only then are the staged parts attached to the dataset's table in
 * one step per shard. A file whose SHA-256 was imported before adds nothing.
 *
 * Attaching is keyed: every row carries the import's id (`importIdOf`) in column `import_id`, and
 * a table (shard) that already holds rows with that id is not attached again. An import stopped
 * between two shards' attaches, or after its last attach but before it was recorded in `imports`,
 * therefore completes when run again, and stores each row once.
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
      dayRange: CLICKHOUSE_DAY_RANGE,
      onProgress: ({ bytesRead, totalBytes }) =>
        onProgress({ phase: 'reading', done: bytesRead, total: totalBytes }),
    });
    const { columns, sha256 } = loaded;
    const outcome = {
      dataset: name,
      rows: columns.rowCount,
      rejectedRows: loaded.rejectedRows,
      sha256,
    };
    if (await this.alreadyImported(dataset, sha256)) {
      return { ...outcome, status: 'skipped', resumedTables: 0 };
    }

    const mark: StagedMark = { column: 'import_id', id: importIdOf(name, sha256) };
    const tables = await storageTables(this.gateway, dataset, database);
    const attached = new Set<string>();
    for (const table of tables) {
      if (await this.holdsImport(table, mark.id)) {
        attached.add(table);
      }
    }
    const staging = `import_${dataset.table}_${sha256.slice(0, 12)}`.slice(0, 63);
    try {
      if (attached.size < tables.length) {
        await stageRows(this.gateway, database, staging, columns, mark, (done) =>
          onProgress({ phase: 'inserting', done, total: columns.rowCount }),
        );
        const targets = await splitStaged(this.gateway, dataset, database, staging);
        await attachSplit(this.gateway, targets, ({ table }) => !attached.has(table));
      }
      await this.gateway.command(
        `INSERT INTO ${tableRef(database, 'imports')} ` +
          '(dataset, sha256, source, rows, rejected_rows, imported_at) VALUES ' +
          `(${stringLiteral(name)}, ${stringLiteral(sha256)}, ${stringLiteral(basename(file))}, ` +
          `${columns.rowCount}, ${loaded.rejectedRows}, now())`,
      );
    } finally {
      await dropStaged(this.gateway, dataset, database, staging);
    }
    return { ...outcome, status: 'imported', resumedTables: attached.size };
  }

  /** True when `table` (qualified) holds rows of the import `id`: its attach happened. */
  private async holdsImport(table: string, id: string): Promise<boolean> {
    const [row] = await this.gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${table} WHERE import_id = ${id}`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  private async alreadyImported(dataset: DatasetConfig, sha256: string): Promise<boolean> {
    const [row] = await this.gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${tableRef(this.gateway.config.database, 'imports')} ` +
        `WHERE dataset = ${stringLiteral(dataset.name)} AND sha256 = ${stringLiteral(sha256)}`,
    );
    return Number(row?.n ?? 0) > 0;
  }
}
