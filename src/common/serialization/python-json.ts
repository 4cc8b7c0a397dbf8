import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * JSON text as Python's `json.dumps(..., separators=(",", ":"))` writes it, which is what the
 * original FastAPI service sent. Only numbers differ from `JSON.stringify`: Python prints a float
 * with `repr`, so an integral float keeps a `.0` (clients check `isinstance(x, float)`) and very
 * large or small magnitudes use `repr`'s exponent form (`1e+16`, `1e-05`).
 */

/**
 * Python's `repr(float)` of a finite double: the shortest digits that read back as the same
 * double (as JavaScript chooses them), in fixed notation when the decimal exponent is between
 * -4 and 15, otherwise as `d.ddde±XX` with at least two exponent digits.
 */
export function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${value} has no JSON form`);
  }
  const magnitude = Math.abs(value);
  // Both languages print these in fixed notation with the same digits; JavaScript just omits ".0".
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  if (magnitude === 0) {
    return Object.is(value, -0) ? '-0.0' : '0.0';
  }
  // toExponential() without digits gives the shortest round-tripping digits, as String() does.
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
}

/**
 * Serialises plain data (objects, arrays, strings, booleans, null and numbers) compactly, every
 * number printed as a Python float. Non-finite numbers become `null`, as with `JSON.stringify`;
 * `undefined` members are left out.
 */
export function toPythonJson(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? pythonFloatRepr(value) : 'null';
  }
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : toPythonJson(item))).join(',')}]`;
  }
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) {
      members.push(`${JSON.stringify(key)}:${toPythonJson(member)}`);
    }
  }
  return `{${members.join(',')}}`;
}

/** The body of an answer sent as Python's `json` would write it, typed `application/json`. */
export function pythonJsonAnswerBody(
  result: unknown,
  _request: FastifyRequest,
  reply: FastifyReply,
): string {
  reply.header('content-type', 'application/json');
  return toPythonJson(result);
}
