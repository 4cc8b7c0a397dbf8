import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { DatasetRepository } from 'src/data/dataset.repository';
import { DatasetsHealthIndicator } from 'src/health/datasets.health';
import { DrainState } from 'src/lifecycle/drain-state';

export type ReadinessReport = HealthCheckResult & {
  /** Rows loaded across datasets, kept at the top level as the first /health body had it. */
  readonly rows: number;
};

function describeFailures(result: HealthCheckResult): string {
  return Object.entries(result.error ?? {})
    .map(([key, details]) => {
      const message: unknown = details?.message;
      return typeof message === 'string' ? `${key} (${message})` : key;
    })
    .join(', ');
}

@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly datasets: DatasetsHealthIndicator,
    private readonly drain: DrainState,
    private readonly repository: DatasetRepository,
  ) {}

  liveness(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** @throws ServiceUnavailableException naming the failed checks (a problem+json 503). */
  async readiness(): Promise<ReadinessReport> {
    try {
      const result = await this.health.check([
        () => this.acceptingTraffic('lifecycle'),
        () => this.datasets.check('datasets'),
        () => this.backendsReachable(),
      ]);
      return { ...result, rows: this.repository.loadedRows() };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new ServiceUnavailableException(`Not ready: ${describeFailures(result)}`);
      }
      throw error;
    }
  }

  /** One entry per external store (e.g. `clickhouse`), down with the store's own reason. */
  private async backendsReachable(): Promise<HealthIndicatorResult> {
    const results: HealthIndicatorResult = {};
    for (const { name, up, reason } of await this.repository.backends()) {
      const session = this.indicators.check(name);
      Object.assign(results, up ? session.up() : session.down(reason ?? 'not answering'));
    }
    return results;
  }

  private acceptingTraffic<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const session = this.indicators.check(key);
    return this.drain.isDraining ? session.down('shutting down') : session.up();
  }
}
