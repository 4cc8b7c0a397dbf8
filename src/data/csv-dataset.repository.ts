import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { formatIsoDate } from 'src/common/calendar/day-number';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import {
  ColumnarSalesTable,
  LayeredSalesTable,
  TableMerger,
  concatSalesColumns,
  type DatasetQuery,
  type DatasetQueryResult,
  type SalesColumns,
} from 'src/engine';
import { loadSalesCsv, type SalesCsvLoadResult } from 'src/data/csv/sales-csv-loader';
import { DataGeneration } from 'src/data/live/data-generation';
import { DatasetFolders } from 'src/data/live/dataset-folders';
import type { DatasetFolder } from 'src/data/live/dataset-folder';
import { baseVersionId, nextVersionId } from 'src/data/live/version-ids';
import type { VersionRecord, VersionSource } from 'src/data/live/version-log';
import { DatasetLoadObserver } from 'src/data/dataset-load.observer';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import {
  DatasetRepository,
  type BackendStatus,
  type DatasetSummary,
} from 'src/data/dataset.repository';
import { catalogueVersionOf } from 'src/data/dataset-version';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';

/**
 * One version of a dataset in memory. It is immutable: a new version replaces the whole object in
 * one assignment, so a query (synchronous, see the engine's contract) runs on one version only.
 * Its table is a main table plus the uploads since the last merge, as delta tables; a background
 * merge replaces it with the same rows in fewer parts.
 */
export interface LoadedDataset {
  readonly table: LayeredSalesTable;
  readonly summary: DatasetSummary;
  /** The version log's record of this version. */
  readonly version: VersionRecord;
  readonly folder: DatasetFolder;
  readonly config: DatasetConfig;
}

/** Files above this size (about a million rows) log their progress while loading. */
const PROGRESS_LOG_MIN_BYTES = 20 * 1024 * 1024;

/**
 * The embedded default store: every configured CSV file is parsed once, at start-up and before the
 * server listens, into an indexed columnar table held in memory.
 */
@Injectable()
export class CsvDatasetRepository
  extends DatasetRepository
  implements OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(CsvDatasetRepository.name);
  private readonly datasets = new Map<string, LoadedDataset>();
  private readonly merger = new TableMerger();
  /** Combines small deltas into one; at the normal priority, as it must not wait for `merger`. */
  private readonly deltaMerger = new TableMerger({ priority: 'normal' });
  /** The merge of each layered version started so far: one per version, shared by its readers. */
  private readonly merges = new WeakMap<LayeredSalesTable, Promise<ColumnarSalesTable>>();
  /** Layered versions whose merge into one table is queued or running. */
  private readonly pendingMerges = new Set<LayeredSalesTable>();
  /** Datasets whose deltas are being combined. */
  private readonly combining = new Set<string>();
  private destroyed = false;
  /** Datasets whose background merging is running. */
  private readonly merging = new Map<string, Promise<void>>();

  constructor(
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
    private readonly folders: DatasetFolders,
    private readonly generation: DataGeneration,
    @Optional() private readonly loadObserver?: DatasetLoadObserver,
    @Optional() private readonly writeObserver?: DatasetWriteObserver,
  ) {
    super();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.merger.close();
    this.deltaMerger.close();
  }

  async onModuleInit(): Promise<void> {
    for (const dataset of this.config.datasets) {
      if (dataset.backend === 'memory' && dataset.path !== null) {
        this.datasets.set(dataset.name, await this.load(dataset, dataset.path, 'initial'));
      }
    }
  }

  /** The dataset's current version. @throws DatasetNotFoundError */
  current(dataset: string): LoadedDataset {
    return this.get(dataset);
  }

  /** Makes a new version the one every later query sees. */
  install(loaded: LoadedDataset): void {
    this.datasets.set(loaded.summary.name, loaded);
    this.generation.advance();
  }

  /**
   * Reads the dataset's file and parts again into a new version (logged as a reload), without
   * installing it. @throws CsvLoadError when a file is no longer valid
   */
  reread(dataset: string): Promise<LoadedDataset> {
    const { config } = this.get(dataset);
    return this.load(config, config.path ?? '', 'reload');
  }

  /**
   * Merges the dataset's delta tables into its main table in the background (on the merge
   * thread), again and again until none is left; a call while that runs changes nothing, as the
   * running merging picks up the new deltas when its merge ends. Meanwhile the deltas that
   * arrive are combined (see `combineInBackground`).
   */
  mergeInBackground(dataset: string): void {
    if (this.merging.has(dataset)) {
      this.combineInBackground(dataset);
      return;
    }
    const run = (async () => {
      for (let table = this.get(dataset).table; table.deltas.length > 0;) {
        await this.mergedTable(dataset, table);
        table = this.get(dataset).table;
      }
    })()
      .catch((error: Error) => {
        // The deltas keep answering queries; the next upload tries again.
        if (!this.destroyed) {
          this.logger.error(`Merging dataset '${dataset}' failed: ${error.message}`);
        }
      })
      .finally(() => this.merging.delete(dataset));
    this.merging.set(dataset, run);
  }

  /** Resolves once the dataset's background merging (if any) has ended. */
  async mergesSettled(dataset: string): Promise<void> {
    await this.merging.get(dataset);
  }

  /** The summary of a version with more rows, as `install` needs it. */
  summarize(
    config: DatasetConfig,
    table: LayeredSalesTable,
    base: Pick<DatasetSummary, 'sha256' | 'rejectedRows' | 'rejectedExamples'>,
    version: string,
  ): DatasetSummary {
    const dayRange = table.dayRange();
    return {
      name: config.name,
      rows: table.rowCount,
      countries: table.countryRows(),
      dateRange: dayRange
        ? { from: formatIsoDate(dayRange.fromDay), to: formatIsoDate(dayRange.toDay) }
        : null,
      years: table.years(),
      loadedAt: new Date().toISOString(),
      source: config.source,
      sha256: base.sha256,
      version,
      rejectedRows: base.rejectedRows,
      rejectedExamples: base.rejectedExamples,
      arithmetic: table.arithmetic(),
    };
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

  async query(dataset: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    const { table } = this.get(dataset);
    // Combined from the layers of this version, or (float arithmetic, spreads without exact
    // squares) from the merged table of this very version, which may take a merge to build.
    return table.query(query) ?? (await this.mergedTable(dataset, table)).query(query);
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

  /**
   * One table of every row of a layered version, merged on the merge thread once per version.
   * When it is done, it replaces the layers it merged in whatever version is current then (which
   * may have more deltas on top), unless a reload replaced the main table meanwhile.
   */
  private mergedTable(dataset: string, snapshot: LayeredSalesTable): Promise<ColumnarSalesTable> {
    let merge = this.merges.get(snapshot);
    if (merge === undefined) {
      const started = process.hrtime.bigint();
      merge = this.merger.merge(snapshot.parts).then((merged) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const current = this.get(dataset);
        const { table } = current;
        const merges = snapshot.deltas.length;
        if (
          table.main === snapshot.main &&
          snapshot.deltas.every((delta, i) => table.deltas[i] === delta)
        ) {
          // The same rows in fewer parts: the version, its summary and its ETag stay.
          const rebased = table.rebasedOn(merged, merges);
          this.datasets.set(dataset, { ...current, table: rebased });
          this.writeObserver?.mergeFinished(dataset, seconds, rebased.parts.length);
        } else {
          this.writeObserver?.mergeFinished(dataset, seconds, table.parts.length);
        }
        return merged;
      });
      this.pendingMerges.add(snapshot);
      merge.then(
        () => this.pendingMerges.delete(snapshot),
        () => {
          this.pendingMerges.delete(snapshot);
          // A failed merge is tried again by the next reader rather than remembered.
          this.merges.delete(snapshot);
        },
      );
      this.merges.set(snapshot, merge);
    }
    return merge;
  }

  /**
   * Combines, on the delta thread, a run of at least two deltas that no pending merge covers into
   * one delta of their rows (at most COMBINED_DELTA_MAX_ROWS, so the memory a combine takes stays
   * bounded), and again while such a run is left. With a 10M-row main table a merge takes seconds,
   * uploads pile up meanwhile as deltas, and a running total or a comparison pays per delta.
   * Deltas a pending merge covers are left alone, so that its result still fits the version it
   * finishes on; a combine that finishes after such a merge started on its deltas is dropped.
   * The rows, the version and its ETag stay the same.
   */
  private combineInBackground(dataset: string): void {
    const { table } = this.get(dataset);
    // A float dataset's queries need the merged table whatever the number of deltas.
    if (this.combining.has(dataset) || this.destroyed || table.arithmetic() === 'float') {
      return;
    }
    const run = combinableRun(table.deltas, this.firstUncoveredDelta(table));
    if (run === null) {
      return;
    }
    const deltas = table.deltas.slice(run.first, run.first + run.count);
    this.combining.add(dataset);
    this.deltaMerger
      .merge(deltas)
      .then((combined) => {
        this.combining.delete(dataset);
        const current = this.get(dataset);
        const at = current.table.deltas.indexOf(deltas[0]);
        const intact =
          at >= 0 &&
          deltas.every((delta, i) => current.table.deltas[at + i] === delta) &&
          this.firstUncoveredDelta(current.table) <= at;
        if (intact) {
          const rebased = current.table.withCombinedDeltas(at, deltas.length, combined);
          this.datasets.set(dataset, { ...current, table: rebased });
          this.writeObserver?.deltasCombined(dataset, rebased.parts.length);
        }
        this.combineInBackground(dataset);
      })
      .catch((error: Error) => {
        this.combining.delete(dataset);
        // The deltas keep answering queries as they are; the next upload tries again.
        if (!this.destroyed) {
          this.logger.error(`Combining deltas of dataset '${dataset}' failed: ${error.message}`);
        }
      });
  }

  /** The index of the first of the table's deltas that no pending merge covers. */
  private firstUncoveredDelta(table: LayeredSalesTable): number {
    let first = 0;
    table.deltas.forEach((delta, i) => {
      for (const snapshot of this.pendingMerges) {
        if (snapshot.deltas.includes(delta)) {
          first = i + 1;
        }
      }
    });
    return first;
  }

  private get(name: string): LoadedDataset {
    // Map lookups keep request-supplied names away from prototype keys such as `__proto__`.
    const dataset = this.datasets.get(name);
    if (!dataset) {
      throw new DatasetNotFoundError(name, [...this.datasets.keys()]);
    }
    return dataset;
  }

  private async load(
    dataset: DatasetConfig,
    path: string,
    source: Exclude<VersionSource, 'upload'>,
  ): Promise<LoadedDataset> {
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
    const folder = await this.folders.folderOf(dataset.name);
    const parts = await this.loadParts(dataset, folder);
    const table = LayeredSalesTable.of(
      ColumnarSalesTable.build(
        parts.length === 0 ? loaded.columns : concatSalesColumns([loaded.columns, ...parts]),
      ),
    );
    const version = await this.recordLoad(dataset, folder, source, loaded, table.rowCount);
    const summary = this.summarize(
      dataset,
      table,
      {
        sha256: loaded.sha256,
        rejectedRows: loaded.rejectedRows,
        rejectedExamples: loaded.rejectedExamples,
      },
      version.version,
    );
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
      `Loaded dataset '${dataset.name}': ${summary.rows} rows` +
        `${parts.length > 0 ? ` (${parts.length} uploaded parts)` : ''}, ${summary.countries.length} countries, ` +
        `${summary.dateRange ? `${summary.dateRange.from} to ${summary.dateRange.to}` : 'no dates'}, ` +
        `${seconds().toFixed(2)} s`,
    );
    return { table, summary, version, folder, config: dataset };
  }

  /** The uploaded parts the version log names, in upload order, each checked against its hash. */
  private async loadParts(dataset: DatasetConfig, folder: DatasetFolder): Promise<SalesColumns[]> {
    const parts: SalesColumns[] = [];
    for (const record of folder.log.entries) {
      if (record.part === null) {
        continue;
      }
      const part = await loadSalesCsv(folder.partPath(record.part), {
        format: dataset.format,
        lenient: dataset.lenient,
      });
      if (part.sha256 !== record.sha256) {
        throw new Error(
          `Dataset '${dataset.name}': part ${record.part} does not match the SHA-256 its version log records; the data directory is damaged`,
        );
      }
      parts.push(part.columns);
    }
    return parts;
  }

  /**
   * The version a load gives. At start-up that is the log's latest, unless the log is empty (the
   * first start: `initial`) or the file was replaced while the service was stopped (a `reload`);
   * a reload always adds one.
   */
  private async recordLoad(
    dataset: DatasetConfig,
    folder: DatasetFolder,
    source: Exclude<VersionSource, 'upload'>,
    base: SalesCsvLoadResult,
    rows: number,
  ): Promise<VersionRecord> {
    const latest = folder.log.latest;
    if (source === 'initial' && latest !== undefined && latest.baseSha256 === base.sha256) {
      return latest;
    }
    const kind = latest === undefined ? 'initial' : 'reload';
    const record: VersionRecord = {
      version:
        latest === undefined
          ? baseVersionId(dataset, base.sha256)
          : nextVersionId(latest.version, folder.log.entries.length + 1, kind, base.sha256),
      createdAt: new Date().toISOString(),
      source: kind,
      rowsAdded: rows - (latest?.rows ?? 0),
      rows,
      rejectedRows: base.rejectedRows,
      idempotencyKey: null,
      sha256: base.sha256,
      part: null,
      baseSha256: base.sha256,
    };
    if (folder.writable) {
      await folder.log.append(record);
    } else {
      folder.log.remember(record);
    }
    return record;
  }
}

/**
 * Rows a combined delta may hold: a combine copies its deltas' rows once more and builds their
 * index, so this bounds the memory it takes beside the main table's merge; larger deltas wait for
 * that merge.
 */
const COMBINED_DELTA_MAX_ROWS = 1_000_000;

/** The first run, from `from`, of at least two deltas whose rows fit in one combined delta. */
function combinableRun(
  deltas: readonly ColumnarSalesTable[],
  from: number,
): { first: number; count: number } | null {
  for (let first = from; first < deltas.length - 1; first++) {
    let rows = 0;
    let end = first;
    while (end < deltas.length && rows + deltas[end].rowCount <= COMBINED_DELTA_MAX_ROWS) {
      rows += deltas[end].rowCount;
      end++;
    }
    if (end - first >= 2) {
      return { first, count: end - first };
    }
  }
  return null;
}
