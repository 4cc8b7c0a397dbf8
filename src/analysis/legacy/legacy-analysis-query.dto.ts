import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional } from 'class-validator';
import { Flag } from 'src/common/validation/flag.decorator';
import { toInteger } from 'src/common/validation/query-transforms';

/**
 * The declared parameters of `GET /data_analysis`, as the original service named and ordered them.
 * `include_<code>` for countries other than AR, CL and UY is accepted dynamically by
 * `LegacyAnalysisQueryPipe`.
 */
export class LegacyAnalysisQueryDto {
  @Flag('Compute the mean.')
  mean?: boolean;

  @Flag('Compute the median (average of the two middle values for an even count).')
  median?: boolean;

  @Flag('Compute the maximum (reported under the key `max`).')
  max_value?: boolean;

  @Flag('Include Argentina.')
  include_ar?: boolean;

  @Flag('Include Chile.')
  include_cl?: boolean;

  @Flag('Include Uruguay.')
  include_uy?: boolean;

  @ApiPropertyOptional({
    description: 'Only sales of this calendar year.',
    type: 'integer',
    example: 2024,
  })
  @IsOptional()
  @Transform(({ value }) => toInteger(value))
  @IsInt({ message: 'must be an integer year such as 2024' })
  year?: number;

  @Flag('Return one global result over all included countries instead of one per country.')
  global_results?: boolean;
}

/** The validated request: metrics and countries as lists, whatever flags named them. */
export interface LegacyAnalysisQuery {
  readonly metrics: readonly ('mean' | 'median' | 'max')[];
  /** Upper-case codes of every `include_<code>` flag set to true, with the flag that named each. */
  readonly countries: readonly { readonly code: string; readonly parameter: string }[];
  readonly year?: number;
  readonly globalResults: boolean;
}
