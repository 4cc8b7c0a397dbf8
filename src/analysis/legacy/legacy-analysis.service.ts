import { Injectable } from '@nestjs/common';
import { NoMatchingDataError } from 'src/analysis/errors/no-matching-data.error';
import type { LegacyAnalysisQuery } from 'src/analysis/legacy/legacy-analysis-query.dto';
import { AnalysisService } from 'src/analysis/analysis.service';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import { DEFAULT_DATASET_NAME } from 'src/config/data.config';
import { DatasetRepository } from 'src/data/dataset.repository';

export type LegacyMetrics = Partial<Record<'mean' | 'median' | 'max', number>>;

/** `{"AR": {"mean": …}}`, or `{"global_results": {…}, "on_countries": [...]}`. */
export type LegacyAnalysisResponse =
  Record<string, LegacyMetrics> | { global_results: LegacyMetrics; on_countries: string[] };

/** The detail texts existing clients match on. */
export const LEGACY_DETAILS = {
  noMetric: 'Specify at least one metric',
  noCountry: 'At least one country must be included',
  noData: 'Filters returned no data',
} as const;

/**
 * Answers the original service's `GET /data_analysis` on the default dataset, as a thin adapter
 * over `AnalysisService`: same numbers as the v1 API, the original's shapes and error texts.
 */
@Injectable()
export class LegacyAnalysisService {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly datasets: DatasetRepository,
  ) {}

  async analyse(query: LegacyAnalysisQuery): Promise<LegacyAnalysisResponse> {
    if (query.metrics.length === 0) {
      throw new InvalidParametersError(
        [{ parameter: 'mean', message: 'or median or max_value must be true' }],
        LEGACY_DETAILS.noMetric,
      );
    }
    if (query.countries.length === 0) {
      throw new InvalidParametersError(
        [{ parameter: 'include_ar', message: 'or another include_<code> flag must be true' }],
        LEGACY_DETAILS.noCountry,
      );
    }
    const summary = await this.datasets.summary(DEFAULT_DATASET_NAME);
    const known = new Set(summary.countries.map(({ code }) => code));
    const unknown = query.countries.filter(({ code }) => !known.has(code));
    if (unknown.length > 0) {
      throw new InvalidParametersError(
        unknown.map(({ code, parameter }) => ({
          parameter,
          message: `names country ${code}, which the dataset does not contain; available: ${[...known].join(', ')}`,
        })),
      );
    }

    const countries = [...new Set(query.countries.map(({ code }) => code))].sort();
    const result = await this.analysis
      .analyse(DEFAULT_DATASET_NAME, {
        metrics: query.metrics,
        countries,
        years: query.year === undefined ? undefined : [query.year],
        groupBy: query.globalResults ? ['none'] : ['country'],
      })
      .catch((error: unknown) => {
        throw error instanceof NoMatchingDataError
          ? new NoMatchingDataError(LEGACY_DETAILS.noData)
          : error;
      });

    const pick = (row: Record<string, unknown>): LegacyMetrics =>
      Object.fromEntries(query.metrics.map((metric) => [metric, row[metric] as number]));
    if (query.globalResults) {
      return { global_results: pick(result.results[0]), on_countries: countries };
    }
    return Object.fromEntries(result.results.map((row) => [row.country as string, pick(row)]));
  }
}
