import { Controller, Get, HttpStatus, Query, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LegacyDetailDto, LegacyValidationErrorDto } from 'src/analysis/legacy/legacy-error-bodies';
import { LegacyErrorsFilter } from 'src/analysis/legacy/legacy-errors.filter';
import { LegacyGlobalDto, LegacyMetricsDto } from 'src/analysis/legacy/legacy-response.dto';
import type { LegacyAnalysisQuery } from 'src/analysis/legacy/legacy-analysis-query.dto';
import { LegacyAnalysisQueryDto } from 'src/analysis/legacy/legacy-analysis-query.dto';
import { LegacyAnalysisQueryPipe } from 'src/analysis/legacy/legacy-analysis-query.pipe';
import {
  LEGACY_DETAILS,
  LegacyAnalysisService,
  type LegacyAnalysisResponse,
} from 'src/analysis/legacy/legacy-analysis.service';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import { ApiRateLimitedResponse } from 'src/common/problem/api-problem-responses.decorator';
import { pythonJsonAnswerBody } from 'src/common/serialization/python-json';
import { AnswerCache } from 'src/response-cache/answer-cache';
import type { CacheAnswerOptions } from 'src/response-cache/answer-options';

/** Answers are keyed by the default dataset's version, written as Python's JSON was. */
const LEGACY_ANSWERS: CacheAnswerOptions<LegacyAnalysisResponse> = {
  source: 'default-dataset',
  body: pythonJsonAnswerBody,
  markRejectedRows: true,
};

@ApiTags('compatible')
@ApiRateLimitedResponse()
@ApiExtraModels(LegacyDetailDto, LegacyValidationErrorDto, LegacyMetricsDto, LegacyGlobalDto)
@UseFilters(LegacyErrorsFilter)
@Controller('data_analysis')
export class LegacyAnalysisController {
  constructor(
    private readonly legacy: LegacyAnalysisService,
    private readonly answers: AnswerCache,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Mean, median and max per country or overall (compatible with the original service)',
    description:
      'Kept unchanged for existing clients; new clients should use /v1/datasets/{dataset}/analysis. Works on the default dataset. Besides include_ar, include_cl and include_uy, `include_<code>` is accepted for any other country in the dataset (for example include_br). Bodies are the original\'s byte for byte: numbers printed as Python floats (`1000.0`, `1e+16`), errors as `{"detail": ...}` rather than problem+json (the request id is in the `x-request-id` header).',
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
        schema: {
          oneOf: [
            {
              description: 'One member per included country that has rows, sorted by code.',
              type: 'object',
              additionalProperties: { $ref: getSchemaPath(LegacyMetricsDto) },
            },
            { $ref: getSchemaPath(LegacyGlobalDto) },
          ],
        },
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
  @ApiResponse({
    status: HttpStatus.BAD_REQUEST,
    description:
      'No metric flag, no country flag, or an include_<code> flag naming a country the dataset does not hold. The body is exactly `{"detail": "<text>"}`, as the original sent it.',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(LegacyDetailDto) },
        examples: {
          noMetric: { value: { detail: LEGACY_DETAILS.noMetric } },
          noCountry: { value: { detail: LEGACY_DETAILS.noCountry } },
        },
      },
    },
  })
  @ApiResponse({
    status: HttpStatus.NOT_FOUND,
    description: 'The filters selected no rows.',
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(LegacyDetailDto) },
        example: { detail: LEGACY_DETAILS.noData },
      },
    },
  })
  @ApiResponse({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    description:
      'The default dataset lives in ClickHouse, which refused, timed out or is overloaded; retry after Retry-After seconds.',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: { type: 'integer', example: 5 },
      },
    },
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(LegacyDetailDto) },
        example: { detail: 'ClickHouse is unavailable: connection refused. Retry later.' },
      },
    },
  })
  @ApiResponse({
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    description:
      "A value that is not a boolean or an integer, or an unknown parameter: the original's pydantic v1 validation body, one entry per bad parameter.",
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(LegacyValidationErrorDto) },
        example: {
          detail: [
            {
              loc: ['query', 'mean'],
              msg: 'value could not be parsed to a boolean',
              type: 'type_error.bool',
            },
            {
              loc: ['query', 'year'],
              msg: 'value is not a valid integer',
              type: 'type_error.integer',
            },
          ],
        },
      },
    },
  })
  analyse(
    @Query(LegacyAnalysisQueryPipe) query: LegacyAnalysisQuery,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answers.serve(LEGACY_ANSWERS, request, reply, () => this.legacy.analyse(query));
  }
}
