import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { FLAG_SPELLINGS, toBooleanFlag } from 'src/common/validation/query-transforms';

/** A boolean query flag: documented, converted on purpose (never `Boolean('false')`) and validated. */
export function Flag(description: string): PropertyDecorator {
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
