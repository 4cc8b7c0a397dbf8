import { Controller, Get, HttpStatus, Param, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatasetParamDto } from 'src/analysis/dto/dataset-param.dto';
import { DatasetSummaryDto } from 'src/analysis/dto/analysis-response.dto';
import {
  ApiProblemResponses,
  ProblemDetailsDto,
  ApiRateLimitedResponse,
  ApiBackendUnavailableResponse,
} from 'src/common/problem/api-problem-responses.decorator';
import { DatasetRepository } from 'src/data/dataset.repository';
import { AnswerCache } from 'src/response-cache/answer-cache';

@ApiTags('datasets')
@ApiRateLimitedResponse()
@ApiBackendUnavailableResponse()
@ApiExtraModels(ProblemDetailsDto)
@Controller({ path: 'datasets', version: '1' })
export class DatasetsController {
  constructor(
    private readonly datasets: DatasetRepository,
    private readonly answers: AnswerCache,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List the configured datasets with their summaries' })
  @ApiOkResponse({ type: [DatasetSummaryDto] })
  list(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answers.serve({ source: 'all-datasets' }, request, reply, () =>
      this.datasets.list(),
    );
  }

  @Get(':dataset')
  @ApiOperation({
    summary: 'Describe one dataset',
    description:
      'Rows, countries with their row counts, date span, years, load time, source file name, content hash and the version id of the data, which changes whenever the data does.',
  })
  @ApiOkResponse({ type: DatasetSummaryDto })
  @ApiProblemResponses(
    {
      status: HttpStatus.BAD_REQUEST,
      description: 'A dataset name that is not valid (bad percent-encoding, unknown characters).',
      detail: "Invalid query parameter: 'dataset' is not a valid percent-encoded path segment",
      instance: '/v1/datasets/%FF',
    },
    {
      status: HttpStatus.NOT_FOUND,
      description: 'No dataset has that name.',
      detail: "Dataset 'salez' does not exist. Available datasets: sales",
      instance: '/v1/datasets/salez',
    },
  )
  describe(
    @Param() { dataset }: DatasetParamDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    return this.answers.serve({ source: 'dataset-param' }, request, reply, () =>
      this.datasets.summary(dataset),
    );
  }
}
