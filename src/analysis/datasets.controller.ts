import { Controller, Get, HttpStatus, Param } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DatasetParamDto } from 'src/analysis/dto/dataset-param.dto';
import { DatasetSummaryDto } from 'src/analysis/dto/analysis-response.dto';
import {
  ApiProblemResponses,
  ProblemDetailsDto,
  ApiRateLimitedResponse,
  ApiBackendUnavailableResponse,
} from 'src/common/problem/api-problem-responses.decorator';
import { DatasetRepository, type DatasetSummary } from 'src/data/dataset.repository';
import { CacheAnswer } from 'src/response-cache/cache-answer.decorator';

@ApiTags('datasets')
@ApiRateLimitedResponse()
@ApiBackendUnavailableResponse()
@ApiExtraModels(ProblemDetailsDto)
@Controller({ path: 'datasets', version: '1' })
export class DatasetsController {
  constructor(private readonly datasets: DatasetRepository) {}

  @Get()
  @CacheAnswer('all-datasets')
  @ApiOperation({ summary: 'List the configured datasets with their summaries' })
  @ApiOkResponse({ type: [DatasetSummaryDto] })
  list(): Promise<DatasetSummary[]> {
    return this.datasets.list();
  }

  @Get(':dataset')
  @CacheAnswer('dataset-param')
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
  describe(@Param() { dataset }: DatasetParamDto): Promise<DatasetSummary> {
    return this.datasets.summary(dataset);
  }
}
