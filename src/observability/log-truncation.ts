/** A request URL (path and query) in a log line: enough to tell requests apart. */
export const URL_LOG_BYTES = 2048;
/** A header value (the request id) in a log line. */
export const HEADER_VALUE_LOG_BYTES = 256;
/** Any other text in a log line: messages, and fields such as validation messages echoing input. */
export const TEXT_LOG_BYTES = 1024;
/** An error's stack in a log line; stacks start with the message, which may echo input. */
export const STACK_LOG_BYTES = 4096;

/** Longest escaping in a JSON string: a control character becomes `\u00XX`. */
const MAX_ESCAPED_BYTES_PER_UNIT = 6;

/** Bytes one UTF-16 code unit takes in a JSON log line, as UTF-8 and escaped; a bound for surrogates. */
function loggedBytes(code: number): number {
  if (code < 0x20) {
    return MAX_ESCAPED_BYTES_PER_UNIT;
  }
  if (code === 0x22 || code === 0x5c) {
    return 2;
  }
  if (code < 0x80) {
    return 1;
  }
  if (code < 0x800) {
    return 2;
  }
  // A lone surrogate is escaped as `\uDXXX`; a pair takes 4 bytes, so 6 per unit is an upper bound.
  return code >= 0xd800 && code <= 0xdfff ? MAX_ESCAPED_BYTES_PER_UNIT : 3;
}

/**
 * `text` as it may appear in a log line: unchanged when its JSON form fits in `maxBytes`, else
 * cut to fit, followed by a marker giving its original length in characters.
 */
export function truncateForLog(text: string, maxBytes: number): string {
  if (text.length * MAX_ESCAPED_BYTES_PER_UNIT <= maxBytes) {
    return text;
  }
  let bytes = 0;
  let end = 0;
  for (; end < text.length; end++) {
    bytes += loggedBytes(text.charCodeAt(end));
    if (bytes > maxBytes) {
      break;
    }
  }
  if (end === text.length) {
    return text;
  }
  // Never split a surrogate pair.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end--;
  }
  return `${text.slice(0, end)}…[truncated from ${text.length} chars]`;
}

/** Plain objects and arrays are walked this deep; anything deeper is left to the serializers. */
const MAX_DEPTH = 3;

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function truncateValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return truncateForLog(value, TEXT_LOG_BYTES);
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) {
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => truncateValue(item, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  return isPlainObject(value) ? truncateFields(value, depth + 1) : value;
}

/**
 * The fields of a log call with every string in plain objects and arrays cut to
 * `TEXT_LOG_BYTES`; class instances (requests, responses, errors) are left to their serializers.
 * Returns the same object when nothing needed cutting.
 */
export function truncateFields(
  fields: Record<string, unknown>,
  depth = 0,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    const cut = truncateValue(value, depth);
    if (cut !== value) {
      copy ??= { ...fields };
      copy[key] = cut;
    }
  }
  return copy ?? fields;
}
