import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';

/**
 * Why a parameter of `GET /data_analysis` was refused, as the original's validator (pydantic v1)
 * names it: a value it could not parse as a boolean or an integer, or a parameter it does not
 * declare.
 */
export type LegacyFailureType = 'type_error.bool' | 'type_error.integer' | 'value_error.extra';

export const LEGACY_FAILURE_MESSAGES: Record<LegacyFailureType, string> = {
  'type_error.bool': 'value could not be parsed to a boolean',
  'type_error.integer': 'value is not a valid integer',
  'value_error.extra': 'extra fields not permitted',
};

export interface LegacyParameterFailure {
  readonly parameter: string;
  readonly type: LegacyFailureType;
}

/**
 * Query parameters of `GET /data_analysis` that could not be read, in the original's parameter
 * order. Still an `InvalidParametersError`, so any filter that does not know the legacy shape
 * reports it as an ordinary invalid-parameter problem.
 */
export class LegacyQueryError extends InvalidParametersError {
  constructor(readonly failures: readonly LegacyParameterFailure[]) {
    super(
      failures.map(({ parameter, type }) => ({
        parameter,
        message: LEGACY_FAILURE_MESSAGES[type],
      })),
    );
    this.name = LegacyQueryError.name;
  }
}
