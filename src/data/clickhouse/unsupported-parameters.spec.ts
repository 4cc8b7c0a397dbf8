import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import { refuseUnsupportedParameters } from 'src/data/clickhouse/unsupported-parameters';
import { parseMetricName, type DatasetQuery, type MetricSpec } from 'src/engine';

const PLAIN: DatasetQuery = {
  countries: null,
  years: [2024],
  fromDay: null,
  toDay: null,
  groupByCountry: true,
  period: 'month',
  metrics: [parseMetricName('median') as MetricSpec],
};

describe(refuseUnsupportedParameters.name, () => {
  it('should let plain queries through', () => {
    expect(() => refuseUnsupportedParameters(PLAIN)).not.toThrow();
    expect(() => refuseUnsupportedParameters({ ...PLAIN, fiscalYearStart: 1 })).not.toThrow();
  });

  it('should name every analysis v2 parameter it cannot compute', () => {
    let thrown: unknown;
    try {
      refuseUnsupportedParameters({
        ...PLAIN,
        period: 'week',
        fiscalYearStart: 7,
        keepCountries: ['AR'],
        window: 3,
        cumulative: true,
        compare: 'previous_year',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidParametersError);
    expect((thrown as InvalidParametersError).errors.map(({ parameter }) => parameter)).toEqual([
      'groupBy',
      'fiscalYearStart',
      'top',
      'window',
      'cumulative',
      'compare',
    ]);
  });
});
