import { pythonFloatRepr, toPythonJson } from 'src/common/serialization/python-json';

describe(pythonFloatRepr.name, () => {
  // Expected texts are CPython 3's repr() (and json.dumps()) of the same doubles.
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [1000, '1000.0'],
    [-1000, '-1000.0'],
    [100, '100.0'],
    [0.5, '0.5'],
    [0.1, '0.1'],
    [0.3, '0.3'],
    [0.1 + 0.2, '0.30000000000000004'],
    [656.56, '656.56'],
    [656.5599999999998, '656.5599999999998'],
    [617652.47, '617652.47'],
    [123456.789, '123456.789'],
    // Fixed notation up to a decimal exponent of 15, exponent form from 16.
    [1e15, '1000000000000000.0'],
    [1234567890123456, '1234567890123456.0'],
    [9999999999999998, '9999999999999998.0'],
    [1e16, '1e+16'],
    [12345678901234568, '1.2345678901234568e+16'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [1e100, '1e+100'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    // Fixed notation down to a decimal exponent of -4, exponent form below.
    [1e-4, '0.0001'],
    [0.00012, '0.00012'],
    [9.999999999999999e-5, '9.999999999999999e-05'],
    [1e-5, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [-2.5e-10, '-2.5e-10'],
    [5e-324, '5e-324'],
  ])('should print %p as %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('should refuse %p', (value) => {
    expect(() => pythonFloatRepr(value)).toThrow(RangeError);
  });

  it('should read back as the same double for random doubles', () => {
    const bits = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 20_000; i++) {
      bits.setUint32(0, (Math.random() * 2 ** 32) >>> 0);
      bits.setUint32(4, (Math.random() * 2 ** 32) >>> 0);
      const value = bits.getFloat64(0);
      if (Number.isFinite(value)) {
        expect(Number(pythonFloatRepr(value))).toBe(value);
      }
    }
  });
});

describe(toPythonJson.name, () => {
  it('should write compact JSON with every number as a float', () => {
    expect(
      toPythonJson({
        global_results: { mean: 1000, median: 656.56, max: 1e16 },
        on_countries: ['AR', 'CL'],
      }),
    ).toBe(
      '{"global_results":{"mean":1000.0,"median":656.56,"max":1e+16},"on_countries":["AR","CL"]}',
    );
  });

  it('should escape strings and keys as JSON does', () => {
    expect(toPythonJson({ 'a"b': 'line\nbreak', ok: true, none: null })).toBe(
      '{"a\\"b":"line\\nbreak","ok":true,"none":null}',
    );
  });

  it('should leave out undefined members and write non-finite numbers as null', () => {
    expect(toPythonJson({ kept: 1, dropped: undefined, list: [undefined, NaN] })).toBe(
      '{"kept":1.0,"list":[null,null]}',
    );
  });
});
