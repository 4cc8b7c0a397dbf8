import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { clickHouseConfig } from 'src/config/clickhouse.config';
import { dataConfig } from 'src/config/data.config';
import { liveDataConfig } from 'src/config/live-data.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { ClickHouseDatasetWriter } from 'src/data/clickhouse/clickhouse-dataset.writer';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { CsvDatasetRepository } from 'src/data/csv-dataset.repository';
import { DatasetRepository } from 'src/data/dataset.repository';
import { DataGeneration } from 'src/data/live/data-generation';
import { DatasetFolders } from 'src/data/live/dataset-folders';
import { MemoryDatasetWriter } from 'src/data/live/memory-dataset.writer';
import { RoutingDatasetRepository } from 'src/data/routing-dataset.repository';
import { UploadPartBuilder } from 'src/data/workers/upload-part-builder';

@Module({
  imports: [
    ConfigModule.forFeature(dataConfig),
    ConfigModule.forFeature(clickHouseConfig),
    ConfigModule.forFeature(liveDataConfig),
  ],
  providers: [
    CsvDatasetRepository,
    DatasetFolders,
    DataGeneration,
    MemoryDatasetWriter,
    UploadPartBuilder,
    ClickHouseGateway,
    ClickHouseDatasetRepository,
    ClickHouseDatasetWriter,
    { provide: DatasetRepository, useClass: RoutingDatasetRepository },
  ],
  exports: [DatasetRepository, MemoryDatasetWriter, ClickHouseDatasetWriter, DataGeneration],
})
export class DataModule {}
