/*
 * JSON as Python's `json.loads` reads it, so that tests can ask what the original's Python clients
 * ask: `isinstance(x, float)`. A number is a float when its text has a fraction or an exponent
 * (`1000.0`, `1e+16`), an int otherwise (`1000`).
 */

export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyInt {
  constructor(readonly value: number) {}
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const TAG = '\u0000py';

/** Parses JSON text, every number becoming a `PyFloat` or a `PyInt` by how it was written. */
export function loads(text: string): unknown {
  // Outside strings, each number token is rewritten as a tagged string, then revived.
  let tagged = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      let end = index + 1;
      while (text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
        if (end >= text.length) {
          throw new SyntaxError('unterminated string');
        }
      }
      tagged += text.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    NUMBER.lastIndex = index;
    const number = char === '-' || (char >= '0' && char <= '9') ? NUMBER.exec(text) : null;
    if (number !== null) {
      tagged += JSON.stringify(`${TAG}${number[0]}`);
      index += number[0].length;
      continue;
    }
    tagged += char;
    index += 1;
  }
  return JSON.parse(tagged, (_key, value: unknown) => {
    if (typeof value !== 'string' || !value.startsWith(TAG)) {
      return value;
    }
    const token = value.slice(TAG.length);
    return /[.eE]/.test(token) ? new PyFloat(Number(token)) : new PyInt(Number(token));
  });
}

export function isFloat(value: unknown): value is PyFloat {
  return value instanceof PyFloat;
}
