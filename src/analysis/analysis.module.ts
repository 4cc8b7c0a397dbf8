import { Module } from '@nestjs/common';
import { AnalysisController } from 'src/analysis/analysis.controller';
import { DatasetsController } from 'src/analysis/datasets.controller';
import { LegacyAnalysisController } from 'src/analysis/legacy/legacy-analysis.controller';
import { LegacyAnalysisService } from 'src/analysis/legacy/legacy-analysis.service';
import { AnalysisService } from 'src/analysis/analysis.service';
import { DataModule } from 'src/data/data.module';

@Module({
  imports: [DataModule],
  controllers: [DatasetsController, AnalysisController, LegacyAnalysisController],
  providers: [AnalysisService, LegacyAnalysisService],
})
export class AnalysisModule {}
