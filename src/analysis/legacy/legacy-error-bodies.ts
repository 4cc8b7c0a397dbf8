import { ApiProperty } from '@nestjs/swagger';
import {
  LEGACY_FAILURE_MESSAGES,
  type LegacyFailureType,
  type LegacyParameterFailure,
} from 'src/analysis/legacy/legacy-query.error';

/** FastAPI's `HTTPException` body, which the original's clients compare whole. */
export class LegacyDetailDto {
  @ApiProperty({ example: 'Specify at least one metric' })
  detail!: string;
}

/** One entry of a pydantic v1 validation error. */
export class LegacyValidationEntryDto {
  @ApiProperty({
    description: 'Where the bad value was: always `query` and the parameter name.',
    type: [String],
    example: ['query', 'year'],
  })
  loc!: string[];

  @ApiProperty({
    enum: Object.values(LEGACY_FAILURE_MESSAGES),
    example: LEGACY_FAILURE_MESSAGES['type_error.integer'],
  })
  msg!: string;

  @ApiProperty({
    enum: Object.keys(LEGACY_FAILURE_MESSAGES),
    example: 'type_error.integer',
  })
  type!: LegacyFailureType;
}

/** FastAPI's 422 body for request validation errors (pydantic v1). */
export class LegacyValidationErrorDto {
  @ApiProperty({
    type: [LegacyValidationEntryDto],
    description:
      'One entry per bad parameter, in the order mean, median, max_value, include_ar, include_cl, include_uy (then other include_<code> flags), year, global_results, then unknown parameters.',
  })
  detail!: LegacyValidationEntryDto[];
}

export function legacyValidationBody(
  failures: readonly LegacyParameterFailure[],
): LegacyValidationErrorDto {
  return {
    detail: failures.map(({ parameter, type }) => ({
      loc: ['query', parameter],
      msg: LEGACY_FAILURE_MESSAGES[type],
      type,
    })),
  };
}
