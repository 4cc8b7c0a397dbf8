import { NoMatchingDataError } from 'src/analysis/errors/no-matching-data.error';
import { AnalysisService } from 'src/analysis/analysis.service';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import type { DatasetQueryResult } from 'src/engine';
import { DatasetRepository, type DatasetSummary } from 'src/data/dataset.repository';

const SUMMARY: DatasetSummary = {
  name: 'sales',
  rows: 6,
  countries: [
    { code: 'AR', rows: 3 },
    { code: 'CL', rows: 2 },
    { code: 'UY', rows: 1 },
  ],
  dateRange: { from: '2024-01-01', to: '2025-06-30' },
  years: [2024, 2025],
  loadedAt: '2026-01-01T00:00:00.000Z',
  source: 'sales.csv',
  sha256: 'abc',
  version: '0123456789abcdef',
  rejectedRows: 0,
  rejectedExamples: [],
  arithmetic: 'exact-decimal',
};

describe(AnalysisService.name, () => {
  let sut: AnalysisService;
  let repository: jest.Mocked<DatasetRepository>;

  beforeEach(() => {
    repository = {
      list: jest.fn(),
      summary: jest.fn().mockResolvedValue(SUMMARY),
      query: jest.fn(),
      loadedRows: jest.fn(),
      versionOf: jest.fn(),
      catalogueVersion: jest.fn(),
      backends: jest.fn(),
    };
    sut = new AnalysisService(repository);
  });

  it('should normalise the request once and push it down to the repository', async () => {
    const result: DatasetQueryResult = {
      matchedRows: 3,
      groups: [{ country: 'AR', period: 2024 * 4 + 2, rows: 3, values: [3, 12.5] }],
    };
    repository.query.mockResolvedValue(result);

    const answer = await sut.analyse('sales', {
      metrics: ['count', 'P90', 'count'],
      countries: ['ar', 'AR'],
      years: [2025, 2024, 2025],
      from: '2024-03-01',
      groupBy: ['quarter', 'country'],
    });

    expect(repository.query).toHaveBeenCalledWith('sales', {
      countries: ['AR'],
      years: [2024, 2025],
      fromDay: 19783, // 2024-03-01
      toDay: null,
      groupByCountry: true,
      period: 'quarter',
      metrics: [
        { name: 'count', kind: 'count' },
        { name: 'p90', kind: 'quantile', q: 0.9 },
      ],
    });
    expect(answer).toEqual({
      dataset: 'sales',
      query: {
        metrics: ['count', 'p90'],
        countries: ['AR'],
        years: [2024, 2025],
        from: '2024-03-01',
        to: null,
        groupBy: ['country', 'quarter'],
      },
      matchedRows: 3,
      rejectedRows: 0,
      results: [{ country: 'AR', quarter: '2024-Q3', count: 3, p90: 12.5 }],
    });
  });

  it('should default to every country and report null metrics as null', async () => {
    repository.query.mockResolvedValue({
      matchedRows: 1,
      groups: [{ country: null, period: null, rows: 1, values: [null] }],
    });

    const answer = await sut.analyse('sales', { metrics: ['stddev'], groupBy: ['none'] });

    expect(repository.query).toHaveBeenCalledWith(
      'sales',
      expect.objectContaining({ countries: null, groupByCountry: false, period: null }),
    );
    expect(answer.query.countries).toEqual(['AR', 'CL', 'UY']);
    expect(answer.results).toEqual([{ stddev: null }]);
  });

  it('should refuse countries the dataset does not hold without querying', async () => {
    const promise = sut.analyse('sales', {
      metrics: ['mean'],
      countries: ['AR', 'ZZ', 'XX'],
      groupBy: ['country'],
    });

    await expect(promise).rejects.toBeInstanceOf(InvalidParametersError);
    await expect(promise).rejects.toMatchObject({
      errors: [
        {
          parameter: 'countries',
          message: "has countries not in dataset 'sales': XX, ZZ; available: AR, CL, UY",
        },
      ],
    });
    expect(repository.query).not.toHaveBeenCalled();
  });

  it('should report every semantic error at once', async () => {
    const promise = sut.analyse('sales', {
      metrics: ['avg'],
      countries: ['ZZ'],
      from: '2024-05-01',
      to: '2024-04-01',
      groupBy: ['country'],
    });

    await expect(promise).rejects.toMatchObject({
      errors: [
        { parameter: 'metrics', message: "has unknown metric 'avg'" },
        expect.objectContaining({ parameter: 'countries' }),
        { parameter: 'to', message: "must not be before 'from' (2024-05-01)" },
      ],
    });
  });

  it('should say which filters matched nothing', async () => {
    repository.query.mockResolvedValue({ matchedRows: 0, groups: [] });

    const promise = sut.analyse('sales', {
      metrics: ['mean'],
      countries: ['UY'],
      years: [2030],
      groupBy: ['country'],
    });

    await expect(promise).rejects.toBeInstanceOf(NoMatchingDataError);
    await expect(promise).rejects.toThrow(
      "No rows match countries UY, years 2030 in dataset 'sales' (data spans 2024-01-01 to 2025-06-30)",
    );
  });

  it('should rank countries once over the filtered rows, then fold the rest into OTHER', async () => {
    repository.query
      .mockResolvedValueOnce({
        matchedRows: 6,
        groups: [
          { country: 'AR', period: null, rows: 3, values: [30] },
          { country: 'CL', period: null, rows: 2, values: [50] },
          { country: 'UY', period: null, rows: 1, values: [30] },
        ],
      })
      .mockResolvedValueOnce({
        matchedRows: 6,
        groups: [
          { country: 'AR', period: 2024, rows: 3, values: [3, 30] },
          { country: 'CL', period: 2024, rows: 2, values: [2, 50] },
          { country: 'OTHER', period: 2024, rows: 1, values: [1, 30] },
        ],
      });

    const answer = await sut.analyse('sales', {
      metrics: ['count', 'sum'],
      years: [2024],
      groupBy: ['country', 'year'],
      top: 2,
      rankBy: 'sum',
      share: true,
    });

    expect(repository.query).toHaveBeenNthCalledWith(
      1,
      'sales',
      expect.objectContaining({
        years: [2024],
        groupByCountry: true,
        period: null,
        metrics: [{ name: 'sum', kind: 'sum' }],
      }),
    );
    // AR and UY tie at 30: AR wins by its code.
    expect(repository.query).toHaveBeenNthCalledWith(
      2,
      'sales',
      expect.objectContaining({ period: 'year', keepCountries: ['CL', 'AR'] }),
    );
    expect(answer.query).toMatchObject({ top: 2, rankBy: 'sum', share: true });
    expect(answer.results).toEqual([
      { country: 'AR', year: 2024, count: 3, sum: 30, count_share: 0.5, sum_share: 30 / 110 },
      { country: 'CL', year: 2024, count: 2, sum: 50, count_share: 2 / 6, sum_share: 50 / 110 },
      { country: 'OTHER', year: 2024, count: 1, sum: 30, count_share: 1 / 6, sum_share: 30 / 110 },
    ]);
  });

  it('should not fold anything when every country is in the top', async () => {
    repository.query.mockResolvedValue({
      matchedRows: 1,
      groups: [{ country: 'AR', period: null, rows: 1, values: [1] }],
    });

    await sut.analyse('sales', { metrics: ['count'], groupBy: ['country'], top: 3 });

    expect(repository.query).toHaveBeenLastCalledWith(
      'sales',
      expect.objectContaining({ keepCountries: null }),
    );
  });
});
