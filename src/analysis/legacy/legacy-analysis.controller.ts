import { Controller, Get, HttpStatus, Query, UseInterceptors } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { LegacyAnalysisQuery } from 'src/analysis/legacy/legacy-analysis-query.dto';
import { LegacyAnalysisQueryDto } from 'src/analysis/legacy/legacy-analysis-query.dto';
import { LegacyAnalysisQueryPipe } from 'src/analysis/legacy/legacy-analysis-query.pipe';
import {
  LEGACY_DETAILS,
  LegacyAnalysisService,
  type LegacyAnalysisResponse,
} from 'src/analysis/legacy/legacy-analysis.service';
import {
  REJECTED_ROWS_HEADER,
  RejectedRowsInterceptor,
} from 'src/analysis/rejected-rows.interceptor';
import {
  ApiProblemResponses,
  ProblemDetailsDto,
} from 'src/common/problem/api-problem-responses.decorator';

@ApiTags('compatible')
@ApiExtraModels(ProblemDetailsDto, LegacyAnalysisQueryDto)
@Controller('data_analysis')
export class LegacyAnalysisController {
  constructor(private readonly legacy: LegacyAnalysisService) {}

  @Get()
  @UseInterceptors(RejectedRowsInterceptor)
  @ApiOperation({
    summary: 'Mean, median and max per country or overall (compatible with the original service)',
    description:
      'Kept unchanged for existing clients; new clients should use /v1/datasets/{dataset}/analysis. Works on the default dataset. Besides include_ar, include_cl and include_uy, `include_<code>` is accepted for any other country in the dataset (for example include_br).',
  })
  @ApiQuery({ type: LegacyAnalysisQueryDto })
  @ApiOkResponse({
    description: 'Per-country metrics, or one global result.',
    headers: {
      [REJECTED_ROWS_HEADER]: {
        description: 'Rows of the dataset skipped at load time (lenient mode); absent when none.',
        schema: { type: 'integer', example: 3 },
      },
    },
    content: {
      'application/json': {
        examples: {
          perCountry: {
            summary: 'mean=true&median=true&include_ar=true&include_cl=true',
            value: { AR: { mean: 656.56, median: 596.18 }, CL: { mean: 447.45, median: 408.86 } },
          },
          global: {
            summary: 'mean=true&include_ar=true&include_cl=true&global_results=true',
            value: { global_results: { mean: 552.01 }, on_countries: ['AR', 'CL'] },
          },
        },
      },
    },
  })
  @ApiProblemResponses(
    {
      status: HttpStatus.BAD_REQUEST,
      description: 'No metric flag, no country flag, or a malformed or unknown parameter.',
      detail: LEGACY_DETAILS.noMetric,
      instance: '/data_analysis?include_ar=true',
      errors: [{ parameter: 'mean', message: 'or median or max_value must be true' }],
    },
    {
      status: HttpStatus.NOT_FOUND,
      description: 'The filters selected no rows.',
      detail: LEGACY_DETAILS.noData,
      instance: '/data_analysis?mean=true&include_ar=true&year=1999',
    },
  )
  analyse(
    @Query(LegacyAnalysisQueryPipe) query: LegacyAnalysisQuery,
  ): Promise<LegacyAnalysisResponse> {
    return this.legacy.analyse(query);
  }
}
