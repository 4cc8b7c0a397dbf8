import { Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  LegacyAnalysisQueryDto,
  type LegacyAnalysisQuery,
} from 'src/analysis/legacy/legacy-analysis-query.dto';
import type { ParameterError } from 'src/common/errors/domain.error';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import { FLAG_SPELLINGS, toBooleanFlag } from 'src/common/validation/query-transforms';
import { prototypeKeyErrors } from 'src/common/validation/strict-validation.pipe';
import { toParameterErrors } from 'src/common/validation/validation-exception.factory';

const INCLUDE_FLAG = /^include_([a-z]{2})$/;
const DECLARED_INCLUDE_FLAGS = new Set(['include_ar', 'include_cl', 'include_uy']);

/**
 * Validates the raw query of `GET /data_analysis`. The DTO covers the declared flags; any other
 * `include_<code>` flag is read here because the countries a dataset holds are open-ended.
 */
@Injectable()
export class LegacyAnalysisQueryPipe implements PipeTransform<
  Record<string, unknown>,
  LegacyAnalysisQuery
> {
  transform(raw: Record<string, unknown>): LegacyAnalysisQuery {
    // A null-prototype record, so a `__proto__` key stays an ordinary (unknown) parameter.
    const declared = Object.create(null) as Record<string, unknown>;
    const extraIncludes: { parameter: string; value: unknown }[] = [];
    for (const [key, value] of Object.entries(raw ?? {})) {
      if (INCLUDE_FLAG.test(key) && !DECLARED_INCLUDE_FLAGS.has(key)) {
        extraIncludes.push({ parameter: key, value });
      } else {
        declared[key] = value;
      }
    }

    const dto = plainToInstance(LegacyAnalysisQueryDto, declared);
    const errors: ParameterError[] = [
      ...toParameterErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true })),
      ...prototypeKeyErrors(declared),
    ];
    const countries: { code: string; parameter: string }[] = [];
    for (const [parameter, flag] of [
      ['include_ar', dto.include_ar],
      ['include_cl', dto.include_cl],
      ['include_uy', dto.include_uy],
    ] as const) {
      if (flag === true) {
        countries.push({ code: parameter.slice(-2).toUpperCase(), parameter });
      }
    }
    for (const { parameter, value } of extraIncludes) {
      const flag = toBooleanFlag(value);
      if (typeof flag !== 'boolean') {
        errors.push({ parameter, message: `must be a boolean flag (${FLAG_SPELLINGS})` });
      } else if (flag) {
        countries.push({ code: parameter.slice(-2).toUpperCase(), parameter });
      }
    }
    if (errors.length > 0) {
      throw new InvalidParametersError(errors);
    }
    return {
      metrics: [
        ...(dto.mean ? (['mean'] as const) : []),
        ...(dto.median ? (['median'] as const) : []),
        ...(dto.max_value ? (['max'] as const) : []),
      ],
      countries,
      year: dto.year,
      globalResults: dto.global_results === true,
    };
  }
}
