import { Global, Module } from '@nestjs/common';
import { DatasetLoadObserver } from 'src/data/dataset-load.observer';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import { MetricsController } from 'src/observability/metrics.controller';
import { PrometheusService } from 'src/observability/prometheus.service';

/**
 * Global so the problem filter, the request hooks and the dataset repository can report without
 * importing it.
 */
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
export class MetricsModule {}
