import fc from 'fast-check';
import { NoMatchingDataError } from 'src/analysis/errors/no-matching-data.error';
import { AnalysisService } from 'src/analysis/analysis.service';
import type { AnalysisRequest } from 'src/analysis/analysis-request';
import type { ColumnarSalesTable } from 'src/engine';
import {
  askedAndNaive,
  naiveDatasetOf,
  repositoryOf,
  requestArbitrary,
  salesArbitrary,
  tableOf,
  type Sale,
} from 'test/support/analysis-arbitraries';
import { naiveAnalyse, sameMetric } from 'test/support/naive-sales';

/*
 * Property test of the comparisons, windows, running totals, shares, top-N, ISO weeks and fiscal
 * years: random datasets with gaps (a few clusters of days, so many periods have no rows), leap
 * days and ISO week 53 (2020-W53 runs from 2020-12-28 to 2021-01-03), random valid requests, and
 * every answer of the service over the indexed engine compared with the naive reference, row by
 * row and value by value (1e-9 relative).
 */

const METRICS = ['count', 'sum', 'mean', 'median', 'min', 'max', 'stddev', 'p10', 'p90'];
// Few distinct values, so ties are common; quarters keep sums exact enough to compare.
const quarterSales = salesArbitrary(fc.integer({ min: -20, max: 400 }).map((value) => value / 4));

/**
 * The service over `table(sales)` answers `request` like the reference, row by row and value by
 * value.
 */
async function expectLikeReference(
  sales: Sale[],
  request: AnalysisRequest,
  table: (sales: Sale[]) => ColumnarSalesTable,
): Promise<void> {
  const dataset = naiveDatasetOf(sales);
  const { asked, naive } = askedAndNaive(request, dataset);
  const expected = naiveAnalyse(dataset, naive);
  const service = new AnalysisService(repositoryOf(table(sales)));
  const answer = service.analyse('sales', asked);
  if (expected.matchedRows === 0) {
    await expect(answer).rejects.toBeInstanceOf(NoMatchingDataError);
    return;
  }
  const { matchedRows, results } = await answer;
  expect(matchedRows).toBe(expected.matchedRows);
  expect(results.map((row) => Object.keys(row))).toEqual(
    expected.results.map((row) => Object.keys(row)),
  );
  results.forEach((row, i) => {
    for (const [key, value] of Object.entries(expected.results[i])) {
      if (!sameMetric(row[key], value)) {
        throw new Error(
          `row ${i} ${key}: got ${String(row[key])}, expected ${String(value)}\n` +
            `request ${JSON.stringify(asked)}\nrow ${JSON.stringify(row)}\nexpected ${JSON.stringify(expected.results[i])}`,
        );
      }
    }
  });
}

describe('analysis v2 against the naive reference', () => {
  it('should answer comparisons, windows, running totals, shares and top-N like the reference', async () => {
    await fc.assert(
      fc.asyncProperty(quarterSales, requestArbitrary(METRICS), (sales, request) =>
        expectLikeReference(sales, request, (rows) => tableOf(rows)),
      ),
      { numRuns: 300 },
    );
  });

  it('should answer like the reference where countries have value buckets (OTHER, windows across countries)', async () => {
    // More rows and a counter per row give most countries value buckets, so OTHER, the groups
    // over several countries and the windows select across countries' buckets; the small copy
    // limits make those selections narrow, count inside cut buckets and fall back to run
    // selection.
    const denseSales = salesArbitrary(
      fc.integer({ min: -20, max: 400 }).map((value) => value / 4),
      { minRows: 150, maxRows: 500 },
    );
    const tuningArb = fc.record({
      rowsPerCounter: fc.constant(1),
      gatherLimit: fc.constantFrom(2, 16),
      acrossCopyLimit: fc.constantFrom(0, 40),
      acrossGatherLimit: fc.constantFrom(0, 64, 131072),
    });
    await fc.assert(
      fc.asyncProperty(denseSales, tuningArb, requestArbitrary(METRICS), (sales, tuning, request) =>
        expectLikeReference(sales, request, (rows) => tableOf(rows, tuning)),
      ),
      { numRuns: 150 },
    );
  });
});
