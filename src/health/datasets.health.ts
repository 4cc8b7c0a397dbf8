import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { dataConfig } from 'src/config/data.config';
import { DatasetRepository } from 'src/data/dataset.repository';

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
    const loaded = await this.repository.list();
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
