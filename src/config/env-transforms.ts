import { toInteger } from 'src/common/validation/query-transforms';

type EnvValue = { value: unknown };

const isUnset = (value: unknown): boolean => value === undefined || value === '';

/**
 * `@Transform` body for an integer variable: the default when unset or empty, else the parsed
 * integer, or the raw text so the validator names the variable instead of coercing it.
 */
export function integerOr(fallback: number): (params: EnvValue) => unknown {
  return ({ value }) => (isUnset(value) ? fallback : toInteger(value));
}

/** `@Transform` body for a keyword variable: the default when unset or empty, else trimmed lower case. */
export function keywordOr(fallback: string): (params: EnvValue) => unknown {
  return ({ value }) => (isUnset(value) ? fallback : String(value).trim().toLowerCase());
}
