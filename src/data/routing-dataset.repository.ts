import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { dataConfig } from 'src/config/data.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { CsvDatasetRepository } from 'src/data/csv-dataset.repository';
import type { DatasetQuery, DatasetQueryResult } from 'src/engine';
import {
  DatasetRepository,
  type BackendStatus,
  type DatasetSummary,
} from 'src/data/dataset.repository';
import { catalogueVersionOf } from 'src/data/dataset-version';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';

/**
 * The repository the application sees: each dataset is answered by the backend its configuration
 * names (`memory` or `clickhouse`), so the API, answers and errors are the same for both.
 */
@Injectable()
export class RoutingDatasetRepository extends DatasetRepository {
  constructor(
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
    private readonly memory: CsvDatasetRepository,
    private readonly clickHouse: ClickHouseDatasetRepository,
  ) {
    super();
  }

  list(): Promise<DatasetSummary[]> {
    return Promise.all(this.config.datasets.map(({ name }) => this.summary(name)));
  }

  summary(dataset: string): Promise<DatasetSummary> {
    return this.backendOf(dataset).summary(dataset);
  }

  query(dataset: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    return this.backendOf(dataset).query(dataset, query);
  }

  async versionOf(dataset: string): Promise<string> {
    return this.backendOf(dataset).versionOf(dataset);
  }

  async catalogueVersion(): Promise<string> {
    const versions = await Promise.all(
      this.config.datasets.map(async ({ name }) => ({ name, version: await this.versionOf(name) })),
    );
    return catalogueVersionOf(versions);
  }

  loadedRows(): number {
    return this.memory.loadedRows() + this.clickHouse.loadedRows();
  }

  async backends(): Promise<BackendStatus[]> {
    if (this.clickHouse.names.length === 0) {
      return [];
    }
    const reason = await this.clickHouse.unavailableReason();
    return [{ name: 'clickhouse', up: reason === null, ...(reason ? { reason } : {}) }];
  }

  private backendOf(dataset: string): CsvDatasetRepository | ClickHouseDatasetRepository {
    if (this.clickHouse.has(dataset)) {
      return this.clickHouse;
    }
    if (this.memory.has(dataset)) {
      return this.memory;
    }
    throw new DatasetNotFoundError(
      dataset,
      this.config.datasets.map(({ name }) => name),
    );
  }
}
