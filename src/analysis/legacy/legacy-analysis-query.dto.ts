import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional } from 'class-validator';
import { FLAG_SPELLINGS, toBooleanFlag, toInteger } from 'src/common/validation/query-transforms';

/** A boolean query flag: documented, converted on purpose (never `Boolean('false')`) and validated. */
function Flag(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description: `${description} Accepts ${FLAG_SPELLINGS}.`,
      type: Boolean,
      default: false,
      example: true,
    }),
    IsOptional(),
    Transform(({ value }) => toBooleanFlag(value)),
    IsBoolean({ message: `must be a boolean flag (${FLAG_SPELLINGS})` }),
  );
}

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
