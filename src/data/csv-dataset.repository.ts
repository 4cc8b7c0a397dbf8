import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { formatIsoDate } from 'src/common/calendar/day-number';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ColumnarSalesTable, type DatasetQuery, type DatasetQueryResult } from 'src/engine';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import { DatasetLoadObserver } from 'src/data/dataset-load.observer';
import {
  DatasetRepository,
  type BackendStatus,
  type DatasetSummary,
} from 'src/data/dataset.repository';
import { catalogueVersionOf, versionId } from 'src/data/dataset-version';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';

interface LoadedDataset {
  readonly table: ColumnarSalesTable;
  readonly summary: DatasetSummary;
}

/** Files above this size (about a million rows) log their progress while loading. */
const PROGRESS_LOG_MIN_BYTES = 20 * 1024 * 1024;

/**
 * The embedded default store: every configured CSV file is parsed once, at start-up and before the
 * server listens, into an indexed columnar table held in memory.
 */
@Injectable()
export class CsvDatasetRepository extends DatasetRepository implements OnModuleInit {
  private readonly logger = new Logger(CsvDatasetRepository.name);
  private readonly datasets = new Map<string, LoadedDataset>();

  constructor(
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
    @Optional() private readonly loadObserver?: DatasetLoadObserver,
  ) {
    super();
  }

  async onModuleInit(): Promise<void> {
    for (const dataset of this.config.datasets) {
      if (dataset.backend === 'memory' && dataset.path !== null) {
        this.datasets.set(dataset.name, await this.load(dataset, dataset.path));
      }
    }
  }

  has(dataset: string): boolean {
    return this.datasets.has(dataset);
  }

  backends(): Promise<BackendStatus[]> {
    return Promise.resolve([]);
  }

  list(): Promise<DatasetSummary[]> {
    return Promise.resolve([...this.datasets.values()].map(({ summary }) => summary));
  }

  summary(dataset: string): Promise<DatasetSummary> {
    return Promise.resolve(this.get(dataset).summary);
  }

  query(dataset: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    return Promise.resolve(this.get(dataset).table.query(query));
  }

  versionOf(dataset: string): Promise<string> {
    return Promise.resolve(this.get(dataset).summary.version);
  }

  catalogueVersion(): Promise<string> {
    return Promise.resolve(
      catalogueVersionOf([...this.datasets.values()].map(({ summary }) => summary)),
    );
  }

  loadedRows(): number {
    let rows = 0;
    for (const { summary } of this.datasets.values()) {
      rows += summary.rows;
    }
    return rows;
  }

  private get(name: string): LoadedDataset {
    // Map lookups keep request-supplied names away from prototype keys such as `__proto__`.
    const dataset = this.datasets.get(name);
    if (!dataset) {
      throw new DatasetNotFoundError(name, [...this.datasets.keys()]);
    }
    return dataset;
  }

  private async load(dataset: DatasetConfig, path: string): Promise<LoadedDataset> {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    let nextProgressPercent = 10;
    this.logger.log(`Loading dataset '${dataset.name}' from ${dataset.source}`);
    const loaded = await loadSalesCsv(path, {
      format: dataset.format,
      lenient: dataset.lenient,
      onProgress: ({ rows, bytesRead, totalBytes }) => {
        const percent = totalBytes > 0 ? (100 * bytesRead) / totalBytes : 100;
        if (totalBytes < PROGRESS_LOG_MIN_BYTES || percent < nextProgressPercent) {
          return;
        }
        nextProgressPercent = Math.floor(percent / 10) * 10 + 10;
        const rate = Math.round(rows / Math.max(seconds(), 1e-6));
        this.logger.log(
          `Loading '${dataset.name}': ${Math.floor(percent)}% (${rows} rows, ${rate} rows/s)`,
        );
      },
    });
    const table = ColumnarSalesTable.build(loaded.columns);
    const dayRange = table.dayRange();
    const summary: DatasetSummary = {
      name: dataset.name,
      rows: table.rowCount,
      countries: table.countryRows(),
      dateRange: dayRange
        ? { from: formatIsoDate(dayRange.fromDay), to: formatIsoDate(dayRange.toDay) }
        : null,
      years: table.years(),
      loadedAt: new Date().toISOString(),
      source: dataset.source,
      sha256: loaded.sha256,
      // The same bytes read with other columns, date format or leniency are other data.
      version: versionId([loaded.sha256, dataset.format, dataset.lenient]),
      rejectedRows: loaded.rejectedRows,
      rejectedExamples: loaded.rejectedExamples,
      arithmetic: table.arithmetic(),
    };
    if (summary.rejectedRows > 0) {
      const examples = summary.rejectedExamples
        .map(
          ({ line, column, reason }) =>
            `line ${line}${column ? `, column "${column}"` : ''}: ${reason}`,
        )
        .join('; ');
      this.logger.warn(
        `Dataset '${dataset.name}': skipped ${summary.rejectedRows} defective rows (lenient mode). First: ${examples}`,
      );
    }
    this.loadObserver?.datasetLoaded(summary, seconds());
    this.logger.log(
      `Loaded dataset '${dataset.name}': ${summary.rows} rows, ${summary.countries.length} countries, ` +
        `${summary.dateRange ? `${summary.dateRange.from} to ${summary.dateRange.to}` : 'no dates'}, ` +
        `${seconds().toFixed(2)} s`,
    );
    return { table, summary };
  }
}
