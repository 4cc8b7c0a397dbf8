import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Thrown at boot when a setting is missing or malformed; main.ts prints its message as one line. */
export class ConfigValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ConfigValidationError.name;
  }
}

function describe(errors: readonly ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    // Several constraints often share one message (an integer within a range); say it once.
    const reasons = [...new Set(Object.values(error.constraints ?? {}))];
    const own = reasons.map((reason) => `${path}: ${reason}`);
    return [...own, ...describe(error.children ?? [], `${path}.`)];
  });
}

/**
 * Converts and validates a plain record (usually `process.env`) against a class-validator class,
 * throwing one readable line that names every bad variable and why.
 */
export function validateConfig<T extends object>(
  source: Record<string, unknown>,
  schema: ClassConstructor<T>,
  context = 'Invalid configuration',
): T {
  const instance = plainToInstance(schema, source, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    skipMissingProperties: false,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    throw new ConfigValidationError(`${context}: ${describe(errors).join('; ')}`);
  }
  return instance;
}
