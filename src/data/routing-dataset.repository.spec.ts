import type { ConfigType } from '@nestjs/config';
import type { dataConfig } from 'src/config/data.config';
import type { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import type { CsvDatasetRepository } from 'src/data/csv-dataset.repository';
import { catalogueVersionOf } from 'src/data/dataset-version';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';
import { RoutingDatasetRepository } from 'src/data/routing-dataset.repository';

describe(RoutingDatasetRepository.name, () => {
  let sut: RoutingDatasetRepository;
  let memory: { has: jest.Mock; versionOf: jest.Mock };
  let clickHouse: { has: jest.Mock; versionOf: jest.Mock };

  beforeEach(() => {
    memory = {
      has: jest.fn((name: string) => name === 'sales'),
      versionOf: jest.fn().mockResolvedValue('aaaaaaaaaaaaaaaa'),
    };
    clickHouse = {
      has: jest.fn((name: string) => name === 'archive'),
      versionOf: jest.fn().mockResolvedValue('bbbbbbbbbbbbbbbb'),
    };
    const config = {
      datasets: [{ name: 'sales' }, { name: 'archive' }],
    } as unknown as ConfigType<typeof dataConfig>;
    sut = new RoutingDatasetRepository(
      config,
      memory as unknown as CsvDatasetRepository,
      clickHouse as unknown as ClickHouseDatasetRepository,
    );
  });

  it('should ask the backend that holds the dataset for its version', async () => {
    await expect(sut.versionOf('archive')).resolves.toBe('bbbbbbbbbbbbbbbb');
    expect(clickHouse.versionOf).toHaveBeenCalledWith('archive');
    expect(memory.versionOf).not.toHaveBeenCalled();
  });

  it('should refuse the version of a dataset no backend holds', async () => {
    await expect(sut.versionOf('salez')).rejects.toBeInstanceOf(DatasetNotFoundError);
  });

  it('should derive the catalogue version from every dataset in configuration order', async () => {
    await expect(sut.catalogueVersion()).resolves.toBe(
      catalogueVersionOf([
        { name: 'sales', version: 'aaaaaaaaaaaaaaaa' },
        { name: 'archive', version: 'bbbbbbbbbbbbbbbb' },
      ]),
    );
  });

  it('should give the catalogue a new version when one dataset changes', async () => {
    const before = await sut.catalogueVersion();
    memory.versionOf.mockResolvedValue('cccccccccccccccc');
    await expect(sut.catalogueVersion()).resolves.not.toBe(before);
  });
});
