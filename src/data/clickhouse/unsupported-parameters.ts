import { InvalidParametersError } from 'src/common/errors/invalid-parameters.error';
import type { DatasetQuery } from 'src/engine';

/**
 * The analysis v2 parameters this backend's SQL does not compute yet. A query using one is
 * refused by name (400) rather than answered as if the parameter had not been sent.
 */
export function refuseUnsupportedParameters(query: DatasetQuery): void {
  const unsupported = [
    ...(query.period === 'week' ? ['groupBy'] : []),
    ...((query.fiscalYearStart ?? 1) !== 1 ? ['fiscalYearStart'] : []),
    ...(query.keepCountries ? ['top'] : []),
    ...(query.window ? ['window'] : []),
    ...(query.cumulative ? ['cumulative'] : []),
    ...(query.compare ? ['compare'] : []),
  ];
  if (unsupported.length > 0) {
    throw new InvalidParametersError(
      unsupported.map((parameter) => ({
        parameter,
        message: `${parameter === 'groupBy' ? "'week' " : ''}is not available for datasets stored in ClickHouse; the in-memory datasets support it`,
      })),
    );
  }
}
