import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { clickHouseConfig } from 'src/config/clickhouse.config';
import { dataConfig } from 'src/config/data.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { CsvDatasetRepository } from 'src/data/csv-dataset.repository';
import { DatasetRepository } from 'src/data/dataset.repository';
import { RoutingDatasetRepository } from 'src/data/routing-dataset.repository';

@Module({
  imports: [ConfigModule.forFeature(dataConfig), ConfigModule.forFeature(clickHouseConfig)],
  providers: [
    CsvDatasetRepository,
    ClickHouseGateway,
    ClickHouseDatasetRepository,
    { provide: DatasetRepository, useClass: RoutingDatasetRepository },
  ],
  exports: [DatasetRepository],
})
export class DataModule {}
