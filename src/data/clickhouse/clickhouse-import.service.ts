import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { basename } from 'node:path';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { attachStaged, stageRows } from 'src/data/clickhouse/clickhouse-parts';
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
      return { ...outcome, status: 'skipped' };
    }

    const staging = `import_${dataset.table}_${sha256.slice(0, 12)}`.slice(0, 63);
    const stagingRef = tableRef(database, staging);
    try {
      await stageRows(this.gateway, database, staging, columns, null, (done) =>
        onProgress({ phase: 'inserting', done, total: columns.rowCount }),
      );
      await attachStaged(this.gateway, dataset, database, staging);
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
}
