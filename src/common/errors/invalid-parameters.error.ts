import { DomainError, type ParameterError } from 'src/common/errors/domain.error';

/** One or more request parameters are malformed or do not make sense for the dataset. */
export class InvalidParametersError extends DomainError {
  readonly kind = 'invalid-parameter';
  override readonly errors: readonly ParameterError[];

  /** `detail` overrides the default summary, for clients that match on exact texts. */
  constructor(errors: readonly ParameterError[], detail?: string) {
    super(detail ?? InvalidParametersError.describe(errors));
    this.name = InvalidParametersError.name;
    this.errors = errors;
  }

  static describe(errors: readonly ParameterError[]): string {
    const described = errors.map(({ parameter, message }) => `'${parameter}' ${message}`);
    return `Invalid query parameter${errors.length > 1 ? 's' : ''}: ${described.join('; ')}`;
  }
}
