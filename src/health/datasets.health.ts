import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { dataConfig } from 'src/config/data.config';
import { DomainError } from 'src/common/errors/domain.error';
import { DatasetRepository, type DatasetSummary } from 'src/data/dataset.repository';

/** Up once every configured dataset is loaded; reports rows in total and per dataset. */
@Injectable()
export class DatasetsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly repository: DatasetRepository,
    @Inject(dataConfig.KEY) private readonly config: ConfigType<typeof dataConfig>,
  ) {}

  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(key);
    let loaded: DatasetSummary[];
    try {
      loaded = await this.repository.list();
    } catch (error) {
      // A store that does not answer is reported by its own check; this one says what it costs.
      if (error instanceof DomainError && error.kind === 'unavailable') {
        return session.down({ message: 'a dataset store is unavailable' });
      }
      throw error;
    }
    const loadedNames = new Set(loaded.map(({ name }) => name));
    const missing = this.config.datasets
      .map(({ name }) => name)
      .filter((name) => !loadedNames.has(name));
    const details = {
      rows: loaded.reduce((total, { rows }) => total + rows, 0),
      datasets: Object.fromEntries(loaded.map(({ name, rows }) => [name, { rows }])),
    };
    return missing.length === 0 ? session.up(details) : session.down({ ...details, missing });
  }
}
