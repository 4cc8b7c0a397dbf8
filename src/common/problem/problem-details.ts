import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ParameterError } from 'src/common/errors/domain.error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type URIs (RFC 9457 §3.1.1); `about:blank` where the status says it all. */
export const PROBLEM_TYPES = {
  invalidParameter: 'urn:sales-metrics:problem:invalid-parameter',
  notFound: 'urn:sales-metrics:problem:not-found',
  noData: 'urn:sales-metrics:problem:no-data',
  unavailable: 'urn:sales-metrics:problem:backend-unavailable',
  unauthenticated: 'urn:sales-metrics:problem:unauthenticated',
  writesDisabled: 'urn:sales-metrics:problem:writes-disabled',
  conflict: 'urn:sales-metrics:problem:conflict',
  payloadTooLarge: 'urn:sales-metrics:problem:payload-too-large',
  unsupportedMediaType: 'urn:sales-metrics:problem:unsupported-media-type',
  unprocessable: 'urn:sales-metrics:problem:unprocessable-content',
  generic: 'about:blank',
} as const;

export class ParameterErrorDto implements ParameterError {
  @ApiProperty({ example: 'metrics' })
  parameter!: string;

  @ApiProperty({
    example:
      "has unknown metric 'avg'; allowed: count, sum, mean, median, min, max, stddev, variance, p1…p99",
  })
  message!: string;
}

/** One defective row of an uploaded or reloaded CSV file. */
export class CsvDefectDto {
  @ApiPropertyOptional({
    description: 'The file, for a reload (uploads have one file, the request body).',
    example: 'sales.csv',
  })
  file?: string;

  @ApiProperty({
    description: '1-based line within the file; 0 for the file as a whole.',
    example: 3,
  })
  line!: number;

  @ApiProperty({ type: String, nullable: true, example: 'value' })
  column!: string | null;

  @ApiProperty({ example: '\'12,5\' is not a decimal number (the decimal separator must be ".")' })
  reason!: string;
}

/** RFC 9457 problem details, the body of every error this service returns. */
export class ProblemDetailsDto {
  @ApiProperty({ example: PROBLEM_TYPES.invalidParameter })
  type!: string;

  @ApiProperty({ example: 'Invalid request parameter' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: "Invalid query parameter: 'metrics' has unknown metric 'avg'" })
  detail!: string;

  @ApiProperty({
    description: 'The request path and query.',
    example: '/v1/datasets/sales/analysis?metrics=avg',
  })
  instance!: string;

  @ApiPropertyOptional({
    type: [ParameterErrorDto],
    description: 'Every invalid parameter, for 400s.',
  })
  errors?: ParameterErrorDto[];

  @ApiPropertyOptional({
    type: [CsvDefectDto],
    description: 'For a refused upload or reload: the first 100 defective rows, in file order.',
  })
  defects?: CsvDefectDto[];

  @ApiPropertyOptional({
    description: 'For a refused upload or reload: how many defects there are in all.',
    example: 1,
  })
  totalDefects?: number;

  @ApiPropertyOptional({
    description: 'The request id, also in the `x-request-id` response header and the access log.',
    example: '0c86194c-b7ab-4e3c-a02b-bb2b0d04c5c7',
  })
  requestId?: string;
}

export type ProblemDetails = ProblemDetailsDto;
