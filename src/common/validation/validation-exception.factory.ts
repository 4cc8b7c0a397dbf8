import { getMetadataStorage, type ValidationError } from 'class-validator';
import type { ParameterError } from 'src/common/errors/domain.error';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';

/** Names of the parameters a DTO declares, to list them when a client sends an unknown one. */
function declaredParameters(target: object | undefined): string[] {
  if (!target) {
    return [];
  }
  const metadata = getMetadataStorage().getTargetValidationMetadatas(
    target.constructor,
    '',
    true,
    false,
  );
  return [...new Set(metadata.map(({ propertyName }) => propertyName))];
}

export function toParameterErrors(errors: readonly ValidationError[]): ParameterError[] {
  return errors.flatMap((error) => {
    const constraints = error.constraints ?? {};
    if ('whitelistValidation' in constraints) {
      const allowed = declaredParameters(error.target);
      return [
        {
          parameter: error.property,
          message: `is not a known parameter${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
        },
      ];
    }
    // One message per parameter. class-validator lists constraints in reverse declaration order,
    // and DTOs declare the most basic check first, so the last message is the one to show.
    const message = Object.values(constraints).at(-1);
    return message
      ? [{ parameter: error.property, message }]
      : toParameterErrors(error.children ?? []);
  });
}

/** Replaces ValidationPipe's flat string list with one error naming every bad parameter. */
export function validationExceptionFactory(errors: ValidationError[]): InvalidParametersError {
  return new InvalidParametersError(toParameterErrors(errors));
}
