import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { dataConfig } from 'src/config/data.config';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { CsvDatasetRepository, type LoadedDataset } from 'src/data/csv-dataset.repository';
import { CsvRejectedError, MAX_LISTED_DEFECTS } from 'src/data/errors/csv-rejected.error';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';
import { IdempotencyKeyReusedError } from 'src/data/errors/idempotency.errors';
import { ReadOnlyDatasetError } from 'src/data/errors/read-only-dataset.error';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import { InFlightKeys } from 'src/data/live/in-flight-keys';
import { KeyedLock } from 'src/data/live/keyed-lock';
import { nextVersionId } from 'src/data/live/version-ids';
import type { VersionRecord } from 'src/data/live/version-log';
import { UploadPartBuilder, type UploadPart } from 'src/data/workers/upload-part-builder';

/** An upload's CSV bytes, already written to a staging file and fsynced. */
export interface StagedUpload {
  readonly file: string;
  /** SHA-256 of the CSV bytes: the part's hash and the idempotency fingerprint. */
  readonly sha256: string;
}

export interface UploadOutcome {
  readonly record: VersionRecord;
  /** True when an earlier upload with the same Idempotency-Key and body is answered again. */
  readonly replayed: boolean;
}

/**
 * Appends uploads to in-memory datasets and reloads them. Per dataset, one write at a time
 * (so none builds on a stale version), and each one all or nothing:
 * 1.-2. on the upload thread (`UploadPartBuilder`), the staged bytes are validated with the
 *    loader, with the dataset's format and rules, and the upload's rows are indexed as a small
 *    delta table, beside the version serving queries;
 * 3. the part is renamed into place (durable), then its version line is appended and fsynced:
 *    that line is the commit;
 * 4. the new version (the current one with the delta on top) is installed, and only then is the
 *    upload acknowledged; a background merge then folds the deltas into the main table.
 * A crash before step 3's fsync leaves nothing behind once the folder is reopened.
 */
@Injectable()
export class MemoryDatasetWriter {
  private readonly logger = new Logger(MemoryDatasetWriter.name);
  private readonly lock = new KeyedLock();
  /** Idempotency keys whose first request is running, per dataset. */
  private readonly inFlight = new InFlightKeys();

  constructor(
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
    private readonly repository: CsvDatasetRepository,
    private readonly partBuilder: UploadPartBuilder,
    @Optional() private readonly observer?: DatasetWriteObserver,
  ) {}

  /**
   * Checks that the dataset takes writes and returns where to stage an upload's bytes.
   * @throws DatasetNotFoundError, ReadOnlyDatasetError
   */
  stagingPathFor(dataset: string): string {
    return this.writable(dataset).folder.stagingPath();
  }

  /** Every version of the dataset, oldest first. @throws DatasetNotFoundError, ReadOnlyDatasetError */
  history(dataset: string): readonly VersionRecord[] {
    return this.writable(dataset).folder.log.entries;
  }

  /**
   * Claims an idempotency key for one request; the returned function releases it.
   * @throws IdempotencyKeyInFlightError while another request holds the key
   */
  claimIdempotencyKey(dataset: string, key: string): () => void {
    return this.inFlight.claim(dataset, key);
  }

  /**
   * Appends a staged upload as a new version, or answers a retry of an earlier one. The staged file
   * is consumed either way. @throws CsvRejectedError, IdempotencyKeyReusedError
   */
  async append(
    dataset: string,
    staged: StagedUpload,
    idempotencyKey: string | null,
  ): Promise<UploadOutcome> {
    try {
      return await this.lock.run(dataset, () => this.appendLocked(dataset, staged, idempotencyKey));
    } finally {
      await rm(staged.file, { force: true });
    }
  }

  /** Reads a dataset's files again; a failure keeps the previous version. @throws CsvRejectedError */
  reload(dataset: string): Promise<VersionRecord> {
    this.writable(dataset);
    return this.lock.run(dataset, async () => {
      let loaded: LoadedDataset;
      try {
        loaded = await this.repository.reread(dataset);
      } catch (error) {
        if (error instanceof CsvLoadError) {
          throw new CsvRejectedError(
            `Reload of dataset '${dataset}' failed; the previous version keeps serving`,
            error.defects.map((defect) => ({ file: basename(error.file), ...defect })),
            error.totalDefects,
          );
        }
        throw error;
      }
      this.repository.install(loaded);
      this.observer?.versionInstalled(
        loaded.summary.name,
        loaded.version,
        partsOf(loaded),
        loaded.table.parts.length,
      );
      return loaded.version;
    });
  }

  /** Every in-memory dataset, as SIGHUP asks; failures are logged and leave the dataset as it was. */
  async reloadAll(): Promise<void> {
    for (const { name, backend, path } of this.config.datasets) {
      if (backend !== 'memory' || path === null) {
        continue;
      }
      try {
        const record = await this.reload(name);
        this.logger.log(
          `Reloaded dataset '${name}': version ${record.version}, ${record.rows} rows`,
        );
      } catch (error) {
        const defects =
          error instanceof CsvRejectedError
            ? error.extensions.defects
                .slice(0, 20)
                .map((d) => `${d.file}:${d.line}${d.column ? ` (${d.column})` : ''}: ${d.reason}`)
                .join('; ')
            : '';
        this.logger.error(
          `Reload of dataset '${name}' failed; still serving the previous version. ${(error as Error).message}${defects ? `: ${defects}` : ''}`,
        );
      }
    }
  }

  private async appendLocked(
    dataset: string,
    staged: StagedUpload,
    idempotencyKey: string | null,
  ): Promise<UploadOutcome> {
    if (this.writable(dataset).table.deltas.length >= MAX_DELTAS) {
      // Memory and query cost grow with the deltas: wait for the merge to fold them in.
      await this.repository.mergesSettled(dataset);
    }
    const current = this.writable(dataset);
    const { folder, config } = current;
    if (idempotencyKey !== null) {
      const earlier = folder.log.byIdempotencyKey(idempotencyKey);
      if (earlier !== undefined) {
        if (earlier.sha256 !== staged.sha256) {
          throw new IdempotencyKeyReusedError(dataset);
        }
        return { record: earlier, replayed: true };
      }
    }
    let part: UploadPart;
    try {
      part = await this.partBuilder.build(staged.file, {
        format: config.format,
        lenient: config.lenient,
        maxReportedDefects: MAX_LISTED_DEFECTS,
      });
    } catch (error) {
      if (error instanceof CsvLoadError) {
        // Lines are those of the upload; the staging file's name means nothing to the client.
        throw new CsvRejectedError(
          `Upload to dataset '${dataset}' refused`,
          error.defects,
          error.totalDefects,
        );
      }
      throw error;
    }
    const delta = part.table;
    const name = await folder.commitPart(staged.file, part.sha256);
    const record: VersionRecord = {
      version: nextVersionId(
        current.version.version,
        folder.log.entries.length + 1,
        'upload',
        part.sha256,
      ),
      createdAt: new Date().toISOString(),
      source: 'upload',
      rowsAdded: delta.rowCount,
      rows: current.table.rowCount + delta.rowCount,
      rejectedRows: part.rejectedRows,
      idempotencyKey,
      sha256: part.sha256,
      part: name,
      baseSha256: current.version.baseSha256,
    };
    try {
      await folder.log.append(record);
    } catch (error) {
      await folder.discardPart(name).catch(() => undefined);
      throw error;
    }
    // Read again: a background merge may have swapped the layers (same rows) while this awaited.
    const latest = this.repository.current(dataset);
    const table = latest.table.withDelta(delta);
    const loaded: LoadedDataset = {
      ...latest,
      table,
      summary: this.repository.summarize(config, table, latest.summary, record.version),
      version: record,
    };
    this.repository.install(loaded);
    this.observer?.versionInstalled(dataset, record, partsOf(loaded), table.parts.length);
    this.repository.mergeInBackground(dataset);
    return { record, replayed: false };
  }

  private writable(dataset: string): LoadedDataset {
    const config = this.config.datasets.find(({ name }) => name === dataset);
    if (config === undefined) {
      throw new DatasetNotFoundError(
        dataset,
        this.config.datasets.map(({ name }) => name),
      );
    }
    if (config.backend !== 'memory') {
      throw new ReadOnlyDatasetError(dataset);
    }
    return this.repository.current(dataset);
  }
}

/**
 * Uploads allowed to wait as delta tables: beyond, an upload waits for the running merge. It bounds
 * the memory the deltas hold beside the main table and the per-query cost of combining them.
 */
const MAX_DELTAS = 32;

function partsOf(loaded: LoadedDataset): number {
  return loaded.folder.log.entries.filter(({ part }) => part !== null).length;
}
