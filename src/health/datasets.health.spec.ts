import { HealthIndicatorService } from '@nestjs/terminus';
import type { ConfigType } from '@nestjs/config';
import type { dataConfig } from 'src/config/data.config';
import type { DatasetRepository, DatasetSummary } from 'src/data/dataset.repository';
import { DatasetsHealthIndicator } from 'src/health/datasets.health';

const summary = (name: string, rows: number) => ({ name, rows }) as DatasetSummary;
const configured = (...names: string[]) =>
  ({ datasets: names.map((name) => ({ name })) }) as unknown as ConfigType<typeof dataConfig>;

describe(DatasetsHealthIndicator.name, () => {
  let repository: { list: jest.Mock };

  beforeEach(() => {
    repository = { list: jest.fn() };
  });

  const sut = (...names: string[]) =>
    new DatasetsHealthIndicator(
      new HealthIndicatorService(),
      repository as unknown as DatasetRepository,
      configured(...names),
    );

  it('should be up with the rows in total and per dataset once every dataset is loaded', async () => {
    repository.list.mockResolvedValue([summary('sales', 5000), summary('ventas', 3)]);
    await expect(sut('sales', 'ventas').check('datasets')).resolves.toEqual({
      datasets: {
        status: 'up',
        rows: 5003,
        datasets: { sales: { rows: 5000 }, ventas: { rows: 3 } },
      },
    });
    expect(repository.list).toHaveBeenCalledTimes(1);
  });

  it('should be down naming the datasets not loaded yet', async () => {
    repository.list.mockResolvedValue([summary('sales', 5000)]);
    await expect(sut('sales', 'constructor').check('datasets')).resolves.toEqual({
      datasets: {
        status: 'down',
        rows: 5000,
        datasets: { sales: { rows: 5000 } },
        missing: ['constructor'],
      },
    });
  });
});
