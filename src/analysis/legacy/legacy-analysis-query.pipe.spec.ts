import { LegacyAnalysisQueryPipe } from 'src/analysis/legacy/legacy-analysis-query.pipe';
import { LegacyQueryError } from 'src/analysis/legacy/legacy-query.error';

describe(LegacyAnalysisQueryPipe.name, () => {
  let sut: LegacyAnalysisQueryPipe;

  beforeEach(() => {
    sut = new LegacyAnalysisQueryPipe();
  });

  it('should turn flags into metric and country lists in the original order', () => {
    expect(
      sut.transform({
        max_value: 'yes',
        mean: 'TRUE',
        include_uy: '1',
        include_ar: 'on',
        year: ' 2024',
      }),
    ).toEqual({
      metrics: ['mean', 'max'],
      countries: [
        { code: 'AR', parameter: 'include_ar' },
        { code: 'UY', parameter: 'include_uy' },
      ],
      year: 2024,
      globalResults: false,
    });
  });

  it('should accept include_<code> for other countries', () => {
    expect(
      sut.transform({ median: 'true', include_br: 'y', include_mx: 'n', global_results: 'on' }),
    ).toEqual({
      metrics: ['median'],
      countries: [{ code: 'BR', parameter: 'include_br' }],
      year: undefined,
      globalResults: true,
    });
  });

  it('should leave metric and country checks to the service', () => {
    expect(sut.transform({})).toEqual({
      metrics: [],
      countries: [],
      year: undefined,
      globalResults: false,
    });
  });

  it.each([
    ['mean', 'maybe', 'type_error.bool'],
    ['mean', ['true', 'false'], 'type_error.bool'],
    ['year', '2024.5', 'type_error.integer'],
    ['year', '', 'type_error.integer'],
    ['include_pe', 'sí', 'type_error.bool'],
    ['include_arg', 'true', 'value_error.extra'],
    ['__proto__', 'x', 'value_error.extra'],
    ['constructor', 'x', 'value_error.extra'],
    ['a[b]', 'c', 'value_error.extra'],
  ])('should refuse %s=%p as %s', (parameter, value, type) => {
    // Query objects have no prototype, so even `__proto__` arrives as an ordinary key.
    const raw = Object.create(null) as Record<string, unknown>;
    raw.mean = 'true';
    raw.include_ar = 'true';
    raw[parameter] = value;

    let thrown: unknown;
    try {
      sut.transform(raw);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(LegacyQueryError);
    expect((thrown as LegacyQueryError).failures).toEqual([{ parameter, type }]);
  });

  it("should report every failure in the original's parameter order, unknown keys last", () => {
    let thrown: unknown;
    try {
      sut.transform({
        colour: 'red',
        global_results: 'x',
        year: 'abc',
        include_br: 'x',
        include_uy: 'x',
        max_value: 'x',
        mean: 'x',
        shape: 'round',
      });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(LegacyQueryError);
    expect((thrown as LegacyQueryError).failures).toEqual([
      { parameter: 'mean', type: 'type_error.bool' },
      { parameter: 'max_value', type: 'type_error.bool' },
      { parameter: 'include_uy', type: 'type_error.bool' },
      { parameter: 'include_br', type: 'type_error.bool' },
      { parameter: 'year', type: 'type_error.integer' },
      { parameter: 'global_results', type: 'type_error.bool' },
      { parameter: 'colour', type: 'value_error.extra' },
      { parameter: 'shape', type: 'value_error.extra' },
    ]);
  });
});
