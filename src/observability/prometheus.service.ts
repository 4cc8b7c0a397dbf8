import { Injectable } from '@nestjs/common';
import { levels } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DatasetLoadObserver } from 'src/data/dataset-load.observer';
import type { DatasetSummary } from 'src/data/dataset.repository';
import { DatasetWriteObserver } from 'src/data/live/dataset-write.observer';
import type { VersionRecord } from 'src/data/live/version-log';

/** From 1 ms (a cached-size query) to 10 s (a request queued behind a long load). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus metric the service exports. The registry belongs to this instance, not to
 * prom-client's global one, so several applications in one process (e2e tests) never collide.
 */
@Injectable()
export class PrometheusService implements DatasetLoadObserver, DatasetWriteObserver {
  private readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly problems = new Counter({
    name: 'http_problem_responses_total',
    help: 'Error responses (application/problem+json) by problem type and status',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });

  private readonly responseCacheHits = new Counter({
    name: 'http_response_cache_hits_total',
    help: 'Responses served from the response cache, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  private readonly datasetRows = new Gauge({
    name: 'dataset_rows',
    help: 'Rows loaded per dataset',
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly datasetRejectedRows = new Gauge({
    name: 'dataset_rejected_rows',
    help: 'Defective rows skipped per dataset (lenient mode)',
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly datasetLoadSeconds = new Gauge({
    name: 'dataset_load_duration_seconds',
    help: 'Time taken to parse and index each dataset at start-up',
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly uploads = new Counter({
    name: 'dataset_uploads_total',
    help: 'Row uploads by dataset and outcome (created, replayed, or the refusal status)',
    labelNames: ['dataset', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly rowsAppended = new Counter({
    name: 'dataset_rows_appended_total',
    help: 'Rows appended to each dataset by uploads',
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly uploadSeconds = new Histogram({
    name: 'dataset_upload_duration_seconds',
    help: 'Upload requests from the first body byte to the answer, by dataset',
    labelNames: ['dataset'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly mergeSeconds = new Histogram({
    name: 'dataset_merge_duration_seconds',
    help: "Background merges of a dataset's delta tables into its main table (on the merge thread), by dataset",
    labelNames: ['dataset'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly datasetParts = new Gauge({
    name: 'dataset_parts',
    help: 'Uploaded part files per dataset',
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly datasetIndexParts = new Gauge({
    name: 'dataset_index_parts',
    help: "Tables answering each dataset's queries: its main table plus the delta tables of uploads not merged yet",
    labelNames: ['dataset'] as const,
    registers: [this.registry],
  });

  private readonly droppedLogLines = new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped, by level, because stdout was not read fast enough (LOG_BUFFER_MAX_BYTES)',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every level from zero, so the series exist (and can be alerted on) before the first drop.
    for (const level of Object.keys(levels.values)) {
      this.droppedLogLines.inc({ level }, 0);
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requestDuration.observe({ route, method, status: String(status) }, seconds);
  }

  countResponseCacheHit(route: string): void {
    this.responseCacheHits.inc({ route });
  }

  countDroppedLogLine(level: string): void {
    this.droppedLogLines.inc({ level });
  }

  countProblem(type: string, status: number): void {
    this.problems.inc({ type, status: String(status) });
  }

  datasetLoaded(summary: DatasetSummary, seconds: number): void {
    const labels = { dataset: summary.name };
    this.datasetRows.set(labels, summary.rows);
    this.datasetRejectedRows.set(labels, summary.rejectedRows);
    this.datasetLoadSeconds.set(labels, seconds);
  }

  versionInstalled(
    dataset: string,
    record: VersionRecord,
    parts: number,
    indexParts: number,
  ): void {
    const labels = { dataset };
    this.datasetRows.set(labels, record.rows);
    this.datasetParts.set(labels, parts);
    this.datasetIndexParts.set(labels, indexParts);
    if (record.source === 'upload') {
      this.rowsAppended.inc(labels, record.rowsAdded);
    }
  }

  mergeFinished(dataset: string, seconds: number, indexParts: number): void {
    const labels = { dataset };
    this.mergeSeconds.observe(labels, seconds);
    this.datasetIndexParts.set(labels, indexParts);
  }

  deltasCombined(dataset: string, indexParts: number): void {
    this.datasetIndexParts.set({ dataset }, indexParts);
  }

  uploadFinished(dataset: string, outcome: string, seconds: number): void {
    this.uploads.inc({ dataset, outcome });
    this.uploadSeconds.observe({ dataset }, seconds);
  }
}
