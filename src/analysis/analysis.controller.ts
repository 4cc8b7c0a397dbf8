import { Controller, Get, HttpStatus, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AnalysisResult } from 'src/analysis/analysis-request';
import { analysisAnswerBody } from 'src/analysis/csv-answer';
import { AnalysisQueryDto } from 'src/analysis/dto/analysis-query.dto';
import { AnalysisResponseDto } from 'src/analysis/dto/analysis-response.dto';
import { DatasetParamDto } from 'src/analysis/dto/dataset-param.dto';
import { AnalysisService } from 'src/analysis/analysis.service';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import {
  ApiProblemResponses,
  ProblemDetailsDto,
  ApiRateLimitedResponse,
  ApiBackendUnavailableResponse,
} from 'src/common/problem/api-problem-responses.decorator';
import { AnswerCache } from 'src/response-cache/answer-cache';
import type { CacheAnswerOptions } from 'src/response-cache/answer-options';

/** Answers are keyed by the named dataset's version, written as JSON or CSV. */
const ANALYSIS_ANSWERS: CacheAnswerOptions<AnalysisResult> = {
  source: 'dataset-param',
  body: analysisAnswerBody,
  markRejectedRows: true,
};

@ApiTags('analysis')
@ApiRateLimitedResponse()
@ApiBackendUnavailableResponse()
@ApiExtraModels(ProblemDetailsDto)
@Controller({ path: 'datasets', version: '1' })
export class AnalysisController {
  constructor(
    private readonly analysis: AnalysisService,
    private readonly answers: AnswerCache,
  ) {}

  @Get(':dataset/analysis')
  @ApiOperation({
    summary: 'Compute metrics over a dataset, filtered and grouped',
    description:
      'Filters (countries, years, from/to) combine. Results are grouped by country (default), by a period (year, quarter, month, ISO week), by both, or not at all (`groupBy=none`). Comparisons (`compare`), rolling windows (`window`), running totals (`cumulative`), shares (`share`), top-N with OTHER (`top`, `rankBy`) and fiscal years (`fiscalYearStart`) are exact for every metric. Send `Accept: text/csv` or `format=csv` for a CSV download.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: AnalysisResponseDto,
    description: 'Grouped results (a global query returns one row without group keys).',
    headers: {
      [REJECTED_ROWS_HEADER]: {
        description: 'Rows of the dataset skipped at load time (lenient mode); absent when none.',
        schema: { type: 'integer', example: 3 },
      },
    },
    content: {
      'application/json': {
        examples: {
          grouped: {
            summary: 'p90 per country per quarter in 2024',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'p90'],
                countries: ['AR', 'CL'],
                years: [2024],
                from: null,
                to: null,
                groupBy: ['country', 'quarter'],
              },
              matchedRows: 2,
              rejectedRows: 0,
              results: [
                { country: 'AR', quarter: '2024-Q1', count: 1, p90: 726.82 },
                { country: 'CL', quarter: '2024-Q1', count: 1, p90: 357.53 },
              ],
            },
          },
          global: {
            summary: 'Count and total in AR and CL since March 2024, one global row',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'sum'],
                countries: ['AR', 'CL'],
                years: null,
                from: '2024-03-01',
                to: null,
                groupBy: ['none'],
              },
              matchedRows: 11,
              rejectedRows: 0,
              results: [{ count: 11, sum: 6184.06 }],
            },
          },
          compare: {
            summary: 'Q1 2025 against the 90 days before it (compare=previous_period)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'mean'],
                countries: ['AR', 'BR', 'CL', 'CO', 'MX', 'PE', 'UY'],
                years: null,
                from: '2025-01-01',
                to: '2025-03-31',
                groupBy: ['none'],
                compare: 'previous_period',
              },
              matchedRows: 411,
              rejectedRows: 0,
              results: [
                {
                  count: 411,
                  count_previous: 410,
                  count_change: 0.0024390243902439024,
                  mean: 1363.2823844282236,
                  mean_previous: 1463.323268292683,
                  mean_change: -0.06836553892919438,
                },
              ],
            },
          },
          window: {
            summary: '3-month rolling median (window=3)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['median'],
                countries: ['UY'],
                years: null,
                from: '2025-11-01',
                to: null,
                groupBy: ['month'],
                window: 3,
              },
              matchedRows: 16,
              rejectedRows: 0,
              results: [
                { month: '2025-11', median: 1002.155, windowPeriods: 3 },
                { month: '2025-12', median: 1126.44, windowPeriods: 3 },
              ],
            },
          },
          cumulative: {
            summary: 'Running count, sum and median per quarter (cumulative=true)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'sum', 'median'],
                countries: ['AR'],
                years: [2025],
                from: null,
                to: null,
                groupBy: ['quarter'],
                cumulative: true,
              },
              matchedRows: 281,
              rejectedRows: 0,
              results: [
                { quarter: '2025-Q1', count: 69, sum: 104572.35999999999, median: 1125.32 },
                { quarter: '2025-Q2', count: 129, sum: 213327.03999999998, median: 1370.73 },
                { quarter: '2025-Q3', count: 214, sum: 339214.67, median: 1342.38 },
                { quarter: '2025-Q4', count: 281, sum: 459807.89999999997, median: 1377.15 },
              ],
            },
          },
          share: {
            summary: "Each country's share of the count and the sum (share=true)",
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'sum'],
                countries: ['AR', 'BR', 'MX'],
                years: [2025],
                from: null,
                to: null,
                groupBy: ['country'],
                share: true,
              },
              matchedRows: 984,
              rejectedRows: 0,
              results: [
                {
                  country: 'AR',
                  count: 281,
                  sum: 459807.89999999997,
                  count_share: 0.2855691056910569,
                  sum_share: 0.26505356921327594,
                },
                {
                  country: 'BR',
                  count: 372,
                  sum: 760498.6900000001,
                  count_share: 0.3780487804878049,
                  sum_share: 0.4383850128858611,
                },
                {
                  country: 'MX',
                  count: 331,
                  sum: 514466.88,
                  count_share: 0.3363821138211382,
                  sum_share: 0.2965614179008628,
                },
              ],
            },
          },
          top: {
            summary: 'Top 3 countries by sum, the rest as OTHER (top=3&rankBy=sum)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['sum', 'median'],
                countries: ['AR', 'BR', 'CL', 'CO', 'MX', 'PE', 'UY'],
                years: [2025],
                from: null,
                to: null,
                groupBy: ['country'],
                top: 3,
                rankBy: 'sum',
              },
              matchedRows: 1665,
              rejectedRows: 0,
              results: [
                { country: 'AR', sum: 459807.89999999997, median: 1377.15 },
                { country: 'BR', sum: 760498.6900000001, median: 1772.23 },
                { country: 'MX', sum: 514466.88, median: 1315.5 },
                { country: 'OTHER', sum: 632160.6200000001, median: 798.39 },
              ],
            },
          },
          week: {
            summary: 'ISO weeks (groupBy=week)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'mean'],
                countries: ['CL'],
                years: null,
                from: '2025-12-22',
                to: null,
                groupBy: ['week'],
              },
              matchedRows: 7,
              rejectedRows: 0,
              results: [
                { week: '2025-W52', count: 4, mean: 1186.4125 },
                { week: '2026-W01', count: 3, mean: 1876.4266666666665 },
              ],
            },
          },
          fiscalYear: {
            summary: 'Fiscal years from July (fiscalYearStart=7)',
            value: {
              dataset: 'sales',
              query: {
                metrics: ['count', 'sum'],
                countries: ['AR', 'BR', 'CL', 'CO', 'MX', 'PE', 'UY'],
                years: null,
                from: null,
                to: null,
                groupBy: ['year'],
                fiscalYearStart: 7,
              },
              matchedRows: 5000,
              rejectedRows: 0,
              results: [
                { year: 'FY2023', count: 826, sum: 969510.5399999998 },
                { year: 'FY2024', count: 1670, sum: 2133248.3500000006 },
                { year: 'FY2025', count: 1665, sum: 2302610.71 },
                { year: 'FY2026', count: 839, sum: 1220781.2500000005 },
              ],
            },
          },
        },
      },
      'text/csv': { example: 'country,quarter,count,p90\r\nAR,2024-Q1,1,726.82\r\n' },
    },
  })
  @ApiProblemResponses(
    {
      status: HttpStatus.BAD_REQUEST,
      description: 'Invalid parameters; every one is listed in `errors`.',
      detail:
        "Invalid query parameters: 'metrics' has unknown metric 'avg'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99; 'groupBy' must be among country, year, quarter, month, week, none (got \"fortnight\")",
      instance: '/v1/datasets/sales/analysis?metrics=avg&groupBy=fortnight',
      errors: [
        {
          parameter: 'metrics',
          message:
            "has unknown metric 'avg'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
        },
        {
          parameter: 'groupBy',
          message: 'must be among country, year, quarter, month, week, none (got "fortnight")',
        },
      ],
    },
    {
      status: HttpStatus.NOT_FOUND,
      description: 'Unknown dataset, or filters that match no rows.',
      detail:
        "No rows match countries AR, years 2030 in dataset 'sales' (data spans 2023-01-01 to 2025-12-31)",
      instance: '/v1/datasets/sales/analysis?metrics=mean&countries=AR&years=2030',
    },
  )
  analyse(
    @Param() { dataset }: DatasetParamDto,
    @Query() query: AnalysisQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answers.serve(ANALYSIS_ANSWERS, request, reply, () =>
      this.analysis.analyse(dataset, query),
    );
  }
}
