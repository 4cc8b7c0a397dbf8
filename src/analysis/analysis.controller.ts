import { Controller, Get, HttpStatus, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AnalysisResult } from 'src/analysis/analysis-request';
import { CsvResultInterceptor } from 'src/analysis/csv-result.interceptor';
import { AnalysisQueryDto } from 'src/analysis/dto/analysis-query.dto';
import { AnalysisResponseDto } from 'src/analysis/dto/analysis-response.dto';
import { DatasetParamDto } from 'src/analysis/dto/dataset-param.dto';
import { AnalysisService } from 'src/analysis/analysis.service';
import { RejectedRowsInterceptor } from 'src/analysis/rejected-rows.interceptor';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import {
  ApiProblemResponses,
  ProblemDetailsDto,
} from 'src/common/problem/api-problem-responses.decorator';

@ApiTags('analysis')
@ApiExtraModels(ProblemDetailsDto)
@Controller({ path: 'datasets', version: '1' })
export class AnalysisController {
  constructor(private readonly analysis: AnalysisService) {}

  @Get(':dataset/analysis')
  @UseInterceptors(RejectedRowsInterceptor, CsvResultInterceptor)
  @ApiOperation({
    summary: 'Compute metrics over a dataset, filtered and grouped',
    description:
      'Filters (countries, years, from/to) combine. Results are grouped by country (default), by a period, by both, or not at all (`groupBy=none`). Send `Accept: text/csv` or `format=csv` for a CSV download.',
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
  ): Promise<AnalysisResult> {
    return this.analysis.analyse(dataset, query);
  }
}
