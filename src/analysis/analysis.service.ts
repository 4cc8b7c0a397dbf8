import { Injectable } from '@nestjs/common';
import type {
  AnalysisRequest,
  AnalysisResult,
  NormalisedQueryEcho,
} from 'src/analysis/analysis-request';
import { topCountries, toResultRows } from 'src/analysis/analysis-rows';
import { NoMatchingDataError } from 'src/analysis/errors/no-matching-data.error';
import { parseMetricName, type DatasetQuery, type MetricSpec } from 'src/engine';
import { parseIsoDate } from 'src/common/calendar/day-number';
import type { ParameterError } from 'src/common/errors/domain.error';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import { PERIOD_UNITS } from 'src/common/calendar/periods';
import { DatasetRepository, type DatasetSummary } from 'src/data/dataset.repository';

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/**
 * Answers analysis requests: checks them against the dataset, normalises them once into a
 * `DatasetQuery`, lets the repository compute it and shapes the groups into result rows.
 */
@Injectable()
export class AnalysisService {
  constructor(private readonly datasets: DatasetRepository) {}

  async analyse(dataset: string, request: AnalysisRequest): Promise<AnalysisResult> {
    const summary = await this.datasets.summary(dataset);
    const normalised = this.normalise(request, summary);
    const { echo } = normalised;
    let { query } = normalised;
    if (request.top !== undefined) {
      query = {
        ...query,
        keepCountries: await this.keptCountries(dataset, query, request.top, echo),
      };
    }
    const result = await this.datasets.query(dataset, query);
    if (result.matchedRows === 0) {
      throw new NoMatchingDataError(`No rows match ${this.describeFilters(echo, summary)}`);
    }
    return {
      dataset,
      query: echo,
      matchedRows: result.matchedRows,
      rejectedRows: summary.rejectedRows,
      results: toResultRows(result.groups, query, request.share === true),
    };
  }

  /**
   * The countries `top` keeps, ranked once over the filtered rows (whatever the period split),
   * or null when every country with rows is kept and nothing folds into OTHER.
   */
  private async keptCountries(
    dataset: string,
    query: DatasetQuery,
    top: number,
    echo: NormalisedQueryEcho,
  ): Promise<readonly string[] | null> {
    const rankBy = query.metrics.find(({ name }) => name === echo.rankBy) ?? query.metrics[0];
    const ranking = await this.datasets.query(dataset, {
      countries: query.countries,
      years: query.years,
      fromDay: query.fromDay,
      toDay: query.toDay,
      groupByCountry: true,
      period: null,
      metrics: [rankBy],
      ...(query.fiscalYearStart === undefined ? {} : { fiscalYearStart: query.fiscalYearStart }),
    });
    if (ranking.groups.length <= top) {
      return null;
    }
    return topCountries(
      ranking.groups.map((group) => ({ country: group.country ?? '', value: group.values[0] })),
      top,
    );
  }

  private normalise(
    request: AnalysisRequest,
    summary: DatasetSummary,
  ): { query: DatasetQuery; echo: NormalisedQueryEcho } {
    const errors: ParameterError[] = [];
    const metrics: MetricSpec[] = [];
    for (const name of unique(request.metrics.map((metric) => metric.trim().toLowerCase()))) {
      const spec = parseMetricName(name);
      if (spec) {
        metrics.push(spec);
      } else {
        errors.push({ parameter: 'metrics', message: `has unknown metric '${name}'` });
      }
    }
    if (metrics.length === 0 && errors.length === 0) {
      errors.push({ parameter: 'metrics', message: 'is required' });
    }

    const known = new Set(summary.countries.map(({ code }) => code));
    const countries = request.countries?.length
      ? unique(request.countries.map((code) => code.toUpperCase())).sort()
      : null;
    const unknownCountries = (countries ?? []).filter((code) => !known.has(code));
    if (unknownCountries.length > 0) {
      errors.push({
        parameter: 'countries',
        message: `has ${unknownCountries.length > 1 ? 'countries' : 'a country'} not in dataset '${summary.name}': ${unknownCountries.join(', ')}; available: ${[...known].join(', ')}`,
      });
    }

    const fromDay = request.from === undefined ? null : parseIsoDate(request.from);
    const toDay = request.to === undefined ? null : parseIsoDate(request.to);
    if (request.from !== undefined && fromDay === null) {
      errors.push({ parameter: 'from', message: 'must be a real calendar date as YYYY-MM-DD' });
    }
    if (request.to !== undefined && toDay === null) {
      errors.push({ parameter: 'to', message: 'must be a real calendar date as YYYY-MM-DD' });
    }
    if (fromDay !== null && toDay !== null && fromDay > toDay) {
      errors.push({ parameter: 'to', message: `must not be before 'from' (${request.from})` });
    }
    if (errors.length > 0) {
      throw new InvalidParametersError(errors);
    }

    const groupBy = request.groupBy.length > 0 ? unique(request.groupBy) : ['country' as const];
    const period = PERIOD_UNITS.find((unit) => groupBy.includes(unit)) ?? null;
    const years = request.years?.length ? unique(request.years).sort((a, b) => a - b) : null;
    const fiscalYearStart = request.fiscalYearStart ?? 1;
    const rankBy = request.top === undefined ? null : (request.rankBy ?? metrics[0].name);
    return {
      query: {
        countries,
        years,
        fromDay,
        toDay,
        groupByCountry: groupBy.includes('country'),
        period,
        metrics,
        // Only what a request uses is set, so plain queries keep their plain shape.
        ...(fiscalYearStart === 1 ? {} : { fiscalYearStart }),
        ...(request.compare ? { compare: request.compare } : {}),
        ...(request.window ? { window: request.window } : {}),
        ...(request.cumulative ? { cumulative: true } : {}),
      },
      echo: {
        metrics: metrics.map(({ name }) => name),
        countries: countries ?? [...known],
        years,
        from: request.from ?? null,
        to: request.to ?? null,
        groupBy: groupBy.includes('none')
          ? ['none']
          : [
              ...(groupBy.includes('country') ? (['country'] as const) : []),
              ...(period ? [period] : []),
            ],
        ...(request.compare ? { compare: request.compare } : {}),
        ...(request.window ? { window: request.window } : {}),
        ...(request.cumulative ? { cumulative: true } : {}),
        ...(request.share ? { share: true } : {}),
        ...(request.top === undefined ? {} : { top: request.top, rankBy }),
        ...(fiscalYearStart === 1 ? {} : { fiscalYearStart }),
      },
    };
  }

  private describeFilters(echo: NormalisedQueryEcho, summary: DatasetSummary): string {
    const filters = [
      `countries ${echo.countries.join(', ')}`,
      ...(echo.years ? [`years ${echo.years.join(', ')}`] : []),
      ...(echo.from ? [`from ${echo.from}`] : []),
      ...(echo.to ? [`to ${echo.to}`] : []),
    ];
    const span = summary.dateRange
      ? ` (data spans ${summary.dateRange.from} to ${summary.dateRange.to})`
      : '';
    return `${filters.join(', ')} in dataset '${summary.name}'${span}`;
  }
}
