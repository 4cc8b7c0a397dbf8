import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import type { SalesColumns } from 'src/engine/sales-columns';

/**
 * The rows of an indexed table back as plain columns, read from its day-level runs, so a table can
 * be rebuilt with more rows without keeping (or re-reading) the files it came from. Rows come out
 * grouped by country and day, which the index does not depend on.
 */
export function columnsOfLayout(layout: ColumnarLayout): SalesColumns {
  const { rowCount, dayNumber, dayStart, countryRowStart, countryCodes } = layout;
  const codes = new Uint16Array(rowCount);
  const days = new Int32Array(rowCount);
  let rank = 0;
  for (let d = 0; d < dayNumber.length; d++) {
    const start = dayStart[d];
    const end = dayStart[d + 1];
    if (end === start) {
      continue;
    }
    // Countries without rows have empty blocks: skip past every block that ends at or before this run.
    while (rank + 1 < countryRowStart.length - 1 && start >= countryRowStart[rank + 1]) {
      rank++;
    }
    days.fill(dayNumber[d], start, end);
    codes.fill(rank, start, end);
  }
  return {
    rowCount,
    countryCodes: codes,
    countries: [...countryCodes],
    days,
    values: Float64Array.from(layout.values.subarray(0, rowCount), (k) => k / layout.valueScale),
    // An exact table's scale is 10^(the most fraction digits the loader saw), all it needs again.
    ...(layout.exact === null
      ? {}
      : { fractionDigits: Math.round(Math.log10(layout.exact.scale)) }),
  };
}
