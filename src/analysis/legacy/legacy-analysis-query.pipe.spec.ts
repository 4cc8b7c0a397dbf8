import { LegacyAnalysisQueryPipe } from 'src/analysis/legacy/legacy-analysis-query.pipe';
import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';

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
    ['mean', 'maybe'],
    ['mean', ['true', 'false']],
    ['year', '2024.5'],
    ['include_pe', 'sí'],
    ['include_arg', 'true'],
    ['__proto__', 'x'],
    ['constructor', 'x'],
    ['a[b]', 'c'],
  ])('should refuse %s=%p naming it', (parameter, value) => {
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

    expect(thrown).toBeInstanceOf(InvalidParametersError);
    expect((thrown as InvalidParametersError).errors.map((error) => error.parameter)).toEqual([
      parameter,
    ]);
  });
});
