import { Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  LegacyAnalysisQueryDto,
  type LegacyAnalysisQuery,
} from 'src/analysis/legacy/legacy-analysis-query.dto';
import {
  LegacyQueryError,
  type LegacyParameterFailure,
} from 'src/analysis/legacy/legacy-query.error';
import { toBooleanFlag } from 'src/common/validation/query-transforms';
import { prototypeKeyErrors } from 'src/common/validation/strict-validation.pipe';
import { ValidationMemo } from 'src/common/validation/validation-memo';

const INCLUDE_FLAG = /^include_([a-z]{2})$/;
const DECLARED_INCLUDE_FLAGS = new Set(['include_ar', 'include_cl', 'include_uy']);

/** The original's parameter list, in the order its validation errors are reported. */
export const LEGACY_PARAMETER_ORDER = [
  'mean',
  'median',
  'max_value',
  'include_ar',
  'include_cl',
  'include_uy',
  'year',
  'global_results',
] as const;

/** Where a failure sorts: the original's order, other country flags after `include_uy`, then unknown keys. */
function reportRank({ parameter, type }: LegacyParameterFailure): number {
  if (type === 'value_error.extra') {
    return LEGACY_PARAMETER_ORDER.length;
  }
  const index = (LEGACY_PARAMETER_ORDER as readonly string[]).indexOf(parameter);
  return index >= 0 ? index : LEGACY_PARAMETER_ORDER.indexOf('include_uy') + 0.5;
}

/**
 * Validates the raw query of `GET /data_analysis`. The DTO covers the declared flags; any other
 * `include_<code>` flag is read here because the countries a dataset holds are open-ended. Every
 * unreadable value and unknown parameter is reported at once, in the original's order.
 */
@Injectable()
export class LegacyAnalysisQueryPipe implements PipeTransform<
  Record<string, unknown>,
  LegacyAnalysisQuery
> {
  /** Recently validated queries (see `ValidationMemo`). */
  private readonly memo = new ValidationMemo<LegacyAnalysisQuery>();

  transform(raw: Record<string, unknown>): LegacyAnalysisQuery {
    const key = this.memo.keyOf(raw);
    return this.memo.get(key) ?? this.memo.remember(key, this.validate(raw));
  }

  private validate(raw: Record<string, unknown>): LegacyAnalysisQuery {
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
    const failures: LegacyParameterFailure[] = [
      ...validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }).map(
        ({ property, constraints }): LegacyParameterFailure => ({
          parameter: property,
          type:
            constraints !== undefined && 'whitelistValidation' in constraints
              ? 'value_error.extra'
              : property === 'year'
                ? 'type_error.integer'
                : 'type_error.bool',
        }),
      ),
      ...prototypeKeyErrors(declared).map(({ parameter }): LegacyParameterFailure => ({
        parameter,
        type: 'value_error.extra',
      })),
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
        failures.push({ parameter, type: 'type_error.bool' });
      } else if (flag) {
        countries.push({ code: parameter.slice(-2).toUpperCase(), parameter });
      }
    }
    if (failures.length > 0) {
      // Array.prototype.sort is stable: equal ranks keep the query's order.
      throw new LegacyQueryError(failures.sort((a, b) => reportRank(a) - reportRank(b)));
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
