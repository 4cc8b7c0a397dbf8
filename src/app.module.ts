import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { AnalysisModule } from 'src/analysis/analysis.module';
import { ProblemDetailsFilter } from 'src/common/filters/problem-details.filter';
import { appConfig } from 'src/config/app.config';
import { dataConfig } from 'src/config/data.config';
import { ExploreModule } from 'src/explore/explore.module';
import { HealthModule } from 'src/health/health.module';
import { LifecycleModule } from 'src/lifecycle/lifecycle.module';
import { LiveDataModule } from 'src/live-data/live-data.module';
import { LoggingModule } from 'src/observability/logging.module';
import { MetricsModule } from 'src/observability/metrics.module';
import { ResponseCacheModule } from 'src/response-cache/response-cache.module';
import { SecurityModule } from 'src/security/security.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, load: [appConfig, dataConfig] }),
    // Logging first: its middleware gives each request its id before any other middleware runs.
    LoggingModule,
    MetricsModule,
    LifecycleModule,
    SecurityModule,
    AnalysisModule,
    LiveDataModule,
    HealthModule,
    ExploreModule,
    ResponseCacheModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
})
export class AppModule {}
