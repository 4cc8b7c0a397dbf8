import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { dataConfig } from 'src/config/data.config';
import { DataModule } from 'src/data/data.module';
import { DatasetsHealthIndicator } from 'src/health/datasets.health';
import { HealthController } from 'src/health/health.controller';
import { HealthService } from 'src/health/health.service';

@Module({
  // Terminus stays quiet: a failed readiness check answers 503 and the access log records it.
  imports: [
    TerminusModule.forRoot({ logger: false }),
    DataModule,
    ConfigModule.forFeature(dataConfig),
  ],
  controllers: [HealthController],
  providers: [HealthService, DatasetsHealthIndicator],
})
export class HealthModule {}
