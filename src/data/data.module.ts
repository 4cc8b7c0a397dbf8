import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { dataConfig } from 'src/config/data.config';
import { CsvDatasetRepository } from 'src/data/csv-dataset.repository';
import { DatasetRepository } from 'src/data/dataset.repository';

@Module({
  imports: [ConfigModule.forFeature(dataConfig)],
  providers: [{ provide: DatasetRepository, useClass: CsvDatasetRepository }],
  exports: [DatasetRepository],
})
export class DataModule {}
