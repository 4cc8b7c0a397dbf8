import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { rm } from 'node:fs/promises';
import { DomainError } from 'src/common/errors/domain.error';
import { DOMAIN_PROBLEMS } from 'src/common/filters/problem-details.filter';
import { dataConfig } from 'src/config/data.config';
import { ClickHouseDatasetWriter } from 'src/data/clickhouse/clickhouse-dataset.writer';
import { liveDataConfig } from 'src/config/live-data.config';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import { MemoryDatasetWriter } from 'src/data/live/memory-dataset.writer';
import type { VersionRecord } from 'src/data/live/version-log';
import type {
  ReloadResponseDto,
  UploadResponseDto,
  VersionDto,
  VersionHistoryDto,
} from 'src/live-data/dto/upload-response.dto';
import { parseIdempotencyKey } from 'src/live-data/idempotency-key';
import { stageUploadBody, type UploadSource } from 'src/live-data/upload-body';

function versionOf(record: VersionRecord): VersionDto {
  const { version, createdAt, source, rowsAdded, rows, idempotencyKey, sha256 } = record;
  return { version, createdAt, source, rowsAdded, rows, idempotencyKey, sha256 };
}

/**
 * Uploads, reloads and version history for the HTTP layer: in-memory datasets through their
 * writer, ClickHouse datasets through theirs, with the same guarantees and answers.
 */
@Injectable()
export class LiveDataService {
  constructor(
    @Inject(liveDataConfig.KEY) private readonly config: ConfigType<typeof liveDataConfig>,
    @Inject(dataConfig.KEY) private readonly data: ConfigType<typeof dataConfig>,
    private readonly writer: MemoryDatasetWriter,
    private readonly clickHouse: ClickHouseDatasetWriter,
    @Optional() private readonly observer?: DatasetWriteObserver,
  ) {}

  async upload(
    dataset: string,
    body: UploadSource,
    idempotencyHeader: string | string[] | undefined,
  ): Promise<UploadResponseDto> {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const response = await this.uploadUnmeasured(dataset, body, idempotencyHeader);
      outcome = response.replayed ? 'replayed' : 'created';
      return response.body;
    } catch (error) {
      outcome = error instanceof DomainError ? String(DOMAIN_PROBLEMS[error.kind].status) : 'error';
      throw error;
    } finally {
      // Only configured names become label values, so requests cannot grow the series.
      const known = this.data.datasets.some(({ name }) => name === dataset);
      this.observer?.uploadFinished(
        known ? dataset : '(unknown)',
        outcome,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  async reload(dataset: string): Promise<ReloadResponseDto> {
    return { dataset, ...versionOf(await this.writerFor(dataset).reload(dataset)) };
  }

  /** @throws DatasetNotFoundError */
  async versions(dataset: string): Promise<VersionHistoryDto> {
    const history = this.clickHouse.has(dataset)
      ? await this.clickHouse.history(dataset)
      : this.writer.history(dataset);
    return { dataset, versions: history.map(versionOf).reverse() };
  }

  private writerFor(dataset: string): MemoryDatasetWriter | ClickHouseDatasetWriter {
    return this.clickHouse.has(dataset) ? this.clickHouse : this.writer;
  }

  private async uploadUnmeasured(
    dataset: string,
    body: UploadSource,
    idempotencyHeader: string | string[] | undefined,
  ): Promise<{ body: UploadResponseDto; replayed: boolean }> {
    const idempotencyKey = parseIdempotencyKey(idempotencyHeader);
    const writer = this.writerFor(dataset);
    const staging = writer.stagingPathFor(dataset);
    const release =
      idempotencyKey === null ? null : writer.claimIdempotencyKey(dataset, idempotencyKey);
    try {
      const { sha256 } = await stageUploadBody(body, staging, this.config.uploadMaxBytes);
      const { record, replayed } = await writer.append(
        dataset,
        { file: staging, sha256 },
        idempotencyKey,
      );
      return {
        replayed,
        body: {
          dataset,
          version: record.version,
          appendedRows: record.rowsAdded,
          rows: record.rows,
          rejectedRows: record.rejectedRows,
        },
      };
    } finally {
      release?.();
      await rm(staging, { force: true });
    }
  }
}
