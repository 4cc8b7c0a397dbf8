import {
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DatasetParamDto } from 'src/analysis/dto/dataset-param.dto';
import {
  ApiProblemResponses,
  ApiRateLimitedResponse,
  ProblemDetailsDto,
} from 'src/common/problem/api-problem-responses.decorator';
import { BEARER_SCHEME } from 'src/docs/swagger';
import {
  ReloadResponseDto,
  UploadResponseDto,
  VersionHistoryDto,
} from 'src/live-data/dto/upload-response.dto';
import { IDEMPOTENCY_KEY_HEADER } from 'src/live-data/idempotency-key';
import { LiveDataService } from 'src/live-data/live-data.service';
import { UPLOAD_FILE_FIELD, type UploadSource } from 'src/live-data/upload-body';
import { UploadBody } from 'src/live-data/upload-source.decorator';
import { ApiKeyGuard } from 'src/security/api-key.guard';
import {
  AUTH_PROBLEMS,
  DATASET_NOT_FOUND,
  KEY_IN_FLIGHT,
  UPLOAD_PROBLEMS,
} from 'src/live-data/live-data.problems';

@ApiTags('live data')
@ApiRateLimitedResponse()
@ApiExtraModels(ProblemDetailsDto)
@Controller({ path: 'datasets', version: '1' })
export class LiveDataController {
  constructor(private readonly liveData: LiveDataService) {}

  @Post(':dataset/rows')
  @HttpCode(HttpStatus.CREATED)
  @UseGuards(ApiKeyGuard)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({
    summary: 'Append rows to a dataset',
    description:
      "The body is CSV with the dataset's own header, columns, date format and rules, as `text/csv` or as the `file` field of `multipart/form-data`. The whole upload is validated first: any defective row refuses it (422, listing the defects) and nothing is stored, unless the dataset is lenient, which skips and counts them. The 201 is sent once the rows are durable (an in-memory dataset's part file fsynced; a ClickHouse dataset's rows attached to its table in one step and the version committed) and every later query sees them. The same applies to both backends. With `Idempotency-Key`, a retry with the same key and body answers the first 201 again and appends nothing.",
  })
  @ApiHeader({
    name: IDEMPOTENCY_KEY_HEADER,
    required: false,
    description:
      'Makes retries safe: the same key with the same body returns the first answer; with another body 422; while the first request runs 409 (for a ClickHouse dataset, on whichever replica it runs). Remembered across restarts.',
    schema: { type: 'string', example: '"8e03978e-40d5-43e8-bc93-6894a57f9324"' },
  })
  @ApiConsumes('text/csv', 'multipart/form-data')
  @ApiBody({
    description: 'CSV rows with a header line, or a form with the CSV file in field `file`.',
    schema: {
      oneOf: [
        {
          type: 'string',
          example: 'country,value,fecha\nAR,1200.50,15/01/2026\nCL,980,16/01/2026\n',
        },
        {
          type: 'object',
          required: [UPLOAD_FILE_FIELD],
          properties: { [UPLOAD_FILE_FIELD]: { type: 'string', format: 'binary' } },
        },
      ],
    },
  })
  @ApiCreatedResponse({ type: UploadResponseDto })
  @ApiProblemResponses(...UPLOAD_PROBLEMS, ...AUTH_PROBLEMS, DATASET_NOT_FOUND, KEY_IN_FLIGHT)
  upload(
    @Param() { dataset }: DatasetParamDto,
    @Headers(IDEMPOTENCY_KEY_HEADER.toLowerCase()) idempotencyKey: string | undefined,
    @UploadBody() body: UploadSource,
  ): Promise<UploadResponseDto> {
    return this.liveData.upload(dataset, body, idempotencyKey);
  }

  @Post(':dataset/reload')
  @HttpCode(HttpStatus.OK)
  @UseGuards(ApiKeyGuard)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({
    summary: "Read a dataset's file and uploaded parts again",
    description:
      "In memory: builds a new version from the files as they are now; a file that is no longer valid keeps the previous version serving and answers 422 with its defects. ClickHouse: reads the table's state from the server again (no cache); rows written by other means since the last version (npm run import, another writer) become a `reload` version, otherwise the latest version is answered. SIGHUP does the same for every dataset.",
  })
  @ApiOkResponse({ type: ReloadResponseDto })
  @ApiProblemResponses(...AUTH_PROBLEMS, DATASET_NOT_FOUND, {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    description: 'A file is no longer valid; the previous version keeps serving.',
    detail:
      "Reload of dataset 'sales' failed; the previous version keeps serving: 1 defect (listing 1); nothing was stored",
    instance: '/v1/datasets/sales/reload',
  })
  reload(@Param() { dataset }: DatasetParamDto): Promise<ReloadResponseDto> {
    return this.liveData.reload(dataset);
  }

  @Get(':dataset/versions')
  @ApiOperation({
    summary: "A dataset's version history, newest first",
    description:
      'Every version: its id and time, the rows it added and the total, its source (initial, upload or reload), the idempotency key of its upload, and the SHA-256 of its part (or of the file; for a ClickHouse dataset, of the table state read). A ClickHouse dataset keeps its history in its database, so every replica shows the same.',
  })
  @ApiOkResponse({ type: VersionHistoryDto })
  @ApiProblemResponses(DATASET_NOT_FOUND)
  versions(@Param() { dataset }: DatasetParamDto): Promise<VersionHistoryDto> {
    return this.liveData.versions(dataset);
  }
}
