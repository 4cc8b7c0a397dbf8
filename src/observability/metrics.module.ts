import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ALL_ROUTES } from 'src/common/middleware/all-routes';
import { DatasetLoadObserver } from 'src/data/dataset-load.observer';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import { HttpMetricsMiddleware } from 'src/observability/http-metrics.middleware';
import { MetricsController } from 'src/observability/metrics.controller';
import { PrometheusService } from 'src/observability/prometheus.service';

/** Global so the problem filter and the dataset repository can report without importing it. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    PrometheusService,
    { provide: DatasetLoadObserver, useExisting: PrometheusService },
    { provide: DatasetWriteObserver, useExisting: PrometheusService },
  ],
  exports: [PrometheusService, DatasetLoadObserver, DatasetWriteObserver],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes(ALL_ROUTES);
  }
}
