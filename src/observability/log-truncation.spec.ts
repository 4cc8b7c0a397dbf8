import { TEXT_LOG_BYTES, truncateFields, truncateForLog } from 'src/observability/log-truncation';

/** Bytes `text` takes inside a JSON line, quotes excluded. */
const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text)) - 2;

describe(truncateForLog.name, () => {
  it.each([
    ['short ASCII', '/v1/datasets/sales', 2048],
    ['exactly at the bound', 'a'.repeat(2048), 2048],
    ['multi-byte text within the bound', 'é'.repeat(1024), 2048],
  ])('should keep %s as it is', (_case, text, maxBytes) => {
    expect(truncateForLog(text, maxBytes)).toBe(text);
  });

  it.each([
    ['ASCII', 'a', 2048, 2048],
    ['two-byte characters', 'é', 2048, 1024],
    ['three-byte characters', '€', 2048, 682],
    ['quotes, escaped as two bytes', '"', 2048, 1024],
    ['control characters, escaped as six bytes', '\u0001', 2048, 341],
    ['lone surrogates, escaped as six bytes', '\udfff', 2048, 341],
  ])('should cut %s to fit the bound and say how long it was', (_case, unit, maxBytes, kept) => {
    const text = unit.repeat(30_000);
    const cut = truncateForLog(text, maxBytes);
    expect(cut).toBe(`${unit.repeat(kept)}…[truncated from 30000 chars]`);
    expect(jsonBytes(cut.slice(0, kept))).toBeLessThanOrEqual(maxBytes);
  });

  it('should not split a surrogate pair', () => {
    // Each unit of a pair is counted at six bytes: 341 units fit in 2048, the 341st opens a pair.
    const cut = truncateForLog('😀'.repeat(1000), 2048);
    expect(cut).toBe(`${'😀'.repeat(170)}…[truncated from 2000 chars]`);
  });
});

describe(truncateFields.name, () => {
  it('should return the same object when nothing is too long', () => {
    const fields = { context: 'Bootstrap', count: 3, nested: { list: ['a', 'b'] } };
    expect(truncateFields(fields)).toBe(fields);
  });

  it('should cut long strings in plain objects and arrays, leaving the caller its object', () => {
    const long = 'x'.repeat(5000);
    const fields = { detail: long, errors: [{ parameter: 'metrics', message: long }], n: 1 };
    const cut = truncateFields(fields);
    const expected = `${'x'.repeat(TEXT_LOG_BYTES)}…[truncated from 5000 chars]`;
    expect(cut).toEqual({
      detail: expected,
      errors: [{ parameter: 'metrics', message: expected }],
      n: 1,
    });
    expect(fields.detail).toBe(long);
  });

  it('should leave class instances to their serializers', () => {
    const error = new Error('y'.repeat(5000));
    const fields = { err: error };
    expect(truncateFields(fields)).toBe(fields);
  });
});
