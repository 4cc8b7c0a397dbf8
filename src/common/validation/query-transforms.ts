/**
 * Conversions for query-string values. Node's query parser hands us a string for `?a=1`, an array for
 * `?a=1&a=2`, and nothing for an absent key. Each helper converts what it can and returns
 * anything it cannot convert unchanged, so the validator that runs next reports it by name
 * instead of the value being silently coerced (`Boolean('false') === true` is the classic trap).
 */

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on', 't']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off', 'f']);

/** The spellings a boolean flag accepts, for error messages and docs. */
export const FLAG_SPELLINGS = 'true/false, 1/0, yes/no, on/off, y/n, t/f (any case)';

/** `true`/`false` for a recognised flag spelling, the input unchanged otherwise. */
export function toBooleanFlag(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) {
    return true;
  }
  if (FALSE_WORDS.has(word)) {
    return false;
  }
  return value;
}

const INTEGER_PATTERN = /^[+-]?\d{1,15}$/;

/** An integer for a decimal integer string (surrounding spaces and a sign allowed), else the input. */
export function toInteger(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  const text = value.trim();
  return INTEGER_PATTERN.test(text) ? Number(text) : value;
}

/**
 * Normalises a list parameter given as a single value, repeated keys or a comma list (or any mix)
 * into trimmed, non-empty items; anything that is not a string or string array is returned
 * unchanged for the validator to reject.
 */
export function toList(value: unknown): unknown {
  const parts = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string')) {
    return value;
  }
  return parts
    .flatMap((part) => part.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
